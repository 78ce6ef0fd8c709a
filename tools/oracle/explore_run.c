/* SPDX-License-Identifier: MIT */
/*
 * explore_run.c: one generated scenario on the model and on the engine it
 * is checked against (the live kernel, or --against a second model), step
 * by step through pair.c, and the first step where they differ.  Which
 * steps are compared and how two results compare are pair.c's (through
 * scenario.c's sc_kind_compared and sc_outcomes_agree), as for `bindmodel
 * oracle`; what is explore's own is where a comparison stops: at a kernel
 * skip, at the model's other answer of a set (the kernel's state is no
 * longer the model's), and after a TCP connect the model hands to an
 * SO_REUSEPORT group (the accept queues depend on the kernel's hash).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "explore.h"

/* After a TCP connect on the model: did it land on a listener that shares
 * its port in an SO_REUSEPORT group?  The kernel hashes such connections
 * to one member, the model to another, so their accept queues diverge. */
typedef struct childctx {
	bm_endpoint local;
	bm_sock parent;
} childctx;

static int child_visit(const bm_sock_info *s, void *arg)
{
	childctx *c = arg;
	if (s->pending && s->remote.family == c->local.family && s->remote.port == c->local.port &&
	    memcmp(s->remote.addr, c->local.addr, 16) == 0)
		c->parent = s->parent;
	return 0;
}

static int connect_was_hashed(const sc_engine *e, const char *name)
{
	bm_host *h = NULL;
	bm_sock id = sc_model_sock_any(e, name, &h);
	bm_sock_info info;
	if (!h || id == BM_NO_SOCK || bm_sock_query(h, id, &info) != BM_OK)
		return 0;
	/* the listener is on the host that owns the destination, if any */
	bm_host *dh = bm_net_route(sc_model_net(e), &info.remote);
	if (dh)
		h = dh;
	childctx c = {info.local, BM_NO_SOCK};
	bm_sock_foreach(h, child_visit, &c);
	if (c.parent == BM_NO_SOCK)
		return 0;
	char buf[96];   /* two members or more: the connect went to a hash's choice */
	return sc_model_reuseport_group(e, h, c.parent, buf, sizeof buf) >= 2;
}

static void note_skip(runner *rn, const char *why)
{
	int i;
	for (i = 0; i < 8 && rn->skip_why[i][0]; i++)
		if (strncmp(rn->skip_why[i], why, sizeof rn->skip_why[i] - 1) == 0)
			break;
	if (i == 8)
		return;
	if (!rn->skip_why[i][0])
		snprintf(rn->skip_why[i], sizeof rn->skip_why[i], "%s", why);
	rn->skip_n[i]++;
}

/* One step's result on one engine. */
static void record(xres *r, sc_step_status st, const char *err, const sc_outcome *o)
{
	if (st != SC_STEP_RAN) {
		r->st = st == SC_STEP_SKIP ? RS_SKIP : RS_ERROR;
		snprintf(r->recv, sizeof r->recv, "%s", err);
		return;
	}
	r->code = o->code;
	r->rule = o->verdict.rule;
	if (o->is_deliver) {
		r->is_deliver = 1;
		snprintf(r->recv, sizeof r->recv, "%s", o->receivers);
	}
}

int xp_run(runner *rn, const xscen *s, const char *keep, xres *m, xres *k)
{
	char err[200];
	const sc_engine *bad = sc_pair_reset(&rn->pair, rn->os, rn->other_os, err, sizeof err);
	if (bad) {
		snprintf(rn->fatal, sizeof rn->fatal, "%s: reset: %s", bad->name, err);
		return -1;
	}
	sc_pair_step r;
	for (int i = 0; i < s->n; i++) {
		xres *x[2] = {&m[i], &k[i]};
		for (int j = 0; j < 2; j++) {
			memset(x[j], 0, sizeof *x[j]);
			x[j]->st = RS_RAN;
			x[j]->is_deliver = s->st[i].kind == SC_DELIVER;
			x[j]->code = BM_OK;
		}
		if (keep && !keep[i])
			continue;
		xp_to_cmd(&s->st[i], i + 1, rn->cmd);
		sc_pair_exec(&rn->pair, rn->cmd, NULL, rn->mo, rn->ko, &r);
		record(&m[i], r.sa, r.erra, rn->mo);
		record(&k[i], r.sb, r.errb, rn->ko);
		k[i].compared = (signed char)r.compared;
		k[i].agree = (signed char)r.agree;
		if (r.sa == SC_STEP_RAN && s->st[i].kind == SC_CONNECT && m[i].code == BM_OK)
			m[i].nondet = (signed char)connect_was_hashed(&rn->model, s->st[i].target);
	}
	return 0;
}

int xp_first_diff(runner *rn, const xscen *s, const char *keep, const xres *m, const xres *k)
{
	for (int i = 0; i < s->n; i++) {
		if (keep && !keep[i])
			continue;
		if (i > 0 && m[i - 1].nondet && (!keep || keep[i - 1])) {
			if (rn)
				rn->cut_nondet++;
			return -1;
		}
		if (k[i].st == RS_SKIP) {
			/* the kernel's state no longer follows the scenario */
			if (rn)
				note_skip(rn, k[i].recv);
			return -1;
		}
		if (m[i].st != k[i].st)
			return i;
		if (m[i].st == RS_ERROR || !k[i].compared || k[i].agree == SC_SAME)
			continue;
		if (k[i].agree == SC_DIFFER)
			return i;
		/* within a set: another member of the SO_REUSEPORT group got the
		 * datagram, which changes no state, so the comparison goes on */
		if (m[i].is_deliver)
			continue;
		/* the model's other answer of a set: the kernel took it, so its
		 * state is no longer the model's and later steps are not compared */
		if (rn)
			rn->within_set++;
		return -1;
	}
	return -1;
}

const char *xp_res_text(const xres *r, char *buf, size_t len)
{
	if (r->st == RS_ERROR)
		snprintf(buf, len, "error (%s)", r->recv);
	else if (r->st == RS_SKIP)
		snprintf(buf, len, "skipped (%s)", r->recv);
	else if (r->is_deliver)
		snprintf(buf, len, "%s", r->recv[0] ? r->recv : "none");
	else
		snprintf(buf, len, "%s", bm_result_name(r->code));
	return buf;
}

double xp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

