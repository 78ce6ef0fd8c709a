/* SPDX-License-Identifier: MIT */
/*
 * repl_compare.c: `compare [OS...]`.  The session's operations are
 * replayed on a scratch model engine once per personality and printed as a
 * table: one row per operation, one column per personality, with the cells
 * that differ from the current personality highlighted.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "repl.h"

#define CELL REPL_CELL

int repl_run_cmds(const char *os, const sc_cmd *const *cmds, size_t n, sc_outcome *outs,
                  int *status, char errs[][CELL], char *err, size_t errlen)
{
	sc_engine e;
	if (sc_model_engine(&e) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (e.reset(e.ctx, os, err, errlen) != 0) {
		e.destroy(e.ctx);
		return -1;
	}
	sc_outcome o;
	for (size_t i = 0; i < n; i++) {
		char why[200];
		status[i] = e.exec(e.ctx, cmds[i], outs ? &outs[i] : &o, why, sizeof why);
		if (status[i] != 0 && errs)
			snprintf(errs[i], CELL, "%s", strncmp(why, "unknown socket", 14) == 0 ? "-" : "error");
	}
	e.destroy(e.ctx);
	return 0;
}

void repl_compare(repl *r, const sc_cmd *c)
{
	FILE *f = r->out;
	const char *cols[SC_MAXOS > 32 ? SC_MAXOS : 32];
	size_t ncols = 0;
	if (c->nos > 0) {
		for (int i = 0; i < c->nos; i++) {
			const bm_policy *p = bm_personality_find(c->os[i]);
			size_t k;
			for (k = 0; p && k < ncols; k++)
				if (strcmp(cols[k], p->name) == 0)
					break;
			if (p && k == ncols)
				cols[ncols++] = p->name;
		}
	} else {
		for (size_t i = 0; i < bm_personality_count() && ncols < 32; i++)
			cols[ncols++] = bm_personality_at(i)->name;
	}
	if (r->nops == 0) {
		if (r->json)
			fputs("{\"type\":\"compare\",\"compare\":{\"rows\":[]}}\n", f);
		else
			fprintf(f, "nothing to compare yet: type some operations first (help)\n");
		return;
	}
	size_t n = r->nops;
	const sc_cmd **cmds = malloc(n * sizeof *cmds);
	sc_outcome *outs = malloc(n * sizeof *outs);
	int *status = malloc(n * sizeof *status);
	char (*cells)[CELL] = calloc(n * ncols, CELL);
	char (*errs)[CELL] = calloc(n, CELL);
	if (!cmds || !outs || !status || !cells || !errs) {
		fprintf(f, "compare: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		cmds[i] = r->ops[i].cmd;
	for (size_t k = 0; k < ncols; k++) {
		char err[200];
		if (repl_run_cmds(cols[k], cmds, n, outs, status, errs, err, sizeof err) != 0) {
			for (size_t i = 0; i < n; i++)
				snprintf(cells[i * ncols + k], CELL, "error");
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			char *cell = cells[i * ncols + k];
			if (status[i] != 0)
				snprintf(cell, CELL, "%s", errs[i]);
			else if (outs[i].is_deliver)
				snprintf(cell, CELL, "%s", outs[i].receivers);
			else if (sc_kind_compared(cmds[i]->kind) || outs[i].code != BM_OK)
				snprintf(cell, CELL, "%s", bm_result_name(outs[i].code));
		}
	}
	/* the reference column: the current personality, else the first */
	size_t ref = 0;
	int have_cur = 0;
	for (size_t k = 0; k < ncols; k++)
		if (strcmp(cols[k], r->os) == 0) {
			ref = k;
			have_cur = 1;
		}
	size_t ndiff = 0;
	if (r->json) {
		fputs("{\"type\":\"compare\",\"compare\":{\"personalities\":[", f);
		for (size_t k = 0; k < ncols; k++) {
			if (k)
				fputc(',', f);
			json_str(f, cols[k]);
		}
		fputs("],\"rows\":[", f);
		for (size_t i = 0; i < n; i++) {
			int differs = 0;
			for (size_t k = 0; k < ncols; k++)
				if (strcmp(cells[i * ncols + k], cells[i * ncols + ref]) != 0)
					differs = 1;
			fprintf(f, "%s{\"command\":", i ? "," : "");
			json_str(f, cmds[i]->text);
			fputs(",\"results\":{", f);
			for (size_t k = 0; k < ncols; k++) {
				if (k)
					fputc(',', f);
				json_str(f, cols[k]);
				fputc(':', f);
				json_str(f, cells[i * ncols + k]);
			}
			fprintf(f, "},\"differs\":%s}", differs ? "true" : "false");
		}
		fputs("]}}\n", f);
		goto out;
	}
	size_t wcmd = 7;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(cmds[i]->text);
		if (l > wcmd)
			wcmd = l;
	}
	if (wcmd > 46)
		wcmd = 46;
	size_t w[32];
	int shortnames = 0;
