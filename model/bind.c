/* SPDX-License-Identifier: MIT */
/*
 * bind.c: bind(), listen() and the ephemeral port search that bind(port 0),
 * listen() and connect() autobinds share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ----------------------------------------------------------------- bind */

/* Forget what earlier checks wrote, so that after the owner walk a rule in
 * v can only be the policy's answer for a port it let this socket share.
 * A check writes a rule (bm_verdict_set) or an alternative (alt_rule);
 * most wrote neither, and v is still as VERDICT left it. */
static void bm_clear_verdict(bm_verdict *v)
{
	if (v->rule || v->alt_rule)
		bm_verdict_clear(v);
}

/*
 * The verdict of a bind() or listen() that succeeded.  When the walk over
 * the port's owners let the socket share the port, v holds the policy's
 * share rule (linux.udp.bind.reuseaddr, windows.bind.linger, ...) and the
 * owner it shares with: that rule is why the call succeeded, so it stays
 * the verdict's rule (issue 7: verdicts keep the why).  Otherwise the port
 * was free and the core's rule (core.bind.ok, core.listen.ok) decided.
 */
static inline bm_result bm_finish_ok(bm_host *h, bm_verdict *v, const char *free_rule,
                                     const char *what, const bm_endpoint *ep)
{
	if (v->code == BM_OK && v->rule) {
		bm_verdict_set_shared(v, what, ep);   /* made when read */
		return bm_finish(h, v);
	}
	bm_verdict_set_at(v, BM_OK, free_rule, BM_NO_SOCK, what, ep);
	return bm_finish(h, v);
}

bm_endpoint bm_wildcard_of(bm_family fam)
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

/* The rule naming a choice the OS made (bm_policy.choice_rule), else the
 * core's rule core_rule. */
const char *bm_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what, int found,
                           const char *core_rule)
{
	const char *r = h->choice_rule ? h->choice_rule(h, s, what, found) : NULL;
	return r ? r : core_rule;
}

/* Would the connect() owner old keep cand off its port? */
static int refuses_connect(bm_host *h, const bm_sock_info *cand, const bm_sock_info *old,
                           const bm_endpoint *dst)
{
	bm_verdict scratch;   /* why a port is refused is never read */
	bm_verdict_begin(NULL, &scratch);
	if (h->policy->connect_port ? h->policy->connect_port(h, cand, old, &scratch) ==
	                                      BM_MATCH_CONFLICT
	                            : bm_overlap(cand, old))
		return 1;
	/* a connect never reuses a live four-tuple (a TIME_WAIT one is the
	 * policy's connect_port call) */
	return old->state != BM_STATE_LISTEN && !old->reset &&
	       !(h->policy->connect_port && old->state == BM_STATE_TIME_WAIT) &&
	       old->remote.port == dst->port && bm_addr_equal(&old->remote, dst) &&
	       bm_overlap(cand, old);
}

/* connect() where the policy promised autobind_skips_bound and
 * connect_tuple_only: its connect_port refuses a port a bind() holds, and
 * of the connect() owners only those with cand's remote end, which the
 * four-tuple index finds without walking the port (Linux and Windows
 * reuse one port for many destinations: a client's port may have
 * thousands of owners). */
static int connect_port_is_free(bm_host *h, bm_sock_info *cand, long p, const bm_endpoint *dst)
{
	if (bm_autobind_next(h, p, p) != p)
		return 0;   /* held by a bind() */
	size_t at = 0;
	for (bm_sockrec *r; (r = bm_tuple_next(h, cand->proto, (uint16_t)p, dst, &at));)
		if (r->info.id != cand->id && refuses_connect(h, cand, &r->info, dst))
			return 0;
	return 1;
}

/* May cand take port p?  bind(port 0): the policy's conflict question on
 * each owner; connect(): connect_port, and never a live four-tuple. */
static int port_is_free(bm_host *h, bm_sock_info *cand, long p, int for_connect,
                        const bm_endpoint *dst)
{
	cand->local.port = (uint16_t)p;
	if (for_connect && h->connect_tuple_only && !h->no_tuples && dst->port && h->marks)
		return connect_port_is_free(h, cand, p, dst);
	bm_port *o = bm_index_find(h, cand->proto, (uint16_t)p);
	for (bm_sockrec *r = o ? bm_rec_at(h, o->first) : NULL; r; r = bm_rec_at(h, r->port_next)) {
		const bm_sock_info *old = &r->info;
		if (old->id == cand->id)
			continue;
		if (!for_connect) {
			bm_verdict scratch;   /* why a port is refused is never read */
			bm_verdict_begin(NULL, &scratch);
			if (bm_policy_conflict(h, cand, old, BM_PHASE_EPHEMERAL, &scratch) ==
			    BM_MATCH_CONFLICT)
				return 0;
			continue;
		}
		if (refuses_connect(h, cand, old, dst))
			return 0;
	}
	return 1;
}

/* BM_PORT_SEARCH_PARITY: odd ports first for bind(0), even ones for
 * connect (Linux's scans), then the others. */
