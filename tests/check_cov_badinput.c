/* SPDX-License-Identifier: MIT */
/*
 * check_cov_badinput.c: bad input never crashes, on every public function.
 *
 * Expectations are the API contract of include/bindmodel.h (and POSIX
 * where a call mirrors a system call: EBADF for a descriptor that is not
 * open, EINVAL for an invalid argument, ENOPROTOOPT for an unknown option).
 */
#include <stdlib.h>

#include "check_util.h"

/* ------------------------------------------------------------ names */

START_TEST(knob_from_name_rejects_null)
{
	bm_knob k;
	ck_assert_int_eq(bm_knob_from_name(NULL, &k), -1);
	ck_assert_int_eq(bm_knob_from_name("ephemeral_lo", NULL), -1);
	ck_assert_int_eq(bm_knob_from_name("no_such_knob", &k), -1);
}
END_TEST

START_TEST(result_from_name_rejects_null)
{
	bm_result r;
	ck_assert_int_eq(bm_result_from_name(NULL, &r), -1);
	ck_assert_int_eq(bm_result_from_name("EADDRINUSE", NULL), -1);
}
END_TEST

START_TEST(option_from_name_rejects_null)
{
	bm_option o;
	ck_assert_int_eq(bm_option_from_name(NULL, &o), -1);
	ck_assert_int_eq(bm_option_from_name("SO_REUSEADDR", NULL), -1);
}
END_TEST

START_TEST(names_of_out_of_range_values)
{
	ck_assert_str_eq(bm_result_name((bm_result)-1), "?");
	ck_assert_str_eq(bm_state_name((bm_state)-1), "?");
	ck_assert_str_eq(bm_option_name((bm_option)0), "?");
	ck_assert_str_eq(bm_knob_name((bm_knob)-1), "?");
	ck_assert_str_eq(bm_knob_name(BM_KNOB_COUNT), "?");
}
END_TEST

/* --------------------------------------------------------- verdicts */

START_TEST(verdict_set_without_verdict_returns_code)
{
	ck_assert_int_eq(bm_verdict_set(NULL, BM_EACCES, "x", 0, "%d", 1), BM_EACCES);
}
END_TEST

START_TEST(verdict_set_without_format_clears_reason)
{
	bm_verdict v;
	memset(&v, 'x', sizeof v);
	ck_assert_int_eq(bm_verdict_set(&v, BM_OK, "r", 3, NULL), BM_OK);
	ck_assert_str_eq(v.reason, "");
	ck_assert_int_eq(v.conflict, 3);
}
END_TEST

/* ------------------------------------------------------- formatting */

