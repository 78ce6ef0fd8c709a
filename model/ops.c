/* SPDX-License-Identifier: MIT */
/*
 * ops.c: what every operation shares: the verdict an operation ends with,
 * the handle check, and the walk over a port's owners that asks the
 * policy's pairwise conflict question.  The operations themselves live one
 * family to a file: socket.c (socket, setsockopt, queries), bind.c (bind,
 * listen, ephemeral ports), connect.c (connect, accept), deliver.c and
 * close.c (close, advance).  Everything that is the same on every system
 * lives in these files; every question whose answer differs between
 * systems goes to the policy's hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bm_result bm_finish_all(bm_host *h, bm_verdict *v)
{
	if (v->lazy_.caller)
		bm_verdict_reason(v);   /* the caller reads v->reason */
	if (h) {
		if (v != &h->last)
			bm_verdict_copy(&h->last, v);
		if (h->gone)
			bm_reap(h);   /* sockets released by this operation */
	}
	return v->code;
}

bm_result bm_bad_handle(bm_host *h, bm_sock s, bm_verdict *v)
{
	const bm_host *holder = h ? bm_net_holder(h->net, s) : NULL;
	if (holder)
		bm_verdict_set(v, BM_EBADF, "core.handle", BM_NO_SOCK,
		               "socket %d is on host %s, not on %s", s, holder->name, h->name);
	else
		bm_verdict_set(v, BM_EBADF, "core.handle", BM_NO_SOCK,
		               "socket %d does not exist or was closed", s);
	return bm_finish(h, v);
}

bm_sockrec *bm_op_no_sock(bm_host *h, bm_sock id, bm_verdict *v)
{
	if (!h) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
		bm_finish(h, v);   /* the caller's verdict gets its text */
		return NULL;
	}
	bm_bad_handle(h, id, v);
	return NULL;
}

void *bm_grow(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
	if (n <= *cap)
		return items;
	size_t c = *cap ? *cap : first;
	while (c < n)
		c *= 2;
	void *grown = realloc(items, c * size);
	if (grown)
		*cap = c;
	return grown;
}

bm_match bm_policy_conflict(const bm_host *h, const bm_sock_info *s,
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

/* Ask the policy about one owner: 1 when the walk ends there (*r its
 * result), 0 to go on. */
static int ask_owner(const bm_host *h, const bm_sock_info *cand, const bm_sockrec *old,
                     bm_phase phase, bm_verdict *v, bm_result *r)
{
	if (old->info.id == cand->id)
		return 0;
	bm_match m = bm_policy_conflict(h, cand, &old->info, phase, v);
	if (m == BM_MATCH_CONFLICT) {
		*r = bm_refused_by(v, old->info.id);
		return 1;
	}
	if (m == BM_MATCH_SHARE_STOP) {
		*r = BM_OK;
		return 1;
	}
	return 0;
}

/* Walk the owners of the candidate's port, newest first. */
bm_result bm_check_port_owners(bm_host *h, bm_port *o, const bm_sock_info *cand,
                               bm_phase phase, bm_verdict *v)
{
	bm_result r = BM_OK;
	if (o->by_addr && cand->proto == BM_TCP) {
		/* a crowded TCP port: one of each kind where the policy promised
		 * that owners of a kind answer alike; else only the owners that
		 * can overlap, where it promised the others answer NONE (crowd.c) */
		if (h->owner_kind && (phase == BM_PHASE_BIND || phase == BM_PHASE_LISTEN) &&
		    bm_crowd_check_kinds(h, o, cand, phase, v, &r))
			return r;
		bm_port_cursor w;
		if (h->conflict_overlap_only && bm_crowd_walk_start(o, &cand->local, &w) == 0) {
			for (bm_sockrec *old = bm_crowd_walk_next(&w); old; old = bm_crowd_walk_next(&w))
				if (ask_owner(h, cand, old, phase, v, &r))
					return r;
			return BM_OK;
		}
	}
	for (bm_sockrec *old = bm_rec_at(h, o->last); old; old = bm_rec_at(h, old->port_prev))
		if (ask_owner(h, cand, old, phase, v, &r))
			return r;
	return BM_OK;
}
