/* SPDX-License-Identifier: MIT */
/*
 * check_ops.c: the operation state machine: handles, states, TIME_WAIT,
 * accept, autobind, deliver, verdicts.  Expected values are Linux's
 * (shared/research/linux.md, observed on 6.18) unless a test says otherwise.
 */
#include "check_util.h"

static bm_host *h;

static void setup(void)
{
	h = host_of("linux");
}

static void teardown(void)
{
	bm_host_free(h);
	h = NULL;
}

START_TEST(bad_handles_are_ebadf)
{
	bm_endpoint ep = ep_of("0.0.0.0:5000");
	bm_verdict v;
	bm_sock c;
	ck_assert_int_eq(bm_bind(h, 0, &ep, &v), BM_EBADF);
	ck_assert_str_eq(v.rule, "core.handle");
	ck_assert_int_eq(bm_bind(h, 42, &ep, NULL), BM_EBADF);
	ck_assert_int_eq(bm_bind(h, -1, &ep, NULL), BM_EBADF);
	ck_assert_int_eq(bm_listen(h, 7, NULL), BM_EBADF);
	ck_assert_int_eq(bm_connect(h, 7, &ep, NULL), BM_EBADF);
	ck_assert_int_eq(bm_accept(h, 7, &c, NULL), BM_EBADF);
	ck_assert_int_eq(c, BM_NO_SOCK);
	ck_assert_int_eq(bm_close(h, 7, NULL), BM_EBADF);
	ck_assert_int_eq(bm_setsockopt(h, 7, BM_SO_REUSEADDR, 1, NULL), BM_EBADF);
	ck_assert_int_eq(bm_sock_query(h, 7, NULL), BM_EBADF);
}
END_TEST

START_TEST(closed_handle_is_ebadf)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_EBADF);
	ck_assert_int_eq(bind_to(h, a, "0.0.0.0:5000"), BM_EBADF);
	/* handles are never reused */
	bm_sock b = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_ne(a, b);
}
END_TEST

