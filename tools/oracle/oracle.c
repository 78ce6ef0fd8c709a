/* SPDX-License-Identifier: MIT */
/*
 * oracle.c: `bindmodel oracle [--os LIST] [--allow-sleep] [--loopback-only] [-v] FILE...`:
 * every step of every scenario file runs on the model and on the live
 * kernel (kernel.c), side by side, and the two results are compared.
 *
 * A step is an operation (socket, setsockopt, bind, listen, connect,
 * accept, close, deliver); it passes when both engines give the same
 * result code, or for deliver the same receivers.  Where the real answer
 * is a set (the model's verdict has a second answer, the model delivered
 * to one member of an SO_REUSEPORT group, or the file's expectation for
 * the step is a set such as `=> ok|EADDRINUSE` holding the model's
 * answer), a kernel result that is another member of the set is
 * counted apart, "within a set": neither a pass nor a failure.  Ports the kernel picks
 * are never compared by value: no step's result depends on one.  Set-up
 * lines (user, addr add, set, advance) run on both but are not counted.
 * Otherwise the expectations written in the files are not consulted: the
 * model is checked against them by `bindmodel run`; here it is checked
 * against the kernel.
 *
 * Each step runs through pair.c, which decides with scenario.c which
 * steps are compared and how two results compare.
 *
 * When the kernel engine cannot run a step faithfully it answers a skip;
 * the rest of that scenario (up to the next `os` line, which resets both
 * engines) is skipped, because the kernel's state no longer follows it.
 * A step that differs is reported and the scenario goes on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kernel.h"
#include "pair.h"
#include "scenario.h"

typedef struct oracle {
	sc_engine model, kernel;
	sc_pair pair;              /* model, kernel */
	int verbose;
	const sc_run_opts *opts;   /* --os: binds a file's `os linux` */
	long passed, failed, skipped, errors;
	long within_set;           /* the kernel gave another answer of a set */
} oracle;

static const char *text(const sc_outcome *o, char *buf, size_t len)
{
	return sc_outcome_text(o, NULL, buf, len);
}

static int reset_both(oracle *q, const char *path, int line, const char *os)
{
	char err[512];
	const sc_engine *bad = sc_pair_reset(&q->pair, os, os, err, sizeof err);
	if (bad) {
		printf("%s:%d: [%s] %s: %s\n", path, line, os, bad->name, err);
		q->errors++;
		return -1;
	}
	return 0;
}

/* Report a step both engines ran; r->compared is set. */
static void report_compared(oracle *q, const char *path, const sc_cmd *c, const sc_pair_step *r,
                            const sc_outcome *m, const sc_outcome *k)
{
	char mbuf[160], kbuf[160];
	if (r->agree == SC_SAME) {
		q->passed++;
		if (q->verbose)
			printf("%s:%d: %s: both %s\n", path, c->line, c->text, text(m, mbuf, sizeof mbuf));
		return;
	}
	if (r->agree == SC_WITHIN_SET) {
		q->within_set++;
		printf("%s:%d: %s: within a set: model %s (rule %s), kernel %s\n", path, c->line,
		       c->text, text(m, mbuf, sizeof mbuf), m->verdict.rule ? m->verdict.rule : "-",
		       text(k, kbuf, sizeof kbuf));
		return;
	}
	q->failed++;
	printf("%s:%d: %s: model %s (rule %s), kernel %s\n", path, c->line, c->text,
	       text(m, mbuf, sizeof mbuf), m->verdict.rule ? m->verdict.rule : "-",
	       text(k, kbuf, sizeof kbuf));
}

/* One step on both engines; 0 when the scenario goes on, -1 when it stops
 * here (an error or a skip). */
static int run_step(oracle *q, const char *path, const sc_cmd *c, const char *os,
                    sc_outcome *m, sc_outcome *k)
{
	sc_pair_step r;
	/* the file's expectation counts where it states a set */
	sc_pair_exec(&q->pair, c, sc_expect_for(c, os), m, k, &r);
	if (r.sa != SC_STEP_RAN) {
		printf("%s:%d: %s: model: %s\n", path, c->line, c->text, r.erra);
		q->errors++;
		return -1;
	}
	if (r.sb == SC_STEP_SKIP) {
		printf("%s:%d: %s: skipped:%s\n", path, c->line, c->text, r.errb + 5);
		q->skipped++;
		return -1;
	}
	if (r.sb != SC_STEP_RAN) {
		printf("%s:%d: %s: kernel: %s\n", path, c->line, c->text, r.errb);
		q->errors++;
		return -1;
	}
	if (r.compared)
		report_compared(q, path, c, &r, m, k);
	return 0;
}

