/* SPDX-License-Identifier: MIT */
/*
 * check_cov_core.c: the core's defaults and its contract with a policy.
 *
 * A policy may leave any hook NULL; the core then applies its own rule
 * (include/bindmodel.h: "NULL hooks fall back to the core's defaults").
 * Expectations come from the core rule texts of spec/core.md (each one
 * cites POSIX, 4.4BSD or the API contract) and, where a test names an OS,
 * from the kernel source cited beside it.
 */
#include <stdlib.h>

#include "check_util.h"

/* A policy with no hooks at all: everything is the core's default. */
static const bm_policy bare = {
	.version = BM_POLICY_VERSION,
	.name = "bare",
	.description = "no hooks: the core's defaults",
	.family = "test",
	.options = BM_ALL_OPTIONS,
	.v6only_default = 1,
	.time_wait_ms = 60000,
	.ephemeral_lo = 40000, .ephemeral_hi = 40001,
	.unprivileged_port_start = 1024,
	.bind_exhausted = BM_EADDRNOTAVAIL,
	.connect_exhausted = BM_EADDRNOTAVAIL,
	.udp_autobind_exhausted = BM_EADDRNOTAVAIL,
	.connect_on_listen = BM_EINVAL,
	.connect_tuple_error = BM_EADDRINUSE,
};

static bm_host *bare_host(void)
{
	bm_result r;
	bm_host *h = bm_host_new_with_policy(&bare, &r);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(bm_host_add_addr(h, "192.168.0.1", "eth0"), BM_OK);
	return h;
}

/* ------------------------------------------ core.bind.overlap (default) */

/* core.bind.overlap: overlapping bindings conflict... */
START_TEST(default_conflict_refuses_overlap)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_int_eq(bind_verdict(h, b, "192.168.0.1:5000", &v), BM_EADDRINUSE);
	ck_assert_str_eq(v.rule, "core.bind.overlap");
	ck_assert_int_eq(v.conflict, a);
	bm_host_free(h);
}
END_TEST

/* ...unless both sockets had SO_REUSEPORT. */
START_TEST(default_conflict_shares_with_reuseport_on_both)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bind_both(h, a, b, "0.0.0.0:5000");
	bm_host_free(h);
}
END_TEST

/* Two different specific addresses do not overlap. */
START_TEST(default_conflict_ignores_disjoint_addresses)
{
	bm_host *h = bare_host();
	ck_assert_int_eq(bm_host_add_addr(h, "192.168.0.2", "eth0"), BM_OK);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "192.168.0.1:5000");
	bind_ok(h, b, "192.168.0.2:5000");
	bm_host_free(h);
}
END_TEST

/* The default has no listen()-time re-check (core.listen.ok after a bind
 * the rule allowed). */
START_TEST(default_conflict_has_no_listen_recheck)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0);
	bind_both(h, a, b, "0.0.0.0:5000");
	ck_assert_int_eq(bm_listen(h, a, NULL), BM_OK);
	ck_assert_int_eq(bm_listen(h, b, NULL), BM_OK);
	bm_host_free(h);
}
END_TEST

/* --------------------------------------------- default bind() prechecks */

/* core.bind.state: POSIX bind(2) EINVAL, already bound. */
START_TEST(default_precheck_rebind_is_einval)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_int_eq(bind_verdict(h, a, "0.0.0.0:5001", &v), BM_EINVAL);
	ck_assert_str_eq(v.rule, "core.bind.state");
	bm_host_free(h);
}
END_TEST

/* core.bind.notlocal: POSIX bind(2) EADDRNOTAVAIL. */
START_TEST(default_precheck_foreign_address_is_eaddrnotavail)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "udp4", 0, 0);
	bm_verdict v;
	ck_assert_int_eq(bind_verdict(h, a, "203.0.113.9:5000", &v), BM_EADDRNOTAVAIL);
	ck_assert_str_eq(v.rule, "core.bind.notlocal");
	bm_host_free(h);
}
END_TEST

