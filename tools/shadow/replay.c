/* SPDX-License-Identifier: MIT */
/*
 * replay.c: the model side of the shadow interposer.
 *
 * One model host per personality: hosts[0] for the running kernel (a
 * disagreement there is a model bug), then one per OS the user listed.
 * Every socket call of the program is replayed on each host, and a call
 * where any host answers differently from the kernel becomes a report row.
 * Each host follows its own answers: after a bind the kernel refused but
 * FreeBSD would accept, the FreeBSD host holds the binding, as a FreeBSD
 * machine would.
 *
 * This is an LD_PRELOAD library, so its state is process-global by
 * necessity (the library proper keeps none).  A mutex serialises threads;
 * pthread_atfork keeps it sane across fork(), whose child goes on with a
 * copy of the model.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bindmodel.h"
#include "shadow.h"
#include "shadow_report.h"

/* one socket (open file description) as every host sees it */
typedef struct desc {
	bm_sock id[SHADOW_MAXH];
	int refs;            /* descriptors that share it (dup, fork copies) */
	int connecting;      /* a non-blocking connect() is under way */
} desc;

static struct {
	pthread_mutex_t mu;
	int ready;
	shadow_hosts hs;
	desc **fds;
	size_t nfds;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* set while this thread is inside the interposer (its own file calls) */
static _Thread_local int busy;

static void at_prepare(void) { pthread_mutex_lock(&S.mu); }
static void at_release(void) { pthread_mutex_unlock(&S.mu); }

/* -------------------------------------------------------------- setup */

static long read_proc(const char *path, long *second)
{
	FILE *f = fopen(path, "r");
	long a = -1, b = -1;
	if (f) {
		if (fscanf(f, "%ld %ld", &a, &b) < 1)
			a = -1;
		fclose(f);
	}
	if (second)
		*second = b;
	return a;
}

/* The kernel personality's knobs as this kernel has them. */
static void mirror_kernel(bm_host *h)
{
	long hi, lo = read_proc("/proc/sys/net/ipv4/ip_local_port_range", &hi);
	if (lo > 0 && hi >= lo) {
		bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, lo);
		bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, hi);
	}
	long v = read_proc("/proc/sys/net/ipv4/ip_unprivileged_port_start", NULL);
	if (v >= 0)
		bm_host_set_knob(h, BM_KNOB_UNPRIVILEGED_PORT_START, v);
	if ((v = read_proc("/proc/sys/net/ipv6/bindv6only", NULL)) >= 0)
		bm_host_set_knob(h, BM_KNOB_V6ONLY, v);
	if ((v = read_proc("/proc/sys/net/ipv4/ip_nonlocal_bind", NULL)) >= 0)
		bm_host_set_knob(h, BM_KNOB_NONLOCAL_BIND, v);
	if ((v = read_proc("/proc/sys/net/ipv4/tcp_tw_reuse", NULL)) >= 0)
		bm_host_set_knob(h, BM_KNOB_TW_REUSE, v);
}

static void add_host(const char *name)
{
	shadow_hosts *hs = &S.hs;
	const bm_policy *p = bm_personality_find(name);
	if (!p || hs->n == SHADOW_MAXH) {
		if (!p)
			fprintf(stderr, "bindmodel shadow: unknown OS '%s' ignored\n", name);
		return;
	}
	for (size_t i = 0; i < hs->n; i++)
		if (bm_host_policy(hs->host[i]) == p)
			return;   /* "linux" listed as well as the kernel's */
	bm_result err;
	bm_host *h = bm_host_new(p->name, &err);
	if (!h)
		return;
	snprintf(hs->name[hs->n], sizeof hs->name[0], "%s", name);
	hs->host[hs->n++] = h;
}

static void adopt_inherited(void);

static void init_locked(void)
{
	if (S.ready)
		return;
	S.ready = 1;
	const char *k = getenv(SHADOW_ENV_KERNEL);
	struct utsname u;
	if (!k || !*k)
		k = uname(&u) == 0 && strcmp(u.sysname, "Linux") != 0 ? u.sysname : "linux";
	add_host(k);
	if (S.hs.n == 1)
		mirror_kernel(S.hs.host[0]);
	const char *list = getenv(SHADOW_ENV_OS);
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list ? list : "");
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		add_host(t);
	shadow_report_init(&S.hs);
	pthread_atfork(at_prepare, at_release, at_release);
	adopt_inherited();
}

