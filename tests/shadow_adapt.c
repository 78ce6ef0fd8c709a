/* SPDX-License-Identifier: MIT */
/*
 * shadow_adapt.c: checks of the library's adapters (model/adapt.c), run by
 * tests/shadow.sh.  Expected numbers come from each OS's sys/errno.h and
 * Microsoft's Windows Sockets Error Codes page, not from the model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bindmodel.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "shadow_adapt.c:%d: check failed: %s\n", __LINE__, #cond); \
	failures++; } } while (0)

static void check_sockaddr(void)
{
	struct sockaddr_in in;
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_port = htons(8080);
	inet_pton(AF_INET, "127.0.0.2", &in.sin_addr);
	bm_endpoint ep;
	char buf[BM_ENDPOINT_STRLEN];
	CHECK(bm_endpoint_from_sockaddr(&in, sizeof in, &ep) == 0);
	CHECK(strcmp(bm_endpoint_format(&ep, buf, sizeof buf), "127.0.0.2:8080") == 0);
	CHECK(bm_endpoint_from_sockaddr(&in, sizeof in - 1, &ep) == -1);

	struct sockaddr_storage ss;
	CHECK(bm_endpoint_to_sockaddr(&ep, &ss, sizeof ss) == sizeof in);
	CHECK(memcmp(&ss, &in, sizeof in) == 0);
	CHECK(bm_endpoint_to_sockaddr(&ep, &ss, sizeof in - 1) == 0);

	struct sockaddr_in6 in6;
	memset(&in6, 0, sizeof in6);
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(443);
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
	CHECK(bm_endpoint_from_sockaddr(&in6, sizeof in6, &ep) == 0);
	CHECK(ep.family == BM_AF_INET6 && ep.port == 443);
	CHECK(strcmp(bm_endpoint_format(&ep, buf, sizeof buf), "[::ffff:10.0.0.1]:443") == 0);
	CHECK(bm_endpoint_to_sockaddr(&ep, &ss, sizeof ss) == sizeof in6);
	CHECK(memcmp(&ss, &in6, sizeof in6) == 0);

	struct sockaddr un = {.sa_family = AF_UNIX};
	CHECK(bm_endpoint_from_sockaddr(&un, sizeof un, &ep) == -1);
	CHECK(bm_endpoint_from_sockaddr(NULL, 16, &ep) == -1);
}

static void check_host_errno(void)
{
	CHECK(bm_result_to_errno(BM_OK) == 0);
	CHECK(bm_result_to_errno(BM_EADDRINUSE) == EADDRINUSE);
	CHECK(bm_result_to_errno(BM_EAGAIN) == EAGAIN);
	CHECK(bm_result_to_errno(BM_RESULT_COUNT) == -1);
	CHECK(bm_result_from_errno(0) == BM_OK);
	CHECK(bm_result_from_errno(EWOULDBLOCK) == BM_EAGAIN);
	CHECK(bm_result_from_errno(ENOTSUP) == BM_EOPNOTSUPP);
	CHECK(bm_result_from_errno(EIO) == BM_RESULT_COUNT);
	/* every result the host has survives the round trip */
	for (int r = 0; r < BM_RESULT_COUNT; r++)
		CHECK(bm_result_from_errno(bm_result_to_errno((bm_result)r)) == (bm_result)r);
#ifdef __linux__
	/* on Linux the host's numbers are the linux personality's */
	const bm_policy *lx = bm_personality_find("linux");
	for (int r = 0; r < BM_RESULT_COUNT; r++)
		CHECK(bm_policy_errno(lx, (bm_result)r, NULL) == bm_result_to_errno((bm_result)r));
#endif
}

static void expect(const char *os, bm_result r, int num, const char *name)
{
	const char *got = "?";
	int n = bm_policy_errno(bm_personality_find(os), r, &got);
	if (n != num || (name ? !got || strcmp(got, name) != 0 : got != NULL)) {
		fprintf(stderr, "shadow_adapt.c: %s %s: got %d %s, want %d %s\n", os,
		        bm_result_name(r), n, got ? got : "(null)", num, name ? name : "(null)");
		failures++;
	}
}

static void check_os_errno(void)
{
	/* EADDRINUSE: Linux asm-generic 98, 4.4BSD 48, illumos 125, WSA 10048 */
	expect("linux", BM_EADDRINUSE, 98, "EADDRINUSE");
	expect("freebsd", BM_EADDRINUSE, 48, "EADDRINUSE");
	expect("openbsd", BM_EADDRINUSE, 48, "EADDRINUSE");
	expect("netbsd", BM_EADDRINUSE, 48, "EADDRINUSE");
	expect("macos", BM_EADDRINUSE, 48, "EADDRINUSE");
	expect("solaris", BM_EADDRINUSE, 125, "EADDRINUSE");
	expect("windows", BM_EADDRINUSE, 10048, "WSAEADDRINUSE");
	/* xnu: EOPNOTSUPP 102 under __DARWIN_UNIX03; FreeBSD 45 */
	expect("macos-14", BM_EOPNOTSUPP, 102, "EOPNOTSUPP");
	expect("freebsd-14", BM_EOPNOTSUPP, 45, "EOPNOTSUPP");
	expect("solaris-10", BM_EOPNOTSUPP, 122, "EOPNOTSUPP");
	expect("windows", BM_EAGAIN, 10035, "WSAEWOULDBLOCK");
	expect("solaris", BM_EAGAIN, 11, "EAGAIN");
	expect("freebsd", BM_EAGAIN, 35, "EAGAIN");
	expect("solaris", BM_EINPROGRESS, 150, "EINPROGRESS");
	expect("windows", BM_ECONNREFUSED, 10061, "WSAECONNREFUSED");
	expect("linux", BM_ECONNREFUSED, 111, "ECONNREFUSED");
	expect("windows", BM_OK, 0, "ok");
	expect("windows", BM_EPERM, -1, NULL);   /* Winsock has no EPERM */
	CHECK(bm_policy_errno(NULL, BM_EINVAL, NULL) == -1);
	/* a caller's policy of an unknown family has no numbers */
	bm_policy mine = *bm_personality_find("linux");
	mine.family = "plan9";
	CHECK(bm_policy_errno(&mine, BM_EINVAL, NULL) == -1);
}

int main(void)
{
	check_sockaddr();
	check_host_errno();
	check_os_errno();
	if (failures) {
		fprintf(stderr, "shadow_adapt: %d failures\n", failures);
		return 1;
	}
	printf("shadow_adapt: ok\n");
	return 0;
}
