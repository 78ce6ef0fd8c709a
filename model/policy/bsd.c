/* SPDX-License-Identifier: MIT */
/*
 * bsd.c: the BSD family, one engine and seven personalities: `bsd` (the
 * 4.4BSD reference the article describes), `freebsd-14`, `freebsd-15`,
 * `openbsd`, `netbsd`, `macos-14` and `macos-15` (XNU).
 *
 * All of them bind with the 4.4BSD in_pcbbind() skeleton:
 *
 *   wild  = the NEW socket has no reuse flag (SO_REUSEADDR, SO_REUSEPORT,
 *           SO_REUSEPORT_LB);
 *   reuse = its SO_REUSEPORT (promoted to RA|RP at a multicast address);
 *   [uid check: t = lookup(addr, port, WILDCARD); other owner -> EADDRINUSE]
 *   t = lookup(addr, port, wild);  t && !(reuse & t's options) -> EADDRINUSE
 *
 * where lookup is in_pcblookup_local's best fit: an exact lookup only finds
 * an unconnected socket on exactly that address; a wild one finds any
 * socket whose address overlaps, connected and TIME_WAIT ones included,
 * preferring the closest.  So only the new socket's flags choose the kind
 * of search, the old socket's flags only count through `reuse & t's
 * options` (read live, from its socket), and a TIME_WAIT socket is seen
 * only by the wild search, where no flag can help.
 *
 * What differs per OS lives in a bsd_params row: which checks run, in which
 * order, the defaults; each bm_policy points at its release's row (.data),
 * so a new release is a new row, not a new code path.  Every rule id is described, with its source,
 * in spec/bsd.md.
 */
#include <stdio.h>
#include <string.h>

#include "bindmodel.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT
#define LB BM_SO_REUSEPORT_LB