/* Enter the interposer: 0 when this thread is already inside. */
static int enter(void)
{
	if (busy)
		return 0;
	busy = 1;
	pthread_mutex_lock(&S.mu);
	init_locked();
	return 1;
}

static void leave(void)
{
	pthread_mutex_unlock(&S.mu);
	busy = 0;
}

/* ------------------------------------------------------ the fd table */

static desc *desc_of(int fd)
{
	return fd >= 0 && (size_t)fd < S.nfds ? S.fds[fd] : NULL;
}

static int set_desc(int fd, desc *d)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= S.nfds) {
		size_t n = S.nfds ? S.nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		desc **t = realloc(S.fds, n * sizeof *t);
		if (!t)
			return -1;
		memset(t + S.nfds, 0, (n - S.nfds) * sizeof *t);
		S.fds = t;
		S.nfds = n;
	}
	S.fds[fd] = d;
	return 0;
}

/* The descriptor that holds host i's socket s, or -1. */
static int fd_of(size_t i, bm_sock s)
{
	for (size_t fd = 0; fd < S.nfds; fd++)
		if (S.fds[fd] && S.fds[fd]->id[i] == s)
			return (int)fd;
	return -1;
}

static void release(int fd)
{
	desc *d = desc_of(fd);
	if (!d)
		return;
	S.fds[fd] = NULL;
	if (--d->refs > 0)
		return;
	for (size_t i = 0; i < S.hs.n; i++)
		if (d->id[i])
			bm_close(S.hs.host[i], d->id[i], NULL);
	free(d);
}

/* ----------------------------------------------------------- helpers */

/* The kernel's answer as a result; BM_RESULT_COUNT: not one the model
 * knows (EINTR, EMFILE, ...), so the call is not compared. */
static bm_result kernel_result(int ret, int err)
{
	return ret >= 0 ? BM_OK : bm_result_from_errno(err);
}

/* Give host h the address a bind or connect names, as the kernel has it:
 * the model host starts with loopback only. */
static void ensure_addr(bm_host *h, const bm_endpoint *ep)
{
	if (bm_addr_is_any(ep) || bm_addr_is_multicast(ep) || bm_addr_is_v4mapped(ep) ||
	    bm_host_addr_is_local(h, ep))
		return;
	char a[BM_ENDPOINT_STRLEN];
	bm_host_add_addr(h, bm_addr_format(ep, a, sizeof a), NULL);
}

static void start_row(shadow_row *row, const char *call, int fd, bm_result kernel)
{
	memset(row, 0, sizeof *row);
	row->call = call;
	row->fd = fd;
	row->kernel = kernel;
	row->hs = &S.hs;
	row->fd_of = fd_of;
}


/* ---------------------------------------------------- exec's sockets */

static int sockopt_int(int fd, int level, int name)
{
	int v = 0;
	socklen_t l = sizeof v;
	return getsockopt(fd, level, name, &v, &l) == 0 ? v : 0;
}

/* The socket fd already stands for (a dup with the same inode), or NULL. */
static desc *same_socket(int fd, const struct stat *st)
{
	for (size_t o = 0; o < S.nfds && (int)o < fd; o++) {
		struct stat ost;
		if (S.fds[o] && fstat((int)o, &ost) == 0 && ost.st_ino == st->st_ino &&
		    ost.st_dev == st->st_dev)
			return S.fds[o];
	}
	return NULL;
}

/* One inherited socket, as the model can rebuild it: its options, its
 * local address, listening or not.  A connection's peer is not rebuilt. */
