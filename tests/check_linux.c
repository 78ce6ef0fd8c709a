/* SPDX-License-Identifier: MIT */
/*
 * check_linux.c: the Linux personality against the tables observed on a
 * live 6.18 kernel (shared/research/linux.md section 15, spec/linux.md).
 */
#include "check_util.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT
#define OK BM_OK
#define IU BM_EADDRINUSE

/* linux.md 15.1 Table 1: A then B on one port; 5 address pairs x 8 flag
 * combinations; TCP with A bound (bind B, then listen A, listen B), TCP with
 * A listening, and UDP. */
static const char *const pairs[5][2] = {
	{"0.0.0.0", "0.0.0.0"},
	{"127.0.0.1", "127.0.0.1"},
	{"127.0.0.1", "127.0.0.2"},
	{"0.0.0.0", "127.0.0.1"},
	{"127.0.0.1", "0.0.0.0"},
};
static const unsigned flags[8][2] = {
	{0, 0}, {RA, RA}, {RA, 0}, {0, RA}, {RP, RP}, {RP, 0}, {RA | RP, RA | RP}, {RA, RP},
};
/* overlapping rows share one answer per column; row 2 (different
 * specific addresses) is ok everywhere */
static const struct {
	bm_result bind_b, listen_a, listen_b;   /* A bound, TCP */
	bm_result bind_b_listening;             /* A listening, TCP */
	bm_result udp;
} overlap_cols[8] = {
	{IU, OK, OK, IU, IU},   /* -/- */
	{OK, OK, IU, IU, OK},   /* RA/RA */
	{IU, OK, OK, IU, IU},   /* RA/- */
	{IU, OK, OK, IU, IU},   /* -/RA */
	{OK, OK, OK, OK, OK},   /* RP/RP */
	{IU, OK, OK, IU, IU},   /* RP/- */
	{OK, OK, OK, OK, OK},   /* RA+RP/RA+RP */
	{IU, OK, OK, IU, IU},   /* RA/RP */
};

static char *ep_str(char *buf, const char *addr)
{
	snprintf(buf, 64, "%s:8080", addr);
	return buf;
}

START_TEST(table1_tcp_bound)
{
	int row = _i / 8, col = _i % 8;
	bm_host *h = host_of("linux");
	char ea[64], eb[64];
	bm_sock a = sock_of(h, "tcp4", flags[col][0], 0), b = sock_of(h, "tcp4", flags[col][1], 0);
	ck_assert_int_eq(bind_to(h, a, ep_str(ea, pairs[row][0])), OK);
	bm_result want = row == 2 ? OK : overlap_cols[col].bind_b;
	ck_assert_int_eq(bind_to(h, b, ep_str(eb, pairs[row][1])), want);
	if (want == OK) {
		ck_assert_int_eq(bm_listen(h, a, NULL), OK);
		ck_assert_int_eq(bm_listen(h, b, NULL), row == 2 ? OK : overlap_cols[col].listen_b);
	}
	bm_host_free(h);
}
END_TEST

START_TEST(table1_tcp_listening)
{
	int row = _i / 8, col = _i % 8;
	bm_host *h = host_of("linux");
	char ea[64], eb[64];
	bm_sock a = sock_of(h, "tcp4", flags[col][0], 0), b = sock_of(h, "tcp4", flags[col][1], 0);
	ck_assert_int_eq(bind_to(h, a, ep_str(ea, pairs[row][0])), OK);
	ck_assert_int_eq(bm_listen(h, a, NULL), OK);
	bm_result want = row == 2 ? OK : overlap_cols[col].bind_b_listening;
	ck_assert_int_eq(bind_to(h, b, ep_str(eb, pairs[row][1])), want);
	if (want == OK)
		ck_assert_int_eq(bm_listen(h, b, NULL), OK);
	bm_host_free(h);
}
END_TEST

