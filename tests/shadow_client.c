/* SPDX-License-Identifier: MIT */
/*
 * shadow_client.c: the client shadow_server execs.  It connects to the
 * server twice (non-blocking, then blocking), then on port PORT+1 listens
 * on 0.0.0.0 and binds a second SO_REUSEADDR socket to 127.0.0.1: Linux
 * refuses it (EADDRINUSE, inet_csk_bind_conflict: the listener did not set
 * SO_REUSEADDR), FreeBSD accepts (in_pcbbind_setup does only an exact
 * lookup when the new socket has SO_REUSEADDR), Windows accepts (a
 * specific bind beside a wildcard one with SO_REUSEADDR).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int say(const char *what, int ret)
{
	if (ret < 0)
		printf("client %s: -1 %s\n", what, strerror(errno));
	else
		printf("client %s: ok\n", what);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int port = atoi(argv[1]);
	struct sockaddr_in srv = addr_of("127.0.0.1", port);
	int c1 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	say("connect (non-blocking)", connect(c1, (struct sockaddr *)&srv, sizeof srv));
	struct pollfd p = {.fd = c1, .events = POLLOUT};
	poll(&p, 1, 5000);
	say("connect again", connect(c1, (struct sockaddr *)&srv, sizeof srv));
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	say("connect", connect(c2, (struct sockaddr *)&srv, sizeof srv));

	struct sockaddr_in any = addr_of("0.0.0.0", port + 1), lo = addr_of("127.0.0.1", port + 1);
	int w = socket(AF_INET, SOCK_STREAM, 0);
	say("bind 0.0.0.0", bind(w, (struct sockaddr *)&any, sizeof any));
	say("listen", listen(w, 1));
	int r = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	say("bind 127.0.0.1 SO_REUSEADDR", bind(r, (struct sockaddr *)&lo, sizeof lo));
	close(r);
	close(w);

	/* the listener on PORT+2 was inherited across exec: a wildcard
	 * SO_REUSEADDR bind beside it is EADDRINUSE on Linux (the listener has
	 * no SO_REUSEADDR), ok on FreeBSD (exact lookup only) and Windows */
	struct sockaddr_in any2 = addr_of("0.0.0.0", port + 2);
	int x = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	say("bind 0.0.0.0 beside the inherited listener", bind(x, (struct sockaddr *)&any2, sizeof any2));
	close(x);
	close(c1);
	close(c2);
	return 0;
}
