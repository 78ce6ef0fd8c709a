/*
 * ops.c: the operation state machine.  Everything that is the same on every
 * system lives here (handles, states, the port index walk, TIME_WAIT
 * bookkeeping, handshakes between sockets of one host); every question whose
 * answer differs between systems goes to the policy's hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A verdict to fill when the caller passed none. */
#define VERDICT(v) bm_verdict scratch_; if (!(v)) (v) = &scratch_; \
	memset((v), 0, sizeof *(v))

static bm_result finish(bm_host *h, bm_verdict *v)
{
	if (h)
		h->last = *v;
	return v->code;
}

static bm_result bad_handle(bm_host *h, bm_sock s, bm_verdict *v)
{
	bm_verdict_set(v, BM_EBADF, "core.handle", BM_NO_SOCK,
	               "socket %d does not exist or was closed", s);
	return finish(h, v);
}

static bm_match policy_conflict(const bm_host *h, const bm_sock_info *s,
                                const bm_sock_info *old, bm_phase phase,
                                bm_verdict *v)
{
	if (h->policy->conflict)
		return h->policy->conflict(h, s, old, phase, v);
	return bm_default_conflict(h, s, old, phase, v);
}

/*
 * The core's default pairwise rule for a policy without its own
 * (core.bind.overlap): overlapping bindings conflict unless both sockets
 * had SO_REUSEPORT; listen() re-checks nothing.
 */
bm_match bm_default_conflict(const bm_host *h, const bm_sock_info *s,
                             const bm_sock_info *old, bm_phase phase,
                             bm_verdict *v)
{
	(void)h;
	if (phase == BM_PHASE_LISTEN)
		return BM_MATCH_NONE;
	if (!bm_overlap(s, old))
		return BM_MATCH_NONE;
	if (phase == BM_PHASE_BIND && (s->opts & old->opts_at_bind & BM_SO_REUSEPORT))
		return BM_MATCH_SHARE;
	bm_verdict_set(v, BM_EADDRINUSE, "core.bind.overlap", old->id,
	               "overlaps the binding of socket %d", old->id);
	return BM_MATCH_CONFLICT;
}

/* Walk the owners of the candidate's port, newest first. */
static bm_result check_owners(bm_host *h, const bm_sock_info *cand,
                              bm_phase phase, bm_verdict *v)
{
	bm_port *o = bm_index_find(h, cand->proto, cand->local.port);
	if (!o)
		return BM_OK;
	for (bm_sockrec *old = o->last; old; old = old->port_prev) {
		if (old->info.id == cand->id)
			continue;
		bm_match m = policy_conflict(h, cand, &old->info, phase, v);
		if (m == BM_MATCH_CONFLICT) {
			if (v->code == BM_OK)
				v->code = BM_EADDRINUSE;
			if (!v->conflict)
				v->conflict = old->info.id;
			return v->code;
		}
		if (m == BM_MATCH_SHARE_STOP)
			break;
	}
	return BM_OK;
}

static bm_sockrec *new_socket(bm_host *h)
{
	if (h->nsocks == h->capsocks) {
		size_t cap = h->capsocks ? h->capsocks * 2 : 16;
		bm_sockrec **n = realloc(h->socks, cap * sizeof *n);
		if (!n)
			return NULL;
		h->socks = n;
		h->capsocks = cap;
	}
	bm_sockrec *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	h->socks[h->nsocks++] = s;
	s->info.id = (bm_sock)h->nsocks;
	s->info.linger = -1;
	return s;
}

bm_result bm_socket(bm_host *h, bm_family fam, bm_proto proto, uint32_t uid,
                    bm_sock *out, bm_verdict *v)
{
	VERDICT(v);
	if (out)
		*out = BM_NO_SOCK;
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	if ((fam != BM_AF_INET && fam != BM_AF_INET6) || (proto != BM_TCP && proto != BM_UDP)) {
		bm_verdict_set(v, BM_EAFNOSUPPORT, "core.args", 0, "unknown family or protocol");
		return finish(h, v);
	}
	if (h->nsocks >= 1000000) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "too many sockets");
		return finish(h, v);
	}
	bm_sockrec *s = new_socket(h);
	if (!s) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return finish(h, v);
	}
	s->info.family = fam;
	s->info.proto = proto;
	s->info.uid = uid;
	s->info.state = BM_STATE_CLOSED;
	s->info.local.family = fam;
	s->info.remote.family = fam;
	s->info.v6only = fam == BM_AF_INET6 ? (int)h->knob[BM_KNOB_V6ONLY] : 0;
	if (out)
		*out = s->info.id;
	bm_verdict_set(v, BM_OK, "core.socket", 0, "socket %d created", s->info.id);
	return finish(h, v);
}

/* ----------------------------------------------------------- setsockopt */

/* The host's interfaces: lo, and each device an address was added on. */
static int has_device(const bm_host *h, const char *dev)
{
	if (strcmp(dev, "lo") == 0)
		return 1;
	for (size_t i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i].dev, dev) == 0)
			return 1;
	return 0;
}