/* core.bind.notlocal: ...unless nonlocal bind (IP_FREEBIND) is on. */
START_TEST(default_precheck_freebind_allows_foreign_address)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "udp4", BM_IP_FREEBIND, 0);
	bind_ok(h, a, "203.0.113.9:5000");
	bm_host_free(h);
}
END_TEST

/* core.bind.privport: POSIX bind(2) EACCES, 4.4BSD IPPORT_RESERVED. */
START_TEST(default_precheck_low_port_needs_root)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", 0, 1000), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	ck_assert_int_eq(bind_verdict(h, a, "0.0.0.0:80", &v), BM_EACCES);
	ck_assert_str_eq(v.rule, "core.bind.privport");
	bind_ok(h, b, "0.0.0.0:80");
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------- default connect path */

/* core.ephemeral: connect() autobind skips a port an overlapping binding
 * holds when the policy has no connect_port hook. */
START_TEST(default_connect_autobind_skips_held_port)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:40000");
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_OK);
	ck_assert_uint_eq(info_of(h, b).local.port, 40001);
	bm_host_free(h);
}
END_TEST

/* core.connect.tuple: no two connections have the same five values; the
 * policy's connect_tuple_error is returned when it has no tuple_clash. */
START_TEST(default_connect_refuses_duplicate_four_tuple)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "tcp4", BM_SO_REUSEPORT, 0);
	bm_verdict v;
	bind_both(h, a, b, "192.168.0.1:5000");
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(connect_verdict(h, b, "198.51.100.7:80", &v), BM_EADDRINUSE);
	ck_assert_str_eq(v.rule, "core.connect.tuple");
	ck_assert_int_eq(v.conflict, a);
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------- default deliver */

/* core.deliver.best: the specific address wins over the wildcard. */
START_TEST(default_deliver_prefers_specific_address)
{
	bm_host *h = bare_host();
	bm_sock w = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), s = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bm_sock got[4];
	size_t n;
	bind_ok(h, s, "192.168.0.1:5353");
	bind_ok(h, w, "0.0.0.0:5353");
	ck_assert_int_eq(deliver_to(h, BM_UDP, "10.9.9.9:1000", "192.168.0.1:5353", got, 4, &n),
	                 BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], s);
	ck_assert_str_eq(bm_last_verdict(h)->rule, "core.deliver.best");
	bm_host_free(h);
}
END_TEST

/* core.deliver.best: among equals the most recently bound. */
START_TEST(default_deliver_newest_among_equals)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bm_sock got[4];
	size_t n;
	bind_both(h, a, b, "0.0.0.0:5353");
	ck_assert_int_eq(deliver_to(h, BM_UDP, "10.9.9.9:1000", "192.168.0.1:5353", got, 4, &n),
	                 BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], b);
	bm_host_free(h);
}
END_TEST

