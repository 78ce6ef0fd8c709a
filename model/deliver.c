/* SPDX-License-Identifier: MIT */
/*
 * deliver.c: which socket or sockets receive an incoming datagram or SYN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	VERDICT(h, v);
	if (n)
		*n = 0;
	if (!h) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
		return bm_finish(h, v);
	}
	if (!src || !dst || (proto != BM_TCP && proto != BM_UDP) || src->family != dst->family) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "bad packet");
		return bm_finish(h, v);
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
			return bm_finish(h, v);
		}
		/* newest first, then a stable sort by score */
		for (const bm_sockrec *r = bm_rec_at(h, o->last); r; r = bm_rec_at(h, r->port_prev)) {
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
	if (!got && v->code == BM_ENOMEM) {   /* the policy ran out of memory */
		free(cand);
		free(score);
		free(chosen);
		return bm_finish(h, v);
	}
	if (!got)
		bm_verdict_set(v, BM_ECONNREFUSED, "core.deliver.none", 0,
		               "no socket is bound to that port and address");
	free(cand);
	free(score);
	free(chosen);
	return bm_finish(h, v);
}