/* One personality over the script, from command first on. */
static void run_os(oracle *q, const char *path, const sc_script *s, size_t first, const char *os)
{
	sc_outcome *m = malloc(sizeof *m), *k = malloc(sizeof *k);
	if (!m || !k) {
		free(m);
		free(k);
		q->errors++;
		return;
	}
	int live = reset_both(q, path, s->n > first ? s->cmds[first].line : 1, os) == 0;
	char cur[SC_OSLEN];
	snprintf(cur, sizeof cur, "%s", os);
	for (size_t i = first; i < s->n; i++) {
		const sc_cmd *c = &s->cmds[i];
		if (c->kind == SC_OS) {
			if (c->nos != 1) {
				printf("%s:%d: [%s] 'os' inside a file takes one personality\n", path, c->line,
				       cur);
				q->errors++;
				break;
			}
			snprintf(cur, sizeof cur, "%s", sc_rebind_os(q->opts, c->os[0]));
			live = reset_both(q, path, c->line, cur) == 0;
			continue;
		}
		if (!live || c->kind >= SC_SHOW)
			continue;   /* a skipped scenario, or an interactive command */
		live = run_step(q, path, c, cur, m, k) == 0;
	}
	free(m);
	free(k);
}

static void run_file(oracle *q, const char *path, const sc_run_opts *opts)
{
	sc_script s;
	if (sc_script_load(path, &s, stdout) != 0) {
		q->errors++;
		return;
	}
	if (s.syntax_errors) {
		q->errors += s.syntax_errors;
		sc_script_free(&s);
		return;
	}
	size_t first;
	char list[SC_MAXOS][SC_OSLEN];
	int n = sc_script_personalities(&s, opts, path, list, &first, stdout);
	if (n < 0)
		q->errors++;
	for (int i = 0; i < n; i++)
		run_os(q, path, &s, first, list[i]);
	sc_script_free(&s);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bindmodel oracle [OPTION]... FILE...\n"
	           "       bindmodel oracle --probe\n"
	           "Run scenario files step by step on the model and the live kernel (in a\n"
	           "private network namespace) and report every step where they differ.\n"
	           "  --os=LIST           model personalities (default: this kernel's)\n"
	           "  --allow-sleep       really wait for 'advance'\n"
	           "  --loopback-only     allow a run without a private namespace\n"
	           "  --probe             say whether a private namespace can be had; exit 0/1\n"
	           "  -v, --verbose       also print the steps that agree\n"
	           "  -h, --help          this help\n"
	           "Exit status: 0 agreement, 1 a difference or an error, 2 a usage error.\n");
}

enum { OR_OS = 256, OR_SLEEP, OR_LOOPBACK, OR_PROBE };
static const struct option oracle_options[] = {
	{"os", required_argument, NULL, OR_OS},
	{"allow-sleep", no_argument, NULL, OR_SLEEP},
	{"loopback-only", no_argument, NULL, OR_LOOPBACK},
	{"probe", no_argument, NULL, OR_PROBE},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_oracle(int argc, char **argv)
{
	sc_run_opts opts;
	memset(&opts, 0, sizeof opts);
	int allow_sleep = 0, loopback_only = 0, verbose = 0, ch;
	char err[512];
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", oracle_options, NULL)) != -1) {
		switch (ch) {
		case OR_OS:
			if (sc_split_os_list(optarg, &opts, err, sizeof err) != 0) {
				fprintf(stderr, "bindmodel oracle: %s\n", err);
				return 2;
			}
			break;
		case OR_SLEEP: allow_sleep = 1; break;
		case OR_LOOPBACK: loopback_only = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case OR_PROBE:
			/* can this machine give the oracle a namespace of its own? */
			if (kb_probe_isolation(err, sizeof err)) {
				printf("isolation: private network namespace\n");
				return 0;
			}
			printf("isolation: none: %s\n", err);
			return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *native = kb_native_personality();
	if (opts.nos == 0)
		snprintf(opts.os[opts.nos++], SC_OSLEN, "%s", native ? native : "linux");
	for (int i = 0; i < opts.nos; i++)
		if (!native || strcmp(opts.os[i], native) != 0)
			fprintf(stderr, "bindmodel oracle: note: the live kernel is %s; comparing it with "
			        "the %s model\n", native ? native : "of an unknown system", opts.os[i]);

	oracle q;
	memset(&q, 0, sizeof q);
	q.verbose = verbose;
	q.opts = &opts;
	q.pair.a = &q.model;
	q.pair.b = &q.kernel;
	if (sc_model_engine(&q.model) != 0) {
		fprintf(stderr, "bindmodel oracle: out of memory\n");
		return 2;
	}
	if (kb_engine(&q.kernel, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel oracle: kernel backend: %s\n", err);
		q.model.destroy(q.model.ctx);
		return 2;
	}
	if (kb_engine_opts(&q.kernel, allow_sleep, loopback_only, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel oracle: kernel backend: %s\n", err);
		q.kernel.destroy(q.kernel.ctx);   /* a refusal must not leak it */
		q.model.destroy(q.model.ctx);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		run_file(&q, argv[i], &opts);
	char why[200];
	if (kb_engine_isolated(&q.kernel, why, sizeof why) == 0)
		fprintf(stderr, "bindmodel oracle: --loopback-only: no private network namespace (%s): "
		        "the kernel ran on the host's loopback only, and steps that need more were "
		        "skipped\n", why);
	q.kernel.destroy(q.kernel.ctx);
	q.model.destroy(q.model.ctx);
	sc_totals t = {.passed = q.passed, .failed = q.failed, .errors = q.errors,
	               .skipped = q.skipped, .within_set = q.within_set};
	return sc_print_totals(&t);
}