/* core.deliver.multicast: every socket bound to the group or wildcard. */
START_TEST(default_deliver_multicast_fans_out)
{
	bm_host *h = bare_host();
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bm_sock got[4];
	size_t n;
	bind_ok(h, a, "0.0.0.0:5353");
	bind_ok(h, b, "224.0.0.251:5353");
	ck_assert_int_eq(deliver_to(h, BM_UDP, "10.9.9.9:1000", "224.0.0.251:5353", got, 4, &n),
	                 BM_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(bm_last_verdict(h)->rule, "core.deliver.multicast");
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------ the core/policy contract */

/* A conflict hook that answers CONFLICT without filling the verdict:
 * the core still reports EADDRINUSE and the socket that refused. */
static bm_match silent_conflict(const bm_host *h, const bm_sock_info *s,
                                const bm_sock_info *old, bm_phase phase, bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)old;
	(void)v;
	return phase == BM_PHASE_BIND ? BM_MATCH_CONFLICT : BM_MATCH_NONE;
}

START_TEST(silent_conflict_hook_gets_eaddrinuse_and_culprit)
{
	bm_policy p = bare;
	p.name = "silent";
	p.conflict = silent_conflict;
	bm_host *h = bm_host_new_with_policy(&p, NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_verdict v;
	bind_ok(h, a, "0.0.0.0:5000");
	ck_assert_int_eq(bind_verdict(h, b, "0.0.0.0:5000", &v), BM_EADDRINUSE);
	ck_assert_int_eq(v.conflict, a);
	bm_host_free(h);
}
END_TEST

/* A bind_precheck that lets a bound socket bind again (no system does;
 * a plug-in may): the socket leaves its old port for the new one, so the
 * ordered owner view never names it twice or on a port it left. */
static bm_result rebind_precheck(const bm_host *h, const bm_sock_info *s,
                                 const bm_endpoint *ep, bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)ep;
	(void)v;
	return BM_OK;
}

START_TEST(rebind_hook_moves_socket_between_ports)
{
	bm_policy p = bare;
	p.name = "rebind";
	p.bind_precheck = rebind_precheck;
	bm_host *h = bm_host_new_with_policy(&p, NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock a = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, a, "0.0.0.0:5000");
	bind_ok(h, a, "0.0.0.0:5001");
	ck_assert_uint_eq(bm_port_count(h, BM_TCP, 5000), 0);
	ck_assert_ptr_null(bm_port_first(h, BM_TCP, 5000));
	ck_assert_uint_eq(bm_port_count(h, BM_TCP, 5001), 1);
	ck_assert_int_eq(bm_port_first(h, BM_TCP, 5001)->id, a);
	ck_assert_int_eq(bm_close(h, a, NULL), BM_OK);
	ck_assert_uint_eq(bm_port_count(h, BM_TCP, 5001), 0);
	bm_host_free(h);
}
END_TEST

/* A deliver hook that claims more receivers than there were candidates
 * is clamped to the candidates ("returns how many of cand[] receive"). */
static size_t greedy_deliver(const bm_host *h, bm_proto proto, const bm_endpoint *src,
                             const bm_endpoint *dst, const bm_sock_info *cand, size_t n,
                             int *score, bm_sock *out, bm_verdict *v)
{
	(void)h;
	(void)proto;
	(void)src;
	(void)dst;
	(void)score;
	for (size_t i = 0; i < n; i++)
		out[i] = cand[i].id;
	bm_verdict_set(v, BM_OK, "test.greedy", 0, "everyone and more");
	return n + 5;
}

START_TEST(greedy_deliver_hook_is_clamped)
{
	bm_policy p = bare;
	p.name = "greedy";
	p.deliver = greedy_deliver;
	bm_host *h = bm_host_new_with_policy(&p, NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), b = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bind_both(h, a, b, "0.0.0.0:5353");
	bm_sock got[16];
	size_t n;
	ck_assert_int_eq(deliver_to(h, BM_UDP, "10.9.9.9:1000", "127.0.0.1:5353", got, 16, &n), BM_OK);
	ck_assert_uint_eq(n, 2);
	bm_host_free(h);
}
END_TEST

/* A connect_port hook that lets every owner share the port: the core
 * still never reuses a live four-tuple (core.connect.tuple). */
static bm_match share_all(const bm_host *h, const bm_sock_info *s, const bm_sock_info *old,
                          bm_verdict *v)
{
	(void)h;
	(void)s;
	(void)old;
	(void)v;
	return BM_MATCH_SHARE;
}

START_TEST(permissive_connect_port_hook_cannot_duplicate_four_tuple)
{
	bm_policy p = bare;
	p.name = "share-all";
	p.connect_port = share_all;
	bm_host *h = bm_host_new_with_policy(&p, NULL);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(bm_host_add_addr(h, "192.168.0.1", NULL), BM_OK);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, 40000), BM_OK);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0);
	ck_assert_int_eq(connect_to(h, a, "198.51.100.7:80"), BM_OK);
	ck_assert_int_eq(connect_to(h, b, "198.51.100.7:80"), BM_EADDRNOTAVAIL);
	ck_assert_int_eq(connect_to(h, c, "198.51.100.8:80"), BM_OK);
	bm_host_free(h);
}
END_TEST

/* A copy of a built-in personality under another name keeps working
 * (a user's own policy derived from a built-in one, as an SQLite VFS
 * shim wraps the default): the copied 4.4BSD rules still apply. */
