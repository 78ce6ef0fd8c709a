/* SPDX-License-Identifier: MIT */
/*
 * windows.c: the Windows personalities, `windows-2000` (the classic rules of
 * Windows NT 4.0 SP4 through XP: SO_REUSEADDR steals a port unless its
 * holder set SO_EXCLUSIVEADDRUSE), `windows-2003` (Windows Server 2003,
 * "enhanced socket security": the answer depends on which binding is the
 * more specific and on whether both binds come from one user account) and
 * `windows` (Vista and later: the same tables plus dual-stack sockets and
 * the 49152-65535 dynamic range).  The hooks are shared; what differs is a
 * row of data per release (windows_release, bm_policy.data).
 *
 * Every rule id below is described, with its source, in spec/windows.md.
 * The authority is Microsoft's page "Using SO_REUSEADDR and
 * SO_EXCLUSIVEADDRUSE" (its three tables are transcribed cell by cell in the
 * table files under spec/windows and spec/windows-2000) and Wine's test_reuseaddr() in
 * dlls/ws2_32/tests/sock.c, which passes on real Windows.  The owner uid of
 * a socket stands for its Windows user account: equal uids, same user.
 *
 * The pairwise rule, for a new bind S over an owner O of the same port
 * whose binding overlaps it, reads the three tables as three shapes:
 *   exact    (same specific address, or both wildcard): shared only when
 *            both set SO_REUSEADDR; SO_REUSEADDR on S alone is WSAEACCES;
 *   narrower (O wildcard, S specific): WSAEACCES if O is exclusive; else
 *            allowed for the same user, and for another user only when
 *            both set SO_REUSEADDR;
 *   broader  (O specific, S wildcard): allowed unless S is exclusive
 *            (WSAEADDRINUSE); S then serves every address but O's.
 */
#include <string.h>

#include "bindmodel.h"

#define RA BM_SO_REUSEADDR
#define EX BM_SO_EXCLUSIVEADDRUSE

#define MS_PAGE "learn.microsoft.com/windows/win32/winsock/using-so-reuseaddr-and-so-exclusiveaddruse"
#define MS_CONNECT "learn.microsoft.com/windows/win32/api/winsock2/nf-winsock2-connect"
#define WINE_TEST "wine-mirror/wine dlls/ws2_32/tests/sock.c test_reuseaddr"