START_TEST(null_host_is_einval)
{
	bm_endpoint ep = ep_of("0.0.0.0:5000");
	bm_sock s;
	bm_verdict v;
	ck_assert_int_eq(bm_socket(NULL, BM_AF_INET, BM_TCP, 0, &s, &v), BM_EINVAL);
	ck_assert_int_eq(bm_bind(NULL, 1, &ep, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_listen(NULL, 1, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_connect(NULL, 1, &ep, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_accept(NULL, 1, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_close(NULL, 1, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt(NULL, 1, BM_SO_REUSEADDR, 1, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt_dev(NULL, 1, "lo", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_deliver(NULL, BM_UDP, &ep, &ep, NULL, 0, NULL, NULL), BM_EINVAL);
	ck_assert_ptr_null(bm_last_verdict(NULL));
}
END_TEST

START_TEST(bad_family_and_protocol)
{
	bm_sock s;
	ck_assert_int_eq(bm_socket(h, (bm_family)3, BM_TCP, 0, &s, NULL), BM_EAFNOSUPPORT);
	ck_assert_int_eq(s, BM_NO_SOCK);
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, (bm_proto)9, 0, &s, NULL), BM_EAFNOSUPPORT);
}
END_TEST

START_TEST(bind_null_or_garbage_endpoint)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bm_endpoint junk;
	memset(&junk, 0x5a, sizeof junk);
	ck_assert_int_eq(bm_bind(h, a, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_bind(h, a, &junk, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_connect(h, a, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_connect(h, a, &junk, NULL), BM_EINVAL);
}
END_TEST

START_TEST(family_mismatch)
{
	/* linux.md 3.1 step 2 (EAFNOSUPPORT), 3.2 step 1 (short address: EINVAL) */
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp6", 0, 0);
	ck_assert_int_eq(bind_to(h, a, "[::1]:5000"), BM_EAFNOSUPPORT);
	ck_assert_int_eq(bind_to(h, b, "127.0.0.1:5000"), BM_EINVAL);
}
END_TEST

START_TEST(bind_twice_is_einval)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_int_eq(bind_to(h, a, "0.0.0.0:5001"), BM_EINVAL);
}
END_TEST

START_TEST(verdict_names_conflict)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_int_eq(bind_verdict(h, b, "127.0.0.1:5000", &v), BM_EADDRINUSE);
	ck_assert_int_eq(v.conflict, a);
	ck_assert_str_eq(v.rule, "linux.tcp.bind.conflict");
	ck_assert(v.reason[0] != 0);
	ck_assert_int_eq(bm_last_verdict(h)->code, BM_EADDRINUSE);
	ck_assert_int_eq(bm_last_verdict(h)->conflict, a);
}
END_TEST

START_TEST(listen_udp_is_eopnotsupp)
{
	/* linux.md 4.4: listen() on UDP -> EOPNOTSUPP (ER9) */
	bm_sock u = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(bm_listen(h, u, NULL), BM_EOPNOTSUPP);
}
END_TEST

START_TEST(listen_autobinds)
{
	/* linux.md 4.4: listen() on an unbound socket autobinds as bind(0) */
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bm_sock_info i;
	ck_assert_int_eq(bm_listen(h, a, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_LISTEN);
	ck_assert_int_ge(i.local.port, 32768);
	ck_assert_int_le(i.local.port, 60999);
	ck_assert(bm_addr_is_any(&i.local));
	ck_assert_int_eq(bm_listen(h, a, NULL), BM_OK);   /* ER12: only the backlog */
}
END_TEST

START_TEST(listen_after_connect_is_einval)
{
	/* linux.md 4.4: listen() after connect -> EINVAL (ER15) */
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_connect(h, l, c, "127.0.0.1:6000");
	ck_assert_int_eq(bm_listen(h, c, NULL), BM_EINVAL);
}
END_TEST

START_TEST(connect_states)
{
	/* linux.md 9.1: EISCONN when connected (ER16) or listening (ER13) */
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_connect(h, l, c, "127.0.0.1:6000");
	ck_assert_int_eq(connect_to(h, c, "127.0.0.1:6000"), BM_EISCONN);
	ck_assert_int_eq(connect_to(h, l, "127.0.0.1:6000"), BM_EISCONN);
}
END_TEST

START_TEST(connect_refused_without_listener)
{
	bm_sock c = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	ck_assert_int_eq(connect_verdict(h, c, "127.0.0.1:6001", &v), BM_ECONNREFUSED);
	ck_assert_str_eq(v.rule, "core.connect.refused");
	/* a failed connect leaves the socket unbound and usable */
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_CLOSED);
}
END_TEST

START_TEST(accept_queue)
{
	bm_sock l = sock_of(h, "tcp4", BM_SO_REUSEADDR, 0), c = sock_of(h, "tcp4", 0, 0), child;
	ck_assert_int_eq(bm_accept(h, l, &child, NULL), BM_EINVAL);   /* not listening */
	listen_on(h, l, "0.0.0.0:6000");
	ck_assert_int_eq(bm_accept(h, l, &child, NULL), BM_EAGAIN);
	ck_assert_int_eq(connect_to(h, c, "127.0.0.1:6000"), BM_OK);
	ck_assert_int_eq(bm_accept(h, l, &child, NULL), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, child, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_CONNECTED);
	ck_assert_int_eq(i.local.port, 6000);
	ck_assert_int_eq(i.parent, l);
	ck_assert_uint_eq(i.opts & BM_SO_REUSEADDR, BM_SO_REUSEADDR);   /* inherited */
	bm_sock_info ci;
	ck_assert_int_eq(bm_sock_query(h, c, &ci), BM_OK);
	ck_assert_int_eq(i.remote.port, ci.local.port);
	ck_assert_int_eq(bm_accept(h, l, &child, NULL), BM_EAGAIN);
	bm_sock u = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(bm_accept(h, u, &child, NULL), BM_EOPNOTSUPP);
}
END_TEST

/* A connected pair over loopback: client c and accepted child a. */
static void pair(bm_sock *l, bm_sock *c, bm_sock *a, unsigned lopts)
{
	*l = sock_of(h, "tcp4", lopts, 0);
	*c = sock_of(h, "tcp4", 0, 0);
	connected_pair(h, *l, *c, a, "127.0.0.1:7000");
}

START_TEST(active_close_leaves_time_wait)
{
	/* bind_timewait.c (linux.md 14.2): the server child closes first */
	bm_sock l, c, a, n;
	pair(&l, &c, &a, 0);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_TIME_WAIT);
	ck_assert_uint_eq(i.tw_expires_ms, 60000);
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_EBADF);   /* passive closer: gone */
	n = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bind_to(h, n, "127.0.0.1:7000"), BM_EADDRINUSE);
	bm_advance(h, 59999);
	ck_assert_int_eq(bind_to(h, n, "127.0.0.1:7000"), BM_EADDRINUSE);
	bm_advance(h, 1);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_EBADF);
	bind_ok(h, n, "127.0.0.1:7000");
}
END_TEST

START_TEST(time_wait_handle_is_dead)
{
	bm_sock l, c, a;
	pair(&l, &c, &a, 0);
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, c, NULL), BM_EBADF);
	ck_assert_int_eq(bm_setsockopt(h, c, BM_SO_REUSEADDR, 1, NULL), BM_EBADF);
}
END_TEST

