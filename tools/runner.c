/* SPDX-License-Identifier: MIT */
/*
 * runner.c: `bindmodel run`: scenario files on an engine, expectations
 * checked per personality, one line per failure, totals at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"


/* Read a line of any length; lines over SC_MAXLINE are cut and flagged. */
static int read_line(FILE *f, char *buf, size_t len, int *too_long)
{
	*too_long = 0;
	if (!fgets(buf, (int)len, f))
		return 0;
	size_t n = strlen(buf);
	if (n == len - 1 && buf[n - 1] != '\n') {
		int ch;
		*too_long = 1;
		while ((ch = fgetc(f)) != EOF && ch != '\n')
			;
	}
	return 1;
}

int sc_script_load(const char *path, sc_script *s, FILE *out)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(out, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	char *line = malloc(SC_MAXLINE + 2);
	sc_cmd *c = malloc(sizeof *c);
	int lineno = 0;
	if (!line || !c) {
		free(line);
		free(c);
		fclose(f);
		return -1;
	}
	int too_long;
	while (read_line(f, line, SC_MAXLINE + 2, &too_long)) {
		char err[200];
		int col;
		lineno++;
		if (too_long) {
			fprintf(out, "%s:%d:%d: line longer than %d characters\n", path, lineno,
			        SC_MAXLINE + 1, SC_MAXLINE);
			s->syntax_errors++;
			continue;
		}
		int r = sc_parse_line(line, lineno, c, err, sizeof err, &col);
		if (r < 0) {
			fprintf(out, "%s:%d:%d: %s\n", path, lineno, col, err);
			s->syntax_errors++;
			continue;
		}
		if (r == 0)
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			sc_cmd *n = realloc(s->cmds, cap * sizeof *n);
			if (!n)
				break;
			s->cmds = n;
			s->cap = cap;
		}
		s->cmds[s->n++] = *c;
	}
	/* a NUL byte inside a line hides the rest of it from fgets users:
	 * scan the file again for it so that binary input is reported */
	rewind(f);
	lineno = 1;
	int ch, colno = 0;
	while ((ch = fgetc(f)) != EOF) {
		colno++;
		if (ch == '\n') {
			lineno++;
			colno = 0;
		} else if (ch == 0) {
			fprintf(out, "%s:%d:%d: unexpected byte (the language is ASCII)\n", path,
			        lineno, colno);
			s->syntax_errors++;
			break;
		}
	}
	free(line);
	free(c);
	fclose(f);
	return 0;
}

static int os_allowed(const sc_run_opts *o, const char *os)
{
	if (!o || o->nos == 0 || sc_rebind_os(o, os) != os)
		return 1;
	for (int i = 0; i < o->nos; i++)
		if (strcmp(o->os[i], os) == 0)
			return 1;
	return 0;
}

static void run_one(sc_engine *e, const char *path, const sc_script *s, size_t first,
                    const char *os, const sc_run_opts *opts, sc_totals *t, FILE *out)
{
	char err[200];
	char cur[SC_OSLEN];
	snprintf(cur, sizeof cur, "%s", os);
	if (e->reset(e->ctx, os, err, sizeof err) != 0) {
		fprintf(out, "%s: [%s] %s\n", path, os, err);
		t->errors++;
		return;
	}
	sc_outcome *o = malloc(sizeof *o);
	if (!o)
		return;
	int skipping = 0;   /* after a skip: until the next `os` resets */
	for (size_t i = first; i < s->n; i++) {
		const sc_cmd *c = &s->cmds[i];
		if (skipping && c->kind != SC_OS)
			continue;
		skipping = 0;
		if (c->kind == SC_OS) {
			if (c->nos != 1) {
				fprintf(out, "%s:%d: [%s] 'os' inside a file takes one personality\n", path,
				        c->line, cur);
				t->errors++;
				break;
			}
			snprintf(cur, sizeof cur, "%s", sc_rebind_os(opts, c->os[0]));
			if (e->reset(e->ctx, cur, err, sizeof err) != 0) {
				fprintf(out, "%s:%d: [%s] %s\n", path, c->line, cur, err);
				t->errors++;
				break;
			}
			continue;
		}
		if (c->kind >= SC_SHOW)
			continue;   /* interactive commands: nothing to check */
		if (e->exec(e->ctx, c, o, err, sizeof err) != 0) {
			if (strncmp(err, "skip:", 5) == 0) {
				fprintf(out, "%s:%d: [%s] skipped:%s\n", path, c->line, cur, err + 5);
				t->skipped++;
				skipping = 1;
				continue;
			}
			fprintf(out, "%s:%d: [%s] %s\n", path, c->line, cur, err);
			t->errors++;
			break;
		}
		const sc_expect *x = sc_expect_for(c, cur);
		if (!x)
			continue;
		if (sc_outcome_matches(o, x)) {
			t->passed++;
			if (opts && opts->verbose)
				fprintf(out, "%s:%d: [%s] ok: %s\n", path, c->line, cur, c->text);
			continue;
		}
		t->failed++;
		char got[160];
		sc_outcome_text(o, NULL, got, sizeof got);
		fprintf(out, "%s:%d: [%s] %s: expected %s, got %s (rule %s)%s%s\n", path, c->line, cur,
		        c->text, x->is_receivers ? x->receivers : bm_result_name(x->code), got,
		        o->verdict.rule ? o->verdict.rule : "-", o->verdict.reason[0] ? ": " : "",
		        o->verdict.reason);
	}
	free(o);
}