static bm_result set_option(bm_host *h, bm_sock id, bm_option o, int value,
                            const char *dev, bm_verdict *v)
{
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bad_handle(h, id, v);
	if (!(h->policy->options & o) || bm_option_name(o)[0] == '?') {
		bm_verdict_set(v, BM_ENOPROTOOPT, "core.opt.unsupported", 0,
		               "%s does not exist on %s", bm_option_name(o), h->policy->name);
		return finish(h, v);
	}
	if (o == BM_IPV6_V6ONLY && s->info.family != BM_AF_INET6 &&
	    !h->policy->v6only_any_family) {
		bm_verdict_set(v, BM_ENOPROTOOPT, "core.opt.family", 0,
		               "IPV6_V6ONLY applies to IPv6 sockets only");
		return finish(h, v);
	}
	if (o == BM_SO_BINDTODEVICE && dev && dev[0] && !has_device(h, dev)) {
		bm_verdict_set(v, BM_ENODEV, "core.opt.nodev", 0, "no interface named %s", dev);
		return finish(h, v);
	}
	if (o == BM_SO_LINGER ? value < -1 : (value != 0 && value != 1)) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0, "bad value %d for %s",
		               value, bm_option_name(o));
		return finish(h, v);
	}
	if (h->policy->setsockopt &&
	    h->policy->setsockopt(h, &s->info, o, value, v) != BM_OK)
		return finish(h, v);
	if (o == BM_SO_LINGER) {
		s->info.linger = value;
		value = value >= 0;
	} else if (o == BM_SO_BINDTODEVICE) {
		snprintf(s->info.dev, sizeof s->info.dev, "%s", dev ? dev : "");
		value = s->info.dev[0] != 0;
	} else if (o == BM_IPV6_V6ONLY && s->info.family == BM_AF_INET6) {
		s->info.v6only = value;
	}
	if (value)
		s->info.opts |= (unsigned)o;
	else
		s->info.opts &= ~(unsigned)o;
	bm_verdict_set(v, BM_OK, "core.opt.set", 0, "%s = %d", bm_option_name(o), value);
	return finish(h, v);
}

bm_result bm_setsockopt(bm_host *h, bm_sock s, bm_option o, int value, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	if (o == BM_SO_BINDTODEVICE) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0,
		               "SO_BINDTODEVICE takes an interface name");
		return finish(h, v);
	}
	return set_option(h, s, o, value, NULL, v);
}

bm_result bm_setsockopt_dev(bm_host *h, bm_sock s, const char *ifname, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	if (!ifname || strlen(ifname) >= BM_DEVLEN) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0, "bad interface name");
		return finish(h, v);
	}
	return set_option(h, s, BM_SO_BINDTODEVICE, ifname[0] != 0, ifname, v);
}

/* ----------------------------------------------------------------- bind */

static bm_endpoint wildcard_of(bm_family fam)
{
	bm_endpoint ep;
	memset(&ep, 0, sizeof ep);
	ep.family = fam;
	return ep;
}

/* Default bind() argument checks, in the order most systems share
 * (core.bind.state, core.bind.notlocal, core.bind.privport). */
static bm_result default_precheck(const bm_host *h, const bm_sock_info *s,
                                  const bm_endpoint *ep, bm_verdict *v)
{
	if (s->state != BM_STATE_CLOSED)
		return bm_verdict_set(v, BM_EINVAL, "core.bind.state", 0,
		                      "socket is already bound");
	if (!bm_addr_is_any(ep) && !bm_addr_is_multicast(ep) &&
	    !bm_host_addr_is_local(h, ep) && !h->knob[BM_KNOB_NONLOCAL_BIND] &&
	    !(s->opts & BM_IP_FREEBIND))
		return bm_verdict_set(v, BM_EADDRNOTAVAIL, "core.bind.notlocal", 0,
		                      "address is not local to this host");
	if (ep->port && ep->port < h->knob[BM_KNOB_UNPRIVILEGED_PORT_START] && s->uid != 0)
		return bm_verdict_set(v, BM_EACCES, "core.bind.privport", 0,
		                      "port %u is privileged and uid %u is not root",
		                      ep->port, s->uid);
	return BM_OK;
}

/* Find a free ephemeral port for cand (its address already set). */
static int pick_port(bm_host *h, bm_sock_info *cand, int for_connect,
                     const bm_endpoint *dst, bm_verdict *v)
{
	long lo = h->knob[BM_KNOB_EPHEMERAL_LO], hi = h->knob[BM_KNOB_EPHEMERAL_HI];
	if (h->policy->ephemeral_range)
		h->policy->ephemeral_range(h, cand, for_connect, &lo, &hi);
	for (int pass = 0; pass < 2; pass++) {
		/* odd ports first for bind(0), even ones for connect, as Linux
		 * prefers (a model decision, spec/core.md); the order is
		 * harmless elsewhere */
		int parity = (for_connect ? 0 : 1) ^ pass;
		for (long p = lo; p <= hi; p++) {
			if ((p & 1) != parity)
				continue;
			cand->local.port = (uint16_t)p;
			bm_port *o = bm_index_find(h, cand->proto, (uint16_t)p);
			int ok = 1;
			for (bm_sockrec *r = o ? o->first : NULL; ok && r; r = r->port_next) {
				const bm_sock_info *old = &r->info;
				if (old->id == cand->id)
					continue;
				bm_verdict scratch;
				memset(&scratch, 0, sizeof scratch);
				if (for_connect) {
					if (h->policy->connect_port)
						ok = h->policy->connect_port(h, cand, old, &scratch) != BM_MATCH_CONFLICT;
					else
						ok = !bm_overlap(cand, old);
					/* a connect never reuses a live four-tuple (a
					 * TIME_WAIT one is the policy's connect_port call) */
					if (ok && old->state != BM_STATE_LISTEN && !old->reset &&
					    !(h->policy->connect_port && old->state == BM_STATE_TIME_WAIT) &&
					    old->remote.port == dst->port &&
					    bm_addr_equal(&old->remote, dst) &&
					    bm_overlap(cand, old))
						ok = 0;
				} else {
					ok = policy_conflict(h, cand, old, BM_PHASE_EPHEMERAL, &scratch) !=
					     BM_MATCH_CONFLICT;
				}
			}
			if (ok)
				return 1;
		}
	}
	(void)v;
	cand->local.port = 0;
	return 0;
}