START_TEST(linger_zero_aborts)
{
	bm_sock l, c, a, n;
	pair(&l, &c, &a, 0);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_LINGER, 0, NULL), BM_OK);
	bm_verdict v;
	ck_assert_int_eq(bm_close(h, a, &v), BM_OK);
	ck_assert_str_eq(v.rule, "core.close.abort");
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, c, &v), BM_OK);   /* reset: no TIME_WAIT either */
	n = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, n, "127.0.0.1:7000");
}
END_TEST

START_TEST(linger_values)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bm_sock_info i;
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_LINGER, 5, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_int_eq(i.linger, 5);
	ck_assert_uint_eq(i.opts & BM_SO_LINGER, BM_SO_LINGER);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_LINGER, -1, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_int_eq(i.linger, -1);
	ck_assert_uint_eq(i.opts & BM_SO_LINGER, 0);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_LINGER, -2, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_REUSEADDR, 2, NULL), BM_EINVAL);
}
END_TEST

START_TEST(client_closes_first)
{
	bm_sock l, c, a;
	bm_sock_info ci;
	pair(&l, &c, &a, 0);
	ck_assert_int_eq(bm_sock_query(h, c, &ci), BM_OK);
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_TIME_WAIT);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_EBADF);
	/* the listener's port is free of TIME_WAIT: a restart works after close */
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	bm_sock n = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, n, "127.0.0.1:7000");
}
END_TEST

START_TEST(children_keep_port_after_listener_close)
{
	/* linux.md 11, CL2: accepted children stay owners of the port */
	bm_sock l, c, a;
	pair(&l, &c, &a, 0);
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	bm_sock n = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bind_to(h, n, "127.0.0.1:7000"), BM_EADDRINUSE);
	bind_ok(h, n, "127.0.0.2:7000");
}
END_TEST

START_TEST(pending_children_reset_on_listener_close)
{
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_connect(h, l, c, "127.0.0.1:7100");
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	bm_sock n = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, n, "127.0.0.1:7100");
	bm_verdict v;
	ck_assert_int_eq(bm_close(h, c, &v), BM_OK);
	ck_assert_str_eq(v.rule, "core.close.abort");
}
END_TEST

START_TEST(connect_source_address)
{
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", NULL), BM_OK);
	listen_on(h, l, "10.0.0.1:80");
	bind_ok(h, c, "0.0.0.0:0");
	ck_assert_int_eq(connect_to(h, c, "10.0.0.1:80"), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	char buf[BM_ENDPOINT_STRLEN];
	ck_assert_str_eq(bm_addr_format(&i.local, buf, sizeof buf), "10.0.0.1");
	ck_assert_int_eq(i.state, BM_STATE_CONNECTED);
}
END_TEST

START_TEST(connect_to_wildcard_means_loopback)
{
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_on(h, l, "127.0.0.1:7200");
	ck_assert_int_eq(connect_to(h, c, "0.0.0.0:7200"), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	ck_assert(bm_addr_is_loopback(&i.remote));
}
END_TEST

START_TEST(connect_remote_needs_a_route)
{
	bm_sock c = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, c, "198.51.100.7:80"), BM_ENETUNREACH);
	ck_assert_int_eq(bm_host_add_addr(h, "192.0.2.1", NULL), BM_OK);
	ck_assert_int_eq(connect_to(h, c, "198.51.100.7:80"), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	char buf[BM_ENDPOINT_STRLEN];
	ck_assert_str_eq(bm_addr_format(&i.local, buf, sizeof buf), "192.0.2.1");
	/* no local peer: closing it is an active close */
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, c, &i), BM_OK);
	ck_assert_int_eq(i.state, BM_STATE_TIME_WAIT);
}
END_TEST

START_TEST(connect_bad_destinations)
{
	bm_sock c = sock_of(h, "tcp4", 0, 0), u = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(connect_to(h, c, "127.0.0.1:0"), BM_ECONNREFUSED);
	ck_assert_int_eq(connect_to(h, c, "[::1]:80"), BM_EAFNOSUPPORT);
	/* Linux __ip4_datagram_connect has no port check (linux.connect.udp_port0,
	 * observed on 6.18) */
	ck_assert_int_eq(connect_to(h, u, "127.0.0.1:0"), BM_OK);
}
END_TEST