START_TEST(table1_udp)
{
	int row = _i / 8, col = _i % 8;
	bm_host *h = host_of("linux");
	char ea[64], eb[64];
	bm_sock a = sock_of(h, "udp4", flags[col][0], 0), b = sock_of(h, "udp4", flags[col][1], 0);
	ck_assert_int_eq(bind_to(h, a, ep_str(ea, pairs[row][0])), OK);
	ck_assert_int_eq(bind_to(h, b, ep_str(eb, pairs[row][1])), row == 2 ? OK : overlap_cols[col].udp);
	bm_host_free(h);
}
END_TEST

/* linux.md 15.3 U1-U8: SO_REUSEPORT needs the same (creator) uid */
static const struct {
	const char *kind;
	uint32_t uid_a, uid_b;
	int listen_a;
	bm_result want;
} uids[] = {
	{"tcp4", 0, 1000, 1, IU},      /* U1 */
	{"tcp4", 1000, 1000, 1, OK},   /* U3 */
	{"tcp4", 1000, 0, 1, IU},      /* U4: root has no exemption */
	{"tcp4", 0, 1000, 0, IU},      /* U5 */
	{"udp4", 0, 1000, 0, IU},      /* U6 */
	{"udp4", 1000, 1000, 0, OK},   /* U8 */
};

START_TEST(reuseport_uid)
{
	bm_host *h = host_of("linux");
	bm_sock a = sock_of(h, uids[_i].kind, RP, uids[_i].uid_a);
	bm_sock b = sock_of(h, uids[_i].kind, RP, uids[_i].uid_b);
	bind_ok(h, a, "0.0.0.0:8080");
	if (uids[_i].listen_a)
		ck_assert_int_eq(bm_listen(h, a, NULL), OK);
	ck_assert_int_eq(bind_to(h, b, "0.0.0.0:8080"), uids[_i].want);
	bm_host_free(h);
}
END_TEST

/* linux.md 7.2: TIME_WAIT keeps the closing socket's flags */
static const struct {
	unsigned closing, fresh;
	bm_result want;
	uint32_t fresh_uid;
} tw[] = {
	{0, 0, IU, 0},          /* TW1 */
	{0, RA, IU, 0},         /* TW2 */
	{RA, 0, IU, 0},         /* TW3 */
	{RA, RA, OK, 0},        /* TW4 */
	{RP, RP, OK, 0},        /* TW6 */
	{RP, RP, OK, 1000},     /* TW9: uid check waived for TIME_WAIT */
	{RP, RA, IU, 0},        /* TW7 */
	{RA, RP, IU, 0},        /* TW8 */
};

START_TEST(time_wait_flags)
{
	bm_host *h = host_of("linux");
	bm_sock l = sock_of(h, "tcp4", tw[_i].closing, 0), c = sock_of(h, "tcp4", 0, 0), a;
	connected_pair(h, l, c, &a, "127.0.0.1:9000");
	ck_assert_int_eq(bm_close(h, a, NULL), OK);   /* child closes first */
	ck_assert_int_eq(bm_close(h, c, NULL), OK);
	ck_assert_int_eq(bm_close(h, l, NULL), OK);
	bm_sock n = sock_of(h, "tcp4", tw[_i].fresh, tw[_i].fresh_uid);
	ck_assert_int_eq(bind_to(h, n, "127.0.0.1:9000"), tw[_i].want);
	bm_host_free(h);
}
END_TEST

START_TEST(time_wait_other_address_is_free)
{
	/* TW11 */
	bm_host *h = host_of("linux");
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0), a;
	connected_pair(h, l, c, &a, "127.0.0.1:9000");
	ck_assert_int_eq(bm_close(h, a, NULL), OK);
	ck_assert_int_eq(bm_close(h, l, NULL), OK);
	bm_sock n = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, n, "127.0.0.2:9000");
	bm_host_free(h);
}
END_TEST