static const bm_rule bsd_rules[] = {
	/* the shared engine (4.4BSD in_pcbbind, kept by every BSD) */
	{"bsd.bind.state", "bind() on a socket that already has a local port or address: EINVAL.",
	 "4.4BSD in_pcbbind (inp_lport || inp_laddr); FreeBSD in_pcbbind; XNU in_pcbbind; "
	 "OpenBSD in_pcbbind_locked; NetBSD inpcb_bind"},
	{"bsd.bind.notlocal", "A specific unicast address no interface has: EADDRNOTAVAIL. "
	 "Multicast is not checked; IP_BINDANY (FreeBSD, NetBSD; NetBSD's IPV6_BINDANY also "
	 "for a v4-mapped address) / SO_BINDANY (OpenBSD) lift it; "
	 "OpenBSD lets a UDP socket bind 255.255.255.255 (elsewhere it is not an interface "
	 "address); only 127.0.0.1 of 127/8 exists (lo0). A v4-mapped address on a V6ONLY "
	 "socket is not an interface address either.",
	 "FreeBSD in_pcbbind_setup ifa_ifwithaddr_check/INP_BINDANY; XNU in_pcbbind ifa_ifwithaddr; "
	 "OpenBSD in_pcbaddrisavail_lock; NetBSD inpcb_bind_addr, in6pcb_bind_addr (IN6P_BINDANY)"},
	{"bsd.bind.privport", "A port below 1024 (FreeBSD: reservedlow 0 .. reservedhigh 1023) "
	 "needs root: EACCES, checked before any EADDRINUSE.",
	 "4.4BSD in_pcbbind (suser); FreeBSD in_pcbbind_setup PRIV_NETINET_RESERVEDPORT; NetBSD "
	 "inpcb_bind_port KAUTH_REQ_NETWORK_BIND_PRIVPORT"},
	{"bsd.bind.conflict", "The best-fit lookup found a socket t and (reuse & t's options) "
	 "== 0: EADDRINUSE. Without a reuse flag on the new socket the lookup is wild (any "
	 "overlapping socket, connected or TIME_WAIT included); with one it is exact (an "
	 "unconnected socket on exactly the same address), so only an exact duplicate without "
	 "SO_REUSEPORT on both conflicts.",
	 "4.4BSD in_pcbbind/in_pcblookup; FreeBSD in_pcbbind_setup/in_pcblookup_local; XNU in_pcbbind; "
	 "OpenBSD in_pcbaddrisavail_lock/in_pcblookup_local_lock; NetBSD inpcb_bind_port"},
	{"bsd.bind.reuseport", "An exact duplicate of an unconnected binding is allowed when "
	 "both sockets have SO_REUSEPORT (the old socket's flag read as it is now).",
	 "4.4BSD in_pcbbind (reuseport & t->inp_socket->so_options); same in every BSD"},
	{"bsd.bind.multicast", "At a multicast group SO_REUSEADDR counts as SO_REUSEPORT: two "
	 "sockets on the same group and port share when the new one has SO_REUSEADDR (bsd, "
	 "macOS) or SO_REUSEADDR or SO_REUSEPORT (FreeBSD, OpenBSD, NetBSD) and the old one has "
	 "either. The wildcard gets no such promotion, so wildcard receivers need SO_REUSEPORT "
	 "on both.",
	 "4.4BSD in_pcbbind (\"Treat SO_REUSEADDR as SO_REUSEPORT for multicast\"); FreeBSD "
	 "in_pcbbind_setup (RA|RP, PR 179901); OpenBSD in_pcbaddrisavail_lock (RA|RP); XNU in_pcbbind "
	 "and NetBSD inpcb_bind_port (RA only)"},
	{"bsd.ephemeral.bind", "bind(port 0) and listen() autobind take a port the lookup on "
	 "the local address finds free: wild unless the socket has a reuse flag (bsd, FreeBSD, "
	 "OpenBSD), always wild (macOS, NetBSD). The search (connect() autobind too) starts "
	 "after the last port taken and counts up, wrapping (4.4BSD; macOS TCP; FreeBSD, whose "
	 "default random start is not modelled), or starts below it and counts down from the "
	 "top (NetBSD); OpenBSD and macOS UDP start at random: the model takes the lowest free "
	 "port. None left: EADDRNOTAVAIL (NetBSD: EAGAIN).",
	 "4.4BSD in_pcbbind lport==0 loop (head->inp_lport++); FreeBSD in_pcb_lport_dest "
	 "(++*lastport; net.inet.ip.portrange.randomized); XNU in_pcbbind (\"Override wild = 1 "
	 "for implicit bind\"; \"counting up\" from ipi_lastport unless randomport) and "
	 "tcp_subr.c tcp_use_randomport = 0; OpenBSD in_pcbpickport (arc4random_uniform); "
	 "NetBSD portalgo.c algo_bsd (PORTALGO_BSD the default)"},
	{"bsd.connect.autobind", "connect() on an unbound socket runs in_pcbbind(NULL) before "
	 "the source address is set: the port must be free for a lookup on the wildcard, i.e. "
	 "unused by every socket of the family (bsd with SO_REUSEADDR: only a wildcard holder "
	 "counts).",
	 "4.4BSD in_pcbconnect -> in_pcbbind(inp, NULL); XNU in_pcbconnect; NetBSD inpcb_connect"},
	{"bsd.connect.tuple", "connect() (TCP or UDP) that would duplicate another socket's "
	 "four-tuple, TIME_WAIT included: EADDRINUSE.",
	 "4.4BSD in_pcbconnect (in_pcblookuphash != NULL); FreeBSD in_pcbconnect_setup; XNU "
	 "in_pcbconnect/tcp_connect; OpenBSD in_pcbconnect; NetBSD inpcb_connect"},
	{"bsd.deliver.best", "A SYN or unicast datagram goes to the full four-tuple match, else "
	 "a socket on the destination address, else the wildcard (an AF_INET socket before a "
	 "dual-stack [::]); among equals the most recently bound (head of the hash chain). No "
	 "balancing among SO_REUSEPORT duplicates.",
	 "4.4BSD in_pcblookup; FreeBSD in_pcblookup_hash_wild_locked/_in_pcbinshash_wild; XNU "
	 "in_pcblookup_hash; OpenBSD in_pcblookup_listen"},
	{"bsd.deliver.multicast", "A multicast or broadcast datagram is copied to every "
	 "matching socket in pcb-list order (newest socket first, LIST_INSERT_HEAD at "
	 "pcballoc), stopping after the first one that has none of SO_REUSEADDR, SO_REUSEPORT "
	 "and SO_REUSEPORT_LB (\"It assumes that an application will never clear these "
	 "options\").",
	 "4.4BSD udp_input; FreeBSD udp_multi_input/udp6_input; XNU udp_input; NetBSD udp4_realinput; "
	 "OpenBSD udp_input"},
	{"freebsd.opt.bindany", "FreeBSD: IP_BINDANY / IPV6_BINDANY need PRIV_NETINET_BINDANY: "
	 "a non-root caller gets EPERM, whatever the value.",
	 "FreeBSD sys/netinet/ip_output.c ip_ctloutput IP_BINDANY, sys/netinet6/ip6_output.c "
	 "ip6_ctloutput IPV6_BINDANY (priv_check before the value is read); "
	 "tests/sys/netinet/socket_afinet.c socket_afinet_bindany"},
	{"bsd.opt.v6only_bound", "IPV6_V6ONLY may be set only before bind(): EINVAL afterwards.",
	 "KAME ip6_ctloutput (\"available only prior to bind(2)\"): OpenBSD ip6_ctloutput; FreeBSD, "
	 "XNU, NetBSD ip6_ctloutput"},

	/* call checks of FreeBSD and XNU (review) */
	{"bsd.bind.tcp_multicast", "FreeBSD, macOS: bind() of a TCP socket to a multicast address: "
	 "EAFNOSUPPORT, before any other check (FreeBSD also a v4-mapped group on a dual-stack socket).",
	 "FreeBSD sys/netinet/tcp_usrreq.c tcp_usr_bind/tcp6_usr_bind; xnu bsd/netinet/tcp_usrreq.c "
	 "tcp_usr_bind/tcp6_usr_bind (\"Must check for multicast addresses and disallow binding\")"},
	{"bsd.connect.dest", "FreeBSD, macOS: TCP connect() to a multicast address: "
	 "EAFNOSUPPORT; FreeBSD TCP to 255.255.255.255: EACCES; any connect() to port 0: "
	 "EADDRNOTAVAIL.",
	 "FreeBSD tcp_usr_connect/tcp6_usr_connect, in_pcbconnect_setup, in6_pcbladdr; xnu "
	 "tcp_usr_connect/tcp6_usr_connect, in_pcbladdr, in6_pcbladdr (sin_port == 0)"},
	{"bsd.connect.mapped", "FreeBSD, macOS: connect() of an AF_INET6 socket to a v4-mapped "
	 "address with IPV6_V6ONLY: EINVAL. FreeBSD: a socket bound to a native IPv6 address "
	 "(INP_IPV4 clear) cannot reach a v4-mapped destination, nor one bound to a v4-mapped "
	 "address (INP_IPV6 clear) a native one: EAFNOSUPPORT.",
	 "FreeBSD tcp6_usr_connect (IN6P_IPV6_V6ONLY -> EINVAL, INP_IPV4/INP_IPV6 clear -> "
	 "EAFNOSUPPORT), udp6_connect; xnu tcp6_usr_connect, udp6_connect"},
	{"freebsd.connect.listen6", "FreeBSD: connect() on a listening TCP socket: EOPNOTSUPP "
	 "(AF_INET), EINVAL (AF_INET6). macOS: EOPNOTSUPP for both, from soconnectlock, before "
	 "any other check.",
	 "FreeBSD 14 sys/netinet/tcp_usrreq.c tcp_usr_connect (SOLISTENING -> EOPNOTSUPP), "
	 "tcp6_usr_connect (SOLISTENING -> EINVAL)"},

	/* FreeBSD */
	{"freebsd.bind.uid", "Port stealing: a non-root socket binding a non-multicast address "
	 "where the wild lookup finds a socket of another uid gets EADDRINUSE, unless the new "
	 "socket is TCP and that socket is connected, or both are wildcard and the old one has "
	 "SO_REUSEPORT_LB without SO_REUSEPORT (a 14.x quirk).",
	 "sys/netinet/in_pcb.c in_pcbbind_setup (PRIV_NETINET_REUSEPORT block), FreeBSD 14"},
	{"freebsd.bind.reuseport_lb", "SO_REUSEPORT_LB shares an exact duplicate only with "
	 "SO_REUSEPORT_LB (never with SO_REUSEPORT): (reuseport_lb & t's options).",
	 "sys/netinet/in_pcb.c in_pcbbind_setup; getsockopt(2) SO_REUSEPORT_LB"},
	{"freebsd.bind.dualstack", "Dual stack: an AF_INET6 [::] with V6ONLY 0 is also checked "
	 "against the IPv4 table and conflicts only with a specific IPv4 holder or another IPv6 "
	 "socket (so AF_INET 0.0.0.0 then [::] is allowed); an IPv4 bind of the wildcard "
	 "excuses a wildcard holder only when both sockets are IPv6 (so [::] then AF_INET "
	 "0.0.0.0 is EADDRINUSE). In a wild IPv4 lookup a dual-stack socket costs 3 more.",
	 "sys/netinet6/in6_pcb.c in6_pcbbind; sys/netinet/in_pcb.c in_pcbbind_setup (INET6 clause); "
	 "in_pcblookup_local INP_LOOKUP_MAPPED_PCB_COST"},
	{"freebsd.connect.autobind", "connect() on an unbound socket shares ephemeral ports "
	 "across destinations: a port is usable unless an unconnected socket holds it on the "
	 "wildcard or the chosen source address, or the four-tuple exists. None left: "
	 "EADDRNOTAVAIL.",
	 "sys/netinet/in_pcb.c in_pcbconnect_setup -> in_pcb_lport_dest(fsa) with "
	 "in_pcblookup_hash_locked(WILDCARD)"},
	{"freebsd.deliver.lbgroup", "After the exact four-tuple, an SO_REUSEPORT_LB group on "
	 "the destination address, else on the wildcard, takes the SYN or datagram, hashed over "
	 "its members in join order; a dual-stack wildcard socket joins no group; membership is "
	 "decided at bind.",
	 "sys/netinet/in_pcb.c in_pcblookup_hash_locked/in_pcblookup_lbgroup/in_pcbinslbgrouphash"},

	/* macOS (XNU) */
	{"macos.bind.privport", "macOS 10.14+: a port below 1024 needs root only on a specific "
	 "address (127.0.0.1 included): EACCES; the wildcard is free for anyone.",
	 "xnu bsd/netinet/in_pcb.c in_pcbbind (XNU_TARGET_OS_OSX, sin_addr != 0); in6_pcbbind"},
	{"macos.bind.uid", "A non-root socket binding a non-multicast address where the wild "
	 "lookup finds a socket of another uid (connected and TIME_WAIT sockets included) gets "
	 "EADDRINUSE unless both addresses are the wildcard. IPv6 (in6_pcbbind): two wildcards "
	 "are spared only when the holder has SO_REUSEPORT; the IPv4 side of a dual-stack [::] "
	 "bind spares a holder with SO_REUSEPORT or an AF_INET wildcard holder (so another "
	 "user's 127.0.0.1:p with SO_REUSEPORT does not block [::]:p with SO_REUSEPORT).",
	 "xnu bsd/netinet/in_pcb.c in_pcbbind (kauth_cred_getuid block)"},
	{"macos.bind.dualstack", "Dual stack (AF_INET6 sockets are dual by default): [::] is "
	 "also checked against IPv4 and conflicts with a specific IPv4 holder or another IPv6 "
	 "socket; an IPv4 wildcard bind excuses a wildcard holder only when both are PF_INET6.",
	 "xnu bsd/netinet6/in6_pcb.c in6_pcbbind; bsd/netinet/in_pcb.c in_pcbbind (SOCK_DOM clause)"},

	{"macos.tcp.bcast_mcast", "macOS: TCP bind() or connect() to a multicast address or "
	 "255.255.255.255, also as a v4-mapped (::ffff:a.b.c.d) or v4-compatible (::a.b.c.d) "
	 "IPv6 address, V6ONLY or not: EAFNOSUPPORT, before in_pcbbind/tcp_connect. UDP is not "
	 "checked.",
	 "xnu bsd/netinet/tcp_usrreq.c tcp_usr_bind, tcp6_usr_bind, tcp_usr_connect_common "
	 "(xnu-10063 and xnu-11417)"},

	/* differences between releases (rows of data) */
	{"freebsd-15.bind.uid", "FreeBSD 15: the port-stealing check of freebsd.bind.uid "
	 "without the wildcard SO_REUSEPORT_LB exemption: a non-root socket "
	 "(PRIV_NETINET_REUSEPORT) binding a non-multicast address where the wild lookup finds "
	 "a socket of another uid gets EADDRINUSE unless the new socket is TCP and that socket "
	 "is connected. A dual-stack [::] bind repeats the check against the IPv4 table.",
	 "FreeBSD commit c9756953bded (\"inpcb: Further restrict binding to a port owned by a "
	 "different UID\"); sys/netinet6/in6_pcb.c in6_pcbbind_avail (15)"},
	{"freebsd-15.connect.inaddr_any", "FreeBSD 15: connect() to 0.0.0.0 (TCP or UDP, bound "
	 "or not; also ::ffff:0.0.0.0 on a dual-stack AF_INET6 socket) no longer means this "
	 "host: ENETUNREACH, after the port 0 check and before any port is taken "
	 "(net.inet.ip.connect_inaddr_wild is now 0; 14 has 1 and answers as "
	 "core.connect.any). IPv6 :: is unchanged (net.inet6.ip6.connect_in6addr_wild stays "
	 "1): it still means ::1. The same sysctl also stops rewriting 255.255.255.255 to the "
	 "first interface's broadcast address (not modelled; TCP refuses it anyway: "
	 "bsd.connect.dest).",
	 "FreeBSD commit cd240957d7ba (15.0 release notes: \"Making a connection to "
	 "INADDR_ANY, i.e., using it as an alias for localhost, is now disabled by "
	 "default\"); sys/netinet/in_pcb.c in_pcbconnect_setup (!V_connect_inaddr_wild: "
	 "INADDR_ANY -> ENETUNREACH); sys/netinet6/in6_pcb.c in6_pcbladdr "
	 "(V_connect_in6addr_wild = 1)"},
	{"freebsd-15.connect.reuseport_lb", "FreeBSD 15: connect() of a TCP socket that has "
	 "SO_REUSEPORT_LB, bound or not: EOPNOTSUPP (sendto() too, not modelled). UDP connect() "
	 "is allowed (\"The kernel erroneously permits calling connect() on a UDP socket with "
	 "SO_REUSEPORT_LB set\"). Checked after the multicast/broadcast/listen checks in the "
	 "model (the exact place in tcp_usr_connect was not read).",
	 "FreeBSD tests/sys/netinet/so_reuseport_lb_test.c connect_not_bound, connect_bound, "
	 "connect_udp"},
	{"macos-15.connect.mixed", "macOS 15.4+: TCP connect() of an AF_INET6 socket: a "
	 "v4-mapped peer on an IPV6_V6ONLY socket, a v4-mapped peer while bound to a specific "
	 "native IPv6 address (inp_vflag == INP_IPV6), or a native IPv6 peer while bound to a "
	 "v4-mapped address (inp_vflag == INP_IPV4): EAFNOSUPPORT.",
	 "xnu-11417 bsd/netinet/tcp_usrreq.c tcp_usr_connect_common (absent in xnu-11215, "
	 "xnu-10063)"},

	/* OpenBSD */
	{"openbsd.bind.uid", "A non-root socket binding a non-multicast address where the wild "
	 "lookup finds a socket of another effective uid gets EADDRINUSE, with no exception "
	 "(wildcards, SO_REUSEPORT and connected sockets included).",
	 "sys/netinet/in_pcb.c in_pcbaddrisavail_lock (so_euid block)"},
	{"openbsd.bind.privport", "A port below 1024 or in rootonlyports (2049) needs root: "
	 "EACCES, checked after the address is found available, so EADDRINUSE wins over EACCES.",
	 "sys/netinet/in_pcb.c in_pcbbind_locked (in_rootonly after in_pcbaddrisavail_lock)"},
	{"openbsd.opt.v6only", "IPv4-mapped addresses are not supported: IPV6_V6ONLY is always "
	 "1 and setting it to 0 fails with EINVAL.",
	 "sys/netinet6/ip6_output.c ip6_ctloutput IPV6_V6ONLY (\"No support for IPv4-mapped addresses\")"},
	{"openbsd.connect.autobind", "connect() on an unbound socket picks a port the lookup on "
	 "the chosen source address finds free (wild unless it has a reuse flag), then "
	 "re-checks the four-tuple.",
	 "sys/netinet/in_pcb.c in_pcbconnect -> in_pcbbind_locked(inp, NULL, &ina) -> in_pcbpickport"},

	/* OpenBSD and NetBSD call checks (review) */
	{"openbsd.connect.dest", "OpenBSD: TCP connect() to 0.0.0.0, 255.255.255.255 or a "
	 "multicast address (IPv6: :: or multicast): EINVAL; then any connect() to port 0 or "
	 "(AF_INET6) to a v4-mapped address: EADDRNOTAVAIL.",
	 "sys/netinet/tcp_usrreq.c tcp_connect; sys/netinet/in_pcb.c in_pcbconnect (sin_port == 0); "
	 "sys/netinet6/in6_pcb.c in6_pcbconnect (\"reject IPv4 mapped address\")"},
	{"netbsd.connect.dest", "NetBSD: connect() to port 0, or TCP to a multicast address: "
	 "EADDRNOTAVAIL; AF_INET6 to a v4-mapped address with IPV6_V6ONLY, or mixing a "
	 "v4-mapped and a native address between the bound and the destination address: EINVAL.",
	 "sys/netinet/in_pcb.c in_pcbconnect; sys/netinet6/in6_pcb.c in6pcb_connect"},

	/* NetBSD */
	{"netbsd.bind.inet6", "NetBSD's IPv6 path: a v4-mapped address on an IPV6_V6ONLY socket "
	 "is EINVAL; a native IPv6 bind (dual-stack [::] included) looks only at IPv6 pcbs (so "
	 "[::] dual after 0.0.0.0 is OK) and has no uid check; a v4-mapped bind looks up IPv4 "
	 "pcbs and IPv6 pcbs apart.",
	 "sys/netinet6/in6_pcb.c in6pcb_bind_addr (IN6P_IPV6_V6ONLY -> EINVAL), in6pcb_bind_port "
	 "(inpcb_lookup_local for V4MAPPED, then in6pcb_lookup_local; no so_uidinfo block)"},
	{"netbsd.bind.uid", "A non-root socket binding a non-multicast address where the wild "
	 "lookup finds a socket of another uid gets EADDRINUSE unless both are the wildcard and "
	 "the old one has SO_REUSEPORT. IPv4 binds only, and only IPv4 pcbs are looked at (the "
	 "IPv6 path has no uid check).",
	 "sys/netinet/in_pcb.c inpcb_bind_port (so_uidinfo block)"},
	{"netbsd.bind.mapped", "An IPv4 bind also looks up ::ffff:addr among IPv6 sockets (a "
	 "dual-stack [::] included), as a lookup of its own before the IPv4 one, and conflicts "
	 "as bsd.bind.conflict does, with no dual-stack exception. ::ffff:0.0.0.0 is not the "
	 "unspecified address, so a dual-stack [::] is a wildcard match (cost 1) even for "
	 "0.0.0.0: an exact (SO_REUSEADDR/SO_REUSEPORT) lookup never returns it, so an IPv4 "
	 "bind with either flag passes it.",
	 "sys/netinet/in_pcb.c inpcb_bind_port (in6_pcblookup_port on the mapped address)"},
	{"netbsd.opt.bindany", "NetBSD 10: setsockopt(IP_BINDANY) or setsockopt(IPV6_BINDANY), "
	 "to set or to clear, by a non-root caller: EPERM (kauth KAUTH_REQ_NETWORK_BIND_ANYADDR, "
	 "which secmodel_suser allows only for euid 0); the flag is left as it was.",
	 "sys/netinet/ip_output.c 1.324.2.3 ip_ctloutput, sys/netinet6/ip6_output.c ip6_ctloutput "
	 "(kauth_authorize_network KAUTH_NETWORK_BIND, KAUTH_REQ_NETWORK_BIND_ANYADDR); "
	 "secmodel_suser.c 1.58; kern_auth.c kauth_authorize_action (EPERM)"},
	{"openbsd.opt.bindany", "OpenBSD: setsockopt(SO_BINDANY), to set or to clear, by a "
	 "non-root caller: EPERM.",
	 "sys/kern/uipc_socket.c sosetopt (case SO_BINDANY: suser(curproc)); sys/kern/kern_prot.c "
	 "suser (EPERM unless cr_uid == 0)"},
};

