/* SPDX-License-Identifier: MIT */
/* check_host.c: hosts, knobs, local addresses, names and custom policies. */
#include "check_util.h"

START_TEST(unknown_personality)
{
	bm_result r = BM_OK;
	ck_assert_ptr_null(bm_host_new("plan9", &r));
	ck_assert_int_eq(r, BM_ENOENT);
	ck_assert_ptr_null(bm_host_new(NULL, &r));
	ck_assert_int_eq(r, BM_ENOENT);
}
END_TEST

START_TEST(aliases_resolve)
{
	static const char *const pairs[][2] = {
		{"darwin", "macos-15"}, {"ios", "macos-15"}, {"tvos", "macos-15"},
		{"watchos", "macos-15"}, {"macos", "macos-15"}, {"freebsd", "freebsd-15"},
		{"android", "linux-6.18"}, {"LINUX", "linux-6.18"}, {"linux", "linux-6.18"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		const bm_policy *p = bm_personality_find(pairs[i][0]);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(p->name, pairs[i][1]);
	}
}
END_TEST

START_TEST(every_personality_listed_once)
{
	static const char *const names[] = {"bsd", "freebsd-14", "freebsd-15", "openbsd", "netbsd",
	                                    "macos-14", "macos-15",
	                                    "linux-3.8", "linux-6.1", "linux-6.12", "linux-6.18",
	                                    "linux-6.18-fc", "windows-2000", "windows-2003", "windows",
	                                    "solaris-10", "solaris"};
	ck_assert_uint_eq(bm_personality_count(), sizeof names / sizeof *names);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const bm_policy *p = bm_personality_at(i);
		ck_assert_str_eq(p->name, names[i]);
		ck_assert_ptr_nonnull(p->description);
		ck_assert_int_eq(p->version, BM_POLICY_VERSION);
		bm_host *h = host_of(names[i]);
		ck_assert_ptr_eq(bm_host_policy(h), p);
		bm_host_free(h);
	}
	ck_assert_ptr_null(bm_personality_at(bm_personality_count()));
}
END_TEST

/* A release is a row of data: every Linux release shares the family's
 * hooks and differs only in its data. */
START_TEST(linux_releases_are_rows)
{
	const bm_policy *base = bm_personality_find("linux-6.18");
	static const char *const rel[] = {"linux-6.1", "linux-6.12", "linux-6.18-fc"};
	ck_assert_str_eq(bm_personality_alias_of("linux"), "linux-6.18");
	ck_assert_ptr_null(bm_personality_alias_of("linux-6.1"));
	for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
		const bm_policy *p = bm_personality_find(rel[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert(p->conflict == base->conflict);
		ck_assert(p->deliver == base->deliver);
		ck_assert_ptr_nonnull(p->data);
		ck_assert_ptr_ne(p->data, base->data);
	}
}
END_TEST

START_TEST(knob_defaults_come_from_policy)
{
	bm_host *h = host_of("linux");
	/* linux.md section 12: defaults seen on 6.18 */
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_EPHEMERAL_LO), 32768);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_EPHEMERAL_HI), 60999);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START), 1024);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_TW_REUSE), 2);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_V6ONLY), 0);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_TIME_WAIT_MS), 60000);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_NONLOCAL_BIND), 0);
	ck_assert_int_eq(bm_host_knob(h, BM_KNOB_COUNT), -1);
	ck_assert_int_eq(bm_host_knob(NULL, BM_KNOB_V6ONLY), -1);
	bm_host_free(h);
}
END_TEST

static const struct {
	bm_knob k;
	long v;
	bm_result r;
} knob_sets[] = {
	{BM_KNOB_EPHEMERAL_LO, 0, BM_EINVAL},
	{BM_KNOB_EPHEMERAL_LO, 61000, BM_EINVAL},   /* above hi */
	{BM_KNOB_EPHEMERAL_LO, 40000, BM_OK},
	{BM_KNOB_EPHEMERAL_HI, 65536, BM_EINVAL},
	{BM_KNOB_EPHEMERAL_HI, 30000, BM_EINVAL},   /* below lo */
	{BM_KNOB_EPHEMERAL_HI, 65535, BM_OK},
	{BM_KNOB_TW_REUSE, 3, BM_EINVAL},
	{BM_KNOB_TW_REUSE, 0, BM_OK},
	{BM_KNOB_V6ONLY, 2, BM_EINVAL},
	{BM_KNOB_V6ONLY, 1, BM_OK},
	{BM_KNOB_NONLOCAL_BIND, -1, BM_EINVAL},
	{BM_KNOB_NONLOCAL_BIND, 1, BM_OK},
	{BM_KNOB_TIME_WAIT_MS, -5, BM_EINVAL},
	{BM_KNOB_TIME_WAIT_MS, 1000, BM_OK},
	{BM_KNOB_UNPRIVILEGED_PORT_START, 70000, BM_EINVAL},
	{BM_KNOB_UNPRIVILEGED_PORT_START, 0, BM_OK},
	{BM_KNOB_COUNT, 0, BM_EINVAL},
};

START_TEST(knob_ranges)
{
	bm_host *h = host_of("linux");
	long before = bm_host_knob(h, knob_sets[_i].k);
	ck_assert_int_eq(bm_host_set_knob(h, knob_sets[_i].k, knob_sets[_i].v), knob_sets[_i].r);
	if (knob_sets[_i].r == BM_OK)
		ck_assert_int_eq(bm_host_knob(h, knob_sets[_i].k), knob_sets[_i].v);
	else
		ck_assert_int_eq(bm_host_knob(h, knob_sets[_i].k), before);
	bm_host_free(h);
}
END_TEST

