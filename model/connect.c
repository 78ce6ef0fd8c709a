/* SPDX-License-Identifier: MIT */
/*
 * connect.c: connect() (autobind, source address choice, four-tuple
 * uniqueness, handshakes with listeners on this host or, on a net, on the
 * host that owns the destination; non-blocking connects) and accept().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* -------------------------------------------------------------- connect */

int bm_grow_queue(bm_host *h, bm_sockrec *l)
{
	bm_sockextra *e = bm_extra_make(h, l);
	if (!e)
		return -1;
	size_t n = e->queue ? e->queue->n : 0, cap = e->queue ? e->queue->cap : 0;
	if (n < cap)
		return 0;
	cap = cap ? cap * 2 : 4;
	bm_queue *q = realloc(e->queue, sizeof *q + cap * sizeof q->v[0]);
	if (!q)
		return -1;
	q->n = n;
	q->cap = cap;
	e->queue = q;
	return 0;
}

/* ep as a socket of family fam sees it: an IPv4 address is ::ffff:a.b.c.d
 * to an IPv6 socket, and a v4-mapped one plain IPv4 to an IPv4 socket. */
static bm_endpoint as_seen_by(bm_family fam, const bm_endpoint *ep)
{
	bm_endpoint out = *ep;
	if (fam == BM_AF_INET6 && ep->family == BM_AF_INET) {
		out.family = BM_AF_INET6;
		memset(out.addr, 0, 16);
		out.addr[10] = out.addr[11] = 0xff;
		memcpy(out.addr + 12, ep->addr, 4);
	} else if (fam == BM_AF_INET && bm_addr_is_v4mapped(ep)) {
		out.family = BM_AF_INET;
		memset(out.addr, 0, 16);
		memcpy(out.addr, ep->addr + 12, 4);
	}
	return out;
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
			*src = as_seen_by(BM_AF_INET6, &h->addrs[i].addr);
		} else {
			memcpy(src->addr, h->addrs[i].addr.addr, 16);
		}
	}
	src->port = port;
	return 0;
}

static int has_tuple(const bm_sock_info *old, const bm_sock_info *cand, const bm_endpoint *dst)
{
	return old->id != cand->id &&
	       (old->state == BM_STATE_CONNECTED || old->state == BM_STATE_TIME_WAIT) &&
	       !old->reset && old->remote.port == dst->port && bm_addr_equal(&old->remote, dst) &&
	       bm_addr_equal(&old->local, &cand->local);
}

/* Find the owner of the same four-tuple among the owners of cand's port:
 * the first in the port's order.  The four-tuple index finds it without a
 * walk when it finds one; two (a rare TIME_WAIT beside its successor) are
 * ordered by the walk. */
static const bm_sock_info *find_tuple(const bm_host *h, const bm_sock_info *cand,
                                      const bm_endpoint *dst)
{
	if (!h->no_tuples && dst->port) {
		const bm_sock_info *found = NULL;
		size_t at = 0, n = 0;
		for (bm_sockrec *r; n < 2 && (r = bm_tuple_next(h, cand->proto, cand->local.port, dst,
		                                                    &at));)
			if (has_tuple(&r->info, cand, dst)) {
				found = &r->info;
				n++;
			}
		if (n < 2)
			return found;
	}
	bm_port *o = bm_index_find(h, cand->proto, cand->local.port);
	for (bm_sockrec *r = o ? bm_rec_at(h, o->first) : NULL; r; r = bm_rec_at(h, r->port_next))
		if (has_tuple(&r->info, cand, dst))
			return &r->info;
	return NULL;
}

bm_sockrec *bm_peer_of(bm_host *h, const bm_sockrec *s, bm_host **ph)
{
	const bm_sockextra *e = bm_extra(h, s);
	bm_host *host = e && e->peer_host ? e->peer_host : h;
	bm_sockrec *p = e && e->peer ? bm_host_sock(host, e->peer) : NULL;
	const bm_sockextra *pe = p ? bm_extra(host, p) : NULL;
	/* the peer must point back at s, on s's host */
	if (!pe || pe->peer != s->info.id || (pe->peer_host ? pe->peer_host : host) != h)
		return NULL;
	if (ph)
		*ph = host;
	return p;
}