/* ----------------------------------------------------------- parameters */

enum uid_rule { UID_NONE, UID_FREEBSD, UID_XNU, UID_OPENBSD, UID_NETBSD };
enum priv_rule { PRIV_BEFORE, PRIV_SPECIFIC, PRIV_AFTER };
enum calls_rule { CALLS_NONE, CALLS_FREEBSD, CALLS_XNU, CALLS_OPENBSD, CALLS_NETBSD };

typedef struct bsd_params {
	unsigned reuse_flags;     /* new-socket flags that make the lookup exact */
	unsigned mcast_promote;   /* new-socket flags promoted to RA|RP at a group */
	int has_lb;               /* SO_REUSEPORT_LB (FreeBSD) */
	enum uid_rule uid;
	const char *uid_rule;
	enum priv_rule priv;
	const char *priv_rule;
	int rootonly_2049;        /* OpenBSD rootonlyports */
	int dual_exception;       /* FreeBSD/XNU dual-stack clauses */
	const char *dual_rule;
	int mapped_cost;          /* FreeBSD: dual v6 sockets rank last in v4 lookups */
	int ephemeral_wild;       /* autobind ignores the reuse flags (XNU, NetBSD) */
	int connect_per_dest;     /* FreeBSD in_pcb_lport_dest */
	int connect_from_source;  /* OpenBSD: autobind looks up the chosen source */
	int v6only_fixed;         /* OpenBSD */
	int split_mapped;         /* NetBSD: IPv4 and IPv6 pcbs looked up apart
	                             (netbsd.bind.inet6, netbsd.bind.mapped) */
	const char *bindany_rule; /* non-root IP_BINDANY/SO_BINDANY: EPERM under
	                             this rule (FreeBSD, NetBSD, OpenBSD); NULL: allowed */
	const char *connect_rule;
	enum calls_rule calls;    /* tcp_usr_bind/connect call checks (review) */
	/* differences between releases of one OS (spec/bsd.md, "Releases") */
	int uid_lb_quirk;         /* freebsd.bind.uid: W/W over an LB-only holder
	                             of another uid passes (14.x; gone in 15,
	                             commit c9756953bded) */
	bm_result connect_any;    /* connect() to 0.0.0.0 / ::ffff:0.0.0.0
	                             (freebsd-15.connect.inaddr_any); 0: aimed at
	                             this host (core.connect.any) */
	bm_result lb_connect;     /* TCP connect() with SO_REUSEPORT_LB
	                             (freebsd-15.connect.reuseport_lb); 0: allowed */
	int xnu_connect_mixed;    /* macos-15.connect.mixed: tcp_usr_connect_common
	                             refuses mixing v4-mapped and native IPv6
	                             between bound and peer address, and answers
	                             EAFNOSUPPORT for V6ONLY (xnu-11417) */
} bsd_params;

