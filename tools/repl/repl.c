/* SPDX-License-Identifier: MIT */
/*
 * repl.c: `bindmodel [repl] [--os NAME] [--json] [--no-color]`.
 *
 * On a terminal this is an interactive session (repl_edit.c reads the
 * lines); on any other stdin it runs the scenario language as a script and
 * stays silent except for failed expectations and errors.  Either way every
 * line goes through repl_line(), which runs operations on the session's
 * model engine and the session commands (show, explain, compare, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "repl.h"

size_t repl_words(const char *(*word)(size_t), const char **out, size_t max)
{
	size_t n = 0;
	for (const char *w; n + 1 < max && (w = word(n)); n++)
		out[n] = w;
	out[n] = NULL;
	return n;
}

void repl_clear_ops(repl *r)
{
	for (size_t i = 0; i < r->nops; i++)
		sc_cmd_free(r->ops[i].cmd), free(r->ops[i].cmd);
	r->nops = 0;
}

int repl_switch_os(repl *r, const char *os)
{
	char err[200];
	if (r->eng.reset(r->eng.ctx, os, err, sizeof err) != 0)
		return -1;
	/* as the user named it: `linux` stays linux (today linux-6.18) */
	if (sc_canonical_os(os, r->os) != 0)
		snprintf(r->os, sizeof r->os, "%s", bm_host_policy(sc_model_host(&r->eng))->name);
	repl_clear_ops(r);
	return 0;
}

/* The word of line at 1-based column col (up to a blank, ':', '=' or '#'). */
static void word_at(const char *line, int col, char *out, size_t len)
{
	size_t i = col > 0 ? (size_t)col - 1 : 0, j = 0;
	if (i > strlen(line))
		i = strlen(line);
	while (line[i] && !strchr(" \t\r\n:=#", line[i]) && j + 1 < len)
		out[j++] = line[i++];
	out[j] = 0;
}

/* A "did you mean" for a parse or run error, from the word it names. */
static const char *suggestion(const repl *r, const char *err, const char *word)
{
	static char best[64];
	const char *list[64];
	size_t n = 0;
	const char *pick = NULL;
	if (!word[0])
		return NULL;
	if (strncmp(err, "unknown command", 15) == 0) {
		n = repl_words(sc_command_word, list, 64);
		pick = repl_suggest(word, list, n);
	} else if (strncmp(err, "unknown option", 14) == 0) {
		for (unsigned b = 1; b <= BM_ALL_OPTIONS && n < 64; b <<= 1)
			list[n++] = bm_option_name((bm_option)b);
		list[n++] = "IP_BINDANY";
		pick = repl_suggest(word, list, n);
	} else if (strncmp(err, "unknown personality", 19) == 0) {
		for (size_t i = 0; i < bm_personality_count() && n < 48; i++)
			list[n++] = bm_personality_at(i)->name;
		for (size_t i = 0; bm_personality_alias_at(i) && n < 64; i++)
			list[n++] = bm_personality_alias_at(i);
		pick = repl_suggest(word, list, n);
	} else if (strncmp(err, "unknown knob", 12) == 0) {
		n = repl_words(sc_knob_word, list, 64);
		pick = repl_suggest(word, list, n);
	} else if (strncmp(err, "unknown result", 14) == 0) {
		for (int k = 0; k < BM_RESULT_COUNT && n < 64; k++)
			list[n++] = bm_result_name((bm_result)k);
		pick = repl_suggest(word, list, n);
	} else if (strncmp(err, "expected 'socket' or 'accept'", 29) == 0) {
		static const char *const sa[] = {"socket", "accept"};
		pick = repl_suggest(word, sa, 2);
	} else if (strncmp(err, "expected tcp4", 13) == 0) {
		static const char *const fp[] = {"tcp4", "tcp6", "udp4", "udp6"};
		pick = repl_suggest(word, fp, 4);
	} else if (strncmp(err, "unknown socket", 14) == 0) {
		size_t nn;
		const char **names = repl_socket_names(r, &nn);
		if (names) {
			pick = repl_suggest(word, names, nn);
			if (pick)
				snprintf(best, sizeof best, "%s", pick);
			free(names);
			return pick ? best : NULL;
		}
	}
	return pick;
}

/* Report an error: "src:line[:col]: msg" in a script, a caret and the
 * message on a terminal, an object with --json. */
