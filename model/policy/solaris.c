/* SPDX-License-Identifier: MIT */
/*
 * solaris.c: the Solaris family, `solaris-10` (no SO_REUSEPORT) and
 * `solaris` (Oracle Solaris 11.4, which added SO_REUSEPORT).
 *
 * The rules come from the illumos sources (the open descendant of the
 * OpenSolaris kernel that Solaris 10 and 11 share): tcp_bindi() and
 * tcp_bind_check() of usr/src/uts/common/inet/tcp/tcp_bind.c for TCP,
 * udp_do_bind() of usr/src/uts/common/inet/udp/udp.c for UDP.  Every rule
 * id below is described with its source in spec/solaris.md.
 *
 * What makes Solaris different from BSD, in four lines:
 *  - only the binding socket's SO_REUSEADDR is read, and for TCP it is
 *    refused only by an identical address that is BOUND or LISTENing;
 *  - UDP with SO_REUSEADDR may duplicate any binding at all;
 *  - SO_EXCLBIND on either socket turns the check into "specific and
 *    different addresses, or nothing" (TCP: only while the owner is at most
 *    ESTABLISHED), and SO_REUSEADDR cannot override it;
 *  - IPv4 and IPv6 sockets have disjoint port spaces for explicit ports.
 *
 * illumos compares conn_bound_addr_v6, the address given to bind(): an
 * accepted child or a socket autobound by connect() never passed through
 * bind, so its bound address is the unspecified one (a wildcard).
 */
#include <string.h>

#include "bindmodel.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT
#define EXCL BM_SO_EXCLBIND

