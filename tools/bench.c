/* SPDX-License-Identifier: MIT */
/*
 * bench.c: `bindmodel bench [--count N] [--os NAME]`: the same sequence of
 * scenario steps timed on the model and on the live kernel in one run, and
 * the rates printed side by side.  No assertions: numbers only.
 *
 * One sequence is a whole TCP round trip on a fixed port:
 *
 *   l = socket tcp4; setsockopt l SO_REUSEADDR 1; bind l 127.0.0.1:PORT
 *   listen l; c = socket tcp4; setsockopt c SO_LINGER 0
 *   connect c 127.0.0.1:PORT; a = accept l; close c; close a; close l
 *
 * SO_LINGER 0 on the client aborts the connection, so no TIME_WAIT piles up
 * and every sequence can reuse the port.  Both engines go through the same
 * sc_engine interface with the commands parsed once, so the figures compare
 * the model's bookkeeping with the kernel's syscalls (and, for the kernel,
 * a real loopback handshake).  The engines are reset every RESET_EVERY
 * sequences (the model keeps closed handles; the kernel gets a fresh
 * namespace where it can); resets are not timed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

void shadow_bench(long n);   /* shadow_bench.c */

#define RESET_EVERY 500
#define BENCH_PORT 47000

static const char *const steps[] = {
	"l = socket tcp4",
	"setsockopt l SO_REUSEADDR 1",
	"bind l 127.0.0.1:47000",
	"listen l",
	"c = socket tcp4",
	"setsockopt c SO_LINGER 0",
	"connect c 127.0.0.1:47000",
	"a = accept l",
	"close c",
	"close a",
	"close l",
};
#define NSTEPS (sizeof steps / sizeof *steps)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Time n sequences; returns seconds, or -1 with err. */
/* The scenario runner's own rate (issue 11): a generated file of
 * RUNNER_STEPS expectations, loaded and run as `bindmodel run` does. */
#define RUNNER_STEPS 300000

static void runner_bench(const char *os)
{
	char path[] = "/tmp/bindmodel-bench-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	FILE *null = fopen("/dev/null", "w");
	if (!f || !null) {
		printf("runner: cannot make a scenario file\n");
		goto out;
	}
	fprintf(f, "os %s\n", os);
	for (long i = 0; i < RUNNER_STEPS / 3; i++)
		fprintf(f, "s = socket udp4 => ok\nbind s 127.0.0.1:%ld => ok\nclose s => ok\n",
		        1024 + i % 60000);
	fclose(f);
	f = NULL;
	sc_script sc;
	double t0 = now_s();
	int loaded = sc_script_load(path, &sc, null) == 0;
	double t1 = now_s();
	if (loaded)
		sc_script_free(&sc);
	sc_engine e;
	sc_totals t = {0};
	sc_run_opts opts = {.nos = 0};
	double t2 = now_s(), t3 = t2;
	if (loaded && sc_model_engine(&e) == 0) {
		sc_run_file(&e, path, &opts, &t, null);
		t3 = now_s();
		e.destroy(e.ctx);
	}
	if (!loaded || t.passed != RUNNER_STEPS) {
		printf("runner: the generated scenario did not pass (%ld of %d)\n", t.passed,
		       RUNNER_STEPS);
		goto out;
	}
	printf("runner: %d steps (each an expectation), load and run: %.0f steps/s "
	       "(loading alone %.0f lines/s)\n", RUNNER_STEPS, RUNNER_STEPS / (t3 - t2),
	       RUNNER_STEPS / (t1 - t0));
out:
	if (f)
		fclose(f);
	if (null)
		fclose(null);
	if (fd >= 0)
		unlink(path);
}

static double time_engine(sc_engine *e, const char *os, sc_cmd *cmds, long n, char *err,
                          size_t errlen)
{
	sc_outcome o;
	double total = 0;
	for (long done = 0; done < n;) {
		if (e->reset(e->ctx, os, err, errlen) != 0)
			return -1;
		long batch = n - done < RESET_EVERY ? n - done : RESET_EVERY;
		double t0 = now_s();
		for (long i = 0; i < batch; i++) {
			for (size_t k = 0; k < NSTEPS; k++) {
				if (e->exec(e->ctx, &cmds[k], &o, err, errlen) != 0)
					return -1;
				if (o.code != BM_OK) {
					snprintf(err, errlen, "'%s' gave %s", steps[k], bm_result_name(o.code));
					return -1;
				}
			}
		}
		total += now_s() - t0;
		done += batch;
	}
	return total;
}

