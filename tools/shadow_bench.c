/* SPDX-License-Identifier: MIT */
/*
 * shadow_bench.c: the per-call overhead of `bindmodel shadow`, for
 * `bindmodel bench`.
 *
 * A child process in a private network namespace of its own (so nothing
 * touches the host's ports) times a loop of socket, setsockopt
 * SO_REUSEADDR, bind 0.0.0.0:0 and close, first on libc directly, then
 * through the interposer's own functions (dlopen'd, with the kernel's
 * personality plus freebsd and windows replaying every call).  The
 * difference per call is the overhead.
 */
#include <dlfcn.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shadow/shadow.h"

int shadow_find_lib(char *out, size_t len);   /* shadow_cmd.c */
void shadow_bench(long n);

typedef struct calls {
	int (*socket_fn)(int, int, int);
	int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
	int (*bind_fn)(int, const struct sockaddr *, socklen_t);
	int (*close_fn)(int);
} calls;

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n rounds of the four calls; -1 if one fails. */
static double time_calls(const calls *c, long n)
{
	struct sockaddr_in any;
	memset(&any, 0, sizeof any);
	any.sin_family = AF_INET;
	int one = 1;
	double t0 = seconds();
	for (long i = 0; i < n; i++) {
		int fd = c->socket_fn(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || c->setsockopt_fn(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
		    c->bind_fn(fd, (struct sockaddr *)&any, sizeof any) != 0)
			return -1;
		c->close_fn(fd);
	}
	return seconds() - t0;
}

static int load(void *h, calls *c)
{
	void *p[4] = {dlsym(h, "socket"), dlsym(h, "setsockopt"), dlsym(h, "bind"), dlsym(h, "close")};
	if (!p[0] || !p[1] || !p[2] || !p[3])
		return -1;
	/* memcpy: ISO C has no cast from an object to a function pointer */
	memcpy(&c->socket_fn, &p[0], sizeof p[0]);
	memcpy(&c->setsockopt_fn, &p[1], sizeof p[1]);
	memcpy(&c->bind_fn, &p[2], sizeof p[2]);
	memcpy(&c->close_fn, &p[3], sizeof p[3]);
	return 0;
}

static int child(long n)
{
	char lib[4096];
	if (unshare(CLONE_NEWNET) != 0) {
		printf("  shadow   skipped: no private network namespace (needs root)\n");
		return 0;
	}
	if (shadow_find_lib(lib, sizeof lib) != 0) {
		printf("  shadow   skipped: libbindmodel_shadow.so not found\n");
		return 0;
	}
	calls native = {socket, setsockopt, bind, close}, shadow;
	setenv(SHADOW_ENV_OS, "freebsd,windows", 1);
	setenv(SHADOW_ENV_REPORT, "/dev/null", 1);
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h || load(h, &shadow) != 0) {
		printf("  shadow   skipped: %s\n", h ? "missing symbols" : dlerror());
		return 0;
	}
	double tn = time_calls(&native, n), ts = time_calls(&shadow, n);
	if (tn < 0 || ts < 0)
		printf("  shadow   skipped: a call failed\n");
	else
		printf("  shadow   %.2f us per call natively, %.2f us under shadow (3 models): "
		       "+%.2f us per call\n", tn * 1e6 / (4.0 * n), ts * 1e6 / (4.0 * n),
		       (ts - tn) * 1e6 / (4.0 * n));
	return 0;
}

void shadow_bench(long n)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		child(n < 20000 ? n : 20000);
		fflush(stdout);
		_exit(0);
	}
	int st;
	if (pid > 0)
		waitpid(pid, &st, 0);
}
