/* SPDX-License-Identifier: MIT */
/*
 * check_cov_solaris.c: Solaris/illumos rules the scenarios did not reach.
 *
 * Expectations come from the sources spec/solaris.md names for each rule:
 * illumos usr/src/uts/common/inet/udp/udp.c (udp_do_bind,
 * udp_bind_hash_insert), inet/tcp/tcp_bind.c (tcp_bindi quick_connect),
 * ipclassifier.c, and libuv issue #4732 for Solaris 11.4 SO_REUSEPORT.
 */
#include "check_util.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT
#define EX BM_SO_EXCLBIND

/* ------------------------------------------------------------ UDP bind */

/* udp_bind_hash_insert: a wildcard binding behind a specific head goes
 * after the specific entries, so the udp_do_bind walk meets the specific
 * owner first and reports it. */
START_TEST(udp_walk_meets_specific_owner_before_wildcard)
{
	bm_host *h = lab_host("solaris-10", 0, 0);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", RA, 0);
	bm_sock c = sock_of(h, "udp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "192.168.0.1:5000");
	bind_ok(h, b, "0.0.0.0:5000");
	ck_assert_int_eq(bind_verdict(h, c, "0.0.0.0:5000", &v), BM_EADDRINUSE);
	ck_assert_str_eq(v.rule, "solaris.udp.bind.conflict");
	ck_assert_int_eq(v.conflict, a);
	bm_host_free(h);
}
END_TEST

/* udp_do_bind, requested_port == 0: an owner on another specific address
 * does not take the anonymous port away ("keep going"). */
START_TEST(udp_anonymous_port_shared_with_other_specific_address)
{
	bm_host *h = lab_host("solaris-10", 40001, 40001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	bind_ok(h, a, "192.168.0.2:40001");
	bind_ok(h, b, "192.168.0.1:0");
	ck_assert_uint_eq(port_of(h, b), 40001);
	bm_host_free(h);
}
END_TEST

/* ...while an overlapping owner does: none left, EADDRNOTAVAIL. */
START_TEST(udp_anonymous_port_refused_by_overlapping_owner)
{
	bm_host *h = lab_host("solaris-10", 40001, 40001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", RA, 0);
	bind_ok(h, a, "0.0.0.0:40001");
	/* SO_REUSEADDR is ignored for an anonymous port */
	ck_assert_int_eq(bind_to(h, b, "192.168.0.1:0"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------ solaris.connect.port */

/* tcp_bindi quick_connect: a connection to another destination shares
 * the port, unless SO_EXCLBIND is set (an SO_EXCLBIND owner keeps it). */
START_TEST(tcp_connect_port_kept_by_exclbind_connection)
{
	bm_host *h = lab_host("solaris-10", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", EX, 0), b = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_uint_eq(port_of(h, a), 40000);
	ck_assert_int_eq(connect_to(h, b, "198.51.100.8:80"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

START_TEST(tcp_connect_port_shared_with_connection_elsewhere)
{
	bm_host *h = lab_host("solaris-10", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(connect_to(h, b, "198.51.100.8:80"), BM_OK);
	ck_assert_uint_eq(port_of(h, b), 40000);
	bm_host_free(h);
}
END_TEST

/* ...and with an owner bound to another specific address. */
START_TEST(tcp_connect_port_shared_with_other_specific_owner)
{
	bm_host *h = lab_host("solaris-10", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	listen_on(h, a, "192.168.0.2:40000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_OK);
	ck_assert_uint_eq(port_of(h, b), 40000);
	bm_host_free(h);
}
END_TEST

/* ...but not with a wildcard owner. */
START_TEST(tcp_connect_port_kept_by_wildcard_owner)
{
	bm_host *h = lab_host("solaris-10", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:40000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

/* UDP autobinds as the wildcard: any owner keeps the port. */
START_TEST(udp_connect_port_kept_by_any_owner)
{
	bm_host *h = lab_host("solaris-10", 40001, 40001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	bind_ok(h, a, "192.168.0.2:40001");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:53"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------------------- deliver */

/* solaris.deliver.reuseport (11.4): members that all set SO_REUSEPORT
 * share by a hash: exactly one of them receives. */
START_TEST(reuseport_group_hashes_to_one_member)
{
	bm_host *h = lab_host("solaris", 0, 0);
	bm_sock a = sock_of(h, "udp4", RP, 0), b = sock_of(h, "udp4", RP, 0), got[4];
	bind_both(h, a, b, "0.0.0.0:5000");
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert(got[0] == a || got[0] == b);
	ck_assert_str_eq(bm_last_verdict(h)->rule, "solaris.deliver.reuseport");
	bm_host_free(h);
}
END_TEST

/* ...the same four-tuple always lands on the same member. */
START_TEST(reuseport_group_hash_is_stable_per_flow)
{
	bm_host *h = lab_host("solaris", 0, 0);
	bm_sock a = sock_of(h, "tcp4", RP, 0), b = sock_of(h, "tcp4", RP, 0), c = sock_of(h, "tcp4", RP, 0);
	bm_sock got[4], first;
	bm_endpoint src = ep_of("198.51.100.7:1234"), dst = ep_of("192.168.0.1:80");
	size_t n;
	bind_ok(h, a, "0.0.0.0:80");
	bind_ok(h, b, "0.0.0.0:80");
	bind_ok(h, c, "0.0.0.0:80");
	ck_assert_int_eq(bm_listen(h, a, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, b, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_deliver(h, BM_TCP, &src, &dst, got, 4, &n, NULL), BM_OK);
	ck_assert_uint_eq(n, 1);
	first = got[0];
	ck_assert_int_eq(bm_deliver(h, BM_TCP, &src, &dst, got, 4, &n, NULL), BM_OK);
	ck_assert_int_eq(got[0], first);
	bm_host_free(h);
}
END_TEST

/* solaris.deliver.best / IPCL_HASH_INSERT_WILDCARD: an AF_INET wildcard
 * comes before an AF_INET6 [::] one, whichever was bound first. */
START_TEST(ipv4_wildcard_before_dual_stack_wildcard)
{
	bm_host *h = lab_host("solaris-10", 0, 0);
	bm_sock v4 = sock_of(h, "udp4", 0, 0), v6 = sock_of(h, "udp6", 0, 0), got[4];
	bind_ok(h, v4, "0.0.0.0:5000");
	bind_ok(h, v6, "[::]:5000");
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert_int_eq(got[0], v4);
	bm_host_free(h);
}
END_TEST

Suite *cov_solaris_suite(void)
{
	Suite *s = suite_create("cov_solaris");
	TCase *t = tcase_create("udp_bind");
	tcase_add_test(t, udp_walk_meets_specific_owner_before_wildcard);
	tcase_add_test(t, udp_anonymous_port_shared_with_other_specific_address);
	tcase_add_test(t, udp_anonymous_port_refused_by_overlapping_owner);
	suite_add_tcase(s, t);
	t = tcase_create("connect");
	tcase_add_test(t, tcp_connect_port_kept_by_exclbind_connection);
	tcase_add_test(t, tcp_connect_port_shared_with_connection_elsewhere);
	tcase_add_test(t, tcp_connect_port_shared_with_other_specific_owner);
	tcase_add_test(t, tcp_connect_port_kept_by_wildcard_owner);
	tcase_add_test(t, udp_connect_port_kept_by_any_owner);
	suite_add_tcase(s, t);
	t = tcase_create("deliver");
	tcase_add_test(t, reuseport_group_hashes_to_one_member);
	tcase_add_test(t, reuseport_group_hash_is_stable_per_flow);
	tcase_add_test(t, ipv4_wildcard_before_dual_stack_wildcard);
	suite_add_tcase(s, t);
	return s;
}