static void adopt(int fd, int domain, int type)
{
	struct stat st;
	desc *d;
	if (fstat(fd, &st) == 0 && (d = same_socket(fd, &st)) != NULL) {
		if (set_desc(fd, d) == 0)
			d->refs++;
		return;
	}
	if ((d = calloc(1, sizeof *d)) == NULL || set_desc(fd, d) != 0) {
		free(d);
		return;
	}
	d->refs = 1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	bm_endpoint local;
	int bound = getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	            bm_endpoint_from_sockaddr(&ss, sl, &local) == 0 && local.port != 0;
	for (size_t i = 0; i < S.hs.n; i++) {
		bm_host *h = S.hs.host[i];
		if (bm_socket(h, domain == AF_INET ? BM_AF_INET : BM_AF_INET6,
		              type == SOCK_STREAM ? BM_TCP : BM_UDP, (uint32_t)getuid(),
		              &d->id[i], NULL) != BM_OK) {
			d->id[i] = BM_NO_SOCK;
			continue;
		}
		if (sockopt_int(fd, SOL_SOCKET, SO_REUSEADDR))
			bm_setsockopt(h, d->id[i], BM_SO_REUSEADDR, 1, NULL);
		if (sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT))
			bm_setsockopt(h, d->id[i], BM_SO_REUSEPORT, 1, NULL);
		if (domain == AF_INET6)
			bm_setsockopt(h, d->id[i], BM_IPV6_V6ONLY,
			              sockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY), NULL);
		if (bound) {
			ensure_addr(h, &local);
			bm_bind(h, d->id[i], &local, NULL);
		}
		if (sockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN))
			bm_listen(h, d->id[i], NULL);
	}
}

/* Sockets an exec'd program inherits are in the kernel already: give them
 * to the model before the program's first call. */
static void adopt_inherited(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 4096)
		max = 4096;
	for (int fd = 0; fd < max; fd++) {
		int domain = sockopt_int(fd, SOL_SOCKET, SO_DOMAIN);
		int type = sockopt_int(fd, SOL_SOCKET, SO_TYPE);
		if ((domain == AF_INET || domain == AF_INET6) &&
		    (type == SOCK_STREAM || type == SOCK_DGRAM))
			adopt(fd, domain, type);
	}
}

/* Set up (and adopt inherited sockets) as the library loads, before the
 * program runs. */
__attribute__((constructor)) static void shadow_load(void)
{
	if (enter())
		leave();
}

/* ------------------------------------------------------------- calls */

void shadow_socket(int fd, int domain, int type)
{
	int base = type & 0xf;   /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
	if ((domain != AF_INET && domain != AF_INET6) ||
	    (base != SOCK_STREAM && base != SOCK_DGRAM) || !enter())
		return;
	release(fd);   /* a descriptor the program closed behind our back */
	desc *d = calloc(1, sizeof *d);
	if (d && set_desc(fd, d) == 0) {
		d->refs = 1;
		bm_family fam = domain == AF_INET ? BM_AF_INET : BM_AF_INET6;
		bm_proto proto = base == SOCK_STREAM ? BM_TCP : BM_UDP;
		for (size_t i = 0; i < S.hs.n; i++)
			if (bm_socket(S.hs.host[i], fam, proto, (uint32_t)getuid(), &d->id[i], NULL) != BM_OK)
				d->id[i] = BM_NO_SOCK;
	} else {
		free(d);
	}
	leave();
}

/* The model's option for a (level, name), or 0. */
static bm_option option_of(int level, int name)
{
	if (level == SOL_SOCKET && name == SO_REUSEADDR) return BM_SO_REUSEADDR;
	if (level == SOL_SOCKET && name == SO_REUSEPORT) return BM_SO_REUSEPORT;
	if (level == SOL_SOCKET && name == SO_LINGER) return BM_SO_LINGER;
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) return BM_SO_BINDTODEVICE;
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) return BM_IPV6_V6ONLY;
	if (level == IPPROTO_IP && name == IP_FREEBIND) return BM_IP_FREEBIND;
	return (bm_option)0;
}