static const bm_rule solaris_rules[] = {
	{"solaris.bind.state", "bind() on a bound, listening or connected socket: EINVAL. TCP "
	 "checks the state first; UDP only after the address and privilege checks.",
	 "tcp_socket.c tcp_bind (-TOUTSTATE -> EINVAL); udp.c udp_do_bind (udp_state != TS_UNBND)"},
	{"solaris.bind.notlocal", "A specific address must be configured, else EADDRNOTAVAIL. "
	 "TCP refuses multicast and broadcast addresses (allow_mcbc B_FALSE); UDP accepts them "
	 "for AF_INET and native IPv6, not as a v4-mapped address on an AF_INET6 socket.",
	 "tcp_bind.c tcp_bind_check (ip_laddr_verify_v4(..., B_FALSE) == IPVL_BAD); udp.c "
	 "udp_do_bind (ip_laddr_verify_v4(..., B_TRUE))"},
	{"solaris.bind6.mapped_v6only", "A v4-mapped address on an IPV6_V6ONLY socket: "
	 "EADDRNOTAVAIL (not EINVAL as on Linux).",
	 "tcp_bind.c tcp_bind_check; udp.c udp_do_bind (conn_ipv6_v6only)"},
	{"solaris.bind.privport", "A port below tcp_smallest_nonpriv_port / "
	 "udp_smallest_nonpriv_port (1024) needs the net_privaddr privilege: EACCES, checked "
	 "before any conflict.",
	 "tcp_bind.c tcp_bind_select_lport (secpolicy_net_privaddr -> TACCES); udp.c udp_do_bind"},
	{"solaris.bind.eprivport", "The extra privileged ports, 2049 (NFS) and 4045 (lockd) by "
	 "default (tcp_g_epriv_ports / us_epriv_ports), need the net_privaddr privilege too: "
	 "EACCES.",
	 "tcp_bind.c tcp_bind_select_lport; tcp.c tcp_stack_init (ULP_DEF_EPRIV_PORT1/2); udp.c udp_do_bind"},
	{"solaris.bind.bound_addr", "An owner is judged by the address it gave to bind(): bound "
	 "to the wildcard, it stays a wildcard after connect() picked a source, and in "
	 "TIME_WAIT.",
	 "tcp_bind.c tcp_bind_check (conn_bound_addr_v6 = the bind address), tcp_bindi (compares "
	 "lconnp->conn_bound_addr_v6); udp.c udp_do_bind (udp_bound_v6src)"},
	{"solaris.bind.v4v6", "With an explicit port, an owner of the other IP version is "
	 "skipped: AF_INET and AF_INET6 sockets have disjoint port spaces, so 0.0.0.0:p and "
	 "[::]:p coexist with no option. An AF_INET6 socket bound to a v4-mapped address counts "
	 "as IPv4. SO_EXCLBIND is tested before this and so crosses the versions.",
	 "tcp_bind.c tcp_bindi (conn_ipversion != ... && bind_to_req_port_only -> continue); udp.c "
	 "udp_do_bind (count == 0 && requested_port != 0)"},
	{"solaris.tcp.bind.exclbind", "TCP: SO_EXCLBIND on either socket, while the owner is at "
	 "most ESTABLISHED (BOUND, LISTEN, SYN_*, ESTABLISHED; not CLOSE_WAIT nor TIME_WAIT): "
	 "the bind is refused unless both addresses are specific and different, whatever "
	 "SO_REUSEADDR says, and the v4/v6 port spaces are no longer disjoint.",
	 "tcp_bind.c tcp_bindi (exclbind && ltcp->tcp_state <= TCPS_ESTABLISHED)"},
	{"solaris.tcp.bind.conflict", "TCP, SO_REUSEADDR off on the binding socket: an owner of "
	 "the same IP version in any state (bound, listening, connected, accepted, TIME_WAIT) "
	 "conflicts unless both addresses are specific and different.",
	 "tcp_bind.c tcp_bindi (!reuseaddr: ltcp->tcp_state >= TCPS_BOUND -> busy)"},
	{"solaris.tcp.bind.reuseaddr", "TCP, SO_REUSEADDR on the binding socket (the owner's "
	 "flag is never read): only an owner on the identical address (wildcard equals "
	 "wildcard) that is BOUND or LISTEN conflicts; connected, accepted and TIME_WAIT owners "
	 "do not, nor other addresses.",
	 "tcp_bind.c tcp_bindi (reuseaddr: IN6_ARE_ADDR_EQUAL && (LISTEN || BOUND) -> busy)"},
	{"solaris.udp.bind.exclbind", "UDP: SO_EXCLBIND on either socket: refused unless both "
	 "addresses are specific and different; SO_REUSEADDR cannot override it "
	 "(found_exclbind).",
	 "udp.c udp_do_bind (conn_exclbind -> found_exclbind)"},
	{"solaris.udp.bind.conflict", "UDP, SO_REUSEADDR off: an owner of the same IP version "
	 "conflicts unless both addresses are specific and different.",
	 "udp.c udp_do_bind (\"No difference depending on SO_REUSEADDR\")"},
	{"solaris.udp.bind.reuseaddr", "UDP, SO_REUSEADDR on the binding socket and an explicit "
	 "port: the bind succeeds even onto an identical binding, whatever the owners' flags, "
	 "unless the walk met an SO_EXCLBIND owner before the first overlapping owner. The walk "
	 "follows the bind list: specific addresses newest first, wildcards appended at the "
	 "tail.",
	 "udp.c udp_do_bind (!found_exclbind && conn_reuseaddr && requested_port != 0 -> break); "
	 "udp_bind_hash_insert (list order)"},
	{"solaris.reuseport.share", "Solaris 11.4 only: both sockets set SO_REUSEPORT before "
	 "bind and have the same owner uid: they may bind the identical address and port (TCP "
	 "and UDP). Undocumented details read conservatively: same uid required, SO_EXCLBIND "
	 "still wins.",
	 "Oracle Solaris 11.4 (SO_REUSEPORT added, 2018); libuv PR #4407, issue #4732, PR #4733"},
	{"solaris.listen.norecheck", "listen() on a bound socket does not re-run the conflict "
	 "test; on an unbound socket it first binds the wildcard and an anonymous port.",
	 "tcp.c tcp_do_listen (state BOUND -> do_listen; else tcp_bind_check with a zero address)"},
	{"solaris.ephemeral.bind", "bind(port 0) and the listen() autobind take an anonymous "
	 "port (32768-65535) through the same walk, but IPv4 and IPv6 share the anonymous "
	 "space; TCP honours the binding socket's SO_REUSEADDR, UDP ignores it (\"to guarantee "
	 "a unique port\"). None left: EADDRNOTAVAIL (TNOADDR).",
	 "tcp_bind.c tcp_bindi (bind_to_req_port_only false); udp.c udp_do_bind (requested_port == 0); "
	 "proto_set.c proto_tlitosyserr (TNOADDR -> EADDRNOTAVAIL)"},
	{"solaris.connect.port", "connect() autobind (\"quick connect\") may share a port with "
	 "connections (TIME_WAIT included) to another destination and with owners on another "
	 "specific address; a wildcard owner (an autobound or accepted socket counts as one), "
	 "an owner connected to the same destination, or an SO_EXCLBIND owner keeps the port. "
	 "UDP autobinds as the wildcard, so any owner keeps the port. None left: EADDRNOTAVAIL.",
	 "tcp_bind.c tcp_bindi (quick_connect && ltcp->tcp_state > TCPS_LISTEN && other faddr/fport); "
	 "tcp.c tcp_connect_ipv4/ipv6 (-TNOADDR)"},
	{"solaris.connect.tuple", "connect() onto a four-tuple that a connection (TIME_WAIT "
	 "included) already has: EADDRINUSE when the conn is inserted in the classifier.",
	 "ip/ipclassifier.c ipcl_conn_insert_v4/v6 (\"Already have a conn. bail out\" -> EADDRINUSE)"},
	{"solaris.deliver.best", "A datagram or SYN goes to the connected match, else a "
	 "specific-address socket, else a wildcard one; among wildcards an AF_INET (v4-mapped) "
	 "socket comes before an AF_INET6 [::] one; among equals the first bound receives "
	 "(entries are appended).",
	 "ip/ipclassifier.c IPCL_HASH_INSERT_WILDCARD (v4-mapped before unspecified), "
	 "IPCL_HASH_INSERT_BOUND; tcp_bind.c tcp_bind_hash_insert"},
	{"solaris.deliver.multicast", "A multicast or broadcast datagram goes to every socket bound to the "
	 "group or the wildcard on that port.",
	 "ip/ip_input.c ip_fanout_udp_multi_v4 (each matching conn gets a copy)"},
	{"solaris.deliver.reuseport", "Solaris 11.4: best matches that all set SO_REUSEPORT "
	 "share datagrams and connections by a hash of the four-tuple; if any of them also set "
	 "SO_REUSEADDR there is no load balancing and the first bound receives.",
	 "libuv issue #4732 / PR #4733 (Oracle: SO_REUSEADDR disables SO_REUSEPORT load balancing)"},
};

