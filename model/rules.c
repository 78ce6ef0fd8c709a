/* SPDX-License-Identifier: MIT */
/*
 * rules.c: the rules the core applies the same way for every personality.
 * Their sources are in spec/core.md.
 */
#include "internal.h"

const bm_rule bm_core_rules[] = {
	{"core.args", "A call with a missing host, address, family or protocol is refused.",
	 "API contract (include/bindmodel.h)"},
	{"core.limit", "The model refuses to grow past its limits or when memory runs out.",
	 "API contract"},
	{"core.handle", "An operation on a handle that never existed or was closed fails with EBADF.",
	 "POSIX close(2)/bind(2): EBADF for a descriptor that is not open"},
	{"core.socket", "socket() creates an unbound socket owned by the current uid.",
	 "POSIX socket(2)"},
	{"core.family", "An address of the other family is refused: EAFNOSUPPORT on an IPv4 "
	 "socket, EINVAL (short sockaddr) on an IPv6 socket; connect() checks the socket's "
	 "state first. A policy may let a UDP IPv6 socket connect to an IPv4 address as its "
	 "v4-mapped form (flag udp6_connect_v4; an IPV6_V6ONLY socket: EAFNOSUPPORT).",
	 "Linux __inet_bind (af_inet.c) / __inet6_bind (af_inet6.c); BSD in_pcbbind"},
	{"core.opt.unsupported", "An option the system does not have fails with ENOPROTOOPT.",
	 "POSIX setsockopt(2): ENOPROTOOPT, the option is unknown at the level indicated"},
	{"core.opt.family", "IPV6_V6ONLY on an IPv4 socket fails with ENOPROTOOPT, unless the "
	 "policy sets v6only_any_family (Windows accepts it, without effect).",
	 "Linux do_ip_setsockopt has no IPPROTO_IPV6 level for AF_INET"},
	{"core.opt.value", "A flag option takes 0 or 1; SO_LINGER takes off or seconds.",
	 "POSIX setsockopt(2): EINVAL for an invalid value"},
	{"core.opt.nodev", "SO_BINDTODEVICE names an interface the host does not have: ENODEV.",
	 "Linux net/core/sock.c sock_setbindtodevice (dev_get_by_name_rcu finds no device: "
	 "-ENODEV); observed by the kernel oracle"},
	{"core.opt.set", "The option is recorded on the socket.", "POSIX setsockopt(2)"},
	{"core.bind.state", "bind() on a socket that is already bound, listening or connected fails with EINVAL.",
	 "POSIX bind(2): EINVAL, the socket is already bound to an address"},
	{"core.bind.notlocal", "A specific unicast address that is not configured on the host fails with "
	 "EADDRNOTAVAIL unless nonlocal bind (IP_FREEBIND, IP_BINDANY) is on.",
	 "POSIX bind(2): EADDRNOTAVAIL, the address is not available from the local machine"},
	{"core.bind.privport", "A port below the unprivileged start needs root: EACCES.",
	 "POSIX bind(2): EACCES; 4.4BSD in_pcbbind IPPORT_RESERVED"},
	{"core.bind.overlap", "Overlapping bindings conflict unless both sockets had SO_REUSEPORT.",
	 "4.4BSD in_pcbbind as the article describes it (shared/seeds)"},
	{"core.bind.ok", "The binding was free under this system's rules.", "no conflict found"},
	{"core.ephemeral.exhausted", "No ephemeral port in the range is free for this binding.",
	 "Linux inet_csk_find_open_port, __inet_hash_connect; FreeBSD in_pcb_lport_dest"},
	{"core.listen.udp", "listen() on a datagram socket fails with EOPNOTSUPP.",
	 "POSIX listen(2): EOPNOTSUPP, the socket protocol does not support listen()"},
	{"core.listen.connected", "listen() on a connected socket fails with EINVAL.",
	 "POSIX listen(2): EINVAL, the socket is already connected"},
	{"core.listen.connecting", "listen() on a socket whose non-blocking connect() has not been "
	 "collected by a later connect() fails with EINVAL.",
	 "Linux inet_listen (sock->state SS_CONNECTING); FreeBSD solisten_proto_check "
	 "(SS_ISCONNECTING); observed on Debian 6.1.0-57, 6.12.118 and 6.18.44 (spec/linux/nonblock.bms)"},
	{"core.listen.again", "listen() on a listening socket only changes the backlog.",
	 "Linux __inet_listen_sk; BSD solisten"},
	{"core.listen.autobind", "listen() on an unbound socket binds it to the wildcard and an "
	 "ephemeral port, unless the policy's listen_precheck hook refuses first (Windows: "
	 "WSAEINVAL).",
	 "Linux inet_csk_listen_start/inet_autobind; BSD tcp_usr_listen in_pcbbind(NULL)"},
	{"core.listen.ok", "The socket listens.", "no conflict found"},
	{"core.connect.isconn", "connect() on a connected TCP socket fails with EISCONN.",
	 "POSIX connect(2): EISCONN"},
	{"core.connect.listen", "connect() on a listening socket fails (after the policy's "
	 "connect_precheck hook, which runs right after the EISCONN check).",
	 "Linux __inet_stream_connect (EISCONN); BSD tcp_usr_connect (EOPNOTSUPP/EINVAL)"},
	{"core.connect.dest", "TCP cannot connect to port 0 or a multicast address (a non-blocking "
	 "connect() to port 0 says EINPROGRESS and is refused later).",
	 "Linux tcp_v4_connect; BSD in_pcbconnect_setup"},
	{"core.connect.any", "Connecting to the wildcard address means this host's loopback.",
	 "Linux ip_route_connect (INADDR_ANY -> loopback); BSD in_pcbconnect_setup"},
	{"core.connect.noroute", "No local address of that family can reach the destination.",
	 "POSIX connect(2): ENETUNREACH"},
	{"core.connect.source", "A wildcard-bound socket gets a source address at connect(): loopback for "
	 "loopback, the destination for a local address, else the host's first address.  A TCP "
	 "socket bound to a multicast or broadcast address is treated as wildcard-bound.",
	 "Linux ip_route_connect/inet_bhash2_update_saddr (and __inet_bind clearing inet_saddr for "
	 "a group address; observed by explore); BSD in_pcbladdr"},
	{"core.connect.tuple", "A connection's four-tuple must be unique.",
	 "the article: no two connections can have the same five values"},
	{"core.connect.refused", "A TCP connect to a local address where nothing listens is refused; "
	 "the socket returns to its bound address, except where a policy keeps the source chosen "
	 "by a socket bound to a group or ::ffff:0.0.0.0 (flag refused_keeps_source).",
	 "POSIX connect(2): ECONNREFUSED (RST from the peer); Linux tcp_disconnect (no "
	 "inet_bhash2_reset_saddr under SOCK_BINDADDR_LOCK, set by __inet_bind/__inet6_bind for "
	 "any address but 0.0.0.0 and ::); observed on the live kernel by explore"},
	{"core.connect.self", "A TCP socket that connects to its own address and port connects to "
	 "itself (simultaneous open); nothing needs to listen.",
	 "RFC 793 section 3.4 (simultaneous open); observed on Linux 6.18 by bindmodel explore"},
	{"core.connect.ok", "Connected.", "no conflict found"},
	{"core.connect.inprogress",
	 "A non-blocking TCP connect() that starts a handshake returns EINPROGRESS (Windows: WSAEWOULDBLOCK); the model completes the handshake, or its refusal, at once, and the next connect() collects it.",
	 "POSIX connect(2): EINPROGRESS when O_NONBLOCK is set and the connection cannot be established immediately; Microsoft connect() documentation: WSAEWOULDBLOCK; Linux __inet_stream_connect (observed on 6.18 over loopback: EINPROGRESS even to a local listener)"},
	{"core.connect.collect",
	 "The connect() after a non-blocking one reports what it came to: the refusal (ECONNREFUSED) everywhere; after a completed handshake ok once on Linux, EISCONN elsewhere.",
	 "Linux __inet_stream_connect (SS_CONNECTING: TCP_CLOSE -> sock_error, ESTABLISHED -> SS_CONNECTED and 0), observed on 6.18: EINPROGRESS, ok, EISCONN; refused: EINPROGRESS, ECONNREFUSED; FreeBSD kern_connectat/soconnectat (EISCONN); Microsoft connect(): WSAEISCONN once the connection completes"},
	{"core.connect.synold",
	 "On a net, a SYN for a four-tuple that the server host still holds ends the old connection there: a TIME_WAIT socket is replaced by the new connection (where the policy says so, only when a listener takes it: Linux), a connection whose other end went away is reset.",
	 "RFC 1122 section 4.2.2.13 (a SYN may reopen a connection in TIME_WAIT); Linux tcp_timewait_state_process (TCP_TW_SYN), tcp_v4_rcv (TCP_TW_SYN: inet_lookup_listener, else the timewait socket ACKs and stays; observed by explore, explore_found.bms); FreeBSD tcp_twcheck"},
	{"core.accept.child", "A waiting connection was accepted: the child shares the listener's local "
	 "port and inherits its options and owner.",
	 "POSIX accept(2); Linux sk_clone_lock/__inet_inherit_port; BSD sonewconn"},
	{"core.accept.udp", "accept() on a UDP socket fails with EOPNOTSUPP, or the policy's "
	 "accept_udp code (FreeBSD: EINVAL).", "POSIX accept(2)"},
	{"core.accept.notlisten", "accept() on a socket that is not listening fails with EINVAL.",
	 "POSIX accept(2): EINVAL"},
	{"core.accept.empty", "No connection is waiting: a non-blocking accept() fails with EAGAIN.",
	 "POSIX accept(2): EAGAIN/EWOULDBLOCK"},
	{"core.close.listener", "Closing a listener releases its port now; accepted children keep it and "
	 "connections not yet accepted are reset.", "Linux inet_csk_listen_stop; linux.md section 11 CL1-CL6"},
	{"core.close.abort", "SO_LINGER 0 (or a reset connection) closes without TIME_WAIT; the RST "
	 "frees the peer's four-tuple, and a peer waiting in FIN_WAIT2 is gone.",
	 "Linux tcp_close (sk_lingertime == 0 sends RST), tcp_reset; BSD tcp_usr_close/tcp_drop; "
	 "observed by explore"},
	{"core.close.passive", "The side that closes second (passive close) leaves no TIME_WAIT; "
	 "its FIN moves the first closer from FIN_WAIT2 to TIME_WAIT, whose time starts then.",
	 "RFC 793 state diagram: LAST_ACK -> CLOSED, FIN_WAIT2 -> TIME_WAIT"},
	{"core.close.timewait", "The side that closes first (active close) of a connected TCP socket "
	 "stays in TIME_WAIT, owning its port, for the system's duration.",
	 "RFC 793 state diagram; Linux tcp_time_wait; BSD tcp_twstart"},
	{"core.close.nolocaltimewait", "Used by freebsd: with the knob nolocal_timewait on, an "
	 "active close of a connection whose peer is a local address releases the port at once "
	 "instead of entering TIME_WAIT.",
	 "FreeBSD sys/netinet/tcp_timewait.c tcp_twstart (V_nolocaltimewait, in_localip)"},
	{"core.close.release", "Closing an idle, bound or UDP socket releases its port at once.",
	 "Linux inet_release; BSD in_pcbdetach"},
	{"core.deliver.best", "The most specific match receives: the full four-tuple, then the specific "
	 "address, then the wildcard; among equals the most recently bound.",
	 "BSD in_pcblookup_hash (newest first in the hash chain); Linux compute_score"},
	{"core.deliver.multicast", "A multicast datagram goes to every socket bound to the group or the wildcard.",
	 "BSD udp_input multicast loop; Linux __udp4_lib_mcast_deliver"},
	{"core.deliver.none", "No socket matches the destination: TCP answers RST, UDP ICMP port unreachable.",
	 "RFC 793/RFC 1122"},
};

const size_t bm_core_nrules = sizeof bm_core_rules / sizeof bm_core_rules[0];