START_TEST(addr_format_null_or_empty_buffer)
{
	bm_endpoint ep = ep_of("10.0.0.1:1");
	char buf[4] = "abc";
	ck_assert_ptr_null(bm_addr_format(&ep, NULL, 16));
	ck_assert_ptr_eq(bm_addr_format(&ep, buf, 0), buf);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

START_TEST(endpoint_format_null_or_empty_buffer)
{
	bm_endpoint ep = ep_of("10.0.0.1:1");
	char buf[4] = "abc";
	ck_assert_ptr_null(bm_endpoint_format(&ep, NULL, 16));
	ck_assert_ptr_eq(bm_endpoint_format(&ep, buf, 0), buf);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

START_TEST(format_of_garbage_family_is_dash)
{
	bm_endpoint ep;
	char buf[BM_ENDPOINT_STRLEN];
	memset(&ep, 0x5a, sizeof ep);
	ck_assert_str_eq(bm_addr_format(&ep, buf, sizeof buf), "-");
	ck_assert_str_eq(bm_addr_format(NULL, buf, sizeof buf), "-");
	ck_assert_str_eq(bm_endpoint_format(&ep, buf, sizeof buf), "-");
}
END_TEST

START_TEST(address_predicates_on_garbage)
{
	bm_endpoint ep;
	memset(&ep, 0xff, sizeof ep);
	/* any answer is fine; it must not crash or read out of bounds */
	(void)bm_addr_is_any(&ep);
	(void)bm_addr_is_multicast(&ep);
	(void)bm_addr_is_v4mapped(&ep);
	(void)bm_addr_is_loopback(&ep);
	ck_assert_int_eq(bm_addr_parse("", &ep), -1);
	ck_assert_int_eq(bm_addr_parse("1.2.3.4:5", &ep), -1);
}
END_TEST

/* ------------------------------------------------------------ hosts */

START_TEST(host_new_null_name_is_enoent)
{
	bm_result r = BM_OK;
	ck_assert_ptr_null(bm_host_new(NULL, &r));
	ck_assert_int_eq(r, BM_ENOENT);
	ck_assert_ptr_null(bm_host_new("", NULL));
}
END_TEST

START_TEST(host_with_nameless_policy_is_refused)
{
	bm_policy p = *bm_personality_find("freebsd");
	bm_result r = BM_OK;
	p.name = NULL;
	ck_assert_ptr_null(bm_host_new_with_policy(&p, &r));
	ck_assert_int_eq(r, BM_EINVAL);
}
END_TEST

START_TEST(null_host_queries_are_harmless)
{
	bm_sock_info i;
	bm_host_free(NULL);
	bm_advance(NULL, 1000);
	ck_assert_ptr_null(bm_host_policy(NULL));
	ck_assert_uint_eq(bm_host_now(NULL), 0);
	ck_assert_int_eq(bm_host_knob(NULL, BM_KNOB_V6ONLY), -1);
	ck_assert_int_eq(bm_host_set_knob(NULL, BM_KNOB_V6ONLY, 1), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(NULL, "10.0.0.1", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_sock_query(NULL, 1, &i), BM_EBADF);
	ck_assert_str_eq(bm_host_error_name(NULL, BM_EADDRINUSE), "EADDRINUSE");
}
END_TEST

START_TEST(address_predicates_on_null)
{
	bm_host *h = host_of("freebsd");
	bm_endpoint lo = ep_of("127.0.0.1:1");
	bm_sock_info a;
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(bm_addr_is_any(NULL), 0);
	ck_assert_int_eq(bm_addr_is_multicast(NULL), 0);
	ck_assert_int_eq(bm_addr_is_v4mapped(NULL), 0);
	ck_assert_int_eq(bm_addr_is_loopback(NULL), 0);
	ck_assert_int_eq(bm_host_addr_is_local(h, NULL), 0);
	ck_assert_int_eq(bm_host_addr_is_local(NULL, &lo), 0);
	ck_assert_int_eq(bm_overlap(NULL, &a), 0);
	ck_assert_int_eq(bm_overlap(&a, NULL), 0);
	bm_host_free(h);
}
END_TEST

START_TEST(knob_out_of_range_index)
{
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_COUNT, 1), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, (bm_knob)-1, 1), BM_EINVAL);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_COUNT), -1);
	ck_assert_int_eq(bm_host_knob(h, (bm_knob)-1), -1);
	bm_host_free(h);
}
END_TEST

START_TEST(knob_out_of_range_values)
{
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_TIME_WAIT_MS, -1), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_V6ONLY, 2), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START, -5), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, 0), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, 70000), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_TW_REUSE, 3), BM_EINVAL);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_NONLOCAL_BIND, -1), BM_EINVAL);
	bm_host_free(h);
}
END_TEST

START_TEST(add_addr_rejects_garbage)
{
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_host_add_addr(h, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "not-an-address", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", "a-device-name-far-too-long"), BM_EINVAL);
	bm_host_free(h);
}
END_TEST

START_TEST(personality_index_past_the_end)
{
	ck_assert_ptr_null(bm_personality_at(bm_personality_count()));
	ck_assert_ptr_null(bm_personality_at((size_t)-1));
	ck_assert_ptr_null(bm_personality_find(NULL));
	/* no policy: only the core rules are searched */
	ck_assert_str_eq(bm_policy_rule(NULL, "core.args")->id, "core.args");
	ck_assert_ptr_null(bm_policy_rule(NULL, "bsd.bind.conflict"));
	ck_assert_ptr_null(bm_policy_rule(bm_personality_find("bsd"), NULL));
	ck_assert_ptr_null(bm_policy_rule(bm_personality_find("bsd"), "no.such.rule"));
}
END_TEST

/* ------------------------------------------------------- operations */

START_TEST(socket_without_out_pointer_is_fine)
{
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, NULL, NULL), BM_OK);
	bm_host_free(h);
}
END_TEST