void sc_script_free(sc_script *s)
{
	free(s->cmds);
	memset(s, 0, sizeof *s);
}

int sc_script_personalities(const sc_script *s, const sc_run_opts *opts, const char *path,
                            char list[SC_MAXOS][SC_OSLEN], size_t *first, FILE *out)
{
	/* the personalities: a leading `os A B ...`, else --os */
	char all[SC_MAXOS][SC_OSLEN];
	int nall = 0, n = 0;
	*first = 0;
	if (s->n > 0 && s->cmds[0].kind == SC_OS && s->cmds[0].nos > 0) {
		for (int i = 0; i < s->cmds[0].nos; i++)
			snprintf(all[nall++], SC_OSLEN, "%s", s->cmds[0].os[i]);
		*first = 1;
	} else if (opts && opts->nos > 0) {
		for (int i = 0; i < opts->nos; i++)
			snprintf(all[nall++], SC_OSLEN, "%s", opts->os[i]);
	} else {
		fprintf(out, "%s:1:1: no personality: start the file with 'os NAME...' or use --os\n",
		        path);
		return -1;
	}
	for (int i = 0; i < nall; i++)
		if (os_allowed(opts, all[i]))
			snprintf(list[n++], SC_OSLEN, "%s", sc_rebind_os(opts, all[i]));
	return n;
}

int sc_run_file(sc_engine *e, const char *path, const sc_run_opts *opts, sc_totals *t,
                FILE *out)
{
	sc_script s;
	sc_totals before = *t;
	if (sc_script_load(path, &s, out) != 0) {
		t->errors++;
		return -1;
	}
	if (s.syntax_errors) {
		t->errors += s.syntax_errors;
		sc_script_free(&s);
		return -1;
	}
	size_t first;
	char list[SC_MAXOS][SC_OSLEN];
	int nlist = sc_script_personalities(&s, opts, path, list, &first, out);
	if (nlist < 0) {
		t->errors++;
		sc_script_free(&s);
		return -1;
	}
	for (int i = 0; i < nlist; i++)
		run_one(e, path, &s, first, list[i], opts, t, out);
	sc_script_free(&s);
	return t->failed == before.failed && t->errors == before.errors ? 0 : -1;
}

int sc_split_os_list(const char *list, sc_run_opts *opts, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *s = strtok(buf, ", "); s; s = strtok(NULL, ", ")) {
		if (opts->nos == SC_MAXOS) {
			snprintf(err, errlen, "too many personalities");
			return -1;
		}
		if (sc_canonical_os(s, opts->os[opts->nos]) != 0) {
			snprintf(err, errlen, "unknown personality '%s'", s);
			return -1;
		}
		opts->nos++;
	}
	return 0;
}

int sc_print_totals(const sc_totals *t)
{
	if (t->errors)
		printf("%ld errors\n", t->errors);
	printf("%ld passed, %ld failed", t->passed, t->failed);
	if (t->skipped)
		printf(", %ld skipped", t->skipped);
	printf("\n");
	return t->failed || t->errors ? 1 : 0;
}