START_TEST(copied_builtin_policy_keeps_its_rules)
{
	bm_policy p = *bm_personality_find("bsd");
	p.name = "my-bsd";
	bm_host *h = bm_host_new_with_policy(&p, NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock a = sock_of(h, "tcp4", 0, 0), b = sock_of(h, "tcp4", 0, 0);
	bm_sock c = sock_of(h, "tcp4", BM_SO_REUSEADDR, 0);
	bind_ok(h, a, "0.0.0.0:5000");
	/* bsd.bind.conflict: without a flag the wild lookup finds a */
	ck_assert_int_eq(bind_to(h, b, "127.0.0.1:5000"), BM_EADDRINUSE);
	/* with SO_REUSEADDR the lookup is exact: a specific address is free */
	bind_ok(h, c, "127.0.0.1:5000");
	bm_host_free(h);
}
END_TEST

/* ------------------------------------------------------ close, deliver */

/* core.close.timewait: TIME_WAIT lasts the host's duration; a duration of
 * zero releases the port at once. */
START_TEST(zero_time_wait_releases_at_once)
{
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_TIME_WAIT_MS, 0), BM_OK);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_NOLOCAL_TIMEWAIT, 0), BM_OK);
	bm_sock l = sock_of(h, "tcp4", 0, 0), c = sock_of(h, "tcp4", 0, 0), again;
	listen_on(h, l, "127.0.0.1:5000");
	bind_ok(h, c, "127.0.0.1:6000");
	ck_assert_int_eq(connect_to(h, c, "127.0.0.1:5000"), BM_OK);
	ck_assert_int_eq(bm_close(h, c, NULL), BM_OK);
	ck_assert_int_eq(bm_sock_query(h, c, NULL), BM_EBADF);
	again = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, again, "127.0.0.1:6000");
	bm_host_free(h);
}
END_TEST

/* bsd.deliver.best / FreeBSD in_pcblookup_hash_locked: the exact
 * four-tuple match (a connected socket) receives before a wildcard one. */
START_TEST(connected_udp_socket_gets_its_peers_datagram)
{
	bm_host *h = host_with("freebsd", "192.168.0.1");
	bm_sock w = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), c = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bm_sock got[4];
	size_t n;
	bind_ok(h, w, "0.0.0.0:5000");
	bind_ok(h, c, "192.168.0.1:5000");
	ck_assert_int_eq(connect_to(h, c, "198.51.100.7:53"), BM_OK);
	ck_assert_int_eq(deliver_to(h, BM_UDP, "198.51.100.7:53", "192.168.0.1:5000", got, 4, &n),
	                 BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], c);
	bm_host_free(h);
}
END_TEST

