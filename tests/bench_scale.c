/* SPDX-License-Identifier: MIT */
/*
 * bench_scale.c: what one operation costs the model as its population
 * grows.  For each personality and N live sockets (1k, 10k, 100k, 1M), a
 * host is filled with N bound TCP sockets spread over local addresses and
 * ports, plus a crowded port (min(N/10, CROWD_MAX) owners with
 * SO_REUSEADDR on distinct addresses) and a group of as many sharing one
 * address and port (SO_REUSEPORT; SO_REUSEADDR on Windows), and these are
 * timed (median of REPS rounds of BATCH operations, each undone outside
 * the timing):
 *
 *   bind-free      bind a new socket to a port nobody holds
 *   bind-conflict  bind onto the oldest owner's address and port
 *   bind-crowded   bind a new address on the crowded port
 *   listen         listen on a freshly bound socket
 *   connect        connect with autobind to a remote address
 *   close          close a bound socket
 *   group-churn    a new socket joins the group and its oldest member
 *                  leaves (bind and close; not undone: the group keeps
 *                  its size)
 *   group100-churn the same in a group of SMALL_GROUP at every size: the
 *                  population's part in the cost, without the group's
 *
 * It prints ns/op per N, the growth from the smallest N to the largest,
 * and the heap bytes per live socket (mallinfo2 where the C library has
 * it), and writes the table as JSON (argv[1], default build/bench_scale.json).
 * Then the live kernel's group churn in groups of the same sizes (in a
 * private network namespace: Linux, as root), for the growth that memory
 * alone gives a group this large.  No assertions: numbers only.  Only the
 * public API is used.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE   /* unshare */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#endif

#include "bindmodel.h"

#define BATCH 200
#define REPS 7
#define CROWD_MAX 20000   /* building a crowd is quadratic: bounded */
#define CROWD_PORT 5000
#define PORTS_PER_ADDR 50000
#define GROUP_PORT 5001
#define SMALL_GROUP 100   /* the other group: this many at every size */
#define SMALL_GROUP_PORT 5002

enum { OP_BIND_FREE, OP_BIND_CONFLICT, OP_BIND_CROWDED, OP_LISTEN, OP_CONNECT, OP_CLOSE,
       OP_GROUP_CHURN, OP_SMALL_GROUP_CHURN, NOPS };
static const char *const op_names[NOPS] = {"bind-free", "bind-conflict", "bind-crowded",
                                           "listen", "connect", "close", "group-churn",
                                           "group100-churn"};

