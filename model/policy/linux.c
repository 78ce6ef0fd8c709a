/* SPDX-License-Identifier: MIT */
/*
 * linux.c: the Linux personalities.  One set of hooks; each release is a
 * row of data (linux_release, below) that says where it differs:
 * linux-3.8 (before SO_REUSEPORT), linux-6.1, linux-6.12, linux-6.18 (the
 * bare name `linux` and `android`), and linux-6.18-fc, a 6.18 build seen on
 * this project's machines whose UDP bind checks every owner.
 *
 * Every rule id below is described, with its kernel source, in
 * spec/linux.md.  The conflict rule is inet_bind_conflict() of
 * net/ipv4/inet_connection_sock.c for TCP and udp_lib_lport_inuse() of
 * net/ipv4/udp.c for UDP; both read SO_REUSEADDR/SO_REUSEPORT live, and a
 * TIME_WAIT socket keeps the flags of the socket it came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindmodel.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT

static const bm_rule linux_rules[] = {
	{"linux.bind.notlocal", "A specific unicast address must be configured in the namespace "
	 "(all of 127/8 is local on an up lo); multicast and broadcast are accepted, even for "
	 "TCP over IPv4. Otherwise EADDRNOTAVAIL, unless ip_nonlocal_bind or IP_FREEBIND. IPv4 "
	 "checks it first; IPv6 last.",
	 "net/ipv4/af_inet.c __inet_bind, include/net/inet_sock.h inet_addr_valid_or_nonlocal"},
	{"linux.bind.privport", "A port below ip_unprivileged_port_start (1024) needs "
	 "CAP_NET_BIND_SERVICE: EACCES. IPv4 checks it after the address; both families before "
	 "the already-bound test.",
	 "net/ipv4/af_inet.c __inet_bind, inet_port_requires_bind_service; observed PP4-PP6"},
	{"linux.bind.state", "bind() on a socket that is bound, listening or connected: EINVAL.",
	 "net/ipv4/af_inet.c __inet_bind (sk_state != TCP_CLOSE || inet_num)"},
	{"linux.bind6.mcast_tcp", "An IPv6 multicast address on a TCP socket: EINVAL.",
	 "net/ipv6/af_inet6.c __inet6_bind; observed MC12"},
	{"linux.bind6.mapped_v6only", "A v4-mapped address on an IPV6_V6ONLY socket: EINVAL.",
	 "net/ipv6/af_inet6.c __inet6_bind; observed ER5"},
	{"linux.bind6.scope", "A link-local unicast address (fe80::/10) or an interface- or "
	 "link-local multicast address (ff01::/16, ff02::/16) needs a scope id or a bound "
	 "device: EINVAL. (The scenario language has no scope id; SO_BINDTODEVICE stands for "
	 "it.)",
	 "net/ipv6/af_inet6.c __inet6_bind (__ipv6_addr_needs_scope_id); observed ER6, MC14"},
	{"linux.bind6.device", "With a bound device (SO_BINDTODEVICE), an IPv6 address of link "
	 "or host scope (fe80::/10, ::1) must be on that device: EADDRNOTAVAIL (unless "
	 "ip_nonlocal_bind or IP_FREEBIND). Global addresses count on any device; IPv4 and "
	 "v4-mapped binds do not look at the device.",
	 "net/ipv6/af_inet6.c __inet6_bind -> ipv6_chk_addr(dev), net/ipv6/addrconf.c "
	 "__ipv6_chk_addr_and_flags (IFA_LINK|IFA_HOST); observed on Linux 6.18 (oracle_found.bms)"},
	{"linux.opt.v6only_bound", "IPV6_V6ONLY cannot change once the socket is bound: EINVAL.",
	 "net/ipv6/ipv6_sockglue.c do_ipv6_setsockopt (inet_num != 0)"},
	{"linux.tcp.bind.conflict", "TCP: an overlapping owner of the port (bound, listening, "
	 "connected, accepted child or TIME_WAIT) conflicts unless both sockets have "
	 "SO_REUSEADDR and the owner is not listening, or both have SO_REUSEPORT and the same "
	 "uid (or the owner is in TIME_WAIT). Overlap is the common wildcard-aware predicate "
	 "(linux.md section 2), plus: an IPv6 socket whose source connect() chose stays "
	 "dual-stack with the IPv4 shadow address 127.0.0.6, so it lies under an IPv4 wildcard.",
	 "net/ipv4/inet_connection_sock.c inet_bind_conflict, inet_csk_bind_conflict; "
	 "net/ipv6/tcp_ipv6.c tcp_v6_connect (LOOPBACK4_IPV6); observed Table 1/2, AF1"},
	{"linux.tcp.bind.fastreuseport", "TCP: the port's bind bucket remembers the last "
	 "SO_REUSEPORT socket that joined it without matching it (its uid and address: "
	 "FASTREUSEPORT_STRICT); a socket without SO_REUSEPORT joining clears it. A new "
	 "SO_REUSEPORT socket of that uid on that address (or under that wildcard) skips the "
	 "conflict walk, even past an owner it would conflict with. So SO_REUSEADDR, then "
	 "SO_REUSEADDR+SO_REUSEPORT, then SO_REUSEPORT all bind the same address. The model "
	 "replays the bucket from the current owners in binding order (an owner's listen() "
	 "counts as a second join right after its bind); owners that have left are forgotten.",
	 "net/ipv4/inet_connection_sock.c inet_csk_get_port, sk_reuseport_match, "
	 "inet_csk_update_fastreuse; gVisor socket_bind_to_device_sequence.cc "
	 "BindReuseAddrThenReuseAddrReusePortThenReuseAddr"},
	{"linux.tcp.bind.reuseaddr", "TCP: both sockets have SO_REUSEADDR and the owner is not "
	 "listening: they share the port. Flags are read live; a TIME_WAIT keeps the closing "
	 "socket's flag, an accepted child its listener's.",
	 "net/ipv4/inet_connection_sock.c inet_bind_conflict; observed TW4/TW5, LO1"},
	{"linux.tcp.bind.reuseport",
	 "TCP: both sockets have SO_REUSEPORT and the same owner uid (the creator's, "
	 "root not excepted; a socket without a struct socket on 6.1 and 6.12: "
	 "linux.tcp.bind.orphan_uid), or the owner is a timewait socket (an orphan in "
	 "FIN_WAIT2 may still be a full socket: linux.tcp.bind.orphan_timewait): they "
	 "share.",
	 "net/ipv4/inet_connection_sock.c inet_bind_conflict (uid_eq, TIME_WAIT exempt); observed U1-U5, "
	 "TW9, FIN_WAIT2 by explore"},
	{"linux.tcp.listen.recheck", "listen() runs the bind conflict test again with the "
	 "socket in LISTEN: two SO_REUSEADDR sockets bound alike both bind, but the second "
	 "listen() fails with EADDRINUSE (the socket stays bound).",
	 "net/ipv4/inet_connection_sock.c inet_csk_listen_start -> get_port; selftest reuseaddr_conflict.c"},
	{"linux.tcp.bind.fastreuseport_any",
	 "TCP, linux-6.1: a port's first owner that has SO_REUSEPORT leaves the bind "
	 "bucket FASTREUSEPORT_ANY with its uid: a later SO_REUSEPORT socket of that uid "
	 "binds any address of the port without the conflict walk, so an owner that "
	 "cleared SO_REUSEPORT after its bind does not stop it, until an owner without "
	 "SO_REUSEPORT, or one that does not match (another uid), joins. From 6.12 the "
	 "first-owner branch is never taken (as for linux.tcp.bind.fastreuse) and the "
	 "bucket only has the state of linux.tcp.bind.fastreuseport.",
	 "net/ipv4/inet_connection_sock.c inet_csk_update_fastreuse (empty bucket: "
	 "FASTREUSEPORT_ANY, fastuid), sk_reuseport_match (FASTREUSEPORT_ANY: 1); "
	 "observed on Debian 6.1.0-57 (ok) and 6.12.118 (EADDRINUSE) under QEMU "
	 "(spec/linux/releases.bms)"},
	{"linux.tcp.bind.orphan_uid",
	 "TCP, linux-6.1 and linux-6.12: the SO_REUSEPORT uid check reads sock_i_uid(), "
	 "the owner of the struct socket; a socket without one, an orphan that closed "
	 "while its peer is open (still a full socket) or a child not accepted yet, "
	 "counts as uid 0 (root), whoever created it. From 6.17 the check reads sk_uid, "
	 "the creator's uid (linux-6.18).",
	 "net/core/sock.c sock_i_uid (GLOBAL_ROOT_UID without sk->sk_socket), "
	 "net/ipv4/inet_connection_sock.c inet_bind_conflict; \"net: remove "
	 "sock_i_uid()\" (net-next, June 2025, v6.17); observed on Debian 6.1.0-57 and "
	 "6.12.118 under QEMU (spec/linux/releases.bms)"},
	{"linux.tcp.bind.orphan_timewait",
	 "TCP: an orphan that closed first while its peer is open is a full socket in "
	 "FIN_WAIT2 or already a timewait socket, depending on whether the peer's ACK "
	 "was processed while close() still held the socket (then the full socket waits "
	 "for its timer; otherwise tcp_time_wait(sk, TCP_FIN_WAIT2) replaces it at "
	 "once). A timewait socket is exempt from the SO_REUSEPORT uid check, a full "
	 "socket is not: where that decides, the model answers with both outcomes, "
	 "EADDRINUSE as a full socket, ok once it became a timewait socket (when no "
	 "other owner refuses).",
	 "net/ipv4/tcp.c __tcp_close (adjudge_to_death), net/ipv4/tcp_input.c "
	 "tcp_rcv_state_process (TCP_FIN_WAIT1, sock_owned_by_user), inet_bind_conflict "
	 "(TIME_WAIT exempt); observed both outcomes on Debian 6.1.0-57 and 6.12.118 "
	 "under QEMU (spec/linux/releases.bms) and by explore"},
	{"linux.deliver.early",
	 "UDP, linux-6.1 and linux-6.12 (no four-tuple hash): a connected socket is not "
	 "looked up first; it sits in its address's chain and only scores higher. The "
	 "walk stops at the first unconnected SO_REUSEPORT socket that raises the score, "
	 "and its group picks an unconnected member, unless a member connected while in "
	 "the group (then the scores go on). So an unconnected SO_REUSEPORT socket ahead "
	 "of a connected one of another group (another family or uid, or one whose "
	 "connect() rehashed it out of its wildcard group) receives.",
	 "net/ipv4/udp.c udp4_lib_lookup2 (lookup_reuseport, reuseport_has_conns), "
	 "udp_lib_rehash (reuseport_detach_sock), net/core/sock_reuseport.c "
	 "reuseport_select_sock_by_hash (skips TCP_ESTABLISHED); observed on Debian "
	 "6.1.0-57 and 6.12.118 under QEMU (spec/linux/releases.bms)"},
	{"linux.udp.bind.conflict", "UDP: the owners of the port are walked in hash-chain order (newest "
	 "first, except that IPv6 sockets with SO_REUSEPORT sit at the tail, oldest first); the first "
	 "overlapping one that is not an SO_REUSEADDR pair decides: SO_REUSEPORT on both with the same "
	 "uid lets the bind through at once, anything else is EADDRINUSE.",
	 "net/ipv4/udp.c udp_lib_lport_inuse (2025 form), include/net/sock.h sk_add_node_rcu; "
	 "observed UO1-UO3 and by explore"},
	{"linux.tcp.bind.fastreuse", "TCP, linux-6.1: a port whose first owner had SO_REUSEADDR "
	 "(not listening), and that no owner without it has joined since, lets a SO_REUSEADDR "
	 "socket bind without the conflict walk, so an owner that cleared SO_REUSEADDR after "
	 "its bind does not stop it. From 6.12 the bucket never gets this state (the bhash2 "
	 "relink of inet_csk_update_fastreuse tests an emptiness that is never true by then) "
	 "and the walk reads live flags: EADDRINUSE.",
	 "net/ipv4/inet_connection_sock.c inet_csk_get_port (tb->fastreuse > 0 && reuse), "
	 "inet_csk_update_fastreuse; observed on Debian 6.1.0-57 and 6.12.118 under QEMU and on "
	 "6.18.44 (observed.bms LO2)"},
	{"linux.tcp.bind.mapped_any", "TCP, linux-6.1: an IPv6 socket on [::ffff:0.0.0.0] does "
	 "not cover a specific v4-mapped address that another IPv6 socket binds (both succeed); "
	 "IPv4 sockets still conflict with it. 6.12 and later: EADDRINUSE.",
	 "net/ipv4/inet_connection_sock.c inet_bhash2_addr_any_conflict, net/ipv4/inet_hashtables.c "
	 "inet_bind2_bucket_match_addr_any (the bhash2 wildcard lookups of later kernels); observed on "
	 "Debian 6.1.0-57 vs 6.12.118 under QEMU (bind_wildcard.bms v6_v4mapped_any cases)"},
	{"linux.udp.bind.walk_all", "UDP, linux-6.18-fc only: every overlapping owner that is "
	 "not an SO_REUSEADDR pair (nor on another device) is checked; one that is not "
	 "SO_REUSEPORT-compatible (both SO_REUSEPORT, same uid) refuses the bind whatever the "
	 "order. Stock kernels (6.1, 6.12, and 6.18 as first observed) stop at the first "
	 "compatible owner: linux.udp.bind.conflict.",
	 "observed on 6.18.44-fc-v1272 (about 230 cases, a 184-case two-owner matrix); no upstream "
	 "commit makes udp_lib_lport_inuse check every owner (its newest form still returns 0 at the "
	 "first compatible owner)"},
	{"linux.udp.bind.reuseaddr", "UDP: SO_REUSEADDR on both sockets never conflicts: exact "
	 "duplicates, wildcard over specific, and multicast group sharing (as BSD "
	 "SO_REUSEPORT).",
	 "net/ipv4/udp.c udp_lib_lport_inuse; observed Table 1 UDP, MC1-MC10"},
	{"linux.udp.bind.reuseport", "UDP: SO_REUSEPORT on both with the same uid shares the port.",
	 "net/ipv4/udp.c udp_lib_lport_inuse; observed U6-U8"},
	{"linux.ephemeral.bind", "bind(port 0) and listen() autobind take a port no overlapping "
	 "socket holds (TCP: SO_REUSEADDR and SO_REUSEPORT are ignored; UDP: an SO_REUSEADDR "
	 "pair or a compatible SO_REUSEPORT owner may share; owners on other addresses do not "
	 "count). None left: EADDRINUSE.",
	 "net/ipv4/inet_connection_sock.c inet_csk_find_open_port (relax=false); net/ipv4/udp.c "
	 "udp_lib_get_port; observed B0.1-B0.8, BR1/BR2"},
	{"linux.ephemeral.even", "TCP autobind (bind port 0, listen, connect) scans remaining = "
	 "high - low rounded down to even from a random offset, wrapping only past the range's "
	 "end: the last port of a 3-port span is never chosen. A range of 3 ports; with "
	 "SO_REUSEADDR, bind(0) and listen() scan the lower half and then the upper half (never "
	 "the whole range), so a range of 5 too. Larger odd spans reach their last port from "
	 "most offsets, and the model keeps it. UDP scans the whole range. linux only: the "
	 "rounding came with Linux 4.6 (commit 1580ab63fc9a), so linux-3.8 scans every port.",
	 "net/ipv4/inet_connection_sock.c inet_csk_find_open_port, net/ipv4/inet_hashtables.c "
	 "__inet_hash_connect; net/ipv4/udp.c udp_lib_get_port; observed on Linux 6.18 "
	 "(oracle_found2.bms)"},
	{"linux.listen.refused", "linux-6.18-fc: listen() on a TCP socket whose connect() was refused fails with "
	 "EINVAL, after a blocking connect() or a non-blocking one, even once a second connect() "
	 "collected the refusal; a listener in the way is still EADDRINUSE (the port's re-check "
	 "comes first). A socket that connected since is refused as connected (core.listen.connected), "
	 "with no re-check. Other releases listen (linux-6.1 and linux-6.12 observed; linux-6.18 by its "
	 "explore runs).",
	 "observed: 6.18.44-fc-v1272 (EINVAL in every case, blocking connects from Python too; issue "
	 "8 saw it as 15 explore disagreements); Debian 6.1.0-57 and 6.12.118 under QEMU listen "
	 "(spec/linux/nonblock.bms 23, 29, 32, real blocking connects); net/ipv4/af_inet.c "
	 "inet_listen (sock->state != SS_UNCONNECTED); connected since: explore seed 98989 on "
	 "6.18.44-fc (EINVAL, explore_found.bms)"},
	{"linux.close.port", "TCP: a connection that ends by a refused connect() or by the "
	 "peer's reset gives back a port that bind() did not name (bind port 0, connect() or "
	 "listen() autobind, and every accepted child, whose clone drops SOCK_BINDPORT_LOCK): "
	 "the socket may bind() again and others may take the port, so a server restarted after "
	 "a client's abort binds without SO_REUSEADDR. A named port stays held. The address "
	 "bind() named stays; connect() still answers EISCONN and listen() EINVAL on a reset "
	 "socket.",
	 "net/ipv4/tcp.c tcp_set_state (TCP_CLOSE: inet_put_port unless SOCK_BINDPORT_LOCK), "
	 "net/ipv4/inet_hashtables.c __inet_put_port (inet_num = 0), net/ipv4/af_inet.c "
	 "__inet_bind; observed on Linux 6.18 (oracle_found2.bms)"},
	{"linux.connect.bindowned", "connect() autobind skips every port a bind() holds, on any "
	 "address; ports taken by other connect()s are shared while the four-tuple is unique. "
	 "None left: EADDRNOTAVAIL (UDP autobind: EAGAIN).",
	 "net/ipv4/inet_hashtables.c __inet_hash_connect (tb->fastreuse >= 0); observed CA1-CA3, CS1-CS4"},
	{"linux.connect.tuple", "A TCP connect() that would duplicate a live four-tuple fails "
	 "with EADDRNOTAVAIL (not EADDRINUSE); UDP connect() has no such check. A socket bound "
	 "to an address that is not its family's plain wildcard (::ffff:0.0.0.0, a group) keeps "
	 "the source address the failed connect() chose.",
	 "net/ipv4/inet_hashtables.c __inet_check_established; net/ipv4/tcp_ipv4.c "
	 "tcp_v4_connect (failure: inet_bhash2_reset_saddr keeps a SOCK_BINDADDR_LOCK "
	 "address); observed CD1-CD4; explore seed 95959 (spec/linux/explore_found.bms)"},
	{"linux.connect.timewait",
	 "A TIME_WAIT four-tuple is taken over by a connect() from an explicitly bound "
	 "port (TCP timestamps on); an autobound connect() takes it over only when "
	 "tcp_tw_reuse allows (2, the default: loopback only) and the TIME_WAIT is older "
	 "than one second. A socket still in FIN_WAIT2 (its peer has not closed) is not "
	 "taken over while it is a full socket (linux.connect.orphan_timewait; observed "
	 "by explore, spec/linux/explore_found.bms).",
	 "net/ipv4/tcp_ipv4.c tcp_twsk_unique; observed TW4-TW6, TWA1/TWA2, FIN_WAIT2 by explore"},
	{"linux.connect.orphan_timewait",
	 "A TCP connect() from an explicitly bound port over the four-tuple of an orphan "
	 "that closed first while its peer is open: EADDRNOTAVAIL while the orphan is a "
	 "full socket in FIN_WAIT2 (it is in the established hash), ok once it became a "
	 "timewait socket (a bound port takes a timewait socket with a timestamp over). "
	 "Which one is timing (linux.tcp.bind.orphan_timewait): the model answers with "
	 "both. An autobound connect() never takes it over (tcp_twsk_unique: no reuse in "
	 "the FIN_WAIT2 substate).",
	 "net/ipv4/inet_hashtables.c __inet_check_established, net/ipv4/tcp_ipv4.c "
	 "tcp_twsk_unique (twp NULL: tw_ts_recent_stamp; TCP_FIN_WAIT2 substate: reuse = "
	 "0); observed both outcomes by explore on Debian 6.12.118 under QEMU (seed "
	 "9109) and explore_found.bms:159"},
	{"linux.connect.mapped", "connect() of an IPv6 socket that is v6only (the option, the "
	 "v6only sysctl, or a bind to a specific IPv6 address) to a v4-mapped address: "
	 "ENETUNREACH; a UDP socket is autobound first and keeps its port. A socket bound to a "
	 "v4-mapped address (::ffff:0.0.0.0 included) connecting to a native IPv6 address: "
	 "EAFNOSUPPORT; its connect to [::] means ::ffff:127.0.0.1.",
	 "net/ipv6/tcp_ipv6.c tcp_v6_connect, net/ipv6/datagram.c __ip6_datagram_connect, "
	 "net/ipv6/ip6_output.c ip6_dst_lookup_tail, "
	 "net/ipv4/af_inet.c inet_dgram_connect (inet_autobind first); observed on Linux 6.18"},
	{"linux.connect.udp_port0", "A UDP connect() to port 0 succeeds (autobinding the "
	 "socket); a TCP one is ECONNREFUSED.",
	 "net/ipv4/datagram.c __ip4_datagram_connect, net/ipv6/datagram.c __ip6_datagram_connect "
	 "(no port check); observed on Linux 6.18"},
	{"linux.connect.loopback_src", "An IPv4 socket whose source is a loopback address (bound "
	 "to 127.0.0.1, or given it by an earlier connect()) cannot connect() to an address off "
	 "this host, which routes through a device that is not loopback: EINVAL (TCP and UDP; a "
	 "listening or connected TCP socket answers EISCONN first).",
	 "net/ipv4/route.c __mkroute_output (ipv4_is_loopback(saddr) && !(dev_out->flags & "
	 "IFF_LOOPBACK)); shadow/shadow src/test/socket/connect/test_connect.rs "
	 "test_loopback_bound_connect, test_double_connect_same_port_different_ip"},
	{"linux.connect.broadcast", "A TCP connect() to the limited broadcast address "
	 "255.255.255.255 or to a multicast address (IPv4, v4-mapped or IPv6) fails with "
	 "ENETUNREACH.",
	 "net/ipv4/tcp_ipv4.c tcp_v4_connect (\"if (rt->rt_flags & (RTCF_MULTICAST | "
	 "RTCF_BROADCAST)) { ip_rt_put(rt); return -ENETUNREACH; }\"); net/ipv6/tcp_ipv6.c "
	 "tcp_v6_connect (ipv6_addr_is_multicast: -ENETUNREACH); observed on Linux 6.18 in "
	 "a private netns; cwrap socket_wrapper tests/test_echo_tcp_connect.c "
	 "test_connect_broadcast_ipv4"},
	{"linux.connect.prefsrc", "A socket without a specific address that connects to any "
	 "address of 127/8 gets the source 127.0.0.1 (also as ::ffff:127.0.0.1), not the "
	 "destination: the local route 127.0.0.0/8 has prefsrc 127.0.0.1. An added address is "
	 "its own source.",
	 "net/ipv4/route.c ip_route_output_key_hash_rcu (RTN_LOCAL: fib_prefsrc); "
	 "observed on Linux 6.18"},
	{"linux.deliver.best", "Incoming datagrams and connections: a connected socket, then "
	 "one on the specific address, then one on the wildcard (separate lookups). Within one, "
	 "in hash-chain order (newest first; IPv6 SO_REUSEPORT sockets at the tail), the score "
	 "is a bound device, then AF_INET for an IPv4 packet: a higher score replaces the "
	 "result, and the first SO_REUSEPORT socket that raises it ends the walk (its group "
	 "decides). A socket bound to another device than the packet's never matches; a packet "
	 "to a local address comes in on the device that holds it (lo for 127/8 and ::1; "
	 "multicast and broadcast on lo, as the oracle sends them). The model orders by bind, "
	 "the kernel's listeners by listen().",
	 "net/ipv4/udp.c compute_score, udp4_lib_lookup2, udp_lib_get_port (hlist_add_tail for v6 "
	 "reuseport); net/ipv4/inet_hashtables.c compute_score; net/ipv4/route.c "
	 "ip_route_output_key_hash_rcu (orig_oif); observed on Linux 6.18"},
	{"linux.deliver.reuseport", "Among the best matches (connected over specific over "
	 "wildcard), an SO_REUSEPORT group (same address, uid) shares incoming connections and "
	 "datagrams by a hash of the four-tuple; otherwise the most specific, newest socket "
	 "receives.",
	 "net/ipv4/inet_hashtables.c inet_lhash2_lookup/reuseport_select_sock; net/ipv4/udp.c "
	 "udp4_lib_lookup2; selftest reuseport_addr_any.c"},
	{"linux.deliver.connected",
	 "UDP, 6.13 and later (linux-6.18, linux-6.18-fc): among sockets connected to "
	 "the sender from the destination address and port, the most recently connected "
	 "one receives (a connect() again to the same peer does not hash a socket again). "
	 "In linux-6.1 and linux-6.12 there is no four-tuple hash: "
	 "linux.deliver.early and linux.deliver.best decide, and a connect() that gave a "
	 "wildcard-bound socket its source address rehashed it to the head of that "
	 "address's chain (udp_lib_rehash). Observed: explore_found.bms:453 (6.1.0-57 "
	 "and 6.12.118 deliver to the AF_INET socket, 6.18 to the newest connected one), "
	 "424 and 439 (every release delivers to the rehashed socket).",
	 "net/ipv4/udp.c udp4_lib_lookup4, net/ipv6/udp.c udp6_lib_lookup4 (four-tuple hash of "
	 "connected sockets, 6.13+); observed by explore"},
	{"linux.deliver.multicast", "A multicast or broadcast datagram goes to every socket "
	 "bound to the group or the wildcard on that port and not bound to another device. An "
	 "IPv4 multicast (not broadcast) datagram reaches no IPv6 socket, dual-stack wildcard "
	 "or v4-mapped group alike: an IPv6 socket has no mc_all and the language cannot join a "
	 "group.",
	 "net/ipv4/udp.c __udp4_lib_mcast_deliver, __udp_is_mcast_sock; net/ipv4/igmp.c "
	 "ip_mc_sf_allow (inet_create sets MC_ALL, inet6_create does not); observed on Linux 6.18"},
};

/*
 * What differs between Linux releases.  Each field names the rule it
 * selects; spec/linux.md gives the kernel change and the live kernel that
 * showed it.
 */