START_TEST(udp_connect_twice)
{
	bm_sock u = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(connect_to(h, u, "127.0.0.1:53"), BM_OK);
	ck_assert_int_eq(connect_to(h, u, "127.0.0.1:54"), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, u, &i), BM_OK);
	ck_assert_int_eq(i.remote.port, 54);
	ck_assert(i.port_from_connect);
}
END_TEST

START_TEST(deliver_most_specific)
{
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEADDR, 0), b = sock_of(h, "udp4", BM_SO_REUSEADDR, 0);
	bind_ok(h, a, "0.0.0.0:53");
	bind_ok(h, b, "127.0.0.1:53");
	bm_endpoint src = ep_of("127.0.0.9:4000"), dst = ep_of("127.0.0.1:53"), dst2 = ep_of("127.0.0.2:53");
	bm_sock got[4];
	size_t n;
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &dst, got, 4, &n, NULL), BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], b);
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &dst2, got, 4, &n, NULL), BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], a);
	bm_endpoint none = ep_of("127.0.0.1:54");
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &none, got, 4, &n, NULL), BM_ECONNREFUSED);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(deliver_multicast_fans_out)
{
	/* linux.md 10: 224.1.2.3 twice needs SO_REUSEADDR on both (MC1) */
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEADDR, 0), b = sock_of(h, "udp4", BM_SO_REUSEADDR, 0),
	        c = sock_of(h, "udp4", BM_SO_REUSEADDR, 0);
	bind_both(h, a, b, "224.1.2.3:5000");
	bind_ok(h, c, "224.1.2.4:5000");
	bm_endpoint src = ep_of("127.0.0.1:4000"), dst = ep_of("224.1.2.3:5000");
	bm_sock got[4];
	size_t n;
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &dst, got, 4, &n, NULL), BM_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert((got[0] == a && got[1] == b) || (got[0] == b && got[1] == a));
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &dst, got, 1, &n, NULL), BM_OK);
	ck_assert_uint_eq(n, 1);   /* capped by max */
}
END_TEST

START_TEST(deliver_bad_packet)
{
	bm_endpoint a = ep_of("127.0.0.1:1"), b = ep_of("[::1]:1");
	size_t n = 9;
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &a, &b, NULL, 0, &n, NULL), BM_EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bm_deliver(h, BM_UDP, NULL, &b, NULL, 0, &n, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_deliver(h, (bm_proto)7, &a, &a, NULL, 0, &n, NULL), BM_EINVAL);
}
END_TEST

START_TEST(deliver_tcp_reuseport_group_hashes)
{
	/* reuseport_addr_any.c (linux.md 14.4): listeners share by hash */
	bm_sock s[4];
	for (int i = 0; i < 4; i++) {
		s[i] = sock_of(h, "tcp4", BM_SO_REUSEPORT, 1000);
		listen_on(h, s[i], "0.0.0.0:8888");
	}
	int seen[4] = {0};
	for (int p = 1; p <= 64; p++) {
		bm_endpoint src = ep_of("127.0.0.1:1"), dst = ep_of("127.0.0.1:8888");
		src.port = (uint16_t)(40000 + p);
		bm_sock got[1];
		size_t n;
		ck_assert_int_eq(bm_deliver(h, BM_TCP, &src, &dst, got, 1, &n, NULL), BM_OK);
		ck_assert_uint_eq(n, 1);
		for (int i = 0; i < 4; i++)
			seen[i] += got[0] == s[i];
	}
	int used = 0;
	for (int i = 0; i < 4; i++)
		used += seen[i] > 0;
	ck_assert_int_gt(used, 1);
}
END_TEST

START_TEST(setsockopt_bindtodevice)
{
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_BINDTODEVICE, 1, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt_dev(h, a, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt_dev(h, a, "averyveryverylongifname", NULL), BM_EINVAL);
	/* sock_setbindtodevice: an unknown device is ENODEV */
	ck_assert_int_eq(bm_setsockopt_dev(h, a, "eth0", NULL), BM_ENODEV);
	ck_assert_int_eq(bm_setsockopt_dev(h, a, "lo", NULL), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", "eth0"), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.1.1", "eth1"), BM_OK);
	ck_assert_int_eq(bm_setsockopt_dev(h, a, "eth0", NULL), BM_OK);
	ck_assert_int_eq(bm_setsockopt_dev(h, b, "eth1", NULL), BM_OK);
	/* linux.md 2.4: different devices never overlap (BD1-BD5) */
	bind_both(h, a, b, "0.0.0.0:5353");
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_str_eq(i.dev, "eth0");
	ck_assert_int_eq(bm_setsockopt_dev(h, a, "", NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, a, &i), BM_OK);
	ck_assert_str_eq(i.dev, "");
}
END_TEST

