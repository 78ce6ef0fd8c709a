/* SPDX-License-Identifier: MIT */
/*
 * explore_out.c: what `bindmodel explore` leaves behind.  A minimal
 * scenario is written to DIR with its sockets renamed a, b, c... in the
 * order they are made (so that equal scenarios read alike and are written
 * once), the other engine's results as its expectations and the model's
 * result at the disagreeing step as a comment; and the closing summary:
 * counts, the kinds of disagreement, and why comparisons stopped early.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "explore.h"

static uint64_t fnv(const char *s, uint64_t x)
{
	for (; *s; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	return x;
}

static int seen_add(seen *z, uint64_t h)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->h[i] == h)
			return 0;
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 32;
		uint64_t *n = realloc(z->h, cap * sizeof *n);
		if (!n)
			return 0;
		z->h = n;
		z->cap = cap;
	}
	z->h[z->n++] = h;
	return 1;
}

int xp_make_dir(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof p, "%s", dir);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

typedef struct namemap {
	char from[XP_MAXSTEPS][8], to[XP_MAXSTEPS][8];
	int n;
} namemap;

static const char *map_name(const namemap *nm, const char *name)
{
	for (int j = 0; j < nm->n; j++)
		if (strcmp(name, nm->from[j]) == 0)
			return nm->to[j];
	return name;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Rename the receivers of a deliver result ("s1+s3") and sort them again. */
static void map_list(const namemap *nm, char *list, size_t len)
{
	char names[16][8], buf[64];
	int n = 0;
	if (strcmp(list, "none") == 0 || !list[0])
		return;
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, "+", &save); t && n < 16;
	     t = strtok_r(NULL, "+", &save))
		snprintf(names[n++], sizeof names[0], "%s", map_name(nm, t));
	qsort(names, (size_t)n, sizeof names[0], cmp_name);
	list[0] = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(list);
		snprintf(list + l, len - l, "%s%s", i ? "+" : "", names[i]);
	}
}

/* Rename the kept sockets of s (and the receivers in m and k) a, b, c, ...
 * in the order they are made (the helper stays h), so that equal minimal
 * scenarios read alike. */
static void canonical(xscen *s, const char *keep, xres *m, xres *k)
{
	namemap *nm = malloc(sizeof *nm);
	if (!nm)
		return;
	nm->n = 0;
	char next = 'a';
	for (int i = 0; i < s->n; i++) {
		/* host names (host, on) are not socket names: they stay */
		if (!keep[i] || !s->st[i].name[0] || nm->n == XP_MAXSTEPS ||
		    s->st[i].kind == SC_HOST || s->st[i].kind == SC_ON)
			continue;
		snprintf(nm->from[nm->n], sizeof nm->from[0], "%s", s->st[i].name);
		if (next == 'h')
			next++;
		if (strcmp(s->st[i].name, "h") == 0)
			snprintf(nm->to[nm->n], sizeof nm->to[0], "h");
		else if (next <= 'z')
			snprintf(nm->to[nm->n], sizeof nm->to[0], "%c", next++);
		else
			snprintf(nm->to[nm->n], sizeof nm->to[0], "%s", s->st[i].name);
		nm->n++;
	}
	for (int i = 0; i < s->n; i++) {
		xstep *t = &s->st[i];
		if (t->kind != SC_HOST && t->kind != SC_ON)
			snprintf(t->name, sizeof t->name, "%s", map_name(nm, t->name));
		snprintf(t->target, sizeof t->target, "%s", map_name(nm, t->target));
		if (m[i].is_deliver && m[i].st == RS_RAN)
			map_list(nm, m[i].recv, sizeof m[i].recv);
		if (k[i].is_deliver && k[i].st == RS_RAN)
			map_list(nm, k[i].recv, sizeof k[i].recv);
	}
	free(nm);
}