/* ---------------------------------------------------------- release rows */

/* What differs between the releases, as data (bm_policy.data), read by the
 * hooks through bm_host_policy(h)->data. */
typedef struct solaris_release {
	int reuseport;          /* SO_REUSEPORT groups (Solaris 11.4):
	                           solaris.reuseport.share, solaris.deliver.reuseport */
} solaris_release;

static const solaris_release release_10 = {.reuseport = 0};
static const solaris_release release_11_4 = {.reuseport = 1};

static int has_reuseport(const bm_host *h)
{
	const solaris_release *r = bm_host_policy(h)->data;
	return r && r->reuseport;
}

/* ------------------------------------------------------------- helpers */

/* conn_bound_addr_v6 in IPv6 form: zeros for a socket that never called
 * bind() (accepted child, connect() autobind), ::ffff:a.b.c.d for IPv4. */
static void bound_addr(const bm_sock_info *s, const bm_endpoint *ep, uint8_t out[16])
{
	memset(out, 0, 16);
	if (s->parent || s->port_from_connect)
		return;
	if (ep->family == BM_AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, ep->addr, 4);
	} else {
		memcpy(out, ep->addr, 16);
	}
}

/* V6_OR_V4_INADDR_ANY */
static int addr_any(const uint8_t a[16])
{
	static const uint8_t zero[16];
	static const uint8_t mapped_any[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
	return memcmp(a, zero, 16) == 0 || memcmp(a, mapped_any, 16) == 0;
}

/* conn_ipversion: 4 for AF_INET and for an AF_INET6 socket on a v4-mapped address */
static int ipversion(const bm_sock_info *s)
{
	return s->family == BM_AF_INET || bm_addr_is_v4mapped(&s->local) ? 4 : 6;
}

/* Is the owner at most ESTABLISHED (BOUND, LISTEN, SYN_*, ESTABLISHED)? */
static int upto_established(const bm_sock_info *old)
{
	if (old->state == BM_STATE_TIME_WAIT)
		return 0;
	if (old->state == BM_STATE_CONNECTED)
		return !old->peer_closed;   /* CLOSE_WAIT is past ESTABLISHED */
	return 1;
}

typedef struct pair {
	uint8_t s[16], o[16];   /* bound addresses of the new socket and the owner */
	int s_any, o_any, same, both_specific_differ;
} pair;

static pair make_pair(const bm_sock_info *s, const bm_sock_info *old)
{
	pair p;
	bound_addr(s, &s->local, p.s);
	/* solaris.bind.bound_addr: the owner's bind() address, not the source
	 * connect() narrowed it to (tcp_bind_check sets conn_bound_addr_v6) */
	bound_addr(old, old->bound.port == old->local.port ? &old->bound : &old->local, p.o);
	p.s_any = addr_any(p.s);
	p.o_any = addr_any(p.o);
	p.same = memcmp(p.s, p.o, 16) == 0;
	p.both_specific_differ = !p.s_any && !p.o_any && !p.same;
	return p;
}

/* Would the two be on different specific addresses if the owner were
 * judged by the source connect() gave it?  Then only
 * solaris.bind.bound_addr made them overlap. */
static int apart_but_for_bound_addr(const bm_sock_info *s, const bm_sock_info *old)
{
	/* the owner is judged by its local address anyway, or its bind()
	 * address is that same one: nothing to tell apart */
	if (old->bound.port != old->local.port ||
	    (old->bound.family == old->local.family &&
	     memcmp(old->bound.addr, old->local.addr, 16) == 0))
		return 0;
	pair p = make_pair(s, old);
	uint8_t local[16];
	bound_addr(old, &old->local, local);
	return p.o_any && !p.s_any && !addr_any(local) && memcmp(p.s, local, 16) != 0;
}

static int reuseport_pair(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old)
{
	return has_reuseport(h) && (s->opts & RP) && (old->opts_at_bind & RP) &&
	       s->uid == old->uid;
}

/* ---------------------------------------------------------------- TCP */

/* tcp_bindi, one owner: explicit port (BIND) or anonymous (EPHEMERAL). */
static bm_match tcp_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                             bm_phase phase, bm_verdict *v)
{
	int explicit_port = phase == BM_PHASE_BIND;
	const char *busy = explicit_port ? "solaris.tcp.bind.conflict" : "solaris.ephemeral.bind";
	pair p = make_pair(s, old);

	if (((s->opts | old->opts) & EXCL) && upto_established(old)) {
		if (p.both_specific_differ)
			return BM_MATCH_NONE;
		bm_verdict_set_static(v, BM_EADDRINUSE,
		                      explicit_port ? "solaris.tcp.bind.exclbind" : busy, old->id,
		                      "SO_EXCLBIND on %s: socket %d (%s) holds an overlapping "
		                      "address", (s->opts & EXCL) ? "the binding socket" : "the owner",
		                      old->id, bm_state_name(old->state));
		return BM_MATCH_CONFLICT;
	}
	if (explicit_port && ipversion(s) != ipversion(old)) {
		bm_verdict_set(v, BM_OK, "solaris.bind.v4v6", old->id,
		               "socket %d is of the other IP version: disjoint port space", old->id);
		return BM_MATCH_NONE;
	}
	if (explicit_port && reuseport_pair(h, s, old)) {
		bm_verdict_set(v, BM_OK, "solaris.reuseport.share", old->id,
		               "both have SO_REUSEPORT (uid %u)", s->uid);
		return BM_MATCH_SHARE;
	}
	if (!(s->opts & RA)) {
		if (p.both_specific_differ)
			return BM_MATCH_NONE;
		bm_verdict_set_static(v, BM_EADDRINUSE, busy, old->id,
		                      "socket %d (%s) holds an overlapping binding and "
		                      "SO_REUSEADDR is off", old->id, bm_state_name(old->state));
		return BM_MATCH_CONFLICT;
	}
	if (p.same && (old->state == BM_STATE_BOUND || old->state == BM_STATE_LISTEN)) {
		bm_verdict_set_static(v, BM_EADDRINUSE,
		                      explicit_port ? "solaris.tcp.bind.reuseaddr" : busy, old->id,
		                      "socket %d is %s on the identical address: SO_REUSEADDR does "
		                      "not help", old->id, bm_state_name(old->state));
		return BM_MATCH_CONFLICT;
	}
	bm_verdict_set_static(v, BM_OK, "solaris.tcp.bind.reuseaddr", old->id,
	                      "SO_REUSEADDR: socket %d (%s) does not block", old->id,
	                      bm_state_name(old->state));
	return BM_MATCH_SHARE;
}

