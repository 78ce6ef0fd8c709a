/* SPDX-License-Identifier: MIT */
/*
 * shadow_server.c: a small TCP server for tests/shadow.sh, run with and
 * without `bindmodel shadow`; it prints what each call returned, and the
 * two outputs must be the same.  It listens on 127.0.0.1:PORT, keeps the
 * listener only through a chain of dup/fcntl/dup2/dup3 copies, tries a
 * wildcard SO_REUSEADDR bind on the same port (Linux: EADDRINUSE, since
 * the listener did not set SO_REUSEADDR), opens and closes sockets from
 * threads, then forks and execs shadow_client, which inherits a listener
 * on PORT+2, and accepts its two connections (accept4, accept).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/* Print the call's result; errno as the program sees it after the call. */
static int say(const char *what, int ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: ok\n", what);
	return ret;
}

static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = addr_of("127.0.0.1", 0);
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0)
			abort();
		close(s);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: shadow_server PORT CLIENT\n");
		return 2;
	}
	int port = atoi(argv[1]);
	struct sockaddr_in a = addr_of("127.0.0.1", port), any = addr_of("0.0.0.0", port);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	say("bind 127.0.0.1", bind(l, (struct sockaddr *)&a, sizeof a));
	say("listen", listen(l, 8));
	int d = fcntl(l, F_DUPFD, 20);
	close(l);
	int d2 = dup(d);
	say("dup2", dup2(d2, 30));
	say("dup3", dup3(30, 31, O_CLOEXEC));
	close(d);
	close(d2);
	close(30);
	printf("listener fd=31\n");   /* the last copy: the socket in the way */

	int x = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	say("setsockopt SO_REUSEADDR", setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	say("bind 0.0.0.0 over the listener", bind(x, (struct sockaddr *)&any, sizeof any));
	close(x);

	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("threads: done\n");

	/* a listener the exec'd client inherits (no O_CLOEXEC) */
	struct sockaddr_in k = addr_of("127.0.0.1", port + 2);
	int keep = socket(AF_INET, SOCK_STREAM, 0);
	say("bind the inherited listener", bind(keep, (struct sockaddr *)&k, sizeof k));
	say("listen", listen(keep, 1));
	printf("inherited fd=%d\n", keep);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl(argv[2], argv[2], argv[1], (char *)NULL);
		_exit(127);
	}
	int c1 = accept4(31, NULL, NULL, SOCK_CLOEXEC);
	say("accept4", c1);
	int c2 = accept(31, NULL, NULL);
	say("accept", c2);
	say("shutdown", shutdown(c1, SHUT_RDWR));
	close(c1);
	close(c2);
	int st = 0;
	waitpid(pid, &st, 0);
	printf("client exit: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	close(31);
	close(keep);
	return 0;
}