again:;
	size_t total = 2 + wcmd;
	for (size_t k = 0; k < ncols; k++) {
		w[k] = strlen(cols[k]);
		for (size_t i = 0; i < n; i++)
			if (strlen(cells[i * ncols + k]) > w[k])
				w[k] = strlen(cells[i * ncols + k]);
		if (!r->color)
			w[k]++;   /* room for the '*' marker */
		total += 2 + w[k];
	}
	/* too wide for the terminal: drop the E of the errno names, then
	 * print the columns in blocks that fit, each with the commands */
	size_t width = repl_term_width(f);
	if (!shortnames && width && total > width) {
		shortnames = 1;
		for (size_t i = 0; i < n * ncols; i++)
			if (cells[i][0] == 'E' && cells[i][1] >= 'A' && cells[i][1] <= 'Z')
				memmove(cells[i], cells[i] + 1, strlen(cells[i]));
		goto again;
	}
	const char *B = repl_c(r, C_BOLD), *R = repl_c(r, C_RESET);
	for (size_t g0 = 0, g1; g0 < ncols; g0 = g1) {
		size_t used = 2 + wcmd + 2 + w[g0];
		for (g1 = g0 + 1; g1 < ncols && (!width || used + 2 + w[g1] <= width); g1++)
			used += 2 + w[g1];
		if (g0)
			fputc('\n', f);
		fprintf(f, "%s  %-*s", B, (int)wcmd, "command");
		for (size_t k = g0; k < g1; k++) {
			int cur = have_cur && k == ref;
			fprintf(f, "  %s%-*s%s%s", cur && r->color ? "\033[4m" : "",
			        k + 1 == g1 ? 0 : (int)w[k], cols[k],
			        cur && r->color ? R : "", cur && r->color ? B : "");
		}
		fprintf(f, "%s\n", R);
		for (size_t i = 0; i < n; i++) {
			int differs = 0;
			for (size_t k = 0; k < ncols; k++)
				if (strcmp(cells[i * ncols + k], cells[i * ncols + ref]) != 0)
					differs = 1;
			if (g0 == 0)
				ndiff += (size_t)differs;
			char text[48];
			size_t tl = strlen(cmds[i]->text);
			if (tl > wcmd)
				snprintf(text, sizeof text, "%.*s~", (int)wcmd - 1, cmds[i]->text);
			else
				snprintf(text, sizeof text, "%s", cmds[i]->text);
			/* the row goes to a buffer first so that trailing blanks can go */
			char row[2048];
			size_t len = 0;
			int w0 = snprintf(row, sizeof row, "%s%s%s %-*s",
			                  differs ? repl_c(r, C_YELLOW) : "", differs ? "*" : " ",
			                  differs ? R : "", (int)wcmd, text);
			len = w0 > 0 && (size_t)w0 < sizeof row ? (size_t)w0 : 0;
			for (size_t k = g0; k < g1 && len < sizeof row; k++) {
				const char *cell = cells[i * ncols + k];
				int odd = strcmp(cell, cells[i * ncols + ref]) != 0;
				int wk = (int)w[k], wr;
				if (r->color) {
					wr = snprintf(row + len, sizeof row - len, "  %s%-*s%s",
					              odd ? C_YELLOW C_BOLD : "", wk, cell, odd ? R : "");
				} else {
					char m[CELL + 2];
					snprintf(m, sizeof m, "%s%s", cell, odd ? "*" : "");
					wr = snprintf(row + len, sizeof row - len, "  %-*s", wk, m);
				}
				if (wr < 0 || (size_t)wr >= sizeof row - len)
					break;
				len += (size_t)wr;
			}
			while (len > 0 && row[len - 1] == ' ')
				len--;
			fprintf(f, "%.*s\n", (int)len, row);
		}
	}
	if (ndiff)
		fprintf(f, "%zu of %zu rows differ; %s marks results that differ from %s%s.\n", ndiff, n,
		        r->color ? "colour" : "*", cols[ref],
		        have_cur ? " (the current personality)" : "");
	else
		fprintf(f, "every personality gives the same results.\n");
	fprintf(f, "(results are POSIX errno names%s;\n - : that socket does not exist there)\n",
	        shortnames ? " without their leading E" : "");
out:
	free(cmds);
	free(outs);
	free(status);
	free(cells);
	free(errs);
}
