/* SPDX-License-Identifier: MIT */
/*
 * explore.c: `bindmodel explore`: measure the model's fidelity by running
 * generated scenarios on the model and on the live kernel and diffing the
 * two result streams step by step.
 *
 * The design
 * ----------
 * Every scenario is a fixed PRELUDE followed by OPERATIONS; "depth" is the
 * number of operations.  The prelude configures the namespace and a helper
 * listener that connections can complete a real handshake with:
 *
 *     addr add 10.0.0.1 / addr add 10.0.0.2
 *     h = socket tcp6; bind h [::]:6000; listen h      (dual stack)
 *
 * An operation is a composite: it creates ONE socket of a kind (tcp4, udp4,
 * tcp6, udp6) with an option profile (none, SO_REUSEADDR, SO_REUSEPORT,
 * both, SO_REUSEPORT as uid 1000, ...; IPV6_V6ONLY belongs to the address
 * form "[::] v6only") and brings it to a state at an address on the one
 * fixed port P = 5000:
 *
 *     bind      bind A:P
 *     listen    bind A:P, listen                                    (TCP)
 *     connect   bind A:P, connect to the helper at peer(A):6000, the
 *               helper accepts (a real handshake; UDP: no helper)
 *     accepted  bind A:P, listen, a client connects to peer(A):P, accept,
 *               close the listener: the accepted child alone holds P  (TCP)
 *     tw-client bind A:P, connect to the helper, accept, close the client
 *               then the child: the client is in TIME_WAIT on A:P     (TCP)
 *     tw-child  bind A:P, listen, a client connects, accept, close the
 *               child, the client, the listener: TIME_WAIT on P       (TCP)
 *     deliver   a datagram from peer(D):6000 to D:P: who receives    (UDP)
 *
 * so that an operation is one "socket that holds (or tries to hold) P".
 * Depth 1 is every single holder; depth 2 is every ordered PAIR of holders,
 * which is the classic two-socket question (does the second bind, listen,
 * connect... succeed next to the first?) asked for every state, option,
 * owner and address combination of the small alphabet.  TCP and UDP have
 * separate port spaces, so the enumeration pairs operations of the same
 * protocol (a TCP alphabet and a UDP alphabet); depth N enumerates every
 * sequence of N operations of one alphabet.
 *
 * The enumerated alphabet is kept small (138 TCP and 72 UDP operations)
 * so that depth 2 (about 24,000 scenarios) runs on the kernel in about a
 * minute: bind and listen take every address and profile; the other
 * states take the wildcard, a specific and a v4-mapped address with the
 * plain, SO_REUSEADDR and SO_REUSEPORT profiles.  The random phase
 * (--count K, depth 3..8, seeded and deterministic: scenario r of seed S
 * is the same on every run) draws from the WHOLE universe instead: every
 * address form (also ::ffff:127.0.0.1, a v4-mapped bind on a v6only
 * socket, TCP on a multicast group, 127.0.0.2), every profile (uid 1000
 * with any options), both protocols mixed, an autobound client connect to
 * P, plus single steps on sockets made earlier: close, late setsockopt of
 * SO_REUSEADDR / SO_REUSEPORT / SO_LINGER 0, listen, connect (mostly to a
 * peer of the socket's own family), accept, deliver (and advance, with
 * --allow-sleep).
 * One TCP operation in 24 of the random phase has its peer on another
 * host (issue 9): `tw-remote` listens on A:P, a client on host peer
 * (10.0.9.2, a namespace of its own on the kernel) connects, and the
 * server closes first; `remote-client` binds A:P, connects to the helper
 * listener hp on host peer and closes first.  Either leaves a TIME_WAIT on
 * P whose peer is remote.
 *
 * Comparison: result codes of every step, the receivers of deliver (within
 * an SO_REUSEPORT group any member is accepted: which one the hash picks is
 * not part of the model), never ephemeral port values.  After a TCP
 * connect that the model hands to an SO_REUSEPORT group the scenario is
 * compared no further (the accept queues depend on the kernel's hash).  A
 * step the kernel reports as "skip:" (it cannot be run faithfully there)
 * ends the comparison of that scenario: the kernel's state no longer
 * follows it.
 *
 * A disagreement is run again; one that does not happen again is FLAKY
 * (the kernel raced) and counted apart.  A kind of disagreement (the
 * command, both results, the model's rule) is shrunk and written at most
 * --per-kind times (default 3): steps after the first disagreeing step are
 * cut, then steps are dropped greedily (with the steps that use the
 * sockets they create) while the same step still disagrees the same way.
 * The minimal scenario is written to DIR, its sockets renamed a, b, c...,
 * with expectations from the kernel's results and the model's result as a
 * comment; identical minimal scenarios are written once.
 *
 * --against model[:OS] puts a second model engine where the kernel goes:
 * with another personality it makes disagreements on purpose, to test this
 * file without a kernel.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

#define XP_PORT 5000      /* the port every operation works on */
#define XP_HELPER 6000    /* the helper listener's port, deliver's source port */
#define XP_MAXSTEPS 160
#define XP_MAXNAMES 64

/* ------------------------------------------------------------ universe */

enum { PR_TCP = 1, PR_UDP = 2 };

typedef struct xaddr {
	const char *addr;    /* bound address */
	int fam;             /* 4 or 6: the socket's family */
	int v6only;          /* set IPV6_V6ONLY before bind */
	const char *peer;    /* where a socket bound here connects */
	unsigned protos;     /* PR_TCP | PR_UDP: where it is in the universe */
	unsigned small;      /* ... and in the enumerated alphabet */
} xaddr;

