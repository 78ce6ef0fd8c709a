/* SPDX-License-Identifier: MIT */
/*
 * explore_gen.c: the scenarios `bindmodel explore` runs (explore.c tells
 * the design): the universe of addresses, option profiles and actions; an
 * operation expanded into the steps that bring one socket to its state on
 * port XP_PORT; the enumerated alphabets and every sequence of them up to a
 * depth; the seeded random scenarios over the whole universe; and a step
 * as a scenario-language command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"

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

/* ---------------------------------------------------------------- steps */

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

void xp_prelude(xscen *s)
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

void xp_step_text(const xstep *t, char *buf, size_t len)
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

void xp_to_cmd(const xstep *t, int line, sc_cmd *c)
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
	xp_step_text(t, text, sizeof text);
	sc_cmd_set_text(c, "%s", text);
}

/* ------------------------------------------------------------ generation */

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

/* The enumerated alphabets of TCP and UDP. */
int xp_build_alphabets(alphabet *tcp, alphabet *udp)
{
	return build_alphabet(tcp, PR_TCP) != 0 || build_alphabet(udp, PR_UDP) != 0 ? -1 : 0;
}

int xp_enumerate(const alphabet *a, int depth, const char *group, xscen *s, xp_visit *visit,
                 void *arg)
{
	int idx[16] = {0};
	if (depth == 0)
		return 0;
	if (a->n == 0)
		return 0;
	char origin[256];
	for (;;) {
		xp_prelude(s);
		for (int i = 0; i < depth; i++)
			expand(s, i, &a->ops[idx[i]]);
		size_t off = (size_t)snprintf(origin, sizeof origin, "enumeration (%s, depth %d):", group,
		                              depth);
		for (int i = 0; i < depth && off < sizeof origin; i++) {
			char d[96];
			describe_op(&a->ops[idx[i]], d, sizeof d);
			off += (size_t)snprintf(origin + off, sizeof origin - off, "%s %s", i ? ";" : "", d);
		}
		int r = visit(arg, s, origin);
		if (r != 0)
			return r;
		int i = depth - 1;
		while (i >= 0 && ++idx[i] == a->n)
			idx[i--] = 0;
		if (i < 0)
			return 0;
	}
}

int xp_random_scenario(xscen *s, uint64_t seed, long r, int allow_sleep)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + (uint64_t)r * 0xd1b54a32d192ed03ull + 1;
	int depth = 3 + rnd(&x, 6);
	xp_prelude(s);
	for (int i = 0; i < depth; i++) {
		xop o = random_op(&x, allow_sleep, s->nnames > 1);
		expand(s, i, &o);
	}
	return depth;
}
