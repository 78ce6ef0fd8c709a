/* SPDX-License-Identifier: MIT */
/*
 * runner.c: `bindmodel run`: scenario files on an engine, expectations
 * checked per personality, one line per failure, totals at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"        /* json_str */
#include "scenario.h"

/*
 * Reporting.  Text: failures and skips on out (they are the results),
 * errors as diagnostics on stderr.  --json: one object per line on out, each
 * with a "type" ("pass" with -v, "failure", "skip", "error", "totals").
 * --tap: TAP version 13, one test point per expectation; a skip or an error
 * is a point of its own, so nothing is left out of the count.
 */
typedef struct report {
	const char *type;       /* pass, failure, skip, error */
	const char *path;
	int line;               /* 0: the file as a whole */
	const char *os;         /* NULL: before any personality */
	const char *command;
	const char *expected, *got, *rule, *reason;
	const char *message;    /* skip/error text */
	long not_run;           /* error: expectations not run because of it */
} report;

static void report_text(const report *r, FILE *out)
{
	/* a skip is a result too (an expectation not checked): stdout */
	FILE *f = strcmp(r->type, "error") != 0 ? out : stderr;
	if (r->line)
		fprintf(f, "%s:%d: ", r->path, r->line);
	else
		fprintf(f, "%s: ", r->path);
	if (r->os)
		fprintf(f, "[%s] ", r->os);
	if (strcmp(r->type, "pass") == 0)
		fprintf(f, "ok: %s\n", r->command);
	else if (strcmp(r->type, "failure") == 0)
		fprintf(f, "%s: expected %s, got %s (rule %s)%s%s\n", r->command, r->expected, r->got,
		        r->rule ? r->rule : "-", r->reason[0] ? ": " : "", r->reason);
	else if (strcmp(r->type, "skip") == 0)
		fprintf(f, "skipped:%s\n", r->message);
	else if (r->not_run > 0)
		fprintf(f, "%s; %ld expectation%s of [%s] not run after it\n", r->message, r->not_run,
		        r->not_run == 1 ? "" : "s", r->os ? r->os : "-");
	else
		fprintf(f, "%s\n", r->message);
}

static void json_field(FILE *f, const char *key, const char *val)
{
	if (!val)
		return;
	fprintf(f, ",\"%s\":", key);
	json_str(f, val);
}

static void report_json(const report *r, FILE *out)
{
	fputs("{\"type\":", out);
	json_str(out, r->type);
	json_field(out, "file", r->path);
	if (r->line)
		fprintf(out, ",\"line\":%d", r->line);
	json_field(out, "os", r->os);
	json_field(out, "command", r->command);
	json_field(out, "expected", r->expected);
	json_field(out, "got", r->got);
	json_field(out, "rule", r->rule);
	json_field(out, "reason", r->reason);
	json_field(out, "message", r->message);
	if (strcmp(r->type, "error") == 0)
		fprintf(out, ",\"not_run\":%ld", r->not_run);
	fputs("}\n", out);
}

/* A TAP description must not contain '#' (it starts a directive). */
static void tap_text(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '#' ? '_' : *s == '\n' ? ' ' : *s, out);
}

static void report_tap(const report *r, const sc_totals *t, FILE *out)
{
	long n = t->passed + t->failed + t->errors + t->skipped;
	int ok = strcmp(r->type, "pass") == 0 || strcmp(r->type, "skip") == 0;
	fprintf(out, "%s %ld - %s:%d [%s] ", ok ? "ok" : "not ok", n, r->path, r->line,
	        r->os ? r->os : "-");
	tap_text(out, r->command ? r->command : r->message);
	if (strcmp(r->type, "skip") == 0) {
		fputs(" # SKIP", out);
		tap_text(out, r->message);
	}
	fputc('\n', out);
	if (strcmp(r->type, "failure") == 0)
		fprintf(out, "  ---\n  expected: %s\n  got: %s\n  rule: %s\n  ...\n", r->expected,
		        r->got, r->rule ? r->rule : "-");
	else if (strcmp(r->type, "error") == 0 && r->not_run > 0)
		fprintf(out, "  ---\n  message: \"%s\"\n  not_run: %ld\n  ...\n", r->message,
		        r->not_run);
}