static void report_error(repl *r, const char *line, int lineno, int col, const char *err,
                         const char *cmdtext)
{
	char word[64] = "";
	if (col > 0)
		word_at(line, col, word, sizeof word);
	else {
		const char *q = strchr(err, '\'');
		if (q) {
			size_t j = 0;
			for (q++; *q && *q != '\'' && j + 1 < sizeof word; q++)
				word[j++] = *q;
			word[j] = 0;
		}
	}
	const char *sug = suggestion(r, err, word);
	r->errors++;
	if (!r->interactive && r->depth == 0 && !r->skipping) {
		r->skipping = 1;
		r->skip_from = lineno;
		r->skip_count = 0;
	}
	if (r->json) {
		char msg[300];
		if (sug)
			snprintf(msg, sizeof msg, "%s; did you mean '%s'?", err, sug);
		else
			snprintf(msg, sizeof msg, "%s", err);
		repl_json_error(r, lineno, cmdtext, msg);
		return;
	}
	/* a script's errors are diagnostics: stderr; stdout keeps results */
	FILE *ef = r->interactive ? r->out : stderr;
	if (!r->interactive || r->depth > 0) {
		if (col > 0)
			fprintf(ef, "%s:%d:%d: %s", r->src, lineno, col, err);
		else
			fprintf(ef, "%s:%d: %s", r->src, lineno, err);
	} else {
		if (col > 0 && (size_t)col + r->prompt_len < 200) {
			fprintf(ef, "%*s%s^%s\n", (int)(r->prompt_len + (size_t)col - 1), "",
			        repl_c(r, C_RED), repl_c(r, C_RESET));
		}
		fprintf(ef, "%serror:%s %s", repl_c(r, C_RED), repl_c(r, C_RESET), err);
	}
	if (sug)
		fprintf(ef, "; did you mean '%s%s%s'?", repl_c(r, C_BOLD), sug,
		        repl_c(r, C_RESET));
	fputc('\n', ef);
}

static int is_op(sc_kind k)
{
	return k >= SC_USER && k <= SC_ON;   /* SC_HOST, SC_ON follow SC_DELIVER */
}

static int needs_host(sc_kind k)
{
	return is_op(k) || k == SC_SHOW || k == SC_EXPLAIN || k == SC_RESET || k == SC_SAVE;
}

static int run_op(repl *r, sc_cmd *c, const char *line, int lineno)
{
	char err[200];
	sc_outcome o;
	if (r->eng.exec(r->eng.ctx, c, &o, err, sizeof err) != 0) {
		report_error(r, line, lineno, 0, err, c->text);
		if (r->skipping && r->skip_from == lineno)
			r->skip_count += sc_expect_for(c, r->os) != NULL;   /* its own, as run counts */
		sc_cmd_free(c);
		free(c);
		return -1;
	}
	if (r->nops == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		repl_op *n = realloc(r->ops, cap * sizeof *n);
		if (!n) {
			report_error(r, line, lineno, 0, "out of memory", c->text);
			sc_cmd_free(c);
			free(c);
			return -1;
		}
		r->ops = n;
		r->cap = cap;
	}
	repl_op *op = &r->ops[r->nops++];
	memset(op, 0, sizeof *op);
	op->cmd = c;
	op->out = o;
	/* a command on a socket acts on the socket's host, whichever `on` says */
	bm_host *on = sc_model_host(&r->eng), *owner = NULL;
	if (c->target[0] && sc_model_sock_any(&r->eng, c->target, &owner) != BM_NO_SOCK && owner)
		on = owner;
	op->host = on;
	op->now_ms = bm_host_now(on);
	if ((c->kind == SC_SOCKET || c->kind == SC_ACCEPT) && o.code == BM_OK)
		op->sock = sc_model_sock(&r->eng, c->name);
	if (o.verdict.conflict != BM_NO_SOCK) {
		char lb[64];
		snprintf(op->conflict, sizeof op->conflict, "%s",
		         repl_label(r, o.verdict.conflict, lb, sizeof lb));
		op->has_cinfo = bm_sock_query(on, o.verdict.conflict, &op->cinfo) == BM_OK;
	}
	repl_name_reason(r, bm_verdict_reason(&o.verdict), op->reason, sizeof op->reason);
	const sc_expect *x = sc_expect_for(c, r->os);
	int ok = !x || sc_outcome_matches(&o, x);
	if (x)
		ok ? r->passed++ : r->failed++;
	if (r->json) {
		repl_json_op(r, op, lineno, x);
	} else if (r->interactive) {
		repl_print_result(r, op, lineno);
		if (!ok)
			fprintf(r->out, "  %sexpected %s%s\n", repl_c(r, C_RED),
			        x->is_receivers ? x->receivers : bm_result_name(x->code),
			        repl_c(r, C_RESET));
	} else if (!ok) {
		char got[160];
		const char *reason = op->reason;
		sc_outcome_text(&o, NULL, got, sizeof got);
		fprintf(r->out, "%s:%d: [%s] %s: expected %s, got %s (rule %s)%s%s\n", r->src,
		        lineno, r->os, c->text,
		        x->is_receivers ? x->receivers : bm_result_name(x->code), got,
		        o.verdict.rule ? o.verdict.rule : "-", reason[0] ? ": " : "", reason);
	}
	return ok ? 0 : -1;
}