START_TEST(knob_names)
{
	bm_knob k;
	for (int i = 0; i < BM_KNOB_COUNT; i++) {
		ck_assert_int_eq(bm_knob_from_name(bm_knob_name((bm_knob)i), &k), 0);
		ck_assert_int_eq(k, i);
	}
	ck_assert_int_eq(bm_knob_from_name("nosuch", &k), -1);
	ck_assert_str_eq(bm_knob_name(BM_KNOB_COUNT), "?");
}
END_TEST

START_TEST(add_addr_validates)
{
	bm_host *h = host_with("linux", "192.168.0.1");
	ck_assert_int_eq(bm_host_add_addr(h, "192.168.0.1", "eth0"), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "2001:db8::1", "eth1"), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "0.0.0.0", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "224.1.1.1", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "::ffff:1.2.3.4", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "1.2.3", NULL), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(h, "1.2.3.4", "averyveryverylongifname"), BM_EINVAL);
	ck_assert_int_eq(bm_host_add_addr(NULL, "1.2.3.4", NULL), BM_EINVAL);
	bm_endpoint a = ep_of("192.168.0.1:0"), b = ep_of("[2001:db8::1]:0"),
	            c = ep_of("[::ffff:192.168.0.1]:0"), d = ep_of("192.168.0.2:0");
	ck_assert(bm_host_addr_is_local(h, &a));
	ck_assert(bm_host_addr_is_local(h, &b));
	ck_assert(bm_host_addr_is_local(h, &c));
	ck_assert(!bm_host_addr_is_local(h, &d));
	bm_host_free(h);
}
END_TEST

START_TEST(loopback_locality_per_policy)
{
	/* linux.md 3.1: all of 127/8 is local on Linux */
	bm_host *h = host_of("linux");
	bm_endpoint l2 = ep_of("127.0.0.2:0");
	ck_assert(bm_host_addr_is_local(h, &l2));
	bm_host_free(h);
}
END_TEST

START_TEST(clock_advances_and_saturates)
{
	bm_host *h = host_of("linux");
	ck_assert_uint_eq(bm_host_now(h), 0);
	bm_advance(h, 1500);
	ck_assert_uint_eq(bm_host_now(h), 1500);
	bm_advance(h, UINT64_MAX);
	ck_assert_uint_eq(bm_host_now(h), UINT64_MAX);
	bm_advance(NULL, 5);
	ck_assert_uint_eq(bm_host_now(NULL), 0);
	bm_host_free(h);
	bm_host_free(NULL);
}
END_TEST

/* A caller's own policy: a stack where nothing may share a port. */
static bm_match strict_conflict(const bm_host *h, const bm_sock_info *s,
                                const bm_sock_info *old, bm_phase phase, bm_verdict *v)
{
	(void)h;
	(void)phase;
	if (!bm_overlap(s, old))
		return BM_MATCH_NONE;
	bm_verdict_set(v, BM_EADDRINUSE, "core.bind.overlap", old->id, "strict");
	return BM_MATCH_CONFLICT;
}

static const bm_policy strict_policy = {
	.version = BM_POLICY_VERSION,
	.name = "strict",
	.description = "test policy",
	.family = "test",
	.options = BM_SO_REUSEADDR,
	.time_wait_ms = 1000,
	.ephemeral_lo = 5000,
	.ephemeral_hi = 5001,
	.bind_exhausted = BM_EADDRINUSE,
	.connect_exhausted = BM_EADDRNOTAVAIL,
	.udp_autobind_exhausted = BM_EAGAIN,
	.connect_on_listen = BM_EISCONN,
	.connect_tuple_error = BM_EADDRINUSE,
	.conflict = strict_conflict,
};

START_TEST(custom_policy_is_used)
{
	bm_result r;
	bm_host *h = bm_host_new_with_policy(&strict_policy, &r);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(r, BM_OK);
	bm_sock a = sock_of(h, "udp4", BM_SO_REUSEADDR, 0), b = sock_of(h, "udp4", BM_SO_REUSEADDR, 0);
	bind_ok(h, a, "0.0.0.0:7000");
	bm_verdict v;
	ck_assert_int_eq(bind_verdict(h, b, "0.0.0.0:7000", &v), BM_EADDRINUSE);
	ck_assert_str_eq(v.reason, "strict");
	ck_assert_int_eq(v.conflict, a);
	/* SO_REUSEPORT is not among its options */
	ck_assert_int_eq(bm_setsockopt(h, b, BM_SO_REUSEPORT, 1, NULL), BM_ENOPROTOOPT);
	/* its two-port ephemeral range runs out */
	bm_sock c = sock_of(h, "tcp4", 0, 0), d = sock_of(h, "tcp4", 0, 0), e = sock_of(h, "tcp4", 0, 0);
	bind_ok(h, c, "0.0.0.0:0");
	bind_ok(h, d, "0.0.0.0:0");
	ck_assert_int_eq(bind_to(h, e, "0.0.0.0:0"), BM_EADDRINUSE);
	bm_host_free(h);
}
END_TEST

START_TEST(custom_policy_rejected_when_bad)
{
	bm_result r = BM_OK;
	bm_policy bad = strict_policy;
	bad.version = 99;
	ck_assert_ptr_null(bm_host_new_with_policy(&bad, &r));
	ck_assert_int_eq(r, BM_EINVAL);
	ck_assert_ptr_null(bm_host_new_with_policy(NULL, &r));
}
END_TEST