/* Print one record; t already counts it. */
static void emit(const sc_run_opts *opts, const sc_totals *t, const report *r, FILE *out)
{
	if (opts && opts->json) {
		if (strcmp(r->type, "pass") != 0 || opts->verbose)
			report_json(r, out);
	} else if (opts && opts->tap) {
		report_tap(r, t, out);
	} else if (strcmp(r->type, "pass") != 0 || (opts && opts->verbose)) {
		report_text(r, out);
	}
}

/* An error already printed on stderr: a record only in --json/--tap. */
static void record_error(const sc_run_opts *opts, sc_totals *t, FILE *out, const char *path,
                         int line, const char *msg);

static void emit_error(const sc_run_opts *opts, sc_totals *t, FILE *out, const char *path,
                       int line, const char *os, const char *msg, long not_run)
{
	t->errors++;
	t->not_run += not_run;
	report r = {.type = "error", .path = path, .line = line, .os = os, .message = msg,
	            .not_run = not_run};
	emit(opts, t, &r, out);
}


int sc_reader_line(sc_reader *r, char *buf, size_t len)
{
	size_t n = 0;
	int ch;
	r->lineno++;
	while ((ch = getc_unlocked(r->f)) != EOF) {
		if (++r->total > SC_MAXFILE) {
			snprintf(r->err, sizeof r->err, "%d:%zu: input larger than %d bytes; reading "
			         "stops here", r->lineno, n + 1, SC_MAXFILE);
			return -1;
		}
		if (ch == 0) {
			/* binary input (or /dev/zero): stop rather than scan it */
			snprintf(r->err, sizeof r->err, "%d:%zu: NUL byte (the language is ASCII); "
			         "reading stops here", r->lineno, n + 1);
			return -1;
		}
		if (ch == '\n')
			break;
		if (n < len - 1)
			buf[n] = (char)ch;
		n++;
	}
	if (ch == EOF && n == 0) {
		if (ferror(r->f)) {
			snprintf(r->err, sizeof r->err, "%d: read error", r->lineno);
			return -1;
		}
		return 0;
	}
	if (n > SC_MAXLINE || n >= len) {
		/* the rest of the line was read and dropped: report, go on */
		snprintf(r->err, sizeof r->err, "%d:%d: line longer than %d characters", r->lineno,
		         SC_MAXLINE + 1, SC_MAXLINE);
		buf[0] = 0;
		return 2;
	}
	buf[n] = 0;
	return 1;
}

/*
 * What a load keeps of each command: the parsed command (sc_script, for
 * the callers that walk a script) or only its text (sc_lines, for `run`).
 * A parsed line is about 860 bytes, its text a few dozen: `run` keeps the
 * text and parses each line again as it runs it (parsing is cheap next to
 * writing and reading back a large array: issue 11).  A file of at most
 * SC_KEEP_PARSED commands (every file of the spec) keeps its parsed
 * commands as well: it is run once per personality, each without parsing.
 */
#define SC_KEEP_PARSED 4096

typedef struct sc_line_ref {
	size_t off;              /* in text */
	int line;
} sc_line_ref;

typedef struct sc_lines {
	char *text;              /* the command lines, each NUL-terminated */
	size_t len, cap;
	sc_line_ref *at;
	size_t n, capn;
	int syntax_errors;
	sc_script parsed;        /* all n commands parsed, or none (n = 0) */
	int too_many;            /* parsed is given up: more than SC_KEEP_PARSED */
} sc_lines;

typedef struct keeper {
	sc_script *script;       /* keep parsed commands here, or */
	sc_lines *lines;         /* their text here */
} keeper;

static void lines_free(sc_lines *l)
{
	free(l->text);
	free(l->at);
	sc_script_free(&l->parsed);
	memset(l, 0, sizeof *l);
}

/* Room for need items of size bytes in *items (capacity *cap, doubled);
 * -1 when out of memory (nothing changed). */
static int grow(void **items, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 256;
	while (c < need)
		c *= 2;
	void *p = realloc(*items, c * size);
	if (!p)
		return -1;
	*items = p;
	*cap = c;
	return 0;
}

/* Append a command line to l; -1 when out of memory. */
static int lines_add(sc_lines *l, const char *line, int lineno)
{
	size_t n = strlen(line) + 1;
	void *text = l->text, *at = l->at;
	int rc = grow(&text, &l->cap, l->len + n, 1);
	l->text = text;
	rc = rc ? rc : grow(&at, &l->capn, l->n + 1, sizeof *l->at);
	l->at = at;
	if (rc)
		return -1;
	memcpy(l->text + l->len, line, n);
	l->at[l->n].off = l->len;
	l->at[l->n].line = lineno;
	l->n++;
	l->len += n;
	return 0;
}