static void set_bound(bm_host *h, bm_sockrec *s, const bm_endpoint *ep, int explicit_port)
{
	s->info.local = *ep;
	s->info.bound = *ep;
	s->info.state = BM_STATE_BOUND;
	s->info.opts_at_bind = s->info.opts;
	s->info.explicit_port = explicit_port;
	s->info.bound_seq = ++h->seq;
	bm_index_add(h, s);
}

static bm_result family_check(bm_host *h, const bm_sockrec *s, const bm_endpoint *ep,
                              bm_verdict *v)
{
	if (!ep || (ep->family != BM_AF_INET && ep->family != BM_AF_INET6))
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no address");
	if (s->info.family == BM_AF_INET && ep->family != BM_AF_INET)
		return bm_verdict_set(v, BM_EAFNOSUPPORT, "core.family", 0,
		                      "an IPv6 address on an IPv4 socket");
	if (s->info.family == BM_AF_INET6 && ep->family != BM_AF_INET6)
		return bm_verdict_set(v, h->policy->family_mismatch ? h->policy->family_mismatch
		                                                    : BM_EINVAL,
		                      "core.family", 0,
		                      "an IPv4 address on an IPv6 socket (use ::ffff:a.b.c.d)");
	return BM_OK;
}

bm_result bm_bind(bm_host *h, bm_sock id, const bm_endpoint *ep, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bad_handle(h, id, v);
	if (family_check(h, s, ep, v) != BM_OK)
		return finish(h, v);
	bm_result r = h->policy->bind_precheck ? h->policy->bind_precheck(h, &s->info, ep, v)
	                                       : default_precheck(h, &s->info, ep, v);
	if (r != BM_OK)
		return finish(h, v);

	bm_sock_info cand = s->info;
	cand.local = *ep;
	cand.opts_at_bind = cand.opts;
	if (ep->port == 0) {
		if (!pick_port(h, &cand, 0, NULL, v)) {
			bm_verdict_set(v, h->policy->bind_exhausted, "core.ephemeral.exhausted", 0,
			               "no free port in %ld-%ld", h->knob[BM_KNOB_EPHEMERAL_LO],
			               h->knob[BM_KNOB_EPHEMERAL_HI]);
			return finish(h, v);
		}
	} else if (check_owners(h, &cand, BM_PHASE_BIND, v) != BM_OK) {
		return finish(h, v);
	}
	if (h->policy->bind_postcheck &&
	    h->policy->bind_postcheck(h, &s->info, &cand.local, v) != BM_OK)
		return finish(h, v);

	int was_reset = s->info.reset;
	set_bound(h, s, &cand.local, ep->port != 0);
	if (was_reset)
		s->info.state = BM_STATE_CONNECTED;   /* still connected for connect/listen */
	/* a specific IPv6 (not v4-mapped) address makes the socket v6only in
	 * effect (Linux __inet6_bind; it cannot take IPv4 traffic anywhere) */
	if (ep->family == BM_AF_INET6 && !bm_addr_is_any(ep) && !bm_addr_is_v4mapped(ep))
		s->info.v6only = 1;
	bm_index_join(h, s);
	char buf[BM_ENDPOINT_STRLEN];
	bm_verdict_set(v, BM_OK, "core.bind.ok", 0, "bound to %s",
	               bm_endpoint_format(&s->info.local, buf, sizeof buf));
	return finish(h, v);
}

/* --------------------------------------------------------------- listen */