static const bm_rule windows_rules[] = {
	{"windows.opt.exclusive_pair", "SO_REUSEADDR and SO_EXCLUSIVEADDRUSE are mutually "
	 "exclusive: setting either while the other is on fails with WSAEINVAL; clearing the "
	 "first lets the second through. Both personalities.",
	 WINE_TEST " (\"SO_REUSEADDR and SO_EXCLUSIVEADDRUSE are mutually exclusive\"); "
	 "WinSock2.h defines SO_EXCLUSIVEADDRUSE as ~SO_REUSEADDR"},
	{"windows.opt.exclusive_admin", "Windows XP and earlier (windows-2000): only members of "
	 "the Administrators group (uid 0 here) may set SO_EXCLUSIVEADDRUSE; others get "
	 "WSAEACCES.",
	 MS_PAGE " (\"can only be used by members of the Administrators security group on Windows "
	 "XP and earlier\")"},
	{"windows.bind.state", "bind() on a socket that is already bound, listening or "
	 "connected fails with WSAEINVAL.",
	 "learn.microsoft.com bind function: WSAEINVAL, the socket is already bound to an address"},
	{"windows.bind.notlocal", "A specific address not assigned to an interface: "
	 "WSAEADDRNOTAVAIL. There are no privileged ports: any account binds below 1024 "
	 "(unprivileged_port_start 0). All of 127/8 counts as local.",
	 "learn.microsoft.com bind function: WSAEADDRNOTAVAIL; no reserved-port check in Winsock"},
	{"windows.bind.classic.steal", "Windows XP and earlier: a bind with SO_REUSEADDR shares "
	 "any overlapping binding (it steals the port) unless that owner set "
	 "SO_EXCLUSIVEADDRUSE.",
	 MS_PAGE ", first table (Windows XP and earlier), SO_REUSEADDR columns"},
	{"windows.bind.classic.exclusive", "Windows XP and earlier: a bind with SO_REUSEADDR "
	 "over an owner that set SO_EXCLUSIVEADDRUSE fails with WSAEACCES.",
	 MS_PAGE ", first table, SO_EXCLUSIVEADDRUSE rows x SO_REUSEADDR columns; "
	 "so-exclusiveaddruse page table (10013)"},
	{"windows.bind.classic.inuse", "Windows XP and earlier: without SO_REUSEADDR every "
	 "overlapping binding, wildcard or specific, in either order, conflicts: WSAEADDRINUSE.",
	 MS_PAGE ", first table, Default and SO_EXCLUSIVEADDRUSE columns"},
	{"windows.bind.exact", "Server 2003+: an exact duplicate (same specific address, or "
	 "both wildcard) is shared only when both sockets set SO_REUSEADDR; SO_REUSEADDR on the "
	 "new socket alone is WSAEACCES; anything else is WSAEADDRINUSE. Same for one or two "
	 "users.",
	 MS_PAGE ", Enhanced Socket Security, both tables, diagonal cells; " WINE_TEST},
	{"windows.bind.reuse", "Server 2003+: both sockets set SO_REUSEADDR: they share the "
	 "port, for any user accounts, whatever the addresses.",
	 MS_PAGE ", Enhanced Socket Security, SO_REUSEADDR x SO_REUSEADDR cells of both tables"},
	{"windows.bind.narrower.exclusive", "Server 2003+: a specific address under an owner's "
	 "wildcard that set SO_EXCLUSIVEADDRUSE fails with WSAEACCES, whatever the new socket's "
	 "options or user.",
	 MS_PAGE ", Enhanced Socket Security, SO_EXCLUSIVEADDRUSE/Wildcard rows; " WINE_TEST
	 " rows 0 and 3"},
	{"windows.bind.narrower.same_user", "Server 2003+, same user: a specific address under "
	 "the same account's wildcard without SO_EXCLUSIVEADDRUSE succeeds, with or without "
	 "options (the backward-compatibility exception).",
	 MS_PAGE ", Enhanced Socket Security, same-user table, Wildcard rows x Specific columns; "
	 WINE_TEST " (any then loopback, both listen)"},
	{"windows.bind.narrower.other_user", "Server 2003+, different users: a specific address "
	 "under another account's wildcard fails with WSAEACCES unless both sockets set "
	 "SO_REUSEADDR.",
	 MS_PAGE ", Enhanced Socket Security, different-user table, Wildcard rows x Specific columns"},
	{"windows.bind.broader", "Server 2003+: a wildcard over an owner's specific address "
	 "succeeds unless the new socket sets SO_EXCLUSIVEADDRUSE; it then serves every address "
	 "except the owner's.",
	 MS_PAGE ", Enhanced Socket Security, Specific rows x Wildcard columns and the note below "
	 "the same-user table; " WINE_TEST " row 4"},
	{"windows.bind.broader.exclusive", "Server 2003+: a wildcard with SO_EXCLUSIVEADDRUSE "
	 "over an owner's specific address fails with WSAEADDRINUSE.",
	 MS_PAGE ", Enhanced Socket Security, Specific rows x SO_EXCLUSIVEADDRUSE/Wildcard column; "
	 WINE_TEST " rows 5, 6, 9"},
	{"windows.dual.v4view", "Server 2003+ (Vista+ dual stack): a dual-stack socket bound to "
	 "[::] without SO_EXCLUSIVEADDRUSE does not hold the IPv4 side against a later IPv4 "
	 "bind (even a wildcard, even one with SO_EXCLUSIVEADDRUSE).",
	 WINE_TEST " rows 11 and 14 (NOERROR)"},
	{"windows.dual.exclusive", "Server 2003+: a dual-stack socket bound to [::] with "
	 "SO_EXCLUSIVEADDRUSE refuses every later overlapping IPv4 bind with WSAEACCES (also "
	 "0.0.0.0 without options, where the one-stack table says WSAEADDRINUSE).",
	 WINE_TEST " rows 1 and 10 (WSAEACCES); " MS_PAGE " dual stack paragraph"},
	{"windows.bind.bound_addr", "Both personalities: a connected socket that bind() placed "
	 "is judged by the address it was bound to (0.0.0.0 stays a wildcard), not by the "
	 "source address connect() chose.",
	 MS_PAGE " (every table compares \"an address previously bound to by a first socket\"; "
	 "a connection keeps its socket's binding). Added by the two-socket grid review "
	 "(spec/windows/grid_tcp_*.bms, connected rows)"},
	{"windows.bind.linger", "A TIME_WAIT connection, or a connection accepted from a "
	 "listener, does not block a bind that lacks SO_EXCLUSIVEADDRUSE: Windows does not "
	 "check them.",
	 "libuv PR joyent/libuv#1360 (saghul: sockets in TIME_WAIT are not checked when binding); "
	 "PostgreSQL pqcomm.c StreamServerPort comment; article comment by ASBai"},
	{"windows.bind.linger_ex", "windows-2000 and windows-2003: a bind with "
	 "SO_EXCLUSIVEADDRUSE fails with WSAEADDRINUSE while an overlapping connection on the "
	 "port is still active or in TIME_WAIT (240 s, TcpTimedWaitDelay). SO_LINGER 0 avoids it.",
	 MS_PAGE " (\"cannot bind to the same port ... until the original connection becomes "
	 "inactive\"). Disputed for TIME_WAIT (a 2005 Microsoft blog quoted in Stack Overflow "
	 "45624916); contradicted on a current Windows by trio's run "
	 "(windows.bind.linger_ex_observed); see spec/windows.md"},
	{"windows.bind.linger_ex_observed", "windows (Vista and later): SO_EXCLUSIVEADDRUSE "
	 "conflicts only with listening and bound sockets: a connection accepted from a closed "
	 "listener, or one in TIME_WAIT, does not block an exclusive bind of the same address "
	 "and port, nor the listen() after it.",
	 "python-trio/trio notes-to-self/time-wait-windows-exclusiveaddruse.py (commit 8b8e7b0c, "
	 "2017): \"This time binding succeeds (contra MSDN!)\" with the accepted connection open; "
	 "header: it \"only creates conflicts between listening sockets, *not* lingering "
	 "connected sockets\" (the TIME_WAIT probe); spec/windows/trio.bms"},
	{"windows.listen.state", "listen() on a socket never bound: WSAEINVAL (no autobind at "
	 "listen, unlike BSD and Linux); on a connected socket: WSAEISCONN; UDP fails first "
	 "with WSAEOPNOTSUPP; a second listen() succeeds. Both personalities.",
	 "learn.microsoft.com listen function (WSAEINVAL \"The socket has not been bound with "
	 "bind\"; WSAEISCONN \"The socket is already connected\"); " "wine-mirror/wine "
	 "dlls/ws2_32/tests/sock.c test_listen (listen on an unbound TCP socket: 10022; UDP: "
	 "10045; \"double listen\" succeeds)"},
	{"windows.opt.v6only", "IPV6_V6ONLY can be changed only before bind(): afterwards "
	 "setsockopt fails (WSAEINVAL). Windows accepts the option on an AF_INET socket too, "
	 "where it has no effect.",
	 "wine-mirror/wine dlls/ws2_32/tests/sock.c test_ipv6only (setsockopt(v4, IPV6_V6ONLY) "
	 "succeeds before bind and fails after it); learn.microsoft.com dual-stack-sockets "
	 "(the option is set before bind). The error code after bind is not checked by Wine; "
	 "WSAEINVAL is the model's choice."},
	{"windows.listen.nocheck", "listen() does not check the port again: two sockets that "
	 "share a port by SO_REUSEADDR, or a wildcard and a specific one, may both listen.",
	 WINE_TEST " (listen(s2) succeeds on Windows; todo_wine)"},
	{"windows.ephemeral.bind", "bind(port 0) and listen() autobind take a port in the "
	 "dynamic range (49152-65535 since Vista, 1025-5000 before) that no overlapping socket "
	 "holds (TIME_WAIT included). None left: WSAENOBUFS (ENOBUFS).",
	 "support.microsoft.com KB 929851; learn.microsoft.com bind function (WSAENOBUFS)"},
	{"windows.connect.ephemeral", "An implicit bind by connect() shares an ephemeral port "
	 "with other implicit connects while the four-tuple differs; it never takes a port a "
	 "bind() holds. None left: WSAENOBUFS.",
	 "learn.microsoft.com SOL_SOCKET options: SO_REUSE_UNICASTPORT (\"connection functions "
	 "with an implicit bind ... have this option set by default\")"},
	{"windows.connect.any", "All three: connect() to the unspecified address (0.0.0.0, ::) "
	 "fails with WSAEADDRNOTAVAIL, for TCP and UDP; Winsock does not rewrite it to loopback "
	 "as Linux (core.connect.any) and the BSDs do. A UDP connect() to an all-zero address "
	 "with port 0 (Microsoft: it disconnects the socket) is left to the core.",
	 MS_CONNECT " (\"If the address member of the structure specified by the name parameter is "
	 "filled with zeros, connect will return the error WSAEADDRNOTAVAIL\"; WSAEADDRNOTAVAIL "
	 "\"The remote address is not a valid address (such as INADDR_ANY or in6addr_any)\"); "
	 "libuv test/test-udp-connect.c and test-udp-connect6.c (PR #2981: UDP connect to "
	 "0.0.0.0 and :: is UV_EADDRNOTAVAIL on Windows); libuv PR #1515 and nodejs/node#14900 "
	 "(TCP: EADDRNOTAVAIL, hence uv__convert_to_localhost_if_unspecified)"},
	{"windows.connect.tuple", "connect() that would duplicate the four-tuple of another "
	 "connection (also one in TIME_WAIT) fails with WSAEADDRINUSE.",
	 "learn.microsoft.com connect function: WSAEADDRINUSE (\"could be delayed until the "
	 "connect function if the bind was to a wildcard address\"); the article, section "
	 "Connect() Returning EADDRINUSE?"},
	{"windows.deliver.first", "The most specific match receives (connected four-tuple, then "
	 "specific address, then wildcard). Among sockets that share a binding by SO_REUSEADDR, "
	 "Microsoft calls delivery non-deterministic; the model's deterministic stand-in is the "
	 "earliest bound socket, as Wine's test observes on Windows.",
	 MS_PAGE " (\"the behavior is non-deterministic\"); " WINE_TEST
	 " (\"The connection is delivered to the first socket\")"},
	{"windows.deliver.multicast", "A multicast datagram goes to every socket on that port "
	 "that is bound to the group's interface or the wildcard (group membership is assumed).",
	 MS_PAGE " (\"data will be delivered to both sockets, rather than an arbitrarily chosen "
	 "one\")"},
};

