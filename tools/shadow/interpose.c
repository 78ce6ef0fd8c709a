/* SPDX-License-Identifier: MIT */
/*
 * interpose.c: the libc socket calls of libbindmodel_shadow.so.
 *
 * Every wrapper calls the real function (found with dlsym(RTLD_NEXT)) and
 * returns exactly what it returned, with the same errno; only afterwards
 * is the call replayed on the model (replay.c).  socketpair, read, write
 * and everything else are not wrapped: they pass untouched.
 *
 * _GNU_SOURCE is undone here because glibc then declares bind() and
 * connect() with a transparent union for the address, which a definition
 * with a plain pointer would contradict.
 */
#undef _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shadow.h"

#ifndef RTLD_NEXT
#define RTLD_NEXT ((void *)-1l)   /* glibc's value, hidden without _GNU_SOURCE */
#endif

/* The GNU calls, declared here for the same reason. */
int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int dup3(int oldfd, int newfd, int flags);
int fcntl64(int fd, int cmd, ...);

/* Look the next definition of name up; memcpy because ISO C has no cast
 * from an object pointer to a function pointer. */
static void real(void *fp, size_t size, const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	memcpy(fp, &p, size);
}

#define REAL(type, name, ...)                                              \
	static type (*real_fn)(__VA_ARGS__);                               \
	if (!real_fn)                                                      \
		real(&real_fn, sizeof real_fn, #name)

/* Run the replay with the program's errno left as the real call set it. */
#define KEEP_ERRNO(stmt) do { int saved_ = errno; stmt; errno = saved_; } while (0)

int socket(int domain, int type, int protocol)
{
	REAL(int, socket, int, int, int);
	int fd = real_fn(domain, type, protocol);
	if (fd >= 0)
		KEEP_ERRNO(shadow_socket(fd, domain, type));
	return fd;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	REAL(int, setsockopt, int, int, int, const void *, socklen_t);
	int ret = real_fn(fd, level, name, val, len);
	KEEP_ERRNO(shadow_setsockopt(fd, level, name, val, len, ret, errno));
	return ret;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	REAL(int, bind, int, const struct sockaddr *, socklen_t);
	int ret = real_fn(fd, sa, len);
	KEEP_ERRNO(shadow_bind(fd, sa, len, ret, errno));
	return ret;
}

int listen(int fd, int backlog)
{
	REAL(int, listen, int, int);
	int ret = real_fn(fd, backlog);
	KEEP_ERRNO(shadow_listen(fd, backlog, ret, errno));
	return ret;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	REAL(int, connect, int, const struct sockaddr *, socklen_t);
	int ret = real_fn(fd, sa, len);
	KEEP_ERRNO(shadow_connect(fd, sa, len, ret, errno));
	return ret;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	REAL(int, accept, int, struct sockaddr *, socklen_t *);
	int nfd = real_fn(fd, sa, len);
	if (nfd >= 0)
		KEEP_ERRNO(shadow_accept(fd, nfd));
	return nfd;
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	REAL(int, accept4, int, struct sockaddr *, socklen_t *, int);
	int nfd = real_fn(fd, sa, len, flags);
	if (nfd >= 0)
		KEEP_ERRNO(shadow_accept(fd, nfd));
	return nfd;
}

int close(int fd)
{
	REAL(int, close, int);
	int ret = real_fn(fd);
	/* the descriptor is gone even when close() reports EINTR or EIO */
	if (ret == 0 || errno != EBADF)
		KEEP_ERRNO(shadow_close(fd));
	return ret;
}

/* The model has no shutdown(): the socket keeps its binding, as in every
 * kernel, so the call only passes through. */
int shutdown(int fd, int how)
{
	REAL(int, shutdown, int, int);
	return real_fn(fd, how);
}

int dup(int fd)
{
	REAL(int, dup, int);
	int nfd = real_fn(fd);
	if (nfd >= 0)
		KEEP_ERRNO(shadow_dup(fd, nfd));
	return nfd;
}

int dup2(int fd, int nfd)
{
	REAL(int, dup2, int, int);
	int ret = real_fn(fd, nfd);
	if (ret >= 0 && fd != nfd)
		KEEP_ERRNO(shadow_dup(fd, ret));
	return ret;
}

int dup3(int fd, int nfd, int flags)
{
	REAL(int, dup3, int, int, int);
	int ret = real_fn(fd, nfd, flags);
	if (ret >= 0)
		KEEP_ERRNO(shadow_dup(fd, ret));
	return ret;
}

/* fcntl's third argument is an int, a long or a pointer by cmd; like
 * glibc's own wrapper, pass it on as a pointer-sized value. */
static int fcntl_common(const char *name, int fd, int cmd, va_list ap)
{
	static int (*real_fcntl)(int, int, ...), (*real_fcntl64)(int, int, ...);
	int (**slot)(int, int, ...) = name[5] ? &real_fcntl64 : &real_fcntl;
	if (!*slot)
		real(slot, sizeof *slot, name);
	void *arg = va_arg(ap, void *);
	int ret = (*slot)(fd, cmd, arg);
	if (ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		KEEP_ERRNO(shadow_dup(fd, ret));
	return ret;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	int ret = fcntl_common("fcntl", fd, cmd, ap);
	va_end(ap);
	return ret;
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	int ret = fcntl_common("fcntl64", fd, cmd, ap);
	va_end(ap);
	return ret;
}
