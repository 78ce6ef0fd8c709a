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
 * of a fresh host or namespace are not a step's).  The bind call alone is
 * timed by itself, in slices of open sockets (time_binds): through both
 * engines, then through the C API on both sides, bm_bind against bind(2)
 * with no engine in between (api_bench).
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

/* A bind alone, on an engine: in slices of SLICE, the slice's sockets
 * are opened, their binds timed together (each to a port of its own
 * nobody holds, or each to the port a listener holds), and they are
 * closed; opening and closing untimed.  (Timing each bind by itself does
 * not work: on this kind of machine a clock read costs about 30 ns.  A
 * sequence less a baseline sequence, as before 0.4.5, was the difference
 * of two noisy figures.) */
#define SLICE 50
#define API_PORT 47100   /* API_PORT + i: free; BENCH_PORT + 2: held (holder) */

typedef struct bind_slice {
	parsed open, bind[2], close;   /* bind[0]: free ports, bind[1]: the held one;
	                                  open.setup: the holder, after each reset */
	char text[4 * SLICE][64];
	const char *lines[4][SLICE + 1];
} bind_slice;

static int slice_parse(bind_slice *b, char *err, size_t errlen)
{
	for (int i = 0; i < SLICE; i++) {
		char (*t)[64] = &b->text[4 * i];
		snprintf(t[0], sizeof t[0], "s%d = socket tcp4 => ok", i);
		snprintf(t[1], sizeof t[1], "bind s%d 127.0.0.1:%d => ok", i, API_PORT + i);
		snprintf(t[2], sizeof t[2], "bind s%d 127.0.0.1:%d => EADDRINUSE", i, BENCH_PORT + 2);
		snprintf(t[3], sizeof t[3], "close s%d => ok", i);
		for (int k = 0; k < 4; k++)
			b->lines[k][i] = t[k];
	}
	for (int k = 0; k < 4; k++)
		b->lines[k][SLICE] = NULL;
	parsed *to[4] = {&b->open, &b->bind[0], &b->bind[1], &b->close};
	for (int k = 0; k < 4; k++)
		if (parse_lines(b->lines[k], &to[k]->loop, &to[k]->nloop, err, errlen) != 0)
			return -1;
	return parse_lines(holder, &b->open.setup, &b->open.nsetup, err, errlen);
}

static void slice_free(bind_slice *b)
{
	parsed *all[4] = {&b->open, &b->bind[0], &b->bind[1], &b->close};
	for (int k = 0; k < 4; k++) {
		free_lines(all[k]->setup, all[k]->nsetup);
		free_lines(all[k]->loop, all[k]->nloop);
	}
}

/* One slice: open, the binds (timed: *secs), close; 0, or -1 with err. */
static int run_slice(sc_engine *e, const char *os, const bind_slice *b, int refused,
                     double *secs, char *err, size_t errlen)
{
	if (run_lines(e, os, b->open.loop, SLICE, err, errlen) != 0)
		return -1;
	double t0 = now_s();
	if (run_lines(e, os, b->bind[refused].loop, SLICE, err, errlen) != 0)
		return -1;
	*secs = now_s() - t0;
	return run_lines(e, os, b->close.loop, SLICE, err, errlen);
}

/* Seconds for n binds (a multiple of SLICE), -1 with err.  After each
 * reset the holder is set up and one slice runs untimed. */