/* A caller's policy of version 2 (before autobind_skips_bound) is still
 * accepted. */
START_TEST(policy_version_2_accepted)
{
	bm_policy old = strict_policy;
	old.version = 2;
	bm_host *h = bm_host_new_with_policy(&old, NULL);
	ck_assert_ptr_nonnull(h);
	bm_host_free(h);
}
END_TEST

/* autobind_skips_bound is only a shortcut: with it and without it, the
 * same random run of binds, autobound connects and closes (small range,
 * so ports are shared, refused and exhausted) gives the same results and
 * the same ports, on each personality that promises it. */
static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

static const char *const skipping_oses[] = {"linux", "linux-6.1", "windows"};

START_TEST(autobind_shortcut_changes_nothing)
{
	bm_policy plain = *bm_personality_find(skipping_oses[_i]);
	ck_assert_int_eq(plain.autobind_skips_bound, 1);
	plain.autobind_skips_bound = 0;
	bm_host *fast = host_of(skipping_oses[_i]);
	bm_host *slow = bm_host_new_with_policy(&plain, NULL);
	ck_assert_ptr_nonnull(slow);
	bm_host *both[2] = {fast, slow};
	for (int k = 0; k < 2; k++) {
		bm_host_set_knob(both[k], BM_KNOB_EPHEMERAL_LO, 40000);
		bm_host_set_knob(both[k], BM_KNOB_EPHEMERAL_HI, 40150);
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.1", NULL), BM_OK);
	}
	long shared = 0;   /* connects that took a port another connect has */
	bm_sock socks[2][64];
	int n = 0;
	uint32_t x = 12345;
	for (int step = 0; step < 4000; step++) {
		uint32_t what = lcg(&x) % 10, pick = lcg(&x), arg = lcg(&x);
		bm_result r[2];
		bm_sock_info info[2];
		char ep_text[40];
		for (int k = 0; k < 2; k++) {
			bm_host *h = both[k];
			bm_sock s = n ? socks[k][pick % (uint32_t)n] : BM_NO_SOCK;
			if (what < 2 || n == 0) {   /* a new socket */
				bm_sock t = BM_NO_SOCK;
				r[k] = bm_socket(h, BM_AF_INET, BM_TCP, 0, &t, NULL);
				if (arg & 1)
					bm_setsockopt(h, t, BM_SO_REUSEADDR, 1, NULL);
				if (n < 64)
					socks[k][n] = t;
				s = t;
			} else if (what < 4) {      /* bind in or near the range */
				bm_endpoint ep = ep_of(arg & 64 ? "10.0.0.1:0" : "127.0.0.1:0");
				ep.port = (uint16_t)(39990 + arg % 180);
				r[k] = bm_bind(h, s, &ep, NULL);
			} else if (what < 8) {      /* connect, autobound when unbound */
				/* remote peers (they accept), and loopback (refused) */
				snprintf(ep_text, sizeof ep_text, "%s.%u:%u",
				         arg & 128 ? "127.0.0" : "203.0.113", 1 + arg % 2,
				         80 + (arg >> 4) % 3);
				bm_endpoint ep = ep_of(ep_text);
				r[k] = bm_connect(h, s, &ep, NULL);
			} else if (what < 9) {
				bm_setsockopt(h, s, BM_SO_LINGER, (int)(arg & 1), NULL);
				r[k] = bm_close(h, s, NULL);
			} else {
				bm_advance(h, arg % 90000);
				r[k] = BM_OK;
			}
			if (bm_sock_query(h, s, &info[k]) != BM_OK)
				memset(&info[k], 0, sizeof info[k]);
		}
		if (what >= 4 && what < 8 && r[0] == BM_OK && info[0].port_from_connect &&
		    bm_port_count(fast, BM_TCP, info[0].local.port) > 1)
			shared++;
		if (what < 2 && n < 64)
			n++;
		ck_assert_msg(r[0] == r[1], "step %d (%u): %s with the shortcut, %s without", step,
		              what, bm_result_name(r[0]), bm_result_name(r[1]));
		ck_assert_msg(info[0].local.port == info[1].local.port && info[0].state == info[1].state,
		              "step %d (%u): port %u vs %u", step, what, info[0].local.port,
		              info[1].local.port);
	}
	/* the runs did share connect ports (Linux and Windows take a port
	 * another connect holds, toward another destination) */
	ck_assert_int_gt(shared, 10);
	bm_host_free(fast);
	bm_host_free(slow);
}
END_TEST

/* The crowd index is only a shortcut too: the same random run of TCP
 * binds, listens, connects and closes over a few addresses and two ports
 * (crowded past BM_CROWDED owners) gives the same result, rule and
 * conflicting socket on a host that indexes crowded ports and on one that
 * never does, for every personality (the index serves bm_check_owners
 * where the policy promised conflict_overlap_only, and the BSDs' own
 * lookup through bm_port_near_last/prev). */
/* Whole words of held ports, then some freed: the shortcut must see them
 * free again (its summary of full words is forgotten with the port). */