static int count_cb(const bm_sock_info *s, void *arg)
{
	(void)s;
	++*(int *)arg;
	return 0;
}

static int stop_cb(const bm_sock_info *s, void *arg)
{
	(void)s;
	++*(int *)arg;
	return 1;
}

START_TEST(foreach_visits_live_sockets)
{
	int n = 0;
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	sock_of(h, "tcp4", 0, 0);
	sock_of(h, "udp6", 0, 0);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);
	bm_sock_foreach(h, count_cb, &n);
	ck_assert_int_eq(n, 2);
	n = 0;
	bm_sock_foreach(h, stop_cb, &n);
	ck_assert_int_eq(n, 1);
	bm_sock_foreach(NULL, count_cb, &n);
	bm_sock_foreach(h, NULL, &n);
	ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(many_sockets_one_port)
{
	/* bind_bhash.c (linux.md 14.7): many SO_REUSEPORT owners of one port */
	for (int i = 0; i < 2000; i++) {
		bm_sock s = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0);
		bind_ok(h, s, "127.0.0.1:9999");
	}
	bm_sock p = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, p, "127.0.0.2:9999");
	bm_sock q = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bind_to(h, q, "127.0.0.1:9999"), BM_EADDRINUSE);
}
END_TEST

START_TEST(error_names_default)
{
	ck_assert_str_eq(bm_host_error_name(h, BM_EADDRINUSE), "EADDRINUSE");
	ck_assert_str_eq(bm_host_error_name(NULL, BM_EACCES), "EACCES");
}
END_TEST

/* The reason is made when read (issue 11): the text must be what
 * snprintf gives for the same format, conversion by conversion. */
#define SAME_AS_SNPRINTF(...) do { \
	bm_verdict v_; \
	char want_[sizeof v_.reason]; \
	snprintf(want_, sizeof want_, __VA_ARGS__); \
	bm_verdict_set(&v_, BM_OK, "core.args", 0, __VA_ARGS__); \
	ck_assert_str_eq(bm_verdict_reason(&v_), want_); \
	ck_assert_str_eq(v_.reason, want_); \
} while (0)