static int pick_by_parity(bm_host *h, bm_sock_info *cand, long lo, long hi, int for_connect,
                          const bm_endpoint *dst)
{
	for (int pass = 0; pass < 2; pass++) {
		int parity = (for_connect ? 0 : 1) ^ pass;
		for (long p = lo; p <= hi; p++) {
			/* ports a bind() holds, skipped where the policy
			 * promised connect_port refuses them anyway */
			if (for_connect && (p = bm_autobind_next(h, p, hi)) > hi)
				break;
			if ((p & 1) == parity && port_is_free(h, cand, p, for_connect, dst))
				return 1;
		}
	}
	return 0;
}

/* The other orders: every port of [lo, hi] once, from start, one way,
 * wrapping at the end of the range. */
static int pick_in_order(bm_host *h, bm_sock_info *cand, long lo, long hi, long start, int down,
                         int for_connect, const bm_endpoint *dst)
{
	long n = hi - lo + 1;
	for (long k = 0; k < n;) {
		long p = down ? start - k : start + k;
		if (p < lo)
			p += n;
		else if (p > hi)
			p -= n;
		if (for_connect && !down) {
			/* held ports, stepped over (autobind_skips_bound) */
			long q = bm_autobind_next(h, p, hi);
			if (q != p) {
				k += (q > hi ? hi + 1 : q) - p;
				continue;
			}
		}
		if (port_is_free(h, cand, p, for_connect, dst))
			return 1;
		k++;
	}
	return 0;
}

/* Find a free ephemeral port for cand (its address already set), in the
 * order the policy gives for its protocol (bm_port_search). */
int bm_pick_port(bm_host *h, bm_sock_info *cand, int for_connect,
                     const bm_endpoint *dst, bm_verdict *v)
{
	(void)v;
	long lo = h->knob[BM_KNOB_EPHEMERAL_LO], hi = h->knob[BM_KNOB_EPHEMERAL_HI];
	if (h->policy->ephemeral_range)
		h->policy->ephemeral_range(h, cand, for_connect, &lo, &hi);
	bm_port_search how = h->port_search[cand->proto - 1];
	long *last = &h->last_port[cand->proto - 1];
	int found;
	if (how == BM_PORT_SEARCH_PARITY) {
		found = pick_by_parity(h, cand, lo, hi, for_connect, dst);
	} else {
		int down = how == BM_PORT_SEARCH_NEXT_DOWN;
		long start = how == BM_PORT_SEARCH_LOWEST ? lo : *last + (down ? -1 : 1);
		if (start < lo || start > hi)
			start = down ? hi : lo;
		found = pick_in_order(h, cand, lo, hi, start, down, for_connect, dst);
	}
	if (!found) {
		cand->local.port = 0;
		return 0;
	}
	*last = cand->local.port;
	return 1;
}

/* Bind s where cand->local says, on a free ephemeral port: the autobind of
 * listen() and of a UDP connect().  0, or -1 with the verdict set (no port
 * free: code exhausted; or out of memory). */
int bm_autobind(bm_host *h, bm_sockrec *s, bm_sock_info *cand, bm_result exhausted,
                bm_verdict *v)
{
	cand->opts_at_bind = cand->opts;
	if (!bm_pick_port(h, cand, 0, NULL, v)) {
		bm_verdict_set(v, exhausted,
		               bm_choice_rule(h, cand, BM_CHOICE_BIND_PORT, 0, "core.ephemeral.exhausted"),
		               0, "no free port to autobind");
		return -1;
	}
	if (!bm_set_bound(h, s, &cand->local, 0)) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return -1;
	}
	return 0;
}

bm_port *bm_set_bound(bm_host *h, bm_sockrec *s, const bm_endpoint *ep, int explicit_port)
{
	bm_port *o = bm_index_bind(h, s, ep);
	if (!o)
		return NULL;
	s->info.state = BM_STATE_BOUND;
	s->info.opts_at_bind = s->info.opts;
	s->info.explicit_port = explicit_port;
	s->info.bound_seq = ++h->seq;
	return o;
}