/* Append c to s (taking over its block); -1 when out of memory. */
static int script_add(sc_script *s, sc_cmd *c)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		sc_cmd *n = realloc(s->cmds, cap * sizeof *n);
		if (!n)
			return -1;
		s->cmds = n;
		s->cap = cap;
	}
	s->cmds[s->n++] = *c;
	memset(c, 0, sizeof *c);   /* the block is the script's now */
	return 0;
}

static int keep(keeper *k, sc_cmd *c, const char *line, int lineno)
{
	if (k->script)
		return script_add(k->script, c);
	sc_lines *l = k->lines;
	if (lines_add(l, line, lineno) != 0)
		return -1;
	/* the parsed form too, while the file is small; out of memory it is
	 * only given up (the text is enough) */
	if (!l->too_many && (l->n > SC_KEEP_PARSED || script_add(&l->parsed, c) != 0)) {
		l->too_many = 1;
		sc_script_free(&l->parsed);
	}
	return 0;
}

static size_t kept(const keeper *k)
{
	return k->script ? k->script->n : k->lines->n;
}

static void keeper_free(keeper *k)
{
	if (k->script)
		sc_script_free(k->script);
	else
		lines_free(k->lines);
}

/* Read and parse path, keeping each command as k says; syntax errors are
 * printed to out and counted in *syntax_errors. */