typedef struct linux_release {
	int fastreuse;          /* linux.tcp.bind.fastreuse: the bind bucket's
	                           SO_REUSEADDR shortcut (6.1; bhash2 left it
	                           never set in 6.12+) */
	int fastreuseport_any;  /* linux.tcp.bind.fastreuseport_any: the same
	                           first-owner branch sets FASTREUSEPORT_ANY (6.1) */
	int mapped_any_apart;   /* linux.tcp.bind.mapped_any: an IPv6 socket on
	                           [::ffff:0.0.0.0] does not cover a specific
	                           v4-mapped address of another IPv6 socket (6.1) */
	int orphan_uid_root;    /* linux.tcp.bind.orphan_uid: sock_i_uid() of a
	                           socket without a struct socket (an orphan, a
	                           child not accepted yet) is root (before 6.17) */
	int udp_hash4;          /* linux.deliver.connected: connected UDP
	                           sockets are found by four-tuple first (6.13+) */
	int udp_walk_all;       /* linux.udp.bind.walk_all: every overlapping
	                           owner is checked, not the first (6.18-fc) */
	int listen_refused;     /* linux.listen.refused: after a refused
	                           connect(), listen() is EINVAL (6.18-fc) */
} linux_release;

static const linux_release LINUX_3_8 = {.udp_hash4 = 1};
static const linux_release LINUX_6_1 = {.fastreuse = 1, .fastreuseport_any = 1,
                                        .mapped_any_apart = 1, .orphan_uid_root = 1};