void shadow_setsockopt(int fd, int level, int name, const void *val, size_t len,
                       int ret, int err)
{
	bm_option o = option_of(level, name);
	bm_result k = kernel_result(ret, err);
	if (!o || !val || k == BM_RESULT_COUNT || !enter())
		return;
	desc *d = desc_of(fd);
	char dev[BM_DEVLEN] = "";
	int value = 0;
	if (o == BM_SO_LINGER && len >= sizeof(struct linger)) {
		struct linger l;
		memcpy(&l, val, sizeof l);
		value = l.l_onoff ? l.l_linger : -1;
	} else if (o == BM_SO_BINDTODEVICE) {
		memcpy(dev, val, len < sizeof dev - 1 ? len : sizeof dev - 1);
	} else if (len >= sizeof(int)) {
		memcpy(&value, val, sizeof value);
		value = value != 0;
	} else {
		d = NULL;   /* a malformed call the kernel judged alone */
	}
	if (d) {
		shadow_row row;
		start_row(&row, "setsockopt", fd, k);
		snprintf(row.args, sizeof row.args, "\"option\":\"%s\",\"value\":", bm_option_name(o));
		size_t n = strlen(row.args);
		if (o == BM_SO_BINDTODEVICE)
			shadow_json_str(row.args + n, sizeof row.args - n, dev);
		else
			snprintf(row.args + n, sizeof row.args - n, "%d", value);
		for (size_t i = 0; i < S.hs.n; i++) {
			if (!d->id[i])
				continue;
			bm_host *h = S.hs.host[i];
			row.res[i] = o == BM_SO_BINDTODEVICE
				? bm_setsockopt_dev(h, d->id[i], dev, &row.v[i])
				: bm_setsockopt(h, d->id[i], o, value, &row.v[i]);
			row.have[i] = 1;
		}
		shadow_report(&row);
	}
	leave();
}

static int addr_args(shadow_row *row, const void *sa, size_t len, bm_endpoint *ep)
{
	if (!sa || bm_endpoint_from_sockaddr(sa, len, ep) != 0)
		return -1;
	char buf[BM_ENDPOINT_STRLEN];
	snprintf(row->args, sizeof row->args, "\"addr\":\"%s\"",
	         bm_endpoint_format(ep, buf, sizeof buf));
	return 0;
}

void shadow_bind(int fd, const void *sa, size_t len, int ret, int err)
{
	bm_result k = kernel_result(ret, err);
	if (k == BM_RESULT_COUNT || !enter())
		return;
	desc *d = desc_of(fd);
	shadow_row row;
	bm_endpoint ep;
	start_row(&row, "bind", fd, k);
	if (d && addr_args(&row, sa, len, &ep) == 0) {
		for (size_t i = 0; i < S.hs.n; i++) {
			if (!d->id[i])
				continue;
			if (k != BM_EADDRNOTAVAIL)
				ensure_addr(S.hs.host[i], &ep);
			row.res[i] = bm_bind(S.hs.host[i], d->id[i], &ep, &row.v[i]);
			row.have[i] = 1;
		}
		shadow_report(&row);
	}
	leave();
}

void shadow_listen(int fd, int backlog, int ret, int err)
{
	bm_result k = kernel_result(ret, err);
	if (k == BM_RESULT_COUNT || !enter())
		return;
	desc *d = desc_of(fd);
	if (d) {
		shadow_row row;
		start_row(&row, "listen", fd, k);
		snprintf(row.args, sizeof row.args, "\"backlog\":%d", backlog);
		for (size_t i = 0; i < S.hs.n; i++) {
			if (!d->id[i])
				continue;
			row.res[i] = bm_listen(S.hs.host[i], d->id[i], &row.v[i]);
			row.have[i] = 1;
		}
		shadow_report(&row);
	}
	leave();
}

/* The listener the kernel connected to lives outside this program: give
 * host h a stand-in listener there, so that its connect() has a peer. */
static int stand_in_listener(bm_host *h, const bm_endpoint *dst)
{
	bm_sock s;
	if (bm_socket(h, dst->family, BM_TCP, (uint32_t)getuid(), &s, NULL) != BM_OK)
		return -1;
	ensure_addr(h, dst);
	bm_setsockopt(h, s, BM_SO_REUSEADDR, 1, NULL);
	if (bm_bind(h, s, dst, NULL) != BM_OK || bm_listen(h, s, NULL) != BM_OK) {
		bm_close(h, s, NULL);
		return -1;
	}
	return 0;
}

