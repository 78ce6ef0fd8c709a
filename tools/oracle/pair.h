/* SPDX-License-Identifier: MIT */
/*
 * pair.h: one scenario on two engines, step by step: the model and the
 * engine it is checked against (the live kernel, or a second model).
 * `bindmodel oracle` (over scenario files) and `bindmodel explore` (over
 * generated scenarios) both run their steps through it, so that which
 * steps are compared and how two results compare (sc_kind_compared,
 * sc_outcomes_agree in scenario.c) are decided in one place.
 */
#ifndef BM_PAIR_H
#define BM_PAIR_H

#include "scenario.h"

/* How one engine's step went. */
typedef enum sc_step_status {
	SC_STEP_RAN = 0,   /* its outcome is filled */
	SC_STEP_ERROR,     /* it did not run (err says why) */
	SC_STEP_SKIP,      /* the engine cannot run it faithfully: its state
	                      no longer follows the scenario */
	SC_STEP_NOT_RUN    /* b only: a failed and the pair does not go on */
} sc_step_status;

typedef struct sc_pair {
	sc_engine *a, *b;     /* a: the model */
	int b_after_a_error;  /* run b even when a did not run the step */
} sc_pair;

/* What one step did on both engines. */
typedef struct sc_pair_step {
	sc_step_status sa, sb;
	char erra[512], errb[512];  /* why a step did not run */
	int compared;               /* both ran, and the step's kind is compared */
	sc_agree agree;             /* when compared: how b's result stands to a's */
} sc_pair_step;

/* Reset both engines (a to personality os_a, b to os_b).  NULL when both
 * are ready, else the engine that failed, with err. */
const sc_engine *sc_pair_reset(sc_pair *p, const char *os_a, const char *os_b, char *err,
                               size_t errlen);

/* Run command c on a, then on b (not after a failure of a's unless
 * b_after_a_error), filling oa and ob; compare them when both ran and the
 * kind is compared, with x the file's expectation for the step (or NULL). */
void sc_pair_exec(sc_pair *p, const sc_cmd *c, const sc_expect *x, sc_outcome *oa,
                  sc_outcome *ob, sc_pair_step *r);

#endif