bm_result bm_listen(bm_host *h, bm_sock id, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bad_handle(h, id, v);
	if (s->info.proto == BM_UDP) {
		bm_verdict_set(v, BM_EOPNOTSUPP, "core.listen.udp", 0, "UDP sockets cannot listen");
		return finish(h, v);
	}
	if (h->policy->listen_precheck &&
	    h->policy->listen_precheck(h, &s->info, v) != BM_OK)
		return finish(h, v);
	if (s->info.state == BM_STATE_CONNECTED) {
		bm_verdict_set(v, BM_EINVAL, "core.listen.connected", 0,
		               "a connected socket cannot listen");
		return finish(h, v);
	}
	if (s->info.state == BM_STATE_LISTEN) {
		bm_verdict_set(v, BM_OK, "core.listen.again", 0, "already listening");
		return finish(h, v);
	}
	bm_sock_info cand = s->info;
	cand.state = BM_STATE_LISTEN;
	if (s->info.state == BM_STATE_CLOSED) {
		/* autobind: as bind(wildcard, 0) (core.listen.autobind) */
		cand.local = wildcard_of(s->info.family);
		/* the address a close_releases_port socket kept, else zeros */
		memcpy(cand.local.addr, s->info.local.addr, sizeof cand.local.addr);
		cand.opts_at_bind = cand.opts;
		if (!pick_port(h, &cand, 0, NULL, v)) {
			bm_verdict_set(v, h->policy->bind_exhausted, "core.ephemeral.exhausted", 0,
			               "no free port to autobind");
			return finish(h, v);
		}
		set_bound(h, s, &cand.local, 0);
	} else if (check_owners(h, &cand, BM_PHASE_LISTEN, v) != BM_OK) {
		return finish(h, v);
	}
	s->info.state = BM_STATE_LISTEN;
	s->info.opts_at_listen = s->info.opts;
	bm_index_join(h, s);
	char buf[BM_ENDPOINT_STRLEN];
	bm_verdict_set(v, BM_OK, "core.listen.ok", 0, "listening on %s",
	               bm_endpoint_format(&s->info.local, buf, sizeof buf));
	return finish(h, v);
}

/* -------------------------------------------------------------- deliver */

/*
 * How well does socket s match a packet src -> dst?  0: not at all;
 * 1 wildcard; 2 specific address; 3 full four-tuple (connected).
 */
static int match_score(const bm_sock_info *s, bm_proto proto,
                       const bm_endpoint *src, const bm_endpoint *dst)
{
	if (s->proto != proto || s->local.port != dst->port || s->pending)
		return 0;
	if (s->reset || (proto == BM_TCP && s->state != BM_STATE_LISTEN &&
	                 s->state != BM_STATE_CONNECTED))
		return 0;
	if (proto == BM_UDP && s->state != BM_STATE_BOUND && s->state != BM_STATE_CONNECTED)
		return 0;
	/* does the socket's family/v6only admit a packet of dst's family? */
	bm_sock_info pkt;
	memset(&pkt, 0, sizeof pkt);
	pkt.family = dst->family;
	pkt.local = *dst;
	pkt.v6only = 1;
	if (!bm_overlap(s, &pkt))
		return 0;
	int score = bm_addr_is_any(&s->local) ? 1 : 2;
	if (s->state == BM_STATE_CONNECTED) {
		if (s->remote.port != src->port || !bm_addr_equal(&s->remote, src))
			return 0;
		score = 3;
	}
	return score;
}

static size_t default_deliver(const bm_host *h, bm_proto proto,
                              const bm_endpoint *src, const bm_endpoint *dst,
                              const bm_sock_info *cand, size_t n, int *score,
                              bm_sock *out, bm_verdict *v)
{
	(void)h;
	(void)src;
	if (n == 0)
		return 0;
	if (proto == BM_UDP && bm_addr_is_multicast(dst)) {
		for (size_t i = 0; i < n; i++)
			out[i] = cand[i].id;
		bm_verdict_set(v, BM_OK, "core.deliver.multicast", 0,
		               "a multicast datagram goes to every matching socket");
		return n;
	}
	/* cand is sorted by score, then newest first */
	out[0] = cand[0].id;
	(void)score;
	bm_verdict_set(v, BM_OK, "core.deliver.best", 0,
	               "the most specific match wins; among equals the newest");
	return 1;
}

bm_result bm_deliver(bm_host *h, bm_proto proto, const bm_endpoint *src,
                     const bm_endpoint *dst, bm_sock *out, size_t max,
                     size_t *n, bm_verdict *v)
{
	VERDICT(v);
	if (n)
		*n = 0;
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	if (!src || !dst || (proto != BM_TCP && proto != BM_UDP) || src->family != dst->family) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "bad packet");
		return finish(h, v);
	}
	bm_port *o = bm_index_find(h, proto, dst->port);
	size_t cnt = 0;
	bm_sock_info *cand = NULL;
	int *score = NULL;
	bm_sock *chosen = NULL;
	if (o && o->n) {
		cand = malloc(o->n * sizeof *cand);
		score = malloc(o->n * sizeof *score);
		chosen = malloc(o->n * sizeof *chosen);
		if (!cand || !score || !chosen) {
			free(cand);
			free(score);
			free(chosen);
			bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
			return finish(h, v);
		}
		/* newest first, then a stable sort by score */
		for (const bm_sockrec *r = o->last; r; r = r->port_prev) {
			const bm_sock_info *s = &r->info;
			int sc = match_score(s, proto, src, dst);
			if (!sc)
				continue;
			size_t j = cnt++;
			while (j > 0 && score[j - 1] < sc) {
				cand[j] = cand[j - 1];
				score[j] = score[j - 1];
				j--;
			}
			cand[j] = *s;
			score[j] = sc;
		}
	}
	size_t got = 0;
	if (cnt) {
		got = h->policy->deliver
			? h->policy->deliver(h, proto, src, dst, cand, cnt, score, chosen, v)
			: default_deliver(h, proto, src, dst, cand, cnt, score, chosen, v);
		if (got > cnt)
			got = cnt;
	}
	for (size_t i = 0; i < got && i < max && out; i++)
		out[i] = chosen[i];
	if (n)
		*n = got < max ? got : max;
	if (!got)
		bm_verdict_set(v, BM_ECONNREFUSED, "core.deliver.none", 0,
		               "no socket is bound to that port and address");
	free(cand);
	free(score);
	free(chosen);
	return finish(h, v);
}