/* ---------------------------------------------------------------- UDP */

/* One step of the udp_do_bind walk: 0 = continue, 1 = break (overlap),
 * 2 = break with found_exclbind. */
static int udp_step(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                    int explicit_port)
{
	pair p = make_pair(s, old);
	if ((s->opts | old->opts) & EXCL)
		return p.both_specific_differ ? 0 : 2;
	if (explicit_port && ipversion(s) != ipversion(old))
		return 0;
	if (explicit_port && reuseport_pair(h, s, old))
		return 0;
	return p.both_specific_differ ? 0 : 1;
}

/*
 * The owners of the port in udp_bind_hash_insert order: a specific address
 * goes to the head; a wildcard goes to the head only when the head is a
 * wildcard too, else to the tail.  (Owners of other ports hashed to the
 * same bucket, and owners since closed, are not replayed.)
 */
static size_t udp_bind_list(const bm_host *h, const bm_sock_info *s, const bm_sock_info **out,
                            size_t max)
{
	size_t n = 0;
	/* the port's owners in binding order: replay the insertions */
	for (const bm_sock_info *x = bm_port_first(h, BM_UDP, s->local.port); x && n < max;
	     x = bm_port_next(h, x)) {
		if (x->id == s->id)
			continue;
		uint8_t a[16];
		bound_addr(x, &x->local, a);
		int head_any = 0;
		if (n) {
			uint8_t b[16];
			bound_addr(out[0], &out[0]->local, b);
			head_any = addr_any(b);
		}
		if (addr_any(a) && n && !head_any) {
			out[n++] = x;
		} else {
			memmove(out + 1, out, n * sizeof *out);
			out[0] = x;
			n++;
		}
	}
	return n;
}

