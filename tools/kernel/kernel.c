/* SPDX-License-Identifier: MIT */
/*
 * kernel.c: the kernel engine: scenario steps as real syscalls on the live
 * kernel (see kernel.h for the contract).  This file is portable POSIX;
 * what needs Linux (namespaces, netlink, sysctls, raw sends) is behind the
 * kb_os_* functions of kernel_linux.c.
 *
 * Shape: like session.c, a table of named sockets (here file descriptors,
 * all non-blocking) plus the state a scenario sets: the current uid and
 * the addresses it added.  A step is one syscall, run under the owner's
 * effective uid, and its errno is mapped to a bm_result.  Two steps are
 * more than one syscall: a TCP connect completes a real handshake (poll,
 * SO_ERROR, then connect() again so that the socket is in the state a
 * blocking connect would leave), and deliver sends a tagged datagram and
 * reads every UDP socket to see who got it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"

#define CONNECT_TIMEOUT_MS 3000
#define KB_MAX_SLEEP_MS (10 * 60 * 1000)   /* --allow-sleep waits at most this */

typedef struct kb_sock {
	char name[SC_NAMELEN];   /* "" once the name went to another socket */
	int fd;                  /* -1 once closed */
	int family;              /* AF_INET, AF_INET6 */
	bm_proto proto;
	uint32_t uid;            /* owner: every call runs as this euid */
	int seq;                 /* creation order, for unnamed receivers */
} kb_sock;

typedef struct kb_ctx {
	kb_sock *socks;
	size_t n, cap;
	/* name -> socks index + 1 (0: empty), open addressing, at most half
	 * full: a name's slot always holds the socket that has it now */
	uint32_t *by_name;
	size_t slots;
	int seq;
	uint32_t uid;            /* owner of sockets created next */
	int root;                /* uid 0 with CAP_NET_BIND_SERVICE where the
	                            sockets live (root, or a user namespace) */
	int switch_uid;          /* may seteuid to a socket's owner (real root) */
	uint32_t acting;         /* the euid become() switched to; 0: none */
	uint32_t self;           /* our euid, read once isolated (only become() moves it) */
	int isolated;            /* in a private network namespace */
	int loopback_only;       /* allowed to run on the host's loopback */
	int started;             /* kb_engine_opts decided the isolation */
	int tried;               /* reset at least once */
	char why[200];           /* why not isolated */
	int allow_sleep;
	bm_endpoint *addrs;      /* addresses the scenario added */
	size_t naddrs, addrcap;
	unsigned long token;     /* deliver: datagram tags */
	/* hosts of the scenario: a namespace each (kb_os_new_host_netns) */
	struct {
		char name[SC_NAMELEN];
		int fd;
	} hosts[8];
	int nhosts;
	int cur;                 /* the host `on` chose, -1: local */
	int local_ns;            /* fd of the local host's namespace, or -1 */
} kb_ctx;

/* ----------------------------------------------------------- plumbing */

static int map_errno(int e, bm_result *r)
{
	switch (e) {
	case 0: *r = BM_OK; return 0;
	case EADDRINUSE: *r = BM_EADDRINUSE; return 0;
	case EADDRNOTAVAIL: *r = BM_EADDRNOTAVAIL; return 0;
	case EACCES: *r = BM_EACCES; return 0;
	case EPERM: *r = BM_EPERM; return 0;
	case EINVAL: *r = BM_EINVAL; return 0;
	case EISCONN: *r = BM_EISCONN; return 0;
	case ENOTCONN: *r = BM_ENOTCONN; return 0;
	case ENOPROTOOPT: *r = BM_ENOPROTOOPT; return 0;
	case EOPNOTSUPP: *r = BM_EOPNOTSUPP; return 0;
	case EAFNOSUPPORT: *r = BM_EAFNOSUPPORT; return 0;
	case EAGAIN: *r = BM_EAGAIN; return 0;
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK: *r = BM_EAGAIN; return 0;
#endif
	case ECONNREFUSED: *r = BM_ECONNREFUSED; return 0;
	case EALREADY: *r = BM_EALREADY; return 0;
	case ENODEV: *r = BM_ENODEV; return 0;
	case EBADF: *r = BM_EBADF; return 0;
	case ENOMEM: *r = BM_ENOMEM; return 0;
	case ENOBUFS: *r = BM_ENOBUFS; return 0;
	case EINPROGRESS: *r = BM_EINPROGRESS; return 0;
	case ECONNRESET: *r = BM_ECONNRESET; return 0;
	case EHOSTUNREACH: *r = BM_EHOSTUNREACH; return 0;
	case ENOTSOCK: *r = BM_ENOTSOCK; return 0;
	case EPROTONOSUPPORT: *r = BM_EPROTONOSUPPORT; return 0;
	case ETIMEDOUT: *r = BM_ETIMEDOUT; return 0;
	case EFAULT: *r = BM_EFAULT; return 0;
	case ENOENT: *r = BM_ENOENT; return 0;
	case ENETUNREACH: *r = BM_ENETUNREACH; return 0;
	default: return -1;
	}
}