/* -------------------------------------------------------------- connect */

static int grow_queue(bm_sockrec *l)
{
	if (l->nqueue < l->capqueue)
		return 0;
	size_t cap = l->capqueue ? l->capqueue * 2 : 4;
	bm_sock *n = realloc(l->queue, cap * sizeof *n);
	if (!n)
		return -1;
	l->queue = n;
	l->capqueue = cap;
	return 0;
}

/* The source address for a socket bound to a wildcard (core.connect.source):
 * loopback for a loopback peer, the peer itself when it is one of our
 * addresses, else the first configured address of the family. */
static int choose_source(const bm_host *h, const bm_sockrec *s, const bm_endpoint *dst,
                         bm_endpoint *src)
{
	*src = s->info.local;
	/* a TCP socket bound to a group address has no source address yet
	 * (Linux __inet_bind clears inet_saddr for multicast/broadcast and
	 * tcp_v4_connect takes the routed source; observed by explore) */
	int group = s->info.proto == BM_TCP && bm_addr_is_multicast(&s->info.local);
	/* (a CLOSED socket has an address only when close_releases_port
	 * took its port and left the address bind() named) */
	if (!bm_addr_is_any(&s->info.local) && !group)
		return 0;
	uint16_t port = src->port;
	int v4 = dst->family == BM_AF_INET || bm_addr_is_v4mapped(dst);
	memset(src->addr, 0, sizeof src->addr);
	src->family = s->info.family;
	if (bm_addr_is_loopback(dst) && v4 && h->policy->loopback_prefsrc) {
		/* the route of all of 127/8 prefers 127.0.0.1 (linux.connect.prefsrc) */
		int off = s->info.family == BM_AF_INET6 ? 12 : 0;
		if (off)
			src->addr[10] = src->addr[11] = 0xff;
		src->addr[off] = 127;
		src->addr[off + 3] = 1;
	} else if (bm_addr_is_loopback(dst) || bm_host_addr_is_local(h, dst)) {
		memcpy(src->addr, dst->addr, 16);
	} else {
		size_t i;
		for (i = 0; i < h->naddrs; i++)
			if ((h->addrs[i].addr.family == BM_AF_INET) == v4)
				break;
		if (i == h->naddrs)
			return -1;
		if (s->info.family == BM_AF_INET6 && v4) {
			src->addr[10] = src->addr[11] = 0xff;
			memcpy(src->addr + 12, h->addrs[i].addr.addr, 4);
		} else {
			memcpy(src->addr, h->addrs[i].addr.addr, 16);
		}
	}
	src->port = port;
	return 0;
}

/* Find the owner of the same four-tuple among the owners of cand's port. */
static const bm_sock_info *find_tuple(const bm_host *h, const bm_sock_info *cand,
                                      const bm_endpoint *dst)
{
	bm_port *o = bm_index_find(h, cand->proto, cand->local.port);
	for (bm_sockrec *r = o ? o->first : NULL; r; r = r->port_next) {
		const bm_sock_info *old = &r->info;
		if (old->id == cand->id)
			continue;
		if ((old->state != BM_STATE_CONNECTED && old->state != BM_STATE_TIME_WAIT) ||
		    old->reset)
			continue;
		if (old->remote.port == dst->port && bm_addr_equal(&old->remote, dst) &&
		    bm_addr_equal(&old->local, &cand->local))
			return old;
	}
	return NULL;
}

static void release(bm_host *h, bm_sockrec *s)
{
	bm_index_remove(h, s);
	s->info.state = BM_STATE_GONE;
	free(s->queue);
	s->queue = NULL;
	s->nqueue = s->capqueue = 0;
}