START_TEST(reuseaddr_conflict_selftest)
{
	/* reuseaddr_conflict.c (linux.md 14.3), every socket SO_REUSEADDR */
	bm_host *h = host_of("linux");
	bm_sock s1 = sock_of(h, "tcp4", RA, 0);
	listen_on(h, s1, "127.0.0.1:9999");
	bm_sock s2 = sock_of(h, "tcp4", RA, 0);
	ck_assert_int_eq(bind_to(h, s2, "0.0.0.0:9999"), IU);
	bm_sock s3 = sock_of(h, "tcp6", RA | BM_IPV6_V6ONLY, 0);
	bind_ok(h, s3, "[::]:9999");
	bm_sock s4 = sock_of(h, "tcp4", RA, 0);
	ck_assert_int_eq(bind_to(h, s4, "0.0.0.0:9999"), IU);
	ck_assert_int_eq(bm_close(h, s3, NULL), OK);
	ck_assert_int_eq(bind_to(h, s4, "0.0.0.0:9999"), IU);
	bm_host_free(h);
}
END_TEST

START_TEST(connect_duplicate_tuple)
{
	/* CD1-CD4: two SO_REUSEADDR sockets bound 127.0.0.1:9000 */
	bm_host *h = host_of("linux");
	bm_sock l1 = sock_of(h, "tcp4", 0, 0), l2 = sock_of(h, "tcp4", 0, 0);
	listen_on(h, l1, "127.0.0.1:8000");
	listen_on(h, l2, "127.0.0.1:8001");
	bm_sock a = sock_of(h, "tcp4", RA, 0), b = sock_of(h, "tcp4", RA, 0);
	bind_both(h, a, b, "127.0.0.1:9000");
	ck_assert_int_eq(connect_to(h, a, "127.0.0.1:8000"), OK);
	bm_verdict v;
	ck_assert_int_eq(connect_verdict(h, b, "127.0.0.1:8000", &v), BM_EADDRNOTAVAIL);
	ck_assert_str_eq(v.rule, "linux.connect.tuple");
	ck_assert_int_eq(v.conflict, a);
	ck_assert_int_eq(connect_to(h, b, "127.0.0.1:8001"), OK);
	bm_host_free(h);
}
END_TEST

START_TEST(connect_port_exhaustion)
{
	/* CA1-CA3: range 40000-40001; a third connect to one peer fails,
	 * a connect to another peer shares a port */
	bm_host *h = host_of("linux");
	set_ephemeral(h, 40000, 40001);
	bm_sock l1 = sock_of(h, "tcp4", 0, 0), l2 = sock_of(h, "tcp4", 0, 0);
	listen_on(h, l1, "127.0.0.1:8000");
	listen_on(h, l2, "127.0.0.1:8001");
	bm_sock c[4];
	for (int i = 0; i < 4; i++)
		c[i] = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, c[0], "127.0.0.1:8000"), OK);
	ck_assert_int_eq(connect_to(h, c[1], "127.0.0.1:8000"), OK);
	ck_assert_int_eq(connect_to(h, c[2], "127.0.0.1:8000"), BM_EADDRNOTAVAIL);
	ck_assert_int_eq(connect_to(h, c[3], "127.0.0.1:8001"), OK);
	bm_host_free(h);
}
END_TEST

START_TEST(bind_zero_exhaustion)
{
	/* B0.2: bind(:0) with no free port -> EADDRINUSE */
	bm_host *h = host_of("linux");
	set_ephemeral(h, 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "127.0.0.1:0");
	ck_assert_int_eq(bind_to(h, b, "127.0.0.1:0"), IU);
	/* BS2: a port held on a non-overlapping address is eligible */
	bind_ok(h, b, "127.0.0.2:0");
	/* B0.6: UDP autobind at connect fails with EAGAIN */
	bm_sock u1 = sock_of(h, "udp4", 0, 0), u2 = sock_of(h, "udp4", 0, 0);
	bind_ok(h, u1, "0.0.0.0:0");
	ck_assert_int_eq(connect_to(h, u2, "127.0.0.1:53"), BM_EAGAIN);
	bm_host_free(h);
}
END_TEST