/* The group's members, oldest first from head (a ring). */
typedef struct group {
	bm_sock *m;
	long n, head;
	bm_endpoint ep;
	bm_option opt;
} group;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t heap_bytes(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

/* 10.A.B.1 for address index i (A.B from i), added to the host. */
static bm_endpoint addr_of(bm_host *h, long i, uint16_t port)
{
	char text[32];
	snprintf(text, sizeof text, "10.%ld.%ld.1", (i >> 8) & 255, i & 255);
	bm_host_add_addr(h, text, NULL);
	bm_endpoint ep;
	bm_addr_parse(text, &ep);
	ep.port = port;
	return ep;
}

static bm_sock bound(bm_host *h, const bm_endpoint *ep, unsigned opts)
{
	bm_sock s;
	if (bm_socket(h, BM_AF_INET, BM_TCP, 0, &s, NULL) != BM_OK)
		return BM_NO_SOCK;
	for (unsigned b = 1; b <= BM_ALL_OPTIONS; b <<= 1)
		if (opts & b)
			bm_setsockopt(h, s, (bm_option)b, 1, NULL);
	return bm_bind(h, s, ep, NULL) == BM_OK ? s : BM_NO_SOCK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One timed round of op; returns ns per operation. */
static double round_of(bm_host *h, int op, long n, long crowd, long round, group *g)
{
	bm_sock s[BATCH];
	bm_endpoint ep[BATCH];
	/* set up outside the timing */
	for (int k = 0; k < BATCH; k++) {
		long j = round * BATCH + k;
		bm_socket(h, BM_AF_INET, BM_TCP, 0, &s[k], NULL);
		switch (op) {
		case OP_BIND_FREE:   /* a port above every one the population uses */
			ep[k] = addr_of(h, 0, (uint16_t)(60000 + j % 5000));
			break;
		case OP_BIND_CONFLICT:
			ep[k] = addr_of(h, 0, 1024);
			break;
		case OP_BIND_CROWDED:
			bm_setsockopt(h, s[k], BM_SO_REUSEADDR, 1, NULL);
			ep[k] = addr_of(h, crowd + 1 + j % 200, CROWD_PORT);
			break;
		case OP_LISTEN:
		case OP_CLOSE:
			ep[k] = addr_of(h, 0, (uint16_t)(60000 + j % 5000));
			bm_bind(h, s[k], &ep[k], NULL);
			break;
		case OP_CONNECT:
			bm_endpoint_parse("203.0.113.7:80", &ep[k], NULL, 0);
			ep[k].port = (uint16_t)(80 + j % 1000);
			break;
		case OP_GROUP_CHURN:
		case OP_SMALL_GROUP_CHURN:
			bm_setsockopt(h, s[k], g->opt, 1, NULL);
			ep[k] = g->ep;
			break;
		}
	}
	(void)n;
	double t0 = now_ns();
	for (int k = 0; k < BATCH; k++) {
		switch (op) {
		case OP_BIND_FREE:
		case OP_BIND_CONFLICT:
		case OP_BIND_CROWDED:
			bm_bind(h, s[k], &ep[k], NULL);
			break;
		case OP_LISTEN:
			bm_listen(h, s[k], NULL);
			break;
		case OP_CONNECT:
			bm_connect(h, s[k], &ep[k], NULL);
			break;
		case OP_CLOSE:
			bm_close(h, s[k], NULL);
			break;
		case OP_GROUP_CHURN:
		case OP_SMALL_GROUP_CHURN: {
			bm_bind(h, s[k], &ep[k], NULL);
			long at = (g->head + k) % g->n;
			bm_close(h, g->m[at], NULL);
			g->m[at] = s[k];   /* now the newest */
			break;
		}
		}
	}
	double t = (now_ns() - t0) / BATCH;
	if (op == OP_GROUP_CHURN || op == OP_SMALL_GROUP_CHURN) {
		g->head = (g->head + BATCH) % g->n;
		return t;
	}
	for (int k = 0; k < BATCH; k++) {   /* undo, untimed */
		bm_sock_info info;
		if (bm_sock_query(h, s[k], &info) == BM_OK) {
			bm_setsockopt(h, s[k], BM_SO_LINGER, 0, NULL);
			bm_close(h, s[k], NULL);
		}
	}
	return t;
}

/* A member of the kernel's group on 127.0.0.1:port, or -1. */
static int kernel_member(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
	                bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Our own network namespace with its loopback up, and room for as many
 * descriptors as the hard limit allows: that number, or -1 with why. */
static long kernel_room(char *why, size_t len)
{
#if defined(__linux__)
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(why, len, "no private network namespace: %s", strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
	         (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	if (fd >= 0)
		close(fd);
	if (!up) {
		snprintf(why, len, "loopback not up in the namespace: %s", strerror(errno));
		return -1;
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		snprintf(why, len, "RLIMIT_NOFILE: %s", strerror(errno));
		return -1;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur > 1000000 ? 1000000 : (long)rl.rlim_cur;
#else
	snprintf(why, len, "a private network namespace needs Linux");
	return -1;
#endif
}

/* The kernel's group churn (socket, SO_REUSEPORT, bind, close the oldest)
 * in a group of size members (fewer where the descriptor limit says so:
 * *size is then what was measured): the median ns of REPS rounds of
 * BATCH, or -1 with why. */
static double kernel_churn(long *size, long room, char *why, size_t len)
{
	if (*size > room - 64)
		*size = room - 64;   /* stdio and the rest */
	int *ring = *size > 0 ? malloc((size_t)*size * sizeof *ring) : NULL;
	double t[REPS];
	long n = 0, head = 0;
	int ok = ring != NULL;
	while (ok && n < *size)
		ok = (ring[n++] = kernel_member(40000)) >= 0;
	for (int r = 0; ok && r < REPS; r++) {
		double t0 = now_ns();
		for (int k = 0; ok && k < BATCH; k++) {
			int fd = kernel_member(40000);
			close(ring[head]);
			ring[head] = fd;
			head = (head + 1) % *size;
			ok = fd >= 0;
		}
		t[r] = (now_ns() - t0) / BATCH;
	}
	if (!ok)
		snprintf(why, len, "a member of a kernel group of %ld: %s", *size, strerror(errno));
	for (long i = 0; i < n; i++)
		if (ring[i] >= 0)
			close(ring[i]);
	free(ring);
	if (!ok)
		return -1;
	qsort(t, REPS, sizeof *t, cmp_double);
	return t[REPS / 2];
}

/* The table as a picture: one panel per personality, ns per operation
 * against live sockets, both axes logarithmic (1k..1M; 10 ns..10 us). */
enum { PANEL_W = 230, PANEL_H = 190, MARGIN = 40 };

static double svg_x(int panel, long live)
{
	return panel * (PANEL_W + MARGIN) + MARGIN + (log10((double)live) - 3) / 3 * PANEL_W;
}

static double svg_y(double ns)
{
	double l = log10(ns < 10 ? 10 : ns > 10000 ? 10000 : ns);
	return 20 + (4 - l) / 3 * PANEL_H;
}

static void write_svg(FILE *f, const char *const *oses, int nos, const long *sizes, int nn,
                      const double *ns /* [nos][nn][NOPS] */)
{
	static const char *const colour[NOPS] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
	                                         "#66a61e", "#a6761d", "#e6ab02", "#666666"};
	int w = nos * (PANEL_W + MARGIN) + MARGIN, h = PANEL_H + 90;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "font-family=\"sans-serif\" font-size=\"11\">\n", w, h);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h);
	for (int o = 0; o < nos; o++) {
		double x0 = svg_x(o, 1000), x1 = svg_x(o, 1000000);
		fprintf(f, "<text x=\"%.0f\" y=\"14\" font-weight=\"bold\">%s</text>\n", x0, oses[o]);
		for (int d = 1; d <= 4; d++) {   /* 10 ns .. 10 us */
			double y = svg_y(pow(10, d));
			fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			        "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0, y, x1,
			        y, x0 - 3, y + 4, d == 1 ? "10ns" : d == 2 ? "100ns" : d == 3 ? "1us" : "10us");
		}
		for (int z = 0; z < nn; z++) {
			double x = svg_x(o, sizes[z]);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
			        PANEL_H + 38, sizes[z] >= 1000000 ? "1M" : sizes[z] >= 100000 ? "100k" :
			        sizes[z] >= 10000 ? "10k" : "1k");
		}
		for (int op = 0; op < NOPS; op++) {
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			        colour[op]);
			for (int z = 0; z < nn; z++)
				fprintf(f, "%.1f,%.1f ", svg_x(o, sizes[z]), svg_y(ns[(o * nn + z) * NOPS + op]));
			fprintf(f, "\"/>\n");
		}
	}
	for (int op = 0; op < NOPS; op++)
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>"
		        "<text x=\"%d\" y=\"%d\">%s</text>\n", MARGIN + op * 110, PANEL_H + 62,
		        colour[op], MARGIN + op * 110 + 16, PANEL_H + 67, op_names[op]);
	fprintf(f, "<text x=\"%d\" y=\"%d\">ns per operation (log) against live sockets "
	        "(log); flat lines are O(1)</text>\n</svg>\n", MARGIN, PANEL_H + 84);
}