/* ---------------------------------------------------------- release rows */

/* What differs between Windows releases, as data: each personality points
 * its bm_policy.data at one row, and the hooks below read it through
 * bm_host_policy(h)->data.  Parameters the core reads itself (options, the
 * dynamic port range) stay in the bm_policy. */
typedef struct windows_release {
	int classic;            /* the first table of MS_PAGE (XP and earlier)
	                           instead of the enhanced socket security ones */
	int exclusive_admin;    /* SO_EXCLUSIVEADDRUSE needs an Administrator
	                           (windows.opt.exclusive_admin) */
	int exclusive_linger;   /* an exclusive bind sees lingering connections
	                           (windows.bind.linger_ex, as Microsoft documents);
	                           0: it does not (windows.bind.linger_ex_observed) */
} windows_release;

static const windows_release release_2000 = {
	.classic = 1, .exclusive_admin = 1, .exclusive_linger = 1};
static const windows_release release_2003 = {
	.classic = 0, .exclusive_admin = 0, .exclusive_linger = 1};
static const windows_release release_vista = {
	.classic = 0, .exclusive_admin = 0, .exclusive_linger = 0};

static const windows_release *release_of(const bm_host *h)
{
	const windows_release *r = bm_host_policy(h)->data;
	return r ? r : &release_vista;
}