static const xaddr addrs[] = {
	{"0.0.0.0", 4, 0, "127.0.0.1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"10.0.0.1", 4, 0, "10.0.0.1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"10.0.0.2", 4, 0, "10.0.0.2", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"127.0.0.1", 4, 0, "127.0.0.1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"224.1.2.3", 4, 0, "127.0.0.1", PR_TCP | PR_UDP, PR_UDP},
	{"::", 6, 0, "::1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"::", 6, 1, "::1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"::1", 6, 0, "::1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"::ffff:10.0.0.1", 6, 0, "::ffff:10.0.0.1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"::ffff:0.0.0.0", 6, 0, "::ffff:127.0.0.1", PR_TCP | PR_UDP, PR_TCP | PR_UDP},
	{"ff0e::1", 6, 0, "::1", PR_TCP | PR_UDP, PR_UDP},
	{"::ffff:127.0.0.1", 6, 0, "::ffff:127.0.0.1", PR_TCP | PR_UDP, 0},
	{"::ffff:10.0.0.1", 6, 1, "::ffff:10.0.0.1", PR_TCP | PR_UDP, 0},
	{"127.0.0.2", 4, 0, "127.0.0.2", PR_TCP | PR_UDP, 0},
	{"::1", 6, 1, "::1", PR_TCP | PR_UDP, 0},
};
#define NADDRS (sizeof addrs / sizeof addrs[0])

typedef struct xprof {
	const char *name;
	unsigned opts;       /* SO_REUSEADDR / SO_REUSEPORT set before bind */
	uint32_t uid;        /* owner */
	int small;           /* in the enumerated alphabet (2: bind/listen only) */
} xprof;

static const xprof profs[] = {
	{"-", 0, 0, 1},
	{"RA", BM_SO_REUSEADDR, 0, 1},
	{"RP", BM_SO_REUSEPORT, 0, 1},
	{"RA+RP", BM_SO_REUSEADDR | BM_SO_REUSEPORT, 0, 2},
	{"RP/u1000", BM_SO_REUSEPORT, 1000, 2},
	{"-/u1000", 0, 1000, 0},
	{"RA/u1000", BM_SO_REUSEADDR, 1000, 0},
	{"RA+RP/u1000", BM_SO_REUSEADDR | BM_SO_REUSEPORT, 1000, 0},
};
#define NPROFS (sizeof profs / sizeof profs[0])

typedef enum xact {
	ACT_BIND, ACT_LISTEN, ACT_CONNECT, ACT_ACCEPTED, ACT_TWCLIENT, ACT_TWCHILD,
	ACT_AUTOCONNECT,     /* random only: an unbound client connects to peer(A):P */
	ACT_TWREMOTE,        /* random only: listen on A:P, a client on host peer
	                        connects, the server closes first: TIME_WAIT here
	                        with a remote peer */
	ACT_REMOTECLIENT,    /* random only: bind A:P, connect to the helper on
	                        host peer, close first: TIME_WAIT here */
	ACT_DELIVER,
	/* single steps on earlier sockets (random phase only) */
	ACT_CLOSE, ACT_SETOPT, ACT_SLISTEN, ACT_SCONNECT, ACT_SACCEPT, ACT_ADVANCE,
	ACT_COUNT
} xact;

static const char *const act_names[ACT_COUNT] = {
	"bind", "listen", "connect", "accepted", "tw-client", "tw-child", "autoconnect",
	"tw-remote", "remote-client", "deliver", "close", "setsockopt", "listen", "connect", "accept", "advance",
};

/* Addresses a deliver may target (with its source) */
typedef struct xdst {
	bm_proto proto;
	int fam;
	const char *dst, *src;
	int small;
} xdst;

static const xdst dsts[] = {
	{BM_UDP, 4, "10.0.0.1", "10.0.0.1", 1},
	{BM_UDP, 4, "127.0.0.1", "127.0.0.1", 1},
	{BM_UDP, 4, "224.1.2.3", "127.0.0.1", 1},
	{BM_UDP, 6, "::1", "::1", 1},
	{BM_UDP, 6, "::ffff:10.0.0.1", "::ffff:10.0.0.1", 1},
	{BM_UDP, 4, "10.0.0.2", "10.0.0.2", 0},
	{BM_UDP, 6, "::ffff:127.0.0.1", "::ffff:127.0.0.1", 0},
	/* TCP deliver would send a real SYN and IPv6 multicast does not loop
	 * over lo: the kernel engine skips both */
};
#define NDSTS (sizeof dsts / sizeof dsts[0])

/* One operation.  Composite ones use proto/addr/prof; single steps use
 * target (an index into the names made so far) and arg. */
typedef struct xop {
	xact act;
	int proto;           /* PR_TCP / PR_UDP */
	int addr, prof;      /* indexes into addrs[], profs[] (dsts[] for deliver) */
	int target;          /* single steps: name index */
	int arg;             /* setsockopt: which; connect: destination; advance: ms */
} xop;

/* ---------------------------------------------------------------- steps */

/* A compact step; turned into an sc_cmd when it runs. */
typedef struct xstep {
	sc_kind kind;
	char name[8], target[8];
	bm_family fam;
	bm_proto proto;
	bm_option opt;
	int value;
	bm_endpoint ep, ep2;
	uint32_t uid;
	uint64_t ms;
	const char *addr;    /* addr add */
	int op;              /* which operation made it (-1: prelude) */
} xstep;

typedef struct xscen {
	xstep st[XP_MAXSTEPS];
	int n;
	/* names made so far while expanding (for single-step operations) */
	char names[XP_MAXNAMES][8];
	bm_proto name_proto[XP_MAXNAMES];
	int name_fam[XP_MAXNAMES];   /* 4, 6, or 46: IPv6 used with v4-mapped peers */
	int nnames;
	uint32_t uid;        /* current `user` */
	int overflow;
	int has_peer;        /* host peer (10.0.9.2) and its helper hp exist */
} xscen;

static xstep *add_step(xscen *s, sc_kind k, int op)
{
	if (s->n == XP_MAXSTEPS) {
		s->overflow = 1;
		return NULL;
	}
	xstep *t = &s->st[s->n++];
	memset(t, 0, sizeof *t);
	t->kind = k;
	t->op = op;
	return t;
}

static void ep_set(bm_endpoint *ep, const char *addr, int port)
{
	if (bm_addr_parse(addr, ep) != 0)
		memset(ep, 0, sizeof *ep);
	ep->port = (uint16_t)port;
}

static void add_name(xscen *s, const char *name, bm_proto proto, int fam)
{
	if (s->nnames < XP_MAXNAMES) {
		snprintf(s->names[s->nnames], sizeof s->names[0], "%s", name);
		s->name_fam[s->nnames] = fam;
		s->name_proto[s->nnames++] = proto;
	}
}

static void st_socket(xscen *s, int op, const char *name, bm_proto proto, int fam, uint32_t uid)
{
	if (uid != s->uid) {
		xstep *u = add_step(s, SC_USER, op);
		if (u)
			u->uid = uid;
		s->uid = uid;
	}
	xstep *t = add_step(s, SC_SOCKET, op);
	if (!t)
		return;
	snprintf(t->name, sizeof t->name, "%s", name);
	t->proto = proto;
	t->fam = fam == 4 ? BM_AF_INET : BM_AF_INET6;
	add_name(s, name, proto, fam);
}

static void st_opt(xscen *s, int op, const char *name, bm_option o, int value)
{
	xstep *t = add_step(s, SC_SETSOCKOPT, op);
	if (!t)
		return;
	snprintf(t->target, sizeof t->target, "%s", name);
	t->opt = o;
	t->value = value;
}

static void st_ep(xscen *s, int op, sc_kind k, const char *name, const char *addr, int port)
{
	xstep *t = add_step(s, k, op);
	if (!t)
		return;
	snprintf(t->target, sizeof t->target, "%s", name);
	ep_set(&t->ep, addr, port);
}

static void st_on(xscen *s, int op, sc_kind k, const char *name)
{
	xstep *t = add_step(s, k, op);
	if (t)
		snprintf(t->target, sizeof t->target, "%s", name);
}

static void st_accept(xscen *s, int op, const char *name, const char *listener, int fam)
{
	xstep *t = add_step(s, SC_ACCEPT, op);
	if (!t)
		return;
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->target, sizeof t->target, "%s", listener);
	add_name(s, name, BM_TCP, fam);
}

static void prelude(xscen *s)
{
	memset(s, 0, sizeof *s);
	xstep *t = add_step(s, SC_ADDR, -1);
	t->addr = "10.0.0.1";
	t = add_step(s, SC_ADDR, -1);
	t->addr = "10.0.0.2";
	st_socket(s, -1, "h", BM_TCP, 6, 0);
	st_ep(s, -1, SC_BIND, "h", "::", XP_HELPER);
	st_on(s, -1, SC_LISTEN, "h");
}

/* Host peer, a Linux machine at 10.0.9.2 with a helper listener hp on
 * port 6000, made by the first remote operation of a scenario (a host is a
 * namespace of its own on the kernel: too dear for every scenario). */
#define XP_PEER "10.0.9.2"

static void st_on_host(xscen *s, int op, const char *host)
{
	xstep *t = add_step(s, SC_ON, op);
	if (t)
		snprintf(t->name, sizeof t->name, "%s", host);
}

static void need_peer(xscen *s, int op)
{
	if (s->has_peer)
		return;
	s->has_peer = 1;
	xstep *t = add_step(s, SC_HOST, op);
	if (t) {
		snprintf(t->name, sizeof t->name, "peer");
		t->addr = XP_PEER;
	}
	st_on_host(s, op, "peer");
	st_socket(s, op, "hp", BM_TCP, 4, s->uid);
	st_ep(s, op, SC_BIND, "hp", XP_PEER, XP_HELPER);
	st_on(s, op, SC_LISTEN, "hp");
	st_on_host(s, op, "local");
}

/* The class of the peer a socket bound at a connects to: 4, 6 or 46. */
static int peer_class(const xaddr *a)
{
	if (a->fam == 4)
		return 4;
	return strncmp(a->peer, "::ffff:", 7) == 0 ? 46 : 6;
}