bm_result bm_connect(bm_host *h, bm_sock id, const bm_endpoint *ep, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bad_handle(h, id, v);
	if (!ep || (ep->family != BM_AF_INET && ep->family != BM_AF_INET6)) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no address");
		return finish(h, v);
	}
	int tcp = s->info.proto == BM_TCP;
	if (tcp && s->info.state == BM_STATE_CONNECTED) {
		bm_verdict_set(v, BM_EISCONN, "core.connect.isconn", 0, "already connected");
		return finish(h, v);
	}
	if (!tcp && s->info.state == BM_STATE_CLOSED && h->policy->udp_connect_autobind) {
		/* bind to the wildcard and a port before anything else looks at
		 * the destination (policy flag udp_connect_autobind) */
		bm_sock_info cand = s->info;
		cand.local = wildcard_of(s->info.family);
		cand.opts_at_bind = cand.opts;
		if (!pick_port(h, &cand, 0, NULL, v)) {
			bm_verdict_set(v, h->policy->udp_autobind_exhausted, "core.ephemeral.exhausted",
			               0, "no free port to autobind");
			return finish(h, v);
		}
		set_bound(h, s, &cand.local, 0);
		s->info.port_from_connect = 1;
	}
	/* the OS's own checks of the call */
	if (h->policy->connect_precheck &&
	    h->policy->connect_precheck(h, &s->info, ep, v) != BM_OK)
		return finish(h, v);
	if (tcp && s->info.state == BM_STATE_LISTEN) {
		bm_verdict_set(v, h->policy->connect_on_listen, "core.connect.listen", 0,
		               "a listening socket cannot connect");
		return finish(h, v);
	}
	/* the state is checked before the address (Linux __inet_stream_connect
	 * before tcp_v6_connect; BSD soconnect before pru_connect) */
	bm_endpoint mapped;
	if (!tcp && ep->family == BM_AF_INET && s->info.family == BM_AF_INET6 &&
	    h->policy->udp6_connect_v4) {
		/* an IPv4 address on a UDP IPv6 socket means its v4-mapped form,
		 * unless the socket is v6only (policy flag udp6_connect_v4) */
		if (s->info.v6only) {
			bm_verdict_set(v, BM_EAFNOSUPPORT, "core.family", 0,
			               "an IPV6_V6ONLY socket cannot take an IPv4 address");
			return finish(h, v);
		}
		memset(&mapped, 0, sizeof mapped);
		mapped.family = BM_AF_INET6;
		mapped.addr[10] = mapped.addr[11] = 0xff;
		memcpy(mapped.addr + 12, ep->addr, 4);
		mapped.port = ep->port;
		ep = &mapped;
	}
	if (ep->family != s->info.family) {
		bm_result mismatch = h->policy->family_mismatch ? h->policy->family_mismatch
		                                                : BM_EINVAL;
		bm_verdict_set(v, s->info.family == BM_AF_INET6 ? mismatch : BM_EAFNOSUPPORT,
		               "core.family", 0, "address family does not match the socket");
		return finish(h, v);
	}
	if ((ep->port == 0 && (tcp || !h->policy->udp_connect_port0)) ||
	    (tcp && bm_addr_is_multicast(ep))) {
		bm_verdict_set(v, tcp ? BM_ECONNREFUSED : BM_EINVAL, "core.connect.dest", 0,
		               "cannot connect to that destination");
		return finish(h, v);
	}
	bm_endpoint dst = *ep;
	if (bm_addr_is_any(&dst)) {
		/* connecting to the wildcard means this host (core.connect.any) */
		/* an IPv6 socket on a v4-mapped address reaches ::ffff:127.0.0.1
		 * (Linux tcp_v6_connect, __ip6_datagram_connect) */
		if (bm_addr_is_v4mapped(&s->info.local)) {
			dst.addr[10] = dst.addr[11] = 0xff;
		}
		if (dst.family == BM_AF_INET || bm_addr_is_v4mapped(&dst)) {
			int off = dst.family == BM_AF_INET ? 0 : 12;
			dst.addr[off] = 127;
			dst.addr[off + 3] = 1;
		} else {
			dst.addr[15] = 1;
		}
	}

	/* a local peer must be listening (TCP): find it before taking a port */
	int dst_local = bm_addr_is_loopback(&dst) || bm_host_addr_is_local(h, &dst);
	bm_sockrec *listener = NULL;
	bm_sock_info cand = s->info;
	if (choose_source(h, s, &dst, &cand.local) != 0) {
		bm_verdict_set(v, BM_ENETUNREACH, "core.connect.noroute", 0,
		               "no local address to reach %s from",
		               bm_addr_format(&dst, (char[BM_ENDPOINT_STRLEN]){0}, BM_ENDPOINT_STRLEN));
		return finish(h, v);
	}
	int autobind = s->info.state == BM_STATE_CLOSED;
	cand.remote = dst;
	if (autobind) {
		cand.opts_at_bind = cand.opts;
		if (!pick_port(h, &cand, tcp, &dst, v)) {
			bm_result code = tcp ? h->policy->connect_exhausted
			                     : h->policy->udp_autobind_exhausted;
			bm_verdict_set(v, code, "core.ephemeral.exhausted", 0,
			               "no free ephemeral port in %ld-%ld for this destination",
			               h->knob[BM_KNOB_EPHEMERAL_LO], h->knob[BM_KNOB_EPHEMERAL_HI]);
			return finish(h, v);
		}
	}
	if (tcp || h->policy->udp_connect_tuple) {
		const bm_sock_info *old = find_tuple(h, &cand, &dst);
		if (old) {
			bm_result r;
			if (h->policy->tuple_clash)
				r = h->policy->tuple_clash(h, &cand, old, autobind, v);
			else
				r = bm_verdict_set(v, h->policy->connect_tuple_error,
				                   "core.connect.tuple", old->id,
				                   "socket %d already has this four-tuple", old->id);
			if (r != BM_OK)
				return finish(h, v);
			/* the policy let us take over a TIME_WAIT four-tuple */
			bm_sockrec *tw = h->socks[old->id - 1];
			if (tw->info.state == BM_STATE_TIME_WAIT)
				release(h, tw);
		}
	}
	if (tcp) {
		if (dst_local) {
			bm_sock got[1];
			size_t n = 0;
			bm_verdict dv;
			bm_endpoint src = cand.local;
			bm_deliver(h, BM_TCP, &src, &dst, got, 1, &n, &dv);
			if (n == 1) {
				bm_sockrec *l = h->socks[got[0] - 1];
				if (l->info.state == BM_STATE_LISTEN)
					listener = l;
			}
			/* a socket that connects to its own address and port meets
			 * itself: TCP simultaneous open (core.connect.self) */
			int self = cand.local.port == dst.port && bm_addr_equal(&cand.local, &dst);
			if (!listener && !self) {
				/* a socket bound to an address that is not its family's
				 * plain wildcard (a group, ::ffff:0.0.0.0) keeps the
				 * source its connect chose (policy flag
				 * refused_keeps_source) */
				int plain_any = bm_addr_is_any(&s->info.local) &&
				                (s->info.family == BM_AF_INET ||
				                 !bm_addr_is_v4mapped(&s->info.local));
				if (h->policy->refused_keeps_source && s->info.state == BM_STATE_BOUND &&
				    !plain_any)
					s->info.local = cand.local;
				/* a port bind() did not name goes back (policy flag
				 * close_releases_port); the address stays */
				if (h->policy->close_releases_port && s->info.state == BM_STATE_BOUND &&
				    !s->info.explicit_port) {
					bm_index_remove(h, s);
					s->info.state = BM_STATE_CLOSED;
					s->info.local.port = 0;
				}
				bm_verdict_set(v, BM_ECONNREFUSED, "core.connect.refused", 0,
				               "nothing listens on the destination");
				return finish(h, v);
			}
		}
	}

	/* commit */
	if (s->info.state == BM_STATE_CLOSED) {
		set_bound(h, s, &cand.local, 0);
		s->info.port_from_connect = 1;
	} else if (!(s->info.local.family == cand.local.family &&
	             memcmp(s->info.local.addr, cand.local.addr, 16) == 0)) {
		s->info.local = cand.local;   /* wildcard narrowed to the source */
	}
	s->info.remote = dst;
	s->info.state = BM_STATE_CONNECTED;
	s->info.connected_seq = ++h->seq;
	if (listener) {
		bm_sockrec *c = new_socket(h);
		if (!c || grow_queue(listener) != 0) {
			bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
			return finish(h, v);
		}
		/* an accepted child shares the listener's port and takes its
		 * options and owner (core.accept.child) */
		c->info.family = listener->info.family;
		c->info.proto = BM_TCP;
		c->info.uid = listener->info.uid;
		c->info.opts = c->info.opts_at_bind = listener->info.opts;
		c->info.v6only = listener->info.v6only;
		c->info.linger = listener->info.linger;
		memcpy(c->info.dev, listener->info.dev, sizeof c->info.dev);
		c->info.local = dst;
		if (listener->info.family == BM_AF_INET6 && dst.family == BM_AF_INET) {
			c->info.local.family = BM_AF_INET6;
			memset(c->info.local.addr, 0, 16);
			c->info.local.addr[10] = c->info.local.addr[11] = 0xff;
			memcpy(c->info.local.addr + 12, dst.addr, 4);
		}
		c->info.remote = s->info.local;
		c->info.state = BM_STATE_CONNECTED;
		c->info.parent = listener->info.id;
		c->info.pending = 1;
		c->info.explicit_port = listener->info.explicit_port;
		c->info.bound_seq = ++h->seq;
		c->peer = s->info.id;
		s->peer = c->info.id;
		bm_index_add(h, c);
		listener->queue[listener->nqueue++] = c->info.id;
	}
	char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN];
	bm_verdict_set(v, BM_OK, "core.connect.ok", 0, "%s -> %s",
	               bm_endpoint_format(&s->info.local, a, sizeof a),
	               bm_endpoint_format(&dst, b, sizeof b));
	return finish(h, v);
}

