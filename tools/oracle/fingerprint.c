/* SPDX-License-Identifier: MIT */
/*
 * fingerprint.c: `bindmodel fingerprint`: which personality is this kernel?
 *
 * The classic two-socket matrix: a first socket takes port 5000, then a
 * second one tries to; what happens to the second?  Rows are a mode and a
 * pair of addresses, columns where the reuse flags are set:
 *
 *   modes      tcp         both sockets bound, neither listening
 *              tcp-listen  the first listens; the second binds, then listens
 *              udp         both bound
 *              udp-mcast   both bound, to multicast groups or the wildcard
 *   addresses  every ordered pair of the wildcard, loopback and a second
 *              specific address (10.0.0.1); for udp-mcast the wildcard and
 *              two groups (224.1.2.3, 224.1.2.4)
 *   columns    no flag; SO_REUSEADDR on the first, the second or both; the
 *              same for SO_REUSEPORT
 *
 * The matrix runs on the live kernel (in a private namespace, through the
 * kernel engine), then on every built-in personality of the model; the one
 * with the most equal cells is named, with the cells where it differs.
 * A cell reads "ok", the second bind's error ("INUSE"), "ok,L:INUSE" when
 * the bind passed but the listen did not, or "n/a" when an option does not
 * exist there.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

#define FP_PORT 5000
#define FP_CELL 24

enum { M_TCP, M_TCP_LISTEN, M_UDP, M_UDP_MCAST, M_COUNT };
static const char *const mode_names[M_COUNT] = {"tcp", "tcp-listen", "udp", "udp-mcast"};
static const char *const unicast[3] = {"0.0.0.0", "127.0.0.1", "10.0.0.1"};
static const char *const mcast[3] = {"0.0.0.0", "224.1.2.3", "224.1.2.4"};

#define NCOLS 7
static const char *const col_names[NCOLS] = {"none",   "RA:1st", "RA:2nd", "RA:both",
                                              "RP:1st", "RP:2nd", "RP:both"};

#define NROWS (M_COUNT * 9)
#define NCELLS (NROWS * NCOLS)

typedef struct fp_matrix {
	char cell[NCELLS][FP_CELL];
	int skipped;              /* cells the engine could not run */
} fp_matrix;

static const char *row_addr(int row, int which)
{
	int mode = row / 9, pair = row % 9;
	const char *const *set = mode == M_UDP_MCAST ? mcast : unicast;
	return set[which == 0 ? pair / 3 : pair % 3];
}

static const char *short_name(bm_result r)
{
	switch (r) {
	case BM_OK:
		return "ok";
	case BM_EADDRINUSE:
		return "INUSE";
	case BM_EADDRNOTAVAIL:
		return "NOTAVAIL";
	case BM_ENOPROTOOPT:
		return "n/a";
	default: {
		const char *n = bm_result_name(r);
		return n[0] == 'E' ? n + 1 : n;
	}
	}
}

typedef struct fp_run {
	sc_engine *e;
	sc_cmd *c;
	sc_outcome o;
	char err[512];
	int skip;
} fp_run;

/* Run one line; returns its result, or -1 (skip or error: r->skip says). */
static int step(fp_run *r, const char *line)
{
	char perr[200];
	int col;
	if (sc_parse_line(line, 1, r->c, perr, sizeof perr, &col) != 1) {
		snprintf(r->err, sizeof r->err, "bad line '%s': %s", line, perr);
		return -1;
	}
	int rc = r->e->exec(r->e->ctx, r->c, &r->o, r->err, sizeof r->err);
	if (rc != SC_EXEC_OK) {
		r->skip = rc == SC_EXEC_SKIP;
		return -1;
	}
	return (int)r->o.code;
}