static const linux_release LINUX_6_12 = {.orphan_uid_root = 1};
static const linux_release LINUX_6_18 = {.udp_hash4 = 1};
static const linux_release LINUX_6_18_FC = {.udp_hash4 = 1, .udp_walk_all = 1,
                                            .listen_refused = 1};

static const linux_release *R(const bm_host *h)
{
	const linux_release *r = bm_host_policy(h)->data;
	return r ? r : &LINUX_6_18;
}

static int same_uid(const bm_sock_info *a, const bm_sock_info *b)
{
	return a->uid == b->uid;
}

static bm_result linux_setsockopt(const bm_host *h, const bm_sock_info *s, bm_option o,
                                  int value, bm_verdict *v)
{
	(void)h;
	(void)value;
	if (o == BM_IPV6_V6ONLY && s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "linux.opt.v6only_bound", 0,
		                      "IPV6_V6ONLY cannot change after bind");
	return BM_OK;
}

/* __ipv6_addr_needs_scope_id: link-local unicast, interface- or link-local
 * multicast (the scripting language has no scope id: a bound device is it) */
static int needs_scope(const bm_endpoint *ep)
{
	if (bm_addr_is_v4mapped(ep))
		return 0;
	if (ep->addr[0] == 0xfe && (ep->addr[1] & 0xc0) == 0x80)
		return 1;
	return ep->addr[0] == 0xff && ((ep->addr[1] & 0x0f) == 1 || (ep->addr[1] & 0x0f) == 2);
}

