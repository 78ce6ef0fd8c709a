/* SPDX-License-Identifier: MIT */
/*
 * bindmodel.h: the public API of libbindmodel.
 *
 * libbindmodel is an in-memory reference model of socket binding semantics.
 * A host (one simulated kernel) runs under a personality (an OS policy);
 * sockets on it are driven through bind/listen/connect/accept/close and each
 * call returns a result code plus a verdict: the rule id that decided, the
 * socket it conflicted with, and a one-line reason.
 *
 * No global state: everything lives in a bm_host.  Handles are small integers
 * that are never reused within a host, so a closed handle is always detected.
 * A handle means something only on the host that made it; the hosts of one
 * bm_net number their sockets together, so a handle used on the wrong host
 * of a net is refused (BM_EBADF, naming the host that has it).
 *
 * Threads: the library keeps no state outside its hosts, so threads that
 * each use their own hosts need no locking.  One host must not be used by
 * two threads at once (serialise the calls, as `bindmodel shadow` does).
 *
 * Lifetimes: a verdict's rule (and a rule table's strings) are static and
 * live as long as the program; its reason is a copy in the verdict.  The
 * pointers the port view returns are valid until the host next changes.
 */
#ifndef BINDMODEL_H
#define BINDMODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version this header belongs to; bm_version() gives the library's at
 * run time (a program may run against a newer shared library). */
#define BM_VERSION "0.4.6"
#define BM_VERSION_MAJOR 0
#define BM_VERSION_MINOR 4
#define BM_VERSION_PATCH 6
#define BM_VERSION_NUMBER (BM_VERSION_MAJOR * 10000 + BM_VERSION_MINOR * 100 + BM_VERSION_PATCH)

/* BM_API marks the library's interface: the library is built with hidden
 * visibility, so only these functions are exported from the shared object. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define BM_API __attribute__((visibility("default")))
#else
#define BM_API
#endif

/* The library's version at run time: "MAJOR.MINOR.PATCH", and as
 * MAJOR*10000 + MINOR*100 + PATCH. */
BM_API const char *bm_version(void);
BM_API int bm_version_number(void);

/* ---------------------------------------------------------------- results */

/* Result codes, named after POSIX errno values (not their numbers). */
typedef enum bm_result {
	BM_OK = 0,
	BM_EADDRINUSE,
	BM_EADDRNOTAVAIL,
	BM_EACCES,
	BM_EINVAL,
	BM_EISCONN,
	BM_ENOTCONN,
	BM_ENOPROTOOPT,
	BM_EOPNOTSUPP,
	BM_EAFNOSUPPORT,
	BM_EAGAIN,
	BM_ECONNREFUSED,
	BM_EALREADY,
	BM_ENODEV,
	BM_EBADF,
	BM_ENOMEM,
	BM_ENOENT,      /* unknown personality, rule or name */
	BM_ENETUNREACH,
	BM_ENOBUFS,     /* Windows: no ephemeral port left (WSAENOBUFS) */
	/* names a scenario may expect; the built-in personalities do not
	 * produce them yet */
	BM_EPERM,
	BM_EINPROGRESS,
	BM_ECONNRESET,
	BM_EHOSTUNREACH,
	BM_ENOTSOCK,
	BM_EPROTONOSUPPORT,
	BM_ETIMEDOUT,
	BM_EFAULT,      /* Windows: a sockaddr of the wrong family or length
	                   (WSAEFAULT); added last to keep the values above */
	BM_RESULT_COUNT
} bm_result;

/* "EADDRINUSE" for BM_EADDRINUSE; "?" for a value out of range. */
BM_API const char *bm_result_name(bm_result r);
/* Parse a name such as "EADDRINUSE" (or "ok"; Winsock's "WSAEADDRINUSE"
 * and "EWOULDBLOCK" are accepted too); returns 0 on success. */
BM_API int bm_result_from_name(const char *name, bm_result *out);

/* ------------------------------------------------------------- addresses */

typedef enum bm_family { BM_AF_INET = 4, BM_AF_INET6 = 6 } bm_family;
typedef enum bm_proto { BM_TCP = 1, BM_UDP = 2 } bm_proto;

/* An IP endpoint.  IPv4 addresses use the first 4 bytes of addr.  family
 * holds a bm_family value (a byte since 0.4, so that an endpoint takes 20
 * bytes, not 24: a socket holds three). */
typedef struct bm_endpoint {
	uint8_t family;          /* bm_family */
	uint8_t addr[16];
	uint16_t port;
} bm_endpoint;

/* Parse "A.B.C.D:PORT" or "[v6]:PORT" (port 0..65535).  Returns 0, or -1
 * with a reason copied into err (may be NULL). */
BM_API int bm_endpoint_parse(const char *text, bm_endpoint *out, char *err, size_t errlen);
/* Parse an address without port ("10.0.0.1", "::1"). */
BM_API int bm_addr_parse(const char *text, bm_endpoint *out);
/* Format as "A.B.C.D:PORT" or "[v6]:PORT"; returns buf. */
BM_API char *bm_endpoint_format(const bm_endpoint *ep, char *buf, size_t len);
/* Format the address alone. */
BM_API char *bm_addr_format(const bm_endpoint *ep, char *buf, size_t len);
#define BM_ENDPOINT_STRLEN 64

/* ------------------------------------------------------ sockets and opts */

typedef int bm_sock;            /* > 0; 0 means "none" */
#define BM_NO_SOCK 0

typedef enum bm_state {
	BM_STATE_CLOSED = 0,    /* created, not bound */
	BM_STATE_BOUND,
	BM_STATE_LISTEN,
	BM_STATE_CONNECTED,
	BM_STATE_TIME_WAIT,     /* gone for the user, still owns its port */
	BM_STATE_GONE           /* closed and released */
} bm_state;
BM_API const char *bm_state_name(bm_state s);

/* Options, as bits of bm_sock_info.opts. */
typedef enum bm_option {
	BM_SO_REUSEADDR       = 1u << 0,
	BM_SO_REUSEPORT       = 1u << 1,
	BM_SO_REUSEPORT_LB    = 1u << 2,
	BM_SO_EXCLUSIVEADDRUSE = 1u << 3,
	BM_SO_EXCLBIND        = 1u << 4,
	BM_IPV6_V6ONLY        = 1u << 5,
	BM_SO_LINGER          = 1u << 6,
	BM_SO_BINDTODEVICE    = 1u << 7,
	BM_IP_FREEBIND        = 1u << 8   /* IP_FREEBIND / IP_BINDANY */
} bm_option;
#define BM_ALL_OPTIONS 0x1ffu
BM_API const char *bm_option_name(bm_option o);
/* Accepts "SO_REUSEADDR" etc. and the alias "IP_BINDANY". */
BM_API int bm_option_from_name(const char *name, bm_option *out);