bm_result bm_sock_peer(bm_host *h, bm_sock id, bm_host **peer_host, bm_sock *peer)
{
	bm_sockrec *s = bm_host_sock(h, id);
	bm_host *ph = NULL;
	bm_sockrec *p = s ? bm_peer_of(h, s, &ph) : NULL;
	if (peer_host)
		*peer_host = p ? ph : NULL;
	if (peer)
		*peer = p ? p->info.id : BM_NO_SOCK;
	return !s ? BM_EBADF : p ? BM_OK : BM_ENOENT;
}

static int is_family(const bm_host *h, const char *fam)
{
	return h->policy->family && strcmp(h->policy->family, fam) == 0;
}

/* A second connect() collects what a non-blocking one came to
 * (core.connect.collect): the refusal on every system; after a handshake,
 * ok once on Linux (__inet_stream_connect moves SS_CONNECTING to
 * SS_CONNECTED and returns 0; observed), EISCONN elsewhere (FreeBSD
 * soconnectat; Windows connect(): WSAEISCONN). */
static bm_result collect(bm_host *h, bm_sockrec *s, bm_verdict *v)
{
	bm_sockextra *e = bm_extra(h, s);   /* there: it is connecting */
	e->connecting = 0;
	if (e->conn_result != BM_OK)
		bm_verdict_set(v, (bm_result)e->conn_result, "core.connect.collect", 0,
		               "the non-blocking connect() was refused; this call reports it");
	else if (is_family(h, "linux"))
		bm_verdict_set(v, BM_OK, "core.connect.collect", 0,
		               "the handshake completed; this connect() reports it once");
	else
		bm_verdict_set(v, BM_EISCONN, "core.connect.isconn", 0, "already connected");
	return bm_finish(h, v);
}

/* A non-blocking TCP connect() that starts a handshake returns at once
 * (core.connect.inprogress): EINPROGRESS, on Windows WSAEWOULDBLOCK.  The
 * model completes the handshake at once; result is what the next
 * connect() collects. */
static bm_result in_progress(bm_host *h, bm_sockrec *s, bm_result result, bm_verdict *v)
{
	bm_sockextra *e = bm_extra(h, s);   /* bm_connect_ex made it first */
	e->connecting = 1;
	e->conn_result = (uint8_t)result;
	bm_verdict_set(v, is_family(h, "windows") ? BM_EAGAIN : BM_EINPROGRESS,
	               "core.connect.inprogress", 0,
	               "non-blocking: the handshake goes on (it will come to %s)",
	               bm_result_name(result));
	return bm_finish(h, v);
}

/* Does a socket listen where a SYN to dst arrives? */
static int listens_at(const bm_host *h, const bm_endpoint *dst)
{
	bm_sock_info probe;
	memset(&probe, 0, sizeof probe);
	probe.proto = BM_TCP;
	probe.family = dst->family;
	probe.local = *dst;
	probe.v6only = dst->family == BM_AF_INET6 && !bm_addr_is_v4mapped(dst);
	bm_port *o = bm_index_find(h, BM_TCP, dst->port);
	for (const bm_sockrec *r = o ? bm_rec_at(h, o->first) : NULL; r;
	     r = bm_rec_at(h, r->port_next))
		if (r->info.state == BM_STATE_LISTEN && bm_overlap(&probe, &r->info))
			return 1;
	return 0;
}

/* A SYN for a four-tuple that the server host still holds ends the old
 * connection there (core.connect.synold): a TIME_WAIT socket is replaced
 * (RFC 1122 4.2.2.13; FreeBSD tcp_twcheck; Linux tcp_v4_rcv TCP_TW_SYN only
 * when a listener takes it: policy flag tw_syn_needs_listener), a
 * half-closed one is reset. */
static int syn_meets_old(bm_host *rh, const bm_endpoint *dst, const bm_endpoint *src)
{
	int ended = 0;   /* how many old connections the SYN ended */
	int tw_stays = rh->tw_syn_needs_listener && !listens_at(rh, dst);
	bm_port *o = bm_index_find(rh, BM_TCP, dst->port);
	for (bm_sockrec *r = o ? bm_rec_at(rh, o->first) : NULL; r;) {
		bm_sockrec *next = bm_rec_at(rh, r->port_next);
		const bm_sock_info *old = &r->info;
		if ((old->state == BM_STATE_CONNECTED ||
		     (old->state == BM_STATE_TIME_WAIT && !tw_stays)) &&
		    !old->reset && old->remote.port == src->port &&
		    bm_addr_equal(&old->remote, src) && bm_addr_equal(&old->local, dst)) {
			if (old->state == BM_STATE_TIME_WAIT)
				bm_release(rh, r);
			else
				r->info.reset = 1;
			ended++;
		}
		r = next;
	}
	return ended;
}

