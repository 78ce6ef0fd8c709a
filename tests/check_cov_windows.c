/* SPDX-License-Identifier: MIT */
/*
 * check_cov_windows.c: Windows rules and names the scenarios did not reach.
 *
 * Error names and numbers: Microsoft Learn, "Windows Sockets Error Codes"
 * (winsock2.h WSABASEERR + n).  Port rules: spec/windows.md, citing
 * Microsoft Learn SOL_SOCKET options (SO_REUSE_UNICASTPORT) and the
 * connect function (WSAENOBUFS).
 */
#include "check_util.h"

static const struct {
	bm_result r;
	const char *name;
} winsock_names[] = {
	{BM_EADDRINUSE, "WSAEADDRINUSE (10048)"},
	{BM_EADDRNOTAVAIL, "WSAEADDRNOTAVAIL (10049)"},
	{BM_EACCES, "WSAEACCES (10013)"},
	{BM_EINVAL, "WSAEINVAL (10022)"},
	{BM_EISCONN, "WSAEISCONN (10056)"},
	{BM_ENOTCONN, "WSAENOTCONN (10057)"},
	{BM_ENOPROTOOPT, "WSAENOPROTOOPT (10042)"},
	{BM_EOPNOTSUPP, "WSAEOPNOTSUPP (10045)"},
	{BM_EAFNOSUPPORT, "WSAEAFNOSUPPORT (10047)"},
	{BM_EAGAIN, "WSAEWOULDBLOCK (10035)"},
	{BM_ECONNREFUSED, "WSAECONNREFUSED (10061)"},
	{BM_EALREADY, "WSAEALREADY (10037)"},
	{BM_EBADF, "WSAENOTSOCK (10038)"},
	{BM_ENOBUFS, "WSAENOBUFS (10055)"},
	{BM_ENETUNREACH, "WSAENETUNREACH (10051)"},
};

/* Each result renders as its Winsock name and number, on both Windows
 * personalities. */
START_TEST(winsock_error_names)
{
	static const char *const oses[] = {"windows", "windows-2000"};
	bm_host *h = host_of(oses[_i]);
	for (size_t i = 0; i < sizeof winsock_names / sizeof winsock_names[0]; i++)
		ck_assert_str_eq(bm_host_error_name(h, winsock_names[i].r), winsock_names[i].name);
	bm_host_free(h);
}
END_TEST

/* A result Winsock has no name for falls back to the POSIX name. */
START_TEST(winsock_unnamed_result_falls_back_to_posix)
{
	bm_host *h = host_of("windows");
	ck_assert_str_eq(bm_host_error_name(h, BM_OK), "ok");
	ck_assert_str_eq(bm_host_error_name(h, BM_ENODEV), "ENODEV");
	ck_assert_str_eq(bm_host_error_name(h, BM_ENOENT), "ENOENT");
	ck_assert_str_eq(bm_host_error_name(h, BM_RESULT_COUNT), "?");
	bm_host_free(h);
}
END_TEST

/* windows.connect.ephemeral: an implicit bind by connect() never takes a
 * port a bind() holds; with none left, WSAENOBUFS. */
START_TEST(implicit_bind_never_takes_a_bound_port)
{
	bm_host *h = host_with("windows", "192.168.0.1");
	set_ephemeral(h, 50000, 50000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "192.168.0.1:50000");
	ck_assert_int_eq(connect_verdict(h, b, "198.51.100.7:80", &v), BM_ENOBUFS);
	ck_assert_str_eq(bm_host_error_name(h, v.code), "WSAENOBUFS (10055)");
	bm_host_free(h);
}
END_TEST

/* ...even when the holder got its port from bind(port 0). */
START_TEST(implicit_bind_avoids_port_from_bind_zero)
{
	bm_host *h = host_with("windows", "192.168.0.1");
	set_ephemeral(h, 50000, 50001);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_sock_info ia, ib;
	bind_ok(h, a, "0.0.0.0:0");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, a, &ia), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, b, &ib), BM_OK);
	ck_assert_uint_ne(ia.local.port, ib.local.port);
	bm_host_free(h);
}
END_TEST

Suite *cov_windows_suite(void)
{
	Suite *s = suite_create("cov_windows");
	TCase *t = tcase_create("windows");
	tcase_add_loop_test(t, winsock_error_names, 0, 2);
	tcase_add_test(t, winsock_unnamed_result_falls_back_to_posix);
	tcase_add_test(t, implicit_bind_never_takes_a_bound_port);
	tcase_add_test(t, implicit_bind_avoids_port_from_bind_zero);
	suite_add_tcase(s, t);
	return s;
}