#define BM_DEVLEN 16

/* A read-only view of one socket.  Since 0.4 its fields are as narrow as
 * their values (issue 11: a million live sockets): proto, family and state
 * hold bm_proto, bm_family and bm_state values in a byte, the options
 * bm_option bits in 16 bits, and the flags are one-bit fields (0 or 1;
 * connect_refused 0..2).  Read them as before (s->state == BM_STATE_LISTEN,
 * s->opts & BM_SO_REUSEADDR, s->reset); a flag's address cannot be taken. */
typedef struct bm_sock_info {
	uint64_t bound_seq;      /* order of binding: larger is newer */
	uint64_t connected_seq;  /* when connect() gave it its four-tuple (a
	                            connect() to the same peer again keeps
	                            it): larger is newer */
	uint64_t tw_expires_ms;  /* virtual time when TIME_WAIT ends */
	bm_endpoint local;       /* port 0 while unbound */
	bm_endpoint remote;      /* port 0 while unconnected */
	bm_endpoint bound;       /* local as bind() (or an autobind) set it,
	                            before connect() chose a source */
	bm_sock id;
	uint32_t uid;            /* owner (creator) uid */
	bm_sock parent;          /* listener an accepted child came from */
	int32_t linger;          /* -1: off, else seconds */
	char dev[BM_DEVLEN];     /* SO_BINDTODEVICE, "" if none */
	uint16_t opts;           /* options set now (bm_option bits) */
	uint16_t opts_at_bind;   /* options as they were at bind time */
	uint16_t opts_at_listen; /* options as they were at listen() */
	uint8_t proto;           /* bm_proto */
	uint8_t family;          /* bm_family */
	uint8_t state;           /* bm_state */
	unsigned v6only : 1;     /* effective IPV6_V6ONLY (IPv6 sockets) */
	unsigned explicit_port : 1;   /* port chosen by bind() with a nonzero port */
	unsigned port_from_connect : 1;   /* port chosen by connect() autobind */
	unsigned pending : 1;    /* child not accept()ed yet */
	unsigned reset : 1;      /* the peer reset the connection: its
	                            four-tuple is free, no TIME_WAIT on close */
	unsigned fin_wait2 : 1;  /* closed first while the local peer is still
	                            open: FIN_WAIT2 until the peer closes, then
	                            TIME_WAIT (shown as TIME_WAIT) */
	unsigned peer_closed : 1;   /* connected, and the peer closed first: the
	                               socket is in CLOSE_WAIT */
	unsigned connect_refused : 2;   /* a connect() of this socket was
	                                   refused: 1 a blocking one, 2 a
	                                   non-blocking one */
} bm_sock_info;

/* ------------------------------------------------------------- verdicts */

typedef struct bm_verdict {
	bm_result code;
	const char *rule;        /* rule id, e.g. "linux.tcp.bind.conflict";
	                            static storage (see Lifetimes above) */
	bm_sock conflict;        /* socket it conflicted with, or BM_NO_SOCK */
	char reason[200];        /* one line */
	/* On a bind() or listen() that shared a port, rule is the policy's
	 * rule that allowed it (linux.udp.bind.reuseaddr, ...) and conflict
	 * the owner it shares with (BM_NO_SOCK when the rule names none);
	 * core.bind.ok / core.listen.ok mean the port was free
	 * (core.listen.autobind: listen() bound a free port first).  On a
	 * connect() that succeeded where the core alone would not, rule is
	 * the rule that allowed it: core.connect.any (a wildcard
	 * destination), the policy's tuple_clash rule that took over a
	 * TIME_WAIT four-tuple, core.connect.self, core.connect.synold.
	 * Where the OS made a choice for the caller and nothing more specific
	 * decided, rule names that choice (bm_policy.choice_rule): the port
	 * of a bind(port 0) or a connect() autobind, the source address of a
	 * connect() (core.connect.source).  accept() names core.accept.child. */

	/* Where the real answer depends on timing or a hash (an orphaned
	 * FIN_WAIT2 socket that may already be a timewait socket; which
	 * SO_REUSEPORT member receives), a second possible result: alt,
	 * given by rule alt_rule when alt_condition holds (static text, e.g.
	 * "once the orphan became a timewait socket").  alt_rule is NULL
	 * when the answer is fixed. */
	bm_result alt;
	const char *alt_rule;
	const char *alt_condition;

	/* Private (added at the end in 0.2: callers never touch it).  The
	 * reason is made only when it is read: bm_verdict_set keeps its format
	 * (static, like rule) and a copy of its arguments here, and the text
	 * is written into reason when the operation that was given this
	 * verdict ends, by bm_last_verdict, or by bm_verdict_reason.  The
	 * record holds no pointer into itself: a copy of the struct is a
	 * complete verdict. */
	struct bm_verdict_lazy_ {
		const char *fmt;     /* NULL: reason holds the text */
		unsigned char nargs;
		unsigned char caller;   /* the operation's caller passed it */
		unsigned short nstr;
		unsigned char by_ref;   /* %s arguments are static: arg[i].p, not str */
		union bm_verdict_arg_ {
			long long i;
			unsigned long long u;
			double d;
			const void *p;
		} arg[8];
		char str[120];       /* the %s arguments, copied */
	} lazy_;
} bm_verdict;

/* A rule's description, for explain. */
typedef struct bm_rule {
	const char *id;
	const char *text;        /* what the rule says */
	const char *source;      /* kernel file and function, page, observation */
} bm_rule;

/* ---------------------------------------------------------------- policy */

typedef struct bm_host bm_host;

/* Why the core asks a conflict question. */
typedef enum bm_phase {
	BM_PHASE_BIND,           /* bind() with an explicit port */
	BM_PHASE_LISTEN,         /* the listen()-time re-check */
	BM_PHASE_EPHEMERAL,      /* is this port free for bind(port 0)/autobind */
	BM_PHASE_EPHEMERAL_RELAX /* second pass where the OS has one */
} bm_phase;

/* Where an autobind's search for a free ephemeral port starts and which
 * way it goes (bm_policy.port_search_tcp / port_search_udp).  Systems
 * that start at a random port are modelled by the order they use with
 * randomization off, so that a scenario gives the same ports everywhere. */
typedef enum bm_port_search {
	BM_PORT_SEARCH_LOWEST = 0, /* the lowest free port of the range */
	BM_PORT_SEARCH_PARITY,     /* bind(port 0) and listen() odd ports
	                              first, connect() even ones first (Linux
	                              inet_csk_find_open_port,
	                              __inet_hash_connect) */
	BM_PORT_SEARCH_NEXT_UP,    /* upward from the port after the last one
	                              taken, wrapping (XNU TCP, FreeBSD with
	                              portrange.randomized 0) */
	BM_PORT_SEARCH_NEXT_DOWN   /* downward from the port below the last one
	                              taken, wrapping to the top (NetBSD
	                              portalgo "bsd") */
} bm_port_search;