void bm_release(bm_host *h, bm_sockrec *s)
{
	if (s->info.state == BM_STATE_GONE)
		return;
	bm_index_remove(h, s);
	s->info.state = BM_STATE_GONE;
	bm_extra_drop(h, s);   /* its queue too */
	s->port_next = h->gone;   /* freed when the operation ends */
	h->gone = bm_rec_link(h, s);
}

bm_result bm_connect(bm_host *h, bm_sock id, const bm_endpoint *ep, bm_verdict *v)
{
	return bm_connect_ex(h, id, ep, 0, v);
}

/* connect() on an unbound UDP socket binds it to the wildcard and a port
 * before anything else looks at the destination (policy flag
 * udp_connect_autobind); the binding stays even if connect() then fails.
 * 0, or -1 with the verdict set. */
static int udp_autobind_first(bm_host *h, bm_sockrec *s, bm_verdict *v)
{
	bm_sock_info cand = s->info;
	cand.local = bm_wildcard_of(s->info.family);
	if (bm_autobind(h, s, &cand, h->codes.udp_autobind_exhausted, v) != 0)
		return -1;
	s->info.port_from_connect = 1;
	return 0;
}

/* Connecting to the wildcard means this host (core.connect.any): the
 * loopback address of the destination's family.  An IPv6 socket on a
 * v4-mapped address reaches ::ffff:127.0.0.1 (Linux tcp_v6_connect,
 * __ip6_datagram_connect). */
static void aim_at_this_host(const bm_sockrec *s, bm_endpoint *dst)
{
	if (bm_addr_is_v4mapped(&s->info.local)) {
		dst->addr[10] = dst->addr[11] = 0xff;
	}
	if (dst->family == BM_AF_INET || bm_addr_is_v4mapped(dst)) {
		int off = dst->family == BM_AF_INET ? 0 : 12;
		dst->addr[off] = 127;
		dst->addr[off + 3] = 1;
	} else {
		dst->addr[15] = 1;
	}
}

/* The destination the socket will connect to, after the core's checks of
 * the address (family, port 0, a TCP group); these run after the state
 * checks (Linux __inet_stream_connect before tcp_v6_connect; BSD soconnect
 * before pru_connect).  0 with *dst set, or -1 with the verdict set. */
static int resolve_destination(const bm_host *h, const bm_sockrec *s, const bm_endpoint *ep,
                               int nonblock, bm_endpoint *dst, bm_verdict *v)
{
	int tcp = s->info.proto == BM_TCP;
	*dst = *ep;
	if (!tcp && ep->family == BM_AF_INET && s->info.family == BM_AF_INET6 &&
	    h->policy->udp6_connect_v4) {
		/* an IPv4 address on a UDP IPv6 socket means its v4-mapped form,
		 * unless the socket is v6only (policy flag udp6_connect_v4) */
		if (s->info.v6only) {
			bm_verdict_set(v, BM_EAFNOSUPPORT, "core.family", 0,
			               "an IPV6_V6ONLY socket cannot take an IPv4 address");
			return -1;
		}
		*dst = as_seen_by(BM_AF_INET6, ep);
	}
	if (dst->family != s->info.family) {
		bm_result mismatch = h->policy->family_mismatch ? h->policy->family_mismatch
		                                                : BM_EINVAL;
		bm_verdict_set(v, s->info.family == BM_AF_INET6 ? mismatch : BM_EAFNOSUPPORT,
		               "core.family", 0, "address family does not match the socket");
		return -1;
	}
	/* a non-blocking TCP connect() to port 0 sends its SYN like any other
	 * and learns of the refusal later: EINPROGRESS, through the refused
	 * path below (Linux tcp_v4_connect has no port check; shadow's
	 * test_connect.rs test_port_zero, observed on Linux 6.18) */
	int port0 = dst->port == 0 && !(tcp && nonblock);
	if ((port0 && (tcp || !h->policy->udp_connect_port0)) ||
	    (tcp && bm_addr_is_multicast(dst))) {
		bm_verdict_set(v, tcp ? BM_ECONNREFUSED : BM_EINVAL, "core.connect.dest", 0,
		               "cannot connect to that destination");
		return -1;
	}
	if (bm_addr_is_any(dst))
		aim_at_this_host(s, dst);
	return 0;
}