/* One cell: returns 0, or -1 on an engine error (r->err). */
static int run_cell(fp_run *r, const char *os, int row, int col, char *out)
{
	int mode = row / 9;
	int tcp = mode == M_TCP || mode == M_TCP_LISTEN;
	unsigned fa = 0, fb = 0;
	if (col >= 1 && col <= 3) {
		fa = col != 2 ? BM_SO_REUSEADDR : 0;
		fb = col != 1 ? BM_SO_REUSEADDR : 0;
	} else if (col >= 4) {
		fa = col != 5 ? BM_SO_REUSEPORT : 0;
		fb = col != 4 ? BM_SO_REUSEPORT : 0;
	}
	r->skip = 0;
	if (r->e->reset(r->e->ctx, os, r->err, sizeof r->err) != 0)
		return -1;
	char line[160];
	const char *kind = tcp ? "tcp4" : "udp4";
	int res;
	if (step(r, "addr add 10.0.0.1") < 0)
		goto fail;
	for (int s = 0; s < 2; s++) {
		const char *nm = s ? "b" : "a";
		unsigned f = s ? fb : fa;
		snprintf(line, sizeof line, "%s = socket %s", nm, kind);
		if ((res = step(r, line)) < 0)
			goto fail;
		if (res != BM_OK) {
			snprintf(out, FP_CELL, "socket:%s", short_name((bm_result)res));
			return 0;
		}
		if (f) {
			snprintf(line, sizeof line, "setsockopt %s %s 1", nm,
			         f == BM_SO_REUSEADDR ? "SO_REUSEADDR" : "SO_REUSEPORT");
			if ((res = step(r, line)) < 0)
				goto fail;
			if (res != BM_OK) {
				snprintf(out, FP_CELL, "%s", short_name((bm_result)res));
				return 0;
			}
		}
		snprintf(line, sizeof line, "bind %s %s:%d", nm, row_addr(row, s), FP_PORT);
		if ((res = step(r, line)) < 0)
			goto fail;
		if (res != BM_OK) {
			snprintf(out, FP_CELL, "%s%s", s ? "" : "1st:", short_name((bm_result)res));
			return 0;
		}
		if (mode == M_TCP_LISTEN) {
			snprintf(line, sizeof line, "listen %s", nm);
			if ((res = step(r, line)) < 0)
				goto fail;
			if (res != BM_OK) {
				snprintf(out, FP_CELL, "%s%s", s ? "ok,L:" : "1st,L:",
				         short_name((bm_result)res));
				return 0;
			}
		}
	}
	snprintf(out, FP_CELL, "ok");
	return 0;
fail:
	if (r->skip) {
		snprintf(out, FP_CELL, "skip");
		return 0;
	}
	return -1;
}