/* A choice the OS makes for the caller (bm_policy.choice_rule). */
typedef enum bm_choice {
	BM_CHOICE_BIND_PORT = 0, /* the port of a bind(port 0) */
	BM_CHOICE_CONNECT_PORT,  /* the port of a connect() on an unbound socket */
	BM_CHOICE_SOURCE         /* the source address of a connect() on a
	                            wildcard-bound socket */
} bm_choice;

/* Answer of a pairwise conflict question. */
typedef enum bm_match {
	BM_MATCH_NONE = 0,       /* the two bindings do not overlap */
	BM_MATCH_SHARE,          /* they overlap and may coexist: go on looking */
	BM_MATCH_SHARE_STOP,     /* they may coexist and no other owner matters */
	BM_MATCH_CONFLICT        /* refuse: v->code holds the error */
} bm_match;

/*
 * A personality: parameters plus hooks, found by name (like an SQLite VFS).
 * NULL hooks fall back to the core's defaults (bm_default_*).
 */
typedef struct bm_policy {
	int version;                 /* BM_POLICY_VERSION */
	const char *name;
	const char *description;     /* one line */
	const char *family;          /* policy file / OS family, e.g. "linux" */

	/* parameters (the host's knobs start from these) */
	unsigned options;            /* options this OS has; others ENOPROTOOPT */
	int v6only_default;
	uint32_t time_wait_ms;
	uint16_t ephemeral_lo, ephemeral_hi;
	uint16_t unprivileged_port_start;   /* 0: no privileged ports */
	int tw_reuse;                /* Linux net.ipv4.tcp_tw_reuse */

	/* result codes where systems differ; 0 takes the core's default,
	 * named after each */
	bm_result bind_exhausted;    /* bind(port 0) finds no port: EADDRINUSE */
	bm_result connect_exhausted; /* TCP connect() autobind finds none:
	                                EADDRNOTAVAIL */
	bm_result udp_autobind_exhausted;   /* EAGAIN */
	bm_result connect_on_listen; /* connect() on a listening socket: EISCONN */
	bm_result connect_tuple_error; /* default tuple_clash error: EADDRNOTAVAIL */
	bm_result accept_udp;        /* accept() on a UDP socket; 0 means
	                                EOPNOTSUPP (FreeBSD kern_accept4: EINVAL) */

	/* behaviour flags (0: the core's default) */
	int loopback_net_local;      /* all of 127/8 is local (Linux), or
	                                only 127.0.0.1 (BSDs, Windows) */
	int nolocal_timewait;        /* an active close of a connection to a
	                                local address skips TIME_WAIT
	                                (FreeBSD 14+ nolocaltimewait) */
	int udp_connect_tuple;       /* UDP connect() also refuses a duplicate
	                                four-tuple (BSD in_pcbconnect) */
	int v6only_any_family;       /* IPV6_V6ONLY may be set on an AF_INET
	                                socket too (Windows); it has no effect */
	int udp_connect_autobind;    /* connect() binds an unbound UDP socket to
	                                the wildcard and a port first, and keeps
	                                it even when connect() then fails (Linux
	                                inet_dgram_connect -> inet_autobind) */
	int udp_connect_port0;       /* a UDP connect() to port 0 is accepted
	                                (Linux ip4_datagram_connect) */
	int loopback_prefsrc;        /* a connect() to any of 127/8 gets the
	                                source 127.0.0.1 (Linux local route) */
	int udp6_connect_v4;         /* a UDP IPv6 socket connect()s to an IPv4
	                                address as its v4-mapped form (Linux
	                                __ip6_datagram_connect; v6only:
	                                EAFNOSUPPORT) */
	int refused_keeps_source;    /* a socket bound to an address that is not
	                                its family's plain wildcard (a group, or
	                                ::ffff:0.0.0.0) keeps the source its
	                                failed TCP connect() chose: refused, or
	                                its four-tuple in use (Linux: such binds
	                                set SOCK_BINDADDR_LOCK, so tcp_disconnect
	                                and tcp_v4_connect's failure path leave
	                                the address) */
	int close_releases_port;     /* a TCP socket whose connection ends by a
	                                refused connect() or the peer's reset
	                                gives back a port bind() did not name:
	                                it may bind again (Linux tcp_set_state
	                                TCP_CLOSE -> inet_put_port without
	                                SOCK_BINDPORT_LOCK) */

	/* hooks (NULL: the core's default) */
	/* setsockopt: validate (e.g. RA with EX on Windows); BM_OK to accept */
	bm_result (*setsockopt)(const bm_host *h, const bm_sock_info *s,
	                        bm_option o, int value, bm_verdict *v);
	/* bind() checks before the conflict search, in the OS's order.
	 * BM_OK goes on; a rule set in v with BM_OK names why a bind the
	 * core would refuse goes on (Linux: a reset socket whose port went
	 * back), and is the verdict's rule when the port was free. */
	bm_result (*bind_precheck)(const bm_host *h, const bm_sock_info *s,
	                           const bm_endpoint *ep, bm_verdict *v);
	/* one pairwise conflict question: may s (new) bind/listen at its
	 * (candidate) local endpoint while old holds the same port? */
	bm_match (*conflict)(const bm_host *h, const bm_sock_info *s,
	                     const bm_sock_info *old, bm_phase phase,
	                     bm_verdict *v);
	/* bind() checks after the conflict search (OpenBSD's privileged port) */
	bm_result (*bind_postcheck)(const bm_host *h, const bm_sock_info *s,
	                            const bm_endpoint *ep, bm_verdict *v);
	/* listen(): the OS's own state checks, after the UDP check and before
	 * the core's (Windows refuses an unbound or a connected socket);
	 * BM_OK to go on. */
	bm_result (*listen_precheck)(const bm_host *h, const bm_sock_info *s,
	                             bm_verdict *v);
	/* connect(): the OS's own checks of the call and its destination,
	 * after the EISCONN check and before the core's listening-socket and
	 * destination checks (an unbound UDP socket is already autobound when
	 * udp_connect_autobind is set); BM_OK to go on.  A rule set in v with
	 * BM_OK names why a connect() the core would refuse goes on, and is
	 * the verdict's rule when it succeeds. */
	bm_result (*connect_precheck)(const bm_host *h, const bm_sock_info *s,
	                              const bm_endpoint *dst, bm_verdict *v);
	/* connect(): s would take the four-tuple already held by old */
	bm_result (*tuple_clash)(const bm_host *h, const bm_sock_info *s,
	                         const bm_sock_info *old, int autobound,
	                         bm_verdict *v);
	/* may connect() autobind put s on port P that these owners hold?
	 * (called per owner; BM_MATCH_CONFLICT skips the port) */
	bm_match (*connect_port)(const bm_host *h, const bm_sock_info *s,
	                         const bm_sock_info *old, bm_verdict *v);
	/* the ports an autobind of s (bind port 0, listen, connect) can
	 * reach: narrow [*lo, *hi], the knob's range, where the OS's scan
	 * never gets to some (Linux: the last port of a 3-port span) */
	void (*ephemeral_range)(const bm_host *h, const bm_sock_info *s,
	                        int for_connect, long *lo, long *hi);
	/* choose receivers among candidates sorted most specific first;
	 * returns how many of cand[] receive (moved to the front).  Out of
	 * memory: return 0 with v->code BM_ENOMEM. */
	size_t (*deliver)(const bm_host *h, bm_proto proto,
	                  const bm_endpoint *src, const bm_endpoint *dst,
	                  const bm_sock_info *cand, size_t n, int *score,
	                  bm_sock *out, bm_verdict *v);
	/* the OS's own error name, e.g. "WSAEADDRINUSE (10048)"; may be NULL */
	const char *(*error_name)(bm_result r);

	const bm_rule *rules;        /* rule texts used by this policy */
	size_t nrules;

	/* ---- version 2: new members are only ever added below, and
	 * BM_POLICY_VERSION grows with them (as SQLite's sqlite3_vfs) ---- */

	/* The release's row of data: what differs between releases of one OS
	 * family, read by the family's hooks as bm_host_policy(h)->data.
	 * The core never looks inside. */
	const void *data;
	/* bind() or connect() of an IPv6 socket to an IPv4 address: 0 means
	 * EINVAL (Linux checks the address length first); the BSDs and
	 * illumos check the family first: EAFNOSUPPORT. */
	bm_result family_mismatch;
	/* Per-port memory of the policy (Linux's bind bucket): port_state_size
	 * bytes (at most BM_PORT_STATE_MAX), zeroed when a port gets its first
	 * owner and dropped when its last owner leaves.  port_join is told of
	 * every bind() and listen() that joins the port, in order, with the
	 * socket as it is then; bm_port_state() reads the memory back. */
	size_t port_state_size;
	void (*port_join)(const bm_host *h, const bm_sock_info *s, void *state);

	/* ---- version 3 ---- */

	/* A promise the core uses to skip ports without asking connect_port:
	 * a TCP connect()'s autobind never takes a port that a bind() holds,
	 * because connect_port refuses every owner whose port_from_connect is
	 * 0 (Linux: __inet_hash_connect skips a bucket with fastreuse >= 0).
	 * Leave it 0 unless connect_port keeps that promise. */
	int autobind_skips_bound;
	/* A promise the core uses on a crowded TCP port: conflict answers
	 * BM_MATCH_NONE for every owner that joined the port on an address
	 * that is neither s's address (an IPv4 address and its v4-mapped form
	 * are one) nor a wildcard, when s's address is not a wildcard; the
	 * core then leaves those owners out of its walk.  Leave it 0 unless
	 * conflict keeps that promise. */
	int conflict_overlap_only;

	/* ---- version 4 ---- */

	/* The rule that names a choice the OS made for the caller (issue 7:
	 * verdicts keep the why): the port bind(port 0) took, the port a
	 * connect() autobind took, or the source address connect() gave a
	 * wildcard-bound socket (s->local holds the choice, s->remote the
	 * destination).  found is 0 when no port was free: the rule then names
	 * why.  NULL (or a NULL hook) takes the core's: core.bind.ok,
	 * core.connect.ok, core.connect.source, core.ephemeral.exhausted. */
	const char *(*choice_rule)(const bm_host *h, const bm_sock_info *s, bm_choice what,
	                           int found);
	/* The order of the ephemeral port search, per protocol.  The last
	 * port taken is remembered per host and protocol, for bind(port 0),
	 * listen() and connect() alike (one counter per pcbinfo). */
	bm_port_search port_search_tcp, port_search_udp;
	/* A SYN for the four-tuple of a TIME_WAIT socket ends it only when a
	 * listener takes the new connection (Linux tcp_v4_rcv TCP_TW_SYN:
	 * without one the timewait socket answers with an ACK and stays);
	 * 0: it ends it anyway (FreeBSD tcp_twcheck closes it first). */
	int tw_syn_needs_listener;

	/* ---- version 5 ---- */

	/* A promise the core uses to find a connect()'s port without walking
	 * the port's owners, with autobind_skips_bound: connect_port refuses an
	 * owner whose port_from_connect is 1 only when that owner has the
	 * connecting socket's remote address and port (Linux
	 * __inet_check_established, Windows: the four-tuple).  The core then
	 * asks only those owners, found in a four-tuple index: a port that
	 * thousands of connections share costs what a fresh one does.  Leave
	 * it 0 unless connect_port keeps that promise. */
	int connect_tuple_only;

	/* ---- version 6 ---- */

	/* A promise the core uses on a crowded TCP port, with
	 * conflict_overlap_only: two owners that joined on one address (or
	 * both on a wildcard) and that owner_kind gives the same value get
	 * the same answer from conflict in the bind and listen phases, for
	 * any s: the same bm_match and the same verdict but for the owner it
	 * names; and conflict writes nothing to v when it answers
	 * BM_MATCH_NONE.  The core then asks only the newest owner of each
	 * kind (and, when all let s share, the oldest that did, as the walk
	 * one by one ends there): a bind into a group of thousands that any
	 * member could refuse (Windows) costs what a bind into a group of
	 * two does.  The value may read the owner's state and the address
	 * connect() gave it: the core asks again when those change.  NULL:
	 * every owner is asked. */
	uint64_t (*owner_kind)(const bm_host *h, const bm_sock_info *owner);
} bm_policy;