static void row(const char *name, long n, double secs, const char *note)
{
	if (secs <= 0) {
		printf("  %-8s %14s %14s  %s\n", name, "-", "-", note);
		return;
	}
	printf("  %-8s %14.0f %14.0f  %s\n", name, (double)n / secs,
	       (double)n * (double)NSTEPS / secs, note);
}

int cmd_bench(int argc, char **argv)
{
	long n = 2000;
	const char *os = "linux";
	int loopback_only = 0;
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'c'},
		{"os", required_argument, NULL, 'o'},
		{"loopback-only", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char use[] = "usage: bindmodel bench [--count=N] [--os=NAME] [--loopback-only]\n";
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'c':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 10000000) {
				fprintf(stderr, "bindmodel bench: --count takes 1..10000000\n");
				return 2;
			}
			break;
		case 'o': {
			const bm_policy *p = bm_personality_find(optarg);
			if (!p) {
				fprintf(stderr, "bindmodel bench: unknown personality '%s'\n", optarg);
				return 2;
			}
			os = p->name;
			break;
		}
		case 'L': loopback_only = 1; break;
		case 'h':
			printf("%s  Times the model (and the live kernel, where a namespace can be had)\n"
			       "  on N sockets through a fixed sequence of steps.  Exit status: 0, or 2.\n",
			       use);
			return 0;
		default: fputs(use, stderr); return 2;
		}
	}
	if (optind < argc) {
		fputs(use, stderr);
		return 2;
	}
	sc_cmd *cmds = calloc(NSTEPS, sizeof *cmds);
	if (!cmds)
		return 2;
	char err[512];
	int col;
	for (size_t k = 0; k < NSTEPS; k++) {
		if (sc_parse_line(steps[k], (int)k + 1, &cmds[k], err, sizeof err, &col) != 1) {
			fprintf(stderr, "bindmodel bench: step '%s': %s\n", steps[k], err);
			for (size_t j = 0; j <= k; j++)
				sc_cmd_free(&cmds[j]);
			free(cmds);
			return 2;
		}
	}

	printf("bench: %ld sequences of %zu steps (socket, bind, listen, connect, accept, close "
	       "... on 127.0.0.1:%d), model personality %s\n", n, NSTEPS, BENCH_PORT, os);
	printf("  %-8s %14s %14s\n", "engine", "sequences/s", "steps/s");

	sc_engine m;
	double ms = -1;
	if (sc_model_engine(&m) == 0) {
		ms = time_engine(&m, os, cmds, n, err, sizeof err);
		row("model", n, ms, ms < 0 ? err : "in memory");
		m.destroy(m.ctx);
	}

	sc_engine k;
	if (kb_engine(&k, err, sizeof err) != 0) {
		row("kernel", n, -1, err);
	} else if (kb_engine_opts(&k, 0, loopback_only, err, sizeof err) != 0) {
		row("kernel", n, -1, err);
		k.destroy(k.ctx);
	} else {
		double ks = time_engine(&k, os, cmds, n, err, sizeof err);
		char note[260], why[200];
		if (ks < 0)
			snprintf(note, sizeof note, "%s", err);
		else if (kb_engine_isolated(&k, why, sizeof why) == 1)
			snprintf(note, sizeof note, "live kernel, private network namespace");
		else
			snprintf(note, sizeof note, "live kernel, host loopback (%s)", why);
		row("kernel", n, ks, note);
		if (ks > 0 && ms > 0)
			printf("  the model is %.0fx the kernel's rate\n", ks / ms);
		k.destroy(k.ctx);
	}
	for (size_t j = 0; j < NSTEPS; j++)
		sc_cmd_free(&cmds[j]);
	free(cmds);
	shadow_bench(n);   /* shadow_bench.c: the interposer's per-call cost */
	runner_bench(os);
	return 0;
}
