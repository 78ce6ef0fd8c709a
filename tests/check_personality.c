/* SPDX-License-Identifier: MIT */
/*
 * check_personality.c: cross-OS facts, transcribed from the cross-OS
 * scenario matrix of shared/research/other-os.md section 9 (each cell cites
 * its kernel source there) and the option tables of the spec rule texts.
 */
#include "check_util.h"

#define IU BM_EADDRINUSE
#define OK BM_OK
#define AC BM_EACCES
#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT

static const char *const oses[] = {"freebsd", "macos", "openbsd", "netbsd", "solaris", "windows"};

/* Row a/b/c: S1 W:p listening (no flags), S2 binds (IPv4 TCP, same user). */
static const struct {
	const char *row;
	const char *s2_addr;
	unsigned s2_opts;
	bm_result want[6];
} listening_rows[] = {
	{"a", "0.0.0.0:5000", 0, {IU, IU, IU, IU, IU, IU}},
	{"b", "192.168.0.1:5000", 0, {IU, IU, IU, IU, IU, OK}},
	{"c", "192.168.0.1:5000", RA, {OK, OK, OK, OK, OK, OK}},
};

START_TEST(matrix_listening_wildcard)
{
	int row = _i / 6, os = _i % 6;
	bm_host *h = host_with(oses[os], "192.168.0.1");
	bm_sock a = sock_of(h, "tcp4", 0, 1000), b = sock_of(h, "tcp4", listening_rows[row].s2_opts, 1000);
	listen_on(h, a, "0.0.0.0:5000");
	ck_assert_msg(bind_to(h, b, listening_rows[row].s2_addr) == listening_rows[row].want[os],
	              "row %s on %s", listening_rows[row].row, oses[os]);
	bm_host_free(h);
}
END_TEST

/* Row e: W:p (RP) + W:p (RP), same user: OK on the BSDs and macOS. */
START_TEST(matrix_reuseport_duplicates)
{
	static const char *const with_rp[] = {"freebsd", "macos", "openbsd", "netbsd"};
	bm_host *h = host_of(with_rp[_i]);
	bm_sock a = sock_of(h, "tcp4", RP, 1000), b = sock_of(h, "tcp4", RP, 1000);
	listen_on(h, a, "0.0.0.0:5000");
	bind_ok(h, b, "0.0.0.0:5000");
	bm_host_free(h);
}
END_TEST

/* Row f: as e with different users: INUSE on FreeBSD and OpenBSD, OK on
 * macOS and NetBSD. */
START_TEST(matrix_reuseport_other_user)
{
	static const char *const os[] = {"freebsd", "macos", "openbsd", "netbsd"};
	static const bm_result want[] = {IU, OK, IU, OK};
	bm_host *h = host_of(os[_i]);
	bm_sock a = sock_of(h, "tcp4", RP, 1000), b = sock_of(h, "tcp4", RP, 1001);
	listen_on(h, a, "0.0.0.0:5000");
	ck_assert_msg(bind_to(h, b, "0.0.0.0:5000") == want[_i], "%s", os[_i]);
	bm_host_free(h);
}
END_TEST

/* Rows g/h: TIME_WAIT on A:p (a client bound to A:p closed its connection
 * to a remote peer first), then bind A:p without and with SO_REUSEADDR. */
START_TEST(matrix_time_wait)
{
	static const bm_result without[6] = {IU, IU, IU, IU, IU, OK};
	int os = _i;
	bm_host *h = host_with(oses[os], "192.168.0.1");
	bm_sock c = sock_of(h, "tcp4", 0, 1000);
	bind_ok(h, c, "192.168.0.1:5000");
	ck_assert_int_eq(connect_to(h, c, "198.51.100.7:80"), OK);
	ck_assert_int_eq(bm_close(h, c, NULL), OK);
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, c, &i), OK);
	ck_assert_int_eq(i.state, BM_STATE_TIME_WAIT);
	bm_sock n = sock_of(h, "tcp4", 0, 1000), r = sock_of(h, "tcp4", RA, 1000);
	ck_assert_msg(bind_to(h, n, "192.168.0.1:5000") == without[os], "g on %s", oses[os]);
	if (without[os] != OK)
		ck_assert_msg(bind_to(h, r, "192.168.0.1:5000") == OK, "h on %s", oses[os]);
	bm_host_free(h);
}
END_TEST