/* Append operation number i (0-based; its sockets are s<i+1>, ...). */
static void expand(xscen *s, int i, const xop *o)
{
	char sn[8], cn[8], kn[8];
	snprintf(sn, sizeof sn, "s%d", i + 1);
	snprintf(cn, sizeof cn, "c%d", i + 1);
	snprintf(kn, sizeof kn, "k%d", i + 1);
	if (o->act >= ACT_CLOSE) {
		int ti = s->nnames ? o->target % s->nnames : -1;
		const char *tn = ti >= 0 ? s->names[ti] : "h";
		int tfam = ti >= 0 ? s->name_fam[ti] : 6;
		switch (o->act) {
		case ACT_CLOSE:
			st_on(s, i, SC_CLOSE, tn);
			break;
		case ACT_SETOPT: {
			static const bm_option which[] = {BM_SO_REUSEADDR, BM_SO_REUSEPORT, BM_SO_LINGER};
			bm_option opt = which[(o->arg >> 1) % 3];
			st_opt(s, i, tn, opt, opt == BM_SO_LINGER ? 0 : o->arg & 1);
			break;
		}
		case ACT_SLISTEN:
			st_on(s, i, SC_LISTEN, tn);
			break;
		case ACT_SCONNECT: {
			/* mostly a peer of the class the socket was made for
			 * (IPv4, IPv6, v4-mapped); one time in 32 another one
			 * (Linux UDPv6 takes an IPv4 sockaddr; a TCPv6 socket
			 * that failed a v4-mapped connect hangs on a native one) */
			int k = o->arg % (int)NADDRS;
			int cross = o->arg % 32 == 0;
			while ((peer_class(&addrs[k]) == tfam) == cross)
				k = (k + 1) % (int)NADDRS;
			st_ep(s, i, SC_CONNECT, tn, addrs[k].peer, (o->arg / 10) & 1 ? XP_HELPER : XP_PORT);
			break;
		}
		case ACT_SACCEPT:
			st_accept(s, i, kn, tn, tfam);
			break;
		case ACT_ADVANCE: {
			xstep *t = add_step(s, SC_ADVANCE, i);
			if (t)
				t->ms = (uint64_t)o->arg;
			break;
		}
		default:
			break;
		}
		return;
	}
	if (o->act == ACT_DELIVER) {
		const xdst *d = &dsts[o->addr];
		xstep *t = add_step(s, SC_DELIVER, i);
		if (!t)
			return;
		t->proto = d->proto;
		t->fam = d->fam == 4 ? BM_AF_INET : BM_AF_INET6;
		ep_set(&t->ep, d->src, XP_HELPER);
		ep_set(&t->ep2, d->dst, XP_PORT);
		return;
	}
	const xaddr *a = &addrs[o->addr];
	const xprof *p = &profs[o->prof];
	bm_proto proto = o->proto == PR_TCP ? BM_TCP : BM_UDP;
	st_socket(s, i, sn, proto, a->fam, p->uid);
	if (s->nnames)
		s->name_fam[s->nnames - 1] = peer_class(a);
	if (p->opts & BM_SO_REUSEADDR)
		st_opt(s, i, sn, BM_SO_REUSEADDR, 1);
	if (p->opts & BM_SO_REUSEPORT)
		st_opt(s, i, sn, BM_SO_REUSEPORT, 1);
	if (a->v6only)
		st_opt(s, i, sn, BM_IPV6_V6ONLY, 1);
	if (o->act == ACT_AUTOCONNECT) {
		st_ep(s, i, SC_CONNECT, sn, a->peer, XP_PORT);
		return;
	}
	st_ep(s, i, SC_BIND, sn, a->addr, XP_PORT);
	switch (o->act) {
	case ACT_TWREMOTE:
		/* the server closes first; its peer is on another host */
		st_on(s, i, SC_LISTEN, sn);
		need_peer(s, i);
		st_on_host(s, i, "peer");
		st_socket(s, i, cn, BM_TCP, 4, p->uid);
		st_ep(s, i, SC_CONNECT, cn, strcmp(a->addr, "0.0.0.0") == 0 ? "10.0.0.1" : a->addr,
		      XP_PORT);
		st_on_host(s, i, "local");
		st_accept(s, i, kn, sn, 4);
		st_on(s, i, SC_CLOSE, kn);
		st_on(s, i, SC_CLOSE, cn);
		st_on(s, i, SC_CLOSE, sn);
		break;
	case ACT_REMOTECLIENT:
		/* the client closes first; the server is on another host */
		need_peer(s, i);
		st_ep(s, i, SC_CONNECT, sn, XP_PEER, XP_HELPER);
		st_accept(s, i, kn, "hp", 4);
		st_on(s, i, SC_CLOSE, sn);
		st_on(s, i, SC_CLOSE, kn);
		break;
	case ACT_LISTEN:
		st_on(s, i, SC_LISTEN, sn);
		break;
	case ACT_CONNECT:
		st_ep(s, i, SC_CONNECT, sn, a->peer, XP_HELPER);
		if (proto == BM_TCP)
			st_accept(s, i, kn, "h", peer_class(a));
		break;
	case ACT_TWCLIENT:
		st_ep(s, i, SC_CONNECT, sn, a->peer, XP_HELPER);
		st_accept(s, i, kn, "h", peer_class(a));
		st_on(s, i, SC_CLOSE, sn);
		st_on(s, i, SC_CLOSE, kn);
		break;
	case ACT_ACCEPTED:
	case ACT_TWCHILD:
		st_on(s, i, SC_LISTEN, sn);
		st_socket(s, i, cn, proto, a->fam, p->uid);
		if (s->nnames)
			s->name_fam[s->nnames - 1] = peer_class(a);
		st_ep(s, i, SC_CONNECT, cn, a->peer, XP_PORT);
		st_accept(s, i, kn, sn, peer_class(a));
		if (o->act == ACT_TWCHILD) {
			st_on(s, i, SC_CLOSE, kn);
			st_on(s, i, SC_CLOSE, cn);
		}
		st_on(s, i, SC_CLOSE, sn);
		break;
	default:
		break;
	}
}