static bm_match udp_bind_walk(const bm_host *h, const bm_sock_info *s, bm_verdict *v)
{
	const bm_sock_info *list[256];
	size_t n = udp_bind_list(h, s, list, sizeof list / sizeof list[0]);
	for (size_t i = 0; i < n; i++) {
		int r = udp_step(h, s, list[i], 1);
		if (r == 0)
			continue;
		const bm_sock_info *old = list[i];
		if (r == 2) {
			bm_verdict_set(v, BM_EADDRINUSE, "solaris.udp.bind.exclbind", old->id,
			               "SO_EXCLBIND on %s: socket %d holds an overlapping address",
			               (s->opts & EXCL) ? "the binding socket" : "the owner", old->id);
			return BM_MATCH_CONFLICT;
		}
		if (s->opts & RA) {
			bm_verdict_set(v, BM_OK, "solaris.udp.bind.reuseaddr", old->id,
			               "SO_REUSEADDR: may duplicate the binding of socket %d", old->id);
			return BM_MATCH_SHARE_STOP;
		}
		bm_verdict_set(v, BM_EADDRINUSE, "solaris.udp.bind.conflict", old->id,
		               "socket %d holds an overlapping binding and SO_REUSEADDR is off", old->id);
		return BM_MATCH_CONFLICT;
	}
	return BM_MATCH_SHARE_STOP;
}