static int save_session(repl *r, const char *path, int flags)
{
	int with_results = flags & 1;
	/* never overwrite silently: "x" fails when the file exists */
	FILE *f = fopen(path, (flags & 2) ? "w" : "wx");
	if (!f && errno == EEXIST) {
		fprintf(r->interactive ? r->out : stderr,
		        "save: %s exists; use save %s --force to overwrite it\n", path, path);
		return -1;
	}
	if (!f) {
		fprintf(r->interactive ? r->out : stderr, "save: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# bindmodel session (%zu operations)\n", r->nops);
	if (with_results)
		fprintf(f, "# The expectations below were recorded from the bindmodel model\n"
		           "# (personality %s, bindmodel %s), not from a kernel.\n",
		        r->os, BM_VERSION);
	fprintf(f, "os %s\n", r->os);
	for (size_t i = 0; i < r->nops; i++) {
		const sc_cmd *c = r->ops[i].cmd;
		const sc_outcome *o = &r->ops[i].out;
		if (with_results && sc_kind_compared(c->kind))
			fprintf(f, "%s => %s\n", c->text,
			        o->is_deliver ? o->receivers : bm_result_name(o->code));
		else
			fprintf(f, "%s\n", c->text);
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(r->interactive ? r->out : stderr, "save: error writing %s\n", path);
		return -1;
	}
	if (!r->json && r->interactive)
		fprintf(r->out, "saved %zu operations to %s%s\n", r->nops, path,
		        with_results ? " with their results" : "");
	return 0;
}

/* Run every line of a stream, within the reader's limits (line length,
 * size, no NUL) and the session's on lines loaded; -1 if any line failed. */
static int run_stream(repl *r, FILE *f)
{
	char *line = malloc(SC_MAXLINE + 2);
	sc_reader rd = {.f = f};
	int rc = 0, got = 0;
	if (!line)
		return -1;
	while (!r->quit && (got = sc_reader_line(&rd, line, SC_MAXLINE + 2)) > 0) {
		if (r->depth > 0 && ++r->loaded_lines > SC_MAXLOADLINES) {
			report_error(r, "", rd.lineno, 0, "load: more than " SC_MAXLOADLINES_TEXT
			             " lines loaded in this session (the limit; a file loading "
			             "itself?); the rest is not run", "");
			r->quit = 1;
			rc = -1;
			break;
		}
		if (got == 2) {
			report_error(r, "", rd.lineno, SC_MAXLINE + 1, "line longer than "
			             SC_MAXLINE_TEXT " characters", "");
			rc = -1;
			continue;
		}
		if (repl_line(r, line, rd.lineno) != 0)
			rc = -1;
	}
	if (got < 0) {
		/* a NUL byte, a huge input: stop with an error, never a short run */
		fprintf(r->interactive ? r->out : stderr, "%s:%s\n", r->src, rd.err);
		r->errors++;
		rc = -1;
	}
	free(line);
	return rc;
}

static int load_file(repl *r, const char *path)
{
	if (r->depth >= 8) {
		fprintf(r->interactive ? r->out : stderr, "load: %s: files nested too deep\n", path);
		r->errors++;
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(r->interactive ? r->out : stderr, "load: cannot open %s: %s\n", path, strerror(errno));
		r->errors++;
		return -1;
	}
	const char *src = r->src;
	long p0 = r->passed, f0 = r->failed, e0 = r->errors;
	size_t n0 = r->nops;
	r->src = path;
	r->depth++;
	int rc = run_stream(r, f);
	r->depth--;
	r->src = src;
	r->quit = 0;   /* quit inside a file ends the file, not the session */
	fclose(f);
	if (r->interactive && !r->json) {
		fprintf(r->out, "loaded %s: %zu operations", path, r->nops >= n0 ? r->nops - n0 : r->nops);
		if (r->passed - p0 || r->failed - f0)
			fprintf(r->out, ", %ld expectations held, %s%ld failed%s", r->passed - p0,
			        r->failed - f0 ? repl_c(r, C_RED) : "", r->failed - f0,
			        repl_c(r, C_RESET));
		if (r->errors - e0)
			fprintf(r->out, ", %s%ld errors%s", repl_c(r, C_RED), r->errors - e0,
			        repl_c(r, C_RESET));
		fputc('\n', r->out);
	}
	return rc;
}

static int do_os(repl *r, const sc_cmd *c)
{
	if (c->nos == 0) {
		repl_list_os(r);
		return 0;
	}
	const char *pick = c->os[0];
	if (c->nos > 1) {
		/* a file's header `os A B C`: stay if we are one of them */
		if (r->depth == 0 && r->interactive) {
			fprintf(r->out, "os takes one personality here; to see several, use: compare");
			for (int i = 0; i < c->nos; i++)
				fprintf(r->out, " %s", c->os[i]);
			fputc('\n', r->out);
			r->errors++;
			return -1;
		}
		for (int i = 0; i < c->nos; i++)
			if (strcmp(c->os[i], r->os) == 0)
				pick = r->os;
	}
	char os[SC_OSLEN];
	snprintf(os, sizeof os, "%s", pick);
	if (repl_switch_os(r, os) != 0) {
		fprintf(r->interactive ? r->out : stderr, "unknown personality '%s'\n", os);
		r->errors++;
		return -1;
	}
	r->os_given = 1;
	if (r->interactive && !r->json) {
		const bm_policy *p = bm_host_policy(sc_model_host(&r->eng));
		fprintf(r->out, "%s%s%s%s%s%s: %s (new host)\n", repl_c(r, C_BOLD), r->os,
		        repl_c(r, C_RESET), strcmp(r->os, p->name) ? " = " : "",
		        strcmp(r->os, p->name) ? p->name : "", "", p->description);
	}
	return 0;
}

/* The end of the lines a script error left unrun: say how many
 * expectations they held, as `run` does. */
static void repl_end_skip(repl *r)
{
	if (!r->skipping)
		return;
	r->skipping = 0;
	r->not_run += r->skip_count;
	if (!r->json && r->skip_count > 0)
		fprintf(stderr, "%s:%d: %ld expectation%s of [%s] not run after that error\n", r->src,
		        r->skip_from, r->skip_count, r->skip_count == 1 ? "" : "s", r->os);
}

int repl_line(repl *r, const char *line, int lineno)
{
	sc_cmd *c = calloc(1, sizeof *c);
	char err[200];
	int col = 0;
	if (!c)
		return -1;
	int pr = sc_parse_line(line, lineno, c, err, sizeof err, &col);
	if (pr <= 0) {
		if (pr < 0) {
			char text[80];
			snprintf(text, sizeof text, "%.79s", line);
			text[strcspn(text, "\r\n")] = 0;
			report_error(r, line, lineno, col, err, text);
		}
		sc_cmd_free(c);
		free(c);
		return pr;
	}
	if (r->skipping && r->depth == 0) {
		if (c->kind == SC_OS) {
			repl_end_skip(r);
		} else {
			r->skip_count += sc_expect_for(c, r->os) != NULL;
			sc_cmd_free(c);
			free(c);
			return 0;
		}
	}
	if (!r->interactive && !r->os_given && needs_host(c->kind)) {
		/* as `bindmodel run` does: a script names its personality */
		report_error(r, line, lineno, 0,
		             "no personality: start the script with 'os NAME' or use --os", c->text);
		r->quit = 1;
		sc_cmd_free(c);
		free(c);
		return -1;
	}
	if (is_op(c->kind))
		return run_op(r, c, line, lineno);   /* takes c */
	int rc = 0;
	switch (c->kind) {
	case SC_OS:
		rc = do_os(r, c);
		break;
	case SC_SHOW:
		repl_show(r, c->arg[0] ? c->arg : NULL);
		break;
	case SC_EXPLAIN:
		repl_explain(r, c->arg[0] ? c->arg : NULL);
		break;
	case SC_COMPARE:
		repl_compare(r, c);
		break;
	case SC_HELP:
		repl_help(r, c->arg[0] ? c->arg : NULL);
		break;
	case SC_RESET:
		repl_switch_os(r, r->os);
		if (r->interactive && !r->json)
			fprintf(r->out, "new %s host: no sockets, clock at 0\n", r->os);
		break;
	case SC_SAVE:
		rc = save_session(r, c->arg, c->flag);
		if (rc)
			r->errors++;
		break;
	case SC_LOAD:
		rc = load_file(r, c->arg);
		break;
	case SC_QUIT:
		r->quit = 1;
		break;
	default:
		break;
	}
	sc_cmd_free(c);
	free(c);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bindmodel [repl] [--os=NAME] [--json] [--no-color]\n"
	           "On a terminal: an interactive session (type help).  Otherwise stdin is\n"
	           "run as a scenario script: it must name its personality first (an 'os'\n"
	           "line) unless --os does; failures are printed and the exit status is 1.\n"
	           "  --os=NAME       the personality (interactive default: linux)\n"
	           "  --json          one JSON object per line, each with a \"type\"\n"
	           "  --no-color      no colour (also: NO_COLOR set and not empty, TERM=dumb)\n"
	           "  -h, --help      this help\n"
	           "Exit status: 0 all held, 1 a failure or an error, 2 a usage error.\n");
}