/* A caller's policy of version 2 to 5 (without the members added after
 * it) is still accepted. */
#define BM_POLICY_VERSION 6
#define BM_PORT_STATE_MAX 64

/* The core's default hooks, for custom policies to call. */
BM_API bm_match bm_default_conflict(const bm_host *h, const bm_sock_info *s,
                             const bm_sock_info *old, bm_phase phase,
                             bm_verdict *v);

/* Do the local bindings of a and b overlap (wildcard-aware, dual-stack by
 * each socket's effective v6only, devices)?  The common address predicate. */
BM_API int bm_overlap(const bm_sock_info *a, const bm_sock_info *b);
/* Is the address wildcard (0.0.0.0, ::, ::ffff:0.0.0.0)? multicast? */
BM_API int bm_addr_is_any(const bm_endpoint *ep);
BM_API int bm_addr_is_multicast(const bm_endpoint *ep);
BM_API int bm_addr_is_v4mapped(const bm_endpoint *ep);
BM_API int bm_addr_is_loopback(const bm_endpoint *ep);
/* The same address, a v4-mapped IPv6 address being its IPv4 form (ports
 * are not compared). */
BM_API int bm_addr_equal(const bm_endpoint *a, const bm_endpoint *b);
/* A deterministic hash of a packet's four-tuple (FNV-1a), the model's
 * stand-in for a kernel's flow hash when a group of sockets shares load. */
