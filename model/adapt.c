/* SPDX-License-Identifier: MIT */
/*
 * adapt.c: adapters between the model and real code: struct sockaddr <->
 * bm_endpoint, bm_result <-> the host's errno, and each modelled OS's own
 * error numbers.
 *
 * The per-OS numbers are data, keyed on bm_policy.family (so the policy
 * struct needs no new member).  Sources:
 *   linux:   include/uapi/asm-generic/errno-base.h and errno.h (x86, arm,
 *            arm64, riscv; alpha, mips, parisc and sparc differ)
 *   bsd:     freebsd/freebsd-src sys/sys/errno.h, the 4.4BSD table that
 *            openbsd/src and NetBSD/src sys/sys/errno.h share for these
 *   macos:   apple-oss-distributions/xnu bsd/sys/errno.h: the same table,
 *            but EOPNOTSUPP is 102 (45 is ENOTSUP) under __DARWIN_UNIX03
 *   solaris: illumos/illumos-gate usr/src/uts/common/sys/errno.h
 *   windows: learn.microsoft.com "Windows Sockets Error Codes" (WSAE*
 *            = 10000 + the Berkeley number); EBADF is WSAENOTSOCK as in
 *            windows.c's error names, since Winsock's handle is a socket
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bindmodel.h"

/* --------------------------------------------------------- sockaddrs */

int bm_endpoint_from_sockaddr(const void *sa, size_t len, bm_endpoint *out)
{
	sa_family_t fam;
	if (!sa || !out || len < sizeof fam)
		return -1;
	memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof fam);
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		memset(out, 0, sizeof *out);
		out->family = BM_AF_INET;
		memcpy(out->addr, &in.sin_addr, 4);
		out->port = ntohs(in.sin_port);
		return 0;
	}
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		memset(out, 0, sizeof *out);
		out->family = BM_AF_INET6;
		memcpy(out->addr, &in6.sin6_addr, 16);
		out->port = ntohs(in6.sin6_port);
		return 0;
	}
	return -1;
}

size_t bm_endpoint_to_sockaddr(const bm_endpoint *ep, void *sa, size_t cap)
{
	if (!ep || !sa)
		return 0;
	if (ep->family == BM_AF_INET && cap >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memset(&in, 0, sizeof in);
		in.sin_family = AF_INET;
		in.sin_port = htons(ep->port);
		memcpy(&in.sin_addr, ep->addr, 4);
		memcpy(sa, &in, sizeof in);
		return sizeof in;
	}
	if (ep->family == BM_AF_INET6 && cap >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memset(&in6, 0, sizeof in6);
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(ep->port);
		memcpy(&in6.sin6_addr, ep->addr, 16);
		memcpy(sa, &in6, sizeof in6);
		return sizeof in6;
	}
	return 0;
}

/* ------------------------------------------------------ host errno */

/* The host's numbers, from its own <errno.h>. */
static const int host_errno[BM_RESULT_COUNT] = {
	[BM_OK] = 0,
	[BM_EADDRINUSE] = EADDRINUSE,
	[BM_EADDRNOTAVAIL] = EADDRNOTAVAIL,
	[BM_EACCES] = EACCES,
	[BM_EINVAL] = EINVAL,
	[BM_EISCONN] = EISCONN,
	[BM_ENOTCONN] = ENOTCONN,
	[BM_ENOPROTOOPT] = ENOPROTOOPT,
	[BM_EOPNOTSUPP] = EOPNOTSUPP,
	[BM_EAFNOSUPPORT] = EAFNOSUPPORT,
	[BM_EAGAIN] = EAGAIN,
	[BM_ECONNREFUSED] = ECONNREFUSED,
	[BM_EALREADY] = EALREADY,
	[BM_ENODEV] = ENODEV,
	[BM_EBADF] = EBADF,
	[BM_ENOMEM] = ENOMEM,
	[BM_ENOENT] = ENOENT,
	[BM_ENETUNREACH] = ENETUNREACH,
	[BM_ENOBUFS] = ENOBUFS,
	[BM_EPERM] = EPERM,
	[BM_EINPROGRESS] = EINPROGRESS,
	[BM_ECONNRESET] = ECONNRESET,
	[BM_EHOSTUNREACH] = EHOSTUNREACH,
	[BM_ENOTSOCK] = ENOTSOCK,
	[BM_EPROTONOSUPPORT] = EPROTONOSUPPORT,
	[BM_ETIMEDOUT] = ETIMEDOUT,
	[BM_EFAULT] = EFAULT,
};

int bm_result_to_errno(bm_result r)
{
	if ((int)r < 0 || r >= BM_RESULT_COUNT)
		return -1;
	return host_errno[r];
}

bm_result bm_result_from_errno(int e)
{
	if (e == 0)
		return BM_OK;
	if (e == EWOULDBLOCK)
		return BM_EAGAIN;
#if defined(ENOTSUP)
	if (e == ENOTSUP)
		return BM_EOPNOTSUPP;
#endif
	for (int r = 1; r < BM_RESULT_COUNT; r++)
		if (host_errno[r] == e)
			return (bm_result)r;
	return BM_RESULT_COUNT;
}

/* ------------------------------------------------ each OS's numbers */