/* Text of a step, as the scenario language writes it. */
static void step_text(const xstep *t, char *buf, size_t len)
{
	char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN];
	const char *kind = t->proto == BM_TCP ? (t->fam == BM_AF_INET ? "tcp4" : "tcp6")
	                                      : (t->fam == BM_AF_INET ? "udp4" : "udp6");
	switch (t->kind) {
	case SC_ADDR:
		snprintf(buf, len, "addr add %s", t->addr);
		break;
	case SC_USER:
		snprintf(buf, len, "user %u", t->uid);
		break;
	case SC_SOCKET:
		snprintf(buf, len, "%s = socket %s", t->name, kind);
		break;
	case SC_SETSOCKOPT:
		if (t->opt == BM_SO_LINGER)
			snprintf(buf, len, "setsockopt %s SO_LINGER %d", t->target, t->value);
		else
			snprintf(buf, len, "setsockopt %s %s %d", t->target, bm_option_name(t->opt),
			         t->value);
		break;
	case SC_BIND:
	case SC_CONNECT:
		snprintf(buf, len, "%s %s %s", sc_kind_name(t->kind), t->target,
		         bm_endpoint_format(&t->ep, a, sizeof a));
		break;
	case SC_LISTEN:
	case SC_CLOSE:
		snprintf(buf, len, "%s %s", sc_kind_name(t->kind), t->target);
		break;
	case SC_ACCEPT:
		snprintf(buf, len, "%s = accept %s", t->name, t->target);
		break;
	case SC_ADVANCE:
		snprintf(buf, len, "advance %llums", (unsigned long long)t->ms);
		break;
	case SC_HOST:
		snprintf(buf, len, "host %s linux %s", t->name, t->addr);
		break;
	case SC_ON:
		snprintf(buf, len, "on %s", t->name);
		break;
	case SC_DELIVER:
		snprintf(buf, len, "deliver %s %s -> %s", kind, bm_endpoint_format(&t->ep, a, sizeof a),
		         bm_endpoint_format(&t->ep2, b, sizeof b));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static void to_cmd(const xstep *t, int line, sc_cmd *c)
{
	sc_cmd_free(c);   /* zeroes it */
	c->kind = t->kind;
	c->line = line;
	snprintf(c->name, sizeof c->name, "%s", t->name);
	snprintf(c->target, sizeof c->target, "%s", t->target);
	c->fam = t->fam;
	c->proto = t->proto;
	c->opt = t->opt;
	c->value = t->value;
	c->ep = t->ep;
	c->ep2 = t->ep2;
	c->uid = t->uid;
	c->ms = t->ms;
	if (t->kind == SC_ADDR) {
		snprintf(c->arg, sizeof c->arg, "%s", t->addr);
		bm_addr_parse(t->addr, &c->ep);
	}
	if (t->kind == SC_HOST) {
		snprintf(c->os[0], sizeof c->os[0], "linux");
		c->nos = 1;
		snprintf(c->arg, sizeof c->arg, "%s", t->addr);
	}
	char text[256];
	step_text(t, text, sizeof text);
	sc_cmd_set_text(c, "%s", text);
}

/* --------------------------------------------------------------- running */

enum { RS_RAN = 0, RS_ERROR, RS_SKIP };

typedef struct xres {
	signed char st;
	signed char is_deliver;
	bm_result code;
	char recv[64];       /* deliver receivers */
	char alt[96];        /* model: any of these may receive instead ("+" list) */
	const char *rule;    /* model verdict rule */
	signed char has_alt; /* model: the verdict's second possible result */
	bm_result alt_code;
	signed char nondet;  /* model: which socket this step reached was a
	                        hash choice (a connect into an SO_REUSEPORT
	                        group): later steps cannot be compared */
} xres;

typedef struct runner {
	sc_engine model, other;
	const char *os;          /* the model's personality */
	const char *other_os;    /* the other engine's (the same unless --against) */
	int other_is_model;
	sc_cmd *cmd;
	sc_outcome *out;
	long skipped_steps;
	long within_set;         /* steps where the kernel gave the model's other answer */
	long cut_nondet;         /* scenarios cut short after a reuseport choice */
	char skip_why[8][96];    /* the kernel's skip reasons, and how often */
	long skip_n[8];
	char fatal[200];
} runner;

/* The SO_REUSEPORT group the model's single receiver belongs to: the
 * kernel may pick any member of it. */
typedef struct altctx {
	const bm_sock_info *r;
	const sc_engine *e;
	char *buf;
	size_t len;
	const bm_host *h;    /* the host of the group (NULL: the current) */
} altctx;

static int alt_visit(const bm_sock_info *s, void *arg)
{
	altctx *a = arg;
	const bm_sock_info *r = a->r;
	if (s->proto != r->proto || s->family != r->family || s->uid != r->uid ||
	    s->state != r->state || s->local.port != r->local.port || s->pending ||
	    !(s->opts & (BM_SO_REUSEPORT | BM_SO_REUSEPORT_LB)) ||
	    memcmp(s->local.addr, r->local.addr, 16) != 0)
		return 0;
	const char *nm = a->h ? sc_model_name_on(a->e, a->h, s->id) : sc_model_name(a->e, s->id);
	if (nm) {
		size_t l = strlen(a->buf);
		snprintf(a->buf + l, a->len - l, "+%s+", nm);
	}
	return 0;
}

static void model_alternatives(const sc_engine *e, const sc_outcome *o, xres *r)
{
	r->alt[0] = 0;
	if (strchr(o->receivers, '+') || strcmp(o->receivers, "none") == 0)
		return;
	bm_host *h = sc_model_host(e);
	bm_sock id = sc_model_sock(e, o->receivers);
	bm_sock_info info;
	if (!h || id == BM_NO_SOCK || bm_sock_query(h, id, &info) != BM_OK ||
	    !(info.opts & (BM_SO_REUSEPORT | BM_SO_REUSEPORT_LB)))
		return;
	altctx a = {&info, e, r->alt, sizeof r->alt, NULL};
	bm_sock_foreach(h, alt_visit, &a);
}

/* After a TCP connect on the model: did it land on a listener that shares
 * its port in an SO_REUSEPORT group?  The kernel hashes such connections
 * to one member, the model to another, so their accept queues diverge. */
typedef struct childctx {
	bm_endpoint local;
	bm_sock parent;
} childctx;

static int child_visit(const bm_sock_info *s, void *arg)
{
	childctx *c = arg;
	if (s->pending && s->remote.family == c->local.family && s->remote.port == c->local.port &&
	    memcmp(s->remote.addr, c->local.addr, 16) == 0)
		c->parent = s->parent;
	return 0;
}

static int connect_was_hashed(const sc_engine *e, const char *name)
{
	bm_host *h = NULL;
	bm_sock id = sc_model_sock_any(e, name, &h);
	bm_sock_info info, parent;
	if (!h || id == BM_NO_SOCK || bm_sock_query(h, id, &info) != BM_OK)
		return 0;
	/* the listener is on the host that owns the destination, if any */
	bm_host *dh = bm_net_route(sc_model_net(e), &info.remote);
	if (dh)
		h = dh;
	childctx c = {info.local, BM_NO_SOCK};
	bm_sock_foreach(h, child_visit, &c);
	if (c.parent == BM_NO_SOCK || bm_sock_query(h, c.parent, &parent) != BM_OK ||
	    !(parent.opts & (BM_SO_REUSEPORT | BM_SO_REUSEPORT_LB)))
		return 0;
	char buf[96] = "";
	altctx a = {&parent, e, buf, sizeof buf, h};
	bm_sock_foreach(h, alt_visit, &a);
	int members = 0;
	for (const char *q = buf; (q = strstr(q, "++")) != NULL; q += 2)
		members++;
	return members >= 1;   /* "+a++b+": two or more */
}

static void note_skip(runner *rn, const char *why)
{
	int i;
	for (i = 0; i < 8 && rn->skip_why[i][0]; i++)
		if (strncmp(rn->skip_why[i], why, sizeof rn->skip_why[i] - 1) == 0)
			break;
	if (i == 8)
		return;
	if (!rn->skip_why[i][0])
		snprintf(rn->skip_why[i], sizeof rn->skip_why[i], "%s", why);
	rn->skip_n[i]++;
}

/* Run the steps whose keep[] is set (all if keep is NULL) on e; which is
 * 1 for the model, 2 for the other engine. */
static int run_on(runner *rn, sc_engine *e, int which, const xscen *s, const char *keep,
                  xres *res)
{
	char err[200];
	if (e->reset(e->ctx, which == 1 ? rn->os : rn->other_os, err, sizeof err) != 0) {
		snprintf(rn->fatal, sizeof rn->fatal, "%s: reset: %s", e->name, err);
		return -1;
	}
	for (int i = 0; i < s->n; i++) {
		xres *r = &res[i];
		r->st = RS_RAN;
		r->is_deliver = s->st[i].kind == SC_DELIVER;
		r->code = BM_OK;
		r->recv[0] = r->alt[0] = 0;
		r->rule = NULL;
		r->has_alt = 0;
		r->nondet = 0;
		if (keep && !keep[i])
			continue;
		to_cmd(&s->st[i], i + 1, rn->cmd);
		if (e->exec(e->ctx, rn->cmd, rn->out, err, sizeof err) != 0) {
			r->st = strncmp(err, "skip:", 5) == 0 ? RS_SKIP : RS_ERROR;
			snprintf(r->recv, sizeof r->recv, "%s", err);
			continue;
		}
		r->code = rn->out->code;
		r->rule = rn->out->verdict.rule;
		r->has_alt = (signed char)sc_outcome_is_set(rn->out);
		r->alt_code = rn->out->verdict.alt;
		if (which == 1 && s->st[i].kind == SC_CONNECT && r->code == BM_OK)
			r->nondet = (signed char)connect_was_hashed(e, s->st[i].target);
		if (rn->out->is_deliver) {
			r->is_deliver = 1;
			snprintf(r->recv, sizeof r->recv, "%s", rn->out->receivers);
			if (which == 1)
				model_alternatives(e, rn->out, r);
		}
	}
	return 0;
}

static int deliver_agrees(const xres *m, const xres *k)
{
	if (strcmp(m->recv, k->recv) == 0)
		return 1;
	if (!m->alt[0] || strchr(k->recv, '+'))
		return 0;
	char pat[72];
	snprintf(pat, sizeof pat, "+%s+", k->recv);
	return strstr(m->alt, pat) != NULL;
}

/* Index of the first step where the results differ, or -1.  Counts the
 * kernel's skipped steps into *skips. */
static int first_diff(runner *rn, const xscen *s, const char *keep, const xres *m,
                      const xres *k)
{
	for (int i = 0; i < s->n; i++) {
		if (keep && !keep[i])
			continue;
		if (i > 0 && m[i - 1].nondet && (!keep || keep[i - 1])) {
			if (rn)
				rn->cut_nondet++;
			return -1;
		}
		if (k[i].st == RS_SKIP) {
			/* the kernel's state no longer follows the scenario */
			if (rn) {
				rn->skipped_steps++;
				note_skip(rn, k[i].recv);
			}
			return -1;
		}
		if (m[i].st != k[i].st)
			return i;
		if (m[i].st == RS_ERROR)
			continue;
		if (m[i].is_deliver && k[i].is_deliver) {
			if (!deliver_agrees(&m[i], &k[i]))
				return i;
			continue;
		}
		if (m[i].code == k[i].code)
			continue;
		/* the model's other answer of a set: the kernel took it, so its
		 * state is no longer the model's and later steps are not compared */
		if (m[i].has_alt && m[i].alt_code == k[i].code) {
			if (rn)
				rn->within_set++;
			return -1;
		}
		return i;
	}
	return -1;
}

static const char *res_text(const xres *r, char *buf, size_t len)
{
	if (r->st == RS_ERROR)
		snprintf(buf, len, "error (%s)", r->recv);
	else if (r->st == RS_SKIP)
		snprintf(buf, len, "skipped (%s)", r->recv);
	else if (r->is_deliver)
		snprintf(buf, len, "%s", r->recv[0] ? r->recv : "none");
	else
		snprintf(buf, len, "%s", bm_result_name(r->code));
	return buf;
}

/* ------------------------------------------------------------- shrinking */

/* Drop step i and every later step that uses a socket it (or a dropped
 * step) creates. */
static void drop_with_dependents(const xscen *s, char *keep, int i)
{
	keep[i] = 0;
	for (int j = i + 1; j < s->n; j++) {
		if (!keep[j] || !s->st[j].target[0])
			continue;
		for (int d = 0; d < j; d++) {
			if (keep[d] || !s->st[d].name[0] ||
			    strcmp(s->st[d].name, s->st[j].target) != 0)
				continue;
			keep[j] = 0;
			break;
		}
	}
}

typedef struct shrink_ws {
	xres *m, *k;
	char *keep, *trial;
} shrink_ws;

/* Does the target step still disagree first, the same way? */
static int still_same(runner *rn, const xscen *s, const char *keep, int target,
                      const xres *m0, const xres *k0, shrink_ws *w)
{
	if (run_on(rn, &rn->model, 1, s, keep, w->m) != 0 ||
	    run_on(rn, &rn->other, 2, s, keep, w->k) != 0)
		return -1;
	if (first_diff(NULL, s, keep, w->m, w->k) != target)
		return 0;
	char a[160], b[160], c[160], d[160];
	return strcmp(res_text(&w->m[target], a, sizeof a), res_text(m0, b, sizeof b)) == 0 &&
	       strcmp(res_text(&w->k[target], c, sizeof c), res_text(k0, d, sizeof d)) == 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shrinking stops after this long (a kernel step that times out costs
 * seconds per trial); what is left is written all the same. */
#define XP_SHRINK_BUDGET_S 10.0

static int shrink(runner *rn, const xscen *s, int target, const xres *m0, const xres *k0,
                  shrink_ws *w, int *cut_short)
{
	double t0 = now_s();
	*cut_short = 0;
	for (int i = 0; i < s->n; i++)
		w->keep[i] = i <= target;
	int changed = 1;
	while (changed) {
		changed = 0;
		for (int i = target - 1; i >= 0; i--) {
			if (!w->keep[i])
				continue;
			if (now_s() - t0 > XP_SHRINK_BUDGET_S) {
				*cut_short = 1;
				return 0;
			}
			memcpy(w->trial, w->keep, (size_t)s->n);
			drop_with_dependents(s, w->trial, i);
			if (!w->trial[target])
				continue;
			int r = still_same(rn, s, w->trial, target, m0, k0, w);
			if (r < 0)
				return -1;
			if (r) {
				memcpy(w->keep, w->trial, (size_t)s->n);
				changed = 1;
			}
		}
	}
	return 0;
}

/* ----------------------------------------------------------------- output */

typedef struct seen {
	uint64_t *h;
	size_t n, cap;
} seen;

static uint64_t fnv(const char *s, uint64_t x)
{
	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	return x;
}

static int seen_add(seen *z, uint64_t h)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->h[i] == h)
			return 0;
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 32;
		uint64_t *n = realloc(z->h, cap * sizeof *n);
		if (!n)
			return 0;
		z->h = n;
		z->cap = cap;
	}
	z->h[z->n++] = h;
	return 1;
}