START_TEST(lazy_reason_matches_snprintf)
{
	char local[64];
	snprintf(local, sizeof local, "%s", "127.0.0.1:5000");
	SAME_AS_SNPRINTF("plain text, 100%% literal");
	SAME_AS_SNPRINTF("socket %d holds %s", 7, local);
	SAME_AS_SNPRINTF("%u %ld %lu %lld %llu %zu", 4000000000u, -5L, 6UL, -7LL, 8ULL, (size_t)9);
	SAME_AS_SNPRINTF("[%5d|%-5d|%05d|%+d|%x|%#o|%X]", 42, 42, 42, 42, 255, 8, 0xBEEF);
	SAME_AS_SNPRINTF("%.*s|%.3s|%10s|%-10s|%*d|%-*.*s|", 4, "abcdefgh", "wxyz", "r", "l", 6, 3,
	                 8, 2, "precision");
	SAME_AS_SNPRINTF("%c%c %hhd %hd %hu %.2f %g", 'o', 'k', (signed char)-3, (short)-7,
	                 (unsigned short)65535, 1.5, 0.25);
	/* strings longer than the record holds, a NULL string, many arguments
	 * and an unusual conversion are formatted at once: the same text */
	char big[300];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = 0;
	SAME_AS_SNPRINTF("%s and %s", big, big);
	SAME_AS_SNPRINTF("%d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	SAME_AS_SNPRINTF("%jd %td", (intmax_t)-3, (ptrdiff_t)4);
	SAME_AS_SNPRINTF("%Lf", 2.5L);
	/* bm_verdict_set keeps each argument as its C type (the macro gives
	 * them) and printf reads it as the conversion says: a sign or a width
	 * that differs from the argument's reads as printf would */
	int minus = -1, n300 = 300;
	long lminus = -5;
	SAME_AS_SNPRINTF("%u %x %hhu %hd %lu %c %o", minus, minus, n300, n300,
	                 (unsigned long)lminus, 65 + n300 - 300, (unsigned)n300);
	SAME_AS_SNPRINTF("%p and %s", (void *)&n300, "a pointer is kept by reading fmt");
	SAME_AS_SNPRINTF("%f %e %zu %s%s%s", 1.25f, 3.0, sizeof n300, "", "x", "");
}
END_TEST

/* bm_verdict_set_static keeps pointers to its strings, not copies: the
 * same text, from the verdict and from a copy of it; with more arguments
 * than the record holds it formats at once, as bm_verdict_set does. */
START_TEST(static_strings_kept_by_pointer)
{
	bm_verdict v, copy;
	const char *state = bm_state_name(BM_STATE_LISTEN);
	bm_verdict_set_static(&v, BM_EADDRINUSE, "core.args", 4, "socket %d holds it (%s%s)", 4,
	                      state, "");
	ck_assert_int_eq(v.lazy_.nstr, 0);   /* nothing copied */
	copy = v;
	memset(&v, 'x', sizeof v);
	ck_assert_str_eq(bm_verdict_reason(&copy), "socket 4 holds it (LISTEN)");
	bm_verdict_set_static(&v, BM_OK, "core.args", 0, "%s|%.3s|%-6s|", "TIME_WAIT", "BOUND",
	                      state);
	ck_assert_str_eq(bm_verdict_reason(&v), "TIME_WAIT|BOU|LISTEN|");
	bm_verdict_set_static(&v, BM_OK, "core.args", 0, "%s %d %d %d %d %d %d %d %d", state, 1,
	                      2, 3, 4, 5, 6, 7, 8);
	ck_assert_str_eq(bm_verdict_reason(&v), "LISTEN 1 2 3 4 5 6 7 8");
	/* a verdict set again by bm_verdict_set copies its strings again */
	char local[16] = "dev0";
	bm_verdict_set(&v, BM_OK, "core.args", 0, "%s", local);
	strcpy(local, "gone");
	ck_assert_str_eq(bm_verdict_reason(&v), "dev0");
}
END_TEST

/* bm_verdict_set_args_, which the C11 macros call: a NULL string reads
 * as the variadic way's "(null)", formatted at once; a count past 8 or no
 * array keeps only the format's text, never reads past what was passed. */
START_TEST(args_array_edges)
{
	bm_verdict v;
	const char *none = NULL;
	bm_verdict_set(&v, BM_OK, "core.args", 0, "dev %s, socket %d", none, 3);
	ck_assert_ptr_null(v.lazy_.fmt);   /* formatted at once */
	ck_assert_str_eq(v.reason, "dev (null), socket 3");
	bm_verdict_set_static(&v, BM_OK, "core.args", 0, "[%s]", none);
	ck_assert_str_eq(bm_verdict_reason(&v), "[(null)]");
	union bm_verdict_arg_ a[1];
	a[0].i = 5;
	ck_assert_int_eq(bm_verdict_set_args_(&v, BM_EINVAL, "core.args", 0, 9, "n %d", a),
	                 BM_EINVAL);
	ck_assert_str_eq(bm_verdict_reason(&v), "n %d");
	bm_verdict_set_args_(&v, BM_OK, "core.args", 0, 1 | 1 << 4, "n %d", NULL);
	ck_assert_str_eq(bm_verdict_reason(&v), "n %d");
	bm_verdict_set_args_(&v, BM_OK, "core.args", 0, 1 | 1 << 4, "n %d", a);
	ck_assert_str_eq(bm_verdict_reason(&v), "n 5");
	ck_assert_int_eq(bm_verdict_set_args_(NULL, BM_EACCES, "core.args", 0, 0, "x", NULL),
	                 BM_EACCES);
	bm_verdict_set_args_(&v, BM_OK, "core.args", 0, 0, NULL, NULL);
	ck_assert_str_eq(bm_verdict_reason(&v), "");
}
END_TEST

/* The function itself (C++, function pointers) reads fmt for the types:
 * the same text. */
#define SAME_AS_SNPRINTF_UNTYPED(...) do { \
	bm_verdict v_; \
	char want_[sizeof v_.reason]; \
	snprintf(want_, sizeof want_, __VA_ARGS__); \
	(bm_verdict_set)(&v_, BM_OK, "core.args", 0, __VA_ARGS__); \
	ck_assert_str_eq(bm_verdict_reason(&v_), want_); \
} while (0)