/* POSIX setsockopt(2): ENOPROTOOPT for an option the level does not know. */
START_TEST(setsockopt_unknown_option_is_enoprotoopt)
{
	bm_host *h = host_of("freebsd");
	bm_sock s = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, s, (bm_option)0, 1, NULL), BM_ENOPROTOOPT);
	ck_assert_int_eq(bm_setsockopt(h, s, (bm_option)(1u << 20), 1, NULL), BM_ENOPROTOOPT);
	ck_assert_int_eq(bm_setsockopt(h, s, (bm_option)(BM_SO_REUSEADDR | BM_SO_REUSEPORT), 1, NULL),
	                 BM_ENOPROTOOPT);
	bm_host_free(h);
}
END_TEST

/* core.opt.value: a flag takes 0 or 1; SO_LINGER takes -1 (off) or seconds. */
START_TEST(setsockopt_out_of_range_values_are_einval)
{
	bm_host *h = host_of("freebsd");
	bm_sock s = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, s, BM_SO_REUSEADDR, 2, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt(h, s, BM_SO_REUSEADDR, -1, NULL), BM_EINVAL);
	bm_verdict v;
	ck_assert_int_eq(bm_setsockopt(h, s, BM_SO_LINGER, -2, &v), BM_EINVAL);
	/* the scenario language refuses such values before the model sees
	 * them, so this test is the one that reaches the rule
	 * (tests/rules_reached.sh) */
	ck_assert_str_eq(v.rule, "core.opt.value");
	bm_host_free(h);
}
END_TEST

START_TEST(setsockopt_dev_bad_handle_and_name)
{
	bm_host *h = host_of("linux");
	bm_sock s = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(bm_setsockopt_dev(h, 0, "lo", NULL), BM_EBADF);
	ck_assert_int_eq(bm_setsockopt_dev(h, 999, "lo", NULL), BM_EBADF);
	ck_assert_int_eq(bm_setsockopt_dev(h, s, NULL, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_setsockopt_dev(h, s, "a-device-name-far-too-long", NULL), BM_EINVAL);
	bm_host_free(h);
}
END_TEST

START_TEST(accept_without_child_pointer)
{
	bm_host *h = host_of("freebsd");
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_connect(h, l, c, "127.0.0.1:5000");
	ck_assert_int_eq(bm_accept(h, l, NULL, NULL), BM_OK);
	ck_assert_int_eq(bm_accept(h, l, NULL, NULL), BM_EAGAIN);
	bm_host_free(h);
}
END_TEST

/* A pending (not yet accepted) child has no user handle yet: EBADF. */
START_TEST(pending_child_handle_is_not_usable)
{
	bm_host *h = host_of("freebsd");
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	listen_connect(h, l, c, "127.0.0.1:5000");
	bm_sock child = c + 1;
	ck_assert_int_eq(bm_close(h, child, NULL), BM_EBADF);
	ck_assert_int_eq(bm_listen(h, child, NULL), BM_EBADF);
	bm_host_free(h);
}
END_TEST

START_TEST(deliver_with_null_outputs)
{
	bm_host *h = host_of("freebsd");
	bm_sock s = sock_of(h, "udp4", 0, 0);
	bm_endpoint src = ep_of("10.0.0.9:1000"), dst = ep_of("127.0.0.1:5000");
	bind_ok(h, s, "0.0.0.0:5000");
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &src, &dst, NULL, 0, NULL, NULL), BM_OK);
	ck_assert_int_eq(bm_last_verdict(h)->code, BM_OK);
	bm_host_free(h);
}
END_TEST

