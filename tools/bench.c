/* SPDX-License-Identifier: MIT */
/*
 * bench.c: `bindmodel bench [--count N] [--os NAME]`: the same scenario
 * steps timed on the model and on the live kernel in one run, side by
 * side, for each of these sequences (the set-up steps run once after each
 * reset, untimed):
 *
 *   round trip     l = socket; SO_REUSEADDR; bind; listen; c = socket;
 *                  SO_LINGER 0; connect (autobind); accept; close c, a, l
 *   socket close   s = socket; close s
 *   bind free      s = socket; bind 127.0.0.1:P; close s
 *   bind conflict  (h bound and listening on P) s = socket; bind P
 *                  => EADDRINUSE; close s
 *   listen         s = socket; bind; listen; close s
 *   reuseport join (g in a SO_REUSEPORT group on P) s = socket;
 *                  SO_REUSEPORT; bind P; close s
 *
 * SO_LINGER 0 on the client aborts the connection, so no TIME_WAIT piles up
 * and every sequence can reuse its port.  Both engines go through the same
 * sc_engine interface with the commands parsed once, so the figures compare
 * the model's bookkeeping with the kernel's syscalls (and, for the kernel,
 * a real loopback handshake).  The engines are reset every RESET_EVERY
 * sequences (the kernel gets a fresh namespace where it can); resets are
 * not timed, and after each the loop runs once untimed (first-touch costs
 * of a fresh host or namespace are not a step's).  A bind decision alone
 * is the difference between a bind sequence and "socket close", on each
 * engine, the two run in alternating slices of one batch (time_pair).
 * The same bind alone is then timed through the C API on both sides,
 * bm_bind against bind(2), with no engine in between (api_bench).
 *
 * The machine's speed drifts (other tenants, frequency) by more than the
 * differences measured, so the runs are split into ROUNDS rounds, and each
 * round times each sequence on the model and at once on the kernel.  A
 * figure is the median over the rounds; a ratio is the median of the
 * rounds' ratios, with their range.  The model runs MODEL_RUNS times as
 * many sequences as the kernel, so that its batches are not a fraction of
 * a millisecond.  Then the interposer's
 * cost per call (shadow_bench.c) and the scenario runner's rate.  No
 * assertions: numbers only, but a step whose result is not the one written
 * is an error, never a number.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

void shadow_bench(long n);   /* shadow_bench.c */

#define RESET_EVERY 500
#define BENCH_PORT 47000
#define ROUNDS 11
#define MODEL_RUNS 10
#define PAIR_SLICE 50

typedef struct bench_seq {
	const char *name;
	const char *const *setup, *const *loop;   /* NULL-terminated */
} bench_seq;

static const char *const no_setup[] = {NULL};
static const char *const round_trip[] = {
	"l = socket tcp4 => ok", "setsockopt l SO_REUSEADDR 1 => ok", "bind l 127.0.0.1:47000 => ok",
	"listen l => ok", "c = socket tcp4 => ok", "setsockopt c SO_LINGER 0 => ok",
	"connect c 127.0.0.1:47000 => ok", "a = accept l => ok", "close c => ok", "close a => ok",
	"close l => ok", NULL};
static const char *const open_close[] = {"s = socket tcp4 => ok", "close s => ok", NULL};
static const char *const bind_free[] = {"s = socket tcp4 => ok", "bind s 127.0.0.1:47001 => ok",
                                        "close s => ok", NULL};
static const char *const holder[] = {"h = socket tcp4", "bind h 127.0.0.1:47002", "listen h",
                                     NULL};
static const char *const bind_conflict[] = {"s = socket tcp4 => ok",
                                            "bind s 127.0.0.1:47002 => EADDRINUSE",
                                            "close s => ok", NULL};
static const char *const do_listen[] = {"s = socket tcp4 => ok", "bind s 127.0.0.1:47003 => ok",
                                        "listen s => ok", "close s => ok", NULL};
static const char *const group[] = {"g = socket tcp4", "setsockopt g SO_REUSEPORT 1",
                                    "bind g 127.0.0.1:47004", NULL};
static const char *const join_group[] = {"s = socket tcp4 => ok",
                                         "setsockopt s SO_REUSEPORT 1 => ok",
                                         "bind s 127.0.0.1:47004 => ok", "close s => ok", NULL};

