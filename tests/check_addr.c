/* SPDX-License-Identifier: MIT */
/* check_addr.c: endpoints, their text forms and address classes. */
#include <arpa/inet.h>
#include <stdio.h>

#include "check_util.h"

static const struct {
	const char *in, *out;
} round_trip[] = {
	{"0.0.0.0:0", "0.0.0.0:0"},
	{"127.0.0.1:80", "127.0.0.1:80"},
	{"192.168.0.1:65535", "192.168.0.1:65535"},
	{"[::]:21", "[::]:21"},
	{"[::1]:8080", "[::1]:8080"},
	{"[::ffff:10.0.0.1]:53", "[::ffff:10.0.0.1]:53"},
	{"[fe80::1]:1", "[fe80::1]:1"},
	{"[2001:db8::0:1]:443", "[2001:db8::1]:443"},
	{"224.1.2.3:5000", "224.1.2.3:5000"},
	{"[ff0e::1]:5000", "[ff0e::1]:5000"},
};

START_TEST(endpoint_round_trip)
{
	char buf[BM_ENDPOINT_STRLEN];
	bm_endpoint ep = ep_of(round_trip[_i].in);
	ck_assert_str_eq(bm_endpoint_format(&ep, buf, sizeof buf), round_trip[_i].out);
}
END_TEST

static const char *const malformed[] = {
	"", ":80", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:8o",
	"1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80", "::1:80", "[::1]80", "[::1]:", "[1.2.3.4]:80",
	"[::1:80", "01.2.3.4:80", "1.2.3.4:123456", "[]:80", "[zz::1]:80", "host:80",
};

START_TEST(endpoint_malformed_rejected)
{
	bm_endpoint ep;
	char err[64] = "";
	ck_assert_int_eq(bm_endpoint_parse(malformed[_i], &ep, err, sizeof err), -1);
	ck_assert_msg(err[0] != 0, "no reason for '%s'", malformed[_i]);
}
END_TEST

START_TEST(endpoint_null_arguments)
{
	bm_endpoint ep;
	char buf[8];
	ck_assert_int_eq(bm_endpoint_parse(NULL, &ep, NULL, 0), -1);
	ck_assert_int_eq(bm_endpoint_parse("1.2.3.4:5", NULL, NULL, 0), -1);
	ck_assert_int_eq(bm_addr_parse(NULL, &ep), -1);
	ck_assert_str_eq(bm_endpoint_format(NULL, buf, sizeof buf), "-");
}
END_TEST

START_TEST(endpoint_format_truncates_safely)
{
	char buf[6];
	bm_endpoint ep = ep_of("192.168.100.200:65535");
	bm_endpoint_format(&ep, buf, sizeof buf);
	ck_assert_uint_eq(strlen(buf), 5);
}
END_TEST

START_TEST(address_classes)
{
	bm_endpoint a = ep_of("0.0.0.0:1"), b = ep_of("[::]:1"), c = ep_of("[::ffff:0.0.0.0]:1");
	ck_assert(bm_addr_is_any(&a));
	ck_assert(bm_addr_is_any(&b));
	ck_assert(bm_addr_is_any(&c));
	ck_assert(bm_addr_is_v4mapped(&c));
	ck_assert(!bm_addr_is_v4mapped(&b));
	bm_endpoint m = ep_of("224.0.0.1:1"), m6 = ep_of("[ff02::1]:1"), bc = ep_of("255.255.255.255:1");
	ck_assert(bm_addr_is_multicast(&m));
	ck_assert(bm_addr_is_multicast(&m6));
	ck_assert(bm_addr_is_multicast(&bc));
	ck_assert(!bm_addr_is_multicast(&a));
	bm_endpoint l = ep_of("127.0.0.5:1"), l6 = ep_of("[::1]:1"), lm = ep_of("[::ffff:127.0.0.1]:1");
	ck_assert(bm_addr_is_loopback(&l));
	ck_assert(bm_addr_is_loopback(&l6));
	ck_assert(bm_addr_is_loopback(&lm));
	ck_assert(!bm_addr_is_loopback(&m));
}
END_TEST

/* The overlap predicate against linux.md section 2 (inet_rcv_saddr_equal). */
static bm_sock_info bound(const char *ep, int v6only)
{
	bm_sock_info s;
	memset(&s, 0, sizeof s);
	s.local = ep_of(ep);
	s.family = s.local.family;
	s.v6only = v6only;
	return s;
}