START_TEST(autobind_shortcut_sees_freed_ports)
{
	bm_policy plain = *bm_personality_find(skipping_oses[_i]);
	plain.autobind_skips_bound = 0;
	bm_host *both[2] = {host_of(skipping_oses[_i]), bm_host_new_with_policy(&plain, NULL)};
	ck_assert_ptr_nonnull(both[1]);
	bm_endpoint dst = ep_of("203.0.113.1:80");
	uint16_t got[2][3];
	for (int k = 0; k < 2; k++) {
		bm_host *h = both[k];
		bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, 32768);
		bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, 45000);
		ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", NULL), BM_OK);
		static bm_sock held[2][8192];
		for (int p = 0; p < 8192; p++) {   /* 32768-40959: two summary words */
			held[k][p] = sock_of(h, "tcp4", 0, 0);
			bm_endpoint ep = ep_of("10.0.0.1:0");
			ep.port = (uint16_t)(32768 + p);
			ck_assert_int_eq(bm_bind(h, held[k][p], &ep, NULL), BM_OK);
		}
		for (int round = 0; round < 3; round++) {
			bm_sock c = sock_of(h, "tcp4", 0, 0);
			ck_assert_int_eq(bm_connect(h, c, &dst, NULL), BM_OK);
			bm_sock_info in;
			ck_assert_int_eq(bm_sock_query(h, c, &in), BM_OK);
			got[k][round] = in.local.port;
			/* free a port deep inside the held words for the next round */
			bm_close(h, held[k][100 + 3000 * round], NULL);
			bm_close(h, held[k][101 + 3000 * round], NULL);
		}
	}
	for (int round = 0; round < 3; round++)
		ck_assert_uint_eq(got[0][round], got[1][round]);
	ck_assert_uint_lt(got[0][1], 40960);   /* a freed port inside, not past the words */
	bm_host_free(both[0]);
	bm_host_free(both[1]);
}
END_TEST

#define BM_CROWDED_TEST 32   /* model/internal.h BM_CROWDED: indexed past it */
void bm_host_set_crowded(bm_host *h, size_t n);   /* model/internal.h, for tests */

/* Two hosts, one with an index and one without, answered alike: code,
 * owner named, rule and reason (where: the personality; what: the kind of
 * step, for the message). */
static void same_verdict(const bm_verdict *a, const bm_verdict *b, const char *where, int step,
                         unsigned what)
{
	ck_assert_msg(a->code == b->code && a->conflict == b->conflict &&
	              strcmp(a->rule ? a->rule : "", b->rule ? b->rule : "") == 0 &&
	              strcmp(a->reason, b->reason) == 0,
	              "%s step %d (%u): %s %s %d (%s) with the index, %s %s %d (%s) without", where,
	              step, what, bm_result_name(a->code), a->rule, a->conflict, a->reason,
	              bm_result_name(b->code), b->rule, b->conflict, b->reason);
}

START_TEST(crowd_index_changes_nothing)
{
	static const char *const addrs[] = {"127.0.0.1", "10.0.0.1", "10.0.0.2", "0.0.0.0",
	                                    "[::]", "[::1]", "[::ffff:10.0.0.1]",
	                                    "[::ffff:0.0.0.0]", "[2001:db8::1]"};
	enum { NADDR = sizeof addrs / sizeof *addrs, MAXS = 1000 };
	const bm_policy *p = bm_personality_at((size_t)_i);
	bm_host *both[2] = {host_of(p->name), host_of(p->name)};
	bm_host_set_crowded(both[1], SIZE_MAX);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.1", NULL), BM_OK);
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.2", NULL), BM_OK);
		ck_assert_int_eq(bm_host_add_addr(both[k], "2001:db8::1", NULL), BM_OK);
	}
	static bm_sock socks[2][MAXS];
	int n = 0, crowded = 0;
	uint32_t x = 1234;
	for (int step = 0; step < 12000; step++) {
		uint32_t what = lcg(&x) % 14, pick = lcg(&x), arg = lcg(&x);
		bm_verdict v[2];
		for (int k = 0; k < 2; k++) {
			bm_host *h = both[k];
			bm_sock s = n ? socks[k][pick % (uint32_t)n] : BM_NO_SOCK;
			memset(&v[k], 0, sizeof v[k]);
			if (what < 3 || n == 0) {
				bm_sock t = BM_NO_SOCK;
				bm_socket(h, arg & 1 ? BM_AF_INET6 : BM_AF_INET, BM_TCP, arg & 2 ? 1000 : 0, &t,
				          &v[k]);
				if (arg & 12)   /* many sharers: crowds on every release */
					bm_setsockopt(h, t, BM_SO_REUSEADDR, 1, NULL);
				else if (arg & 16)   /* Windows: owners that refuse */
					bm_setsockopt(h, t, BM_SO_EXCLUSIVEADDRUSE, 1, NULL);
				if (n < MAXS)
					socks[k][n] = t;
			} else if (what < 5) {
				static const bm_option opts[] = {BM_SO_REUSEADDR, BM_SO_REUSEPORT, BM_IPV6_V6ONLY};
				bm_setsockopt(h, s, opts[arg % 3], (int)((arg >> 2) & 1 ? 1 : (arg >> 3) & 1), &v[k]);
			} else if (what < 9) {
				char text[48];
				snprintf(text, sizeof text, "%s:%u", addrs[arg % NADDR],
				         7000 + ((arg >> 5) % 4 == 0));
				bm_endpoint ep = ep_of(text);
				bm_bind(h, s, &ep, &v[k]);
			} else if (what < 10) {
				bm_listen(h, s, &v[k]);
			} else if (what < 11) {
				bm_endpoint ep = ep_of(arg & 1 ? "10.0.0.1:7000" : "203.0.113.1:80");
				bm_connect(h, s, &ep, &v[k]);
			} else if (what < 12) {
				bm_setsockopt(h, s, BM_SO_LINGER, (int)(arg & 1), NULL);
				bm_close(h, s, &v[k]);
			} else if (what < 13) {
				bm_sock child = BM_NO_SOCK;   /* children share the port */
				if (bm_accept(h, s, &child, &v[k]) == BM_OK && n < MAXS)
					socks[k][n] = child;
			} else {
				bm_advance(h, 1000 * (arg % 4));   /* TIME_WAITs end */
			}
		}
		if ((what < 3 || n == 0 || (what == 12 && v[0].code == BM_OK)) && n < MAXS)
			n++;
		/* the reason too: a walk by kind names the owners the walk one
		 * by one does */
		same_verdict(&v[0], &v[1], p->name, step, what);
		if (bm_port_count(both[0], BM_TCP, 7000) > BM_CROWDED_TEST ||
		    bm_port_count(both[0], BM_TCP, 7001) > BM_CROWDED_TEST)
			crowded++;
	}
	ck_assert_int_gt(crowded, 1000);   /* the index was in use */
	bm_host_free(both[0]);
	bm_host_free(both[1]);
}
END_TEST