/* seqs[1] is the baseline the bind rows are measured against */
static const bench_seq seqs[] = {
	{"round trip", no_setup, round_trip},
	{"socket close", no_setup, open_close},
	{"bind free", no_setup, bind_free},
	{"bind conflict", holder, bind_conflict},
	{"listen", no_setup, do_listen},
	{"reuseport join", group, join_group},
};
#define NSEQS (sizeof seqs / sizeof *seqs)

/* A sequence's lines, parsed once. */
typedef struct parsed {
	sc_cmd *setup, *loop;
	size_t nsetup, nloop;
} parsed;

static size_t count_lines(const char *const *lines)
{
	size_t n = 0;
	while (lines[n])
		n++;
	return n;
}

static int parse_lines(const char *const *lines, sc_cmd **out, size_t *n, char *err,
                       size_t errlen)
{
	*n = count_lines(lines);
	*out = calloc(*n ? *n : 1, sizeof **out);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < *n; k++) {
		int col;
		char why[200];
		if (sc_parse_line(lines[k], (int)k + 1, &(*out)[k], why, sizeof why, &col) != 1) {
			snprintf(err, errlen, "'%s': %s", lines[k], why);
			return -1;
		}
	}
	return 0;
}

static void free_lines(sc_cmd *cmds, size_t n)
{
	for (size_t k = 0; cmds && k < n; k++)
		sc_cmd_free(&cmds[k]);
	free(cmds);
}

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

/* Run cmds[0..n) once; -1 with err when a step fails or gives another
 * result than its line says. */
static int run_lines(sc_engine *e, const char *os, const sc_cmd *cmds, size_t n, char *err,
                     size_t errlen)
{
	sc_outcome o;
	for (size_t k = 0; k < n; k++) {
		if (e->exec(e->ctx, &cmds[k], &o, err, errlen) != 0)
			return -1;
		const sc_expect *x = sc_expect_for(&cmds[k], os);
		if (x ? !sc_outcome_matches(&o, x) : o.code != BM_OK) {
			snprintf(err, errlen, "'%s' gave %s", cmds[k].text, bm_result_name(o.code));
			return -1;
		}
	}
	return 0;
}

/* Seconds for n runs of the sequence's loop; set-up, resets and one run
 * after each reset untimed. */