static int make_dir(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof p, "%s", dir);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

typedef struct namemap {
	char from[XP_MAXSTEPS][8], to[XP_MAXSTEPS][8];
	int n;
} namemap;

static const char *map_name(const namemap *nm, const char *name)
{
	for (int j = 0; j < nm->n; j++)
		if (strcmp(name, nm->from[j]) == 0)
			return nm->to[j];
	return name;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Rename the receivers of a deliver result ("s1+s3") and sort them again. */
static void map_list(const namemap *nm, char *list, size_t len)
{
	char names[16][8], buf[64];
	int n = 0;
	if (strcmp(list, "none") == 0 || !list[0])
		return;
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, "+", &save); t && n < 16;
	     t = strtok_r(NULL, "+", &save))
		snprintf(names[n++], sizeof names[0], "%s", map_name(nm, t));
	qsort(names, (size_t)n, sizeof names[0], cmp_name);
	list[0] = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(list);
		snprintf(list + l, len - l, "%s%s", i ? "+" : "", names[i]);
	}
}

/* Rename the kept sockets of s (and the receivers in m and k) a, b, c, ...
 * in the order they are made (the helper stays h), so that equal minimal
 * scenarios read alike. */
static void canonical(xscen *s, const char *keep, xres *m, xres *k)
{
	namemap *nm = malloc(sizeof *nm);
	if (!nm)
		return;
	nm->n = 0;
	char next = 'a';
	for (int i = 0; i < s->n; i++) {
		/* host names (host, on) are not socket names: they stay */
		if (!keep[i] || !s->st[i].name[0] || nm->n == XP_MAXSTEPS ||
		    s->st[i].kind == SC_HOST || s->st[i].kind == SC_ON)
			continue;
		snprintf(nm->from[nm->n], sizeof nm->from[0], "%s", s->st[i].name);
		if (next == 'h')
			next++;
		if (strcmp(s->st[i].name, "h") == 0)
			snprintf(nm->to[nm->n], sizeof nm->to[0], "h");
		else if (next <= 'z')
			snprintf(nm->to[nm->n], sizeof nm->to[0], "%c", next++);
		else
			snprintf(nm->to[nm->n], sizeof nm->to[0], "%s", s->st[i].name);
		nm->n++;
	}
	for (int i = 0; i < s->n; i++) {
		xstep *t = &s->st[i];
		if (t->kind != SC_HOST && t->kind != SC_ON)
			snprintf(t->name, sizeof t->name, "%s", map_name(nm, t->name));
		snprintf(t->target, sizeof t->target, "%s", map_name(nm, t->target));
		if (m[i].is_deliver && m[i].st == RS_RAN)
			map_list(nm, m[i].recv, sizeof m[i].recv);
		if (k[i].is_deliver && k[i].st == RS_RAN)
			map_list(nm, k[i].recv, sizeof k[i].recv);
	}
	free(nm);
}

/* Write the minimal scenario; returns 1 if written, 0 if a duplicate. */
static int write_case(runner *rn, const char *dir, const char *prefix, int fileno_,
                      const xscen *s,
                      const char *keep, int target, xres *m, xres *k,
                      const char *origin, seen *z)
{
	char line[SC_MAXLINE + 1];
	uint64_t h = 1469598103934665603ull;
	int kept = 0;
	/* write a renamed copy (the caller's arrays are scratch space) */
	xscen *cs = malloc(sizeof *cs);
	if (!cs)
		return 0;
	*cs = *s;
	canonical(cs, keep, m, k);
	s = cs;
	for (int i = 0; i < s->n; i++) {
		if (!keep[i])
			continue;
		step_text(&s->st[i], line, sizeof line);
		h = fnv(line, h);
		h = fnv("\n", h);
		kept++;
	}
	if (!seen_add(z, h)) {
		free(cs);
		return 0;
	}
	char path[1200];
	snprintf(path, sizeof path, "%s/%s-%04d.bms", dir, prefix, fileno_);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bindmodel explore: cannot write %s: %s\n", path, strerror(errno));
		free(cs);
		return 0;
	}
	char a[160], b[160], tt[SC_MAXLINE + 1];
	step_text(&s->st[target], tt, sizeof tt);
	fprintf(f, "# bindmodel explore: the model (%s) and the %s disagree.\n", rn->os,
	        rn->other.name);
	fprintf(f, "# found by %s; shrunk to %d of %d steps.\n", origin, kept, s->n);
	fprintf(f, "# step `%s`: model %s%s%s, %s %s.\n", tt, res_text(&m[target], a, sizeof a),
	        m[target].rule ? " by rule " : "", m[target].rule ? m[target].rule : "",
	        rn->other.name, res_text(&k[target], b, sizeof b));
	fprintf(f, "# The expectations below are the %s's results.\n", rn->other.name);
	fprintf(f, "os %s\n", rn->os);
	for (int i = 0; i < s->n; i++) {
		if (!keep[i])
			continue;
		step_text(&s->st[i], line, sizeof line);
		int expectable = s->st[i].kind >= SC_SOCKET && s->st[i].kind <= SC_DELIVER &&
		                 s->st[i].kind != SC_ADVANCE;
		fputs(line, f);
		if (expectable && k[i].st == RS_RAN) {
			if (k[i].is_deliver)
				fprintf(f, " => %s", k[i].recv[0] ? k[i].recv : "none");
			else
				fprintf(f, " => %s", bm_result_name(k[i].code));
		} else if (k[i].st != RS_RAN) {
			fprintf(f, "  # %s: %s", rn->other.name, res_text(&k[i], a, sizeof a));
		}
		if (i == target)
			fprintf(f, "  # model: %s%s%s", res_text(&m[i], a, sizeof a),
			        m[i].rule ? ", rule " : "", m[i].rule ? m[i].rule : "");
		fputc('\n', f);
	}
	fclose(f);
	free(cs);
	return 1;
}

/* ------------------------------------------------------------ generation */

typedef struct alphabet {
	xop *ops;
	int n;
} alphabet;

static int push(alphabet *a, xop o)
{
	xop *n = realloc(a->ops, (size_t)(a->n + 1) * sizeof *n);
	if (!n)
		return -1;
	a->ops = n;
	a->ops[a->n++] = o;
	return 0;
}