/*
 * ipv6_chk_addr() with the bound device (__inet6_bind): an address of
 * link or host scope (fe80::/10, ::1) counts only on that device; other
 * addresses count on any device.  The model has no scopes: fe80::/10 and
 * loopback are the link and host ones.
 */
static int on_device(const bm_host *h, const bm_endpoint *ep, const char *dev)
{
	int scoped = bm_addr_is_loopback(ep) || (ep->addr[0] == 0xfe && (ep->addr[1] & 0xc0) == 0x80);
	if (!scoped)
		return 1;
	if (bm_addr_is_loopback(ep))
		return strcmp(dev, "lo") == 0;
	const char *holder = bm_host_addr_dev(h, ep);
	return holder && strcmp(holder, dev) == 0;
}

/* A bind the state check let through because the socket's connection
 * ended and gave its port back names that rule (linux.close.port). */
static inline bm_result port_given_back(const bm_sock_info *s, bm_verdict *v)
{
	int refused = s->state == BM_STATE_CLOSED && s->proto == BM_TCP && s->connect_refused;
	int reset = s->state != BM_STATE_CLOSED && s->reset && s->local.port == 0;
	if (refused || reset)
		bm_verdict_set(v, BM_OK, "linux.close.port", 0,
		               "the socket's connection ended and gave its port back");
	return BM_OK;
}

static bm_result linux_bind_precheck(const bm_host *h, const bm_sock_info *s,
                                     const bm_endpoint *ep, bm_verdict *v)
{
	int priv = s->uid != 0 && ep->port &&
	           ep->port < bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START);
	/* the usual answers first: a wildcard, an address the host has */
	int local = bm_addr_is_any(ep) || bm_host_addr_is_local(h, ep) ||
	            bm_addr_is_multicast(ep) || bm_host_knob(h, BM_KNOB_NONLOCAL_BIND) ||
	            (s->opts & BM_IP_FREEBIND);
	/* a reset socket whose port went back (linux.close.port) may bind */
	int bound = s->state != BM_STATE_CLOSED && !(s->reset && s->local.port == 0);

	if (s->family == BM_AF_INET) {
		/* __inet_bind: address, then privilege, then state */
		if (!local)
			return bm_verdict_set(v, BM_EADDRNOTAVAIL, "linux.bind.notlocal", 0,
			                      "address is not configured in this namespace");
		if (priv)
			return bm_verdict_set(v, BM_EACCES, "linux.bind.privport", 0,
			                      "port %u < %ld needs CAP_NET_BIND_SERVICE (uid %u)", ep->port,
			                      bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START), s->uid);
		if (bound)
			return bm_verdict_set(v, BM_EINVAL, "linux.bind.state", 0, "socket is already bound");
		return port_given_back(s, v);
	}
	/* __inet6_bind: multicast TCP, privilege, state, mapped, address */
	if (s->proto == BM_TCP && bm_addr_is_multicast(ep) && !bm_addr_is_v4mapped(ep))
		return bm_verdict_set(v, BM_EINVAL, "linux.bind6.mcast_tcp", 0,
		                      "an IPv6 multicast address on a TCP socket");
	if (priv)
		return bm_verdict_set(v, BM_EACCES, "linux.bind.privport", 0,
		                      "port %u < %ld needs CAP_NET_BIND_SERVICE (uid %u)", ep->port,
		                      bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START), s->uid);
	if (bound)
		return bm_verdict_set(v, BM_EINVAL, "linux.bind.state", 0, "socket is already bound");
	if (bm_addr_is_v4mapped(ep) && s->v6only)
		return bm_verdict_set(v, BM_EINVAL, "linux.bind6.mapped_v6only", 0,
		                      "a v4-mapped address on an IPV6_V6ONLY socket");
	if (needs_scope(ep) && !s->dev[0])
		return bm_verdict_set(v, BM_EINVAL, "linux.bind6.scope", 0,
		                      "a link-local address needs a scope id or a bound device");
	if (!local)
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "linux.bind.notlocal", 0,
		                      "address is not configured in this namespace");
	if (s->dev[0] && !bm_addr_is_v4mapped(ep) && !bm_addr_is_multicast(ep) &&
	    !bm_addr_is_any(ep) && !bm_host_knob(h, BM_KNOB_NONLOCAL_BIND) &&
	    !(s->opts & BM_IP_FREEBIND) && !on_device(h, ep, s->dev))
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "linux.bind6.device", 0,
		                      "a link- or host-scope address that is not on %s", s->dev);
	return port_given_back(s, v);
}

/*
 * connect() checks of the destination (rule linux.connect.mapped): an
 * IPv6 socket that is v6only (by the option, the sysctl, or a bind to a
 * specific IPv6 address) cannot reach a v4-mapped address: ENETUNREACH
 * (tcp_v6_connect, __ip6_datagram_connect).  UDP autobinds first
 * (inet_dgram_connect calls inet_autobind before the protocol's connect:
 * the policy flag udp_connect_autobind).
 */
static bm_match linux_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                               bm_phase phase, bm_verdict *v);

/* linux.listen.refused: what a refused connect() leaves behind.  The
 * port's re-check still answers first: a listener in the way is
 * EADDRINUSE (explore seed 91919, explore_found.bms).  A socket that
 * connected since is refused as connected, with no re-check (inet_listen
 * tests SS_CONNECTED first; explore seed 98989): the core's state check. */
static bm_result linux_listen_precheck(const bm_host *h, const bm_sock_info *s, bm_verdict *v)
{
	if (!s->connect_refused || !R(h)->listen_refused || s->state == BM_STATE_CONNECTED)
		return BM_OK;
	bm_sock_info cand = *s;
	cand.state = BM_STATE_LISTEN;
	for (const bm_sock_info *o = s->local.port ? bm_port_first(h, s->proto, s->local.port) : NULL;
	     o; o = bm_port_next(h, o)) {
		if (o->id == s->id)
			continue;
		bm_match m = linux_conflict(h, &cand, o, BM_PHASE_LISTEN, v);
		if (m == BM_MATCH_CONFLICT)
			return v->code;
		if (m == BM_MATCH_SHARE_STOP)
			break;
	}
	return bm_verdict_set(v, BM_EINVAL, "linux.listen.refused", 0,
	                      "the socket's connect() was refused: it cannot listen");
}

/* linux.connect.loopback_src: __mkroute_output refuses a loopback source
 * on a route through a device that is not loopback.  Off this host means
 * not loopback, not one of our addresses, not the wildcard (this host), not
 * a group or the broadcast (those route out of the source's own device, lo).
 * A listening socket is EISCONN first (the core's state check). */
static int loopback_src_offhost(const bm_host *h, const bm_sock_info *s, const bm_endpoint *dst)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	if (s->family != BM_AF_INET || dst->family != BM_AF_INET ||
	    s->state == BM_STATE_LISTEN || s->state == BM_STATE_CLOSED)
		return 0;
	return bm_addr_is_loopback(&s->local) && !bm_addr_is_loopback(dst) &&
	       !bm_addr_is_any(dst) && !bm_addr_is_multicast(dst) &&
	       memcmp(dst->addr, bcast, 4) != 0 && !bm_host_addr_is_local(h, dst);
}

static bm_result linux_connect_precheck(const bm_host *h, const bm_sock_info *s,
                                        const bm_endpoint *dst, bm_verdict *v)
{
	/* linux.connect.udp_port0: the datagram connect has no port check */
	if (s->proto == BM_UDP && dst->port == 0)
		bm_verdict_set(v, BM_OK, "linux.connect.udp_port0", 0,
		               "a UDP connect() to port 0 is not refused");
	if (loopback_src_offhost(h, s, dst))
		return bm_verdict_set(v, BM_EINVAL, "linux.connect.loopback_src", 0,
		                      "a loopback source cannot reach an address off this host");
	/* tcp_v4_connect: a route that is RTCF_BROADCAST or RTCF_MULTICAST (also
	 * for a v4-mapped destination tcp_v6_connect hands over);
	 * tcp_v6_connect refuses an IPv6 group itself.  bm_addr_is_multicast
	 * counts 255.255.255.255 as a group. */
	if (s->proto == BM_TCP && bm_addr_is_multicast(dst))
		return bm_verdict_set(v, BM_ENETUNREACH, "linux.connect.broadcast", 0,
		                      "TCP cannot connect to a broadcast or multicast address");
	/* __inet_stream_connect looks at the state (listening: EISCONN, the
	 * core's check) before tcp_v6_connect looks at the address */
	if (s->family != BM_AF_INET6 || dst->family != BM_AF_INET6 ||
	    s->state == BM_STATE_LISTEN)
		return BM_OK;   /* the core answers the state and family errors */
	/* ip6_dst_lookup_tail: a v4-mapped source cannot reach a native IPv6
	 * destination */
	if (s->state != BM_STATE_CLOSED && bm_addr_is_v4mapped(&s->local) &&
	    !bm_addr_is_v4mapped(dst) && !bm_addr_is_any(dst))
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "linux.connect.mapped", 0,
		                      "a socket bound to a v4-mapped address cannot reach native IPv6");
	if (bm_addr_is_v4mapped(dst) && s->v6only)
		return bm_verdict_set(v, BM_ENETUNREACH, "linux.connect.mapped", 0,
		                      "a v6only socket cannot reach a v4-mapped address");
	return BM_OK;
}