/* A host of os with n live sockets: the population, the crowded port and
 * the groups (g[0] of N/10, g[1] of SMALL_GROUP); *bytes gets the heap
 * bytes per socket.  NULL when out of memory. */
static bm_host *populate(const char *os, long n, long *crowd_out, group g[2], double *bytes)
{
	long crowd = n / 10 < CROWD_MAX ? n / 10 : CROWD_MAX;
	size_t before = heap_bytes();
	bm_host *h = bm_host_new(os, NULL);
	if (!h)
		return NULL;
	bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, 1024);
	bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, 65535);
	long made = 0;
	/* the order matters to connect: the host's first address is its
	 * source, and on 10.0.1.1 the search finds ports 1024.. held */
	for (long i = 0; made < n - 2 * crowd - SMALL_GROUP; i++) {
		bm_endpoint ep = addr_of(h, 1 + i / PORTS_PER_ADDR, (uint16_t)(1024 + i % PORTS_PER_ADDR));
		if (ep.port == CROWD_PORT || ep.port == GROUP_PORT || ep.port == SMALL_GROUP_PORT)
			continue;
		made += bound(h, &ep, 0) != BM_NO_SOCK;
	}
	bm_endpoint first = addr_of(h, 0, 1024);
	made += bound(h, &first, 0) != BM_NO_SOCK;
	for (long i = 0; i < crowd; i++) {
		bm_endpoint ep = addr_of(h, 1 + i, CROWD_PORT);
		made += bound(h, &ep, BM_SO_REUSEADDR) != BM_NO_SOCK;
	}
	bm_option opt = strcmp(os, "windows") == 0 ? BM_SO_REUSEADDR : BM_SO_REUSEPORT;
	g[0] = (group){calloc((size_t)crowd, sizeof(bm_sock)), crowd, 0,
	               addr_of(h, 0, GROUP_PORT), opt};
	g[1] = (group){calloc(SMALL_GROUP, sizeof(bm_sock)), SMALL_GROUP, 0,
	               addr_of(h, 0, SMALL_GROUP_PORT), opt};
	if (!g[0].m || !g[1].m) {
		free(g[0].m);
		free(g[1].m);
		bm_host_free(h);
		return NULL;
	}
	for (int k = 0; k < 2; k++)
		for (long i = 0; i < g[k].n; i++) {
			g[k].m[i] = bound(h, &g[k].ep, (unsigned)opt);
			made += g[k].m[i] != BM_NO_SOCK;
		}
	*bytes = (double)(heap_bytes() - before) / (double)(made ? made : 1);
	*crowd_out = crowd;
	return h;
}