/* --------------------------------------------------------------- accept */

bm_result bm_accept(bm_host *h, bm_sock id, bm_sock *child, bm_verdict *v)
{
	VERDICT(v);
	if (child)
		*child = BM_NO_SOCK;
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	bm_sockrec *l = bm_host_live_sock(h, id);
	if (!l)
		return bad_handle(h, id, v);
	if (l->info.proto != BM_TCP) {
		bm_verdict_set(v, h->policy->accept_udp ? h->policy->accept_udp : BM_EOPNOTSUPP,
		               "core.accept.udp", 0, "UDP sockets do not accept");
		return finish(h, v);
	}
	if (l->info.state != BM_STATE_LISTEN) {
		bm_verdict_set(v, BM_EINVAL, "core.accept.notlisten", 0, "socket is not listening");
		return finish(h, v);
	}
	if (l->nqueue == 0) {
		bm_verdict_set(v, BM_EAGAIN, "core.accept.empty", 0, "no connection is waiting");
		return finish(h, v);
	}
	bm_sock c = l->queue[0];
	memmove(l->queue, l->queue + 1, (l->nqueue - 1) * sizeof *l->queue);
	l->nqueue--;
	h->socks[c - 1]->info.pending = 0;
	if (child)
		*child = c;
	char a[BM_ENDPOINT_STRLEN];
	bm_verdict_set(v, BM_OK, "core.accept.ok", 0, "socket %d from %s", c,
	               bm_endpoint_format(&h->socks[c - 1]->info.remote, a, sizeof a));
	return finish(h, v);
}