/*
 * tcp_v6_connect() and tcp_v6_syn_recv_sock() give an IPv6 socket whose
 * source the kernel chose the IPv4 shadow address 127.0.0.6
 * (LOOPBACK4_IPV6) and leave it dual-stack (only bind() of a specific
 * address forces v6only): inet_rcv_saddr_equal() then finds it under an
 * IPv4 wildcard (observed AF1; the core's overlap does not know this).
 */
static int v6_shadow(const bm_sock_info *s)
{
	return s->family == BM_AF_INET6 && !s->v6only && !bm_addr_is_any(&s->local) &&
	       !bm_addr_is_v4mapped(&s->local) &&
	       (s->state == BM_STATE_CONNECTED || s->state == BM_STATE_TIME_WAIT);
}

/* inet_rcv_saddr_equal() compares in the family of the socket being
 * bound: only an AF_INET socket sees the IPv4 shadow (an IPv6 socket on
 * ::ffff:0.0.0.0 compares IPv6 addresses: no overlap; found by explore). */
static int v4_any(const bm_sock_info *s)
{
	return s->family == BM_AF_INET && bm_addr_is_any(&s->local);
}

/* linux.tcp.bind.mapped_any (6.1): an IPv6 owner on [::ffff:0.0.0.0] and
 * a new IPv6 socket on a specific v4-mapped address do not overlap. */
static inline int mapped_any_apart(const bm_host *h, const bm_sock_info *s,
                                   const bm_sock_info *old)
{
	return s->family == BM_AF_INET6 && old->family == BM_AF_INET6 && s->proto == BM_TCP &&
	       R(h)->mapped_any_apart && bm_addr_is_v4mapped(&old->local) &&
	       bm_addr_is_any(&old->local) && bm_addr_is_v4mapped(&s->local) &&
	       !bm_addr_is_any(&s->local);
}

/* Where the core's bm_overlap says no, inet_rcv_saddr_equal may still
 * match old's IPv4 shadow (devices apart). */
static int shadow_overlap(const bm_sock_info *s, const bm_sock_info *old)
{
	if (s->dev[0] && old->dev[0] && strcmp(s->dev, old->dev) != 0)
		return 0;
	return v6_shadow(old) && v4_any(s);
}

/* Does the new socket s overlap the owner old? */
static int linux_overlap(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old)
{
	return !mapped_any_apart(h, s, old) && (bm_overlap(s, old) || shadow_overlap(s, old));
}

/* An IPv4-ish address: an AF_INET socket's, or a v4-mapped one. */
static int v4ish(const bm_sock_info *s)
{
	return s->family == BM_AF_INET || bm_addr_is_v4mapped(&s->local);
}

static int native_any(const bm_sock_info *s)
{
	return s->family == BM_AF_INET6 && !bm_addr_is_v4mapped(&s->local) &&
	       bm_addr_is_any(&s->local);
}

/* What a TCP bind bucket remembers of the last SO_REUSEPORT socket that
 * joined it without matching it (inet_csk_update_fastreuse with
 * FASTREUSEPORT_STRICT: tb->fastuid, fast_rcv_saddr, fast_sk_family,
 * fast_ipv6_only); the core keeps it per port while the port has owners. */
typedef struct linux_port {
	int fastreuse;           /* tb->fastreuse > 0 (rows with .fastreuse) */
	int set;
	int any;                 /* FASTREUSEPORT_ANY: any address of that uid */
	uint32_t uid;
	bm_family family;
	int v6only;
	bm_endpoint addr;        /* the address it had when it joined */
} linux_port;

/*
 * sk_reuseport_match: same uid, and the bucket's fast address (where a
 * wildcard counts) equals s's address (where it does not): for an AF_INET
 * fast socket ipv4_rcv_saddr_equal(fast, s, s v6only, true, false), for an
 * AF_INET6 one ipv6_rcv_saddr_equal(..., true, false).  Devices are not
 * looked at.
 */
static int fast_match(const linux_port *bucket, const bm_sock_info *s, unsigned opts)
{
	if (!bucket || !bucket->set || !(opts & RP) || bucket->uid != s->uid)
		return 0;
	if (bucket->any)
		return 1;   /* linux.tcp.bind.fastreuseport_any */
	/* the fast socket is the bucket's family, v6only and address */
	const bm_endpoint *fast = &bucket->addr;
	int fast_v4ish = bucket->family == BM_AF_INET || bm_addr_is_v4mapped(fast);
	int s_v6only = s->family == BM_AF_INET6 && s->v6only;
	if (bucket->family == BM_AF_INET) {
		if (s_v6only || !(v4ish(s) || native_any(s)))
			return 0;
		return bm_addr_is_any(fast) || (v4ish(s) && bm_addr_equal(fast, &s->local));
	}
	if (fast_v4ish && v4ish(s))
		return !s_v6only && (bm_addr_is_any(fast) || bm_addr_equal(fast, &s->local));
	if (!fast_v4ish && bm_addr_is_any(fast))   /* a native [::] */
		return native_any(s) || !(bucket->v6only && v4ish(s));
	return !fast_v4ish && !v4ish(s) && bm_addr_equal(fast, &s->local);
}

/*
 * The bucket follows every bind() and listen() that joins the port, in
 * order (inet_csk_update_fastreuse): a socket that joins with SO_REUSEPORT
 * and does not match the state sets it to itself (its uid and address);
 * one without SO_REUSEPORT clears it.  The state lives as long as the port
 * has an owner, so sockets closed since still count (found by explore).
 */
static void linux_port_join(const bm_host *h, const bm_sock_info *s, void *state)
{
	linux_port *bucket = state;
	if (s->proto != BM_TCP)
		return;   /* only TCP's bind bucket has a fast path */
	/* tb->fastreuse: set by the first owner's sk_reuse (not listening),
	 * cleared by any later owner without it (6.1: linux.tcp.bind.fastreuse) */
	int reuse = (s->opts & RA) && s->state != BM_STATE_LISTEN;
	if (!reuse && !(s->opts & RP)) {
		/* neither option: both cleared, whoever else holds the port */
		bucket->fastreuse = bucket->set = 0;
		return;
	}
	/* the first owner's bind (its listen() finds itself on the port) */
	int alone = bm_port_count(h, BM_TCP, s->local.port) == 1;
	int first = alone && s->state != BM_STATE_LISTEN;
	if (alone)
		bucket->fastreuse = reuse && R(h)->fastreuse;
	else if (!reuse)
		bucket->fastreuse = 0;
	if (!(s->opts & RP)) {
		bucket->set = 0;
		return;
	}
	/* 6.1's first-owner branch: FASTREUSEPORT_ANY with the owner's uid
	 * (linux.tcp.bind.fastreuseport_any); later kernels never take it */
	if (first && R(h)->fastreuseport_any) {
		bucket->set = bucket->any = 1;
		bucket->uid = s->uid;
		return;
	}
	if (fast_match(bucket, s, s->opts))
		return;
	bucket->set = 1;
	bucket->any = 0;
	bucket->uid = s->uid;
	bucket->family = s->family;
	bucket->v6only = s->v6only;
	bucket->addr = s->bound.family ? s->bound : s->local;
}

/* The fastreuseport shortcut of inet_csk_get_port() (rule
 * linux.tcp.bind.fastreuseport). */
static int fastreuseport(const bm_host *h, const bm_sock_info *s)
{
	return fast_match(bm_port_state(h, BM_TCP, s->local.port), s, s->opts);
}

/*
 * The uid the SO_REUSEPORT check sees (linux.tcp.bind.orphan_uid): before
 * 6.17 sock_i_uid() reads the inode of the struct socket, and a socket
 * without one (an orphan that closed, still a full socket; a child not
 * accepted yet) is GLOBAL_ROOT_UID; later kernels read sk_uid, the
 * creator's.  A timewait socket is exempt from the check anyway.
 */
static uint32_t owner_uid(const bm_host *h, const bm_sock_info *old)
{
	int no_socket = old->fin_wait2 || old->pending;
	return R(h)->orphan_uid_root && no_socket ? 0 : old->uid;
}

static void set_alt(bm_verdict *v, bm_result alt, const char *rule, const char *condition)
{
	v->alt = alt;
	v->alt_rule = rule;
	v->alt_condition = condition;
}

static bm_match tcp_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                             bm_phase phase, bm_verdict *v);

/* Would an owner after old in the walk (older ones) refuse s? */
static int rest_conflicts(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                          bm_phase phase)
{
	for (const bm_sock_info *w = bm_port_prev(h, old); w; w = bm_port_prev(h, w)) {
		bm_verdict scratch;
		memset(&scratch, 0, sizeof scratch);
		if (w->id == s->id)
			continue;
		/* NONE: apart; SHARE: a 6.1 mapped-any owner; both passed over */
		bm_match m = tcp_conflict(h, s, w, phase, &scratch);
		if (m == BM_MATCH_CONFLICT)
			return 1;
		if (m == BM_MATCH_SHARE_STOP)
			return 0;
	}
	return 0;
}

/* One TCP owner, from the overlap test on (linux.tcp.bind.mapped_any,
 * linux_overlap) to the bind bucket and the pairwise rules. */