int main(int argc, char **argv)
{
	const char *json = argc > 1 ? argv[1] : "build/bench_scale.json";
	static const char *const oses[] = {"linux", "freebsd", "windows", "macos"};
	static const long sizes[] = {1000, 10000, 100000, 1000000};
	enum { NOS = sizeof oses / sizeof *oses, NN = sizeof sizes / sizeof *sizes };
	static double ns[NOS][NN][NOPS];
	static double bytes[NOS][NN];
	FILE *out = fopen(json, "w");
	printf("bench_scale: model cost per operation (ns, median of %d rounds of %d) by live "
	       "sockets\n", REPS, BATCH);
	for (int o = 0; o < NOS; o++) {
		printf("\n%-8s %-14s", oses[o], "live sockets");
		for (int z = 0; z < NN; z++)
			printf(" %10ld", sizes[z]);
		printf("   growth\n");
		/* every size's host at once, so that each round times an op at
		 * every size within a few milliseconds: the machine's speed drifts
		 * (up to 2x here) more slowly than that */
		bm_host *h[NN];
		group g[NN][2];   /* the group of N/10, and one of SMALL_GROUP */
		long crowd[NN];
		for (int z = 0; z < NN; z++) {
			h[z] = populate(oses[o], sizes[z], &crowd[z], g[z], &bytes[o][z]);
			if (!h[z]) {
				fprintf(stderr, "bench_scale: out of memory\n");
				return 1;
			}
		}
		for (int op = 0; op < NOPS; op++) {
			double t[NN][REPS];
			for (int r = 0; r < REPS; r++)
				for (int z = 0; z < NN; z++)
					t[z][r] = round_of(h[z], op, sizes[z], crowd[z], r,
					                   &g[z][op == OP_SMALL_GROUP_CHURN]);
			for (int z = 0; z < NN; z++) {
				qsort(t[z], REPS, sizeof *t[z], cmp_double);
				ns[o][z][op] = t[z][REPS / 2];
			}
		}
		for (int z = 0; z < NN; z++) {
			bm_host_free(h[z]);
			free(g[z][0].m);
			free(g[z][1].m);
		}
		for (int op = 0; op < NOPS; op++) {
			printf("         %-14s", op_names[op]);
			for (int z = 0; z < NN; z++)
				printf(" %10.0f", ns[o][z][op]);
			printf("   %5.1fx\n", ns[o][NN - 1][op] / (ns[o][0][op] > 0 ? ns[o][0][op] : 1));
		}
		printf("         %-14s", "bytes/socket");
		for (int z = 0; z < NN; z++)
			printf(" %10.0f", bytes[o][z]);
		printf("\n");
	}
	/* the kernel, for the same churn in groups of the same sizes */
	long gsize[NN];
	double kns[NN];
	char why[160] = "";
	for (int z = 0; z < NN; z++)
		gsize[z] = sizes[z] / 10 < CROWD_MAX ? sizes[z] / 10 : CROWD_MAX;
	/* one group at a time: the descriptor limit may not hold them all */
	long room = kernel_room(why, sizeof why);
	int kernel = room > 0;
	for (int z = 0; kernel && z < NN; z++)
		kernel = (kns[z] = kernel_churn(&gsize[z], room, why, sizeof why)) >= 0;
	printf("\nkernel   %-14s", "group of");
	for (int z = 0; z < NN; z++)
		printf(" %10ld", gsize[z]);
	if (kernel) {
		printf("\n         %-14s", "group-churn");
		for (int z = 0; z < NN; z++)
			printf(" %10.0f", kns[z]);
		printf("   %5.1fx\n         (live kernel, private network namespace, the groups "
		       "alone: what a group this large costs the kernel)\n",
		       kns[NN - 1] / (kns[0] > 0 ? kns[0] : 1));
	} else {
		printf("\n         (no kernel figures: %s)\n", why);
	}
	if (out) {
		fprintf(out, "{\"unit\":\"ns/op\",\"batch\":%d,\"reps\":%d,", BATCH, REPS);
		if (kernel) {
			fprintf(out, "\"kernel_group_churn\":[");
			for (int z = 0; z < NN; z++)
				fprintf(out, "%s{\"group\":%ld,\"ns\":%.0f}", z ? "," : "", gsize[z], kns[z]);
			fprintf(out, "],");
		}
		fprintf(out, "\"results\":[");
		for (int o = 0; o < NOS; o++)
			for (int z = 0; z < NN; z++) {
				fprintf(out, "%s{\"os\":\"%s\",\"live\":%ld,\"bytes_per_socket\":%.0f",
				        o || z ? "," : "", oses[o], sizes[z], bytes[o][z]);
				for (int op = 0; op < NOPS; op++)
					fprintf(out, ",\"%s\":%.0f", op_names[op], ns[o][z][op]);
				fprintf(out, "}");
			}
		fprintf(out, "]}\n");
		fclose(out);
		printf("\n(written to %s)\n", json);
	}
	/* the picture beside the JSON: bench_scale.json -> bench_scale.svg */
	char svg[4096];
	size_t jl = strlen(json);
	if (jl > 5 && jl < sizeof svg && strcmp(json + jl - 5, ".json") == 0) {
		snprintf(svg, sizeof svg, "%.*s.svg", (int)(jl - 5), json);
		FILE *f = fopen(svg, "w");
		if (f) {
			write_svg(f, oses, NOS, sizes, NN, &ns[0][0][0]);
			fclose(f);
			printf("(and the picture to %s)\n", svg);
		}
	}
	return 0;
}