int xp_write_case(runner *rn, const char *dir, const char *prefix, int fileno_, const xscen *s,
                  const char *keep, int target, xres *m, xres *k, const char *origin, seen *z)
{
	char line[SC_MAXLINE + 1];
	uint64_t h = 1469598103934665603ull;
	int kept = 0;
	/* write a renamed copy (the caller's arrays are scratch space) */
	xscen *cs = malloc(sizeof *cs);
	if (!cs)
		return 0;
	*cs = *s;
	canonical(cs, keep, m, k);
	s = cs;
	for (int i = 0; i < s->n; i++) {
		if (!keep[i])
			continue;
		xp_step_text(&s->st[i], line, sizeof line);
		h = fnv(line, h);
		h = fnv("\n", h);
		kept++;
	}
	if (!seen_add(z, h)) {
		free(cs);
		return 0;
	}
	char path[1200];
	snprintf(path, sizeof path, "%s/%s-%04d.bms", dir, prefix, fileno_);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bindmodel explore: cannot write %s: %s\n", path, strerror(errno));
		free(cs);
		return 0;
	}
	char a[160], b[160], tt[SC_MAXLINE + 1];
	xp_step_text(&s->st[target], tt, sizeof tt);
	fprintf(f, "# bindmodel explore: the model (%s) and the %s disagree.\n", rn->os,
	        rn->other.name);
	fprintf(f, "# found by %s; shrunk to %d of %d steps.\n", origin, kept, s->n);
	fprintf(f, "# step `%s`: model %s%s%s, %s %s.\n", tt, xp_res_text(&m[target], a, sizeof a),
	        m[target].rule ? " by rule " : "", m[target].rule ? m[target].rule : "",
	        rn->other.name, xp_res_text(&k[target], b, sizeof b));
	fprintf(f, "# The expectations below are the %s's results.\n", rn->other.name);
	fprintf(f, "os %s\n", rn->os);
	for (int i = 0; i < s->n; i++) {
		if (!keep[i])
			continue;
		xp_step_text(&s->st[i], line, sizeof line);
		fputs(line, f);
		if (sc_kind_compared(s->st[i].kind) && k[i].st == RS_RAN) {
			if (k[i].is_deliver)
				fprintf(f, " => %s", k[i].recv[0] ? k[i].recv : "none");
			else
				fprintf(f, " => %s", bm_result_name(k[i].code));
		} else if (k[i].st != RS_RAN) {
			fprintf(f, "  # %s: %s", rn->other.name, xp_res_text(&k[i], a, sizeof a));
		}
		if (i == target)
			fprintf(f, "  # model: %s%s%s", xp_res_text(&m[i], a, sizeof a),
			        m[i].rule ? ", rule " : "", m[i].rule ? m[i].rule : "");
		fputc('\n', f);
	}
	fclose(f);
	free(cs);
	return 1;
}

static int kind_cmp(const void *a, const void *b)
{
	const xp_kind *x = a, *y = b;
	return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->sig, y->sig);
}


void xp_print_summary(const runner *rn, const xp_stats *st, xp_kind *kinds, size_t nkinds,
                      int per_kind, const char *dir, double elapsed)
{
	printf("explore: %ld scenarios, %ld disagreed, %ld flaky (%ld distinct minimal scenarios "
	       "written to %s/), %.1f s, %.0f scenarios/s\n",
	       st->scenarios, st->disagreed, st->flaky, st->written, dir, elapsed,
	       elapsed > 0 ? (double)st->scenarios / elapsed : 0.0);
	if (nkinds) {
		qsort(kinds, nkinds, sizeof *kinds, kind_cmp);
		printf("explore: %zu kinds of disagreement (at most %d shrunk and written per kind):\n",
		       nkinds, per_kind);
		for (size_t i = 0; i < nkinds; i++)
			printf("  %6ld x %s  [%s]\n", kinds[i].count, kinds[i].sig,
			       kinds[i].first[0] ? kinds[i].first : "duplicate");
	}
	if (rn->within_set)
		printf("explore: %ld steps within a set (the kernel gave the model's other possible "
		       "answer; the rest of those scenarios was not compared)\n", rn->within_set);
	if (rn->cut_nondet)
		printf("explore: %ld scenarios compared only up to a connect into an SO_REUSEPORT "
		       "group (which member gets it is a hash)\n", rn->cut_nondet);
	for (int i = 0; i < 8 && rn->skip_why[i][0]; i++)
		printf("explore: %ld scenarios stopped at a kernel skip: %s\n", rn->skip_n[i],
		       rn->skip_why[i]);
}