static bm_match tcp_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                             bm_phase phase, bm_verdict *v)
{
	if (mapped_any_apart(h, s, old)) {
		if (phase != BM_PHASE_BIND)
			return BM_MATCH_NONE;
		/* an allowing rule: the bind goes through because of it */
		bm_verdict_set(v, BM_OK, "linux.tcp.bind.mapped_any", old->id,
		               "socket %d on [::ffff:0.0.0.0] does not cover a v4-mapped address "
		               "(6.1)", old->id);
		return BM_MATCH_SHARE;
	}
	/* linux_overlap, with mapped_any_apart already asked */
	if (!bm_overlap(s, old) && !shadow_overlap(s, old))
		return BM_MATCH_NONE;
	int relax = phase == BM_PHASE_BIND || phase == BM_PHASE_LISTEN;
	/* the bind bucket: only a socket with one of the options asks it */
	const linux_port *bucket =
		(s->opts & (RA | RP)) ? bm_port_state(h, BM_TCP, s->local.port) : NULL;
	if (phase == BM_PHASE_BIND && (s->opts & RA) && bucket && bucket->fastreuse) {
		bm_verdict_set(v, BM_OK, "linux.tcp.bind.fastreuse", 0,
		               "SO_REUSEADDR: the port's bind bucket was made reusable by its "
		               "first owner and no owner without it joined since");
		return BM_MATCH_SHARE_STOP;
	}
	if (relax && (s->opts & RP) && fastreuseport(h, s)) {
		if (bucket->any)
			bm_verdict_set(v, BM_OK, "linux.tcp.bind.fastreuseport_any", 0,
			               "SO_REUSEPORT, uid %u: the port's first owner left it "
			               "FASTREUSEPORT_ANY for this uid (6.1)", s->uid);
		else
			bm_verdict_set(v, BM_OK, "linux.tcp.bind.fastreuseport", 0,
			               "SO_REUSEPORT, uid %u: the port's fast reuseport state matches",
			               s->uid);
		return BM_MATCH_SHARE_STOP;
	}
	if (relax && (s->opts & RA) && (old->opts & RA) && old->state != BM_STATE_LISTEN) {
		bm_verdict_set(v, BM_OK, "linux.tcp.bind.reuseaddr", old->id,
		               "both have SO_REUSEADDR and socket %d is not listening", old->id);
		return BM_MATCH_SHARE;
	}
	if (relax && (s->opts & RP) && (old->opts & RP)) {
		int timewait = old->state == BM_STATE_TIME_WAIT && !old->fin_wait2;
		if (timewait || s->uid == owner_uid(h, old)) {
			bm_verdict_set(v, BM_OK, "linux.tcp.bind.reuseport", old->id,
			               "both have SO_REUSEPORT (uid %u)", s->uid);
			return BM_MATCH_SHARE;
		}
		/* a FIN_WAIT2 orphan may already be a timewait socket, exempt
		 * from the uid check: then the rest of the walk decides */
		if (old->fin_wait2 && !rest_conflicts(h, s, old, phase))
			set_alt(v, BM_OK, "linux.tcp.bind.orphan_timewait",
			        "ok once the orphan became a timewait socket");
	}
	if (phase == BM_PHASE_LISTEN) {
		bm_verdict_set_static(v, BM_EADDRINUSE, "linux.tcp.listen.recheck", old->id,
		                      "listen re-checks the port: socket %d (%s) holds it", old->id,
		                      bm_state_name(old->state));
	} else if (phase == BM_PHASE_BIND) {
		/* same creator, but sock_i_uid() said root (6.1, 6.12) */
		int as_root = (s->opts & RP) && (old->opts & RP) && same_uid(s, old) &&
		              owner_uid(h, old) != old->uid;
		const char *rule = as_root ? "linux.tcp.bind.orphan_uid" : "linux.tcp.bind.conflict";
		const char *state = bm_state_name(old->state);
		const char *root = as_root ? ", without a struct socket: uid 0" : "";
		/* literal formats and static strings: the reason is made only
		 * when it is read, from the record's pointers */
		if ((s->opts & RA) && (old->opts & RA))
			bm_verdict_set_static(v, BM_EADDRINUSE, rule, old->id,
			                      "socket %d is listening, so SO_REUSEADDR does not "
			                      "help (%s%s)", old->id, state, root);
		else if ((s->opts & RP) && (old->opts & RP))
			bm_verdict_set_static(v, BM_EADDRINUSE, rule, old->id,
			                      "socket %d has SO_REUSEPORT but another owner uid "
			                      "(%s%s)", old->id, state, root);
		else
			bm_verdict_set_static(v, BM_EADDRINUSE, rule, old->id,
			                      "socket %d holds an overlapping binding (%s%s)",
			                      old->id, state, root);
	} else {
		bm_verdict_set(v, BM_EADDRINUSE, "linux.ephemeral.bind", old->id,
		               "socket %d holds the port", old->id);
	}
	return BM_MATCH_CONFLICT;
}

static bm_match udp_conflict(const bm_sock_info *s, const bm_sock_info *old, bm_phase phase,
                             bm_verdict *v)
{
	if (phase == BM_PHASE_LISTEN)
		return BM_MATCH_NONE;
	if ((s->opts & RA) && (old->opts & RA)) {
		bm_verdict_set(v, BM_OK, "linux.udp.bind.reuseaddr", old->id,
		               "both have SO_REUSEADDR");
		return BM_MATCH_SHARE;
	}
	if ((s->opts & RP) && (old->opts & RP) && same_uid(s, old)) {
		bm_verdict_set(v, BM_OK, "linux.udp.bind.reuseport", old->id,
		               "both have SO_REUSEPORT (uid %u)", s->uid);
		/* udp_lib_lport_inuse returns "free" at the first such owner */
		return phase == BM_PHASE_BIND ? BM_MATCH_SHARE_STOP : BM_MATCH_SHARE;
	}
	bm_verdict_set(v, BM_EADDRINUSE,
	               phase == BM_PHASE_BIND ? "linux.udp.bind.conflict" : "linux.ephemeral.bind",
	               old->id, "socket %d holds an overlapping binding", old->id);
	return BM_MATCH_CONFLICT;
}

/*
 * udp_lib_lport_inuse() walks the port's hash chain, where sk_add_node_rcu()
 * puts an AF_INET6 socket that had SO_REUSEPORT at the tail and every other
 * socket at the head: the chain is the others newest first, then those IPv6
 * reuseport sockets oldest first.  The first overlapping socket that is not
 * an SO_REUSEADDR pair decides (linux.udp.bind.conflict; the order was found
 * by explore on the live kernel).
 */
static int in_chain_tail(const bm_sock_info *w)
{
	return w->family == BM_AF_INET6 && (w->opts_at_bind & RP);
}

static bm_match udp_bind_walk(const bm_host *h, const bm_sock_info *s, bm_verdict *v)
{
	int passed_compatible = 0;   /* a stock kernel would have stopped there */
	/* the head part, newest first, then the tail part, oldest first */
	for (int tail = 0; tail < 2; tail++) {
		const bm_sock_info *w = tail ? bm_port_first(h, BM_UDP, s->local.port)
		                             : bm_port_last(h, BM_UDP, s->local.port);
		for (; w; w = tail ? bm_port_next(h, w) : bm_port_prev(h, w)) {
			if (w->id == s->id || in_chain_tail(w) != tail || !linux_overlap(h, s, w))
				continue;
			bm_match m = udp_conflict(s, w, BM_PHASE_BIND, v);
			/* linux.udp.bind.walk_all: a compatible owner does not end
			 * the walk; any incompatible one refuses */
			if (m == BM_MATCH_SHARE_STOP && R(h)->udp_walk_all) {
				m = BM_MATCH_SHARE;
				passed_compatible = 1;
			}
			if (m == BM_MATCH_CONFLICT && passed_compatible)
				v->rule = "linux.udp.bind.walk_all";
			if (m != BM_MATCH_SHARE)
				return m;
		}
	}
	return BM_MATCH_SHARE_STOP;
}

static bm_match linux_conflict(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                               bm_phase phase, bm_verdict *v)
{
	if (s->proto == BM_TCP)
		return tcp_conflict(h, s, old, phase, v);
	/* the whole UDP walk is decided at the first owner the core offers */
	if (phase == BM_PHASE_BIND)
		return udp_bind_walk(h, s, v);
	return linux_overlap(h, s, old) ? udp_conflict(s, old, phase, v) : BM_MATCH_NONE;
}

/* Is old's TIME_WAIT old enough and on loopback for tcp_tw_reuse? */
static int tw_reusable(const bm_host *h, const bm_sock_info *old)
{
	long mode = bm_host_knob(h, BM_KNOB_TW_REUSE);
	uint64_t len = (uint64_t)bm_host_knob(h, BM_KNOB_TIME_WAIT_MS);
	uint64_t start = old->tw_expires_ms > len ? old->tw_expires_ms - len : 0;
	/* tcp_twsk_unique: tw_substate FIN_WAIT2 -> reuse = 0 */
	if (mode == 0 || old->fin_wait2)
		return 0;
	if (mode == 2 && !bm_addr_is_loopback(&old->local) && !bm_addr_is_loopback(&old->remote))
		return 0;
	return bm_host_now(h) - start >= 1000;
}

static int same_tuple(const bm_sock_info *s, const bm_sock_info *old)
{
	return old->remote.port == s->remote.port && old->local.port == s->local.port &&
	       bm_addr_equal(&old->remote, &s->remote) && bm_addr_equal(&old->local, &s->local);
}

