/* SPDX-License-Identifier: MIT */
/*
 * check_cov_bsd.c: BSD-family rules the scenarios did not reach.
 *
 * Each expectation comes from the rule's source in spec/bsd.md (FreeBSD
 * sys/netinet/in_pcb.c and sys/netinet/udp_usrreq.c, NetBSD in_pcb.c),
 * quoted beside the test.
 */
#include "check_util.h"

#define RA BM_SO_REUSEADDR
#define RP BM_SO_REUSEPORT
#define LB BM_SO_REUSEPORT_LB

/* ------------------------------------------------------ ephemeral bind */

/* bsd.ephemeral.bind (FreeBSD in_pcb_lport_dest with fsa NULL): the only
 * port of the range is held: EADDRNOTAVAIL. */
START_TEST(freebsd_bind_port0_range_exhausted)
{
	bm_host *h = lab_host("freebsd", 40001, 40001);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "0.0.0.0:40001");
	ck_assert_int_eq(bind_verdict(h, b, "0.0.0.0:0", &v), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

/* bsd.ephemeral.bind, NetBSD in_pcbsetport: none left is EAGAIN. */
START_TEST(netbsd_bind_port0_range_exhausted_is_eagain)
{
	bm_host *h = lab_host("netbsd", 50001, 50001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	bind_ok(h, a, "192.168.0.1:50001");
	ck_assert_int_eq(bind_to(h, b, "0.0.0.0:0"), BM_EAGAIN);
	bm_host_free(h);
}
END_TEST

/* bsd.ephemeral.bind: the autobind search is wild, so a port held on
 * another address is skipped and the next free one is taken. */
START_TEST(freebsd_listen_autobind_skips_held_port)
{
	bm_host *h = lab_host("freebsd", 40000, 40003);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "192.168.0.1:40001");
	ck_assert_int_eq(bm_listen(h, b, NULL), BM_OK);
	ck_assert_uint_ne(port_of(h, b), 40001);
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------------------ notlocal */

/* bsd.bind.notlocal: FreeBSD tcp6_usr_bind sends a v4-mapped address of a
 * V6ONLY socket to in6_pcbbind, where no interface has it: EADDRNOTAVAIL. */
START_TEST(freebsd_mapped_address_on_v6only_socket)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock s = sock_of(h, "tcp6", BM_IPV6_V6ONLY, 0);
	bm_verdict v;
	ck_assert_int_eq(bind_verdict(h, s, "[::ffff:192.168.0.1]:5000", &v), BM_EADDRNOTAVAIL);
	ck_assert_str_eq(v.rule, "bsd.bind.notlocal");
	bm_host_free(h);
}
END_TEST

/* ...while a dual-stack socket binds it (tcp6_usr_bind -> in_pcbbind). */
START_TEST(freebsd_mapped_address_on_dual_stack_socket)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock s = sock_of(h, "tcp6", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, s, BM_IPV6_V6ONLY, 0, NULL), BM_OK);
	bind_ok(h, s, "[::ffff:192.168.0.1]:5000");
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------- freebsd.connect.autobind */

/* in_pcb_lport_dest(fsa): the ephemeral port is shared across
 * destinations... */