BM_API uint32_t bm_tuple_hash(const bm_endpoint *src, const bm_endpoint *dst);
/* Is ep's address configured on the host (or loopback)? */
BM_API int bm_host_addr_is_local(const bm_host *h, const bm_endpoint *ep);
/* The device that holds a configured address ("lo" for loopback), or NULL
 * if the address is not configured (a v4-mapped address is its IPv4
 * form). */
BM_API const char *bm_host_addr_dev(const bm_host *h, const bm_endpoint *addr);

/*
 * The owners of one port, as the policies see them: every socket bound to
 * (protocol, port), listening, connected or in TIME_WAIT, in the order they
 * joined it (bm_port_first is the oldest).  Walk newest first with
 * bm_port_last and bm_port_prev.  Each step is O(1); the pointers stay
 * valid until the host changes.  bm_port_next/prev take only pointers these
 * functions returned.
 */
BM_API const bm_sock_info *bm_port_first(const bm_host *h, bm_proto proto, uint16_t port);
BM_API const bm_sock_info *bm_port_last(const bm_host *h, bm_proto proto, uint16_t port);
BM_API const bm_sock_info *bm_port_next(const bm_host *h, const bm_sock_info *owner);
BM_API const bm_sock_info *bm_port_prev(const bm_host *h, const bm_sock_info *owner);
BM_API size_t bm_port_count(const bm_host *h, bm_proto proto, uint16_t port);
/* The owners of a TCP port that can overlap addr, newest first: those on
 * addr itself (an IPv4 address and its v4-mapped form are one) and those
 * bound to a wildcard (even after connect() narrowed them), in the order
 * bm_port_last/prev gives.  A superset: the caller still judges each.  A
 * wildcard addr, a UDP port or a port with few owners walks every owner.
 * On a crowded port (dozens of owners) each step is O(1) whatever the
 * crowd: a policy that
 * looks for the owners matching one address walks these (the BSDs'
 * in_pcblookup_local).  The cursor keeps the place; the same validity as
 * the port view. */
typedef struct bm_port_cursor {
	const void *group[2];    /* private */
	size_t left[2];
	const void *at;
	int whole;
} bm_port_cursor;
BM_API const bm_sock_info *bm_port_near_last(const bm_host *h, bm_proto proto, uint16_t port,
                                             const bm_endpoint *addr, bm_port_cursor *c);
BM_API const bm_sock_info *bm_port_near_prev(const bm_host *h, bm_port_cursor *c);
/* The policy's memory of a port (see bm_policy.port_state_size), or NULL
 * when the port has no owner. */
BM_API const void *bm_port_state(const bm_host *h, bm_proto proto, uint16_t port);

/* Fill in a verdict; returns code.  fmt must be static storage (a string
 * literal), as rule is: the reason is formatted only when it is read (a
 * copy of each argument is kept, %s strings included).  An operation fills
 * the reason of a verdict its caller passed before it returns; after a
 * direct call, read the text with bm_verdict_reason. */
BM_API bm_result bm_verdict_set(bm_verdict *v, bm_result code, const char *rule,
                         bm_sock conflict, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;
/* bm_verdict_set with the C type of each argument given: types is what
 * BM_ARG_TYPES_ makes of the arguments.  Keeping them then needs no pass
 * over fmt, which was most of a refused bind()'s cost (issue 11).  Call
 * it through bm_verdict_set, which in C11 is a macro that passes the types
 * (the function itself stays, for C++ and for function pointers).  Since
 * 0.4.5 the macro calls it only for arguments the record does not keep,
 * and bm_verdict_set_args_ otherwise; since 0.4.6 it stores the values
 * the record keeps as they are itself (bm_verdict_keep_). */
BM_API bm_result bm_verdict_set_typed_(bm_verdict *v, bm_result code, const char *rule,
                                       bm_sock conflict, unsigned long long types,
                                       const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;
/* The same with the arguments already in the record's own form, as the
 * C11 macros pass them: args[i] is the i-th argument, its code in types
 * (1 to 8).  No va_list to walk: a variadic call's register saves and
 * per-argument reads were most of a refusal's verdict (issue 11).  The
 * macros still check fmt against the arguments, through
 * bm_verdict_set_typed_'s format attribute. */
BM_API bm_result bm_verdict_set_args_(bm_verdict *v, bm_result code, const char *rule,
                                      bm_sock conflict, unsigned long long types,
                                      const char *fmt, const union bm_verdict_arg_ *args);
/* In the types of bm_verdict_set_typed_/_args_: every %s argument has
 * static storage.  It sits above the bits BM_ARG_TYPES_ uses; a library
 * that predates it copies the strings, as bm_verdict_set does. */
#define BM_STRS_STATIC_ (1ULL << 40)
#ifndef __cplusplus   /* C++ sees the record's union under another name */
/* Where the record keeps the values as they are (no %s argument to copy,
 * or static ones: BM_STRS_STATIC_), the macro stores them here, where the
 * call is: types is a constant there, so the test folds away and a
 * refusal's verdict is a dozen stores, not a call (issue 11).  Otherwise
 * bm_verdict_set_args_ copies the strings. */
static inline int bm_verdict_kept_as_is_(unsigned long long types, const char *fmt,
                                         const union bm_verdict_arg_ *args)
{
	unsigned n = (unsigned)(types & 15);
	return fmt && n <= 8 && (args || !n) &&
	       ((types & BM_STRS_STATIC_) ||
	        !((types >> 4) & 0x88888888ULL & ((1ULL << (4 * n)) - 1)));
}
static inline bm_result bm_verdict_keep_(bm_verdict *v, bm_result code, const char *rule,
                                         bm_sock conflict, unsigned long long types,
                                         const char *fmt, const union bm_verdict_arg_ *args)
{
	unsigned n = (unsigned)(types & 15);
	if (!v || !bm_verdict_kept_as_is_(types, fmt, args))
		return bm_verdict_set_args_(v, code, rule, conflict, types, fmt, args);
	v->code = code;
	v->rule = rule;
	v->conflict = conflict;
	v->reason[0] = 0;
	v->lazy_.by_ref = (types & BM_STRS_STATIC_) != 0;
	for (unsigned i = 0; i < n; i++)
		v->lazy_.arg[i] = args[i];
	v->lazy_.nstr = 0;
	v->lazy_.nargs = (unsigned char)n;
	v->lazy_.fmt = fmt;
	return code;
}
#endif
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__cplusplus) && \
	!defined(BM_UNTYPED_VERDICTS)
/* An argument's type as a 4-bit code, after the default promotions (15:
 * one the typed record does not keep, so fmt is read after all).
 * _Generic does not evaluate its argument. */
#define BM_ARG_TYPE_(x) _Generic((x), \
	_Bool: 1ULL, char: 1ULL, signed char: 1ULL, unsigned char: 1ULL, short: 1ULL, \
	unsigned short: 1ULL, int: 1ULL, unsigned: 2ULL, long: 3ULL, unsigned long: 4ULL, \
	long long: 5ULL, unsigned long long: 6ULL, float: 7ULL, double: 7ULL, \
	char *: 8ULL, const char *: 8ULL, default: 15ULL)