/* ----------------------------------------------------------- error names */

static const char *windows_error_name(bm_result r)
{
	switch (r) {
	case BM_EADDRINUSE:    return "WSAEADDRINUSE (10048)";
	case BM_EADDRNOTAVAIL: return "WSAEADDRNOTAVAIL (10049)";
	case BM_EACCES:        return "WSAEACCES (10013)";
	case BM_EINVAL:        return "WSAEINVAL (10022)";
	case BM_EISCONN:       return "WSAEISCONN (10056)";
	case BM_ENOTCONN:      return "WSAENOTCONN (10057)";
	case BM_ENOPROTOOPT:   return "WSAENOPROTOOPT (10042)";
	case BM_EOPNOTSUPP:    return "WSAEOPNOTSUPP (10045)";
	case BM_EAFNOSUPPORT:  return "WSAEAFNOSUPPORT (10047)";
	case BM_EAGAIN:        return "WSAEWOULDBLOCK (10035)";
	case BM_ECONNREFUSED:  return "WSAECONNREFUSED (10061)";
	case BM_EALREADY:      return "WSAEALREADY (10037)";
	case BM_EBADF:         return "WSAENOTSOCK (10038)";
	case BM_ENOBUFS:       return "WSAENOBUFS (10055)";
	case BM_ENETUNREACH:   return "WSAENETUNREACH (10051)";
	case BM_EFAULT:        return "WSAEFAULT (10014)";
	default:               return NULL;
	}
}

/* ------------------------------------------------------------ setsockopt */