/* Rows k/l: a non-root bind to port 80 on the wildcard and on 127.0.0.1. */
START_TEST(matrix_privileged_ports)
{
	static const bm_result wild[6] = {AC, OK, AC, AC, AC, OK};
	static const bm_result lo[6] = {AC, AC, AC, AC, AC, OK};
	bm_host *h = host_of(oses[_i]);
	bm_sock a = sock_of(h, "tcp4", 0, 1000), b = sock_of(h, "tcp4", 0, 1000);
	ck_assert_msg(bind_to(h, a, "0.0.0.0:80") == wild[_i], "k on %s", oses[_i]);
	ck_assert_msg(bind_to(h, b, "127.0.0.1:80") == lo[_i], "l on %s", oses[_i]);
	bm_host_free(h);
}
END_TEST

/* Row n: AF_INET W:p then AF_INET6 [::]:p, default options: OK everywhere. */
START_TEST(matrix_dual_stack_v4_first)
{
	bm_host *h = host_of(oses[_i]);
	bm_sock a = sock_of(h, "tcp4", 0, 1000), b = sock_of(h, "tcp6", 0, 1000);
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_msg(bind_to(h, b, "[::]:5000") == OK, "n on %s", oses[_i]);
	bm_host_free(h);
}
END_TEST

/* Option availability (the spec rule texts). */
static const struct {
	const char *os;
	bm_option opt;
	bm_result want;
} options[] = {
	{"freebsd", BM_SO_REUSEPORT_LB, OK},
	{"openbsd", BM_SO_REUSEPORT_LB, BM_ENOPROTOOPT},
	{"linux", BM_SO_REUSEPORT_LB, BM_ENOPROTOOPT},
	{"linux", BM_SO_EXCLUSIVEADDRUSE, BM_ENOPROTOOPT},
	{"windows", BM_SO_EXCLUSIVEADDRUSE, OK},
	{"windows", BM_SO_REUSEPORT, BM_ENOPROTOOPT},
	{"solaris-10", BM_SO_REUSEPORT, BM_ENOPROTOOPT},
	{"solaris", BM_SO_EXCLBIND, OK},
	{"macos", BM_SO_REUSEPORT, OK},
	{"macos", BM_SO_EXCLBIND, BM_ENOPROTOOPT},
};

START_TEST(option_availability)
{
	bm_host *h = host_of(options[_i].os);
	bm_sock a;
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_TCP, 0, &a, NULL), OK);
	ck_assert_msg(bm_setsockopt(h, a, options[_i].opt, 1, NULL) == options[_i].want, "%s %s",
	              options[_i].os, bm_option_name(options[_i].opt));
	bm_host_free(h);
}
END_TEST

START_TEST(windows_error_names)
{
	/* Windows Sockets Error Codes (learn.microsoft.com, winsock2 error codes) */
	bm_host *h = host_of("windows");
	ck_assert_str_eq(bm_host_error_name(h, BM_EADDRINUSE), "WSAEADDRINUSE (10048)");
	ck_assert_str_eq(bm_host_error_name(h, BM_EACCES), "WSAEACCES (10013)");
	ck_assert_str_eq(bm_host_error_name(h, BM_EINVAL), "WSAEINVAL (10022)");
	bm_host_free(h);
}
END_TEST

Suite *personality_suite(void)
{
	Suite *s = suite_create("personality");
	TCase *t = tcase_create("matrix");
	tcase_add_loop_test(t, matrix_listening_wildcard, 0, 18);
	tcase_add_loop_test(t, matrix_reuseport_duplicates, 0, 4);
	tcase_add_loop_test(t, matrix_reuseport_other_user, 0, 4);
	tcase_add_loop_test(t, matrix_time_wait, 0, 6);
	tcase_add_loop_test(t, matrix_privileged_ports, 0, 6);
	tcase_add_loop_test(t, matrix_dual_stack_v4_first, 0, 6);
	tcase_add_loop_test(t, option_availability, 0, sizeof options / sizeof *options);
	tcase_add_test(t, windows_error_names);
	suite_add_tcase(s, t);
	return s;
}