START_TEST(freebsd_connect_shares_port_across_destinations)
{
	bm_host *h = lab_host("freebsd", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(connect_to(h, b, "198.51.100.8:80"), BM_OK);
	ck_assert_uint_eq(port_of(h, a), 40000);
	ck_assert_uint_eq(port_of(h, b), 40000);
	bm_host_free(h);
}
END_TEST

/* ...but not to the same destination (the four-tuple would repeat). */
START_TEST(freebsd_connect_same_destination_needs_new_port)
{
	bm_host *h = lab_host("freebsd", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(connect_verdict(h, b, "198.51.100.7:80", &v), BM_EADDRNOTAVAIL);
	ck_assert_str_eq(v.rule, "core.ephemeral.exhausted");
	bm_host_free(h);
}
END_TEST

/* An unconnected socket on another specific address does not hold the
 * port for this source (lookup on the source address, WILDCARD). */
START_TEST(freebsd_connect_ignores_holder_on_other_address)
{
	bm_host *h = lab_host("freebsd", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "192.168.0.2:40000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_OK);
	ck_assert_uint_eq(port_of(h, b), 40000);
	bm_host_free(h);
}
END_TEST

/* An unconnected socket on the wildcard holds the port. */
START_TEST(freebsd_connect_skips_wildcard_holder)
{
	bm_host *h = lab_host("freebsd", 40000, 40000);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:40000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

/* udp_connect -> in_pcbconnect -> in_pcb_lport_dest: UDP too. */
START_TEST(freebsd_udp_connect_skips_wildcard_holder)
{
	bm_host *h = lab_host("freebsd", 40001, 40001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:40001");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:53"), BM_EADDRNOTAVAIL);
	bm_host_free(h);
}
END_TEST

START_TEST(freebsd_udp_connect_shares_port_across_destinations)
{
	bm_host *h = lab_host("freebsd", 40001, 40001);
	bm_sock a = sock_of(h, "udp4", 0, 0), b = sock_of(h, "udp4", 0, 0);
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:53"), BM_OK);
	ck_assert_int_eq(connect_to(h, b, "198.51.100.8:53"), BM_OK);
	ck_assert_uint_eq(port_of(h, b), 40001);
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------ freebsd.deliver.lbgroup */

/* in_pcblookup_lbgroup: one member of the SO_REUSEPORT_LB group gets it. */
START_TEST(freebsd_lbgroup_one_member_receives)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock a = sock_of(h, "udp4", LB, 0), b = sock_of(h, "udp4", LB, 0), got[4];
	bind_both(h, a, b, "0.0.0.0:5000");
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert(got[0] == a || got[0] == b);
	ck_assert_str_eq(bm_last_verdict(h)->rule, "freebsd.deliver.lbgroup");
	bm_host_free(h);
}
END_TEST

/* in_pcblookup_hash_locked: the group on the destination address before
 * the wildcard group. */
START_TEST(freebsd_lbgroup_exact_address_group_first)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock w1 = sock_of(h, "udp4", LB, 0), w2 = sock_of(h, "udp4", LB, 0);
	bm_sock s1 = sock_of(h, "udp4", LB, 0), s2 = sock_of(h, "udp4", LB, 0), got[4];
	bind_both(h, w1, w2, "0.0.0.0:5000");
	bind_both(h, s1, s2, "192.168.0.1:5000");
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert(got[0] == s1 || got[0] == s2);
	/* the other address falls to the wildcard group */
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.2:5000", got, 4), 1);
	ck_assert(got[0] == w1 || got[0] == w2);
	bm_host_free(h);
}
END_TEST

/* in_pcbinslbgrouphash: "Don't allow IPv4 mapped INET6 wild socket": a
 * dual-stack [::] socket joins no group; it receives by the plain lookup. */
START_TEST(freebsd_lbgroup_skips_dual_stack_wildcard)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock s = sock_of(h, "udp6", LB, 0), got[4];
	ck_assert_int_eq(bm_setsockopt(h, s, BM_IPV6_V6ONLY, 0, NULL), BM_OK);
	bind_ok(h, s, "[::]:5000");
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert_int_eq(got[0], s);
	ck_assert_str_eq(bm_last_verdict(h)->rule, "bsd.deliver.best");
	bm_host_free(h);
}
END_TEST

/* A connected member has its exact four-tuple: no group hashing. */
START_TEST(freebsd_lbgroup_connected_match_wins)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock a = sock_of(h, "udp4", LB, 0), b = sock_of(h, "udp4", LB, 0), got[4];
	bind_both(h, a, b, "192.168.0.1:5000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:1234"), BM_OK);
	ck_assert_uint_eq(deliver_udp(h, "198.51.100.7:1234", "192.168.0.1:5000", got, 4), 1);
	ck_assert_int_eq(got[0], b);
	bm_host_free(h);
}
END_TEST

/* ---------------------------------------------- bsd.deliver.multicast */

/* FreeBSD udp_multi_input: "Don't look for additional matches if this one
 * does not have either the SO_REUSEPORT or SO_REUSEADDR socket options
 * set" (read live from so_options; the pcb list is newest first). */
START_TEST(freebsd_multicast_stops_after_socket_without_reuse)
{
	bm_host *h = lab_host("freebsd", 0, 0);
	bm_sock a = sock_of(h, "udp4", RP, 0), b = sock_of(h, "udp4", RP, 0), got[4];
	bind_both(h, a, b, "0.0.0.0:5353");
	ck_assert_uint_eq(deliver_udp(h, "192.168.0.9:5353", "224.0.0.251:5353", got, 4), 2);
	ck_assert_int_eq(bm_setsockopt(h, b, RP, 0, NULL), BM_OK);
	ck_assert_uint_eq(deliver_udp(h, "192.168.0.9:5353", "224.0.0.251:5353", got, 4), 1);
	ck_assert_int_eq(got[0], b);
	bm_host_free(h);
}
END_TEST

Suite *cov_bsd_suite(void)
{
	Suite *s = suite_create("cov_bsd");
	TCase *t = tcase_create("ephemeral");
	tcase_add_test(t, freebsd_bind_port0_range_exhausted);
	tcase_add_test(t, netbsd_bind_port0_range_exhausted_is_eagain);
	tcase_add_test(t, freebsd_listen_autobind_skips_held_port);
	tcase_add_test(t, freebsd_mapped_address_on_v6only_socket);
	tcase_add_test(t, freebsd_mapped_address_on_dual_stack_socket);
	suite_add_tcase(s, t);
	t = tcase_create("connect");
	tcase_add_test(t, freebsd_connect_shares_port_across_destinations);
	tcase_add_test(t, freebsd_connect_same_destination_needs_new_port);
	tcase_add_test(t, freebsd_connect_ignores_holder_on_other_address);
	tcase_add_test(t, freebsd_connect_skips_wildcard_holder);
	tcase_add_test(t, freebsd_udp_connect_skips_wildcard_holder);
	tcase_add_test(t, freebsd_udp_connect_shares_port_across_destinations);
	suite_add_tcase(s, t);
	t = tcase_create("deliver");
	tcase_add_test(t, freebsd_lbgroup_one_member_receives);
	tcase_add_test(t, freebsd_lbgroup_exact_address_group_first);
	tcase_add_test(t, freebsd_lbgroup_skips_dual_stack_wildcard);
	tcase_add_test(t, freebsd_lbgroup_connected_match_wins);
	tcase_add_test(t, freebsd_multicast_stops_after_socket_without_reuse);
	suite_add_tcase(s, t);
	return s;
}