/* Owners of a crowded Windows port change kind as they connect and enter
 * TIME_WAIT out of join order (crowd.c moves each to its kind's list at
 * its place by join stamp); binds that probe the port after every change,
 * with and without SO_EXCLUSIVEADDRUSE and from two users, get the same
 * verdict, reason included, on a host with the index and one without. */
static const char *const windows_oses[] = {"windows", "windows-2003", "windows-2000"};

START_TEST(crowd_kinds_keep_join_order)
{
	enum { N = 48 };
	bm_host *both[2] = {host_of(windows_oses[_i]), host_of(windows_oses[_i])};
	bm_host_set_crowded(both[1], SIZE_MAX);
	bm_sock s[2][N];
	int step = 0, refused = 0, shared = 0, bound_addr = 0;
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.1", NULL), BM_OK);
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.2", NULL), BM_OK);
		for (int i = 0; i < N; i++) {
			bm_endpoint ep = ep_of(i % 6 == 0 ? "0.0.0.0:7000" : "10.0.0.1:7000");
			bm_socket(both[k], BM_AF_INET, BM_TCP, i % 3 ? 0 : 1000, &s[k][i], NULL);
			ck_assert_int_eq(bm_setsockopt(both[k], s[k][i], BM_SO_REUSEADDR, 1, NULL), BM_OK);
			ck_assert_int_eq(bm_bind(both[k], s[k][i], &ep, NULL), BM_OK);
		}
	}
	for (int phase = 0; phase < 2; phase++) {
		for (int j = 0; j < N; j++, step++) {
			/* connect, then close into TIME_WAIT, in orders that are
			 * not the join order */
			int i = phase ? (j * 11 + 5) % N : (j * 7 + 3) % N;
			bm_verdict v[2];
			for (int k = 0; k < 2; k++) {
				memset(&v[k], 0, sizeof v[k]);
				if (phase == 0) {
					char peer[32];
					snprintf(peer, sizeof peer, "203.0.113.%d:80", 1 + i);
					bm_endpoint dst = ep_of(peer);
					bm_connect(both[k], s[k][i], &dst, &v[k]);
				} else {
					bm_close(both[k], s[k][i], &v[k]);
				}
			}
			same_verdict(&v[0], &v[1], windows_oses[_i], step, (unsigned)phase);
			/* 10.0.0.2 sees the wildcard owners that connect() gave
			 * 10.0.0.1 as judged by their bound address */
			for (int probe = 0; probe < 8; probe++) {
				for (int k = 0; k < 2; k++) {
					bm_sock t;
					bm_endpoint ep = ep_of(probe & 4 ? "10.0.0.2:7000" : "10.0.0.1:7000");
					bm_socket(both[k], BM_AF_INET, BM_TCP, probe & 1 ? 1000 : 0, &t, NULL);
					bm_setsockopt(both[k], t, probe & 2 ? BM_SO_EXCLUSIVEADDRUSE
					                                    : BM_SO_REUSEADDR, 1, NULL);
					memset(&v[k], 0, sizeof v[k]);
					bm_bind(both[k], t, &ep, &v[k]);
					bm_setsockopt(both[k], t, BM_SO_LINGER, 0, NULL);
					bm_close(both[k], t, NULL);
				}
				same_verdict(&v[0], &v[1], windows_oses[_i], step, (unsigned)phase);
				refused += v[0].code != BM_OK;
				shared += v[0].code == BM_OK && v[0].conflict != BM_NO_SOCK;
				bound_addr += strcmp(v[0].rule, "windows.bind.bound_addr") == 0;
			}
		}
	}
	ck_assert_int_gt(refused, 0);   /* both answers were reached */
	ck_assert_int_gt(shared, 0);
	ck_assert_int_gt(bound_addr, 0);
	bm_host_free(both[0]);
	bm_host_free(both[1]);
}
END_TEST

void bm_host_set_tuple_index(bm_host *h, int on);   /* model/internal.h, for tests */

/* The four-tuple index (a connect()'s port search and its four-tuple check
 * without walking the port) changes no answer: random connects to a few
 * peers from a narrow ephemeral range, with binds, listeners, accepted
 * children, closes into TIME_WAIT and time passing, on a host with the
 * index and one without, step by step. */