/* The local end cand will have: the source address, and for an unbound
 * socket an ephemeral port free for this destination.  Nothing is taken
 * yet.  0, or -1 with the verdict set. */
static int choose_local_end(bm_host *h, const bm_sockrec *s, const bm_endpoint *dst,
                            int autobind, bm_sock_info *cand, bm_verdict *v)
{
	int tcp = s->info.proto == BM_TCP;
	*cand = s->info;
	if (choose_source(h, s, dst, &cand->local) != 0) {
		bm_verdict_set(v, BM_ENETUNREACH, "core.connect.noroute", 0,
		               "no local address to reach %s from",
		               bm_addr_format(dst, (char[BM_ENDPOINT_STRLEN]){0}, BM_ENDPOINT_STRLEN));
		return -1;
	}
	cand->remote = *dst;
	if (!autobind)
		return 0;
	cand->opts_at_bind = cand->opts;
	if (!bm_pick_port(h, cand, tcp, dst, v)) {
		bm_result code = tcp ? h->codes.connect_exhausted : h->codes.udp_autobind_exhausted;
		bm_verdict_set(v, code,
		               bm_choice_rule(h, cand, BM_CHOICE_CONNECT_PORT, 0,
		                              "core.ephemeral.exhausted"),
		               0, "no free ephemeral port in %ld-%ld for this destination",
		               h->knob[BM_KNOB_EPHEMERAL_LO], h->knob[BM_KNOB_EPHEMERAL_HI]);
		return -1;
	}
	return 0;
}

/* Another socket with the same four-tuple: the policy decides (tuple_clash;
 * default core.connect.tuple) and may let a TIME_WAIT one be taken over,
 * which releases it.  0, or -1 with the verdict set. */
static int check_tuple(bm_host *h, const bm_sock_info *cand, const bm_endpoint *dst,
                       int autobind, const char **allowed, bm_verdict *v)
{
	const bm_sock_info *old = find_tuple(h, cand, dst);
	if (!old)
		return 0;
	bm_result r;
	v->rule = NULL;   /* what follows is the hook's answer only */
	if (h->policy->tuple_clash)
		r = h->policy->tuple_clash(h, cand, old, autobind, v);
	else
		r = bm_verdict_set(v, h->codes.connect_tuple_error, "core.connect.tuple", old->id,
		                   "socket %d already has this four-tuple", old->id);
	if (r != BM_OK)
		return -1;
	if (v->rule)
		*allowed = v->rule;   /* e.g. linux.connect.timewait */
	bm_sockrec *tw = bm_host_rec(h, old->id);
	if (tw && tw->info.state == BM_STATE_TIME_WAIT)
		bm_release(h, tw);
	return 0;
}

/* Send the SYN to lh (this host, or the host rh of the net that owns the
 * destination) and find the listener it reaches, if any.  The delivery is
 * not an operation of its own, so lh's last verdict is kept.  0, or -1
 * (out of memory, not "nothing listens") with the verdict set. */
static int find_listener(bm_host *lh, bm_host *rh, const bm_sock_info *cand,
                         const bm_endpoint *dst, bm_sockrec **listener, const char **allowed,
                         bm_verdict *v)
{
	bm_sock got[1];
	size_t n = 0;
	bm_verdict dv;
	bm_endpoint src = cand->local;
	if (rh && syn_meets_old(rh, dst, &src))
		*allowed = "core.connect.synold";
	bm_verdict saved = lh->last;
	bm_deliver(lh, BM_TCP, &src, dst, got, 1, &n, &dv);
	lh->last = saved;
	if (dv.code == BM_ENOMEM) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return -1;
	}
	if (n == 1) {
		bm_sockrec *l = bm_host_rec(lh, got[0]);
		if (l && l->info.state == BM_STATE_LISTEN)
			*listener = l;
	}
	return 0;
}

/* A TCP connect() that failed after it chose its source (nothing listens,
 * or its four-tuple is taken): a socket bound to an address that is not
 * its family's plain wildcard (a group, ::ffff:0.0.0.0) keeps that source
 * where the policy says so (refused_keeps_source; Linux: such binds set
 * SOCK_BINDADDR_LOCK, so neither tcp_disconnect nor tcp_v4_connect's
 * failure path, inet_bhash2_reset_saddr, gives the address back). */