/* The enumerated alphabet of one protocol (see the top of the file). */
static int build_alphabet(alphabet *a, int proto)
{
	static const xact tcp_acts[] = {ACT_BIND, ACT_LISTEN, ACT_CONNECT, ACT_ACCEPTED,
	                                ACT_TWCLIENT, ACT_TWCHILD};
	static const xact udp_acts[] = {ACT_BIND, ACT_CONNECT};
	const xact *acts = proto == PR_TCP ? tcp_acts : udp_acts;
	int nacts = proto == PR_TCP ? 6 : 2;
	for (int x = 0; x < nacts; x++) {
		for (int ai = 0; ai < (int)NADDRS; ai++) {
			const xaddr *ad = &addrs[ai];
			if (!(ad->small & (unsigned)proto))
				continue;
			/* states beyond bind/listen (UDP: beyond bind): the
			 * wildcard, a specific and a v4-mapped address */
			int full = acts[x] == ACT_BIND || (proto == PR_TCP && acts[x] == ACT_LISTEN);
			if (!full && strcmp(ad->addr, "0.0.0.0") != 0 && strcmp(ad->addr, "10.0.0.1") != 0 &&
			    !(strcmp(ad->addr, "::") == 0 && !ad->v6only) &&
			    strcmp(ad->addr, "::ffff:10.0.0.1") != 0)
				continue;
			for (int pi = 0; pi < (int)NPROFS; pi++) {
				if (!profs[pi].small || (!full && profs[pi].small == 2))
					continue;
				xop o = {acts[x], proto, ai, pi, 0, 0};
				if (push(a, o) != 0)
					return -1;
			}
		}
	}
	for (int d = 0; d < (int)NDSTS; d++) {
		if (!dsts[d].small || (dsts[d].proto == BM_TCP) != (proto == PR_TCP))
			continue;
		xop o = {ACT_DELIVER, proto, d, 0, 0, 0};
		if (push(a, o) != 0)
			return -1;
	}
	return 0;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int rnd(uint64_t *x, int n)
{
	return (int)(splitmix(x) % (uint64_t)n);
}

/* A random operation from the whole universe. */
static xop random_op(uint64_t *r, int allow_sleep, int have_names)
{
	xop o;
	memset(&o, 0, sizeof o);
	int roll = rnd(r, 100);
	if (have_names && roll < 38) {
		static const xact singles[] = {ACT_CLOSE, ACT_CLOSE, ACT_CLOSE, ACT_SETOPT, ACT_SETOPT,
		                               ACT_SLISTEN, ACT_SCONNECT, ACT_SCONNECT, ACT_SACCEPT,
		                               ACT_ADVANCE};
		o.act = singles[rnd(r, allow_sleep ? 10 : 9)];
		o.target = rnd(r, 1000);
		o.arg = o.act == ACT_ADVANCE ? 1500 : rnd(r, 1000);
		return o;
	}
	if (roll >= 92) {
		o.act = ACT_DELIVER;
		o.addr = rnd(r, (int)NDSTS);
		o.proto = dsts[o.addr].proto == BM_TCP ? PR_TCP : PR_UDP;
		return o;
	}
	o.proto = rnd(r, 2) ? PR_TCP : PR_UDP;
	do
		o.addr = rnd(r, (int)NADDRS);
	while (!(addrs[o.addr].protos & (unsigned)o.proto));
	o.prof = rnd(r, (int)NPROFS);
	if (o.proto == PR_TCP) {
		static const xact tcp_acts[] = {ACT_BIND, ACT_BIND, ACT_LISTEN, ACT_LISTEN, ACT_CONNECT,
		                                ACT_ACCEPTED, ACT_TWCLIENT, ACT_TWCHILD, ACT_AUTOCONNECT};
		o.act = tcp_acts[rnd(r, 9)];
		/* one TCP operation in 24 has a peer on another host (a host is
		 * a namespace of its own on the kernel, which costs ~0.1 s); it
		 * is reached over IPv4: 0.0.0.0, 10.0.0.1, 10.0.0.2 */
		if (rnd(r, 24) == 0) {
			o.act = rnd(r, 2) ? ACT_TWREMOTE : ACT_REMOTECLIENT;
			o.addr = rnd(r, 3);
		}
	} else {
		static const xact udp_acts[] = {ACT_BIND, ACT_BIND, ACT_CONNECT, ACT_AUTOCONNECT};
		o.act = udp_acts[rnd(r, 4)];
	}
	return o;
}

static void describe_op(const xop *o, char *buf, size_t len)
{
	if (o->act >= ACT_CLOSE)
		snprintf(buf, len, "%s", act_names[o->act]);
	else if (o->act == ACT_DELIVER)
		snprintf(buf, len, "deliver %s", dsts[o->addr].dst);
	else
		snprintf(buf, len, "%s %s %s%s %s", o->proto == PR_TCP ? "tcp" : "udp",
		         act_names[o->act], addrs[o->addr].addr, addrs[o->addr].v6only ? "(v6only)" : "",
		         profs[o->prof].name);
}

/* ------------------------------------------------------------------ main */

typedef struct stats {
	long scenarios, disagreed, flaky, written;
} stats;

/* A kind of disagreement: the step's command word and both results.  Only
 * the first few scenarios of a kind are shrunk and written (a systematic
 * difference shows up in thousands of scenarios). */
typedef struct kind {
	char sig[200];
	long count;
	int files;
	char first[32];      /* the first file written for it */
} kind;

typedef struct ctx {
	runner rn;
	const char *dir;
	int verbose, per_kind;
	kind *kinds;
	size_t nkinds;
	stats st;
	seen z;
	xres *m, *k;
	shrink_ws w;
	int dir_ready;
	long total;             /* scenarios planned, for the progress line */
	double t0, last_report; /* when it began, when progress was last said */
} ctx;

/* Ctrl-C: the scenario under way is dropped (a system call it interrupted
 * would read as a disagreement), the summary is printed and what was written
 * stays.  A signal handler can only set a flag; this tool's one static. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "tcp" or "udp": the protocol of the socket step d works on. */
static const char *proto_of(const xscen *s, int d)
{
	const xstep *t = &s->st[d];
	if (t->kind == SC_SOCKET || t->kind == SC_DELIVER)
		return t->proto == BM_TCP ? "tcp" : "udp";
	for (int i = d - 1; i >= 0; i--) {
		if (strcmp(s->st[i].name, t->target) != 0)
			continue;
		if (s->st[i].kind == SC_ACCEPT)
			return "tcp";
		return s->st[i].proto == BM_TCP ? "tcp" : "udp";
	}
	return "-";
}

/* "none", "1 receiver", "2 receivers": deliver results by size, for
 * grouping (the names differ from scenario to scenario). */
static const char *receiver_count(const char *recv)
{
	static char buf[32];
	int n = 1;
	if (!recv[0] || strcmp(recv, "none") == 0)
		return "none";
	for (const char *q = recv; *q; q++)
		n += *q == '+';
	snprintf(buf, sizeof buf, "%d receiver%s", n, n == 1 ? "" : "s");
	return buf;
}

/* Every ~2 s, a line on stderr: how far, how fast, what it found so far
 * and how long the rest will take at this rate. */
static void progress(ctx *c)
{
	double t = now_s();
	if (t - c->last_report < 2.0)
		return;
	c->last_report = t;
	double el = t - c->t0, rate = el > 0 ? (double)c->st.scenarios / el : 0;
	long left = c->total > c->st.scenarios ? c->total - c->st.scenarios : 0;
	fprintf(stderr, "explore: %ld/%ld scenarios, %.0f/s, %ld disagreed, %ld flaky, ~%.0f s left\n",
	        c->st.scenarios, c->total, rate, c->st.disagreed, c->st.flaky,
	        rate > 0 ? (double)left / rate : 0.0);
}

/* Run one scenario on both engines; shrink and record a disagreement.
 * 0 done, 1 interrupted (Ctrl-C: nothing recorded), -1 fatal. */
static int check_scenario(ctx *c, const xscen *s, const char *origin)
{
	if (interrupted)
		return 1;
	progress(c);
	if (run_on(&c->rn, &c->rn.model, 1, s, NULL, c->m) != 0 ||
	    run_on(&c->rn, &c->rn.other, 2, s, NULL, c->k) != 0)
		return interrupted ? 1 : -1;
	if (interrupted)
		return 1;
	c->st.scenarios++;
	int d = first_diff(&c->rn, s, NULL, c->m, c->k);
	if (d < 0)
		return 0;
	xres m0 = c->m[d], k0 = c->k[d];
	/* a disagreement must happen again: the kernel may race (a FIN not
	 * yet acknowledged, a hash choice the model cannot know) */
	for (int i = 0; i < s->n; i++)
		c->w.keep[i] = i <= d;
	int again = still_same(&c->rn, s, c->w.keep, d, &m0, &k0, &c->w);
	if (interrupted)
		return 1;
	if (again < 0)
		return -1;
	if (!again)
		c->st.flaky++;
	else
		c->st.disagreed++;
	char sig[200], a[160], b[160];
	if (m0.is_deliver && m0.st == RS_RAN)
		snprintf(a, sizeof a, "%s", receiver_count(m0.recv));
	else
		res_text(&m0, a, sizeof a);
	if (k0.is_deliver && k0.st == RS_RAN)
		snprintf(b, sizeof b, "%s", receiver_count(k0.recv));
	else
		res_text(&k0, b, sizeof b);
	snprintf(sig, sizeof sig, "%s%s %s: model %s (%s), %s %s", again ? "" : "FLAKY ",
	         proto_of(s, d), sc_kind_name(s->st[d].kind), a, m0.rule ? m0.rule : "-",
	         c->rn.other.name, b);
	kind *kd = NULL;
	for (size_t i = 0; i < c->nkinds && !kd; i++)
		if (strcmp(c->kinds[i].sig, sig) == 0)
			kd = &c->kinds[i];
	if (!kd) {
		kind *n = realloc(c->kinds, (c->nkinds + 1) * sizeof *n);
		if (!n) {
			snprintf(c->rn.fatal, sizeof c->rn.fatal, "out of memory");
			return -1;
		}
		c->kinds = n;
		kd = &c->kinds[c->nkinds++];
		memset(kd, 0, sizeof *kd);
		snprintf(kd->sig, sizeof kd->sig, "%s", sig);
	}
	kd->count++;
	if (kd->files >= c->per_kind)
		return 0;
	int cut_short = 0;
	if (again && shrink(&c->rn, s, d, &m0, &k0, &c->w, &cut_short) != 0)
		return interrupted ? 1 : -1;
	if (interrupted)
		return 1;
	/* the results of the minimal scenario, for its expectations; if it
	 * does not disagree again, write the whole scenario up to the step */
	for (int tries = 0; tries < 2; tries++) {
		if (run_on(&c->rn, &c->rn.model, 1, s, c->w.keep, c->m) != 0 ||
		    run_on(&c->rn, &c->rn.other, 2, s, c->w.keep, c->k) != 0)
			return -1;
		if (!again || first_diff(NULL, s, c->w.keep, c->m, c->k) == d)
			break;
		for (int i = 0; i < s->n; i++)
			c->w.keep[i] = i <= d;
		cut_short = 2;
	}
	if (!c->dir_ready) {
		if (make_dir(c->dir) != 0) {
			snprintf(c->rn.fatal, sizeof c->rn.fatal, "cannot create %s: %s", c->dir,
			         strerror(errno));
			return -1;
		}
		c->dir_ready = 1;
	}
	char why[600], m0t[160], k0t[160];
	res_text(&m0, m0t, sizeof m0t);
	res_text(&k0, k0t, sizeof k0t);
	snprintf(why, sizeof why, "%s%s", origin,
	         !again ? " (FLAKY: it did not happen again on a rerun; the results below are "
	                  "the rerun's)"
	         : cut_short == 2 ? " (the shrunk scenario did not disagree again: not shrunk)"
	         : cut_short ? " (shrinking stopped at its time limit)" : "");
	if (!again) {
		size_t l = strlen(why);
		snprintf(why + l, sizeof why - l, ";\n# first run: model %s, %s %s", m0t,
		         c->rn.other.name, k0t);
	}
	const char *prefix = again ? "disagree" : "flaky";
	if (write_case(&c->rn, c->dir, prefix, (int)c->st.written + 1, s, c->w.keep, d, c->m, c->k,
	               why, &c->z)) {
		c->st.written++;
		if (!kd->files++)
			snprintf(kd->first, sizeof kd->first, "%s-%04ld.bms", prefix, c->st.written);
		if (c->verbose) {
			char t[SC_MAXLINE + 1];
			step_text(&s->st[d], t, sizeof t);
			printf("disagreement %ld (%s): `%s`: model %s, %s %s\n", c->st.written, origin, t,
			       res_text(&c->m[d], a, sizeof a), c->rn.other.name,
			       res_text(&c->k[d], b, sizeof b));
		}
	}
	return 0;
}

static int kind_cmp(const void *a, const void *b)
{
	const kind *x = a, *y = b;
	return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->sig, y->sig);
}