/* ---------------------------------------------------------------- close */

static void reset_peer(bm_host *h, bm_sockrec *s)
{
	bm_sockrec *p = s->peer ? h->socks[s->peer - 1] : NULL;
	if (!p || p->peer != s->info.id)
		return;
	/* an RST ends the peer's connection; a peer that closed first and
	 * waits in FIN_WAIT2 is gone at once (core.close.abort) */
	if (p->info.state == BM_STATE_CONNECTED) {
		p->info.reset = 1;
		/* a port bind() did not name goes back (an accepted child
		 * never named one): port 0 until the socket binds again
		 * (policy flag close_releases_port) */
		if (h->policy->close_releases_port && (!p->info.explicit_port || p->info.parent)) {
			bm_index_remove(h, p);
			p->info.local.port = 0;
		}
	} else if (p->info.state == BM_STATE_TIME_WAIT && p->info.fin_wait2)
		release(h, p);
}

bm_result bm_close(bm_host *h, bm_sock id, bm_verdict *v)
{
	VERDICT(v);
	if (!h)
		return bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bad_handle(h, id, v);
	if (s->info.state == BM_STATE_LISTEN) {
		/* children not yet accepted are reset; accepted ones live on
		 * and keep the port (core.close.listener) */
		for (size_t i = 0; i < s->nqueue; i++) {
			bm_sockrec *c = h->socks[s->queue[i] - 1];
			reset_peer(h, c);
			release(h, c);
		}
		release(h, s);
		bm_verdict_set(v, BM_OK, "core.close.listener", 0, "listener closed");
		return finish(h, v);
	}
	if (s->info.proto == BM_TCP && s->info.state == BM_STATE_CONNECTED) {
		if (s->info.linger == 0 || s->info.reset) {
			if (!s->info.reset)
				reset_peer(h, s);
			release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.abort", 0,
			               s->info.reset ? "connection was reset: no TIME_WAIT"
			                        : "SO_LINGER 0 aborts: no TIME_WAIT");
			return finish(h, v);
		}
		bm_sockrec *p = s->peer ? h->socks[s->peer - 1] : NULL;
		if (s->info.peer_closed) {
			/* our FIN reaches the peer in FIN_WAIT2: its TIME_WAIT
			 * starts now (core.close.passive) */
			if (p && p->info.state == BM_STATE_TIME_WAIT && p->info.fin_wait2) {
				p->info.fin_wait2 = 0;
				p->info.tw_expires_ms =
					h->now_ms + (uint64_t)h->knob[BM_KNOB_TIME_WAIT_MS];
			}
			release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.passive", 0,
			               "the peer closed first: passive close, no TIME_WAIT");
			return finish(h, v);
		}
		if (p && p->peer == s->info.id) {
			p->info.peer_closed = 1;
			/* the peer has not closed: we wait in FIN_WAIT2 */
			s->info.fin_wait2 = p->info.state == BM_STATE_CONNECTED;
		}
		if (h->knob[BM_KNOB_NOLOCAL_TIMEWAIT] && bm_host_addr_is_local(h, &s->info.remote)) {
			release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.nolocaltimewait", 0,
			               "the peer is a local address: no TIME_WAIT");
			return finish(h, v);
		}
		s->info.state = BM_STATE_TIME_WAIT;
		s->info.tw_expires_ms = h->now_ms + (uint64_t)h->knob[BM_KNOB_TIME_WAIT_MS];
		if (h->knob[BM_KNOB_TIME_WAIT_MS] == 0)
			release(h, s);
		bm_verdict_set(v, BM_OK, "core.close.timewait", 0,
		               "active close: TIME_WAIT for %ld ms", h->knob[BM_KNOB_TIME_WAIT_MS]);
		return finish(h, v);
	}
	release(h, s);
	bm_verdict_set(v, BM_OK, "core.close.release", 0, "closed; port released");
	return finish(h, v);
}

void bm_advance(bm_host *h, uint64_t ms)
{
	if (!h)
		return;
	h->now_ms = ms > UINT64_MAX - h->now_ms ? UINT64_MAX : h->now_ms + ms;
	for (size_t i = 0; i < h->nsocks; i++) {
		bm_sockrec *s = h->socks[i];
		if (s->info.state == BM_STATE_TIME_WAIT && s->info.tw_expires_ms <= h->now_ms)
			release(h, s);
	}
}

/* ---------------------------------------------------------------- query */

bm_result bm_sock_query(const bm_host *h, bm_sock id, bm_sock_info *out)
{
	bm_sockrec *s = bm_host_sock(h, id);
	if (!s)
		return BM_EBADF;
	if (out)
		*out = s->info;
	return BM_OK;
}

void bm_sock_foreach(const bm_host *h, int (*fn)(const bm_sock_info *s, void *arg),
                     void *arg)
{
	if (!h || !fn)
		return;
	for (size_t i = 0; i < h->nsocks; i++) {
		bm_sockrec *s = h->socks[i];
		if (s->info.state != BM_STATE_GONE && fn(&s->info, arg))
			return;
	}
}