static bm_match linux_connect_port(const bm_host *h, const bm_sock_info *s,
                                   const bm_sock_info *old, bm_verdict *v)
{
	if (!old->port_from_connect) {
		bm_verdict_set(v, BM_EADDRNOTAVAIL, "linux.connect.bindowned", old->id,
		               "port %u is held by a bind()", old->local.port);
		return BM_MATCH_CONFLICT;
	}
	if ((old->state == BM_STATE_CONNECTED || old->state == BM_STATE_TIME_WAIT) && !old->reset &&
	    same_tuple(s, old) && !(old->state == BM_STATE_TIME_WAIT && tw_reusable(h, old))) {
		bm_verdict_set(v, BM_EADDRNOTAVAIL, "linux.connect.tuple", old->id,
		               "four-tuple in use");
		return BM_MATCH_CONFLICT;
	}
	return BM_MATCH_SHARE;
}

static bm_result linux_tuple_clash(const bm_host *h, const bm_sock_info *s,
                                   const bm_sock_info *old, int autobound, bm_verdict *v)
{
	/* a FIN_WAIT2 orphan that is still a full socket is in the
	 * established hash: its four-tuple is taken (found by explore) */
	if (old->state == BM_STATE_TIME_WAIT && !old->fin_wait2 &&
	    (!autobound || tw_reusable(h, old))) {
		bm_verdict_set(v, BM_OK, "linux.connect.timewait", old->id,
		               "takes over the TIME_WAIT of socket %d", old->id);
		return BM_OK;
	}
	(void)s;
	bm_verdict_set_static(v, BM_EADDRNOTAVAIL, "linux.connect.tuple", old->id,
	                      "socket %d already has this four-tuple (%s)", old->id,
	                      bm_state_name(old->state));
	/* the FIN_WAIT2 orphan may already be a timewait socket: a bound
	 * port takes that over (tcp_twsk_unique with twp NULL) */
	if (old->state == BM_STATE_TIME_WAIT && old->fin_wait2 && !autobound)
		set_alt(v, BM_OK, "linux.connect.orphan_timewait",
		        "ok once the orphan became a timewait socket");
	return v->code;
}

static const uint8_t *v4_of(const bm_endpoint *ep)
{
	if (ep->family == BM_AF_INET)
		return ep->addr;
	return bm_addr_is_v4mapped(ep) ? ep->addr + 12 : NULL;
}

/*
 * The device a packet to dst comes in on, as the kernel oracle sends it:
 * a locally sent packet to a local address carries the device that holds
 * the address (ip_route_output_key_hash_rcu: "make sure orig_oif points
 * to fib result device"); loopback, multicast and broadcast come in on lo.
 * NULL: not known (no device filtering).
 */
static const char *ingress_dev(const bm_host *h, const bm_endpoint *dst)
{
	if (bm_addr_is_loopback(dst) || bm_addr_is_multicast(dst))
		return "lo";
	return bm_host_addr_dev(h, dst);
}

/* One candidate in the kernel's lookup order: the tier (connected, then
 * the specific address, then the wildcard: separate lookups), then the
 * hash chain (added at the head, newest first; IPv6 SO_REUSEPORT sockets
 * at the tail, oldest first). */
typedef struct rank {
	int tier, tail;
	int conn;        /* connected to the sender */
	uint64_t seq;
	size_t i;
} rank;

static int rank_cmp(const void *pa, const void *pb)
{
	const rank *a = pa, *b = pb;
	if (a->tier != b->tier)
		return a->tier > b->tier ? -1 : 1;
	if (a->tail != b->tail)
		return a->tail - b->tail;
	if (a->seq != b->seq)
		return (a->seq > b->seq) == !a->tail ? -1 : 1;
	return 0;
}

/* One SO_REUSEPORT group: same family, device, uid and address. */
static int in_group(const bm_sock_info *c, const bm_sock_info *best)
{
	return (c->opts & RP) && c->uid == best->uid &&
	       memcmp(c->local.addr, best->local.addr, 16) == 0 && c->family == best->family &&
	       strcmp(c->dev, best->dev) == 0;
}

/*
 * reuseport_has_conns(): a member connected while in the group.  A socket
 * that connect() rehashed (it was bound to the wildcard) left its group
 * first (udp_lib_rehash: reuseport_detach_sock), so it does not count.
 */
static int group_has_conns(const bm_host *h, const bm_sock_info *best)
{
	for (const bm_sock_info *c = bm_port_first(h, BM_UDP, best->local.port); c;
	     c = bm_port_next(h, c))
		if (c->state == BM_STATE_CONNECTED && in_group(c, best) &&
		    !bm_addr_is_any(&c->bound))
			return 1;
	return 0;
}

/* The candidates that can receive, ranked (rank_cmp sorts them): a socket
 * bound to another device, or an IPv6 socket for an IPv4 group, cannot.
 * Returns how many of r are filled. */
static size_t rank_candidates(const bm_host *h, bm_proto proto, const bm_endpoint *dst,
                              const bm_sock_info *cand, size_t n, const int *score, rank *r)
{
	const char *dev = ingress_dev(h, dst);
	const uint8_t *d4 = v4_of(dst);
	/* IPv4 multicast, not broadcast: an IPv6 socket has no mc_all and
	 * joined no IPv4 group (ip_mc_sf_allow) */
	int mc4 = d4 && (d4[0] & 0xf0) == 0xe0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const bm_sock_info *c = &cand[i];
		/* udp_sk_bound_dev_eq, inet_sk_bound_dev_eq */
		if (c->dev[0] && dev && strcmp(c->dev, dev) != 0)
			continue;
		if (proto == BM_UDP && mc4 && c->family == BM_AF_INET6)
			continue;
		/* without the four-tuple hash, a UDP socket whose connect()
		 * gave its wildcard binding a source address was rehashed to
		 * the head of that address's chain (udp_lib_rehash) */
		int rehashed = proto == BM_UDP && !R(h)->udp_hash4 && score[i] == 3 &&
		               bm_addr_is_any(&c->bound) && !bm_addr_is_any(&c->local);
		/* without it, a connected socket is found in its address's
		 * chain, with a higher score (linux.deliver.early) */
		r[m].conn = score[i] == 3;
		r[m].tier = r[m].conn && proto == BM_UDP && !R(h)->udp_hash4 ? 2 : score[i];
		r[m].tail = !rehashed && c->family == BM_AF_INET6 && (c->opts & RP);
		r[m].seq = rehashed ? c->connected_seq : c->bound_seq;
		r[m].i = i;
		m++;
	}
	return m;
}

/* udp4_lib_lookup4/udp6_lib_lookup4 (6.13+): connected sockets are found
 * first through their four-tuple hash, the most recently connected first
 * (linux.deliver.connected).  NULL if none is connected. */
static const bm_sock_info *hash4_connected(const bm_sock_info *cand, const rank *r, size_t m)
{
	const bm_sock_info *conn = NULL;
	for (size_t i = 0; i < m; i++) {
		const bm_sock_info *c = &cand[r[i].i];
		if (r[i].tier == 3 && (!conn || c->connected_seq > conn->connected_seq))
			conn = c;
	}
	return conn;
}

/*
 * The walk of the best tier in chain order (r sorted).  compute_score: a
 * bound device, then an AF_INET socket for an IPv4 packet; a higher score
 * replaces the result, and the first SO_REUSEPORT socket that raises it
 * ends the walk: its group decides (udp4_lib_lookup2, inet_lhash2_lookup).
 * *early: the stop passed over a connected socket (walk4: UDP without the
 * four-tuple hash, 6.1 and 6.12, where connected sockets are in the walk,
 * scored higher; linux.deliver.early).
 */
static const bm_sock_info *walk_scores(const bm_host *h, const bm_endpoint *dst,
                                       const bm_sock_info *cand, const rank *r, size_t m,
                                       int walk4, int *early)
{
	const uint8_t *d4 = v4_of(dst);
	const bm_sock_info *best = NULL;
	int hi = -1;
	*early = 0;
	for (size_t i = 0; i < m && r[i].tier == r[0].tier; i++) {
		const bm_sock_info *c = &cand[r[i].i];
		int sc = 4 * r[i].conn + (c->dev[0] ? 2 : 0) + (d4 && c->family == BM_AF_INET);
		if (sc <= hi)
			continue;
		hi = sc;
		best = c;
		/* lookup_reuseport: an unconnected SO_REUSEPORT socket's group
		 * decides at once, unless (6.1, 6.12) a member of the group
		 * connected: then the scores go on */
		if ((c->opts & RP) && !r[i].conn && !(walk4 && group_has_conns(h, c))) {
			for (size_t j = i + 1; walk4 && j < m && r[j].tier == r[i].tier; j++)
				*early |= r[j].conn;
			break;
		}
	}
	return best;
}

/* The SO_REUSEPORT group of best in the best tier, into out: same family,
 * device, uid and address; a connected member is never picked
 * (reuseport_select_sock_by_hash).  0 when best's group does not decide. */
static size_t reuseport_members(bm_proto proto, int walk4, const bm_sock_info *best,
                                const bm_sock_info *cand, const rank *r, size_t m,
                                bm_sock *out)
{
	size_t members = 0;
	if (!(best->opts & RP) || (walk4 && best->state == BM_STATE_CONNECTED))
		return 0;
	for (size_t i = 0; i < m && r[i].tier == r[0].tier; i++) {
		const bm_sock_info *c = &cand[r[i].i];
		if (in_group(c, best) && !(proto == BM_UDP && c->state == BM_STATE_CONNECTED))
			out[members++] = c->id;
	}
	if (members == 0)
		out[members++] = best->id;
	return members;
}