START_TEST(untyped_reason_matches_snprintf)
{
	int minus = -1, big = 300;
	SAME_AS_SNPRINTF_UNTYPED("socket %d holds %s (%s%s)", 7, "127.0.0.1:5000", "BOUND", "");
	SAME_AS_SNPRINTF_UNTYPED("%u %x %hhu %hd %ld %.*s|", minus, minus, big, big, -5L, 3,
	                         "abcdef");
	bm_result (*set)(bm_verdict *, bm_result, const char *, bm_sock, const char *, ...) =
		bm_verdict_set;
	bm_verdict v;
	ck_assert_int_eq(set(&v, BM_EADDRINUSE, "core.args", 3, "through a pointer: %d", 3),
	                 BM_EADDRINUSE);
	ck_assert_str_eq(bm_verdict_reason(&v), "through a pointer: 3");
	ck_assert_int_eq(v.conflict, 3);
}
END_TEST

START_TEST(lazy_reason_outlives_its_arguments)
{
	bm_verdict v, copy;
	char buf[32];
	snprintf(buf, sizeof buf, "dev%d", 3);
	bm_verdict_set(&v, BM_ENODEV, "core.opt.nodev", 0, "no interface named %s", buf);
	strcpy(buf, "changed");
	copy = v;   /* a copy is a whole verdict: no pointer into the original */
	memset(&v, 'x', sizeof v);
	ck_assert_str_eq(bm_verdict_reason(&copy), "no interface named dev3");
	ck_assert_str_eq(bm_verdict_reason(&copy), "no interface named dev3");
	ck_assert_str_eq(bm_verdict_reason(NULL), "");
}
END_TEST

/* A bind that shares a port names the rule that let it, and its reason
 * wraps the rule's own: made when read, the same text as made at once. */
START_TEST(lazy_shared_reason)
{
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEADDR, 0), b = sock_of(h, "udp4", BM_SO_REUSEADDR, 0);
	bind_ok(h, a, "127.0.0.1:5000");
	ck_assert_int_eq(bind_to(h, b, "127.0.0.1:5000"), BM_OK);
	bm_verdict copy;
	bm_last_verdict_copy(h, &copy);
	ck_assert_str_eq(copy.rule, "linux.udp.bind.reuseaddr");
	ck_assert_int_eq(copy.conflict, a);
	char want[200];
	snprintf(want, sizeof want, "bound to 127.0.0.1:5000, sharing the port with socket %d: "
	         "both have SO_REUSEADDR", a);
	ck_assert_str_eq(bm_verdict_reason(&copy), want);
	ck_assert_str_eq(bm_last_verdict(h)->reason, want);
	/* no owner named: "sharing the port"; a verdict passed in has it at once */
	bm_sock c = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0), d = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0);
	bind_ok(h, c, "127.0.0.1:5001");
	bm_verdict v;
	ck_assert_int_eq(bind_verdict(h, d, "127.0.0.1:5001", &v), BM_OK);
	ck_assert_str_eq(v.rule, "linux.tcp.bind.fastreuseport");
	ck_assert_int_eq(v.conflict, BM_NO_SOCK);
	ck_assert_str_eq(v.reason, "bound to 127.0.0.1:5001, sharing the port: SO_REUSEPORT, uid 0: "
	                 "the port's fast reuseport state matches");
	/* a rule whose reason keeps a state's name by pointer
	 * (bm_verdict_set_static), wrapped the same way, read from a copy */
	bm_result err;
	bm_host *sol = bm_host_new("solaris", &err);
	ck_assert_ptr_nonnull(sol);
	bm_sock e = sock_of(sol, "tcp4", 0, 0), f = sock_of(sol, "tcp4", BM_SO_REUSEADDR, 0);
	bind_ok(sol, e, "0.0.0.0:5002");
	ck_assert_int_eq(bind_to(sol, f, "127.0.0.1:5002"), BM_OK);
	bm_last_verdict_copy(sol, &copy);
	ck_assert_str_eq(copy.rule, "solaris.tcp.bind.reuseaddr");
	snprintf(want, sizeof want, "bound to 127.0.0.1:5002, sharing the port with socket %d: "
	         "SO_REUSEADDR: socket %d (BOUND) does not block", e, e);
	bm_host_free(sol);   /* the text needs nothing of the host */
	ck_assert_str_eq(bm_verdict_reason(&copy), want);
}
END_TEST

