/* SPDX-License-Identifier: MIT */
/*
 * close.c: close() (TIME_WAIT, FIN_WAIT2, aborts, resets) and the virtual
 * clock that ends TIME_WAIT.  The peer of a connection may live on another
 * host of the net (bm_peer_of): what happens to it follows its own host's
 * policy and clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---------------------------------------------------------------- close */

static void reset_peer(bm_host *sh, bm_sockrec *s)
{
	bm_host *h = NULL;
	bm_sockrec *p = bm_peer_of(sh, s, &h);
	if (!p)
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
		bm_release(h, p);
}

bm_result bm_close(bm_host *h, bm_sock id, bm_verdict *v)
{
	VERDICT(h, v);
	bm_sockrec *s = bm_op_sock(h, id, v);
	if (!s)
		return v->code;
	if (s->info.state == BM_STATE_LISTEN) {
		/* children not yet accepted are reset; accepted ones live on
		 * and keep the port (core.close.listener) */
		/* the queue, not the extras entry, which releasing a child may
		 * move; the queue goes with s */
		const bm_queue *q = bm_extra(h, s) ? bm_extra(h, s)->queue : NULL;
		for (size_t i = 0; q && i < q->n; i++) {
			bm_sockrec *c = bm_host_rec(h, q->v[i]);
			if (!c)
				continue;
			reset_peer(h, c);
			bm_release(h, c);
		}
		bm_release(h, s);
		bm_verdict_set(v, BM_OK, "core.close.listener", 0, "listener closed");
		return bm_finish(h, v);
	}
	if (s->info.proto == BM_TCP && s->info.state == BM_STATE_CONNECTED) {
		/* room for the TIME_WAIT timer first: out of memory changes nothing */
		if (bm_timer_reserve(h) != 0) {
			bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
			return bm_finish(h, v);
		}
		if (s->info.linger == 0 || s->info.reset) {
			if (!s->info.reset)
				reset_peer(h, s);
			bm_release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.abort", 0,
			               s->info.reset ? "connection was reset: no TIME_WAIT"
			                        : "SO_LINGER 0 aborts: no TIME_WAIT");
			return bm_finish(h, v);
		}
		bm_host *ph = h;
		bm_sockrec *p = bm_peer_of(h, s, &ph);
		if (s->info.peer_closed) {
			/* our FIN reaches the peer in FIN_WAIT2: its TIME_WAIT
			 * starts now, by its host's clock and length
			 * (core.close.passive) */
			if (p && p->info.state == BM_STATE_TIME_WAIT && p->info.fin_wait2) {
				p->info.fin_wait2 = 0;
				p->info.tw_expires_ms = bm_time_wait_end(ph);
				bm_timer_add(ph, p);
			}
			bm_release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.passive", 0,
			               "the peer closed first: passive close, no TIME_WAIT");
			return bm_finish(h, v);
		}
		if (p) {
			p->info.peer_closed = 1;
			/* the peer has not closed: we wait in FIN_WAIT2 */
			s->info.fin_wait2 = p->info.state == BM_STATE_CONNECTED;
		}
		if (h->knob[BM_KNOB_NOLOCAL_TIMEWAIT] && bm_host_addr_is_local(h, &s->info.remote)) {
			bm_release(h, s);
			bm_verdict_set(v, BM_OK, "core.close.nolocaltimewait", 0,
			               "the peer is a local address: no TIME_WAIT");
			return bm_finish(h, v);
		}
		s->info.state = BM_STATE_TIME_WAIT;
		bm_crowd_rekind(h, s);
		s->info.tw_expires_ms = bm_time_wait_end(h);
		bm_timer_add(h, s);
		if (h->knob[BM_KNOB_TIME_WAIT_MS] == 0)
			bm_release(h, s);
		bm_verdict_set(v, BM_OK, "core.close.timewait", 0,
		               "active close: TIME_WAIT for %ld ms", h->knob[BM_KNOB_TIME_WAIT_MS]);
		return bm_finish(h, v);
	}
	bm_release(h, s);
	bm_verdict_set(v, BM_OK, "core.close.release", 0, "closed; port released");
	return bm_finish(h, v);
}

void bm_advance(bm_host *h, uint64_t ms)
{
	if (!h)
		return;
	h->now_ms = ms > UINT64_MAX - h->now_ms ? UINT64_MAX : h->now_ms + ms;
	bm_timers_run(h);   /* only the TIME_WAITs that are due */
}