/* One row per release; each bm_policy below points at its row (.data). */
#define FREEBSD_ROW                                                         \
	.reuse_flags = RA | RP | LB, .mcast_promote = RA | RP, .has_lb = 1,  \
	.uid = UID_FREEBSD, .priv = PRIV_BEFORE,                            \
	.priv_rule = "bsd.bind.privport", .dual_exception = 1,              \
	.dual_rule = "freebsd.bind.dualstack", .mapped_cost = 3,            \
	.connect_per_dest = 1, .connect_rule = "freebsd.connect.autobind",  \
	.bindany_rule = "freebsd.opt.bindany", .calls = CALLS_FREEBSD

#define MACOS_ROW                                                           \
	.reuse_flags = RA | RP, .mcast_promote = RA, .uid = UID_XNU,        \
	.uid_rule = "macos.bind.uid", .priv = PRIV_SPECIFIC,                \
	.priv_rule = "macos.bind.privport", .dual_exception = 1,            \
	.dual_rule = "macos.bind.dualstack", .ephemeral_wild = 1,           \
	.connect_rule = "bsd.connect.autobind", .calls = CALLS_XNU

static const bsd_params row_bsd = {
	.reuse_flags = RA | RP, .mcast_promote = RA, .uid = UID_NONE, .priv = PRIV_BEFORE,
	.priv_rule = "bsd.bind.privport", .connect_rule = "bsd.connect.autobind"};
static const bsd_params row_freebsd14 = {
	FREEBSD_ROW, .uid_rule = "freebsd.bind.uid", .uid_lb_quirk = 1};
static const bsd_params row_freebsd15 = {
	FREEBSD_ROW, .uid_rule = "freebsd-15.bind.uid",
	.lb_connect = BM_EOPNOTSUPP, .connect_any = BM_ENETUNREACH};
static const bsd_params row_openbsd = {
	.reuse_flags = RA | RP, .mcast_promote = RA | RP, .uid = UID_OPENBSD,
	.uid_rule = "openbsd.bind.uid", .priv = PRIV_AFTER, .priv_rule = "openbsd.bind.privport",
	.rootonly_2049 = 1, .connect_from_source = 1, .v6only_fixed = 1,
	.connect_rule = "openbsd.connect.autobind", .calls = CALLS_OPENBSD,
	.bindany_rule = "openbsd.opt.bindany"};
static const bsd_params row_netbsd = {
	.reuse_flags = RA | RP, .mcast_promote = RA | RP, .uid = UID_NETBSD,
	.uid_rule = "netbsd.bind.uid", .priv = PRIV_BEFORE, .priv_rule = "bsd.bind.privport",
	.dual_rule = "netbsd.bind.mapped", .ephemeral_wild = 1, .split_mapped = 1,
	.calls = CALLS_NETBSD, .connect_rule = "bsd.connect.autobind",
	.bindany_rule = "netbsd.opt.bindany"};
static const bsd_params row_macos14 = {MACOS_ROW};
static const bsd_params row_macos15 = {MACOS_ROW, .xnu_connect_mixed = 1};

/* The release's row; a policy without one (a user's copy) gets 4.4BSD. */
static const bsd_params *P(const bm_host *h)
{
	const bsd_params *p = bm_host_policy(h)->data;
	return p ? p : &row_bsd;
}

/* -------------------------------------------------------------- addresses */

/* The two lookup tables: IPv4 (INP_IPV4) and IPv6 (INP_IPV6) sockets. */
typedef enum { VIEW_V4, VIEW_V6 } view_t;

static int is_native_any6(const bm_endpoint *ep)
{
	static const uint8_t zero[16];
	return ep->family == BM_AF_INET6 && memcmp(ep->addr, zero, 16) == 0;
}

/* bm_addr_is_v4mapped, as a compare the compiler can inline: the owner
 * lookup asks it of every owner, and a call there costs the lookup a
 * stack frame. */
static inline int is_mapped(const bm_endpoint *ep)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return ep->family == BM_AF_INET6 && memcmp(ep->addr, prefix, 12) == 0;
}

/* Is the socket in that table (inp_vflag)?  A v6 socket with V6ONLY 0 is in
 * the IPv4 one only while it is bound to [::] (or a mapped address). */
static inline int in_view(const bm_sock_info *o, view_t w)
{
	if (w == VIEW_V4)
		return o->family == BM_AF_INET || is_mapped(&o->local) ||
		       (!o->v6only && is_native_any6(&o->local));
	return o->family == BM_AF_INET6 && !is_mapped(&o->local);
}

/* The address bytes a table compares: the IPv4 part, or all 16. */
static const uint8_t *key_of(const bm_endpoint *ep, view_t w)
{
	if (w == VIEW_V4)
		return ep->family == BM_AF_INET ? ep->addr : ep->addr + 12;
	return ep->addr;
}

/* Each length spelt out: a memcmp of a constant length compiles to a
 * compare, one of a variable length is a call (every owner walk asks). */
static inline int addr_is_w(const bm_endpoint *ep, view_t w)
{
	static const uint8_t zero[16];
	return w == VIEW_V4 ? memcmp(key_of(ep, w), zero, 4) == 0
	                    : memcmp(key_of(ep, w), zero, 16) == 0;
}

static inline int addr_eq(const bm_endpoint *a, const bm_endpoint *b, view_t w)
{
	return w == VIEW_V4 ? memcmp(key_of(a, w), key_of(b, w), 4) == 0
	                    : memcmp(key_of(a, w), key_of(b, w), 16) == 0;
}

/* IN_MULTICAST / IN6_IS_ADDR_MULTICAST (not the broadcast address). */
static int is_group(const bm_endpoint *ep)
{
	if (ep->family == BM_AF_INET || bm_addr_is_v4mapped(ep)) {
		const uint8_t *a = ep->family == BM_AF_INET ? ep->addr : ep->addr + 12;
		return (a[0] & 0xf0) == 0xe0;
	}
	return ep->addr[0] == 0xff;
}

/* IN6_IS_ADDR_V4COMPAT: ::a.b.c.d, neither :: nor ::1 */
static int is_v4compat(const bm_endpoint *ep)
{
	static const uint8_t zero[12];
	const uint8_t *a = ep->addr;
	return ep->family == BM_AF_INET6 && memcmp(a, zero, 12) == 0 &&
	       !(a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1);
}

/* The IPv4 address inside ep (AF_INET, v4-mapped or v4-compatible) is a
 * group or 255.255.255.255: XNU's "multicast and broadcast" test. */
static inline int xnu_v4_mcast_bcast(const bm_endpoint *ep)
{
	const uint8_t *a = ep->family == BM_AF_INET ? ep->addr
	                   : bm_addr_is_v4mapped(ep) || is_v4compat(ep) ? ep->addr + 12 : NULL;
	return a && ((a[0] & 0xf0) == 0xe0 ||
	             (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255));
}

static int connected(const bm_sock_info *o)
{
	return o->state == BM_STATE_CONNECTED || o->state == BM_STATE_TIME_WAIT;
}

/* --------------------------------------------------------------- lookup */

/*
 * in_pcblookup_local for one socket o: -1 if the lookup skips it, else its
 * cost (0 = exact).  faddr set costs 1, one side wildcard costs 1, both
 * specific and different skips; an exact lookup takes cost 0 only.
 */
static inline int lookup_cost(const bsd_params *p, const bm_sock_info *o, view_t w,
                              const bm_endpoint *laddr, int wild)
{
	if (o->state == BM_STATE_CLOSED || o->state == BM_STATE_GONE || !in_view(o, w))
		return -1;
	int cost = connected(o);
	/* netbsd.bind.mapped: in6pcb_lookup_local compares ::ffff:laddr with a
	 * native [::], which is never equal: a wildcard match even for 0.0.0.0 */
	int native_w = p->split_mapped && w == VIEW_V4 && is_native_any6(&o->local);
	if (native_w || !addr_eq(&o->local, laddr, w)) {
		if (!addr_is_w(&o->local, w) && !addr_is_w(laddr, w))
			return -1;
		cost++;
	}
	if (!wild)
		return cost == 0 ? 0 : -1;
	if (w == VIEW_V4 && o->family == BM_AF_INET6)
		cost += p->mapped_cost;
	return cost;
}