enum { OS_LINUX, OS_BSD, OS_XNU, OS_SOLARIS, OS_WINDOWS, OS_COUNT };

/* -1: that OS has no number for the result. */
static const int os_errno[BM_RESULT_COUNT][OS_COUNT] = {
	/*                      linux bsd  xnu  sol  windows */
	[BM_OK]              = {0,   0,   0,   0,   0},
	[BM_EADDRINUSE]      = {98,  48,  48,  125, 10048},
	[BM_EADDRNOTAVAIL]   = {99,  49,  49,  126, 10049},
	[BM_EACCES]          = {13,  13,  13,  13,  10013},
	[BM_EINVAL]          = {22,  22,  22,  22,  10022},
	[BM_EISCONN]         = {106, 56,  56,  133, 10056},
	[BM_ENOTCONN]        = {107, 57,  57,  134, 10057},
	[BM_ENOPROTOOPT]     = {92,  42,  42,  99,  10042},
	[BM_EOPNOTSUPP]      = {95,  45,  102, 122, 10045},
	[BM_EAFNOSUPPORT]    = {97,  47,  47,  124, 10047},
	[BM_EAGAIN]          = {11,  35,  35,  11,  10035},
	[BM_ECONNREFUSED]    = {111, 61,  61,  146, 10061},
	[BM_EALREADY]        = {114, 37,  37,  149, 10037},
	[BM_ENODEV]          = {19,  19,  19,  19,  -1},
	[BM_EBADF]           = {9,   9,   9,   9,   10038},
	[BM_ENOMEM]          = {12,  12,  12,  12,  8},
	[BM_ENOENT]          = {2,   2,   2,   2,   -1},
	[BM_ENETUNREACH]     = {101, 51,  51,  128, 10051},
	[BM_ENOBUFS]         = {105, 55,  55,  132, 10055},
	[BM_EPERM]           = {1,   1,   1,   1,   -1},
	[BM_EINPROGRESS]     = {115, 36,  36,  150, 10036},
	[BM_ECONNRESET]      = {104, 54,  54,  131, 10054},
	[BM_EHOSTUNREACH]    = {113, 65,  65,  148, 10065},
	[BM_ENOTSOCK]        = {88,  38,  38,  95,  10038},
	[BM_EPROTONOSUPPORT] = {93,  43,  43,  120, 10043},
	[BM_ETIMEDOUT]       = {110, 60,  60,  145, 10060},
	[BM_EFAULT]          = {14,  14,  14,  14,  10014},
};

/* Winsock's names where they are not "WSA" + the POSIX name. */
static const char *windows_name(bm_result r)
{
	static const char *const names[BM_RESULT_COUNT] = {
		[BM_OK] = "ok",
		[BM_EADDRINUSE] = "WSAEADDRINUSE", [BM_EADDRNOTAVAIL] = "WSAEADDRNOTAVAIL",
		[BM_EACCES] = "WSAEACCES", [BM_EINVAL] = "WSAEINVAL",
		[BM_EISCONN] = "WSAEISCONN", [BM_ENOTCONN] = "WSAENOTCONN",
		[BM_ENOPROTOOPT] = "WSAENOPROTOOPT", [BM_EOPNOTSUPP] = "WSAEOPNOTSUPP",
		[BM_EAFNOSUPPORT] = "WSAEAFNOSUPPORT", [BM_EAGAIN] = "WSAEWOULDBLOCK",
		[BM_ECONNREFUSED] = "WSAECONNREFUSED", [BM_EALREADY] = "WSAEALREADY",
		[BM_EBADF] = "WSAENOTSOCK", [BM_ENOMEM] = "WSA_NOT_ENOUGH_MEMORY",
		[BM_ENETUNREACH] = "WSAENETUNREACH", [BM_ENOBUFS] = "WSAENOBUFS",
		[BM_EINPROGRESS] = "WSAEINPROGRESS", [BM_ECONNRESET] = "WSAECONNRESET",
		[BM_EHOSTUNREACH] = "WSAEHOSTUNREACH", [BM_ENOTSOCK] = "WSAENOTSOCK",
		[BM_EPROTONOSUPPORT] = "WSAEPROTONOSUPPORT", [BM_ETIMEDOUT] = "WSAETIMEDOUT",
		[BM_EFAULT] = "WSAEFAULT",
	};
	return names[r];
}

static int os_of(const bm_policy *p)
{
	if (!p || !p->family)
		return -1;
	if (strcmp(p->family, "linux") == 0)
		return OS_LINUX;
	if (strcmp(p->family, "solaris") == 0)
		return OS_SOLARIS;
	if (strcmp(p->family, "windows") == 0)
		return OS_WINDOWS;
	if (strcmp(p->family, "bsd") == 0)
		return p->name && strncasecmp(p->name, "macos", 5) == 0 ? OS_XNU : OS_BSD;
	return -1;
}

int bm_policy_errno(const bm_policy *p, bm_result r, const char **name)
{
	int os = os_of(p);
	if (name)
		*name = NULL;
	if (os < 0 || (int)r < 0 || r >= BM_RESULT_COUNT || os_errno[r][os] < 0)
		return -1;
	if (name)
		*name = os == OS_WINDOWS ? windows_name(r) : r == BM_OK ? "ok" : bm_result_name(r);
	return os_errno[r][os];
}