static bm_match solaris_connect_port(const bm_host *h, const bm_sock_info *s,
                                     const bm_sock_info *old, bm_verdict *v);

static bm_match udp_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                             bm_phase phase, bm_verdict *v)
{
	if (phase == BM_PHASE_BIND)
		return udp_bind_walk(h, s, v);   /* the whole port at once, in list order */
	/* connect() on an unbound socket: udp_connect -> udp_implicit_bind binds
	 * the wildcard with port 0 before the source is chosen (solaris.connect.port) */
	if (s->remote.port)
		return solaris_connect_port(h, s, old, v);
	/* anonymous port: SO_REUSEADDR ignored, v4 and v6 share the space */
	if (udp_step(h, s, old, 0) == 0)
		return BM_MATCH_NONE;
	bm_verdict_set(v, BM_EADDRINUSE, "solaris.ephemeral.bind", old->id,
	               "socket %d holds the port", old->id);
	return BM_MATCH_CONFLICT;
}

static bm_match solaris_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                                 bm_phase phase, bm_verdict *v)
{
	/* solaris.listen.norecheck: an overlapping owner is not looked at
	 * again; that rule is why listen() passes it, so the verdict names it */
	if (phase == BM_PHASE_LISTEN) {
		if (!bm_overlap(s, old))
			return BM_MATCH_NONE;
		bm_verdict_set(v, BM_OK, "solaris.listen.norecheck", old->id,
		               "socket %d: listen() does not re-run the conflict test", old->id);
		return BM_MATCH_SHARE;
	}
	bm_match m = s->proto == BM_TCP ? tcp_conflict(h, s, old, phase, v)
	                                : udp_conflict(h, s, old, phase, v);
	if (m == BM_MATCH_CONFLICT && apart_but_for_bound_addr(s, old))
		bm_verdict_set(v, v->code, "solaris.bind.bound_addr", old->id,
		               "socket %d was bound to the wildcard: connect() did not narrow that",
		               old->id);
	return m;
}

/* --------------------------------------------------------------- bind */

static int privileged(const bm_host *h, uint16_t port)
{
	return port && (port < bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START) ||
	                port == 2049 || port == 4045);
}

static bm_result solaris_bind_precheck(const bm_host *h, const bm_sock_info *s,
                                       const bm_endpoint *ep, bm_verdict *v)
{
	int tcp = s->proto == BM_TCP;
	int bound = s->state != BM_STATE_CLOSED;
	int mapped = bm_addr_is_v4mapped(ep);
	/* multicast/broadcast: TCP never; UDP yes, except v4-mapped on AF_INET6 */
	int mcbc_ok = !tcp && !mapped;
	int valid = bm_addr_is_any(ep) ||
	            (bm_addr_is_multicast(ep) ? mcbc_ok : bm_host_addr_is_local(h, ep));

	if (tcp && bound)
		return bm_verdict_set(v, BM_EINVAL, "solaris.bind.state", 0, "socket is already bound");
	if (mapped && s->v6only)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "solaris.bind6.mapped_v6only", 0,
		                      "a v4-mapped address on an IPV6_V6ONLY socket");
	if (!valid)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "solaris.bind.notlocal", 0,
		                      bm_addr_is_multicast(ep) ? "not a unicast address of this host"
		                                               : "address is not configured on this host");
	if (privileged(h, ep->port) && s->uid != 0) {
		int extra = ep->port >= bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START);
		return bm_verdict_set(v, BM_EACCES,
		                      extra ? "solaris.bind.eprivport" : "solaris.bind.privport", 0,
		                      "port %u needs net_privaddr (uid %u)", ep->port, s->uid);
	}
	if (bound)
		return bm_verdict_set(v, BM_EINVAL, "solaris.bind.state", 0, "socket is already bound");
	return BM_OK;
}