static void keep_source(bm_host *h, bm_sockrec *s, const bm_sock_info *cand)
{
	int plain_any = bm_addr_is_any(&s->info.local) &&
	                (s->info.family == BM_AF_INET || !bm_addr_is_v4mapped(&s->info.local));
	if (h->policy->refused_keeps_source && s->info.proto == BM_TCP &&
	    s->info.state == BM_STATE_BOUND && !plain_any) {
		s->info.local = cand->local;
		bm_crowd_rekind(h, s);
	}
}

/* Nothing listens (core.connect.refused).  What a bound socket keeps is the
 * policy's: its source (keep_source); not a port bind() did not name
 * (policy flag close_releases_port; the address stays). */
static bm_result refused(bm_host *h, bm_sockrec *s, const bm_sock_info *cand,
                         const bm_host *rh, int nonblock, bm_verdict *v)
{
	keep_source(h, s, cand);
	if (h->policy->close_releases_port && s->info.state == BM_STATE_BOUND &&
	    !s->info.explicit_port) {
		bm_index_remove(h, s);
		s->info.state = BM_STATE_CLOSED;
		s->info.local.port = 0;
	}
	s->info.connect_refused = nonblock ? 2 : 1;
	bm_verdict_set(v, BM_ECONNREFUSED, "core.connect.refused", 0,
	               "nothing listens on the destination%s%s",
	               rh ? " on host " : "", rh ? rh->name : "");
	if (nonblock)
		return in_progress(h, s, BM_ECONNREFUSED, v);
	return bm_finish(h, v);
}

/* Everything that can run out of memory, before anything changes: the
 * child the listener will queue (*child), its room in the queue, the
 * autobound socket's binding.  0, or -1 with the verdict set and nothing
 * left allocated. */
static int reserve(bm_host *h, bm_sockrec *s, bm_host *lh, bm_sockrec *listener, int autobind,
                   const bm_sock_info *cand, bm_sockrec **child, bm_verdict *v)
{
	bm_sockrec *c = NULL;
	if (listener) {
		c = bm_new_socket(lh);
		/* extras for both ends (their peers) and the queue */
		if (!c || !bm_extra_make(lh, c) || !bm_extra_make(h, s) ||
		    bm_grow_queue(lh, listener) != 0) {
			if (c)
				bm_release(lh, c);
			bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
			return -1;
		}
	}
	/* the port is the connect()'s before it joins, so that its joining
	 * leaves the port's "held by a bind()" mark as it was (host.c) */
	if (autobind)
		s->info.port_from_connect = 1;
	if (autobind && !bm_set_bound(h, s, &cand->local, 0)) {
		s->info.port_from_connect = 0;
		if (c)
			bm_release(lh, c);
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return -1;
	}
	*child = c;
	return 0;
}

/* The accepted child c of listener on lh: it shares the listener's port and
 * takes its options and owner (core.accept.child), and is queued for
 * accept().  Across hosts each end remembers the other's host. */
static void queue_child(bm_host *h, bm_host *lh, bm_host *rh, bm_sockrec *listener,
                        bm_sockrec *c, bm_sockrec *s, const bm_endpoint *dst)
{
	c->info.family = listener->info.family;
	c->info.proto = BM_TCP;
	c->info.uid = listener->info.uid;
	c->info.opts = c->info.opts_at_bind = listener->info.opts;
	c->info.v6only = listener->info.v6only;
	c->info.linger = listener->info.linger;
	memcpy(c->info.dev, listener->info.dev, sizeof c->info.dev);
	/* both ends as the child's family sees them: an IPv4 peer of an IPv6
	 * listener is ::ffff:a.b.c.d, and an IPv6 socket's v4-mapped
	 * connect() reaches an IPv4 listener as plain IPv4 */
	c->info.local = as_seen_by(c->info.family, dst);
	c->info.remote = as_seen_by(c->info.family, &s->info.local);
	c->info.state = BM_STATE_CONNECTED;
	c->info.parent = listener->info.id;
	c->info.pending = 1;
	c->info.explicit_port = listener->info.explicit_port;
	c->info.bound_seq = ++lh->seq;
	bm_sockextra *ce = bm_extra(lh, c);   /* reserve() made them */
	ce->peer = s->info.id;
	ce->peer_host = rh ? h : NULL;
	bm_sockextra *se = bm_extra(h, s);
	se->peer = c->info.id;
	se->peer_host = rh;
	bm_index_add(lh, c);   /* the listener's port is there: no allocation */
	bm_queue *q = bm_extra(lh, listener)->queue;
	q->v[q->n++] = c->info.id;
}