static bm_result windows_setsockopt(const bm_host *h, const bm_sock_info *s, bm_option o,
                                    int value, bm_verdict *v)
{
	if (value && o == EX && s->uid != 0 && release_of(h)->exclusive_admin)
		return bm_verdict_set(v, BM_EACCES, "windows.opt.exclusive_admin", 0,
		                      "uid %u is not an Administrator", s->uid);
	if (o == BM_IPV6_V6ONLY && s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "windows.opt.v6only", 0,
		                      "IPV6_V6ONLY cannot change once the socket is bound");
	if (value && o == RA && (s->opts & EX))
		return bm_verdict_set(v, BM_EINVAL, "windows.opt.exclusive_pair", 0,
		                      "SO_EXCLUSIVEADDRUSE is set: SO_REUSEADDR cannot be");
	if (value && o == EX && (s->opts & RA))
		return bm_verdict_set(v, BM_EINVAL, "windows.opt.exclusive_pair", 0,
		                      "SO_REUSEADDR is set: SO_EXCLUSIVEADDRUSE cannot be");
	return BM_OK;
}

/* ---------------------------------------------------------------- listen */

/* windows.listen.state: no autobind at listen; a connected socket is
 * WSAEISCONN (the listen function's page), not the core's EINVAL. */
static bm_result windows_listen_precheck(const bm_host *h, const bm_sock_info *s,
                                         bm_verdict *v)
{
	(void)h;
	if (s->state == BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "windows.listen.state", 0,
		                      "the socket has not been bound with bind()");
	if (s->state == BM_STATE_CONNECTED)
		return bm_verdict_set(v, BM_EISCONN, "windows.listen.state", 0,
		                      "the socket is already connected");
	return BM_OK;
}

/* ------------------------------------------------------------------ bind */

static bm_result windows_bind_precheck(const bm_host *h, const bm_sock_info *s,
                                       const bm_endpoint *ep, bm_verdict *v)
{
	if (s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "windows.bind.state", 0,
		                      "socket is already bound");
	if (!bm_addr_is_any(ep) && !bm_addr_is_multicast(ep) && !bm_host_addr_is_local(h, ep))
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "windows.bind.notlocal", 0,
		                      "address is not assigned to an interface");
	return BM_OK;
}

/* A connection that outlives its listener or its close: TIME_WAIT, or an
 * accepted child.  Windows checks these only for SO_EXCLUSIVEADDRUSE. */
static int lingering(const bm_sock_info *old)
{
	return old->state == BM_STATE_TIME_WAIT ||
	       (old->state == BM_STATE_CONNECTED && old->parent != BM_NO_SOCK);
}

static bm_match linger_rule(const bm_host *h, const bm_sock_info *s,
                            const bm_sock_info *old, bm_verdict *v)
{
	if ((s->opts & EX) && !release_of(h)->exclusive_linger) {
		/* trio's run on a current Windows contradicts the reference page */
		bm_verdict_set_static(v, BM_OK, "windows.bind.linger_ex_observed", old->id,
		                      "socket %d is %s: SO_EXCLUSIVEADDRUSE conflicts with "
		                      "listening and bound sockets only", old->id,
		                      bm_state_name(old->state));
		return BM_MATCH_SHARE;
	}
	if (s->opts & EX) {
		bm_verdict_set_static(v, BM_EADDRINUSE, "windows.bind.linger_ex", old->id,
		                      "socket %d (%s) still holds the port and "
		                      "SO_EXCLUSIVEADDRUSE checks it", old->id,
		                      bm_state_name(old->state));
		return BM_MATCH_CONFLICT;
	}
	bm_verdict_set_static(v, BM_OK, "windows.bind.linger", old->id,
	                      "socket %d is %s: not checked without SO_EXCLUSIVEADDRUSE", old->id,
	                      bm_state_name(old->state));
	return BM_MATCH_SHARE;
}

/* why is always a literal: the verdict keeps the pointer */
static bm_match refuse(bm_verdict *v, bm_result code, const char *rule,
                       const bm_sock_info *old, const char *why)
{
	bm_verdict_set_static(v, code, rule, old->id, "socket %d: %s", old->id, why);
	return BM_MATCH_CONFLICT;
}

static bm_match share(bm_verdict *v, const char *rule, const bm_sock_info *old, const char *why)
{
	bm_verdict_set_static(v, BM_OK, rule, old->id, "socket %d: %s", old->id, why);
	return BM_MATCH_SHARE;
}

/* Windows XP and earlier: the first table of the Microsoft page. */
static bm_match classic_pair(const bm_sock_info *s, const bm_sock_info *old, bm_verdict *v)
{
	if (s->opts & RA) {
		if (old->opts_at_bind & EX)
			return refuse(v, BM_EACCES, "windows.bind.classic.exclusive", old,
			              "holds the port with SO_EXCLUSIVEADDRUSE");
		return share(v, "windows.bind.classic.steal", old,
		             "SO_REUSEADDR shares (steals) its port");
	}
	return refuse(v, BM_EADDRINUSE, "windows.bind.classic.inuse", old,
	              "holds an overlapping binding");
}