static double time_engine(sc_engine *e, const char *os, const parsed *p, long n, char *err,
                          size_t errlen)
{
	double total = 0;
	for (long done = 0; done < n;) {
		if (e->reset(e->ctx, os, err, errlen) != 0 ||
		    run_lines(e, os, p->setup, p->nsetup, err, errlen) != 0 ||
		    run_lines(e, os, p->loop, p->nloop, err, errlen) != 0)
			return -1;
		long batch = n - done < RESET_EVERY ? n - done : RESET_EVERY;
		double t0 = now_s();
		for (long i = 0; i < batch; i++)
			if (run_lines(e, os, p->loop, p->nloop, err, errlen) != 0)
				return -1;
		total += now_s() - t0;
		done += batch;
	}
	return total;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of x[0..n) (n odd or even); x is sorted in place. */
static double median(double *x, int n)
{
	qsort(x, (size_t)n, sizeof *x, cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* A bind alone: n runs of p's loop and n of base's, alternating in slices
 * of PAIR_SLICE runs, so that a drift of the machine's speed reaches both
 * alike.  (Timing each run by itself does not work: on this kind of
 * machine a clock read costs about 30 ns and disturbs the model's steps
 * far more than that.)  secs[0] gets base's total, secs[1] p's; 0, or -1
 * with err. */
static int time_pair(sc_engine *e, const char *os, const parsed *base, const parsed *p, long n,
                     double secs[2], char *err, size_t errlen)
{
	secs[0] = secs[1] = 0;
	for (long done = 0; done < n;) {
		if (e->reset(e->ctx, os, err, errlen) != 0 ||
		    run_lines(e, os, p->setup, p->nsetup, err, errlen) != 0 ||
		    run_lines(e, os, base->loop, base->nloop, err, errlen) != 0 ||
		    run_lines(e, os, p->loop, p->nloop, err, errlen) != 0)
			return -1;
		long batch = n - done < RESET_EVERY ? n - done : RESET_EVERY;
		for (long i = 0; i < batch; i += PAIR_SLICE) {
			long slice = batch - i < PAIR_SLICE ? batch - i : PAIR_SLICE;
			double t0 = now_s();
			for (long j = 0; j < slice; j++)
				if (run_lines(e, os, base->loop, base->nloop, err, errlen) != 0)
					return -1;
			double t1 = now_s();
			for (long j = 0; j < slice; j++)
				if (run_lines(e, os, p->loop, p->nloop, err, errlen) != 0)
					return -1;
			secs[0] += t1 - t0;
			secs[1] += now_s() - t1;
		}
		done += batch;
	}
	return 0;
}

/* ns per sequence in each round, for each engine; -1: none. */
typedef struct timings {
	double ns[2][ROUNDS];
	char err[512];
} timings;

/* One round of a sequence on engine j (0: the model, 1: the kernel). */
static void time_round(const parsed *p, sc_engine *e, int j, const char *os, long runs,
                       int round, timings *t)
{
	t->ns[j][round] = -1;
	if (!e || t->err[0])
		return;
	char err[512] = "";
	double secs = time_engine(e, os, p, runs, err, sizeof err);
	if (secs < 0)
		snprintf(t->err, sizeof t->err, "%s: %s", e->name, err);
	else
		t->ns[j][round] = secs * 1e9 / (double)runs;
}

/* One round of a bind alone on engine j: base gets the baseline's ns per
 * run, x the bind sequence's. */
static void time_pair_round(const parsed *pb, const parsed *p, sc_engine *e, int j,
                            const char *os, long runs, int round, timings *base, timings *x)
{
	base->ns[j][round] = x->ns[j][round] = -1;
	if (!e || x->err[0])
		return;
	double secs[2];
	char err[512] = "";
	if (time_pair(e, os, pb, p, runs, secs, err, sizeof err) != 0) {
		snprintf(x->err, sizeof x->err, "%s: %s", e->name, err);
		return;
	}
	base->ns[j][round] = secs[0] * 1e9 / (double)runs;
	x->ns[j][round] = secs[1] * 1e9 / (double)runs;
}

/* A row: each engine's median over the rounds of x (a sequence, or a
 * sequence less its baseline), and the median and range of the rounds'
 * ratios.  A difference can come out at or below zero in a round the
 * machine slowed during the baseline's slices: that round has no ratio,
 * and the row says how many rounds had one (dropping them drops the
 * highest ratios, so the median errs low). */
static void print_row(const char *name, const timings *x, const timings *base)
{
	double e[2][ROUNDS], ratio[ROUNDS];
	int nr = 0, ok[2] = {1, 1};
	for (int r = 0; r < ROUNDS; r++) {
		for (int j = 0; j < 2; j++) {
			double v = x->ns[j][r];
			int timed = v >= 0 && (!base || base->ns[j][r] >= 0);
			ok[j] &= timed;
			e[j][r] = timed && base ? v - base->ns[j][r] : v;
		}
		if (e[0][r] > 0 && e[1][r] > 0)
			ratio[nr++] = e[1][r] / e[0][r];
	}
	if (x->err[0] || (base && base->err[0])) {
		printf("  %-26s %s\n", name, x->err[0] ? x->err : base->err);
		return;
	}
	printf("  %-26s %10.0f", name, ok[0] ? median(e[0], ROUNDS) : -1);
	if (ok[0] && ok[1] && nr > 0) {
		double lo = ratio[0], hi = ratio[0];
		for (int r = 1; r < nr; r++) {
			lo = ratio[r] < lo ? ratio[r] : lo;
			hi = ratio[r] > hi ? ratio[r] : hi;
		}
		printf(" %10.0f %8.0fx  (%.0f-%.0fx", median(e[1], ROUNDS), median(ratio, nr), lo, hi);
		if (nr < ROUNDS)
			printf(", %d of %d rounds", nr, ROUNDS);
		printf(")\n");
	} else {
		printf(" %10s %9s\n", "-", "-");
	}
}

/* ------------------------------------------------------------- the C API */

/*
 * The bind decision as a program asks for it: bm_socket, bm_bind and
 * bm_close on a model host against socket(2), bind(2) and close(2), with
 * no scenario engine in between on either side (the engine rows above add
 * the session's names, verdict copies and expectations to the model's
 * side).  A child process in a private network namespace of its own runs
 * both, in the same rounds and alternating slices as the engine's bind
 * alone.  Every call's result is checked: a wrong one is an error, never a
 * number.
 */
typedef struct api_side {
	bm_host *h;                 /* the model; NULL: the kernel */
	struct sockaddr_storage sa[2];
	socklen_t salen[2];
	bm_endpoint ep[2];          /* [0] a free port, [1] one a listener holds */
} api_side;

/* n runs of socket, then (with bind_to 0 or 1) bind to ep[bind_to], then
 * close; -1 if a call gives another result than the one expected. */
static int api_runs(const api_side *a, int bind_to, long n)
{
	for (long i = 0; i < n; i++) {
		if (a->h) {
			bm_sock s;
			if (bm_socket(a->h, BM_AF_INET, BM_TCP, 0, &s, NULL) != BM_OK ||
			    (bind_to >= 0 && bm_bind(a->h, s, &a->ep[bind_to], NULL) !=
			                         (bind_to == 1 ? BM_EADDRINUSE : BM_OK)) ||
			    bm_close(a->h, s, NULL) != BM_OK)
				return -1;
			continue;
		}
		int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 0, e = 0;
		if (fd < 0)
			return -1;
		if (bind_to >= 0) {
			rc = bind(fd, (const struct sockaddr *)&a->sa[bind_to], a->salen[bind_to]);
			e = errno;
		}
		if (close(fd) != 0 || (bind_to == 1 ? rc != -1 || e != EADDRINUSE : rc != 0))
			return -1;
	}
	return 0;
}

/* One round of a bind alone on side j, like time_pair_round. */
static void api_round(const api_side *a, int j, int bind_to, long runs, int round,
                      timings *base, timings *x)
{
	double secs[2] = {0, 0};
	base->ns[j][round] = x->ns[j][round] = -1;
	if (x->err[0])
		return;
	for (long i = 0; i < runs; i += PAIR_SLICE) {
		long slice = runs - i < PAIR_SLICE ? runs - i : PAIR_SLICE;
		double t0 = now_s();
		int bad = api_runs(a, -1, slice);
		double t1 = now_s();
		bad = bad || api_runs(a, bind_to, slice);
		if (bad) {
			snprintf(x->err, sizeof x->err, "%s: a call gave another result than expected",
			         a->h ? "model" : "kernel");
			return;
		}
		secs[0] += t1 - t0;
		secs[1] += now_s() - t1;
	}
	base->ns[j][round] = secs[0] * 1e9 / (double)runs;
	x->ns[j][round] = secs[1] * 1e9 / (double)runs;
}

/* Each side's endpoints, and a listener on ep[1]; 0, or -1. */
static int api_setup(api_side *a)
{
	static const char *const addrs[2] = {"127.0.0.1:47001", "127.0.0.1:47002"};
	for (int i = 0; i < 2; i++) {
		if (bm_endpoint_parse(addrs[i], &a->ep[i], NULL, 0) != 0)
			return -1;
		a->salen[i] = (socklen_t)bm_endpoint_to_sockaddr(&a->ep[i], &a->sa[i], sizeof a->sa[i]);
	}
	if (a->h) {
		bm_sock l;
		return bm_socket(a->h, BM_AF_INET, BM_TCP, 0, &l, NULL) == BM_OK &&
		       bm_bind(a->h, l, &a->ep[1], NULL) == BM_OK && bm_listen(a->h, l, NULL) == BM_OK
		       ? 0 : -1;
	}
	int l = socket(AF_INET, SOCK_STREAM, 0);
	return l >= 0 && bind(l, (const struct sockaddr *)&a->sa[1], a->salen[1]) == 0 &&
	       listen(l, 8) == 0 ? 0 : -1;   /* closed when the child exits */
}

static void api_child(const char *os, long per)
{
	char err[256] = "", why[256] = "";
	api_side side[2];
	memset(side, 0, sizeof side);
	int have_k = kb_os_new_netns(err, sizeof err) == 0 ||
	             kb_os_new_userns(why, sizeof why) == 0;
	if (!have_k)
		printf("  (C API: no kernel figures, no private network namespace: %s; %s)\n", err,
		       why);
	if (!(side[0].h = bm_host_new(os, NULL)) || api_setup(&side[0]) != 0 ||
	    (have_k && api_setup(&side[1]) != 0)) {
		printf("  C API: setting up the listener failed\n");
		bm_host_free(side[0].h);
		return;
	}
	static const char *const names[2] = {"C API, bind free alone", "C API, bind refused alone"};
	timings base[2], x[2];
	memset(base, 0, sizeof base);
	memset(x, 0, sizeof x);
	for (int r = 0; r < ROUNDS; r++)
		for (int b = 0; b < 2; b++) {
			api_round(&side[0], 0, b, per * MODEL_RUNS, r, &base[b], &x[b]);
			if (have_k)
				api_round(&side[1], 1, b, per, r, &base[b], &x[b]);
		}
	print_row("C API, socket close", &base[0], NULL);   /* the free row's baseline */
	for (int b = 0; b < 2; b++)
		print_row(names[b], &x[b], &base[b]);
	bm_host_free(side[0].h);
}

/* In a child, so that its namespace is its own and the parent's stays. */
static void api_bench(const char *os, long per)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		api_child(os, per);
		fflush(stdout);
		_exit(0);
	}
	int st;
	if (pid > 0)
		waitpid(pid, &st, 0);
	else
		printf("  C API: fork: %s\n", strerror(errno));
}

int cmd_bench(int argc, char **argv)
{
	long n = 22000;
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
	char err[512];
	parsed p[NSEQS];
	memset(p, 0, sizeof p);
	int ok = 1;
	for (size_t i = 0; ok && i < NSEQS; i++)
		ok = parse_lines(seqs[i].setup, &p[i].setup, &p[i].nsetup, err, sizeof err) == 0 &&
		     parse_lines(seqs[i].loop, &p[i].loop, &p[i].nloop, err, sizeof err) == 0;
	if (!ok)
		fprintf(stderr, "bindmodel bench: %s\n", err);

	sc_engine m, k;
	int have_m = ok && sc_model_engine(&m) == 0, have_k = 0;
	const char *kernel_note = "";
	char why[200], note[260];
	if (ok && kb_engine(&k, err, sizeof err) == 0) {
		have_k = kb_engine_opts(&k, 0, loopback_only, err, sizeof err) == 0;
		if (!have_k)
			k.destroy(k.ctx);
	}
	if (have_k) {
		if (kb_engine_isolated(&k, why, sizeof why) == 1)
			snprintf(note, sizeof note, "live kernel, private network namespace");
		else
			snprintf(note, sizeof note, "live kernel, host loopback (%s)", why);
		kernel_note = note;
	} else if (ok) {
		snprintf(note, sizeof note, "no live kernel: %s", err);
		kernel_note = note;
	}
	if (ok && have_m) {
		long per = n / ROUNDS > 0 ? n / ROUNDS : 1;
		printf("bench: %d rounds of %ld runs of each sequence on the kernel, %ld on the "
		       "model (personality %s); %s\n", ROUNDS, per, per * MODEL_RUNS, os,
		       kernel_note);
		printf("  %-26s %10s %10s %9s  %s\n", "ns per sequence (median)", "model", "kernel",
		       "ratio", "(rounds)");
		timings t[NSEQS];
		memset(t, 0, sizeof t);
		/* a round: each sequence on the model, then at once on the kernel */
		for (int r = 0; r < ROUNDS; r++) {
			for (size_t i = 0; i < NSEQS; i++) {
				time_round(&p[i], &m, 0, os, per * MODEL_RUNS, r, &t[i]);
				time_round(&p[i], have_k ? &k : NULL, 1, os, per, r, &t[i]);
			}
		}
		for (size_t i = 0; i < NSEQS; i++)
			print_row(seqs[i].name, &t[i], NULL);
		/* the bind decision alone: a bind sequence less socket() and
		 * close(), the two run alternately (time_pair) */
		for (size_t i = 2; i < 4; i++) {
			timings base, x;
			memset(&base, 0, sizeof base);
			memset(&x, 0, sizeof x);
			for (int r = 0; r < ROUNDS; r++) {
				time_pair_round(&p[1], &p[i], &m, 0, os, per * MODEL_RUNS, r, &base, &x);
				time_pair_round(&p[1], &p[i], have_k ? &k : NULL, 1, os, per, r, &base,
				                &x);
			}
			char name[40];
			snprintf(name, sizeof name, "%s, bind alone", seqs[i].name);
			print_row(name, &x, &base);
		}
		if (!have_k)
			printf("  (no kernel figures: %s)\n", kernel_note);
		api_bench(os, per);
	}
	if (have_m)
		m.destroy(m.ctx);
	if (have_k)
		k.destroy(k.ctx);
	for (size_t i = 0; i < NSEQS; i++) {
		free_lines(p[i].setup, p[i].nsetup);
		free_lines(p[i].loop, p[i].nloop);
	}
	shadow_bench(n);   /* shadow_bench.c: the interposer's per-call cost */
	runner_bench(os);
	return 0;
}