/* ------------------------------------------------------------ connect */

/* tcp_bindi with quick_connect: may connect() autobind s onto old's port? */
static bm_match solaris_connect_port(const bm_host *h, const bm_sock_info *s,
                                     const bm_sock_info *old, bm_verdict *v)
{
	(void)h;
	pair p = make_pair(s, old);
	if (s->proto == BM_UDP) {
		/* the implicit bind is a wildcard one: any owner keeps the port */
		bm_verdict_set(v, BM_EADDRNOTAVAIL, "solaris.connect.port", old->id,
		               "socket %d holds the port", old->id);
		return BM_MATCH_CONFLICT;
	}
	if (((s->opts | old->opts) & EXCL) && upto_established(old) && !p.both_specific_differ) {
		bm_verdict_set(v, BM_EADDRNOTAVAIL, "solaris.connect.port", old->id,
		               "SO_EXCLBIND: socket %d keeps the port", old->id);
		return BM_MATCH_CONFLICT;
	}
	int connected = old->state == BM_STATE_CONNECTED || old->state == BM_STATE_TIME_WAIT;
	if (connected && (old->remote.port != s->remote.port ||
	                  memcmp(old->remote.addr, s->remote.addr, 16) != 0))
		return BM_MATCH_SHARE;
	if (p.both_specific_differ)
		return BM_MATCH_SHARE;
	bm_verdict_set_static(v, BM_EADDRNOTAVAIL, "solaris.connect.port", old->id,
	                      "socket %d (%s) keeps the port", old->id, bm_state_name(old->state));
	return BM_MATCH_CONFLICT;
}

static bm_result solaris_tuple_clash(const bm_host *h, const bm_sock_info *s,
                                     const bm_sock_info *old, int autobound, bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)autobound;
	return bm_verdict_set_static(v, BM_EADDRINUSE, "solaris.connect.tuple", old->id,
	                             "socket %d already has this four-tuple (%s)", old->id,
	                             bm_state_name(old->state));
}

/* ------------------------------------------------------------ deliver */

/* Classifier order within one score: v4-mapped wildcard before [::], then
 * the first bound. */
static int before(const bm_sock_info *a, const bm_sock_info *b)
{
	int a6 = a->family == BM_AF_INET6 && bm_addr_is_any(&a->local) &&
	         !bm_addr_is_v4mapped(&a->local);
	int b6 = b->family == BM_AF_INET6 && bm_addr_is_any(&b->local) &&
	         !bm_addr_is_v4mapped(&b->local);
	if (a6 != b6)
		return b6;
	return a->bound_seq < b->bound_seq;
}