static int run_matrix(sc_engine *e, const char *os, fp_matrix *m, char *err, size_t errlen)
{
	fp_run r;
	memset(&r, 0, sizeof r);
	r.e = e;
	r.c = calloc(1, sizeof *r.c);
	if (!r.c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->skipped = 0;
	for (int row = 0; row < NROWS; row++) {
		for (int col = 0; col < NCOLS; col++) {
			char *cell = m->cell[row * NCOLS + col];
			if (run_cell(&r, os, row, col, cell) != 0) {
				snprintf(err, errlen, "%s", r.err);
				sc_cmd_free(r.c);
				free(r.c);
				return -1;
			}
			if (strcmp(cell, "skip") == 0)
				m->skipped++;
		}
	}
	sc_cmd_free(r.c);
	free(r.c);
	return 0;
}

static void print_matrix(const fp_matrix *m)
{
	printf("%-10s %-9s %-9s |", "mode", "first", "second");
	for (int c = 0; c < NCOLS; c++)
		printf(" %-10s", col_names[c]);
	printf("\n");
	for (int row = 0; row < NROWS; row++) {
		if (row % 9 == 0 && row)
			printf("\n");
		printf("%-10s %-9s %-9s |", mode_names[row / 9], row_addr(row, 0), row_addr(row, 1));
		for (int c = 0; c < NCOLS; c++)
			printf(" %-10s", m->cell[row * NCOLS + c]);
		printf("\n");
	}
}

static int compare(const fp_matrix *k, const fp_matrix *p, int *compared)
{
	int same = 0;
	*compared = 0;
	for (int i = 0; i < NCELLS; i++) {
		if (strcmp(k->cell[i], "skip") == 0)
			continue;
		(*compared)++;
		same += strcmp(k->cell[i], p->cell[i]) == 0;
	}
	return same;
}

int cmd_fingerprint(int argc, char **argv)
{
	const char *against = NULL;
	int loopback_only = 0;
	static const struct option longopts[] = {
		{"against", required_argument, NULL, 'a'},
		{"loopback-only", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char use[] = "usage: bindmodel fingerprint [--against=model:OS] [--loopback-only]\n";
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': against = optarg; break;
		case 'L': loopback_only = 1; break;
		case 'h':
			printf("%s  Runs the two-socket bind matrix on the live kernel (or, for testing,\n"
			       "  on the model as OS) and names the personality that matches it best.\n"
			       "  Exit status: 0 a match, 1 none, 2 an error.\n", use);
			return 0;
		default: fputs(use, stderr); return 2;
		}
	}
	if (optind < argc) {
		fputs(use, stderr);
		return 2;
	}
	int rc = 2;
	char err[512] = "";
	sc_engine ke, me;
	int have_k = 0, have_m = 0;
	fp_matrix *km = malloc(sizeof *km), *pm = malloc(sizeof *pm), *best = malloc(sizeof *best);
	const char *native = NULL;
	if (!km || !pm || !best)
		goto out;
	if (against) {
		const bm_policy *p = strncmp(against, "model:", 6) == 0 ? bm_personality_find(against + 6)
		                                                        : NULL;
		if (!p) {
			fprintf(stderr, "bindmodel fingerprint: --against takes model:OS\n");
			goto out;
		}
		if (sc_model_engine(&ke) != 0)
			goto out;
		have_k = 1;
		native = p->name;
		printf("fingerprint of the model as %s (--against)\n", p->name);
	} else {
		if (kb_engine(&ke, err, sizeof err) != 0) {
			fprintf(stderr, "bindmodel fingerprint: kernel backend: %s\n", err);
			goto out;
		}
		have_k = 1;
		if (kb_engine_opts(&ke, 0, loopback_only, err, sizeof err) != 0) {
			fprintf(stderr, "bindmodel fingerprint: kernel backend: %s\n", err);
			goto out;
		}
		native = kb_native_personality();
		struct utsname u;
		if (uname(&u) == 0)
			printf("fingerprint of the live kernel: %s %s\n", u.sysname, u.release);
	}
	const char *kos = native ? native : "linux";
	if (run_matrix(&ke, kos, km, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel fingerprint: %s\n", err);
		goto out;
	}
	if (!against) {
		char why[200] = "";
		if (kb_engine_isolated(&ke, why, sizeof why) != 1)
			printf("(not in a private network namespace: %s)\n", why);
	}
	printf("port %d; the second socket's bind (and, in tcp-listen, its listen) next to the "
	       "first;\nRA = SO_REUSEADDR, RP = SO_REUSEPORT; n/a = no such option\n\n", FP_PORT);
	print_matrix(km);
	if (km->skipped)
		printf("\n%d cells skipped by the kernel engine\n", km->skipped);

	if (sc_model_engine(&me) != 0)
		goto out;
	have_m = 1;
	printf("\npersonalities (cells equal to the kernel's):\n");
	const bm_policy *bp = NULL;
	int bsame = -1, compared = 0;
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		if (run_matrix(&me, p->name, pm, err, sizeof err) != 0) {
			printf("  %-13s error: %s\n", p->name, err);
			continue;
		}
		int same = compare(km, pm, &compared);
		printf("  %-13s %3d/%d\n", p->name, same, compared);
		/* on a tie the personality the engine names this system wins */
		if (same > bsame || (same == bsame && native && strcmp(p->name, native) == 0)) {
			bsame = same;
			bp = p;
			*best = *pm;
		}
	}
	if (!bp) {
		fprintf(stderr, "bindmodel fingerprint: no personality could run\n");
		goto out;
	}
	int ndiff = compared - bsame;
	printf("\nbest match: %s (%d/%d cells equal, %d difference%s)\n", bp->name, bsame, compared,
	       ndiff, ndiff == 1 ? "" : "s");
	int ties = 0;
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		if (p == bp || run_matrix(&me, p->name, pm, err, sizeof err) != 0 ||
		    compare(km, pm, &compared) != bsame)
			continue;
		printf("%s %s", ties++ ? "," : "  as good on this matrix:", p->name);
	}
	if (ties)
		printf("\n");
	for (int i = 0; i < NCELLS; i++) {
		if (strcmp(km->cell[i], "skip") == 0 || strcmp(km->cell[i], best->cell[i]) == 0)
			continue;
		int row = i / NCOLS, col = i % NCOLS;
		printf("  differs: %-10s %-9s -> %-9s %-8s kernel %-10s %s %s\n", mode_names[row / 9],
		       row_addr(row, 0), row_addr(row, 1), col_names[col], km->cell[i], bp->name,
		       best->cell[i]);
	}
	if (native && strcmp(native, bp->name) != 0)
		printf("note: the kernel engine names this system %s\n", native);
	rc = 0;
out:
	if (have_k)
		ke.destroy(ke.ctx);
	if (have_m)
		me.destroy(me.ctx);
	free(km);
	free(pm);
	free(best);
	return rc;
}