static const struct {
	const char *a;
	int a_v6only;
	const char *b;
	int b_v6only;
	int overlap;
} overlaps[] = {
	{"0.0.0.0:1", 0, "127.0.0.1:1", 0, 1},
	{"127.0.0.1:1", 0, "127.0.0.2:1", 0, 0},
	{"127.0.0.1:1", 0, "127.0.0.1:1", 0, 1},
	{"[::]:1", 0, "0.0.0.0:1", 0, 1},
	{"[::]:1", 1, "0.0.0.0:1", 0, 0},
	{"[::]:1", 0, "127.0.0.1:1", 0, 1},
	{"[::]:1", 1, "[::1]:1", 1, 1},
	{"[::1]:1", 1, "0.0.0.0:1", 0, 0},
	{"[::ffff:127.0.0.1]:1", 0, "127.0.0.1:1", 0, 1},
	{"[::ffff:0.0.0.0]:1", 0, "127.0.0.1:1", 0, 1},
	{"[::ffff:127.0.0.1]:1", 0, "[::1]:1", 1, 0},
	{"[::]:1", 1, "[::ffff:0.0.0.0]:1", 0, 0},
	{"[::]:1", 0, "[::ffff:127.0.0.1]:1", 0, 1},
	{"[::1]:1", 1, "[::2]:1", 1, 0},
};

START_TEST(overlap_predicate)
{
	bm_sock_info a = bound(overlaps[_i].a, overlaps[_i].a_v6only);
	bm_sock_info b = bound(overlaps[_i].b, overlaps[_i].b_v6only);
	ck_assert_int_eq(bm_overlap(&a, &b), overlaps[_i].overlap);
	ck_assert_int_eq(bm_overlap(&b, &a), overlaps[_i].overlap);
}
END_TEST

START_TEST(overlap_devices)
{
	bm_sock_info a = bound("0.0.0.0:1", 0), b = bound("0.0.0.0:1", 0);
	strcpy(a.dev, "eth0");
	strcpy(b.dev, "eth1");
	ck_assert(!bm_overlap(&a, &b));
	b.dev[0] = 0;
	ck_assert(bm_overlap(&a, &b));
}
END_TEST

START_TEST(tuple_hash_is_deterministic)
{
	bm_endpoint a = ep_of("127.0.0.1:40000"), b = ep_of("127.0.0.1:8080"), c = ep_of("127.0.0.1:40001");
	ck_assert_uint_eq(bm_tuple_hash(&a, &b), bm_tuple_hash(&a, &b));
	ck_assert_uint_ne(bm_tuple_hash(&a, &b), bm_tuple_hash(&c, &b));
	ck_assert_uint_eq(bm_tuple_hash(NULL, &b), bm_tuple_hash(&a, NULL));
}
END_TEST

/* IPv4 endpoints are formatted by hand (issue 11): the same text as
 * inet_ntop and snprintf, cut the same way in a short buffer. */
START_TEST(endpoint_v4_format_matches_libc)
{
	static const char *const eps[] = {"0.0.0.0:0", "255.255.255.255:65535", "10.20.3.4:80",
	                                  "127.0.0.1:1024", "1.0.0.9:9"};
	for (size_t i = 0; i < sizeof eps / sizeof *eps; i++) {
		bm_endpoint ep = ep_of(eps[i]);
		char want[64], got[64], a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, ep.addr, a, sizeof a);
		for (size_t len = 1; len <= sizeof got; len++) {
			snprintf(want, len, "%s:%u", a, ep.port);
			bm_endpoint_format(&ep, got, len);
			ck_assert_str_eq(got, want);
		}
	}
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *t = tcase_create("endpoints");
	tcase_add_loop_test(t, endpoint_round_trip, 0, sizeof round_trip / sizeof *round_trip);
	tcase_add_loop_test(t, endpoint_malformed_rejected, 0, sizeof malformed / sizeof *malformed);
	tcase_add_test(t, endpoint_null_arguments);
	tcase_add_test(t, endpoint_v4_format_matches_libc);
	tcase_add_test(t, endpoint_format_truncates_safely);
	tcase_add_test(t, address_classes);
	tcase_add_loop_test(t, overlap_predicate, 0, sizeof overlaps / sizeof *overlaps);
	tcase_add_test(t, overlap_devices);
	tcase_add_test(t, tuple_hash_is_deterministic);
	suite_add_tcase(s, t);
	return s;
}