static double time_binds(sc_engine *e, const char *os, const bind_slice *b, int refused, long n,
                         char *err, size_t errlen)
{
	double total = 0, secs;
	for (long done = 0; done < n; done += SLICE) {
		if (done % RESET_EVERY == 0 &&
		    (e->reset(e->ctx, os, err, errlen) != 0 ||
		     run_lines(e, os, b->open.setup, b->open.nsetup, err, errlen) != 0 ||
		     run_slice(e, os, b, refused, &secs, err, errlen) != 0))
			return -1;
		if (run_slice(e, os, b, refused, &secs, err, errlen) != 0)
			return -1;
		total += secs;
	}
	return total;
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

/* One round of n binds on engine j (0: the model, 1: the kernel). */
static void bind_round(const bind_slice *b, int refused, sc_engine *e, int j, const char *os,
                       long n, int round, timings *t)
{
	t->ns[j][round] = -1;
	if (!e || t->err[0])
		return;
	char err[512] = "";
	n = (n + SLICE - 1) / SLICE * SLICE;
	double secs = time_binds(e, os, b, refused, n, err, sizeof err);
	if (secs < 0)
		snprintf(t->err, sizeof t->err, "%s: %s", e->name, err);
	else
		t->ns[j][round] = secs * 1e9 / (double)n;
}

/* A row: each engine's median over the rounds of x, and the median and
 * range of the rounds' ratios. */
static void print_row(const char *name, const timings *x)
{
	double e[2][ROUNDS], ratio[ROUNDS];
	int nr = 0, ok[2] = {1, 1};
	for (int r = 0; r < ROUNDS; r++) {
		for (int j = 0; j < 2; j++) {
			e[j][r] = x->ns[j][r];
			ok[j] &= e[j][r] >= 0;
		}
		if (e[0][r] > 0 && e[1][r] > 0)
			ratio[nr++] = e[1][r] / e[0][r];
	}
	if (x->err[0]) {
		printf("  %-26s %s\n", name, x->err);
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
 * The bind decision as a program asks for it: bm_bind on a model host
 * against bind(2), with no scenario engine in between on either side (the
 * engine rows above add the session's names, verdict copies and
 * expectations to the model's side).  The bind calls are timed by
 * themselves: in slices of SLICE, the slice's sockets are opened,
 * their binds timed together (each to a port of its own that nobody
 * holds, or each to the port a listener holds), then they are closed, the
 * opening and closing untimed.  No difference of two sequences, so no
 * baseline's noise.  A child process in a private network namespace of
 * its own runs both sides in the same rounds.  Every call's result is
 * checked: a wrong one is an error, never a number.
 */
typedef struct api_side {
	bm_host *h;                                /* the model; NULL: the kernel */
	bm_endpoint ep[SLICE + 1];            /* [SLICE]: the held port */
	struct sockaddr_storage sa[SLICE + 1];
	socklen_t salen[SLICE + 1];
} api_side;


/* Seconds for the k binds of one slice on the model; -1 if a call gives
 * another result than the one expected. */
static double model_slice(const api_side *a, int refused, long k)
{
	bm_sock s[SLICE];
	bm_result r[SLICE];
	for (long i = 0; i < k; i++)
		if (bm_socket(a->h, BM_AF_INET, BM_TCP, 0, &s[i], NULL) != BM_OK)
			return -1;
	double t0 = now_s();
	for (long i = 0; i < k; i++)
		r[i] = bm_bind(a->h, s[i], &a->ep[refused ? SLICE : i], NULL);
	double t = now_s() - t0;
	for (long i = 0; i < k; i++)
		if (r[i] != (refused ? BM_EADDRINUSE : BM_OK) || bm_close(a->h, s[i], NULL) != BM_OK)
			t = -1;
	return t;
}

/* The same on the kernel. */
static double kernel_slice(const api_side *a, int refused, long k)
{
	int fd[SLICE], rc[SLICE], e[SLICE];
	for (long i = 0; i < k; i++)
		if ((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
			while (i-- > 0)
				close(fd[i]);
			return -1;
		}
	double t0 = now_s();
	for (long i = 0; i < k; i++) {
		int j = refused ? SLICE : (int)i;
		rc[i] = bind(fd[i], (const struct sockaddr *)&a->sa[j], a->salen[j]);
		e[i] = errno;
	}
	double t = now_s() - t0;
	for (long i = 0; i < k; i++)
		if ((refused ? rc[i] != -1 || e[i] != EADDRINUSE : rc[i] != 0) | close(fd[i]))
			t = -1;
	return t;
}

/* One round of n binds on side j into x. */
static void api_round(const api_side *a, int j, int refused, long n, int round, timings *x)
{
	double secs = 0;
	x->ns[j][round] = -1;
	if (x->err[0])
		return;
	for (long done = 0; done < n; done += SLICE) {
		long k = n - done < SLICE ? n - done : SLICE;
		double t = a->h ? model_slice(a, refused, k) : kernel_slice(a, refused, k);
		if (t < 0) {
			snprintf(x->err, sizeof x->err, "%s: a call gave another result than expected",
			         a->h ? "model" : "kernel");
			return;
		}
		secs += t;
	}
	x->ns[j][round] = secs * 1e9 / (double)n;
}

/* Each side's endpoints, and a listener on the held port; 0, or -1. */
static int api_setup(api_side *a)
{
	for (int i = 0; i <= SLICE; i++) {
		char text[32];
		snprintf(text, sizeof text, "127.0.0.1:%d", i < SLICE ? API_PORT + i : BENCH_PORT + 2);
		if (bm_endpoint_parse(text, &a->ep[i], NULL, 0) != 0)
			return -1;
		a->salen[i] = (socklen_t)bm_endpoint_to_sockaddr(&a->ep[i], &a->sa[i], sizeof a->sa[i]);
	}
	const int held = SLICE;
	if (a->h) {
		bm_sock l;
		return bm_socket(a->h, BM_AF_INET, BM_TCP, 0, &l, NULL) == BM_OK &&
		       bm_bind(a->h, l, &a->ep[held], NULL) == BM_OK && bm_listen(a->h, l, NULL) == BM_OK
		       ? 0 : -1;
	}
	int l = socket(AF_INET, SOCK_STREAM, 0);
	return l >= 0 && bind(l, (const struct sockaddr *)&a->sa[held], a->salen[held]) == 0 &&
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
	static const char *const names[2] = {"C API, bind free", "C API, bind refused"};
	timings x[2];
	memset(x, 0, sizeof x);
	for (int r = 0; r < ROUNDS; r++)
		for (int b = 0; b < 2; b++) {
			api_round(&side[0], 0, b, per * MODEL_RUNS, r, &x[b]);
			if (have_k)
				api_round(&side[1], 1, b, per, r, &x[b]);
		}
	if (!have_k)
		for (int b = 0; b < 2; b++)
			for (int r = 0; r < ROUNDS; r++)
				x[b].ns[1][r] = -1;
	for (int b = 0; b < 2; b++)
		print_row(names[b], &x[b]);
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
			print_row(seqs[i].name, &t[i]);
		/* the bind call alone, through the engines (time_binds) */
		bind_slice *b = calloc(1, sizeof *b);
		if (!b || slice_parse(b, err, sizeof err) != 0) {
			printf("  bind alone: %s\n", b ? err : "out of memory");
		} else {
			static const char *const names[2] = {"bind free, bind alone",
			                                     "bind conflict, bind alone"};
			timings x[2];
			memset(x, 0, sizeof x);
			for (int r = 0; r < ROUNDS; r++)
				for (int refused = 0; refused < 2; refused++) {
					bind_round(b, refused, &m, 0, os, per * MODEL_RUNS, r, &x[refused]);
					bind_round(b, refused, have_k ? &k : NULL, 1, os, per, r, &x[refused]);
				}
			for (int refused = 0; refused < 2; refused++)
				print_row(names[refused], &x[refused]);
		}
		if (b)
			slice_free(b);
		free(b);
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