/* ...and a datagram from anyone else is not for the connected socket. */
START_TEST(connected_udp_socket_ignores_other_sources)
{
	bm_host *h = host_with("freebsd", "192.168.0.1");
	bm_sock w = sock_of(h, "udp4", BM_SO_REUSEPORT, 0), c = sock_of(h, "udp4", BM_SO_REUSEPORT, 0);
	bm_sock got[4];
	size_t n;
	bind_ok(h, w, "0.0.0.0:5000");
	bind_ok(h, c, "192.168.0.1:5000");
	ck_assert_int_eq(connect_to(h, c, "198.51.100.7:53"), BM_OK);
	ck_assert_int_eq(deliver_to(h, BM_UDP, "0.0.0.0:53", "192.168.0.1:5000", got, 4, &n), BM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(got[0], w);
	bm_host_free(h);
}
END_TEST

/* RFC 3493 5.3 IPV6_V6ONLY: an IPv6-only socket receives no IPv4 traffic. */
START_TEST(v6only_socket_receives_no_ipv4)
{
	bm_host *h = host_of("freebsd");
	bm_sock s = sock_of(h, "udp6", BM_IPV6_V6ONLY, 0);
	size_t n = 99;
	bind_ok(h, s, "[::]:5000");
	ck_assert_int_eq(deliver_to(h, BM_UDP, "10.0.0.9:1000", "127.0.0.1:5000", NULL, 0, &n),
	                 BM_ECONNREFUSED);
	ck_assert_uint_eq(n, 0);
	bm_host_free(h);
}
END_TEST

/* --------------------------------------------------------- connect */

/* core.connect.source: a dual-stack socket connecting to a v4-mapped
 * peer takes the host's first IPv4 address, as ::ffff:a.b.c.d. */
START_TEST(dual_stack_connect_to_mapped_peer_uses_mapped_source)
{
	bm_host *h = host_with("freebsd", "192.168.0.1");
	bm_sock s = sock_of(h, "tcp6", 0, 0);
	ck_assert_int_eq(bm_setsockopt(h, s, BM_IPV6_V6ONLY, 0, NULL), BM_OK);
	ck_assert_int_eq(connect_to(h, s, "[::ffff:198.51.100.7]:80"), BM_OK);
	bm_sock_info i = info_of(h, s);
	char buf[BM_ENDPOINT_STRLEN];
	ck_assert_str_eq(bm_addr_format(&i.local, buf, sizeof buf), "::ffff:192.168.0.1");
	bm_host_free(h);
}
END_TEST

/* core.connect.any; FreeBSD sys/netinet6/in6_pcb.c in6_pcbladdr: "If the
 * destination address is UNSPECIFIED addr, use the loopback addr, e.g ::1"
 * (connect_in6addr_wild defaults to 1). */
START_TEST(connect_to_ipv6_unspecified_reaches_loopback)
{
	bm_host *h = host_of("freebsd");
	bm_sock l = sock_of(h, "tcp6", 0, 0), c = sock_of(h, "tcp6", 0, 0), child;
	listen_connect(h, l, c, "[::]:8080");
	bm_sock_info i = info_of(h, c);
	char buf[BM_ENDPOINT_STRLEN];
	ck_assert_str_eq(bm_endpoint_format(&i.remote, buf, sizeof buf), "[::1]:8080");
	ck_assert_int_eq(bm_accept(h, l, &child, NULL), BM_OK);
	bm_host_free(h);
}
END_TEST

Suite *cov_core_suite(void)
{
	Suite *s = suite_create("cov_core");
	TCase *t = tcase_create("defaults");
	tcase_add_test(t, default_conflict_refuses_overlap);
	tcase_add_test(t, default_conflict_shares_with_reuseport_on_both);
	tcase_add_test(t, default_conflict_ignores_disjoint_addresses);
	tcase_add_test(t, default_conflict_has_no_listen_recheck);
	tcase_add_test(t, default_precheck_rebind_is_einval);
	tcase_add_test(t, default_precheck_foreign_address_is_eaddrnotavail);
	tcase_add_test(t, default_precheck_freebind_allows_foreign_address);
	tcase_add_test(t, default_precheck_low_port_needs_root);
	tcase_add_test(t, default_connect_autobind_skips_held_port);
	tcase_add_test(t, default_connect_refuses_duplicate_four_tuple);
	tcase_add_test(t, default_deliver_prefers_specific_address);
	tcase_add_test(t, default_deliver_newest_among_equals);
	tcase_add_test(t, default_deliver_multicast_fans_out);
	suite_add_tcase(s, t);
	t = tcase_create("contract");
	tcase_add_test(t, silent_conflict_hook_gets_eaddrinuse_and_culprit);
	tcase_add_test(t, rebind_hook_moves_socket_between_ports);
	tcase_add_test(t, greedy_deliver_hook_is_clamped);
	tcase_add_test(t, copied_builtin_policy_keeps_its_rules);
	tcase_add_test(t, permissive_connect_port_hook_cannot_duplicate_four_tuple);
	suite_add_tcase(s, t);
	t = tcase_create("core_paths");
	tcase_add_test(t, zero_time_wait_releases_at_once);
	tcase_add_test(t, connected_udp_socket_gets_its_peers_datagram);
	tcase_add_test(t, connected_udp_socket_ignores_other_sources);
	tcase_add_test(t, v6only_socket_receives_no_ipv4);
	tcase_add_test(t, dual_stack_connect_to_mapped_peer_uses_mapped_source);
	tcase_add_test(t, connect_to_ipv6_unspecified_reaches_loopback);
	suite_add_tcase(s, t);
	return s;
}
