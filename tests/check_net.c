/* SPDX-License-Identifier: MIT */
/* check_net.c: a net of hosts (bm_net): routing, handshakes across hosts,
 * RST and TIME_WAIT on the side that closes first, and non-blocking
 * connect.  Expectations: spec/linux/remote.bms (live kernel, two
 * namespaces) and spec/core.md. */
#include "check_util.h"

static bm_sock tcp4(bm_host *h)
{
	bm_sock s;
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_TCP, 0, &s, NULL), BM_OK);
	return s;
}

static bm_state state_of(bm_host *h, bm_sock s)
{
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, s, &i), BM_OK);
	return i.state;
}

START_TEST(net_routes_and_names)
{
	bm_net *net = bm_net_new();
	const char *sa[] = {"10.0.0.1"}, *ca[] = {"10.0.0.2"}, *dup[] = {"10.0.0.1"};
	bm_result r;
	bm_host *srv = bm_net_add_host(net, "srv", "linux", sa, 1, &r);
	bm_host *cli = bm_net_add_host(net, "cli", "windows", ca, 1, &r);
	ck_assert_ptr_nonnull(srv);
	ck_assert_ptr_nonnull(cli);
	ck_assert_ptr_null(bm_net_add_host(net, "srv", "linux", NULL, 0, &r));
	ck_assert_int_eq(r, BM_EINVAL);
	ck_assert_ptr_null(bm_net_add_host(net, "x", "linux", dup, 1, &r));
	ck_assert_int_eq(r, BM_EADDRINUSE);
	ck_assert_ptr_null(bm_net_add_host(net, "y", "plan9", NULL, 0, &r));
	ck_assert_int_eq(r, BM_ENOENT);
	/* a caller's policy: checked as bm_host_new_with_policy checks it */
	bm_policy mine = *bm_personality_find("solaris");
	ck_assert_ptr_null(bm_net_add_host_with_policy(net, "z", NULL, NULL, 0, &r));
	ck_assert_int_eq(r, BM_EINVAL);
	mine.ephemeral_lo = 0;
	ck_assert_ptr_null(bm_net_add_host_with_policy(net, "z", &mine, NULL, 0, &r));
	ck_assert_int_eq(r, BM_EINVAL);
	mine.ephemeral_lo = 40000;
	bm_host *z = bm_net_add_host_with_policy(net, "z", &mine, NULL, 0, &r);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_eq(bm_host_policy(z), &mine);
	ck_assert_int_eq(bm_net_add_addr(net, cli, "10.0.0.1", NULL), BM_EADDRINUSE);
	ck_assert_uint_eq(bm_net_count(net), 3);
	ck_assert_ptr_eq(bm_net_host(net, "cli"), cli);
	ck_assert_str_eq(bm_host_name(srv), "srv");
	ck_assert_ptr_eq(bm_host_net(srv), net);
	bm_endpoint a = ep_of("10.0.0.2:0");
	ck_assert_ptr_eq(bm_net_route(net, &a), cli);
	a = ep_of("127.0.0.1:0");
	ck_assert_ptr_null(bm_net_route(net, &a));
	bm_host_free(srv);   /* ignored: the net owns it */
	ck_assert_ptr_eq(bm_net_host_at(net, 0), srv);
	bm_net_free(net);
}
END_TEST

/* issue 12 item 5: the hosts of a net number their sockets together, so a
 * handle of one host used on another is EBADF, naming the host that has it,
 * and never acts on a socket of the same number there. */