static int enumerate(ctx *c, const alphabet *a, int depth, const char *group, xscen *s)
{
	int idx[16] = {0};
	if (depth == 0)
		return 0;
	if (a->n == 0)
		return 0;
	char origin[256];
	for (;;) {
		prelude(s);
		for (int i = 0; i < depth; i++)
			expand(s, i, &a->ops[idx[i]]);
		size_t off = (size_t)snprintf(origin, sizeof origin, "enumeration (%s, depth %d):", group,
		                              depth);
		for (int i = 0; i < depth && off < sizeof origin; i++) {
			char d[96];
			describe_op(&a->ops[idx[i]], d, sizeof d);
			off += (size_t)snprintf(origin + off, sizeof origin - off, "%s %s", i ? ";" : "", d);
		}
		int r = check_scenario(c, s, origin);
		if (r != 0)
			return r;
		int i = depth - 1;
		while (i >= 0 && ++idx[i] == a->n)
			idx[i--] = 0;
		if (i < 0)
			return 0;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: bindmodel explore [-v] [--depth N] [--seed S] [--count K] [--os NAME] [--out DIR]\n"
	        "                         [--allow-sleep] [--per-kind N] [--loopback-only]\n                         [--require-namespace]\n"
	        "                         [--against model[:OS]]\n"
	        "  Runs every scenario up to depth N (default 2) over a small universe and K\n"
	        "  (default 1000) random deeper ones on the model and the live kernel, and\n"
	        "  writes each disagreement, shrunk, to DIR (default explore-out/): at most N\n"
	        "  (default 3) per kind (command and both results).\n"
	        "  --against model[:OS] compares with a second model engine (for testing);\n"
	        "  Without a private network namespace (root, or a user namespace) the\n"
	        "  kernel is not used and explore exits 77, unless --loopback-only lets it\n"
	        "  run on the host's loopback (--require-namespace overrides that).\n"
	        "  Exit: 0 no disagreement, 1 some, 2 error, 77 skipped.\n");
}

