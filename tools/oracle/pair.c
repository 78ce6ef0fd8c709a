/* SPDX-License-Identifier: MIT */
/*
 * pair.c: one scenario on two engines, step by step (see pair.h): each
 * step runs on the model, then on the engine it is checked against, and
 * the two results are classified by sc_outcomes_agree.  What a
 * difference, an error or a skip means is the caller's: oracle reports
 * and goes on, explore shrinks.
 */
#include "pair.h"

const sc_engine *sc_pair_reset(sc_pair *p, const char *os_a, const char *os_b, char *err,
                               size_t errlen)
{
	if (p->a->reset(p->a->ctx, os_a, err, errlen) != SC_EXEC_OK)
		return p->a;
	if (p->b->reset(p->b->ctx, os_b, err, errlen) != SC_EXEC_OK)
		return p->b;
	return NULL;
}

static sc_step_status status(int rc)
{
	return rc == SC_EXEC_OK ? SC_STEP_RAN : rc == SC_EXEC_SKIP ? SC_STEP_SKIP : SC_STEP_ERROR;
}

void sc_pair_exec(sc_pair *p, const sc_cmd *c, const sc_expect *x, sc_outcome *oa,
                  sc_outcome *ob, sc_pair_step *r)
{
	r->erra[0] = r->errb[0] = 0;
	r->compared = 0;
	r->agree = SC_DIFFER;
	r->sa = status(p->a->exec(p->a->ctx, c, oa, r->erra, sizeof r->erra));
	if (r->sa != SC_STEP_RAN && !p->b_after_a_error) {
		r->sb = SC_STEP_NOT_RUN;
		return;
	}
	r->sb = status(p->b->exec(p->b->ctx, c, ob, r->errb, sizeof r->errb));
	if (r->sa == SC_STEP_RAN && r->sb == SC_STEP_RAN && sc_kind_compared(c->kind)) {
		r->compared = 1;
		r->agree = sc_outcomes_agree(c, oa, x, ob);
	}
}
