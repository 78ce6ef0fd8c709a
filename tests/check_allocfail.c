/* SPDX-License-Identifier: MIT */
/*
 * check_allocfail.c: every allocation the library makes fails in turn.
 *
 * The test binary is linked with --wrap for malloc, calloc and realloc, so
 * that from a chosen point on, the Nth allocation of the library fails.
 * A scenario that reaches every allocation point (sockets, port index
 * pages, listen queues, handshakes, delivery lists) runs for N = 1, 2, ...
 * until no allocation fails any more.  At the failing operation the
 * library must answer ENOMEM (or, for socket(), fail cleanly) and leave
 * the host exactly as it was: the same sockets in the same states on the
 * same ports.  Never a wrong answer, a crash or (under make asan and
 * valgrind) a leak.
 */
#include <stdlib.h>

#include "check_util.h"

/* ------------------------------------------------ the failing allocator */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);

static long fail_at;     /* 0: never; else the allocation number that fails */
static long allocs;      /* the library's allocations since the count began */
static int armed;        /* counting: only inside a library call */

static int fail_now(void)
{
	return armed && fail_at && ++allocs == fail_at;
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n);
void *__wrap_calloc(size_t k, size_t n)
{
	return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

/* ------------------------------------------------------------ snapshots */

typedef struct snap {
	char text[8192];
	size_t len;
} snap;

static int add_sock(const bm_sock_info *s, void *arg)
{
	snap *sn = arg;
	char l[BM_ENDPOINT_STRLEN], r[BM_ENDPOINT_STRLEN];
	int n = snprintf(sn->text + sn->len, sizeof sn->text - sn->len, "%d %d %s %s %u %u;",
	                 s->id, s->state, bm_endpoint_format(&s->local, l, sizeof l),
	                 bm_endpoint_format(&s->remote, r, sizeof r), s->opts, s->pending);
	if (n > 0 && (size_t)n < sizeof sn->text - sn->len)
		sn->len += (size_t)n;
	return 0;
}

static void take(const bm_host *h, snap *sn)
{
	sn->len = 0;
	sn->text[0] = 0;
	bm_sock_foreach(h, add_sock, sn);
}

/* ------------------------------------------------------------ scenario */

/* One step of the scenario; returns its result.  The step list reaches
 * every allocation point of the core and of the policies. */
typedef struct run {
	bm_host *h;
	bm_sock s[16];
	bm_endpoint any, lo, other, src, udp, zero;
} run;

static run new_run(const char *os)
{
	run r = {.h = host_of(os)};
	r.any = ep_of("0.0.0.0:8080");
	r.lo = ep_of("127.0.0.1:8080");
	r.other = ep_of("127.0.0.1:9090");
	r.src = ep_of("127.0.0.1:5555");
	r.udp = ep_of("127.0.0.1:5353");
	r.zero = ep_of("127.0.0.1:0");
	return r;
}

/* Only library calls here: the allocation count is armed around it. */
static bm_result lib_step(run *r, int i)
{
	bm_endpoint *any = &r->any, *lo = &r->lo, *other = &r->other, *src = &r->src;
	bm_endpoint *udp = &r->udp, *zero = &r->zero;
	bm_sock out[8], child;
	size_t n;
	switch (i) {
	case 0: return bm_socket(r->h, BM_AF_INET, BM_TCP, 0, &r->s[0], NULL);
	case 1: return bm_setsockopt(r->h, r->s[0], BM_SO_REUSEADDR, 1, NULL);
	case 2: return bm_bind(r->h, r->s[0], any, NULL);
	case 3: return bm_listen(r->h, r->s[0], NULL);
	case 4: return bm_socket(r->h, BM_AF_INET, BM_TCP, 0, &r->s[1], NULL);
	case 5: return bm_connect(r->h, r->s[1], lo, NULL);
	case 6: return bm_socket(r->h, BM_AF_INET, BM_TCP, 0, &r->s[2], NULL);
	case 7: return bm_connect(r->h, r->s[2], lo, NULL);
	case 8: return bm_accept(r->h, r->s[0], &child, NULL);
	case 9: return bm_socket(r->h, BM_AF_INET, BM_UDP, 0, &r->s[3], NULL);
	case 10: return bm_bind(r->h, r->s[3], udp, NULL);
	case 11: return bm_socket(r->h, BM_AF_INET, BM_UDP, 0, &r->s[4], NULL);
	case 12: return bm_setsockopt(r->h, r->s[4], BM_SO_REUSEADDR, 1, NULL);
	case 13: return bm_bind(r->h, r->s[4], zero, NULL);
	case 14: return bm_deliver(r->h, BM_UDP, src, udp, out, 8, &n, NULL);
	case 15: return bm_deliver(r->h, BM_TCP, src, lo, out, 8, &n, NULL);
	case 16: return bm_socket(r->h, BM_AF_INET, BM_TCP, 0, &r->s[5], NULL);
	case 17: return bm_bind(r->h, r->s[5], other, NULL);
	case 18: return bm_listen(r->h, r->s[5], NULL);
	case 19: return bm_close(r->h, r->s[1], NULL);
	case 20: return bm_close(r->h, r->s[0], NULL);
	case 21: return bm_connect(r->h, r->s[4], udp, NULL);
	default: return BM_RESULT_COUNT;
	}
}

static bm_result step(run *r, int i)
{
	armed = 1;
	bm_result x = lib_step(r, i);
	armed = 0;
	return x;
}

static void run_all(const char *os, bm_result *ref, int *nsteps)
{
	run r = new_run(os);
	int i = 0;
	for (bm_result x; (x = step(&r, i)) != BM_RESULT_COUNT; i++)
		ref[i] = x;
	*nsteps = i;
	bm_host_free(r.h);
}

static void fail_each_allocation(const char *os)
{
	bm_result ref[64];
	int nsteps = 0;
	run_all(os, ref, &nsteps);
	for (long n = 1;; n++) {
		run r = new_run(os);
		allocs = 0;
		fail_at = n;
		int failed_step = -1;
		for (int i = 0; i < nsteps; i++) {
			snap before, after;
			take(r.h, &before);
			long seen = allocs;
			bm_result x = step(&r, i);
			if (seen < n && allocs >= n) {   /* this step met the failure */
				failed_step = i;
				take(r.h, &after);
				fail_at = 0;
				if (x != ref[i]) {
					ck_assert_msg(x == BM_ENOMEM, "%s: allocation %ld failing in step "
					              "%d gave %s, not %s or ENOMEM", os, n, i,
					              bm_result_name(x), bm_result_name(ref[i]));
					/* the rule that refuses for want of memory is
					 * core.limit (tests/rules_reached.sh counts on
					 * this test for it: no scenario can reach it) */
					const bm_verdict *lv = bm_last_verdict(r.h);
					ck_assert_msg(x != BM_ENOMEM || (lv->rule &&
					              strcmp(lv->rule, "core.limit") == 0),
					              "%s: allocation %ld failing in step %d: rule %s, "
					              "not core.limit", os, n, i,
					              lv->rule ? lv->rule : "(none)");
					ck_assert_msg(strcmp(before.text, after.text) == 0,
					              "%s: allocation %ld failing in step %d left the host "
					              "changed:\n before %s\n after  %s", os, n, i,
					              before.text, after.text);
				}
				break;
			}
			ck_assert_msg(x == ref[i], "%s: step %d gave %s, not %s", os, i,
			              bm_result_name(x), bm_result_name(ref[i]));
		}
		fail_at = 0;
		bm_host_free(r.h);
		if (failed_step < 0)
			break;   /* every allocation point has been failed once */
	}
}

START_TEST(allocation_failures)
{
	static const char *const oses[] = {"linux", "freebsd", "macos", "openbsd", "netbsd",
	                                   "windows", "windows-2000", "solaris", "bsd"};
	fail_each_allocation(oses[_i]);
}
END_TEST

Suite *allocfail_suite(void)
{
	Suite *s = suite_create("allocfail");
	TCase *t = tcase_create("allocfail");
	tcase_add_loop_test(t, allocation_failures, 0, 9);
	suite_add_tcase(s, t);
	return s;
}