/* Best fit for s's address among the owners of its port, newest first
 * (the chain head). */
static const bm_sock_info *lookup_local(const bm_host *h, const bsd_params *p,
                                        const bm_sock_info *s, view_t w, int wild, int fam)
{
	const bm_endpoint *laddr = &s->local;
	const bm_sock_info *best = NULL;
	int bestcost = 1000;
	/* only owners on laddr or a wildcard can match (lookup_cost skips
	 * two different specific addresses): on a crowded port the core
	 * hands just those, in the same order */
	bm_port_cursor cur;
	for (const bm_sock_info *t = bm_port_near_last(h, s->proto, s->local.port, laddr, &cur); t;
	     t = bm_port_near_prev(h, &cur)) {
		if (t->id == s->id || (fam && t->family != (bm_family)fam))
			continue;
		int c = lookup_cost(p, t, w, laddr, wild);
		if (c >= 0 && c < bestcost) {
			best = t;
			bestcost = c;
			if (c == 0)
				break;
		}
	}
	return best;
}

/* ------------------------------------------------------ pairwise rules */

/* The port-stealing check, once the wild lookup found t (uid rules). */
static int uid_conflict(const bsd_params *p, const bm_sock_info *s, const bm_sock_info *t,
                        view_t w)
{
	int sw = addr_is_w(&s->local, w), tw = addr_is_w(&t->local, w);
	if (s->uid == t->uid)
		return 0;
	switch (p->uid) {
	case UID_FREEBSD:       /* freebsd.bind.uid, freebsd-15.bind.uid */
		return (s->proto != BM_TCP || !connected(t)) &&
		       (!p->uid_lb_quirk || !sw || !tw || (t->opts & RP) || !(t->opts & LB));
	case UID_XNU:           /* macos.bind.uid */
		/* in6_pcbbind: the IPv4-side check of a dual [::] spares a
		 * holder with SO_REUSEPORT and an AF_INET wildcard; the IPv6
		 * check spares W/W only when t has SO_REUSEPORT */
		if (w == VIEW_V4 && is_native_any6(&s->local))
			return !(t->opts & RP) && (!tw || t->family == BM_AF_INET6);
		if (w == VIEW_V6)
			return !sw || !tw || !(t->opts & RP);
		return !sw || !tw;
	case UID_OPENBSD:       /* openbsd.bind.uid */
		return 1;
	case UID_NETBSD:        /* netbsd.bind.uid */
		return !sw || !tw || !(t->opts & RP);
	case UID_NONE:
		break;
	}
	return 0;
}

/* May s share with t that its lookup found?  bsd.bind.reuseport,
 * bsd.bind.multicast, freebsd.bind.reuseport_lb, the dual-stack rules. */
static int may_share(const bsd_params *p, const bm_sock_info *s, const bm_sock_info *t,
                     view_t w, int group)
{
	unsigned reuse = s->opts & RP, reuse_lb = p->has_lb ? s->opts & LB : 0;
	if (group) {
		if (s->opts & p->mcast_promote)
			reuse = RA | RP;
		if (p->has_lb && (s->opts & (RA | LB)))
			reuse_lb = RA | LB;
	}
	if ((reuse & t->opts) || (reuse_lb & t->opts))
		return 1;
	if (!p->dual_exception || w != VIEW_V4)
		return 0;
	if (is_native_any6(&s->local))  /* in6_pcbbind's IPv4 check */
		return addr_is_w(&t->local, w) && t->family != BM_AF_INET6;
	/* in_pcbbind: both wildcard and both IPv6 sockets */
	return addr_is_w(&s->local, w) && addr_is_w(&t->local, w) &&
	       s->family == BM_AF_INET6 && t->family == BM_AF_INET6;
}

/* The tables s's binding is checked in: IPv6, then IPv4. */
static int views_of(const bsd_params *p, const bm_sock_info *s, view_t out[2])
{
	int n = 0;
	if (s->family == BM_AF_INET6 && !bm_addr_is_v4mapped(&s->local))
		out[n++] = VIEW_V6;
	/* netbsd.bind.inet6: in6pcb_bind_port looks at IPv4 pcbs only for a
	 * v4-mapped address, never for a dual-stack [::] */
	if (in_view(s, VIEW_V4) && !(p->split_mapped && n))
		out[n++] = VIEW_V4;
	return n;
}

static const char *conflict_rule(const bsd_params *p, const bm_sock_info *s,
                                 const bm_sock_info *t, view_t w, int group)
{
	if (w == VIEW_V4 && (s->family != t->family) && p->dual_rule)
		return p->dual_rule;
	if (p->has_lb && ((s->opts | t->opts) & LB))
		return "freebsd.bind.reuseport_lb";
	if (group)
		return "bsd.bind.multicast";
	return "bsd.bind.conflict";
}

/* in_pcbbind for an explicit port (BM_PHASE_BIND) or one candidate port of
 * an autobind (BM_PHASE_EPHEMERAL).  Returns the socket that refuses. */
static const bm_sock_info *bind_check(const bm_host *h, const bsd_params *p,
                                      const bm_sock_info *s, bm_phase phase, bm_verdict *v)
{
	int wild = !(s->opts & p->reuse_flags) || (phase != BM_PHASE_BIND && p->ephemeral_wild);
	int group = is_group(&s->local);
	view_t views[2];
	int nv = views_of(p, s, views);
	for (int i = 0; i < nv; i++) {
		/* netbsd.bind.mapped: an IPv4-table check is two lookups, IPv6
		 * pcbs on ::ffff:laddr first (k 0), then IPv4 pcbs (k 1); other
		 * BSDs make one (fam 0) */
		view_t w = views[i];
		int split = p->split_mapped && w == VIEW_V4;
		for (int k = 0; k <= split; k++) {
			int fam = split ? (k ? BM_AF_INET : BM_AF_INET6) : 0;
			const bm_sock_info *t;
			/* netbsd.bind.inet6: only in_pcbbind_port (an AF_INET socket,
			 * looking at AF_INET pcbs) has NetBSD's uid check */
			int uid_here = !p->split_mapped ||
			               (s->family == BM_AF_INET && fam == BM_AF_INET);
			if (phase == BM_PHASE_BIND && p->uid != UID_NONE && s->uid != 0 && !group &&
			    uid_here) {
				t = lookup_local(h, p, s, w, 1, fam);
				if (t && uid_conflict(p, s, t, w)) {
					bm_verdict_set_static(v, BM_EADDRINUSE, p->uid_rule, t->id,
					                      "socket %d of uid %u holds the port "
					                      "(%s); uid %u may not share it",
					                      t->id, t->uid, bm_state_name(t->state),
					                      s->uid);
					return t;
				}
			}
			t = lookup_local(h, p, s, w, wild, fam);
			if (!t)
				continue;
			if (phase != BM_PHASE_BIND) {
				bm_verdict_set(v, BM_EADDRINUSE, "bsd.ephemeral.bind", t->id,
				               "socket %d holds port %u", t->id, s->local.port);
				return t;
			}
			if (may_share(p, s, t, w, group)) {
				/* bsd.bind.reuseport: an exact duplicate with SO_REUSEPORT
				 * on both is why the bind passes it; the verdict names it
				 * (the group, LB and dual-stack shares keep the core's
				 * rule) */
				if (!group && (s->opts & t->opts & RP))
					bm_verdict_set(v, BM_OK, "bsd.bind.reuseport", t->id,
					               "socket %d has SO_REUSEPORT too", t->id);
				continue;
			}
			bm_verdict_set_static(v, BM_EADDRINUSE, conflict_rule(p, s, t, w, group),
			                      t->id,
			                      wild ? "the wildcard lookup (no reuse flag) finds "
			                             "socket %d (%s)"
			                           : "socket %d (%s) is bound to exactly this "
			                             "address without a matching reuse flag",
			                      t->id, bm_state_name(t->state));
			return t;
		}
	}
	return NULL;
}

/* -------------------------------------------------------------- hooks */

static bm_match bsd_connect_port(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                                 bm_verdict *v);

static bm_result bsd_setsockopt(const bm_host *h, const bm_sock_info *s, bm_option o,
                                int value, bm_verdict *v)
{
	/* freebsd.opt.bindany, netbsd.opt.bindany, openbsd.opt.bindany: the
	 * privilege check (priv_check, kauth, suser) runs whatever the value,
	 * before the flag is touched.  The kernels ask about the caller's
	 * credentials; the model's caller is the socket's owner. */
	if (o == BM_IP_FREEBIND && P(h)->bindany_rule && s->uid != 0)
		return bm_verdict_set(v, BM_EPERM, P(h)->bindany_rule, 0,
		                      "only root may set or clear the bind-any option");
	if (o != BM_IPV6_V6ONLY)
		return BM_OK;
	if (s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "bsd.opt.v6only_bound", 0,
		                      "IPV6_V6ONLY can be set only before bind()");
	if (P(h)->v6only_fixed && !value)
		return bm_verdict_set(v, BM_EINVAL, "openbsd.opt.v6only", 0,
		                      "OpenBSD has no IPv4-mapped addresses: V6ONLY stays 1");
	return BM_OK;
}