static size_t linux_deliver(const bm_host *h, bm_proto proto, const bm_endpoint *src,
                            const bm_endpoint *dst, const bm_sock_info *cand, size_t n,
                            int *score, bm_sock *out, bm_verdict *v)
{
	rank *r = malloc((n ? n : 1) * sizeof *r);
	if (!r) {
		/* not "nobody receives": the caller tells ENOMEM apart */
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return 0;
	}
	size_t m = rank_candidates(h, proto, dst, cand, n, score, r);
	if (m == 0) {
		free(r);
		return 0;
	}
	if (proto == BM_UDP && bm_addr_is_multicast(dst)) {
		for (size_t i = 0; i < m; i++)
			out[i] = cand[r[i].i].id;
		free(r);
		bm_verdict_set(v, BM_OK, "linux.deliver.multicast", 0,
		               "every socket on the group or the wildcard receives");
		return m;
	}
	const bm_sock_info *conn = proto == BM_UDP && R(h)->udp_hash4
	                           ? hash4_connected(cand, r, m) : NULL;
	if (conn) {
		out[0] = conn->id;
		free(r);
		bm_verdict_set(v, BM_OK, "linux.deliver.connected", conn->id,
		               "the most recently connected socket with this four-tuple");
		return 1;
	}
	qsort(r, m, sizeof *r, rank_cmp);
	int walk4 = proto == BM_UDP && !R(h)->udp_hash4, early;
	const bm_sock_info *best = walk_scores(h, dst, cand, r, m, walk4, &early);
	size_t members = reuseport_members(proto, walk4, best, cand, r, m, out);
	free(r);
	if (members > 1) {
		/* hash over the group in join order: IPv4 members came newest
		 * first, IPv6 ones (added at the chain's tail) oldest first */
		size_t k = bm_tuple_hash(src, dst) % members;
		out[0] = out[best->family != BM_AF_INET6 ? members - 1 - k : k];
		bm_verdict_set(v, BM_OK, "linux.deliver.reuseport", out[0],
		               "hashed among %zu SO_REUSEPORT sockets", members);
		return 1;
	}
	out[0] = best->id;
	if (early) {
		bm_verdict_set(v, BM_OK, "linux.deliver.early", best->id,
		               "the first unconnected SO_REUSEPORT socket in the chain ends the "
		               "walk: its group has no connected member");
		return 1;
	}
	bm_verdict_set(v, BM_OK, "linux.deliver.best", 0,
	               "the best match receives: connected, specific, then wildcard; then by "
	               "score (bound device, AF_INET) in hash chain order");
	return 1;
}

/*
 * linux.ephemeral.even: TCP scans `remaining = high - low, &= ~1` ports
 * from a random offset, wrapping only past the range's end, so the last
 * port of an odd-sized span is reached only from some offsets; from none
 * when the span has 3 ports.  bind(port 0) and listen() with SO_REUSEADDR
 * scan the lower half, then the upper one, never the whole range
 * (inet_csk_find_open_port); connect() the whole range
 * (__inet_hash_connect); UDP every port (udp_lib_get_port).  Only the
 * 3-port case is certain; larger odd spans keep their last port.
 */
static void linux_ephemeral_range(const bm_host *h, const bm_sock_info *s, int for_connect,
                                  long *lo, long *hi)
{
	(void)h;
	if (s->proto != BM_TCP)
		return;
	long n = *hi - *lo + 1;
	if (!for_connect && (s->opts & RA) && n >= 4) {
		/* the upper half: from low + ((n >> 2) << 1) */
		long upper = n - ((n >> 2) << 1);
		if (upper == 3)
			(*hi)--;
		return;
	}
	if (n == 3)
		(*hi)--;
}

/*
 * The rule behind a choice the kernel made: the port rules of bind(port 0)
 * and connect(), linux.ephemeral.even when the scan could not reach the
 * whole range and found nothing, linux.connect.prefsrc when a connect() to
 * 127/8 got 127.0.0.1 rather than the destination as its source.
 */
static const char *linux_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what,
                                     int found)
{
	if (what == BM_CHOICE_SOURCE) {
		int off = bm_addr_is_v4mapped(&s->remote) ? 12 : 0;
		int v4 = s->remote.family == BM_AF_INET || off;
		return v4 && s->remote.addr[off] == 127 &&
		               memcmp(s->local.addr, s->remote.addr, 16) != 0
		           ? "linux.connect.prefsrc"
		           : NULL;
	}
	int for_connect = what == BM_CHOICE_CONNECT_PORT;
	if (!found) {
		long lo = bm_host_knob(h, BM_KNOB_EPHEMERAL_LO), hi = bm_host_knob(h, BM_KNOB_EPHEMERAL_HI);
		long want = hi;
		/* the release's scan (linux-3.8 has none narrower) */
		if (bm_host_policy(h)->ephemeral_range)
			bm_host_policy(h)->ephemeral_range(h, s, for_connect, &lo, &hi);
		return hi < want ? "linux.ephemeral.even" : NULL;
	}
	return for_connect && s->proto == BM_TCP ? "linux.connect.bindowned" : "linux.ephemeral.bind";
}

#define LINUX_COMMON                                                        \
	.version = BM_POLICY_VERSION,                                       \
	.family = "linux",                                                  \
	.v6only_default = 0,                                                \
	.time_wait_ms = 60000,                                              \
	.ephemeral_lo = 32768, .ephemeral_hi = 60999,                       \
	.unprivileged_port_start = 1024,                                    \
	.tw_reuse = 2,                                                      \
	.loopback_net_local = 1,                                            \
	.bind_exhausted = BM_EADDRINUSE,                                    \
	.connect_exhausted = BM_EADDRNOTAVAIL,                              \
	.udp_autobind_exhausted = BM_EAGAIN,                                \
	.connect_on_listen = BM_EISCONN,                                    \
	.connect_tuple_error = BM_EADDRNOTAVAIL,                            \
	.setsockopt = linux_setsockopt,                                     \
	.bind_precheck = linux_bind_precheck,                               \
	.conflict = linux_conflict,                                         \
	.tuple_clash = linux_tuple_clash,                                   \
	.connect_port = linux_connect_port,                                 \
	.deliver = linux_deliver,                                           \
	.connect_precheck = linux_connect_precheck,                         \
	.listen_precheck = linux_listen_precheck,                           \
	.udp_connect_autobind = 1,                                          \
	.udp6_connect_v4 = 1,                                               \
	.refused_keeps_source = 1,                                          \
	.udp_connect_port0 = 1,                                             \
	.loopback_prefsrc = 1,                                              \
	.close_releases_port = 1,                                           \
	.rules = linux_rules,                                               \
	.nrules = sizeof linux_rules / sizeof linux_rules[0],               \
	.port_state_size = sizeof(linux_port),                              \
	.port_join = linux_port_join,                                       \
	.autobind_skips_bound = 1,  /* linux_connect_port: linux.connect.bindowned */ \
	.connect_tuple_only = 1,    /* linux_connect_port: same_tuple */         \
	.conflict_overlap_only = 1, /* linux_conflict: NONE unless linux_overlap */ \
	.port_search_tcp = BM_PORT_SEARCH_PARITY,  /* linux.ephemeral.bind */   \
	.tw_syn_needs_listener = 1,                /* core.connect.synold */    \
	.port_search_udp = BM_PORT_SEARCH_PARITY,                               \
	.choice_rule = linux_choice_rule

#define LINUX_REUSEPORT_OPTIONS                                             \
	(BM_SO_REUSEADDR | BM_SO_REUSEPORT | BM_IPV6_V6ONLY | BM_SO_LINGER |   \
	 BM_SO_BINDTODEVICE | BM_IP_FREEBIND)

/* remaining &= ~1U came with Linux 4.6 (commit 1580ab63fc9a): every
 * release row from 6.1 on has ephemeral_range */
const bm_policy bm_policy_linux61 = {
	LINUX_COMMON,
	.name = "linux-6.1",
	.description = "Linux 6.1 (Debian 12): the SO_REUSEADDR bucket shortcut, no UDP four-tuple hash",
	.ephemeral_range = linux_ephemeral_range,
	.options = LINUX_REUSEPORT_OPTIONS,
	.data = &LINUX_6_1,
};

const bm_policy bm_policy_linux612 = {
	LINUX_COMMON,
	.name = "linux-6.12",
	.description = "Linux 6.12 (Debian 13): bhash2 binds, no UDP four-tuple hash",
	.ephemeral_range = linux_ephemeral_range,
	.options = LINUX_REUSEPORT_OPTIONS,
	.data = &LINUX_6_12,
};

const bm_policy bm_policy_linux618 = {
	LINUX_COMMON,
	.name = "linux-6.18",
	.description = "Linux 6.18: the UDP four-tuple hash, FIN_WAIT2 orphans keep the uid check",
	.ephemeral_range = linux_ephemeral_range,
	.options = LINUX_REUSEPORT_OPTIONS,
	.data = &LINUX_6_18,
};

const bm_policy bm_policy_linux618fc = {
	LINUX_COMMON,
	.name = "linux-6.18-fc",
	.description = "Linux 6.18 -fc builds (this project's machines): a UDP bind checks every owner",
	.ephemeral_range = linux_ephemeral_range,
	.options = LINUX_REUSEPORT_OPTIONS,
	.data = &LINUX_6_18_FC,
};

const bm_policy bm_policy_linux38 = {
	LINUX_COMMON,
	.name = "linux-3.8",
	.description = "Linux before 3.9: no SO_REUSEPORT; SO_REUSEADDR as today",
	.options = BM_SO_REUSEADDR | BM_IPV6_V6ONLY | BM_SO_LINGER | BM_SO_BINDTODEVICE |
	           BM_IP_FREEBIND,
	.data = &LINUX_3_8,
};