/* Is old a dual-stack [::] whose IPv4 side is what s overlaps? */
static int dual_v4_view(const bm_sock_info *s, const bm_sock_info *old)
{
	int old_dual_any = old->family == BM_AF_INET6 && !old->v6only &&
	                   !bm_addr_is_v4mapped(&old->local) && bm_addr_is_any(&old->local);
	int s_v4_only = s->family == BM_AF_INET || bm_addr_is_v4mapped(&s->local);
	return old_dual_any && s_v4_only;
}

/* Windows Server 2003 and later: the two Enhanced Socket Security tables. */
static bm_match enhanced_pair(const bm_sock_info *s, const bm_sock_info *old, bm_verdict *v)
{
	int s_ra = (s->opts & RA) != 0, s_ex = (s->opts & EX) != 0;
	int o_ra = (old->opts_at_bind & RA) != 0, o_ex = (old->opts_at_bind & EX) != 0;
	int s_any = bm_addr_is_any(&s->local), o_any = bm_addr_is_any(&old->local);

	if (dual_v4_view(s, old)) {
		if (o_ex)
			return refuse(v, BM_EACCES, "windows.dual.exclusive", old,
			              "dual-stack [::] with SO_EXCLUSIVEADDRUSE holds IPv4 too");
		return share(v, "windows.dual.v4view", old,
		             "dual-stack [::] without SO_EXCLUSIVEADDRUSE leaves IPv4 free");
	}
	if (s_any == o_any) {                       /* exact */
		if (s_ra && o_ra)
			return share(v, "windows.bind.reuse", old, "both have SO_REUSEADDR");
		return refuse(v, s_ra ? BM_EACCES : BM_EADDRINUSE, "windows.bind.exact", old,
		              s_ra ? "SO_REUSEADDR on the new socket only: the owner did not "
		                     "allow sharing"
		                   : "holds exactly this address and port");
	}
	if (o_any) {                                /* narrower: s specific */
		if (o_ex)
			return refuse(v, BM_EACCES, "windows.bind.narrower.exclusive", old,
			              "its wildcard has SO_EXCLUSIVEADDRUSE");
		if (s->uid == old->uid)
			return share(v, "windows.bind.narrower.same_user", old,
			             "a more specific address by the same user");
		if (s_ra && o_ra)
			return share(v, "windows.bind.reuse", old, "both have SO_REUSEADDR");
		return refuse(v, BM_EACCES, "windows.bind.narrower.other_user", old,
		              "another user's wildcard, not shared by SO_REUSEADDR on both");
	}
	if (s_ex)                                   /* broader: s wildcard */
		return refuse(v, BM_EADDRINUSE, "windows.bind.broader.exclusive", old,
		              "holds a specific address; an exclusive wildcard cannot cover it");
	return share(v, "windows.bind.broader", old,
	             "holds a specific address; the wildcard serves the others");
}

/* windows.bind.bound_addr: an open connection from a socket that bind()
 * placed holds the binding it was given; the core has narrowed its local
 * address to the source connect() chose, so judge it by info.bound. */
static int judged_as_bound(const bm_sock_info *old)
{
	return old->state == BM_STATE_CONNECTED && old->parent == BM_NO_SOCK &&
	       !old->port_from_connect && old->bound.port == old->local.port;
}

/* bm_policy.owner_kind: everything windows_conflict reads of an owner but
 * its id, so that owners of one kind on one address answer alike (a bind
 * into a SO_REUSEADDR group asks one member, not every one).  An owner
 * judged both by its bound address and by the one connect() gave it, or
 * with a device, is a kind of its own. */
static uint64_t windows_owner_kind(const bm_host *h, const bm_sock_info *o)
{
	(void)h;
	if (o->dev[0] || (judged_as_bound(o) && (o->bound.family != o->local.family ||
	                                         memcmp(o->bound.addr, o->local.addr, 16) != 0)))
		return UINT64_C(1) << 63 | (uint32_t)o->id;
	uint64_t k = o->uid;
	k = k << 2 | ((o->opts_at_bind & RA) ? 2u : 0u) | ((o->opts_at_bind & EX) ? 1u : 0u);
	/* lingering(), and the state linger_rule names */
	k = k << 2 | (o->state == BM_STATE_TIME_WAIT ? 1u : lingering(o) ? 2u : 0u);
	/* what bm_overlap and dual_v4_view read besides the group's address */
	k = k << 4 | (o->family == BM_AF_INET6 ? 8u : 0u) | (o->v6only ? 4u : 0u) |
	    (bm_addr_is_v4mapped(&o->local) ? 2u : 0u) | (bm_addr_is_any(&o->local) ? 1u : 0u);
	return k;
}