static int privileged(const bm_host *h, const bsd_params *p, const bm_sock_info *s,
                      const bm_endpoint *ep)
{
	if (s->uid == 0 || ep->port == 0)
		return 0;
	if (p->priv == PRIV_SPECIFIC && bm_addr_is_any(ep))
		return 0;
	return ep->port < bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START) ||
	       (p->rootonly_2049 && ep->port == 2049);
}

static bm_result bsd_bind_precheck(const bm_host *h, const bm_sock_info *s,
                                   const bm_endpoint *ep, bm_verdict *v)
{
	const bsd_params *p = P(h);
	int group = is_group(ep);
	/* bsd.bind.tcp_multicast: tcp_usr_bind/tcp6_usr_bind refuse a group
	 * before in_pcbbind runs (FreeBSD also a v4-mapped group on a dual
	 * socket; XNU hands that one to in_pcbbind) */
	if (p->calls == CALLS_FREEBSD && s->proto == BM_TCP && group &&
	    (!bm_addr_is_v4mapped(ep) || !s->v6only))
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "bsd.bind.tcp_multicast", 0,
		                      "TCP cannot bind a multicast address");
	/* macos.tcp.bcast_mcast: tcp_usr_bind/tcp6_usr_bind refuse a group or
	 * 255.255.255.255, also in v4-mapped and v4-compatible form */
	if (p->calls == CALLS_XNU && s->proto == BM_TCP &&
	    (xnu_v4_mcast_bcast(ep) || (ep->family == BM_AF_INET6 && group)))
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos.tcp.bcast_mcast", 0,
		                      "TCP cannot bind a multicast or broadcast address");
	if (s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "bsd.bind.state", 0,
		                      "socket already has a local port");
	if (s->family == BM_AF_INET6 && bm_addr_is_v4mapped(ep) && s->v6only && p->split_mapped)
		return bm_verdict_set(v, BM_EINVAL, "netbsd.bind.inet6", 0,
		                      "a v4-mapped address on an IPV6_V6ONLY socket");
	if (s->family == BM_AF_INET6 && bm_addr_is_v4mapped(ep) && s->v6only)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "bsd.bind.notlocal", 0,
		                      "a v4-mapped address on an IPV6_V6ONLY socket");
	int bcast_ok = p->v6only_fixed && s->proto == BM_UDP && bm_addr_is_multicast(ep);
	if (!bm_addr_is_any(ep) && !group && !bcast_ok && !bm_host_addr_is_local(h, ep) &&
	    !bm_host_knob(h, BM_KNOB_NONLOCAL_BIND) && !(s->opts & BM_IP_FREEBIND))
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "bsd.bind.notlocal", 0,
		                      "no interface has this address");
	if (p->priv != PRIV_AFTER && privileged(h, p, s, ep))
		return bm_verdict_set(v, BM_EACCES, p->priv_rule, 0,
		                      "port %u is reserved for root (uid %u)", ep->port, s->uid);
	return BM_OK;
}

static int is_bcast(const bm_endpoint *ep)
{
	const uint8_t *a = ep->family == BM_AF_INET ? ep->addr
	                   : bm_addr_is_v4mapped(ep) ? ep->addr + 12 : NULL;
	return a && a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
}

/*
 * OpenBSD (openbsd.connect.dest) and NetBSD (netbsd.connect.dest), in the
 * kernels' order; soconnect's SO_ACCEPTCONN check came first (core).
 */
static bm_result obsd_nbsd_connect_precheck(const bsd_params *p, const bm_sock_info *s,
                                            const bm_endpoint *dst, bm_verdict *v)
{
	int tcp = s->proto == BM_TCP, mapped = bm_addr_is_v4mapped(dst);
	if (s->state == BM_STATE_LISTEN)
		return BM_OK;
	if (p->calls == CALLS_OPENBSD) {
		/* tcp_connect: INADDR_ANY, INADDR_BROADCAST, multicast (IPv6:
		 * unspecified, multicast) -> EINVAL, before in_pcbconnect */
		if (tcp && (bm_addr_is_any(dst) || is_group(dst) || is_bcast(dst)) && !mapped)
			return bm_verdict_set(v, BM_EINVAL, "openbsd.connect.dest", 0,
			                      "TCP cannot connect to that address");
		/* in_pcbconnect / in6_pcbconnect */
		if (dst->port == 0)
			return bm_verdict_set(v, BM_EADDRNOTAVAIL, "openbsd.connect.dest", 0,
			                      "port 0 is not a destination");
		if (s->family == BM_AF_INET6 && mapped)
			return bm_verdict_set(v, BM_EADDRNOTAVAIL, "openbsd.connect.dest", 0,
			                      "OpenBSD has no IPv4-mapped addresses");
		return BM_OK;
	}
	/* in_pcbconnect / in6pcb_connect */
	if (dst->port == 0)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "netbsd.connect.dest", 0,
		                      "port 0 is not a destination");
	if (tcp && is_group(dst))
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "netbsd.connect.dest", 0,
		                      "TCP cannot connect to a multicast address");
	if (s->family == BM_AF_INET6) {
		int bound = s->state != BM_STATE_CLOSED && !bm_addr_is_any(&s->local);
		if (mapped && s->v6only)
			return bm_verdict_set(v, BM_EINVAL, "netbsd.connect.dest", 0,
			                      "a v4-mapped destination on an IPV6_V6ONLY socket");
		if (bound && mapped != bm_addr_is_v4mapped(&s->local))
			return bm_verdict_set(v, BM_EINVAL, "netbsd.connect.dest", 0,
			                      "bound and destination addresses mix v4-mapped and IPv6");
	}
	return BM_OK;
}

/*
 * The checks tcp_usr_connect/tcp6_usr_connect, udp6_connect and
 * in_pcbconnect_setup/in6_pcbladdr (XNU: in_pcbladdr) make on the call,
 * in their order (bsd.connect.dest, bsd.connect.mapped,
 * freebsd.connect.listen6).  The socket layer's EISCONN came first.
 */
/*
 * XNU tcp_usr_connect_common, in its order (macos.tcp.bcast_mcast,
 * bsd.connect.mapped, macos-15.connect.mixed); soconnectlock's
 * SO_ACCEPTCONN check came first (core); in_pcbladdr/in6_pcbladdr's port 0
 * comes last.
 */
static bm_result xnu_connect_precheck(const bsd_params *p, const bm_sock_info *s,
                                      const bm_endpoint *dst, bm_verdict *v)
{
	int tcp = s->proto == BM_TCP, mapped = bm_addr_is_v4mapped(dst);
	int bound = s->state != BM_STATE_CLOSED && !bm_addr_is_any(&s->local);
	int native6 = bound && s->family == BM_AF_INET6 && !bm_addr_is_v4mapped(&s->local);
	if (tcp && (s->family == BM_AF_INET ? xnu_v4_mcast_bcast(dst) : is_group(dst) && !mapped))
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos.tcp.bcast_mcast", 0,
		                      "TCP cannot connect to a multicast or broadcast address");
	if (s->family == BM_AF_INET6 && mapped) {
		/* the core forces v6only on a specific IPv6 bind; the flag
		 * itself is only known when set to 1 (opts) */
		if (native6 ? (s->opts & BM_IPV6_V6ONLY) != 0 : s->v6only)
			return tcp && p->xnu_connect_mixed
			       ? bm_verdict_set(v, BM_EAFNOSUPPORT, "macos-15.connect.mixed", 0,
			                        "a v4-mapped destination on an IPV6_V6ONLY socket")
			       : bm_verdict_set(v, BM_EINVAL, "bsd.connect.mapped", 0,
			                        "a v4-mapped destination on an IPV6_V6ONLY socket");
		if (tcp && p->xnu_connect_mixed && native6)
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos-15.connect.mixed", 0,
			                      "bound to an IPv6 address: no v4-mapped peer");
		if (tcp && xnu_v4_mcast_bcast(dst))
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos.tcp.bcast_mcast", 0,
			                      "TCP cannot connect to a multicast or broadcast address");
	} else if (s->family == BM_AF_INET6 && tcp) {
		if (xnu_v4_mcast_bcast(dst))
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos.tcp.bcast_mcast", 0,
			                      "TCP cannot connect to a multicast or broadcast address "
			                      "(v4-compatible form)");
		if (p->xnu_connect_mixed && bound && bm_addr_is_v4mapped(&s->local))
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "macos-15.connect.mixed", 0,
			                      "bound to a v4-mapped address: no IPv6 peer "
			                      "(inp_vflag == INP_IPV4)");
	}
	if (dst->port == 0)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "bsd.connect.dest", 0,
		                      "port 0 is not a destination");
	return BM_OK;
}