START_TEST(tuple_index_changes_nothing)
{
	static const char *const peers[] = {"203.0.113.1:80", "203.0.113.1:81", "203.0.113.2:80",
	                                    "10.0.0.1:7000", "[::ffff:203.0.113.1]:80"};
	enum { NPEER = sizeof peers / sizeof *peers, MAXS = 600 };
	const bm_policy *p = bm_personality_at((size_t)_i);
	bm_host *both[2] = {host_of(p->name), host_of(p->name)};
	bm_host_set_tuple_index(both[1], 0);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(bm_host_add_addr(both[k], "10.0.0.1", NULL), BM_OK);
		bm_host_set_knob(both[k], BM_KNOB_EPHEMERAL_LO, 40000);
		bm_host_set_knob(both[k], BM_KNOB_EPHEMERAL_HI, 40011);
	}
	static bm_sock socks[2][MAXS];
	int n = 0, shared = 0, connected = 0;
	uint32_t x = 4242;
	for (int step = 0; step < 6000; step++) {
		uint32_t what = lcg(&x) % 10, pick = lcg(&x), arg = lcg(&x);
		bm_verdict v[2];
		bm_sock_info info[2];
		int have[2];
		for (int k = 0; k < 2; k++) {
			bm_host *h = both[k];
			bm_sock s = n ? socks[k][pick % (uint32_t)n] : BM_NO_SOCK;
			memset(&v[k], 0, sizeof v[k]);
			if (what < 3 || n == 0) {
				bm_sock t = BM_NO_SOCK;
				bm_socket(h, arg & 1 ? BM_AF_INET6 : BM_AF_INET, BM_TCP, 0, &t, &v[k]);
				if (arg & 2)
					bm_setsockopt(h, t, BM_SO_REUSEADDR, 1, NULL);
				if (n < MAXS)
					socks[k][n] = t;
			} else if (what < 4) {
				char text[40];
				snprintf(text, sizeof text, "%s:%u", arg & 1 ? "0.0.0.0" : "10.0.0.1",
				         arg & 2 ? 7000 : 40000 + (arg >> 2) % 12);
				bm_endpoint ep = ep_of(text);
				bm_bind(h, s, &ep, &v[k]);
			} else if (what < 5) {
				bm_listen(h, s, &v[k]);
			} else if (what < 8) {
				bm_endpoint ep = ep_of(peers[arg % NPEER]);
				bm_connect(h, s, &ep, &v[k]);
			} else if (what < 9) {
				bm_sock child;
				bm_accept(h, s, &child, &v[k]);
			} else {
				bm_setsockopt(h, s, BM_SO_LINGER, (int)(arg & 1), NULL);
				bm_close(h, s, &v[k]);
				if (arg & 6)
					bm_advance(h, (arg >> 3) % 70000);
			}
			have[k] = bm_sock_query(h, s, &info[k]) == BM_OK;
		}
		if ((what < 3 || n == 0) && n < MAXS)
			n++;
		same_verdict(&v[0], &v[1], p->name, step, what);
		ck_assert_int_eq(have[0], have[1]);
		if (have[0]) {
			ck_assert_int_eq(info[0].local.port, info[1].local.port);
			ck_assert_int_eq(info[0].state, info[1].state);
		}
		if (what >= 5 && what < 8 && v[0].code == BM_OK && have[0]) {
			connected++;
			shared += bm_port_count(both[0], BM_TCP, info[0].local.port) > 2;
		}
	}
	/* the index was in use: connects, and where the OS reuses one port for
	 * many peers (connect_tuple_only), connects onto a shared port */
	ck_assert_int_gt(connected, 20);
	if (p->connect_tuple_only)
		ck_assert_int_gt(shared, 40);
	bm_host_free(both[0]);
	bm_host_free(both[1]);
}
END_TEST

/* bm_port_near_last/prev keep their contract: on a crowded port the owners
 * of the whole walk, in its order, less exactly those on another specific
 * address that did not bind a wildcard; on a small port the whole walk. */
static const uint8_t *v4_bytes(const bm_endpoint *e)
{
	return e->family == BM_AF_INET ? e->addr : bm_addr_is_v4mapped(e) ? e->addr + 12 : NULL;
}

static int same_v4ish(const bm_endpoint *a, const bm_endpoint *b)
{
	const uint8_t *x = v4_bytes(a), *y = v4_bytes(b);
	if (x || y)
		return x && y && memcmp(x, y, 4) == 0;
	return memcmp(a->addr, b->addr, 16) == 0;
}

START_TEST(near_walk_contract)
{
	static const char *const addrs[] = {"10.0.0.1", "10.0.0.2", "0.0.0.0", "[::]",
	                                    "[::ffff:10.0.0.1]", "[2001:db8::1]", "127.0.0.1"};
	enum { NADDR = sizeof addrs / sizeof *addrs };
	bm_host *h = host_of("freebsd");
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.1", NULL), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "10.0.0.2", NULL), BM_OK);
	ck_assert_int_eq(bm_host_add_addr(h, "2001:db8::1", NULL), BM_OK);
	uint32_t x = 99;
	for (int i = 0; i < 300; i++) {
		uint32_t arg = lcg(&x);
		const char *a = addrs[arg % NADDR];
		bm_sock s = sock_of(h, a[0] == '[' ? "tcp6" : "tcp4", BM_SO_REUSEPORT, 0);
		char text[48];
		snprintf(text, sizeof text, "%s:7000", a);
		bind_to(h, s, text);
		if (arg & 256) {   /* a wildcard narrowed by connect() */
			bm_endpoint dst = ep_of(a[0] == '[' ? "[2001:db8::9]:80" : "203.0.113.1:80");
			bm_connect(h, s, &dst, NULL);
		}
		if (i != 20 && i != 299)
			continue;   /* a small port (below the index) and a crowded one */
		for (size_t k = 0; k < NADDR; k++) {
			snprintf(text, sizeof text, "%s:0", addrs[k]);
			bm_endpoint at = ep_of(text);
			bm_port_cursor c;
			const bm_sock_info *n = bm_port_near_last(h, BM_TCP, 7000, &at, &c);
			for (const bm_sock_info *o = bm_port_last(h, BM_TCP, 7000); o;
			     o = bm_port_prev(h, o)) {
				int wild = bm_addr_is_any(&o->bound) || bm_addr_is_any(&o->local);
				/* a small port is walked whole */
				int in = i < 40 || bm_addr_is_any(&at) || wild || same_v4ish(&o->local, &at);
				if (in) {
					ck_assert_msg(n == o, "%s: owner %d missing from the near walk",
					              addrs[k], o->id);
					n = bm_port_near_prev(h, &c);
				} else {
					char l1[64], l2[64];
					bm_endpoint_format(&o->local, l1, sizeof l1);
					bm_endpoint_format(&o->bound, l2, sizeof l2);
					ck_assert_msg(n != o, "%s: owner %d on another address (%s bound %s, %s)",
					              addrs[k], o->id, l1, l2, bm_state_name(o->state));
				}
			}
			ck_assert_ptr_null(n);
		}
	}
	ck_assert_uint_gt(bm_port_count(h, BM_TCP, 7000), 40);
	bm_host_free(h);
}
END_TEST