/* core.connect.ok, or the rule that let the connect pass where the
 * core's would not (allowed); on a net it names the other end: its host
 * and its socket there. */
static void connected_verdict(const bm_sockrec *s, bm_sock peer, const bm_endpoint *dst,
                              const bm_host *rh,
                              const bm_sockrec *listener, const char *allowed, bm_verdict *v)
{
	char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN];
	const char *rule = allowed ? allowed : "core.connect.ok";
	if (rh && listener)
		bm_verdict_set(v, BM_OK, rule, 0,
		               "%s -> %s on host %s (socket %d there, queued on listener %d)",
		               bm_endpoint_format(&s->info.local, a, sizeof a),
		               bm_endpoint_format(dst, b, sizeof b), rh->name, peer,
		               listener->info.id);
	else
		bm_verdict_set_path(v, BM_OK, rule, 0, &s->info.local, dst);   /* made when read */
}

bm_result bm_connect_ex(bm_host *h, bm_sock id, const bm_endpoint *ep, int flags,
                        bm_verdict *v)
{
	VERDICT(h, v);
	bm_sockrec *s = bm_op_sock(h, id, v);
	if (!s)
		return v->code;
	if (!ep || (ep->family != BM_AF_INET && ep->family != BM_AF_INET6)) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no address");
		return bm_finish(h, v);
	}
	int tcp = s->info.proto == BM_TCP;
	int nonblock = tcp && (flags & BM_CONNECT_NONBLOCK);
	const bm_sockextra *e = bm_extra(h, s);
	if (tcp && e && e->connecting)
		return collect(h, s, v);
	if (tcp && s->info.state == BM_STATE_CONNECTED) {
		bm_verdict_set(v, BM_EISCONN, "core.connect.isconn", 0, "already connected");
		return bm_finish(h, v);
	}
	/* a non-blocking connect remembers what it came to in the extras:
	 * made now, so that running out of memory changes nothing */
	if (nonblock && !bm_extra_make(h, s)) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return bm_finish(h, v);
	}
	if (!tcp && s->info.state == BM_STATE_CLOSED && h->policy->udp_connect_autobind &&
	    udp_autobind_first(h, s, v) != 0)
		return bm_finish(h, v);
	/* the OS's own checks of the call; one may name why a connect the
	 * core would refuse goes on */
	if (h->policy->connect_precheck &&
	    h->policy->connect_precheck(h, &s->info, ep, v) != BM_OK)
		return bm_finish(h, v);
	const char *precheck_allowed = v->code == BM_OK ? v->rule : NULL;
	if (tcp && s->info.state == BM_STATE_LISTEN) {
		bm_verdict_set(v, h->codes.connect_on_listen, "core.connect.listen", 0,
		               "a listening socket cannot connect");
		return bm_finish(h, v);
	}
	bm_endpoint dst;
	if (resolve_destination(h, s, ep, nonblock, &dst, v) != 0)
		return bm_finish(h, v);
	/* the rule that let the connect pass where the core's would not (a
	 * wildcard destination, the policy's TIME_WAIT takeover, a
	 * simultaneous open, a SYN that ended the server's old connection):
	 * the verdict names it instead of core.connect.ok, as bind names a
	 * share; a later one is the more specific */
	const char *allowed = bm_addr_is_any(ep) ? "core.connect.any" : precheck_allowed;

	/* a local peer must be listening (TCP): find it before taking a port;
	 * on a net, so must a peer on the host that owns the destination */
	int dst_local = bm_addr_is_loopback(&dst) || bm_host_addr_is_local(h, &dst);
	bm_host *rh = dst_local ? NULL : bm_net_route_from(h, &dst);
	bm_host *lh = rh ? rh : h;   /* the host the SYN reaches */
	bm_sockrec *listener = NULL;
	int autobind = s->info.state == BM_STATE_CLOSED;
	bm_sock_info cand;
	if (choose_local_end(h, s, &dst, autobind, &cand, v) != 0)
		return bm_finish(h, v);
	if ((tcp || h->policy->udp_connect_tuple) &&
	    check_tuple(h, &cand, &dst, autobind, &allowed, v) != 0) {
		if (tcp)
			keep_source(h, s, &cand);
		return bm_finish(h, v);
	}
	if (tcp && (dst_local || rh)) {
		if (find_listener(lh, rh, &cand, &dst, &listener, &allowed, v) != 0)
			return bm_finish(h, v);
		/* a socket that connects to its own address and port meets
		 * itself: TCP simultaneous open (core.connect.self) */
		int self = !rh && cand.local.port == dst.port && bm_addr_equal(&cand.local, &dst);
		if (self && !listener)
			allowed = "core.connect.self";
		if (!listener && !self)
			return refused(h, s, &cand, rh, nonblock, v);
	}
	bm_sockrec *c = NULL;
	if (reserve(h, s, lh, listener, autobind, &cand, &c, v) != 0)
		return bm_finish(h, v);

	/* a UDP connect() again to the peer it has keeps its four-tuple, and
	 * with it its place among the connected sockets (Linux udp_lib_hash4
	 * does not hash a socket again; linux.deliver.connected) */
	int same_tuple = s->info.state == BM_STATE_CONNECTED && s->info.remote.port == dst.port &&
	                 bm_addr_equal(&s->info.remote, &dst) &&
	                 bm_addr_equal(&s->info.local, &cand.local);
	/* commit; where nothing more specific let the connect pass, the
	 * verdict names the choice the OS made: the port, else the source */
	if (autobind) {
		s->info.port_from_connect = 1;
		if (!allowed)
			allowed = bm_choice_rule(h, &cand, BM_CHOICE_CONNECT_PORT, 1, NULL);
	} else if (!(s->info.local.family == cand.local.family &&
	             memcmp(s->info.local.addr, cand.local.addr, 16) == 0)) {
		s->info.local = cand.local;   /* wildcard narrowed to the source */
		if (!allowed)
			allowed = bm_choice_rule(h, &cand, BM_CHOICE_SOURCE, 1, "core.connect.source");
	}
	bm_tuple_remove(h, s);   /* keyed on the remote end, which changes */
	s->info.remote = dst;
	bm_tuple_add(h, s);
	s->info.state = BM_STATE_CONNECTED;
	bm_crowd_rekind(h, s);
	if (!same_tuple)
		s->info.connected_seq = ++h->seq;
	if (listener)
		queue_child(h, lh, rh, listener, c, s, &dst);
	connected_verdict(s, c ? c->info.id : BM_NO_SOCK, &dst, rh, listener, allowed, v);
	if (nonblock)
		return in_progress(h, s, BM_OK, v);
	return bm_finish(h, v);
}