int cmd_repl(int argc, char **argv)
{
	repl r;
	memset(&r, 0, sizeof r);
	const char *os = NULL;
	int no_color = 0, ch;
	static const struct option longopts[] = {
		{"os", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"no-color", no_argument, NULL, 'n'},
		{"no-colour", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': os = optarg; break;
		case 'j': r.json = 1; break;
		case 'n': no_color = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bindmodel repl: unexpected argument '%s' (scenario files: bindmodel run "
		        "FILE)\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	r.os_given = os != NULL;
	if (!os)
		os = "linux";
	if (!bm_personality_find(os)) {
		const char *list[64];
		size_t n = 0;
		for (size_t i = 0; i < bm_personality_count() && n < 64; i++)
			list[n++] = bm_personality_at(i)->name;
		const char *s = repl_suggest(os, list, n);
		fprintf(stderr, "bindmodel: unknown personality '%s'", os);
		if (s)
			fprintf(stderr, "; did you mean '%s'?", s);
		fprintf(stderr, " (bindmodel --help lists them)\n");
		return 2;
	}
	if (sc_model_engine(&r.eng) != 0)
		return 2;
	r.out = stdout;
	r.src = "stdin";
	r.interactive = isatty(STDIN_FILENO);
	const char *term = getenv("TERM");
	/* https://no-color.org: NO_COLOR "when present and not an empty string" */
	const char *nc = getenv("NO_COLOR");
	r.color = !no_color && !(nc && *nc) && isatty(STDOUT_FILENO) &&
	          !(term && strcmp(term, "dumb") == 0) && !r.json;
	if (repl_switch_os(&r, os) != 0) {
		r.eng.destroy(r.eng.ctx);
		return 2;
	}
	int rc;
	if (r.interactive) {
		rc = repl_interactive(&r);
	} else {
		run_stream(&r, stdin);
		repl_end_skip(&r);
		rc = r.failed || r.errors ? 1 : 0;
		if (rc && !r.json) {
			fprintf(r.out, "%ld passed, %ld failed, %ld errors", r.passed, r.failed,
			        r.errors);
			if (r.not_run)
				fprintf(r.out, " (%ld expectation%s not run because of them)", r.not_run,
				        r.not_run == 1 ? "" : "s");
			fputc('\n', r.out);
		}
	}
	fflush(stdout);
	repl_clear_ops(&r);
	free(r.ops);
	r.eng.destroy(r.eng.ctx);
	return rc;
}