/*
 * The checks tcp_usr_connect/tcp6_usr_connect, udp6_connect and
 * in_pcbconnect_setup/in6_pcbladdr make on the call, in their order
 * (bsd.connect.dest, bsd.connect.mapped, freebsd.connect.listen6,
 * freebsd-15.connect.reuseport_lb, freebsd-15.connect.inaddr_any).  The
 * socket layer's EISCONN came first.
 */
static bm_result bsd_connect_precheck(const bm_host *h, const bm_sock_info *s,
                                      const bm_endpoint *dst, bm_verdict *v)
{
	const bsd_params *p = P(h);
	int tcp = s->proto == BM_TCP, mapped = bm_addr_is_v4mapped(dst);
	if (p->calls == CALLS_XNU && !tcp && s->family == BM_AF_INET6 &&
	    dst->family == BM_AF_INET && s->state != BM_STATE_LISTEN)
		/* udp6_connect -> in6_pcbconnect -> in6_pcbladdr: sa_len first */
		return bm_verdict_set(v, BM_EINVAL, "core.family", 0,
		                      "an IPv4 sockaddr is too short for udp6 (sa_len checked first)");
	if (p->calls == CALLS_NONE || dst->family != s->family)
		return BM_OK;   /* the core answers a family mismatch */
	if (p->calls == CALLS_OPENBSD || p->calls == CALLS_NETBSD)
		return obsd_nbsd_connect_precheck(p, s, dst, v);
	if (p->calls == CALLS_XNU && s->state == BM_STATE_LISTEN)
		return BM_OK;   /* soconnectlock: SO_ACCEPTCONN first (core) */
	if (p->calls == CALLS_XNU)
		return xnu_connect_precheck(p, s, dst, v);
	if (tcp && is_group(dst) && !mapped)
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "bsd.connect.dest", 0,
		                      "TCP cannot connect to a multicast address");
	if (tcp && is_bcast(dst) && !mapped)
		return bm_verdict_set(v, BM_EACCES, "bsd.connect.dest", 0,
		                      "TCP cannot connect to the broadcast address");
	if (tcp && s->state == BM_STATE_LISTEN)
		return bm_verdict_set(v, s->family == BM_AF_INET6 ? BM_EINVAL : BM_EOPNOTSUPP,
		                      "freebsd.connect.listen6", 0,
		                      "a listening socket cannot connect");
	if (tcp && p->lb_connect && (s->opts & LB))
		return bm_verdict_set(v, p->lb_connect, "freebsd-15.connect.reuseport_lb", 0,
		                      "TCP connect() on an SO_REUSEPORT_LB socket");
	if (s->family == BM_AF_INET6 && mapped) {
		int native6 = s->state != BM_STATE_CLOSED && !bm_addr_is_any(&s->local) &&
		              !bm_addr_is_v4mapped(&s->local);
		if (native6 ? (s->opts & BM_IPV6_V6ONLY) != 0 : s->v6only)
			return bm_verdict_set(v, BM_EINVAL, "bsd.connect.mapped", 0,
			                      "a v4-mapped destination on an IPV6_V6ONLY socket");
		if (native6)
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "bsd.connect.mapped", 0,
			                      "bound to an IPv6 address: no IPv4 (INP_IPV4 clear)");
		if (tcp && is_group(dst))
			return bm_verdict_set(v, BM_EAFNOSUPPORT, "bsd.connect.dest", 0,
			                      "TCP cannot connect to a multicast address");
		if (tcp && is_bcast(dst))
			return bm_verdict_set(v, BM_EACCES, "bsd.connect.dest", 0,
			                      "TCP cannot connect to the broadcast address");
	} else if (s->family == BM_AF_INET6 && s->state != BM_STATE_CLOSED &&
	           bm_addr_is_v4mapped(&s->local)) {
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "bsd.connect.mapped", 0,
		                      "bound to a v4-mapped address: no IPv6 (INP_IPV6 clear)");
	}
	if (dst->port == 0)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "bsd.connect.dest", 0,
		                      "port 0 is not a destination");
	/* in_pcbconnect_setup, right after the port: with
	 * connect_inaddr_wild 0 the wildcard is no alias for this host; the
	 * IPv6 :: keeps its ::1 meaning (connect_in6addr_wild 1) */
	if (p->connect_any && bm_addr_is_any(dst) && (s->family == BM_AF_INET || mapped))
		return bm_verdict_set(v, p->connect_any, "freebsd-15.connect.inaddr_any", 0,
		                      "0.0.0.0 is not this host (connect_inaddr_wild 0)");
	return BM_OK;
}

static bm_result bsd_bind_postcheck(const bm_host *h, const bm_sock_info *s,
                                    const bm_endpoint *ep, bm_verdict *v)
{
	const bsd_params *p = P(h);
	if (p->priv == PRIV_AFTER && privileged(h, p, s, ep))
		return bm_verdict_set(v, BM_EACCES, p->priv_rule, 0,
		                      "port %u is root-only (uid %u)", ep->port, s->uid);
	return BM_OK;
}

/*
 * The core asks per owner; the BSD decision is one best-fit lookup over
 * all owners, so the first question runs the whole check and answers for
 * every owner (SHARE_STOP: nobody else matters).
 */
static bm_match bsd_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                             bm_phase phase, bm_verdict *v)
{
	(void)old;
	if (phase == BM_PHASE_LISTEN)   /* tcp_usr_listen re-checks nothing */
		return BM_MATCH_NONE;
	if (phase != BM_PHASE_BIND && s->remote.port)   /* a UDP connect() autobind */
		return bsd_connect_port(h, s, old, v);
	if (bind_check(h, P(h), s, phase == BM_PHASE_BIND ? BM_PHASE_BIND : BM_PHASE_EPHEMERAL, v))
		return BM_MATCH_CONFLICT;
	return BM_MATCH_SHARE_STOP;
}

static int same_tuple(const bm_sock_info *s, const bm_sock_info *o, view_t w)
{
	return connected(o) && o->remote.port == s->remote.port &&
	       addr_eq(&o->remote, &s->remote, w) && addr_eq(&o->local, &s->local, w);
}

static bm_match bsd_connect_port(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                                 bm_verdict *v)
{
	const bsd_params *p = P(h);
	view_t w = s->family == BM_AF_INET || bm_addr_is_v4mapped(&s->remote) ? VIEW_V4 : VIEW_V6;
	int hit;
	if (p->connect_per_dest) {
		/* in_pcblookup_hash_locked(faddr, fport, laddr, lport, WILDCARD) */
		hit = in_view(old, w) &&
		      (connected(old) ? same_tuple(s, old, w)
		                      : addr_is_w(&old->local, w) || addr_eq(&old->local, &s->local, w));
	} else {
		bm_endpoint any;
		memset(&any, 0, sizeof any);
		any.family = s->family;
		int wild = p->ephemeral_wild || !(s->opts & p->reuse_flags);
		hit = lookup_cost(p, old, w, p->connect_from_source ? &s->local : &any, wild) >= 0;
	}
	if (!hit)
		return BM_MATCH_NONE;
	bm_verdict_set(v, BM_EADDRNOTAVAIL, p->connect_rule, old->id, "socket %d holds port %u",
	               old->id, old->local.port);
	return BM_MATCH_CONFLICT;
}

static bm_result bsd_tuple_clash(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                                 int autobound, bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)autobound;
	return bm_verdict_set_static(v, BM_EADDRINUSE, "bsd.connect.tuple", old->id,
	                             "socket %d already has this four-tuple (%s)", old->id,
	                             bm_state_name(old->state));
}

static size_t bsd_deliver(const bm_host *h, bm_proto proto, const bm_endpoint *src,
                          const bm_endpoint *dst, const bm_sock_info *cand, size_t n,
                          int *score, bm_sock *out, bm_verdict *v)
{
	const bsd_params *p = P(h);
	int v4pkt = dst->family == BM_AF_INET || bm_addr_is_v4mapped(dst);
	if (proto == BM_UDP && bm_addr_is_multicast(dst)) {
		/* the pcb list, newest socket first; stop after a socket without
		 * any reuse flag */
		size_t k = 0;
		bm_sock last = 0x7fffffff;
		for (;;) {
			const bm_sock_info *next = NULL;
			for (size_t i = 0; i < n; i++)
				if (cand[i].id < last && (!next || cand[i].id > next->id))
					next = &cand[i];
			if (!next)
				break;
			out[k++] = next->id;
			last = next->id;
			if (!(next->opts & (RA | RP | LB)))
				break;
		}
		bm_verdict_set(v, BM_OK, "bsd.deliver.multicast", 0,
		               "copied to %zu socket(s), newest first", k);
		return k;
	}
	if (score[0] < 3 && p->has_lb) {
		/* in_pcblookup_lbgroup: exact-address group, then wildcard group */
		for (int want = 2; want >= 1; want--) {
			size_t m = 0;
			for (size_t i = n; i-- > 0;) {   /* oldest first: join order */
				const bm_sock_info *c = &cand[i];
				if (score[i] != want || !(c->opts_at_bind & LB) || connected(c) ||
				    (c->family == BM_AF_INET6 && !c->v6only && is_native_any6(&c->local)))
					continue;
				out[m++] = c->id;
			}
			if (m) {
				out[0] = out[bm_tuple_hash(src, dst) % m];
				bm_verdict_set(v, BM_OK, "freebsd.deliver.lbgroup", out[0],
				               "hashed among %zu SO_REUSEPORT_LB sockets", m);
				return 1;
			}
		}
	}
	/* an AF_INET wildcard before a dual-stack [::] one (local_wild_mapped) */
	size_t best = 0;
	if (v4pkt && cand[0].family == BM_AF_INET6)
		for (size_t i = 1; i < n && score[i] == score[0]; i++)
			if (cand[i].family == BM_AF_INET) {
				best = i;
				break;
			}
	out[0] = cand[best].id;
	bm_verdict_set(v, BM_OK, "bsd.deliver.best", 0,
	               "the most specific, most recently bound socket receives");
	return 1;
}