START_TEST(result_names_round_trip)
{
	bm_result r;
	for (int i = 0; i < BM_RESULT_COUNT; i++) {
		ck_assert_int_eq(bm_result_from_name(bm_result_name((bm_result)i), &r), 0);
		ck_assert_int_eq(r, i);
	}
	ck_assert_int_eq(bm_result_from_name("EWOULDBLOCK", &r), 0);
	ck_assert_int_eq(r, BM_EAGAIN);
	ck_assert_int_eq(bm_result_from_name("WSAEADDRINUSE", &r), 0);
	ck_assert_int_eq(r, BM_EADDRINUSE);
	ck_assert_int_eq(bm_result_from_name("WSAEWOULDBLOCK", &r), 0);
	ck_assert_int_eq(r, BM_EAGAIN);
	ck_assert_int_eq(bm_result_from_name("WSAE", &r), -1);
	ck_assert_int_eq(bm_result_from_name("EFOO", &r), -1);
	ck_assert_str_eq(bm_result_name(BM_RESULT_COUNT), "?");
	ck_assert_str_eq(bm_state_name((bm_state)42), "?");
}
END_TEST

START_TEST(option_names_round_trip)
{
	bm_option o;
	for (unsigned bit = 1; bit <= BM_IP_FREEBIND; bit <<= 1) {
		ck_assert_int_eq(bm_option_from_name(bm_option_name((bm_option)bit), &o), 0);
		ck_assert_uint_eq(o, bit);
	}
	ck_assert_int_eq(bm_option_from_name("IP_BINDANY", &o), 0);
	ck_assert_uint_eq(o, BM_IP_FREEBIND);
	ck_assert_int_eq(bm_option_from_name("SO_NOTHING", &o), -1);
	ck_assert_str_eq(bm_option_name((bm_option)(1u << 20)), "?");
}
END_TEST

START_TEST(every_rule_has_text_and_source)
{
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		for (size_t j = 0; j < p->nrules; j++) {
			ck_assert_msg(p->rules[j].text && p->rules[j].text[0], "%s", p->rules[j].id);
			ck_assert_msg(p->rules[j].source && p->rules[j].source[0], "%s", p->rules[j].id);
			ck_assert_ptr_eq(bm_policy_rule(p, p->rules[j].id), &p->rules[j]);
		}
	}
	ck_assert_ptr_nonnull(bm_policy_rule(NULL, "core.handle"));
	ck_assert_ptr_null(bm_policy_rule(NULL, "no.such.rule"));
	ck_assert_ptr_null(bm_policy_rule(NULL, NULL));
}
END_TEST

/* Records live in slabs of 256 and are reused once freed; peers, accept
 * queues and pending connects live in a table of extras that grows and
 * shifts as entries come and go (model/host.c).  Across three slabs and a
 * few growths of that table, every pair must still find its other end,
 * a closed socket's handle must stay EBADF while its record is reused,
 * and no two live sockets may share a handle. */