/* A connect()'s reason names both ends; they are formatted when read. */
START_TEST(lazy_connect_reason)
{
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, l, "127.0.0.1:5000");
	ck_assert_int_eq(bm_listen(h, l, NULL), BM_OK);
	ck_assert_int_eq(connect_to(h, c, "127.0.0.1:5000"), BM_OK);
	bm_verdict copy;
	bm_last_verdict_copy(h, &copy);
	bm_sock_info info;
	ck_assert_int_eq(bm_sock_query(h, c, &info), BM_OK);
	char want[100];
	snprintf(want, sizeof want, "127.0.0.1:%u -> 127.0.0.1:5000", info.local.port);
	ck_assert_str_eq(bm_verdict_reason(&copy), want);
	ck_assert_str_eq(bm_last_verdict(h)->reason, want);
}
END_TEST

START_TEST(lazy_reason_reaches_every_reader)
{
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:5000");
	/* no verdict passed: the host keeps it, made when read */
	ck_assert_int_eq(bind_to(h, b, "127.0.0.1:5000"), BM_EADDRINUSE);
	bm_verdict copy;
	bm_last_verdict_copy(h, &copy);
	ck_assert_str_eq(copy.rule, "linux.tcp.bind.conflict");
	char want[100];
	snprintf(want, sizeof want, "socket %d holds an overlapping binding (BOUND)", a);
	ck_assert_str_eq(bm_verdict_reason(&copy), want);
	ck_assert_str_eq(bm_last_verdict(h)->reason, want);
	/* a verdict passed in has its text when the call returns */
	bm_verdict v;
	memset(&v, 'x', sizeof v);
	ck_assert_int_eq(bind_verdict(h, a, "0.0.0.0:5001", &v), BM_EINVAL);
	ck_assert_str_eq(v.reason, bm_last_verdict(h)->reason);
	ck_assert(v.reason[0] != 0);
	ck_assert_int_eq(bm_socket(NULL, BM_AF_INET, BM_TCP, 0, NULL, &v), BM_EINVAL);
	ck_assert_str_eq(v.reason, "no host");
	bm_last_verdict_copy(NULL, &copy);
	ck_assert_ptr_null(copy.rule);
	ck_assert_str_eq(bm_verdict_reason(&copy), "");
}
END_TEST

Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *t = tcase_create("ops");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, bad_handles_are_ebadf);
	tcase_add_test(t, closed_handle_is_ebadf);
	tcase_add_test(t, null_host_is_einval);
	tcase_add_test(t, bad_family_and_protocol);
	tcase_add_test(t, bind_null_or_garbage_endpoint);
	tcase_add_test(t, family_mismatch);
	tcase_add_test(t, bind_twice_is_einval);
	tcase_add_test(t, verdict_names_conflict);
	tcase_add_test(t, lazy_reason_matches_snprintf);
	tcase_add_test(t, untyped_reason_matches_snprintf);
	tcase_add_test(t, static_strings_kept_by_pointer);
	tcase_add_test(t, args_array_edges);
	tcase_add_test(t, lazy_shared_reason);
	tcase_add_test(t, lazy_connect_reason);
	tcase_add_test(t, lazy_reason_outlives_its_arguments);
	tcase_add_test(t, lazy_reason_reaches_every_reader);
	tcase_add_test(t, listen_udp_is_eopnotsupp);
	tcase_add_test(t, listen_autobinds);
	tcase_add_test(t, listen_after_connect_is_einval);
	tcase_add_test(t, connect_states);
	tcase_add_test(t, connect_refused_without_listener);
	tcase_add_test(t, accept_queue);
	tcase_add_test(t, active_close_leaves_time_wait);
	tcase_add_test(t, time_wait_handle_is_dead);
	tcase_add_test(t, linger_zero_aborts);
	tcase_add_test(t, linger_values);
	tcase_add_test(t, client_closes_first);
	tcase_add_test(t, children_keep_port_after_listener_close);
	tcase_add_test(t, pending_children_reset_on_listener_close);
	tcase_add_test(t, connect_source_address);
	tcase_add_test(t, connect_to_wildcard_means_loopback);
	tcase_add_test(t, connect_remote_needs_a_route);
	tcase_add_test(t, connect_bad_destinations);
	tcase_add_test(t, udp_connect_twice);
	tcase_add_test(t, deliver_most_specific);
	tcase_add_test(t, deliver_multicast_fans_out);
	tcase_add_test(t, deliver_bad_packet);
	tcase_add_test(t, deliver_tcp_reuseport_group_hashes);
	tcase_add_test(t, setsockopt_bindtodevice);
	tcase_add_test(t, foreach_visits_live_sockets);
	tcase_add_test(t, many_sockets_one_port);
	tcase_add_test(t, error_names_default);
	suite_add_tcase(s, t);
	return s;
}