/* (fmt, args...) -> the count of args in the low 4 bits, then each one's
 * code, 4 bits each; more than 8 args: 15, read from fmt. */
#define BM_ARG_NTH_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, \
	_16, n, ...) n
#define BM_ARG_COUNT_(...) \
	BM_ARG_NTH_(__VA_ARGS__, M, M, M, M, M, M, M, M, 8, 7, 6, 5, 4, 3, 2, 1, 0, -)
#define BM_ARG_CAT_(a, b) a##b
#define BM_ARG_SEL_(n) BM_ARG_CAT_(BM_ARG_TYPES_, n)
#define BM_ARG_TYPES_(...) BM_ARG_SEL_(BM_ARG_COUNT_(__VA_ARGS__))(__VA_ARGS__)
#define BM_ARG_AT_(x, i) (BM_ARG_TYPE_(x) << (4 * (i)))
#define BM_ARG_TYPES_0(f) 0ULL
#define BM_ARG_TYPES_1(f, a) (1ULL | BM_ARG_AT_(a, 1))
#define BM_ARG_TYPES_2(f, a, b) (2ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2))
#define BM_ARG_TYPES_3(f, a, b, c) \
	(3ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3))
#define BM_ARG_TYPES_4(f, a, b, c, d) \
	(4ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3) | BM_ARG_AT_(d, 4))
#define BM_ARG_TYPES_5(f, a, b, c, d, e) \
	(5ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3) | BM_ARG_AT_(d, 4) | \
	 BM_ARG_AT_(e, 5))
#define BM_ARG_TYPES_6(f, a, b, c, d, e, g) \
	(6ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3) | BM_ARG_AT_(d, 4) | \
	 BM_ARG_AT_(e, 5) | BM_ARG_AT_(g, 6))
#define BM_ARG_TYPES_7(f, a, b, c, d, e, g, i) \
	(7ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3) | BM_ARG_AT_(d, 4) | \
	 BM_ARG_AT_(e, 5) | BM_ARG_AT_(g, 6) | BM_ARG_AT_(i, 7))
#define BM_ARG_TYPES_8(f, a, b, c, d, e, g, i, j) \
	(8ULL | BM_ARG_AT_(a, 1) | BM_ARG_AT_(b, 2) | BM_ARG_AT_(c, 3) | BM_ARG_AT_(d, 4) | \
	 BM_ARG_AT_(e, 5) | BM_ARG_AT_(g, 6) | BM_ARG_AT_(i, 7) | BM_ARG_AT_(j, 8))
#define BM_ARG_TYPES_M(...) 15ULL
/* The arguments as an array of the record's own union, built where the
 * call is: each by the function its C type selects (only that one is
 * called, so each branch need not accept every type). */
static inline union bm_verdict_arg_ bm_arg_i_(long long x)
{
	union bm_verdict_arg_ a;
	a.i = x;
	return a;
}
static inline union bm_verdict_arg_ bm_arg_u_(unsigned long long x)
{
	union bm_verdict_arg_ a;
	a.u = x;
	return a;
}
static inline union bm_verdict_arg_ bm_arg_d_(double x)
{
	union bm_verdict_arg_ a;
	a.d = x;
	return a;
}
/* long double is not kept (code 15): never called, BM_ARG_ODD_ routes it */
static inline union bm_verdict_arg_ bm_arg_ld_(long double x)
{
	return bm_arg_d_((double)x);
}
static inline union bm_verdict_arg_ bm_arg_p_(const volatile void *x)
{
	union bm_verdict_arg_ a;
	a.p = (const void *)(uintptr_t)x;
	return a;
}
#define BM_ARG_(x) _Generic((x), \
	_Bool: bm_arg_i_, char: bm_arg_i_, signed char: bm_arg_i_, unsigned char: bm_arg_i_, \
	short: bm_arg_i_, unsigned short: bm_arg_i_, int: bm_arg_i_, long: bm_arg_i_, \
	long long: bm_arg_i_, unsigned: bm_arg_u_, unsigned long: bm_arg_u_, \
	unsigned long long: bm_arg_u_, float: bm_arg_d_, double: bm_arg_d_, \
	long double: bm_arg_ld_, default: bm_arg_p_)(x)
#define BM_ARGS_SEL_(n) BM_ARG_CAT_(BM_ARGS_, n)
#define BM_ARGS_0(f) ((const union bm_verdict_arg_ *)0)
#define BM_ARGS_1(f, a) ((const union bm_verdict_arg_[]){BM_ARG_(a)})
#define BM_ARGS_2(f, a, b) ((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b)})
#define BM_ARGS_3(f, a, b, c) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c)})
#define BM_ARGS_4(f, a, b, c, d) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c), BM_ARG_(d)})
#define BM_ARGS_5(f, a, b, c, d, e) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c), BM_ARG_(d), \
	                                 BM_ARG_(e)})
#define BM_ARGS_6(f, a, b, c, d, e, g) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c), BM_ARG_(d), \
	                                 BM_ARG_(e), BM_ARG_(g)})
#define BM_ARGS_7(f, a, b, c, d, e, g, i) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c), BM_ARG_(d), \
	                                 BM_ARG_(e), BM_ARG_(g), BM_ARG_(i)})
#define BM_ARGS_8(f, a, b, c, d, e, g, i, j) \
	((const union bm_verdict_arg_[]){BM_ARG_(a), BM_ARG_(b), BM_ARG_(c), BM_ARG_(d), \
	                                 BM_ARG_(e), BM_ARG_(g), BM_ARG_(i), BM_ARG_(j)})
#define BM_ARGS_M(...) ((const union bm_verdict_arg_ *)0)
/* Some argument's code is 15 (a type the record does not keep), or there
 * are more than 8: such a call goes the variadic way, which reads fmt. */
#define BM_ARG_ODD_(t) \
	(((t) & 15) > 8 || ((((t) >> 4) & ((t) >> 7)) & 0x11111111ULL) != 0)
#define BM_VERDICT_SET_(flags, v, code, rule, conflict, ...) \
	(BM_ARG_ODD_(BM_ARG_TYPES_(__VA_ARGS__)) \
	 ? bm_verdict_set_typed_((v), (code), (rule), (conflict), \
	                         BM_ARG_TYPES_(__VA_ARGS__) | (flags), __VA_ARGS__) \
	 : bm_verdict_keep_((v), (code), (rule), (conflict), \
	                    BM_ARG_TYPES_(__VA_ARGS__) | (flags), BM_ARG_FMT_(__VA_ARGS__, 0), \
	                    BM_ARGS_SEL_(BM_ARG_COUNT_(__VA_ARGS__))(__VA_ARGS__)))