/* The rule behind the port an autobind took: bsd.ephemeral.bind for
 * bind(port 0), the release's connect() rule for a connect(). */
static const char *bsd_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what,
                                   int found)
{
	(void)s;
	if (!found || what == BM_CHOICE_SOURCE)
		return NULL;
	return what == BM_CHOICE_CONNECT_PORT ? P(h)->connect_rule : "bsd.ephemeral.bind";
}

/* ------------------------------------------------------- personalities */

#define BSD_COMMON                                                          \
	.version = BM_POLICY_VERSION,                                       \
	.family = "bsd",                                                    \
	.unprivileged_port_start = 1024,                                    \
	.tw_reuse = 0,                                                      \
	.loopback_net_local = 0,                                            \
	.connect_on_listen = BM_EOPNOTSUPP,                                 \
	.connect_tuple_error = BM_EADDRINUSE,                               \
	.udp_connect_tuple = 1,                                             \
	.setsockopt = bsd_setsockopt,                                       \
	.bind_precheck = bsd_bind_precheck,                                 \
	.conflict = bsd_conflict,                                           \
	.bind_postcheck = bsd_bind_postcheck,                               \
	.tuple_clash = bsd_tuple_clash,                                     \
	.connect_port = bsd_connect_port,                                   \
	.deliver = bsd_deliver,                                             \
	.connect_precheck = bsd_connect_precheck,                           \
	.choice_rule = bsd_choice_rule,                                     \
	.rules = bsd_rules,                                                 \
	.nrules = sizeof bsd_rules / sizeof bsd_rules[0]

#define BSD_EXHAUSTED(code)                                                 \
	.bind_exhausted = code, .connect_exhausted = code,                  \
	.udp_autobind_exhausted = code

const bm_policy bm_policy_bsd = {
	BSD_COMMON,
	BSD_EXHAUSTED(BM_EADDRNOTAVAIL),
	.name = "bsd",
	.description = "4.4BSD as the article describes it: SO_REUSEADDR on the new socket "
	               "relaxes wildcards and TIME_WAIT, SO_REUSEPORT on both allows duplicates",
	.options = RA | RP | BM_IPV6_V6ONLY | BM_SO_LINGER,
	.v6only_default = 1,
	.time_wait_ms = 60000,
	.ephemeral_lo = 1024, .ephemeral_hi = 5000,
	/* bsd.ephemeral.bind: in_pcbbind's head->inp_lport++ */
	.port_search_tcp = BM_PORT_SEARCH_NEXT_UP, .port_search_udp = BM_PORT_SEARCH_NEXT_UP,
	.data = &row_bsd,
};

/* FreeBSD: core.family is EAFNOSUPPORT (tcp6_usr_bind, tcp6_usr_connect
 * check sa_family before sa_len) */
#define FREEBSD_COMMON                                                      \
	BSD_COMMON,                                                         \
	BSD_EXHAUSTED(BM_EADDRNOTAVAIL),                                    \
	.options = RA | RP | LB | BM_IPV6_V6ONLY | BM_SO_LINGER | BM_IP_FREEBIND, \
	.v6only_default = 1,                                                \
	.time_wait_ms = 60000,                                              \
	.nolocal_timewait = 1,                                              \
	.accept_udp = BM_EINVAL,   /* kern_accept4: !SO_ACCEPTCONN -> EINVAL */ \
	.family_mismatch = BM_EAFNOSUPPORT,                                 \
	.ephemeral_lo = 10000, .ephemeral_hi = 65535,                       \
	/* bsd.ephemeral.bind: in_pcb_lport_dest ++*lastport (randomized 0) */ \
	.port_search_tcp = BM_PORT_SEARCH_NEXT_UP,                          \
	.port_search_udp = BM_PORT_SEARCH_NEXT_UP

const bm_policy bm_policy_freebsd14 = {
	FREEBSD_COMMON,
	.name = "freebsd-14",
	.description = "FreeBSD 14: BSD rules, uid check (wildcard SO_REUSEPORT_LB quirk), "
	               "SO_REUSEPORT_LB groups, per-destination ephemeral ports, no TIME_WAIT "
	               "for local peers",
	.data = &row_freebsd14,
};

const bm_policy bm_policy_freebsd15 = {
	FREEBSD_COMMON,
	.name = "freebsd-15",
	.description = "FreeBSD 15: as 14 with the stricter uid check (no SO_REUSEPORT_LB "
	               "exemption), no TCP connect() on an SO_REUSEPORT_LB socket and no "
	               "connect() to 0.0.0.0 as this host",
	.data = &row_freebsd15,
};

const bm_policy bm_policy_openbsd = {
	BSD_COMMON,
	BSD_EXHAUSTED(BM_EADDRNOTAVAIL),
	.name = "openbsd",
	.description = "OpenBSD: strict uid check, EADDRINUSE before EACCES, no IPv4-mapped "
	               "addresses",
	.options = RA | RP | BM_IPV6_V6ONLY | BM_SO_LINGER | BM_IP_FREEBIND,
	.v6only_default = 1,
	.time_wait_ms = 60000,
	.family_mismatch = BM_EAFNOSUPPORT,   /* in6_nam2sin6: family before length */
	.ephemeral_lo = 1024, .ephemeral_hi = 49151,
	.data = &row_openbsd,
};

const bm_policy bm_policy_netbsd = {
	BSD_COMMON,
	BSD_EXHAUSTED(BM_EAGAIN),
	.name = "netbsd",
	.description = "NetBSD: BSD rules, uid check that lets wildcard SO_REUSEPORT sockets "
	               "share across users",
	/* IP_BINDANY (27, netinet/in.h) / IPV6_BINDANY set INP_BINDANY /
	 * IN6P_BINDANY (netinet/in_pcb.h), which in6pcb_bind_addr reads */
	.options = RA | RP | BM_IPV6_V6ONLY | BM_SO_LINGER | BM_IP_FREEBIND,
	.v6only_default = 1,
	.time_wait_ms = 60000,
	.ephemeral_lo = 49152, .ephemeral_hi = 65535,
	/* bsd.ephemeral.bind: portalgo.c algo_bsd, the default */
	.port_search_tcp = BM_PORT_SEARCH_NEXT_DOWN, .port_search_udp = BM_PORT_SEARCH_NEXT_DOWN,
	.data = &row_netbsd,
};

/* macOS: core.family is EAFNOSUPPORT for TCP (tcp6_usr_bind and
 * tcp_usr_connect_common check sa_family first); UDP goes to in6_pcbbind /
 * in6_pcbladdr, which check sa_len first: EINVAL (udp6_connect through
 * bsd_connect_precheck; udp6_bind is an open doubt in spec/bsd.md) */
#define MACOS_COMMON                                                        \
	BSD_COMMON,                                                         \
	BSD_EXHAUSTED(BM_EADDRNOTAVAIL),                                    \
	.v6only_default = 0,                                                \
	.time_wait_ms = 30000,                                              \
	.family_mismatch = BM_EAFNOSUPPORT,                                 \
	.ephemeral_lo = 49152, .ephemeral_hi = 65535,                       \
	/* bsd.ephemeral.bind: in_pcbbind counts up from ipi_lastport for TCP \
	 * (tcp_use_randomport 0); UDP starts at random (udp_use_randomport) */ \
	.port_search_tcp = BM_PORT_SEARCH_NEXT_UP

const bm_policy bm_policy_macos14 = {
	MACOS_COMMON,
	.name = "macos-14",
	.description = "macOS 14 (xnu-10063): BSD rules, uid check that exempts wildcard pairs, "
	               "low ports free on the wildcard, dual-stack IPv6 sockets by default",
	.options = RA | RP | BM_IPV6_V6ONLY | BM_SO_LINGER,
	.data = &row_macos14,
};

const bm_policy bm_policy_macos15 = {
	MACOS_COMMON,
	.name = "macos-15",
	.description = "macOS 15.4+ (xnu-11417): as 14, plus SO_BINDTODEVICE and TCP connect() "
	               "refusing v4-mapped/native mixes with EAFNOSUPPORT",
	.options = RA | RP | BM_IPV6_V6ONLY | BM_SO_LINGER | BM_SO_BINDTODEVICE,
	.data = &row_macos15,
};