static bm_result out_of_memory(bm_host *h, bm_verdict *v)
{
	bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
	return bm_finish(h, v);
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

/* bind() to port 0: the port the policy's search finds goes into local,
 * and the rule that chose it into allowed unless a precheck named one. */
static bm_result bind_pick(bm_host *h, const bm_sockrec *s, bm_endpoint *local,
                           const char **allowed, bm_verdict *v)
{
	bm_sock_info cand = s->info;
	cand.local = *local;
	cand.opts_at_bind = cand.opts;
	if (!bm_pick_port(h, &cand, 0, NULL, v))
		return bm_verdict_set(v, h->codes.bind_exhausted,
		                      bm_choice_rule(h, &cand, BM_CHOICE_BIND_PORT, 0,
		                                     "core.ephemeral.exhausted"),
		                      0, "no free port in %ld-%ld", h->knob[BM_KNOB_EPHEMERAL_LO],
		                      h->knob[BM_KNOB_EPHEMERAL_HI]);
	if (!*allowed)
		*allowed = bm_choice_rule(h, &cand, BM_CHOICE_BIND_PORT, 1, NULL);
	*local = cand.local;
	return BM_OK;
}

bm_result bm_bind(bm_host *h, bm_sock id, const bm_endpoint *ep, bm_verdict *v)
{
	VERDICT(h, v);
	bm_sockrec *s = bm_op_sock(h, id, v);
	if (!s)
		return v->code;
	if (family_check(h, s, ep, v) != BM_OK)
		return bm_finish(h, v);
	bm_result r = h->policy->bind_precheck ? h->policy->bind_precheck(h, &s->info, ep, v)
	                                       : default_precheck(h, &s->info, ep, v);
	if (r != BM_OK)
		return bm_finish(h, v);
	/* a precheck may name why a bind the core would refuse goes on */
	const char *allowed = v->code == BM_OK ? v->rule : NULL;

	bm_clear_verdict(v);
	bm_endpoint local = *ep;
	if (ep->port == 0) {
		if (bind_pick(h, s, &local, &allowed, v) != BM_OK)
			return bm_finish(h, v);
	} else {
		/* the port's owners, if it has any, judge the socket as it would
		 * be bound; a port nobody holds needs no candidate */
		bm_port *o = bm_index_find(h, s->info.proto, ep->port);
		if (o) {
			bm_sock_info cand = s->info;
			cand.local = *ep;
			cand.opts_at_bind = cand.opts;
			if (bm_check_port_owners(h, o, &cand, BM_PHASE_BIND, v) != BM_OK)
				return bm_finish(h, v);
		}
	}
	if (h->policy->bind_postcheck &&
	    h->policy->bind_postcheck(h, &s->info, &local, v) != BM_OK)
		return bm_finish(h, v);

	int was_reset = s->info.reset;
	bm_port *port = bm_set_bound(h, s, &local, ep->port != 0);
	if (!port)
		return out_of_memory(h, v);
	if (was_reset)
		s->info.state = BM_STATE_CONNECTED;   /* still connected for connect/listen */
	/* a specific IPv6 (not v4-mapped) address makes the socket v6only in
	 * effect (Linux __inet6_bind; it cannot take IPv4 traffic anywhere) */
	if (ep->family == BM_AF_INET6 && !bm_addr_is_any(ep) && !bm_addr_is_v4mapped(ep))
		s->info.v6only = 1;
	bm_index_join(h, s, port);
	return bm_finish_ok(h, v, allowed ? allowed : "core.bind.ok", "bound to", &s->info.local);
}

/* --------------------------------------------------------------- listen */

bm_result bm_listen(bm_host *h, bm_sock id, bm_verdict *v)
{
	VERDICT(h, v);
	bm_sockrec *s = bm_op_sock(h, id, v);
	if (!s)
		return v->code;
	if (s->info.proto == BM_UDP) {
		bm_verdict_set(v, BM_EOPNOTSUPP, "core.listen.udp", 0, "UDP sockets cannot listen");
		return bm_finish(h, v);
	}
	if (h->policy->listen_precheck &&
	    h->policy->listen_precheck(h, &s->info, v) != BM_OK)
		return bm_finish(h, v);
	if (s->info.state == BM_STATE_CONNECTED) {
		bm_verdict_set(v, BM_EINVAL, "core.listen.connected", 0,
		               "a connected socket cannot listen");
		return bm_finish(h, v);
	}
	if (bm_extra(h, s) && bm_extra(h, s)->connecting) {
		bm_verdict_set(v, BM_EINVAL, "core.listen.connecting", 0,
		               "a non-blocking connect() is still in progress");
		return bm_finish(h, v);
	}
	if (s->info.state == BM_STATE_LISTEN) {
		bm_verdict_set(v, BM_OK, "core.listen.again", 0, "already listening");
		return bm_finish(h, v);
	}
	bm_clear_verdict(v);
	bm_sock_info cand = s->info;
	cand.state = BM_STATE_LISTEN;
	int autobind = s->info.state == BM_STATE_CLOSED;
	if (autobind) {
		/* autobind: as bind(wildcard, 0) (core.listen.autobind) */
		cand.local = bm_wildcard_of(s->info.family);
		/* the address a close_releases_port socket kept, else zeros */
		memcpy(cand.local.addr, s->info.local.addr, sizeof cand.local.addr);
		if (bm_autobind(h, s, &cand, h->codes.bind_exhausted, v) != 0)
			return bm_finish(h, v);
	} else if (bm_check_owners(h, &cand, BM_PHASE_LISTEN, v) != BM_OK) {
		return bm_finish(h, v);
	}
	s->info.state = BM_STATE_LISTEN;
	s->info.opts_at_listen = s->info.opts;
	bm_index_join(h, s, NULL);
	/* an autobind is what this listen() did beyond listening: name it */
	return bm_finish_ok(h, v, autobind ? "core.listen.autobind" : "core.listen.ok",
	                    "listening on", &s->info.local);
}