/* Fill o from an errno; -1 (err set) if bm_result has no such code. */
static int result(int e, sc_outcome *o, char *err, size_t errlen)
{
	if (map_errno(e, &o->code) != 0) {
		snprintf(err, errlen, "the kernel answered %s (errno %d), which has no bm_result",
		         strerror(e), e);
		return -1;
	}
	o->verdict.code = o->code;
	o->verdict.rule = NULL;
	snprintf(o->verdict.reason, sizeof o->verdict.reason, "live kernel: %s",
	         e ? strerror(e) : "success");
	return 0;
}

/* Run the next syscall as uid (root only switches; 0 stays root). */
static int become(kb_ctx *k, uint32_t uid, char *err, size_t errlen)
{
	if (!k->switch_uid) {
		if (uid == k->self)
			return 0;
		snprintf(err, errlen, "skip: acting as uid %u needs root", uid);
		return -1;
	}
	if (uid != 0 && seteuid((uid_t)uid) != 0) {
		snprintf(err, errlen, "seteuid(%u): %s", uid, strerror(errno));
		return -1;
	}
	k->acting = uid;
	return 0;
}

/* Back to root.  The switch is remembered rather than asked of the kernel,
 * as our own euid is (k->self): a geteuid() per step was a whole syscall
 * (about 0.9 us on a VM) added to every step the bench times. */
static void unbecome(kb_ctx *k)
{
	if (k->acting && seteuid(0) != 0)
		abort();   /* never go on with the wrong credentials */
	k->acting = 0;
}

static int to_sockaddr(const bm_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (ep->family == BM_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(ep->port);
		memcpy(&in->sin_addr, ep->addr, 4);
		*len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(ep->port);
		memcpy(&in6->sin6_addr, ep->addr, 16);
		*len = sizeof *in6;
	}
	return 0;
}