START_TEST(records_and_extras_survive_churn)
{
	enum { N = 100 };
	bm_host *h = bm_host_new("linux", NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock l[N], c[N], child[N];
	for (int i = 0; i < N; i++) {
		bm_endpoint ep;
		ck_assert_int_eq(bm_addr_parse("127.0.0.1", &ep), 0);
		ep.port = (uint16_t)(20000 + i);
		/* handles spread apart, so that the tables' hashes collide */
		for (int k = 0; k < 13; k++) {
			bm_sock u;
			ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, &u, NULL), BM_OK);
			ck_assert_int_eq(bm_close(h, u, NULL), BM_OK);
		}
		ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_TCP, 0, &l[i], NULL), BM_OK);
		ck_assert_int_eq(bm_bind(h, l[i], &ep, NULL), BM_OK);
		ck_assert_int_eq(bm_listen(h, l[i], NULL), BM_OK);
		ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_TCP, 0, &c[i], NULL), BM_OK);
		ck_assert_int_eq(bm_connect(h, c[i], &ep, NULL), BM_OK);
	}
	/* every third client goes (its child is reset, and stays queued) */
	for (int i = 0; i < N; i += 3) {
		ck_assert_int_eq(bm_setsockopt(h, c[i], BM_SO_LINGER, 0, NULL), BM_OK);
		ck_assert_int_eq(bm_close(h, c[i], NULL), BM_OK);
	}
	/* new sockets take the freed records, never the old handles */
	bm_sock fresh[N / 3 + 1];
	for (int i = 0, k = 0; i < N; i += 3, k++) {
		ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, &fresh[k], NULL), BM_OK);
		ck_assert_int_gt(fresh[k], c[N - 1]);
		bm_sock_info info;
		ck_assert_int_eq(bm_sock_query(h, c[i], &info), BM_EBADF);
	}
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(bm_accept(h, l[i], &child[i], NULL), BM_OK);
		bm_sock peer = BM_NO_SOCK;
		if (i % 3 == 0) {
			ck_assert_int_eq(bm_sock_peer(h, child[i], NULL, &peer), BM_ENOENT);
			continue;
		}
		ck_assert_int_eq(bm_sock_peer(h, c[i], NULL, &peer), BM_OK);
		ck_assert_int_eq(peer, child[i]);
		ck_assert_int_eq(bm_sock_peer(h, child[i], NULL, &peer), BM_OK);
		ck_assert_int_eq(peer, c[i]);
		ck_assert_int_eq(bm_accept(h, l[i], NULL, NULL), BM_EAGAIN);
	}
	/* listeners go with their queues; the pairs stay */
	for (int i = 0; i < N; i += 2)
		ck_assert_int_eq(bm_close(h, l[i], NULL), BM_OK);
	for (int i = 1; i < N; i += 3) {
		bm_sock peer = BM_NO_SOCK;
		ck_assert_int_eq(bm_sock_peer(h, c[i], NULL, &peer), BM_OK);
		ck_assert_int_eq(peer, child[i]);
	}
	bm_host_free(h);
}
END_TEST

/* The socket table under random opens and closes, handles spread apart
 * so that many share a home slot: every live handle is found, every closed
 * one is EBADF, after each step (an erase moves entries back by their
 * homes, and one at home not at all). */
START_TEST(socket_table_survives_random_closes)
{
	enum { MAXLIVE = 200, STEPS = 2000, DEAD = 64 };
	bm_host *h = bm_host_new("linux", NULL);
	ck_assert_ptr_nonnull(h);
	bm_sock live[MAXLIVE], dead[DEAD];   /* the last DEAD closed */
	int nlive = 0, ndead = 0;
	unsigned seed = 4321;
	for (int step = 0; step < STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		if (nlive < MAXLIVE && (nlive == 0 || r % 3 != 0)) {
			for (unsigned burn = r % 7; burn > 0; burn--) {   /* spread the handles */
				bm_sock u;
				ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, &u, NULL), BM_OK);
				ck_assert_int_eq(bm_close(h, u, NULL), BM_OK);
				dead[ndead++ % DEAD] = u;
			}
			ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_TCP, 0, &live[nlive], NULL), BM_OK);
			nlive++;
		} else {
			int k = (int)(r % (unsigned)nlive);
			ck_assert_int_eq(bm_close(h, live[k], NULL), BM_OK);
			dead[ndead++ % DEAD] = live[k];
			live[k] = live[--nlive];
		}
		/* counted, then asserted once a step: an assertion per query was
		 * most of the test's time */
		bm_sock_info info;
		int lost = 0, found = 0;
		for (int k = 0; k < nlive; k++)
			lost += bm_sock_query(h, live[k], &info) != BM_OK || info.id != live[k];
		for (int k = 0; k < ndead && k < DEAD; k++)
			found += bm_sock_query(h, dead[k], &info) != BM_EBADF;
		ck_assert_msg(lost == 0 && found == 0,
		              "step %d: %d of %d live handles lost, %d closed ones found", step, lost,
		              nlive, found);
	}
	bm_host_free(h);
}
END_TEST

Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *t = tcase_create("host");
	tcase_add_test(t, linux_releases_are_rows);
	tcase_add_test(t, unknown_personality);
	tcase_add_test(t, aliases_resolve);
	tcase_add_test(t, every_personality_listed_once);
	tcase_add_test(t, knob_defaults_come_from_policy);
	tcase_add_loop_test(t, knob_ranges, 0, sizeof knob_sets / sizeof *knob_sets);
	tcase_add_test(t, knob_names);
	tcase_add_test(t, add_addr_validates);
	tcase_add_test(t, loopback_locality_per_policy);
	tcase_add_test(t, clock_advances_and_saturates);
	tcase_add_test(t, custom_policy_is_used);
	tcase_add_test(t, custom_policy_rejected_when_bad);
	tcase_add_test(t, policy_version_2_accepted);
	tcase_add_loop_test(t, autobind_shortcut_changes_nothing, 0,
	                    sizeof skipping_oses / sizeof *skipping_oses);
	tcase_add_test(t, near_walk_contract);
	tcase_add_loop_test(t, autobind_shortcut_sees_freed_ports, 0,
	                    sizeof skipping_oses / sizeof *skipping_oses);
	tcase_add_loop_test(t, crowd_index_changes_nothing, 0, (int)bm_personality_count());
	tcase_add_loop_test(t, tuple_index_changes_nothing, 0, (int)bm_personality_count());
	tcase_add_loop_test(t, crowd_kinds_keep_join_order, 0,
	                    sizeof windows_oses / sizeof *windows_oses);
	tcase_add_test(t, records_and_extras_survive_churn);
	tcase_add_test(t, socket_table_survives_random_closes);
	tcase_add_test(t, result_names_round_trip);
	tcase_add_test(t, option_names_round_trip);
	tcase_add_test(t, every_rule_has_text_and_source);
	suite_add_tcase(s, t);
	return s;
}