static bm_match windows_conflict(const bm_host *h, const bm_sock_info *s,
                                 const bm_sock_info *owner, bm_phase phase, bm_verdict *v)
{
	/* windows.listen.nocheck: an overlapping owner is not looked at
	 * again; that rule is why listen() passes it, so the verdict names it */
	if (phase == BM_PHASE_LISTEN)
		return bm_overlap(s, owner) ? share(v, "windows.listen.nocheck", owner,
		                                    "listen() does not check the port again")
		                            : BM_MATCH_NONE;
	/* the owner as bind() placed it: a copy only where that differs */
	bm_sock_info held;
	const bm_sock_info *old = owner;
	if (phase == BM_PHASE_BIND && judged_as_bound(owner)) {
		held = *owner;
		held.local = owner->bound;
		old = &held;
	}
	if (!bm_overlap(s, old))
		return BM_MATCH_NONE;
	if (phase != BM_PHASE_BIND)
		return refuse(v, BM_EADDRINUSE, "windows.ephemeral.bind", old, "holds the port");
	bm_match m = lingering(old) ? linger_rule(h, s, old, v)
	             : release_of(h)->classic ? classic_pair(s, old, v) : enhanced_pair(s, old, v);
	/* refused only because the owner is judged by its bound address:
	 * that rule decided (windows.bind.bound_addr) */
	if (m == BM_MATCH_CONFLICT && old != owner && !bm_overlap(s, owner))
		return refuse(v, v->code, "windows.bind.bound_addr", old,
		              "its connection does not narrow the address it was bound to");
	return m;
}

/* --------------------------------------------------------------- connect */

static int same_tuple(const bm_sock_info *s, const bm_sock_info *old)
{
	return old->remote.port == s->remote.port && old->local.port == s->local.port &&
	       memcmp(old->remote.addr, s->remote.addr, 16) == 0 &&
	       memcmp(old->local.addr, s->local.addr, 16) == 0;
}

/* windows.connect.any: Winsock does not read the unspecified address as
 * "this host" (Linux and the BSDs do): a connect() to 0.0.0.0 or :: fails
 * with WSAEADDRNOTAVAIL, TCP and UDP alike.  (A UDP connect() to an
 * all-zero address with port 0 is the documented way to disconnect; the
 * model does not have that and leaves it to the core.) */
static bm_result windows_connect_precheck(const bm_host *h, const bm_sock_info *s,
                                          const bm_endpoint *dst, bm_verdict *v)
{
	(void)h;
	if (dst->family != s->family || !bm_addr_is_any(dst))
		return BM_OK;
	if (s->proto == BM_UDP && dst->port == 0)
		return BM_OK;
	return bm_verdict_set(v, BM_EADDRNOTAVAIL, "windows.connect.any", 0,
	                      "the unspecified address is not a valid destination");
}

static bm_match windows_connect_port(const bm_host *h, const bm_sock_info *s,
                                     const bm_sock_info *old, bm_verdict *v)
{
	(void)h;
	if (!old->port_from_connect)
		return refuse(v, BM_EADDRINUSE, "windows.connect.ephemeral", old,
		              "a bind() holds this port");
	if ((old->state == BM_STATE_CONNECTED || old->state == BM_STATE_TIME_WAIT) &&
	    same_tuple(s, old))
		return refuse(v, BM_EADDRINUSE, "windows.connect.tuple", old, "four-tuple in use");
	return BM_MATCH_SHARE;
}

static bm_result windows_tuple_clash(const bm_host *h, const bm_sock_info *s,
                                     const bm_sock_info *old, int autobound, bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)autobound;
	return bm_verdict_set_static(v, BM_EADDRINUSE, "windows.connect.tuple", old->id,
	                             "socket %d already has this four-tuple (%s)", old->id,
	                             bm_state_name(old->state));
}

/* --------------------------------------------------------------- deliver */