/* --------------------------------------------------------------- accept */

bm_result bm_accept(bm_host *h, bm_sock id, bm_sock *child, bm_verdict *v)
{
	VERDICT(h, v);
	if (child)
		*child = BM_NO_SOCK;
	bm_sockrec *l = bm_op_sock(h, id, v);
	if (!l)
		return v->code;
	if (l->info.proto != BM_TCP) {
		bm_verdict_set(v, h->codes.accept_udp,
		               "core.accept.udp", 0, "UDP sockets do not accept");
		return bm_finish(h, v);
	}
	if (l->info.state != BM_STATE_LISTEN) {
		bm_verdict_set(v, BM_EINVAL, "core.accept.notlisten", 0, "socket is not listening");
		return bm_finish(h, v);
	}
	bm_queue *q = bm_extra(h, l) ? bm_extra(h, l)->queue : NULL;
	if (!q || q->n == 0) {
		bm_verdict_set(v, BM_EAGAIN, "core.accept.empty", 0, "no connection is waiting");
		return bm_finish(h, v);
	}
	bm_sock c = q->v[0];
	memmove(q->v, q->v + 1, (q->n - 1) * sizeof q->v[0]);
	q->n--;
	bm_sockrec *cr = bm_host_rec(h, c);   /* queued children live as long as
	                                         their listener */
	cr->info.pending = 0;
	if (child)
		*child = c;
	char a[BM_ENDPOINT_STRLEN];
	bm_verdict_set(v, BM_OK, "core.accept.child", 0, "socket %d from %s", c,
	               bm_endpoint_format(&cr->info.remote, a, sizeof a));
	return bm_finish(h, v);
}