static int load(const char *path, keeper *k, int *syntax_errors, FILE *out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(out, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	char *line = malloc(SC_MAXLINE + 2);
	sc_cmd c = {0};
	sc_reader rd = {.f = f};
	int rc = 0, got;
	if (!line) {
		fclose(f);
		return -1;
	}
	while ((got = sc_reader_line(&rd, line, SC_MAXLINE + 2)) > 0) {
		char err[200];
		int col;
		if (got == 2) {
			fprintf(out, "%s:%s\n", path, rd.err);
			(*syntax_errors)++;
			continue;
		}
		int r = sc_parse_line(line, rd.lineno, &c, err, sizeof err, &col);
		if (r < 0) {
			fprintf(out, "%s:%d:%d: %s\n", path, rd.lineno, col, err);
			(*syntax_errors)++;
			continue;
		}
		if (r > 0 && keep(k, &c, line, rd.lineno) != 0) {
			/* never run part of a file as if it were all of it */
			fprintf(out, "%s:%d: out of memory loading the scenario (%zu lines "
			        "kept); not run\n", path, rd.lineno, kept(k));
			keeper_free(k);
			rc = -1;
			break;
		}
	}
	if (got < 0) {
		/* a NUL byte, a huge input or a read error: an error, not a short run */
		fprintf(out, "%s:%s\n", path, rd.err);
		(*syntax_errors)++;
	}
	sc_cmd_free(&c);
	free(line);
	fclose(f);
	return rc;
}

int sc_script_load(const char *path, sc_script *s, FILE *out)
{
	memset(s, 0, sizeof *s);
	keeper k = {.script = s};
	return load(path, &k, &s->syntax_errors, out);
}

static int lines_load(const char *path, sc_lines *l, FILE *out)
{
	memset(l, 0, sizeof *l);
	keeper k = {.lines = l};
	return load(path, &k, &l->syntax_errors, out);
}

/* Command i of l: kept parsed, or parsed into c; NULL with err (out of
 * memory: it parsed when the file was loaded). */
static const sc_cmd *line_cmd(const sc_lines *l, size_t i, sc_cmd *c, char *err,
                              size_t errlen)
{
	if (!l->too_many)
		return &l->parsed.cmds[i];
	int col;
	if (sc_parse_line(l->text + l->at[i].off, l->at[i].line, c, err, errlen, &col) == 1)
		return c;
	if (!err[0])
		snprintf(err, errlen, "line %d no longer parses", l->at[i].line);
	return NULL;
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

/* One expectation against one outcome: passed, failed, or, when the
 * model answered with a set and the file expects a single result,
 * ambiguous (neither a pass nor a failure: the file should say the set). */
static void check_expect(const char *path, const sc_cmd *c, const char *cur,
                         const sc_expect *x, const sc_outcome *o, const sc_run_opts *opts,
                         sc_totals *t, FILE *out)
{
	int ok = sc_outcome_matches(o, x);
	int ambiguous = ok && sc_outcome_is_set(o) && x->nalt < 2;
	if (ok && !ambiguous && !(opts && (opts->tap || opts->verbose))) {
		t->passed++;   /* a pass nobody prints: no text to make */
		return;
	}
	/* as long as the line and the receivers can be: nothing is cut */
	char want[SC_MAXLINE + 80], got[SC_RECVLEN];
	sc_expect_text(x, want, sizeof want);
	sc_outcome_text(o, NULL, got, sizeof got);
	if (ambiguous) {
		t->ambiguous++;
		fprintf(out, "%s:%d: [%s] %s: ambiguous: expected %s, the model answers %s or %s "
		        "(%s, rule %s)\n", path, c->line, cur, c->text, want, got,
		        bm_result_name(o->verdict.alt),
		        o->verdict.alt_condition ? o->verdict.alt_condition : "by timing",
		        o->verdict.alt_rule);
		return;
	}
	ok ? t->passed++ : t->failed++;
	bm_verdict v = o->verdict;   /* its reason is made here, when printed */
	report r = {.type = ok ? "pass" : "failure", .path = path, .line = c->line, .os = cur,
	            .command = c->text, .expected = want, .got = got,
	            .rule = o->verdict.rule ? o->verdict.rule : NULL,
	            .reason = bm_verdict_reason(&v)};
	emit(opts, t, &r, out);
}

static void record_error(const sc_run_opts *opts, sc_totals *t, FILE *out, const char *path,
                         int line, const char *msg)
{
	if (opts && (opts->json || opts->tap))
		emit_error(opts, t, out, path, line, NULL, msg, 0);
	else
		t->errors++;
}

/* Expectations for os from command i on, up to the end of the file: the
 * ones an error at i keeps from running. */
static long expectations_after(const sc_lines *s, size_t i, const char *os)
{
	long n = 0;
	sc_cmd scratch = {0};
	char err[200];
	for (; i < s->n; i++) {
		const sc_cmd *c = line_cmd(s, i, &scratch, err, sizeof err);
		if (c && c->kind != SC_OS && sc_expect_for(c, os))
			n++;
	}
	sc_cmd_free(&scratch);
	return n;
}

/* Run the commands of s from first on, under os.  c is the one command
 * parsed at a time. */
static void run_cmds(sc_engine *e, const char *path, const sc_lines *s, size_t first,
                     const char *os, const sc_run_opts *opts, sc_totals *t, FILE *out,
                     sc_cmd *scratch, sc_outcome *o)
{
	char err[200];
	char cur[SC_OSLEN];
	snprintf(cur, sizeof cur, "%s", os);
	int skipping = 0;   /* after a skip: until the next `os` resets */
	for (size_t i = first; i < s->n; i++) {
		const sc_cmd *c = line_cmd(s, i, scratch, err, sizeof err);
		if (!c) {
			emit_error(opts, t, out, path, s->at[i].line, cur, err,
			           expectations_after(s, i, cur));
			break;
		}
		if (skipping && c->kind != SC_OS)
			continue;
		skipping = 0;
		if (c->kind == SC_OS) {
			if (c->nos != 1) {
				emit_error(opts, t, out, path, c->line, cur,
				           "'os' inside a file takes one personality",
				           expectations_after(s, i + 1, cur));
				break;
			}
			snprintf(cur, sizeof cur, "%s", sc_rebind_os(opts, c->os[0]));
			if (e->reset(e->ctx, cur, err, sizeof err) != 0) {
				emit_error(opts, t, out, path, c->line, cur, err,
				           expectations_after(s, i + 1, cur));
				break;
			}
			continue;
		}
		if (c->kind >= SC_SHOW)
			continue;   /* interactive commands: nothing to check */
		int rc = e->exec(e->ctx, c, o, err, sizeof err);
		if (rc != SC_EXEC_OK) {
			if (rc == SC_EXEC_SKIP) {
				t->skipped++;
				report r = {.type = "skip", .path = path, .line = c->line, .os = cur,
				            .command = c->text, .message = err + 5};
				emit(opts, t, &r, out);
				skipping = 1;
				continue;
			}
			/* the host is now in an unknown state: what follows cannot be
			 * trusted, so it is not run, and the count says so */
			emit_error(opts, t, out, path, c->line, cur, err, expectations_after(s, i, cur));
			break;
		}
		if (opts && opts->rules_used && o->verdict.rule)
			fprintf(opts->rules_used, "rule-used %s %s:%d [%s]\n", o->verdict.rule, path,
			        c->line, cur);
		/* the rule of the other possible outcome of a set is reached too */
		if (opts && opts->rules_used && o->verdict.alt_rule)
			fprintf(opts->rules_used, "rule-used %s %s:%d [%s]\n", o->verdict.alt_rule, path,
			        c->line, cur);
		const sc_expect *x = sc_expect_for(c, cur);
		if (x)
			check_expect(path, c, cur, x, o, opts, t, out);
	}
}

static void run_one(sc_engine *e, const char *path, const sc_lines *s, size_t first,
                    const char *os, const sc_run_opts *opts, sc_totals *t, FILE *out)
{
	char err[200];
	if (e->reset(e->ctx, os, err, sizeof err) != 0) {
		emit_error(opts, t, out, path, 0, os, err, expectations_after(s, first, os));
		return;
	}
	sc_outcome *o = malloc(sizeof *o);
	if (!o) {
		emit_error(opts, t, out, path, 0, os, "out of memory", expectations_after(s, first, os));
		return;
	}
	sc_cmd c = {0};
	run_cmds(e, path, s, first, os, opts, t, out, &c, o);
	sc_cmd_free(&c);
	free(o);
}

void sc_script_free(sc_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		sc_cmd_free(&s->cmds[i]);
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
	sc_lines s;
	sc_totals before = *t;
	/* syntax errors and unreadable files are diagnostics: stderr, and in
	 * --json/--tap also a record */
	if (lines_load(path, &s, stderr) != 0) {
		record_error(opts, t, out, path, 0, "cannot open");
		return -1;
	}
	if (s.syntax_errors) {
		for (int i = 0; i < s.syntax_errors; i++)
			record_error(opts, t, out, path, 0, "syntax error (see stderr); file not run");
		lines_free(&s);
		return -1;
	}
	/* the personalities come from the first command */
	size_t first;
	char list[SC_MAXOS][SC_OSLEN], err[200];
	sc_cmd head = {0};
	const sc_cmd *c0 = s.n > 0 ? line_cmd(&s, 0, &head, err, sizeof err) : NULL;
	if (s.n > 0 && !c0) {
		record_error(opts, t, out, path, s.at[0].line, err);
		lines_free(&s);
		return -1;
	}
	sc_script one = {.cmds = (sc_cmd *)c0, .n = c0 != NULL};
	int nlist = sc_script_personalities(&one, opts, path, list, &first, stderr);
	sc_cmd_free(&head);
	if (nlist < 0) {
		record_error(opts, t, out, path, 1,
		             "no personality: start the file with 'os NAME...' or use --os");
		lines_free(&s);
		return -1;
	}
	for (int i = 0; i < nlist; i++)
		run_one(e, path, &s, first, list[i], opts, t, out);
	lines_free(&s);
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

void sc_print_header(const sc_run_opts *opts)
{
	if (opts && opts->tap && !opts->json)
		printf("TAP version 13\n");
}

int sc_print_totals_opts(const sc_totals *t, const sc_run_opts *opts)
{
	if (opts && opts->json) {
		printf("{\"type\":\"totals\",\"passed\":%ld,\"failed\":%ld,\"errors\":%ld,"
		       "\"skipped\":%ld,\"not_run\":%ld}\n",
		       t->passed, t->failed, t->errors, t->skipped, t->not_run);
		return t->failed || t->errors ? 1 : 0;
	}
	if (opts && opts->tap) {
		printf("1..%ld\n", t->passed + t->failed + t->errors + t->skipped);
		printf("# %ld passed, %ld failed, %ld errors, %ld skipped, %ld not run\n", t->passed,
		       t->failed, t->errors, t->skipped, t->not_run);
		return t->failed || t->errors ? 1 : 0;
	}
	return sc_print_totals(t);
}

int sc_print_totals(const sc_totals *t)
{
	if (t->errors)
		printf("%ld errors%s", t->errors, t->not_run ? "" : "\n");
	if (t->not_run)
		printf(" (%ld expectations not run because of them)\n", t->not_run);
	printf("%ld passed, %ld failed", t->passed, t->failed);
	if (t->within_set)
		printf(", %ld within a set", t->within_set);
	if (t->ambiguous)
		printf(", %ld ambiguous", t->ambiguous);
	if (t->skipped)
		printf(", %ld skipped", t->skipped);
	printf("\n");
	return t->failed || t->errors ? 1 : 0;
}