static size_t solaris_deliver(const bm_host *h, bm_proto proto, const bm_endpoint *src,
                              const bm_endpoint *dst, const bm_sock_info *cand, size_t n,
                              int *score, bm_sock *out, bm_verdict *v)
{
	if (proto == BM_UDP && bm_addr_is_multicast(dst)) {
		for (size_t i = 0; i < n; i++)
			out[i] = cand[i].id;
		bm_verdict_set(v, BM_OK, "solaris.deliver.multicast", 0,
		               "every socket on the group or the wildcard receives");
		return n;
	}
	size_t best = 0;
	for (size_t i = 1; i < n && score[i] == score[0]; i++)
		if (before(&cand[i], &cand[best]))
			best = i;
	const bm_sock_info *b = &cand[best];
	if (has_reuseport(h) && (b->opts & RP)) {
		size_t members = 0;
		int any_ra = 0;
		for (size_t i = 0; i < n && score[i] == score[0]; i++) {
			if ((cand[i].opts & RP) && cand[i].family == b->family &&
			    memcmp(cand[i].local.addr, b->local.addr, 16) == 0) {
				out[members++] = cand[i].id;
				any_ra |= (cand[i].opts & RA) != 0;
			}
		}
		if (members > 1 && !any_ra) {
			/* hash over the group in bind order (cand is newest first) */
			out[0] = out[members - 1 - bm_tuple_hash(src, dst) % members];
			bm_verdict_set(v, BM_OK, "solaris.deliver.reuseport", out[0],
			               "hashed among %zu SO_REUSEPORT sockets", members);
			return 1;
		}
	}
	out[0] = b->id;
	bm_verdict_set(v, BM_OK, "solaris.deliver.best", b->id,
	               "the most specific match, first bound, receives");
	return 1;
}

/* The rule behind the port an autobind took: the anonymous-port walk
 * (bind port 0) or the quick connect. */
static const char *solaris_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what,
                                       int found)
{
	(void)h, (void)s;
	if (!found || what == BM_CHOICE_SOURCE)
		return NULL;
	return what == BM_CHOICE_CONNECT_PORT ? "solaris.connect.port" : "solaris.ephemeral.bind";
}

/* ----------------------------------------------------------- policies */

#define SOLARIS_COMMON                                                      \
	.version = BM_POLICY_VERSION,                                       \
	.family = "solaris",                                                \
	.v6only_default = 0,                                                \
	.time_wait_ms = 60000,              /* tcp_time_wait_interval */    \
	.ephemeral_lo = 32768, .ephemeral_hi = 65535,                       \
	.unprivileged_port_start = 1024,    /* tcp_smallest_nonpriv_port */ \
	.tw_reuse = 0,                                                      \
	.loopback_net_local = 0,                                            \
	.bind_exhausted = BM_EADDRNOTAVAIL,                                 \
	.connect_exhausted = BM_EADDRNOTAVAIL,                              \
	.udp_autobind_exhausted = BM_EADDRNOTAVAIL,                         \
	.connect_on_listen = BM_EOPNOTSUPP,                                 \
	.connect_tuple_error = BM_EADDRINUSE,                               \
	.bind_precheck = solaris_bind_precheck,                             \
	.conflict = solaris_conflict,                                       \
	.tuple_clash = solaris_tuple_clash,                                 \
	.connect_port = solaris_connect_port,                               \
	.family_mismatch = BM_EAFNOSUPPORT, /* proto_verify_ip_addr */      \
	.deliver = solaris_deliver,                                         \
	.choice_rule = solaris_choice_rule,                                 \
	.rules = solaris_rules,                                             \
	.nrules = sizeof solaris_rules / sizeof solaris_rules[0]

const bm_policy bm_policy_solaris10 = {
	SOLARIS_COMMON,
	.name = "solaris-10",
	.description = "Solaris 10 (and illumos): SO_REUSEADDR and SO_EXCLBIND, no SO_REUSEPORT",
	.options = BM_SO_REUSEADDR | BM_SO_EXCLBIND | BM_IPV6_V6ONLY | BM_SO_LINGER,
	.data = &release_10,
};

const bm_policy bm_policy_solaris = {
	SOLARIS_COMMON,
	.name = "solaris",
	.description = "Oracle Solaris 11.4: as Solaris 10 plus SO_REUSEPORT (load-balancing groups)",
	.options = BM_SO_REUSEADDR | BM_SO_REUSEPORT | BM_SO_EXCLBIND | BM_IPV6_V6ONLY |
	           BM_SO_LINGER,
	.data = &release_11_4,
};