#define BM_ARG_FMT_(f, ...) (f)
#define bm_verdict_set(v, code, rule, conflict, ...) \
	BM_VERDICT_SET_(0ULL, v, code, rule, conflict, __VA_ARGS__)
#endif
/* bm_verdict_set where every %s argument has static storage, as fmt has
 * (a literal, bm_state_name): the verdict keeps the pointers instead of
 * copies (BM_STRS_STATIC_).  Copying a refusal's state name was a tenth
 * of a refused bind() (issue 11). */
#ifdef BM_ARG_TYPES_
#define bm_verdict_set_static(v, code, rule, conflict, ...) \
	BM_VERDICT_SET_(BM_STRS_STATIC_, v, code, rule, conflict, __VA_ARGS__)
#else
#define bm_verdict_set_static bm_verdict_set
#endif
/* The verdict's reason, formatted now if it was not yet; returns
 * v->reason ("" for a NULL v). */
BM_API const char *bm_verdict_reason(bm_verdict *v);

/* ------------------------------------------------------- personalities */

/* Number of built-in personalities, and each one by index (aliases are not
 * listed).  Returns NULL past the end. */
BM_API size_t bm_personality_count(void);
BM_API const bm_policy *bm_personality_at(size_t i);
/* Find by release name ("linux-6.12") or alias: a bare family name
 * ("linux", "macos") is its newest verified release, and "android",
 * "darwin", "ios", ... name one too.  NULL if unknown. */
BM_API const bm_policy *bm_personality_find(const char *name);
/* The release an alias names ("linux" -> "linux-6.18"), or NULL when name
 * is not an alias. */
BM_API const char *bm_personality_alias_of(const char *name);
/* Each alias by index ("linux", "android", ...); NULL past the end. */
BM_API const char *bm_personality_alias_at(size_t i);
/* Look a rule id up in a policy's rule table; NULL if unknown. */
BM_API const bm_rule *bm_policy_rule(const bm_policy *p, const char *id);

/* ----------------------------------------------------------------- hosts */

/* Create a host with a built-in personality; NULL with *err = BM_ENOENT
 * (unknown name) or BM_ENOMEM. */
BM_API bm_host *bm_host_new(const char *personality, bm_result *err);
/* Create a host with a caller's own policy (kept by pointer; must outlive
 * the host).  NULL with *err = BM_EINVAL if p is NULL, has the wrong
 * version or no name, or its parameters are out of range (ephemeral_lo
 * must be 1..ephemeral_hi, tw_reuse 0..2, port_state_size at most
 * BM_PORT_STATE_MAX); BM_ENOMEM when out of memory.  Result codes left 0
 * take the core's defaults (see bm_policy). */
BM_API bm_host *bm_host_new_with_policy(const bm_policy *p, bm_result *err);
BM_API void bm_host_free(bm_host *h);
BM_API const bm_policy *bm_host_policy(const bm_host *h);

typedef enum bm_knob {
	BM_KNOB_EPHEMERAL_LO,
	BM_KNOB_EPHEMERAL_HI,
	BM_KNOB_UNPRIVILEGED_PORT_START,
	BM_KNOB_TW_REUSE,
	BM_KNOB_V6ONLY,
	BM_KNOB_TIME_WAIT_MS,
	BM_KNOB_NONLOCAL_BIND,
	BM_KNOB_NOLOCAL_TIMEWAIT,   /* FreeBSD net.inet.tcp.nolocaltimewait */
	BM_KNOB_COUNT
} bm_knob;
/* EINVAL for a value out of range (ports 1..65535 with lo <= hi, etc). */
BM_API bm_result bm_host_set_knob(bm_host *h, bm_knob k, long value);
BM_API long bm_host_knob(const bm_host *h, bm_knob k);
BM_API const char *bm_knob_name(bm_knob k);
BM_API int bm_knob_from_name(const char *name, bm_knob *out);

/* Add a local address (dev may be NULL: "lo", where the kernel oracle puts it).  EINVAL if malformed. */
BM_API bm_result bm_host_add_addr(bm_host *h, const char *addr, const char *dev);
/* Virtual clock, in milliseconds since the host was created. */
BM_API uint64_t bm_host_now(const bm_host *h);
/* Advance the clock; TIME_WAIT sockets whose time is up are released. */
BM_API void bm_advance(bm_host *h, uint64_t ms);

/* ------------------------------------------------------------ operations */

/* Each operation fills *v (may be NULL) and returns v->code. */
BM_API bm_result bm_socket(bm_host *h, bm_family fam, bm_proto proto, uint32_t uid,
                    bm_sock *out, bm_verdict *v);
/* value: 0/1 for flags; seconds (or -1 off) for SO_LINGER.  For
 * SO_BINDTODEVICE use bm_setsockopt_dev. */
BM_API bm_result bm_setsockopt(bm_host *h, bm_sock s, bm_option o, int value,
                        bm_verdict *v);
BM_API bm_result bm_setsockopt_dev(bm_host *h, bm_sock s, const char *ifname,
                            bm_verdict *v);
BM_API bm_result bm_bind(bm_host *h, bm_sock s, const bm_endpoint *ep, bm_verdict *v);
BM_API bm_result bm_listen(bm_host *h, bm_sock s, bm_verdict *v);
BM_API bm_result bm_connect(bm_host *h, bm_sock s, const bm_endpoint *ep,
                     bm_verdict *v);
BM_API bm_result bm_accept(bm_host *h, bm_sock listener, bm_sock *child,
                    bm_verdict *v);
BM_API bm_result bm_close(bm_host *h, bm_sock s, bm_verdict *v);

/* Which socket(s) receive a datagram (UDP) or SYN (TCP) from src to dst?
 * Writes up to max receivers into out and their number into *n.  The
 * verdict's code is BM_OK if anyone receives, else BM_ECONNREFUSED. */
BM_API bm_result bm_deliver(bm_host *h, bm_proto proto, const bm_endpoint *src,
                     const bm_endpoint *dst, bm_sock *out, size_t max,
                     size_t *n, bm_verdict *v);

/* Query one socket (also TIME_WAIT ones); EBADF if unknown or gone. */
BM_API bm_result bm_sock_query(const bm_host *h, bm_sock s, bm_sock_info *out);
/* Visit every live socket (not GONE), oldest first.  Stops when fn
 * returns non-zero. */
BM_API void bm_sock_foreach(const bm_host *h,
                     int (*fn)(const bm_sock_info *s, void *arg), void *arg);