int cmd_explore(int argc, char **argv)
{
	int depth = 2, allow_sleep = 0, verbose = 0, per_kind = 3, require_ns = 0, loopback_only = 0;
	long count = 1000;
	uint64_t seed = 1;
	const char *os = NULL, *dir = "explore-out", *against = NULL;
	static const struct option longopts[] = {
		{"depth", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"os", required_argument, NULL, 'o'},
		{"out", required_argument, NULL, 'O'},
		{"against", required_argument, NULL, 'a'},
		{"per-kind", required_argument, NULL, 'k'},
		{"require-namespace", no_argument, NULL, 'R'},
		{"allow-sleep", no_argument, NULL, 'S'},
		{"loopback-only", no_argument, NULL, 'L'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char *end = NULL;
		const char *v = optarg;
		switch (ch) {
		case 'd':
			depth = (int)strtol(v, &end, 10);
			if (*end || depth < 0 || depth > 8) {
				fprintf(stderr, "bindmodel explore: --depth takes 0..8\n");
				return 2;
			}
			break;
		case 's':
			seed = strtoull(v, &end, 10);
			if (*end) {
				fprintf(stderr, "bindmodel explore: --seed takes a number\n");
				return 2;
			}
			break;
		case 'c':
			count = strtol(v, &end, 10);
			if (*end || count < 0) {
				fprintf(stderr, "bindmodel explore: --count takes a number >= 0\n");
				return 2;
			}
			break;
		case 'o': {
			const bm_policy *p = bm_personality_find(v);
			if (!p) {
				fprintf(stderr, "bindmodel explore: unknown personality '%s'\n", v);
				return 2;
			}
			os = p->name;
			break;
		}
		case 'O': dir = v; break;
		case 'a': against = v; break;
		case 'k':
			per_kind = (int)strtol(v, &end, 10);
			if (*end || per_kind < 1) {
				fprintf(stderr, "bindmodel explore: --per-kind takes a number >= 1\n");
				return 2;
			}
			break;
		case 'R': require_ns = 1; break;
		case 'S': allow_sleep = 1; break;
		case 'L': loopback_only = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bindmodel explore: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	ctx *c = calloc(1, sizeof *c);
	xscen *s = malloc(sizeof *s);
	if (!c || !s) {
		free(c);
		free(s);
		return 2;
	}
	c->dir = dir;
	c->verbose = verbose;
	c->per_kind = per_kind;
	const char *native = against ? NULL : kb_native_personality();
	const bm_policy *np = native ? bm_personality_find(native) : NULL;
	if (!os) {
		/* the model row of the kernel it is compared with */
		os = bm_personality_find(native ? native : "linux")->name;
	} else if (np && strcmp(os, np->name) != 0) {
		/* every difference between two releases would read as a model bug */
		fprintf(stderr, "bindmodel explore: --os %s is not this kernel's row: the live kernel "
		        "is %s.  explore compares the model with the kernel it runs on; use --kernel "
		        "VERSION to boot another kernel, or --against model:OS to compare two rows\n",
		        os, np->name);
		free(c);
		free(s);
		return 2;
	}
	c->rn.os = os;
	c->rn.other_os = os;
	c->rn.cmd = calloc(1, sizeof *c->rn.cmd);
	c->rn.out = malloc(sizeof *c->rn.out);
	c->m = calloc(XP_MAXSTEPS, sizeof *c->m);
	c->k = calloc(XP_MAXSTEPS, sizeof *c->k);
	c->w.m = calloc(XP_MAXSTEPS, sizeof *c->w.m);
	c->w.k = calloc(XP_MAXSTEPS, sizeof *c->w.k);
	c->w.keep = calloc(XP_MAXSTEPS, 1);
	c->w.trial = calloc(XP_MAXSTEPS, 1);
	alphabet tcp = {0}, udp = {0};
	int rc = 2, have_model = 0, have_other = 0;
	char err[512] = "";
	if (!c->rn.cmd || !c->rn.out || !c->m || !c->k || !c->w.m || !c->w.k || !c->w.keep ||
	    !c->w.trial || build_alphabet(&tcp, PR_TCP) != 0 || build_alphabet(&udp, PR_UDP) != 0) {
		fprintf(stderr, "bindmodel explore: out of memory\n");
		goto out;
	}
	if (sc_model_engine(&c->rn.model) != 0) {
		fprintf(stderr, "bindmodel explore: out of memory\n");
		goto out;
	}
	have_model = 1;
	if (against) {
		const char *aos = strncmp(against, "model:", 6) == 0 ? against + 6 : NULL;
		if (strcmp(against, "model") != 0 && !aos) {
			fprintf(stderr, "bindmodel explore: --against takes model or model:OS\n");
			goto out;
		}
		if (aos && !bm_personality_find(aos)) {
			fprintf(stderr, "bindmodel explore: unknown personality '%s'\n", aos);
			goto out;
		}
		if (sc_model_engine(&c->rn.other) != 0)
			goto out;
		c->rn.other.name = "second model";
		c->rn.other_is_model = 1;
		have_other = 1;
		if (aos)
			c->rn.other_os = bm_personality_find(aos)->name;
	} else {
		if (kb_engine(&c->rn.other, err, sizeof err) != 0) {
			int skip = strncmp(err, "skip:", 5) == 0;
			fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
			rc = skip ? 77 : 2;
			goto out;
		}
		have_other = 1;
		if (kb_engine_opts(&c->rn.other, allow_sleep, loopback_only && !require_ns, err,
		                   sizeof err) != 0) {
			/* no namespace can be had here: a skip, not a failure */
			fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
			rc = 77;
			goto out;
		}
		/* a first reset says whether the kernel runs in its own namespace */
		if (c->rn.other.reset(c->rn.other.ctx, os, err, sizeof err) != 0) {
			fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
			rc = strncmp(err, "skip:", 5) == 0 ? 77 : 2;
			goto out;
		}
		char why[200] = "";
		if (kb_engine_isolated(&c->rn.other, why, sizeof why) != 1) {
			if (require_ns) {
				fprintf(stderr, "bindmodel explore: no private network namespace: %s\n", why);
				rc = 77;
				goto out;
			}
			fprintf(stderr, "bindmodel explore: WARNING: no private network namespace (%s): "
			        "steps on addresses other than loopback will be skipped\n", why);
		}
	}

	long enumerated = 0;
	for (int d = 1; d <= depth; d++) {
		double t = 1, u = 1;
		for (int i = 0; i < d; i++) {
			t *= tcp.n;
			u *= udp.n;
		}
		enumerated += (long)(t + u);
	}
	printf("explore: %s; enumerating depth 0..%d (TCP alphabet %d, UDP alphabet %d: %ld "
	       "scenarios), then %ld random of depth 3..8 (seed %llu)\n",
	       os, depth, tcp.n, udp.n, enumerated + 1, count, (unsigned long long)seed);
	fflush(stdout);

	c->total = enumerated + 1 + count;
	c->t0 = c->last_report = now_s();
	double t0 = c->t0;
	struct sigaction sa, old_sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_sa);
	int r0;
	prelude(s);
	if ((r0 = check_scenario(c, s, "the prelude alone (depth 0)")) != 0)
		goto stopped;
	for (int d = 1; d <= depth; d++) {
		if ((r0 = enumerate(c, &tcp, d, "tcp", s)) != 0 ||
		    (r0 = enumerate(c, &udp, d, "udp", s)) != 0)
			goto stopped;
	}
	for (long r = 0; r < count; r++) {
		uint64_t x = seed * 0x9e3779b97f4a7c15ull + (uint64_t)r * 0xd1b54a32d192ed03ull + 1;
		int dd = 3 + rnd(&x, 6);
		prelude(s);
		for (int i = 0; i < dd; i++) {
			xop o = random_op(&x, allow_sleep, s->nnames > 1);
			expand(s, i, &o);
		}
		char origin[128];
		snprintf(origin, sizeof origin, "random scenario %ld of seed %llu (depth %d)", r + 1,
		         (unsigned long long)seed, dd);
		if ((r0 = check_scenario(c, s, origin)) != 0)
			goto stopped;
	}
stopped:
	sigaction(SIGINT, &old_sa, NULL);
	if (r0 < 0)
		goto fatal;
	if (r0 > 0)
		printf("explore: INTERRUPTED (Ctrl-C) after %ld of %ld scenarios; the summary so far:\n",
		       c->st.scenarios, c->total);
	double el = now_s() - t0;
	printf("explore: %ld scenarios, %ld disagreed, %ld flaky (%ld distinct minimal scenarios "
	       "written to %s/), %.1f s, %.0f scenarios/s\n",
	       c->st.scenarios, c->st.disagreed, c->st.flaky, c->st.written, dir, el,
	       el > 0 ? (double)c->st.scenarios / el : 0.0);
	if (c->nkinds) {
		qsort(c->kinds, c->nkinds, sizeof *c->kinds, kind_cmp);
		printf("explore: %zu kinds of disagreement (at most %d shrunk and written per kind):\n",
		       c->nkinds, c->per_kind);
		for (size_t i = 0; i < c->nkinds; i++)
			printf("  %6ld x %s  [%s]\n", c->kinds[i].count, c->kinds[i].sig,
			       c->kinds[i].first[0] ? c->kinds[i].first : "duplicate");
	}
	if (c->rn.within_set)
		printf("explore: %ld steps within a set (the kernel gave the model's other possible "
		       "answer; the rest of those scenarios was not compared)\n", c->rn.within_set);
	if (c->rn.cut_nondet)
		printf("explore: %ld scenarios compared only up to a connect into an SO_REUSEPORT "
		       "group (which member gets it is a hash)\n", c->rn.cut_nondet);
	for (int i = 0; i < 8 && c->rn.skip_why[i][0]; i++)
		printf("explore: %ld scenarios stopped at a kernel skip: %s\n", c->rn.skip_n[i],
		       c->rn.skip_why[i]);
	rc = c->st.disagreed ? 1 : r0 > 0 ? 130 : 0;
	goto out;
fatal:
	fprintf(stderr, "bindmodel explore: %s\n", c->rn.fatal);
	rc = 2;
out:
	if (have_model)
		c->rn.model.destroy(c->rn.model.ctx);
	if (have_other)
		c->rn.other.destroy(c->rn.other.ctx);
	free(tcp.ops);
	free(udp.ops);
	free(c->z.h);
	free(c->kinds);
	if (c->rn.cmd)
		sc_cmd_free(c->rn.cmd);
	free(c->rn.cmd);
	free(c->rn.out);
	free(c->m);
	free(c->k);
	free(c->w.m);
	free(c->w.k);
	free(c->w.keep);
	free(c->w.trial);
	free(c);
	free(s);
	return rc;
}
