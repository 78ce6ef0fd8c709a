/* SPDX-License-Identifier: MIT */
/*
 * explore_shrink.c: a disagreeing scenario cut down to the steps the
 * disagreement needs.  The steps after the first disagreeing one are cut,
 * then earlier steps are dropped greedily (each with the steps that use
 * the sockets it creates) while the same step still disagrees first in the
 * same way on a rerun of both engines.  A trial costs a run of both, so
 * shrinking stops at a time budget and keeps what it has.
 */
#include <string.h>

#include "explore.h"

/* Drop step i and every later step that uses a socket it (or a dropped
 * step) creates. */
static void drop_with_dependents(const xscen *s, char *keep, int i)
{
	keep[i] = 0;
	for (int j = i + 1; j < s->n; j++) {
		if (!keep[j] || !s->st[j].target[0])
			continue;
		for (int d = 0; d < j; d++) {
			if (keep[d] || !s->st[d].name[0] ||
			    strcmp(s->st[d].name, s->st[j].target) != 0)
				continue;
			keep[j] = 0;
			break;
		}
	}
}

int xp_still_same(runner *rn, const xscen *s, const char *keep, int target, const xres *m0,
                  const xres *k0, shrink_ws *w)
{
	if (xp_run(rn, s, keep, w->m, w->k) != 0)
		return -1;
	if (xp_first_diff(NULL, s, keep, w->m, w->k) != target)
		return 0;
	char a[160], b[160], c[160], d[160];
	return strcmp(xp_res_text(&w->m[target], a, sizeof a), xp_res_text(m0, b, sizeof b)) == 0 &&
	       strcmp(xp_res_text(&w->k[target], c, sizeof c), xp_res_text(k0, d, sizeof d)) == 0;
}

/* Shrinking stops after this long (a kernel step that times out costs
 * seconds per trial); what is left is written all the same. */
#define XP_SHRINK_BUDGET_S 10.0

int xp_shrink(runner *rn, const xscen *s, int target, const xres *m0, const xres *k0,
              shrink_ws *w, int *cut_short)
{
	double t0 = xp_now();
	*cut_short = 0;
	for (int i = 0; i < s->n; i++)
		w->keep[i] = i <= target;
	int changed = 1;
	while (changed) {
		changed = 0;
		for (int i = target - 1; i >= 0; i--) {
			if (!w->keep[i])
				continue;
			if (xp_now() - t0 > XP_SHRINK_BUDGET_S) {
				*cut_short = 1;
				return 0;
			}
			memcpy(w->trial, w->keep, (size_t)s->n);
			drop_with_dependents(s, w->trial, i);
			if (!w->trial[target])
				continue;
			int r = xp_still_same(rn, s, w->trial, target, m0, k0, w);
			if (r < 0)
				return -1;
			if (r) {
				memcpy(w->keep, w->trial, (size_t)s->n);
				changed = 1;
			}
		}
	}
	return 0;
}