START_TEST(net_handle_of_another_host)
{
	bm_net *net = bm_net_new();
	bm_result r;
	bm_host *a = bm_net_add_host(net, "a", "linux", NULL, 0, &r);
	bm_host *b = bm_net_add_host(net, "b", "freebsd", NULL, 0, &r);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	bm_sock sa = tcp4(a), sb = tcp4(b);
	ck_assert_int_ne(sa, sb);
	bm_endpoint ep = ep_of("127.0.0.1:8080");
	bm_verdict v;
	ck_assert_int_eq(bm_bind(b, sa, &ep, &v), BM_EBADF);
	ck_assert_str_eq(v.rule, "core.handle");
	ck_assert_ptr_nonnull(strstr(v.reason, "on host a, not on b"));
	ck_assert_int_eq(state_of(b, sb), BM_STATE_CLOSED);
	ck_assert_int_eq(bm_bind(a, sa, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_close(a, sa, &v), BM_OK);
	ck_assert_int_eq(bm_close(b, sa, &v), BM_EBADF);
	ck_assert_ptr_nonnull(strstr(v.reason, "does not exist or was closed"));
	bm_net_free(net);
}
END_TEST

START_TEST(net_server_restart)
{
	bm_net *net = bm_net_new();
	const char *sa[] = {"10.0.0.1"}, *ca[] = {"10.0.0.2"};
	bm_host *srv = bm_net_add_host(net, "srv", "freebsd", sa, 1, NULL);
	bm_host *cli = bm_net_add_host(net, "cli", "linux", ca, 1, NULL);
	bm_sock l = tcp4(srv), c = tcp4(cli), a, peer;
	bm_host *ph;
	bm_endpoint ep = ep_of("10.0.0.1:80");
	ck_assert_int_eq(bm_bind(srv, l, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(srv, l, NULL), BM_OK);
	ck_assert_int_eq(bm_connect(cli, c, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_accept(srv, l, &a, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_peer(cli, c, &ph, &peer), BM_OK);
	ck_assert_ptr_eq(ph, srv);
	ck_assert_int_eq(peer, a);
	/* the server closes first: TIME_WAIT on the server, even on FreeBSD
	 * (nolocaltimewait is for local peers only) */
	ck_assert_int_eq(bm_close(srv, a, NULL), BM_OK);
	ck_assert_int_eq(state_of(srv, a), BM_STATE_TIME_WAIT);
	ck_assert_int_eq(bm_close(cli, c, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(cli, c, NULL), BM_EBADF);   /* passive: gone */
	ck_assert_int_eq(bm_close(srv, l, NULL), BM_OK);
	bm_sock n = tcp4(srv);
	ck_assert_int_eq(bm_bind(srv, n, &ep, NULL), BM_EADDRINUSE);
	bm_net_advance(net, 60000);
	ck_assert_int_eq(bm_bind(srv, n, &ep, NULL), BM_OK);
	/* nothing listens on another port: refused */
	bm_sock d = tcp4(cli);
	bm_endpoint p81 = ep_of("10.0.0.1:81");
	ck_assert_int_eq(bm_connect(cli, d, &p81, NULL), BM_ECONNREFUSED);
	bm_net_free(net);
}
END_TEST

START_TEST(net_rst_from_client)
{
	bm_net *net = bm_net_new();
	const char *sa[] = {"10.0.0.1"}, *ca[] = {"10.0.0.2"};
	bm_host *srv = bm_net_add_host(net, "srv", "linux", sa, 1, NULL);
	bm_host *cli = bm_net_add_host(net, "cli", "linux", ca, 1, NULL);
	bm_sock l = tcp4(srv), c = tcp4(cli), a;
	bm_endpoint ep = ep_of("10.0.0.1:80");
	ck_assert_int_eq(bm_bind(srv, l, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(srv, l, NULL), BM_OK);
	ck_assert_int_eq(bm_connect(cli, c, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_accept(srv, l, &a, NULL), BM_OK);
	ck_assert_int_eq(bm_setsockopt(cli, c, BM_SO_LINGER, 0, NULL), BM_OK);
	ck_assert_int_eq(bm_close(cli, c, NULL), BM_OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(srv, a, &i), BM_OK);
	ck_assert_int_eq(i.reset, 1);
	/* the reset child leaves no TIME_WAIT when it closes */
	ck_assert_int_eq(bm_close(srv, a, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(srv, a, NULL), BM_EBADF);
	bm_net_free(net);
}
END_TEST

/* observed on Linux 6.18-fc (a private netns, loopback): EINPROGRESS, ok,
 * EISCONN; refused: EINPROGRESS, ECONNREFUSED, and listen() EINVAL (on
 * 6.1 and 6.12 only while the refusal is not yet collected) */
START_TEST(nonblocking_connect_linux)
{
	bm_host *h = host_of("linux-6.18-fc");
	bm_sock l = tcp4(h), c = tcp4(h), r = tcp4(h);
	bm_endpoint ep = ep_of("127.0.0.1:8000"), no = ep_of("127.0.0.1:8001");
	ck_assert_int_eq(bm_bind(h, l, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, l, NULL), BM_OK);
	ck_assert_int_eq(bm_connect_ex(h, c, &ep, BM_CONNECT_NONBLOCK, NULL), BM_EINPROGRESS);
	ck_assert_int_eq(bm_connect(h, c, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_connect(h, c, &ep, NULL), BM_EISCONN);
	ck_assert_int_eq(bm_connect_ex(h, r, &no, BM_CONNECT_NONBLOCK, NULL), BM_EINPROGRESS);
	ck_assert_int_eq(bm_listen(h, r, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_connect(h, r, &no, NULL), BM_ECONNREFUSED);
	ck_assert_int_eq(bm_listen(h, r, NULL), BM_EINVAL);
	bm_host_free(h);
}
END_TEST

START_TEST(nonblocking_connect_windows)
{
	bm_host *h = host_of("windows");
	bm_sock l = tcp4(h), c = tcp4(h);
	bm_endpoint ep = ep_of("127.0.0.1:8000");
	ck_assert_int_eq(bm_bind(h, l, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, l, NULL), BM_OK);
	ck_assert_int_eq(bm_connect_ex(h, c, &ep, BM_CONNECT_NONBLOCK, NULL), BM_EAGAIN);
	ck_assert_int_eq(bm_connect(h, c, &ep, NULL), BM_EISCONN);
	bm_host_free(h);
}
END_TEST

Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *t = tcase_create("net");
	tcase_add_test(t, net_routes_and_names);
	tcase_add_test(t, net_handle_of_another_host);
	tcase_add_test(t, net_server_restart);
	tcase_add_test(t, net_rst_from_client);
	tcase_add_test(t, nonblocking_connect_linux);
	tcase_add_test(t, nonblocking_connect_windows);
	suite_add_tcase(s, t);
	return s;
}