static size_t windows_deliver(const bm_host *h, bm_proto proto, const bm_endpoint *src,
                              const bm_endpoint *dst, const bm_sock_info *cand, size_t n,
                              int *score, bm_sock *out, bm_verdict *v)
{
	(void)h;
	(void)src;
	if (proto == BM_UDP && bm_addr_is_multicast(dst)) {
		for (size_t i = 0; i < n; i++)
			out[i] = cand[i].id;
		bm_verdict_set(v, BM_OK, "windows.deliver.multicast", 0,
		               "every socket on the port receives a copy");
		return n;
	}
	/* among the best matches, the earliest bound (the stand-in for
	 * Microsoft's "non-deterministic") */
	size_t best = 0;
	for (size_t i = 1; i < n && score[i] == score[0]; i++)
		if (cand[i].bound_seq < cand[best].bound_seq)
			best = i;
	out[0] = cand[best].id;
	bm_verdict_set(v, BM_OK, "windows.deliver.first", 0,
	               "the most specific match; among equals the earliest bound");
	return 1;
}

/* The rule behind the port an autobind took: the dynamic range for
 * bind(port 0), the shared implicit bind of connect(). */
static const char *windows_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what,
                                       int found)
{
	(void)h, (void)s;
	if (!found || what == BM_CHOICE_SOURCE)
		return NULL;
	return what == BM_CHOICE_CONNECT_PORT ? "windows.connect.ephemeral" : "windows.ephemeral.bind";
}

/* ---------------------------------------------------------- personalities */

#define WINDOWS_COMMON                                                      \
	.version = BM_POLICY_VERSION,                                       \
	.family = "windows",                                                \
	.v6only_default = 1,                                                \
	.time_wait_ms = 240000,                                             \
	.unprivileged_port_start = 0,                                       \
	.tw_reuse = 0,                                                      \
	.loopback_net_local = 1,                                            \
	.bind_exhausted = BM_ENOBUFS,                                        \
	.connect_exhausted = BM_ENOBUFS,                                     \
	.udp_autobind_exhausted = BM_ENOBUFS,                                \
	.connect_on_listen = BM_EINVAL,                                     \
	.connect_tuple_error = BM_EADDRINUSE,                               \
	.bind_precheck = windows_bind_precheck,                             \
	.tuple_clash = windows_tuple_clash,                                 \
	.connect_port = windows_connect_port,                               \
	.autobind_skips_bound = 1, /* windows_connect_port: windows.connect.ephemeral */ \
	.connect_tuple_only = 1,   /* windows_connect_port: same_tuple */         \
	.conflict_overlap_only = 1, /* windows_conflict: NONE unless bm_overlap */     \
	.owner_kind = windows_owner_kind,                                   \
	.deliver = windows_deliver,                                         \
	.listen_precheck = windows_listen_precheck,                         \
	.connect_precheck = windows_connect_precheck,                       \
	.setsockopt = windows_setsockopt,                                   \
	.conflict = windows_conflict,                                       \
	.family_mismatch = BM_EFAULT,                                       \
	.error_name = windows_error_name,                                   \
	.choice_rule = windows_choice_rule,                                 \
	.rules = windows_rules,                                             \
	.nrules = sizeof windows_rules / sizeof windows_rules[0]

const bm_policy bm_policy_windows2000 = {
	WINDOWS_COMMON,
	.name = "windows-2000",
	.description = "Windows 2000/XP, before enhanced socket security: SO_REUSEADDR steals a "
	               "port unless its holder set SO_EXCLUSIVEADDRUSE",
	/* no dual-stack sockets before Vista: IPv6 sockets are IPv6 only */
	.options = BM_SO_REUSEADDR | BM_SO_EXCLUSIVEADDRUSE | BM_SO_LINGER,
	.ephemeral_lo = 1025, .ephemeral_hi = 5000,
	.data = &release_2000,
};

const bm_policy bm_policy_windows2003 = {
	WINDOWS_COMMON,
	.name = "windows-2003",
	.description = "Windows Server 2003: enhanced socket security (same-user and "
	               "different-user tables) before Vista's dual stack and dynamic port range",
	/* IPv6 is a separate stack before Vista: no dual-stack sockets */
	.options = BM_SO_REUSEADDR | BM_SO_EXCLUSIVEADDRUSE | BM_SO_LINGER,
	.ephemeral_lo = 1025, .ephemeral_hi = 5000,
	.data = &release_2003,
};

const bm_policy bm_policy_windows = {
	WINDOWS_COMMON,
	.name = "windows",
	.description = "Windows Server 2003 and later (enhanced socket security; same-user and "
	               "different-user tables), Vista+ dual stack",
	.options = BM_SO_REUSEADDR | BM_SO_EXCLUSIVEADDRUSE | BM_IPV6_V6ONLY | BM_SO_LINGER,
	.ephemeral_lo = 49152, .ephemeral_hi = 65535,
	.v6only_any_family = 1,         /* windows.opt.v6only */
	.data = &release_vista,
};