static int tcp_sock(bm_host *h, bm_sock s)
{
	bm_sock_info info;
	return bm_sock_query(h, s, &info) == BM_OK && info.proto == BM_TCP;
}

void shadow_connect(int fd, const void *sa, size_t len, int ret, int err)
{
	desc *dd = NULL;
	if (!enter())
		return;
	dd = desc_of(fd);
	/* a repeated connect() of a non-blocking socket asks how the first is
	 * doing (EALREADY, then 0 once it is done, then EISCONN): the model's
	 * connect() was instant, so it is not replayed */
	int repeat = dd && dd->connecting;
	if (dd && !repeat && ret < 0 && err == EINPROGRESS) {
		dd->connecting = 1;
		ret = 0;   /* under way: the model's instant connect() is ok */
	}
	bm_result k = kernel_result(ret, err);
	shadow_row row;
	bm_endpoint ep;
	start_row(&row, "connect", fd, k);
	if (dd && !repeat && k != BM_RESULT_COUNT && addr_args(&row, sa, len, &ep) == 0) {
		for (size_t i = 0; i < S.hs.n; i++) {
			bm_host *h = S.hs.host[i];
			if (!dd->id[i])
				continue;
			row.res[i] = bm_connect(h, dd->id[i], &ep, &row.v[i]);
			if (row.res[i] == BM_ECONNREFUSED && k == BM_OK && tcp_sock(h, dd->id[i]) &&
			    stand_in_listener(h, &ep) == 0)
				row.res[i] = bm_connect(h, dd->id[i], &ep, &row.v[i]);
			row.have[i] = 1;
		}
		shadow_report(&row);
	}
	leave();
}

/* The connection the kernel accepted came from outside this program: give
 * host h a stand-in client from the real peer to the real local address. */
static void stand_in_client(bm_host *h, int newfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	bm_endpoint peer, local;
	if (getpeername(newfd, (struct sockaddr *)&ss, &sl) != 0 ||
	    bm_endpoint_from_sockaddr(&ss, sl, &peer) != 0)
		return;
	sl = sizeof ss;
	if (getsockname(newfd, (struct sockaddr *)&ss, &sl) != 0 ||
	    bm_endpoint_from_sockaddr(&ss, sl, &local) != 0)
		return;
	bm_sock c;
	if (bm_socket(h, peer.family, BM_TCP, (uint32_t)getuid(), &c, NULL) != BM_OK)
		return;
	ensure_addr(h, &peer);
	if (bm_bind(h, c, &peer, NULL) != BM_OK) {
		peer.port = 0;
		bm_bind(h, c, &peer, NULL);
	}
	if (bm_connect(h, c, &local, NULL) != BM_OK)
		bm_close(h, c, NULL);
}

void shadow_accept(int lfd, int newfd)
{
	if (!enter())
		return;
	desc *l = desc_of(lfd);
	desc *d = l ? calloc(1, sizeof *d) : NULL;
	if (d && set_desc(newfd, d) == 0) {
		d->refs = 1;
		shadow_row row;
		start_row(&row, "accept", lfd, BM_OK);
		for (size_t i = 0; i < S.hs.n; i++) {
			bm_host *h = S.hs.host[i];
			if (!l->id[i])
				continue;
			row.res[i] = bm_accept(h, l->id[i], &d->id[i], &row.v[i]);
			if (row.res[i] == BM_EAGAIN) {
				stand_in_client(h, newfd);
				row.res[i] = bm_accept(h, l->id[i], &d->id[i], &row.v[i]);
			}
			if (row.res[i] != BM_OK)
				d->id[i] = BM_NO_SOCK;
			row.have[i] = 1;
		}
		shadow_report(&row);
	} else {
		free(d);
	}
	leave();
}

void shadow_close(int fd)
{
	if (!enter())
		return;
	release(fd);
	leave();
}

void shadow_dup(int oldfd, int newfd)
{
	if (oldfd == newfd || !enter())
		return;
	release(newfd);
	desc *d = desc_of(oldfd);
	if (d && set_desc(newfd, d) == 0)
		d->refs++;
	leave();
}