static int from_sockaddr(const struct sockaddr_storage *ss, bm_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		ep->family = BM_AF_INET;
		ep->port = ntohs(in->sin_port);
		memcpy(ep->addr, &in->sin_addr, 4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		ep->family = BM_AF_INET6;
		ep->port = ntohs(in6->sin6_port);
		memcpy(ep->addr, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static void local_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	bm_endpoint ep;
	char tmp[BM_ENDPOINT_STRLEN];
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && from_sockaddr(&ss, &ep) == 0)
		snprintf(buf, len, "%s", bm_endpoint_format(&ep, tmp, sizeof tmp));
}

/* Close everything, abortively (SO_LINGER 0: no TIME_WAIT is left behind,
 * which matters when there is no namespace to throw away). */
static void close_all(kb_ctx *k)
{
	struct linger lg = {1, 0};
	for (size_t i = 0; i < k->n; i++) {
		if (k->socks[i].fd < 0)
			continue;
		if (k->socks[i].proto == BM_TCP)
			(void)setsockopt(k->socks[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(k->socks[i].fd);
	}
	k->n = 0;
	if (k->slots)
		memset(k->by_name, 0, k->slots * sizeof *k->by_name);
}

/* The slot of name: the one that holds it, or the empty one to fill. */
static size_t name_slot(const kb_ctx *k, const char *name)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	size_t mask = k->slots - 1, i = (size_t)(h ^ (h >> 29)) & mask;
	while (k->by_name[i] && strcmp(k->socks[k->by_name[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

static kb_sock *find(kb_ctx *k, const char *name)
{
	if (!k->slots || !name[0])
		return NULL;
	size_t i = name_slot(k, name);
	return k->by_name[i] ? &k->socks[k->by_name[i] - 1] : NULL;
}

/* Room for one more name, the table at most half full. */
static int names_room(kb_ctx *k)
{
	if ((k->n + 1) * 2 <= k->slots)
		return 0;
	size_t slots = k->slots ? k->slots * 2 : 64;
	uint32_t *t = slots <= UINT32_MAX ? calloc(slots, sizeof *t) : NULL;
	if (!t)
		return -1;
	free(k->by_name);
	k->by_name = t;
	k->slots = slots;
	for (size_t i = 0; i < k->n; i++)
		if (k->socks[i].name[0])
			k->by_name[name_slot(k, k->socks[i].name)] = (uint32_t)(i + 1);
	return 0;
}

/* A new socket entry under name (which an older socket gives up). */
static kb_sock *add_sock(kb_ctx *k, const char *name, int fd, int family, bm_proto proto,
                         uint32_t uid)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		kb_sock *n = realloc(k->socks, cap * sizeof *n);
		if (!n)
			return NULL;
		k->socks = n;
		k->cap = cap;
	}
	if (names_room(k) != 0)
		return NULL;
	size_t slot = name_slot(k, name);
	if (k->by_name[slot])
		k->socks[k->by_name[slot] - 1].name[0] = 0;
	k->by_name[slot] = (uint32_t)(k->n + 1);
	kb_sock *s = &k->socks[k->n++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->fd = fd;
	s->family = family;
	s->proto = proto;
	s->uid = uid;
	s->seq = ++k->seq;
	return s;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ------------------------------------------------------- destinations */

static int is_local(const kb_ctx *k, const bm_endpoint *ep)
{
	if (bm_addr_is_loopback(ep) || bm_addr_is_any(ep))
		return 1;
	for (size_t i = 0; i < k->naddrs; i++) {
		const bm_endpoint *a = &k->addrs[i];
		if (a->family == ep->family && memcmp(a->addr, ep->addr, 16) == 0)
			return 1;
		/* an IPv4 address as seen from an IPv6 socket */
		if (a->family == BM_AF_INET && bm_addr_is_v4mapped(ep) &&
		    memcmp(a->addr, ep->addr + 12, 4) == 0)
			return 1;
	}
	return 0;
}

/* Is one of our own sockets bound to exactly this address and port (TCP:
 * and listening)?  Without a namespace, that keeps a connect or a datagram
 * away from the host's own services. */
static int endpoint_is_ours(const kb_ctx *k, bm_proto proto, const bm_endpoint *dst)
{
	for (size_t i = 0; i < k->n; i++) {
		const kb_sock *s = &k->socks[i];
		if (s->fd < 0 || s->proto != proto)
			continue;
#ifdef SO_ACCEPTCONN
		int listening = 0;
		socklen_t ll = sizeof listening;
		if (proto == BM_TCP &&
		    (getsockopt(s->fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) != 0 || !listening))
			continue;
#endif
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		bm_endpoint ep;
		if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    from_sockaddr(&ss, &ep) == 0 && ep.port == dst->port &&
		    bm_addr_equal(&ep, dst))
			return 1;
	}
	return 0;
}

/* The addresses a loopback-only run may bind: 127.0.0.0/8 and ::1 (also
 * in v4-mapped form), never a wildcard. */
static int host_safe_bind(const bm_endpoint *ep)
{
	return bm_addr_is_loopback(ep);
}

static int check_destination(const kb_ctx *k, const bm_endpoint *dst, bm_proto proto,
                             int datagram_out, char *err, size_t errlen)
{
	char buf[BM_ENDPOINT_STRLEN];
	int group = bm_addr_is_multicast(dst) ||
	            (dst->family == BM_AF_INET && dst->addr[0] == 255 && dst->addr[1] == 255 &&
	             dst->addr[2] == 255 && dst->addr[3] == 255);
	if (group && !datagram_out && proto == BM_UDP)
		return 0;   /* a UDP connect to a group sends nothing */
	if (group && datagram_out) {
		if (!k->isolated) {
			snprintf(err, errlen, "skip: multicast/broadcast needs a private network namespace");
			return -1;
		}
		return 0;   /* kb_os_send_udp pins it to lo */
	}
	if (!is_local(k, dst)) {
		snprintf(err, errlen, "skip: non-local destination %s",
		         bm_endpoint_format(dst, buf, sizeof buf));
		return -1;
	}
	if (!k->isolated && (datagram_out || proto == BM_TCP) && !endpoint_is_ours(k, proto, dst)) {
		snprintf(err, errlen, "skip: --loopback-only: a %s to %s, which none of the "
		         "scenario's sockets is bound to, could reach a host service",
		         datagram_out ? "datagram" : "connect", bm_endpoint_format(dst, buf, sizeof buf));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- hosts */

static void drop_hosts(kb_ctx *k)
{
	for (int i = 0; i < k->nhosts; i++)
		close(k->hosts[i].fd);
	k->nhosts = 0;
	if (k->local_ns >= 0)
		close(k->local_ns);
	k->local_ns = -1;
	k->cur = -1;
}

/* Enter host i's namespace (-1: local's); the process stays in it so that
 * the sockets, addresses and knobs of the following steps are that
 * host's. */
static int enter_host(kb_ctx *k, int i, char *err, size_t errlen)
{
	if (i == k->cur)
		return 0;
	int fd = i < 0 ? k->local_ns : k->hosts[i].fd;
	if (fd < 0 || kb_os_enter_netns(fd, err, errlen) != 0) {
		/* not knowing which namespace we are in, nothing may run on */
		fprintf(stderr, "bindmodel: cannot enter a host's namespace: %s\n", err);
		abort();
	}
	k->cur = i;
	return 0;
}

static int remember_addr(kb_ctx *k, const bm_endpoint *ep, char *err, size_t errlen)
{
	if (k->naddrs == k->addrcap) {
		size_t cap = k->addrcap ? k->addrcap * 2 : 8;
		bm_endpoint *n = realloc(k->addrs, cap * sizeof *n);
		if (!n) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		k->addrs = n;
		k->addrcap = cap;
	}
	k->addrs[k->naddrs++] = *ep;
	return 0;
}

/* An address of host i (>= 0): on its lo, and routed to it from local. */
static int host_addr(kb_ctx *k, int i, const bm_endpoint *ep, const char *dev, char *err,
                     size_t errlen)
{
	int back = k->cur, rc;
	if (ep->family != BM_AF_INET) {
		snprintf(err, errlen, "skip: the kernel backend joins hosts for IPv4 only");
		return -1;
	}
	enter_host(k, i, err, errlen);
	rc = kb_os_add_addr(ep, dev, err, errlen);
	enter_host(k, -1, err, errlen);
	if (rc == 0)
		rc = kb_os_route_to_host(ep, (unsigned)i, err, errlen);
	enter_host(k, back, err, errlen);
	return rc == 0 ? remember_addr(k, ep, err, errlen) : -1;
}

/* host NAME OS ADDR[,ADDR...]: a namespace of its own (Linux hosts only:
 * the kernel is Linux; other systems are only modelled). */
static int do_host(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	const bm_policy *p = bm_personality_find(c->os[0]);
	if (!k->isolated) {
		snprintf(err, errlen, "skip: hosts need a private network namespace (%s)", k->why);
		return -1;
	}
	if (!p || !p->family || strcmp(p->family, "linux") != 0) {
		snprintf(err, errlen, "skip: host %s runs %s: the kernel backend is Linux, other "
		         "systems are only modelled", c->name, c->os[0]);
		return -1;
	}
	for (int i = 0; i < k->nhosts; i++)
		if (strcmp(k->hosts[i].name, c->name) == 0) {
			snprintf(err, errlen, "host '%s' exists already", c->name);
			return -1;
		}
	if (k->nhosts == (int)(sizeof k->hosts / sizeof k->hosts[0])) {
		snprintf(err, errlen, "skip: at most %d hosts on the kernel backend", k->nhosts);
		return -1;
	}
	int back = k->cur;
	if (k->local_ns < 0 && (k->local_ns = kb_os_netns_fd()) < 0) {
		snprintf(err, errlen, "opening the namespace: %s", strerror(errno));
		return -1;
	}
	enter_host(k, -1, err, errlen);
	int fd, i = k->nhosts;
	int rc = kb_os_new_host_netns((unsigned)i, &fd, err, errlen);
	enter_host(k, back, err, errlen);
	if (rc != 0)
		return -1;
	snprintf(k->hosts[i].name, sizeof k->hosts[i].name, "%s", c->name);
	k->hosts[i].fd = fd;
	k->nhosts++;
	char list[sizeof c->arg];
	snprintf(list, sizeof list, "%s", c->arg);
	for (char *save = NULL, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		bm_endpoint ep;
		if (bm_addr_parse(a, &ep) != 0 || host_addr(k, i, &ep, "lo", err, errlen) != 0)
			return -1;
	}
	return result(0, o, err, errlen);
}

static int do_on(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	if (strcmp(c->name, "local") == 0) {
		if (k->local_ns >= 0)
			enter_host(k, -1, err, errlen);
		return result(0, o, err, errlen);
	}
	for (int i = 0; i < k->nhosts; i++)
		if (strcmp(k->hosts[i].name, c->name) == 0) {
			enter_host(k, i, err, errlen);
			return result(0, o, err, errlen);
		}
	snprintf(err, errlen, "skip: no host '%s' on the kernel (not declared, or skipped)",
	         c->name);
	return -1;
}

/* ------------------------------------------------------------- engine */

/* The engine's answer, typed: the steps below say "skip: why" in err
 * (kernel.h), which the caller gets as SC_EXEC_SKIP. */
static int typed(int rc, const char *err)
{
	return rc != 0 && strncmp(err, "skip:", 5) == 0 ? SC_EXEC_SKIP : rc;
}

static int reset_step(void *ctx, const char *os, char *err, size_t errlen)
{
	kb_ctx *k = ctx;
	(void)os;   /* the kernel is what it is; os names the expectations */
	if (!k->started) {
		snprintf(err, errlen, "the kernel engine's isolation was not decided (kb_engine_opts)");
		return -1;
	}
	unbecome(k);
	close_all(k);
	drop_hosts(k);
	k->uid = k->switch_uid ? 0 : k->self;
	k->naddrs = 0;
	/* the first scenario runs in the namespace kb_engine_opts entered */
	if (k->isolated && k->tried && kb_os_new_netns(err, errlen) != 0)
		return -1;   /* never fall back to the host mid-run */
	k->tried = 1;
	return 0;
}

static int do_socket(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	int family = c->fam == BM_AF_INET ? AF_INET : AF_INET6;
	int type = c->proto == BM_TCP ? SOCK_STREAM : SOCK_DGRAM;
	if (become(k, k->uid, err, errlen) != 0)
		return -1;
	int fd = socket(family, type, 0);
	int e = errno;
	unbecome(k);
	if (fd < 0)
		return result(e, o, err, errlen);
	if (set_nonblock(fd) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    !add_sock(k, c->name, fd, family, c->proto, k->uid)) {
		snprintf(err, errlen, "cannot keep the socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return result(0, o, err, errlen);
}

static int do_setsockopt(kb_ctx *k, kb_sock *s, const sc_cmd *c, sc_outcome *o, char *err,
                         size_t errlen)
{
	int level = SOL_SOCKET, name = -1, ival = c->value;
	const void *val = &ival;
	socklen_t len = sizeof ival;
	struct linger lg;
	switch (c->opt) {
	case BM_SO_REUSEADDR:
		name = SO_REUSEADDR;
		break;
	case BM_SO_REUSEPORT:
#ifdef SO_REUSEPORT
		name = SO_REUSEPORT;
#endif
		break;
	case BM_SO_REUSEPORT_LB:
#ifdef SO_REUSEPORT_LB
		name = SO_REUSEPORT_LB;
#endif
		break;
	case BM_SO_EXCLUSIVEADDRUSE:
		break;   /* Windows only */
	case BM_SO_EXCLBIND:
#ifdef SO_EXCLBIND
		name = SO_EXCLBIND;
#endif
		break;
	case BM_IPV6_V6ONLY:
		level = IPPROTO_IPV6;
		name = IPV6_V6ONLY;
		break;
	case BM_SO_LINGER:
		name = SO_LINGER;
		lg.l_onoff = c->value >= 0;
		lg.l_linger = c->value >= 0 ? c->value : 0;
		val = &lg;
		len = sizeof lg;
		break;
	case BM_SO_BINDTODEVICE:
#ifdef SO_BINDTODEVICE
		name = SO_BINDTODEVICE;
		val = c->dev;
		len = (socklen_t)strlen(c->dev);
#endif
		break;
	case BM_IP_FREEBIND:
#if defined(IP_FREEBIND)
		level = IPPROTO_IP;
		name = IP_FREEBIND;
#if defined(IPV6_FREEBIND)
		if (s->family == AF_INET6) {
			level = IPPROTO_IPV6;
			name = IPV6_FREEBIND;
		}
#endif
#elif defined(IP_BINDANY)
		level = s->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
		name = s->family == AF_INET6 ? IPV6_BINDANY : IP_BINDANY;
#endif
		break;
	}
	if (name < 0)
		return result(ENOPROTOOPT, o, err, errlen);   /* the host has no such option */
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	int rc = setsockopt(s->fd, level, name, val, len);
	int e = errno;
	unbecome(k);
	return result(rc == 0 ? 0 : e, o, err, errlen);
}

static int do_bind(kb_ctx *k, kb_sock *s, const sc_cmd *c, sc_outcome *o, char *err,
                   size_t errlen)
{
	if (!k->isolated && !host_safe_bind(&c->ep)) {
		char buf[BM_ENDPOINT_STRLEN];
		snprintf(err, errlen, "skip: --loopback-only binds only 127.0.0.0/8 and ::1, not %s",
		         bm_endpoint_format(&c->ep, buf, sizeof buf));
		return -1;
	}
	if (!k->root && c->ep.port > 0 && c->ep.port < 1024) {
		/* the model's default owner is root; the caller is not */
		snprintf(err, errlen, "skip: binding a port below 1024 as a model root needs root");
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	to_sockaddr(&c->ep, &ss, &sl);
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	int rc = bind(s->fd, (struct sockaddr *)&ss, sl);
	int e = errno;
	unbecome(k);
	if (rc == 0 && c->ep.port == 0)
		local_name(s->fd, o->detail, sizeof o->detail);
	return result(rc == 0 ? 0 : e, o, err, errlen);
}

static int do_listen(kb_ctx *k, kb_sock *s, sc_outcome *o, char *err, size_t errlen)
{
	if (!k->isolated) {
		/* listen() on an unbound socket binds the wildcard */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		bm_endpoint ep;
		if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    from_sockaddr(&ss, &ep) != 0 || ep.port == 0 || !host_safe_bind(&ep)) {
			snprintf(err, errlen, "skip: --loopback-only listens only on a socket bound to "
			         "127.0.0.0/8 or ::1");
			return -1;
		}
	}
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	int rc = listen(s->fd, SOMAXCONN);
	int e = errno;
	unbecome(k);
	if (rc == 0)
		local_name(s->fd, o->detail, sizeof o->detail);
	return result(rc == 0 ? 0 : e, o, err, errlen);
}

/* connect() with the socket blocking for the call and SO_SNDTIMEO as its
 * limit; the errno (EINPROGRESS on time-out), the socket non-blocking
 * again after. */
static int blocking_connect(int fd, const struct sockaddr *sa, socklen_t sl)
{
	int fl = fcntl(fd, F_GETFL);
	struct timeval tv = {CONNECT_TIMEOUT_MS / 1000, (CONNECT_TIMEOUT_MS % 1000) * 1000};
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
		return errno;
	int e = connect(fd, sa, sl) == 0 ? 0 : errno;
	struct timeval off = {0, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &off, sizeof off);
	(void)fcntl(fd, F_SETFL, fl);
	return e;
}

static int do_connect(kb_ctx *k, kb_sock *s, const sc_cmd *c, sc_outcome *o, char *err,
                      size_t errlen)
{
	if (check_destination(k, &c->ep, s->proto, 0, err, errlen) != 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl;
	to_sockaddr(&c->ep, &ss, &sl);
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	if (!c->nonblock) {
		/* a blocking connect, as the scenario says: the socket blocks
		 * for this call only, with a send timeout so that it cannot
		 * hang (emulating it with poll() and a second connect() races
		 * the RST of a refusal under emulation) */
		int e = blocking_connect(s->fd, (struct sockaddr *)&ss, sl);
		unbecome(k);
		if (e == EINPROGRESS) {
			snprintf(err, errlen, "connect did not complete within %d ms",
			         CONNECT_TIMEOUT_MS);
			return -1;
		}
		if (e == 0)
			local_name(s->fd, o->detail, sizeof o->detail);
		return result(e, o, err, errlen);
	}
	int rc = connect(s->fd, (struct sockaddr *)&ss, sl);
	int e = rc == 0 ? 0 : errno;
	if (e == EINPROGRESS && c->nonblock) {
		/* `connect ... nonblock`: report EINPROGRESS as the program
		 * would see it, and let the handshake finish (the model
		 * completes it at once), leaving its result for the next
		 * connect() to collect */
		struct pollfd p = {s->fd, POLLOUT, 0};
		int pr;
		do
			pr = poll(&p, 1, CONNECT_TIMEOUT_MS);
		while (pr < 0 && errno == EINTR);
	} else if (e == EINPROGRESS) {
		/* a real handshake: wait for it, then read its outcome */
		struct pollfd p = {s->fd, POLLOUT, 0};
		int pr;
		do
			pr = poll(&p, 1, CONNECT_TIMEOUT_MS);
		while (pr < 0 && errno == EINTR);
		if (pr <= 0) {
			unbecome(k);
			snprintf(err, errlen, "connect did not complete within %d ms",
			         CONNECT_TIMEOUT_MS);
			return -1;
		}
		socklen_t el = sizeof e;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		/* Linux returns 0 once more from connect() after an asynchronous
		 * completion (SS_CONNECTING -> SS_CONNECTED), and after a failure
		 * leaves the socket "connecting" until connect() is called again.
		 * Call it now, so the next scenario connect sees what a blocking
		 * connect would have left (EISCONN, or a fresh attempt). */
		(void)connect(s->fd, (struct sockaddr *)&ss, sl);
	}
	unbecome(k);
	if (e == 0)
		local_name(s->fd, o->detail, sizeof o->detail);
	return result(e, o, err, errlen);
}

static int do_accept(kb_ctx *k, kb_sock *s, const sc_cmd *c, sc_outcome *o, char *err,
                     size_t errlen)
{
	/* loopback handshakes finish inside the connect() that started them;
	 * a short poll covers any softirq still in flight */
	struct pollfd p = {s->fd, POLLIN, 0};
	(void)poll(&p, 1, 10);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	int fd = accept(s->fd, (struct sockaddr *)&ss, &sl);
	int e = errno;
	unbecome(k);
	if (fd < 0)
		return result(e, o, err, errlen);
	if (set_nonblock(fd) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    !add_sock(k, c->name, fd, s->family, s->proto, s->uid)) {
		snprintf(err, errlen, "cannot keep the accepted socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	bm_endpoint ep;
	char buf[BM_ENDPOINT_STRLEN];
	if (from_sockaddr(&ss, &ep) == 0)
		snprintf(o->detail, sizeof o->detail, "from %s",
		         bm_endpoint_format(&ep, buf, sizeof buf));
	return result(0, o, err, errlen);
}

static int do_close(kb_ctx *k, kb_sock *s, sc_outcome *o, char *err, size_t errlen)
{
	if (become(k, s->uid, err, errlen) != 0)
		return -1;
	int rc = close(s->fd);
	int e = errno;
	unbecome(k);
	s->fd = -1;
	return result(rc == 0 ? 0 : e, o, err, errlen);
}

static int do_advance(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	if (!k->allow_sleep) {
		snprintf(err, errlen, "skip: advance needs --allow-sleep (real time on a real kernel)");
		return -1;
	}
	if (c->ms > KB_MAX_SLEEP_MS) {
		/* a real wait this long is a mistake, not a test */
		snprintf(err, errlen, "skip: advance %llu ms is longer than the kernel backend waits "
		         "(%d minutes)", (unsigned long long)c->ms, KB_MAX_SLEEP_MS / 60000);
		return -1;
	}
	struct timespec ts = {(time_t)(c->ms / 1000), (long)(c->ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return result(0, o, err, errlen);
}

/* Read everything queued on fd; 1 if a datagram carried tag. */
static int drain(int fd, const char *tag)
{
	int got = 0;
	for (int i = 0; i < 1024; i++) {
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;   /* a queued ICMP error, say: read on */
		}
		buf[n] = 0;
		if (tag && strcmp(buf, tag) == 0)
			got = 1;
	}
	return got;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int do_deliver(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	o->is_deliver = 1;
	if (c->proto == BM_TCP) {
		snprintf(err, errlen, "skip: TCP deliver is not run on the kernel (a real SYN "
		         "would add a connection to the accept queue the scenario goes on to use)");
		return -1;
	}
	if (check_destination(k, &c->ep2, BM_UDP, 1, err, errlen) != 0)
		return -1;
	if (!k->isolated && !bm_addr_is_loopback(&c->ep)) {
		/* no datagram may carry a source that routes out of the host:
		 * an ICMP "port unreachable" would go back to it */
		snprintf(err, errlen, "skip: without a namespace the source must be loopback");
		return -1;
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->socks[i].fd >= 0 && k->socks[i].proto == BM_UDP)
			drain(k->socks[i].fd, NULL);
	char tag[64];
	snprintf(tag, sizeof tag, "bindmodel deliver %ld %lu", (long)getpid(), ++k->token);
	if (kb_os_send_udp(&c->ep, &c->ep2, tag, strlen(tag) + 1, err, errlen) != 0)
		return -1;
	/* loopback delivery is done by the time sendto() returns; give a
	 * late softirq a moment all the same */
	struct timespec ts = {0, 2000000L};
	nanosleep(&ts, NULL);
	char (*names)[SC_NAMELEN] = calloc(k->n ? k->n : 1, SC_NAMELEN);
	if (!names) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t nr = 0;
	/* an emulated kernel (QEMU without KVM) may deliver later: when no
	 * socket has the datagram yet, look once more after 20 ms */
	for (int look = 0; look < 2 && nr == 0; look++) {
		if (look)
			nanosleep(&(struct timespec){0, 20000000L}, NULL);
		for (size_t i = 0; i < k->n; i++) {
			const kb_sock *s = &k->socks[i];
			if (s->fd < 0 || s->proto != BM_UDP || !drain(s->fd, tag))
				continue;
			if (s->name[0])
				snprintf(names[nr++], SC_NAMELEN, "%s", s->name);
			else
				snprintf(names[nr++], SC_NAMELEN, "s%d", s->seq);
		}
	}
	qsort(names, nr, SC_NAMELEN, name_cmp);
	o->receivers[0] = 0;
	for (size_t i = 0; i < nr; i++) {
		size_t len = strlen(o->receivers);
		snprintf(o->receivers + len, sizeof o->receivers - len, "%s%s", i ? "+" : "", names[i]);
	}
	free(names);
	if (nr == 0)
		snprintf(o->receivers, sizeof o->receivers, "none");
	snprintf(o->detail, sizeof o->detail, "%s", o->receivers);
	return result(nr ? 0 : ECONNREFUSED, o, err, errlen);
}

static int do_addr(kb_ctx *k, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	if (k->cur >= 0) {
		if (host_addr(k, k->cur, &c->ep, c->dev, err, errlen) != 0)
			return -1;
		return result(0, o, err, errlen);
	}
	if (k->isolated) {
		if (kb_os_add_addr(&c->ep, c->dev, err, errlen) != 0)
			return -1;
	} else if (!bm_addr_is_loopback(&c->ep)) {
		snprintf(err, errlen, "skip: adding %s needs a private network namespace (%s)",
		         c->arg, k->why);
		return -1;
	}
	if (remember_addr(k, &c->ep, err, errlen) != 0)
		return -1;
	return result(0, o, err, errlen);
}

static int exec_step(void *ctx, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	kb_ctx *k = ctx;
	memset(o, 0, sizeof *o);
	if (!k->tried) {
		snprintf(err, errlen, "no personality selected (os NAME)");
		return -1;
	}
	kb_sock *s = NULL;
	if (c->target[0]) {
		s = find(k, c->target);
		if (!s) {
			snprintf(err, errlen, "unknown socket '%s'", c->target);
			return -1;
		}
		if (s->fd < 0)
			return result(EBADF, o, err, errlen);   /* closed */
	}
	switch (c->kind) {
	case SC_USER:
		if (!k->switch_uid && c->uid != k->self) {
			snprintf(err, errlen, "skip: sockets of uid %u need root", c->uid);
			return -1;
		}
		k->uid = c->uid;
		return result(0, o, err, errlen);
	case SC_ADDR:
		return do_addr(k, c, o, err, errlen);
	case SC_SET:
		if (kb_os_set_knob(c->knob, c->lo, c->hi, !k->isolated, err, errlen) != 0)
			return -1;
		return result(0, o, err, errlen);
	case SC_SOCKET:
		return do_socket(k, c, o, err, errlen);
	case SC_SETSOCKOPT:
		return do_setsockopt(k, s, c, o, err, errlen);
	case SC_BIND:
		return do_bind(k, s, c, o, err, errlen);
	case SC_LISTEN:
		return do_listen(k, s, o, err, errlen);
	case SC_CONNECT:
		return do_connect(k, s, c, o, err, errlen);
	case SC_ACCEPT:
		return do_accept(k, s, c, o, err, errlen);
	case SC_CLOSE:
		return do_close(k, s, o, err, errlen);
	case SC_ADVANCE:
		return do_advance(k, c, o, err, errlen);
	case SC_DELIVER:
		return do_deliver(k, c, o, err, errlen);
	case SC_HOST:
		return do_host(k, c, o, err, errlen);
	case SC_ON:
		return do_on(k, c, o, err, errlen);
	default:
		snprintf(err, errlen, "'%s' is not a scenario step", sc_kind_name(c->kind));
		return -1;
	}
}

static int kb_reset(void *ctx, const char *os, char *err, size_t errlen)
{
	return typed(reset_step(ctx, os, err, errlen), err);
}

static int kb_exec(void *ctx, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	return typed(exec_step(ctx, c, o, err, errlen), err);
}

static void kb_destroy(void *ctx)
{
	kb_ctx *k = ctx;
	if (!k)
		return;
	unbecome(k);
	close_all(k);
	drop_hosts(k);
	free(k->socks);
	free(k->by_name);
	free(k->addrs);
	free(k);
}

int kb_engine(sc_engine *e, char *err, size_t errlen)
{
	kb_ctx *k = calloc(1, sizeof *k);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->local_ns = -1;
	k->cur = -1;
	e->name = "kernel";
	e->ctx = k;
	e->reset = kb_reset;
	e->exec = kb_exec;
	e->destroy = kb_destroy;
	return 0;
}

/* Enter a private network namespace: as root a plain one, else (or where
 * that is refused) a user namespace with one.  0, or -1 with why. */
static int isolate(kb_ctx *k, char *why, size_t whylen)
{
	char first[200] = "";
	if (geteuid() == 0) {
		if (kb_os_new_netns(first, sizeof first) == 0) {
			k->root = k->switch_uid = 1;
			return 0;
		}
	} else {
		snprintf(first, sizeof first, "not root (uid %u)", (unsigned)geteuid());
	}
	char second[200] = "";
	if (kb_os_new_userns(second, sizeof second) == 0) {
		k->root = 1;         /* uid 0 of the namespace that owns the sockets */
		k->switch_uid = 0;   /* and no other uid is mapped */
		return 0;
	}
	snprintf(why, whylen, "%s; %s", first, second);
	return -1;
}

int kb_engine_opts(sc_engine *e, int allow_sleep, int loopback_only, char *err, size_t errlen)
{
	if (!e || e->exec != kb_exec) {
		snprintf(err, errlen, "not a kernel engine");
		return -1;
	}
	kb_ctx *k = e->ctx;
	k->allow_sleep = allow_sleep;
	k->loopback_only = loopback_only;
	if (k->started)
		return 0;
	if (isolate(k, k->why, sizeof k->why) == 0) {
		k->isolated = 1;
		k->why[0] = 0;
	} else if (loopback_only) {
		k->isolated = 0;
		k->root = k->switch_uid = geteuid() == 0;
	} else {
		snprintf(err, errlen, "refusing to run on the host's network: no private network "
		         "namespace can be made here (%s); --loopback-only runs on the host's "
		         "loopback, binding only 127.0.0.0/8 and ::1 and reaching only the "
		         "scenario's own sockets", k->why);
		return -1;
	}
	k->self = (uint32_t)geteuid();
	k->started = 1;
	return 0;
}

int kb_engine_isolated(const sc_engine *e, char *why, size_t whylen)
{
	if (!e || e->exec != kb_exec)
		return -1;
	const kb_ctx *k = e->ctx;
	if (why && whylen)
		snprintf(why, whylen, "%s", k->tried ? k->why : "not reset yet");
	return k->isolated;
}

int kb_probe_isolation(char *why, size_t whylen)
{
	int pfd[2];
	if (pipe(pfd) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return 0;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return 0;
	}
	if (pid == 0) {
		char msg[300] = "";
		kb_ctx probe;
		memset(&probe, 0, sizeof probe);
		int ok = isolate(&probe, msg, sizeof msg) == 0;
		if (!ok && write(pfd[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(ok ? 0 : 1);
	}
	close(pfd[1]);
	char msg[300];
	ssize_t n = read(pfd[0], msg, sizeof msg - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = 0;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	snprintf(why, whylen, "%s", msg);
	return 0;
}

const char *kb_native_personality(void)
{
	struct utsname u;
	if (uname(&u) != 0)
		return NULL;
	static const struct {
		const char *sys, *os;
	} map[] = {
		{"Linux", "linux"}, {"FreeBSD", "freebsd"}, {"OpenBSD", "openbsd"},
		{"NetBSD", "netbsd"}, {"Darwin", "macos"}, {"SunOS", "solaris"},
	};
	if (strcmp(u.sysname, "Linux") == 0) {
		/* the release row of this kernel: "6.18.44-fc-v1272" is
		 * linux-6.18-fc, "6.12.118-cloud-amd64" linux-6.12 */
		static char name[SC_OSLEN];
		unsigned major = 0, minor = 0;
		if (sscanf(u.release, "%u.%u", &major, &minor) == 2) {
			snprintf(name, sizeof name, "linux-%u.%u%s", major, minor,
			         strstr(u.release, "-fc") ? "-fc" : "");
			if (bm_personality_find(name))
				return name;
		}
		return "linux";
	}
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strcmp(u.sysname, map[i].sys) == 0)
			return bm_personality_find(map[i].os) ? map[i].os : NULL;
	return NULL;
}