/* The verdict of the last operation on the host (NULL for a NULL host),
 * its reason formatted by this call.  The pointer stays valid for the
 * host's life; the verdict it points to changes with the next operation. */
BM_API const bm_verdict *bm_last_verdict(const bm_host *h);
/* A copy of the last verdict (a zeroed verdict for a NULL host) whose
 * reason is left unformatted until bm_verdict_reason(out) asks for it: the
 * cheap way to keep every verdict and read few reasons. */
BM_API void bm_last_verdict_copy(const bm_host *h, bm_verdict *out);

/* Render a result the way the host's OS names it: "EADDRINUSE", or for
 * Windows "WSAEADDRINUSE (10048)". */
BM_API const char *bm_host_error_name(const bm_host *h, bm_result r);

/* -------------------------------------------------------------- adapters */

/*
 * Adapters for C code that holds the host's own structs and errno values.
 * The sockaddr arguments are untyped so that this header needs no
 * <sys/socket.h>: sa points to a struct sockaddr_in or sockaddr_in6 as the
 * host's headers lay it out (a struct sockaddr_storage holds either).
 */
/* Read an AF_INET or AF_INET6 sockaddr of len bytes.  Returns 0, or -1 for
 * another family, a NULL pointer or a len too short for the family
 * (*out is then left alone). */
BM_API int bm_endpoint_from_sockaddr(const void *sa, size_t len, bm_endpoint *out);
/* Write ep as a sockaddr_in or sockaddr_in6 into sa (cap bytes).  Returns
 * the length written, or 0 when cap is too small or ep is malformed. */
BM_API size_t bm_endpoint_to_sockaddr(const bm_endpoint *ep, void *sa, size_t cap);
/* The result as the errno number of the OS this library was built on
 * (0 for BM_OK), or -1 when that OS has no such errno. */
BM_API int bm_result_to_errno(bm_result r);
/* The host errno number e as a result (EWOULDBLOCK is EAGAIN, ENOTSUP is
 * EOPNOTSUPP); BM_RESULT_COUNT when the model has no name for it. */
BM_API bm_result bm_result_from_errno(int e);
/* The number the modelled OS itself gives r, chosen by p->family (and for
 * the BSD family by the release name: macOS has its own EOPNOTSUPP): the
 * errno of Linux, the BSDs, macOS or Solaris/illumos, or the Windows
 * Sockets code (WSAEADDRINUSE is 10048).  *name (may be NULL) gets its
 * name, e.g. "EADDRINUSE" or "WSAEADDRINUSE".  Returns 0 for BM_OK, and -1
 * (name NULL) when that OS has no number for r or p's family is unknown. */
BM_API int bm_policy_errno(const bm_policy *p, bm_result r, const char **name);


/* ------------------------------------------------------ networks of hosts */

/*
 * A net owns hosts, each with its own personality, knobs, clock and
 * addresses, and routes between them: an address configured on one host of
 * the net belongs to that host, and a TCP connect() from another host to it
 * reaches that host's listener (its accept queue), or is refused (no
 * listener: ECONNREFUSED).  Close, RST (SO_LINGER 0) and TIME_WAIT work
 * across the hosts: TIME_WAIT stays on the side that closed first, and each
 * host's own policy decides its four-tuple uniqueness and TIME_WAIT reuse.
 * An address that belongs to no host of the net is an implicit remote peer
 * that accepts every connection, as for a host alone.  A host that is on no
 * net behaves exactly as before.
 *
 * Hosts of a net are freed by bm_net_free (bm_host_free ignores them).
 */
#define BM_HOSTNAME_LEN 32

typedef struct bm_net bm_net;

BM_API bm_net *bm_net_new(void);
/* Free the net and every host on it. */
BM_API void bm_net_free(bm_net *net);
/* Create a host named name (letters, digits, '_', '-'; unique on the net)
 * with a built-in personality and the addresses addrs[0..naddrs-1] (on
 * device "lo"; naddrs may be 0).  NULL with *err (may be NULL) =
 * BM_ENOENT (unknown personality), BM_EINVAL (bad or duplicate name, bad
 * address), BM_EADDRINUSE (an address another host already has) or
 * BM_ENOMEM. */
BM_API bm_host *bm_net_add_host(bm_net *net, const char *name, const char *personality,
                                const char *const *addrs, size_t naddrs, bm_result *err);
/* The same with a caller's policy (checked as bm_host_new_with_policy:
 * BM_EINVAL when it is unusable); p must outlive the host. */
BM_API bm_host *bm_net_add_host_with_policy(bm_net *net, const char *name, const bm_policy *p,
                                            const char *const *addrs, size_t naddrs,
                                            bm_result *err);
/* Add an address to a host of the net: as bm_host_add_addr, and
 * BM_EADDRINUSE when another host of the net has it. */
BM_API bm_result bm_net_add_addr(bm_net *net, bm_host *h, const char *addr, const char *dev);
/* The host named name, or NULL. */
BM_API bm_host *bm_net_host(const bm_net *net, const char *name);
/* The hosts in the order they were added; NULL past the end. */
BM_API size_t bm_net_count(const bm_net *net);
BM_API bm_host *bm_net_host_at(const bm_net *net, size_t i);
/* The host of the net that has addr configured (not loopback), or NULL. */
BM_API bm_host *bm_net_route(const bm_net *net, const bm_endpoint *addr);
/* Advance every host's clock by ms (TIME_WAIT ends on each). */
BM_API void bm_net_advance(bm_net *net, uint64_t ms);
/* A host's name on its net ("" for a host alone), and its net (or NULL). */
BM_API const char *bm_host_name(const bm_host *h);
BM_API bm_net *bm_host_net(const bm_host *h);
/* The other end of a connected (or TIME_WAIT) socket, when the model holds
 * it: its host and handle.  BM_ENOENT when the peer is implicit (a remote
 * address of no host) or gone. */
BM_API bm_result bm_sock_peer(bm_host *h, bm_sock s, bm_host **peer_host, bm_sock *peer);

/*
 * connect() with flags.  BM_CONNECT_NONBLOCK: a TCP connect() that needs a
 * handshake returns BM_EINPROGRESS (Windows: BM_EAGAIN, WSAEWOULDBLOCK);
 * the handshake then completes (or is refused) at once in virtual time, and
 * the next connect() on the socket collects it as the OS does: Linux
 * returns ok once (or the refusal), then EISCONN; the BSDs, Solaris and
 * Windows return EISCONN (or the refusal).  bm_connect is
 * bm_connect_ex(..., 0, ...).
 */
#define BM_CONNECT_NONBLOCK 1
BM_API bm_result bm_connect_ex(bm_host *h, bm_sock s, const bm_endpoint *ep, int flags,
                               bm_verdict *v);

#ifdef __cplusplus
}
#endif
#endif /* BINDMODEL_H */