START_TEST(deliver_bad_arguments_are_einval)
{
	bm_host *h = host_of("freebsd");
	bm_endpoint v4 = ep_of("10.0.0.9:1000"), v6 = ep_of("[::1]:5000");
	size_t n = 7;
	ck_assert_int_eq(bm_deliver(h, BM_UDP, NULL, &v4, NULL, 0, &n, NULL), BM_EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &v4, NULL, NULL, 0, &n, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_deliver(h, (bm_proto)7, &v4, &v4, NULL, 0, &n, NULL), BM_EINVAL);
	ck_assert_int_eq(bm_deliver(h, BM_UDP, &v4, &v6, NULL, 0, &n, NULL), BM_EINVAL);
	bm_host_free(h);
}
END_TEST

static int count_cb(const bm_sock_info *s, void *arg)
{
	(void)s;
	++*(int *)arg;
	return 0;
}

START_TEST(foreach_with_null_callback_or_host)
{
	bm_host *h = host_of("freebsd");
	int n = 0;
	sock_of(h, "tcp4", 0, 0);
	bm_sock_foreach(h, NULL, NULL);
	bm_sock_foreach(NULL, count_cb, &n);
	ck_assert_int_eq(n, 0);
	bm_sock_foreach(h, count_cb, &n);
	ck_assert_int_eq(n, 1);
	bm_host_free(h);
}
END_TEST

START_TEST(advance_saturates_instead_of_wrapping)
{
	bm_host *h = host_of("freebsd");
	bm_advance(h, 10);
	bm_advance(h, UINT64_MAX);
	ck_assert_uint_eq(bm_host_now(h), UINT64_MAX);
	bm_host_free(h);
}
END_TEST

Suite *cov_badinput_suite(void)
{
	Suite *s = suite_create("cov_badinput");
	TCase *t = tcase_create("names");
	tcase_add_test(t, knob_from_name_rejects_null);
	tcase_add_test(t, result_from_name_rejects_null);
	tcase_add_test(t, option_from_name_rejects_null);
	tcase_add_test(t, names_of_out_of_range_values);
	tcase_add_test(t, verdict_set_without_verdict_returns_code);
	tcase_add_test(t, verdict_set_without_format_clears_reason);
	tcase_add_test(t, addr_format_null_or_empty_buffer);
	tcase_add_test(t, endpoint_format_null_or_empty_buffer);
	tcase_add_test(t, format_of_garbage_family_is_dash);
	tcase_add_test(t, address_predicates_on_garbage);
	tcase_add_test(t, address_predicates_on_null);
	suite_add_tcase(s, t);
	t = tcase_create("hosts");
	tcase_add_test(t, host_new_null_name_is_enoent);
	tcase_add_test(t, host_with_nameless_policy_is_refused);
	tcase_add_test(t, null_host_queries_are_harmless);
	tcase_add_test(t, knob_out_of_range_index);
	tcase_add_test(t, knob_out_of_range_values);
	tcase_add_test(t, add_addr_rejects_garbage);
	tcase_add_test(t, personality_index_past_the_end);
	suite_add_tcase(s, t);
	t = tcase_create("operations");
	tcase_add_test(t, socket_without_out_pointer_is_fine);
	tcase_add_test(t, setsockopt_unknown_option_is_enoprotoopt);
	tcase_add_test(t, setsockopt_out_of_range_values_are_einval);
	tcase_add_test(t, setsockopt_dev_bad_handle_and_name);
	tcase_add_test(t, accept_without_child_pointer);
	tcase_add_test(t, pending_child_handle_is_not_usable);
	tcase_add_test(t, deliver_with_null_outputs);
	tcase_add_test(t, deliver_bad_arguments_are_einval);
	tcase_add_test(t, foreach_with_null_callback_or_host);
	tcase_add_test(t, advance_saturates_instead_of_wrapping);
	suite_add_tcase(s, t);
	return s;
}
