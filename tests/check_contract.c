/* SPDX-License-Identifier: MIT */
/*
 * check_contract.c: the API contract a caller's own policy and the
 * public port view rely on: bad policies are refused with EINVAL, result
 * codes left 0 take the core's defaults, and the port view lists a port's
 * owners in join order, both ways, O(1) a step.
 */
#include "check_util.h"

/* A zero-filled policy has no name and no ephemeral range: refused. */
START_TEST(zero_policy_refused)
{
	static const bm_policy zero;
	bm_result r = BM_OK;
	ck_assert_ptr_null(bm_host_new_with_policy(&zero, &r));
	ck_assert_int_eq(r, BM_EINVAL);

	bm_policy p = {.version = BM_POLICY_VERSION, .name = "p"};
	r = BM_OK;
	ck_assert_ptr_null(bm_host_new_with_policy(&p, &r));   /* range 0-0 */
	ck_assert_int_eq(r, BM_EINVAL);
	p.ephemeral_lo = 5000;
	p.ephemeral_hi = 4000;                                  /* lo > hi */
	ck_assert_ptr_null(bm_host_new_with_policy(&p, &r));
	ck_assert_int_eq(r, BM_EINVAL);
	p.ephemeral_hi = 5000;
	p.port_state_size = BM_PORT_STATE_MAX + 1;
	ck_assert_ptr_null(bm_host_new_with_policy(&p, &r));
	ck_assert_int_eq(r, BM_EINVAL);
}
END_TEST

/* A minimal policy: result codes it leaves 0 are the core's defaults, so a
 * full ephemeral range is EADDRINUSE, never "ok" with an exhaustion rule. */
START_TEST(minimal_policy_defaults)
{
	static const bm_policy p = {.version = BM_POLICY_VERSION, .name = "mini",
	                            .ephemeral_lo = 40000, .ephemeral_hi = 40000};
	bm_result r;
	bm_host *h = bm_host_new_with_policy(&p, &r);
	ck_assert_ptr_nonnull(h);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_endpoint any = ep_of("0.0.0.0:0");
	bm_verdict v;
	ck_assert_int_eq(bm_bind(h, a, &any, &v), BM_OK);
	ck_assert_int_eq(bm_bind(h, b, &any, &v), BM_EADDRINUSE);
	ck_assert_str_eq(v.rule, "core.ephemeral.exhausted");
	bm_host_free(h);
}
END_TEST

/* The port view: join order forwards, newest first backwards; a socket
 * that leaves is unlinked; an empty port has no view and no state. */
START_TEST(port_view_order)
{
	bm_host *h = host_of("linux");
	bm_sock s[4];
	bm_endpoint ep = ep_of("127.0.0.1:7000");
	for (int i = 0; i < 4; i++) {
		s[i] = sock_of(h, "udp4", BM_SO_REUSEADDR, 0);
		ck_assert_int_eq(bm_bind(h, s[i], &ep, NULL), BM_OK);
	}
	ck_assert_uint_eq(bm_port_count(h, BM_UDP, 7000), 4);
	ck_assert_int_eq(bm_close(h, s[1], NULL), BM_OK);
	bm_sock fwd[4], back[4];
	size_t nf = 0, nb = 0;
	for (const bm_sock_info *o = bm_port_first(h, BM_UDP, 7000); o; o = bm_port_next(h, o))
		fwd[nf++] = o->id;
	for (const bm_sock_info *o = bm_port_last(h, BM_UDP, 7000); o; o = bm_port_prev(h, o))
		back[nb++] = o->id;
	ck_assert_uint_eq(nf, 3);
	ck_assert_uint_eq(nb, 3);
	ck_assert_int_eq(fwd[0], s[0]);
	ck_assert_int_eq(fwd[1], s[2]);
	ck_assert_int_eq(fwd[2], s[3]);
	ck_assert_int_eq(back[0], s[3]);
	ck_assert_int_eq(back[2], s[0]);
	ck_assert_ptr_nonnull(bm_port_state(h, BM_UDP, 7000));
	for (int i = 0; i < 4; i++)
		if (i != 1)
			bm_close(h, s[i], NULL);
	ck_assert_uint_eq(bm_port_count(h, BM_UDP, 7000), 0);
	ck_assert_ptr_null(bm_port_first(h, BM_UDP, 7000));
	ck_assert_ptr_null(bm_port_state(h, BM_UDP, 7000));
	ck_assert_ptr_null(bm_port_first(NULL, BM_UDP, 7000));
	ck_assert_ptr_null(bm_port_first(h, (bm_proto)9, 7000));
	bm_host_free(h);
}
END_TEST

/* bm_host_addr_dev: the device holding an address; NULL if none does. */
START_TEST(addr_dev)
{
	bm_host *h = host_of("linux");
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", "eth0"), BM_OK);
	bm_endpoint a = ep_of("10.0.0.1:0"), m = ep_of("[::ffff:10.0.0.1]:0");
	bm_endpoint n = ep_of("10.0.0.2:0"), lo = ep_of("127.0.0.5:0");
	ck_assert_str_eq(bm_host_addr_dev(h, &a), "eth0");
	ck_assert_str_eq(bm_host_addr_dev(h, &m), "eth0");
	ck_assert_ptr_null(bm_host_addr_dev(h, &n));
	ck_assert_str_eq(bm_host_addr_dev(h, &lo), "lo");
	ck_assert_ptr_null(bm_host_addr_dev(NULL, &a));
	bm_host_free(h);
}
END_TEST

/* A clock advanced near its end: a TIME_WAIT that starts then must not
 * wrap its expiry into the past and free the port at the next advance. */
START_TEST(time_wait_at_clock_end)
{
	bm_host *h = host_of("linux");
	bm_endpoint ep = ep_of("127.0.0.1:8080");
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0), a, n;
	ck_assert_int_eq(bm_bind(h, l, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, l, NULL), BM_OK);
	ck_assert_int_eq(bm_connect(h, c, &ep, NULL), BM_OK);
	ck_assert_int_eq(bm_accept(h, l, &a, NULL), BM_OK);
	bm_advance(h, UINT64_MAX - 10);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);   /* active close: TIME_WAIT */
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_close(h, l, NULL), BM_OK);
	bm_advance(h, 0);
	n = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_bind(h, n, &ep, NULL), BM_EADDRINUSE);
	bm_advance(h, 60000);   /* the clock stays at its end; the TIME_WAIT ends there */
	ck_assert_uint_eq(bm_host_now(h), UINT64_MAX);
	ck_assert_int_eq(bm_bind(h, n, &ep, NULL), BM_OK);
	bm_host_free(h);
}
END_TEST

Suite *contract_suite(void)
{
	Suite *s = suite_create("contract");
	TCase *t = tcase_create("contract");
	tcase_add_test(t, zero_policy_refused);
	tcase_add_test(t, minimal_policy_defaults);
	tcase_add_test(t, port_view_order);
	tcase_add_test(t, addr_dev);
	tcase_add_test(t, time_wait_at_clock_end);
	suite_add_tcase(s, t);
	return s;
}