START_TEST(privileged_ports)
{
	/* PP4-PP6, linux.md 3.1/3.2 order */
	bm_host *h = host_of("linux");
	bm_sock a = sock_of(h, "tcp4", 0, 1000), b = sock_of(h, "tcp6", 0, 1000), r = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bind_to(h, a, "0.0.0.0:80"), BM_EACCES);
	ck_assert_int_eq(bind_to(h, a, "10.9.9.9:80"), BM_EADDRNOTAVAIL);   /* PP4 */
	ck_assert_int_eq(bind_to(h, b, "[2001:db8::1]:80"), BM_EACCES);     /* PP5 */
	bind_ok(h, r, "0.0.0.0:80");
	bind_ok(h, a, "0.0.0.0:1080");
	ck_assert_int_eq(bind_to(h, a, "0.0.0.0:81"), BM_EACCES);           /* PP6 */
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START, 0), OK);
	bm_sock c = sock_of(h, "tcp4", 0, 1000);
	bind_ok(h, c, "0.0.0.0:81");
	bm_host_free(h);
}
END_TEST

START_TEST(nonlocal_bind)
{
	bm_host *h = host_of("linux");
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", BM_IP_FREEBIND, 0),
	        c = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(bind_to(h, a, "192.0.2.1:5000"), BM_EADDRNOTAVAIL);
	bind_ok(h, b, "192.0.2.1:5000");
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_NONLOCAL_BIND, 1), OK);
	bind_ok(h, c, "192.0.2.2:5000");
	bm_host_free(h);
}
END_TEST

START_TEST(ipv6_errors)
{
	bm_host *h = host_of("linux");
	bm_sock t = sock_of(h, "tcp6", 0, 0), v = sock_of(h, "udp6", BM_IPV6_V6ONLY, 0),
	        u = sock_of(h, "udp6", 0, 0);
	ck_assert_int_eq(bind_to(h, t, "[ff0e::1]:5000"), BM_EINVAL);          /* MC12 */
	ck_assert_int_eq(bind_to(h, v, "[::ffff:127.0.0.1]:5000"), BM_EINVAL); /* ER5 */
	bind_ok(h, u, "[ff0e::1]:5000");                                       /* MC13 */
	ck_assert_int_eq(bind_to(h, t, "[2001:db8::9]:5000"), BM_EADDRNOTAVAIL);
	/* do_ipv6_setsockopt: IPV6_V6ONLY after bind -> EINVAL */
	ck_assert_int_eq(bm_setsockopt(h, u, BM_IPV6_V6ONLY, 1, NULL), BM_EINVAL);
	bm_sock f = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, f, BM_IPV6_V6ONLY, 1, NULL), BM_ENOPROTOOPT);
	bm_host_free(h);
}
END_TEST

START_TEST(linux38_has_no_reuseport)
{
	/* linux.md 13: SO_REUSEPORT arrived in 3.9 */
	bm_host *h = host_of("linux-3.8");
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_REUSEPORT, 1, NULL), BM_ENOPROTOOPT);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_REUSEADDR, 1, NULL), OK);
	bm_host_free(h);
}
END_TEST

Suite *linux_suite(void)
{
	Suite *s = suite_create("linux");
	TCase *t = tcase_create("tables");
	tcase_add_loop_test(t, table1_tcp_bound, 0, 40);
	tcase_add_loop_test(t, table1_tcp_listening, 0, 40);
	tcase_add_loop_test(t, table1_udp, 0, 40);
	tcase_add_loop_test(t, reuseport_uid, 0, sizeof uids / sizeof *uids);
	tcase_add_loop_test(t, time_wait_flags, 0, sizeof tw / sizeof *tw);
	tcase_add_test(t, time_wait_other_address_is_free);
	tcase_add_test(t, reuseaddr_conflict_selftest);
	tcase_add_test(t, connect_duplicate_tuple);
	tcase_add_test(t, connect_port_exhaustion);
	tcase_add_test(t, bind_zero_exhaustion);
	tcase_add_test(t, privileged_ports);
	tcase_add_test(t, nonlocal_bind);
	tcase_add_test(t, ipv6_errors);
	tcase_add_test(t, linux38_has_no_reuseport);
	suite_add_tcase(s, t);
	return s;
}
