/* SPDX-License-Identifier: MIT */
/*
 * explore.c: `bindmodel explore`: measure the model's fidelity by running
 * generated scenarios on the model and on the live kernel and diffing the
 * two result streams step by step.
 *
 * The design
 * ----------
 * Every scenario is a fixed PRELUDE followed by OPERATIONS; "depth" is the
 * number of operations.  The prelude configures the namespace and a helper
 * listener that connections can complete a real handshake with:
 *
 *     addr add 10.0.0.1 / addr add 10.0.0.2
 *     h = socket tcp6; bind h [::]:6000; listen h      (dual stack)
 *
 * An operation is a composite: it creates ONE socket of a kind (tcp4, udp4,
 * tcp6, udp6) with an option profile (none, SO_REUSEADDR, SO_REUSEPORT,
 * both, SO_REUSEPORT as uid 1000, ...; IPV6_V6ONLY belongs to the address
 * form "[::] v6only") and brings it to a state at an address on the one
 * fixed port P = 5000:
 *
 *     bind      bind A:P
 *     listen    bind A:P, listen                                    (TCP)
 *     connect   bind A:P, connect to the helper at peer(A):6000, the
 *               helper accepts (a real handshake; UDP: no helper)
 *     accepted  bind A:P, listen, a client connects to peer(A):P, accept,
 *               close the listener: the accepted child alone holds P  (TCP)
 *     tw-client bind A:P, connect to the helper, accept, close the client
 *               then the child: the client is in TIME_WAIT on A:P     (TCP)
 *     tw-child  bind A:P, listen, a client connects, accept, close the
 *               child, the client, the listener: TIME_WAIT on P       (TCP)
 *     deliver   a datagram from peer(D):6000 to D:P: who receives    (UDP)
 *
 * so that an operation is one "socket that holds (or tries to hold) P".
 * Depth 1 is every single holder; depth 2 is every ordered PAIR of holders,
 * which is the classic two-socket question (does the second bind, listen,
 * connect... succeed next to the first?) asked for every state, option,
 * owner and address combination of the small alphabet.  TCP and UDP have
 * separate port spaces, so the enumeration pairs operations of the same
 * protocol (a TCP alphabet and a UDP alphabet); depth N enumerates every
 * sequence of N operations of one alphabet.
 *
 * The enumerated alphabet is kept small (138 TCP and 72 UDP operations)
 * so that depth 2 (about 24,000 scenarios) runs on the kernel in about a
 * minute: bind and listen take every address and profile; the other
 * states take the wildcard, a specific and a v4-mapped address with the
 * plain, SO_REUSEADDR and SO_REUSEPORT profiles.  The random phase
 * (--count K, depth 3..8, seeded and deterministic: scenario r of seed S
 * is the same on every run) draws from the WHOLE universe instead: every
 * address form (also ::ffff:127.0.0.1, a v4-mapped bind on a v6only
 * socket, TCP on a multicast group, 127.0.0.2), every profile (uid 1000
 * with any options), both protocols mixed, an autobound client connect to
 * P, plus single steps on sockets made earlier: close, late setsockopt of
 * SO_REUSEADDR / SO_REUSEPORT / SO_LINGER 0, listen, connect (mostly to a
 * peer of the socket's own family), accept, deliver (and advance, with
 * --allow-sleep).
 * One TCP operation in 24 of the random phase has its peer on another
 * host (issue 9): `tw-remote` listens on A:P, a client on host peer
 * (10.0.9.2, a namespace of its own on the kernel) connects, and the
 * server closes first; `remote-client` binds A:P, connects to the helper
 * listener hp on host peer and closes first.  Either leaves a TIME_WAIT on
 * P whose peer is remote.
 *
 * Comparison, as `bindmodel oracle` compares (pair.c, scenario.c's
 * sc_kind_compared and sc_outcomes_agree): the result codes of the steps
 * that have results (set-up lines must run on both, or fail on both), the
 * receivers of deliver (within an SO_REUSEPORT group any member is
 * accepted: which one the hash picks is not part of the model), never
 * ephemeral port values.  After a TCP
 * connect that the model hands to an SO_REUSEPORT group the scenario is
 * compared no further (the accept queues depend on the kernel's hash).  A
 * step the kernel reports as a skip (it cannot be run faithfully there)
 * ends the comparison of that scenario: the kernel's state no longer
 * follows it.
 *
 * A disagreement is run again; one that does not happen again is FLAKY
 * (the kernel raced) and counted apart.  A kind of disagreement (the
 * command, both results, the model's rule) is shrunk and written at most
 * --per-kind times (default 3): steps after the first disagreeing step are
 * cut, then steps are dropped greedily (with the steps that use the
 * sockets they create) while the same step still disagrees the same way.
 * The minimal scenario is written to DIR, its sockets renamed a, b, c...,
 * with expectations from the kernel's results and the model's result as a
 * comment; identical minimal scenarios are written once.
 *
 * --against model[:OS] puts a second model engine where the kernel goes:
 * with another personality it makes disagreements on purpose, to test this
 * file without a kernel.
 *
 * This file is the command (options, the phases, kinds of disagreement,
 * progress); explore.h lists the parts: the generator, the runner, the
 * shrinker and the output.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "explore.h"
#include "kernel.h"

typedef struct ctx {
	runner rn;
	const char *dir;
	int verbose, per_kind;
	xp_kind *kinds;
	size_t nkinds;
	xp_stats st;
	seen z;
	xres *m, *k;
	shrink_ws w;
	int dir_ready;
	int have_model, have_other;
	long total;             /* scenarios planned, for the progress line */
	double t0, last_report; /* when it began, when progress was last said */
} ctx;

/* Ctrl-C: the scenario under way is dropped (a system call it interrupted
 * would read as a disagreement), the summary is printed and what was written
 * stays.  A signal handler can only set a flag; this tool's one static. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "tcp" or "udp": the protocol of the socket step d works on. */
static const char *proto_of(const xscen *s, int d)
{
	const xstep *t = &s->st[d];
	if (t->kind == SC_SOCKET || t->kind == SC_DELIVER)
		return t->proto == BM_TCP ? "tcp" : "udp";
	for (int i = d - 1; i >= 0; i--) {
		if (strcmp(s->st[i].name, t->target) != 0)
			continue;
		if (s->st[i].kind == SC_ACCEPT)
			return "tcp";
		return s->st[i].proto == BM_TCP ? "tcp" : "udp";
	}
	return "-";
}

/* "none", "1 receiver", "2 receivers": deliver results by size, for
 * grouping (the names differ from scenario to scenario). */
static const char *receiver_count(const char *recv)
{
	static char buf[32];
	int n = 1;
	if (!recv[0] || strcmp(recv, "none") == 0)
		return "none";
	for (const char *q = recv; *q; q++)
		n += *q == '+';
	snprintf(buf, sizeof buf, "%d receiver%s", n, n == 1 ? "" : "s");
	return buf;
}

/* Every ~2 s, a line on stderr: how far, how fast, what it found so far
 * and how long the rest will take at this rate. */
static void progress(ctx *c)
{
	double t = xp_now();
	if (t - c->last_report < 2.0)
		return;
	c->last_report = t;
	double el = t - c->t0, rate = el > 0 ? (double)c->st.scenarios / el : 0;
	long left = c->total > c->st.scenarios ? c->total - c->st.scenarios : 0;
	fprintf(stderr, "explore: %ld/%ld scenarios, %.0f/s, %ld disagreed, %ld flaky, ~%.0f s left\n",
	        c->st.scenarios, c->total, rate, c->st.disagreed, c->st.flaky,
	        rate > 0 ? (double)left / rate : 0.0);
}

/* The kind of the disagreement at step d (the command word and both
 * results), found or added; NULL when out of memory (rn.fatal says so). */
static xp_kind *kind_of(ctx *c, const xscen *s, int d, const xres *m0, const xres *k0, int again)
{
	char sig[200], a[160], b[160];
	if (m0->is_deliver && m0->st == RS_RAN)
		snprintf(a, sizeof a, "%s", receiver_count(m0->recv));
	else
		xp_res_text(m0, a, sizeof a);
	if (k0->is_deliver && k0->st == RS_RAN)
		snprintf(b, sizeof b, "%s", receiver_count(k0->recv));
	else
		xp_res_text(k0, b, sizeof b);
	snprintf(sig, sizeof sig, "%s%s %s: model %s (%s), %s %s", again ? "" : "FLAKY ",
	         proto_of(s, d), sc_kind_name(s->st[d].kind), a, m0->rule ? m0->rule : "-",
	         c->rn.other.name, b);
	for (size_t i = 0; i < c->nkinds; i++)
		if (strcmp(c->kinds[i].sig, sig) == 0)
			return &c->kinds[i];
	xp_kind *n = realloc(c->kinds, (c->nkinds + 1) * sizeof *n);
	if (!n) {
		snprintf(c->rn.fatal, sizeof c->rn.fatal, "out of memory");
		return NULL;
	}
	c->kinds = n;
	xp_kind *kd = &c->kinds[c->nkinds++];
	memset(kd, 0, sizeof *kd);
	snprintf(kd->sig, sizeof kd->sig, "%s", sig);
	return kd;
}

/* Shrink a disagreement at step d (one that happened again), run the
 * minimal scenario once more for its results and write it.  0 done, 1
 * interrupted, -1 fatal. */
static int record_case(ctx *c, const xscen *s, int d, const xres *m0, const xres *k0, int again,
                       xp_kind *kd, const char *origin)
{
	int cut_short = 0;
	if (again && xp_shrink(&c->rn, s, d, m0, k0, &c->w, &cut_short) != 0)
		return interrupted ? 1 : -1;
	if (interrupted)
		return 1;
	/* the results of the minimal scenario, for its expectations; if it
	 * does not disagree again, write the whole scenario up to the step */
	for (int tries = 0; tries < 2; tries++) {
		if (xp_run(&c->rn, s, c->w.keep, c->m, c->k) != 0)
			return -1;
		if (!again || xp_first_diff(NULL, s, c->w.keep, c->m, c->k) == d)
			break;
		for (int i = 0; i < s->n; i++)
			c->w.keep[i] = i <= d;
		cut_short = 2;
	}
	if (!c->dir_ready) {
		if (xp_make_dir(c->dir) != 0) {
			snprintf(c->rn.fatal, sizeof c->rn.fatal, "cannot create %s: %s", c->dir,
			         strerror(errno));
			return -1;
		}
		c->dir_ready = 1;
	}
	char why[600], m0t[160], k0t[160];
	xp_res_text(m0, m0t, sizeof m0t);
	xp_res_text(k0, k0t, sizeof k0t);
	snprintf(why, sizeof why, "%s%s", origin,
	         !again ? " (FLAKY: it did not happen again on a rerun; the results below are "
	                  "the rerun's)"
	         : cut_short == 2 ? " (the shrunk scenario did not disagree again: not shrunk)"
	         : cut_short ? " (shrinking stopped at its time limit)" : "");
	if (!again) {
		size_t l = strlen(why);
		snprintf(why + l, sizeof why - l, ";\n# first run: model %s, %s %s", m0t,
		         c->rn.other.name, k0t);
	}
	const char *prefix = again ? "disagree" : "flaky";
	if (!xp_write_case(&c->rn, c->dir, prefix, (int)c->st.written + 1, s, c->w.keep, d, c->m,
	                   c->k, why, &c->z))
		return 0;
	c->st.written++;
	if (!kd->files++)
		snprintf(kd->first, sizeof kd->first, "%s-%04ld.bms", prefix, c->st.written);
	if (c->verbose) {
		char t[SC_MAXLINE + 1], a[160], b[160];
		xp_step_text(&s->st[d], t, sizeof t);
		printf("disagreement %ld (%s): `%s`: model %s, %s %s\n", c->st.written, origin, t,
		       xp_res_text(&c->m[d], a, sizeof a), c->rn.other.name,
		       xp_res_text(&c->k[d], b, sizeof b));
	}
	return 0;
}

/* Run one scenario on both engines; shrink and record a disagreement.
 * 0 done, 1 interrupted (Ctrl-C: nothing recorded), -1 fatal.  An
 * xp_visit for the generator. */
static int check_scenario(void *arg, const xscen *s, const char *origin)
{
	ctx *c = arg;
	if (interrupted)
		return 1;
	progress(c);
	if (xp_run(&c->rn, s, NULL, c->m, c->k) != 0)
		return interrupted ? 1 : -1;
	if (interrupted)
		return 1;
	c->st.scenarios++;
	int d = xp_first_diff(&c->rn, s, NULL, c->m, c->k);
	if (d < 0)
		return 0;
	xres m0 = c->m[d], k0 = c->k[d];
	/* a disagreement must happen again: the kernel may race (a FIN not
	 * yet acknowledged, a hash choice the model cannot know) */
	for (int i = 0; i < s->n; i++)
		c->w.keep[i] = i <= d;
	int again = xp_still_same(&c->rn, s, c->w.keep, d, &m0, &k0, &c->w);
	if (interrupted)
		return 1;
	if (again < 0)
		return -1;
	if (!again)
		c->st.flaky++;
	else
		c->st.disagreed++;
	xp_kind *kd = kind_of(c, s, d, &m0, &k0, again);
	if (!kd)
		return -1;
	kd->count++;
	if (kd->files >= c->per_kind)
		return 0;
	return record_case(c, s, d, &m0, &k0, again, kd, origin);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: bindmodel explore [-v] [--depth N] [--seed S] [--count K] [--os NAME] [--out DIR]\n"
	        "                         [--allow-sleep] [--per-kind N] [--loopback-only]\n                         [--require-namespace]\n"
	        "                         [--against model[:OS]]\n"
	        "  Runs every scenario up to depth N (default 2) over a small universe and K\n"
	        "  (default 1000) random deeper ones on the model and the live kernel, and\n"
	        "  writes each disagreement, shrunk, to DIR (default explore-out/): at most N\n"
	        "  (default 3) per kind (command and both results).\n"
	        "  --against model[:OS] compares with a second model engine (for testing);\n"
	        "  Without a private network namespace (root, or a user namespace) the\n"
	        "  kernel is not used and explore exits 77, unless --loopback-only lets it\n"
	        "  run on the host's loopback (--require-namespace overrides that).\n"
	        "  Exit: 0 no disagreement, 1 some, 2 error, 77 skipped.\n");
}

/* The command line. */
typedef struct xp_opts {
	int depth, allow_sleep, verbose, per_kind, require_ns, loopback_only;
	long count;
	uint64_t seed;
	const char *os, *dir, *against;
} xp_opts;

/* -1 to go on, else the exit status (--help, a usage error). */
static int parse_opts(int argc, char **argv, xp_opts *o)
{
	static const struct option longopts[] = {
		{"depth", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"os", required_argument, NULL, 'o'},
		{"out", required_argument, NULL, 'O'},
		{"against", required_argument, NULL, 'a'},
		{"per-kind", required_argument, NULL, 'k'},
		{"require-namespace", no_argument, NULL, 'R'},
		{"allow-sleep", no_argument, NULL, 'S'},
		{"loopback-only", no_argument, NULL, 'L'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (xp_opts){.depth = 2, .per_kind = 3, .count = 1000, .seed = 1, .dir = "explore-out"};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char *end = NULL;
		const char *v = optarg;
		switch (ch) {
		case 'd':
			o->depth = (int)strtol(v, &end, 10);
			if (*end || o->depth < 0 || o->depth > 8) {
				fprintf(stderr, "bindmodel explore: --depth takes 0..8\n");
				return 2;
			}
			break;
		case 's':
			o->seed = strtoull(v, &end, 10);
			if (*end) {
				fprintf(stderr, "bindmodel explore: --seed takes a number\n");
				return 2;
			}
			break;
		case 'c':
			o->count = strtol(v, &end, 10);
			if (*end || o->count < 0) {
				fprintf(stderr, "bindmodel explore: --count takes a number >= 0\n");
				return 2;
			}
			break;
		case 'o': {
			const bm_policy *p = bm_personality_find(v);
			if (!p) {
				fprintf(stderr, "bindmodel explore: unknown personality '%s'\n", v);
				return 2;
			}
			o->os = p->name;
			break;
		}
		case 'O': o->dir = v; break;
		case 'a': o->against = v; break;
		case 'k':
			o->per_kind = (int)strtol(v, &end, 10);
			if (*end || o->per_kind < 1) {
				fprintf(stderr, "bindmodel explore: --per-kind takes a number >= 1\n");
				return 2;
			}
			break;
		case 'R': o->require_ns = 1; break;
		case 'S': o->allow_sleep = 1; break;
		case 'L': o->loopback_only = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bindmodel explore: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* The model row compared: --os, else the live kernel's own.  0, or 2 when
 * --os names another row than the kernel's. */
static int pick_os(xp_opts *o)
{
	const char *native = o->against ? NULL : kb_native_personality();
	const bm_policy *np = native ? bm_personality_find(native) : NULL;
	if (!o->os) {
		/* the model row of the kernel it is compared with */
		o->os = bm_personality_find(native ? native : "linux")->name;
	} else if (np && strcmp(o->os, np->name) != 0) {
		/* every difference between two releases would read as a model bug */
		fprintf(stderr, "bindmodel explore: --os %s is not this kernel's row: the live kernel "
		        "is %s.  explore compares the model with the kernel it runs on; use --kernel "
		        "VERSION to boot another kernel, or --against model:OS to compare two rows\n",
		        o->os, np->name);
		return 2;
	}
	return 0;
}

static ctx *ctx_new(const xp_opts *o)
{
	ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->dir = o->dir;
	c->verbose = o->verbose;
	c->per_kind = o->per_kind;
	c->rn.os = o->os;
	c->rn.other_os = o->os;
	c->rn.pair.a = &c->rn.model;
	c->rn.pair.b = &c->rn.other;
	c->rn.pair.b_after_a_error = 1;   /* a model error is a difference too */
	c->rn.cmd = calloc(1, sizeof *c->rn.cmd);
	c->rn.mo = malloc(sizeof *c->rn.mo);
	c->rn.ko = malloc(sizeof *c->rn.ko);
	c->m = calloc(XP_MAXSTEPS, sizeof *c->m);
	c->k = calloc(XP_MAXSTEPS, sizeof *c->k);
	c->w.m = calloc(XP_MAXSTEPS, sizeof *c->w.m);
	c->w.k = calloc(XP_MAXSTEPS, sizeof *c->w.k);
	c->w.keep = calloc(XP_MAXSTEPS, 1);
	c->w.trial = calloc(XP_MAXSTEPS, 1);
	return c;
}

static int ctx_complete(const ctx *c)
{
	return c->rn.cmd && c->rn.mo && c->rn.ko && c->m && c->k && c->w.m && c->w.k &&
	       c->w.keep && c->w.trial;
}

static void ctx_free(ctx *c)
{
	if (c->have_model)
		c->rn.model.destroy(c->rn.model.ctx);
	if (c->have_other)
		c->rn.other.destroy(c->rn.other.ctx);
	free(c->z.h);
	free(c->kinds);
	if (c->rn.cmd)
		sc_cmd_free(c->rn.cmd);
	free(c->rn.cmd);
	free(c->rn.mo);
	free(c->rn.ko);
	free(c->m);
	free(c->k);
	free(c->w.m);
	free(c->w.k);
	free(c->w.keep);
	free(c->w.trial);
	free(c);
}

/* --against model[:OS]: a second model engine.  0, or 2. */
static int open_second_model(ctx *c, const char *against)
{
	const char *aos = strncmp(against, "model:", 6) == 0 ? against + 6 : NULL;
	if (strcmp(against, "model") != 0 && !aos) {
		fprintf(stderr, "bindmodel explore: --against takes model or model:OS\n");
		return 2;
	}
	if (aos && !bm_personality_find(aos)) {
		fprintf(stderr, "bindmodel explore: unknown personality '%s'\n", aos);
		return 2;
	}
	if (sc_model_engine(&c->rn.other) != 0)
		return 2;
	c->rn.other.name = "second model";
	c->have_other = 1;
	if (aos)
		c->rn.other_os = bm_personality_find(aos)->name;
	return 0;
}

/* The live kernel, in a private network namespace unless --loopback-only
 * allows the host's loopback.  0, or 2 (an error), or 77 (it cannot be
 * had here: a skip, not a failure). */
static int open_kernel(ctx *c, const xp_opts *o)
{
	char err[512] = "";
	if (kb_engine(&c->rn.other, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
		return 2;
	}
	c->have_other = 1;
	if (kb_engine_opts(&c->rn.other, o->allow_sleep, o->loopback_only && !o->require_ns, err,
	                   sizeof err) != 0) {
		/* no namespace can be had here: a skip, not a failure */
		fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
		return 77;
	}
	/* a first reset says whether the kernel runs in its own namespace */
	int reset = c->rn.other.reset(c->rn.other.ctx, o->os, err, sizeof err);
	if (reset != SC_EXEC_OK) {
		fprintf(stderr, "bindmodel explore: kernel backend: %s\n", err);
		return reset == SC_EXEC_SKIP ? 77 : 2;
	}
	char why[200] = "";
	if (kb_engine_isolated(&c->rn.other, why, sizeof why) != 1) {
		if (o->require_ns) {
			fprintf(stderr, "bindmodel explore: no private network namespace: %s\n", why);
			return 77;
		}
		fprintf(stderr, "bindmodel explore: WARNING: no private network namespace (%s): "
		        "steps on addresses other than loopback will be skipped\n", why);
	}
	return 0;
}

/* The depth-0 scenario, every sequence up to --depth, then --count random
 * ones.  0 done, 1 interrupted, -1 fatal. */
static int run_phases(ctx *c, const xp_opts *o, const alphabet *tcp, const alphabet *udp,
                      xscen *s)
{
	int r;
	xp_prelude(s);
	if ((r = check_scenario(c, s, "the prelude alone (depth 0)")) != 0)
		return r;
	for (int d = 1; d <= o->depth; d++) {
		if ((r = xp_enumerate(tcp, d, "tcp", s, check_scenario, c)) != 0 ||
		    (r = xp_enumerate(udp, d, "udp", s, check_scenario, c)) != 0)
			return r;
	}
	for (long i = 0; i < o->count; i++) {
		int depth = xp_random_scenario(s, o->seed, i, o->allow_sleep);
		char origin[128];
		snprintf(origin, sizeof origin, "random scenario %ld of seed %llu (depth %d)", i + 1,
		         (unsigned long long)o->seed, depth);
		if ((r = check_scenario(c, s, origin)) != 0)
			return r;
	}
	return 0;
}

/* Scenarios up to depth: 1 + tcp^1 + udp^1 + ... + tcp^depth + udp^depth. */
static long planned(const alphabet *tcp, const alphabet *udp, int depth)
{
	long n = 0;
	for (int d = 1; d <= depth; d++) {
		double t = 1, u = 1;
		for (int i = 0; i < d; i++) {
			t *= tcp->n;
			u *= udp->n;
		}
		n += (long)(t + u);
	}
	return n + 1;
}

/* Run with Ctrl-C caught (see interrupted); the summary after. */
static int explore(ctx *c, const xp_opts *o, const alphabet *tcp, const alphabet *udp, xscen *s)
{
	long enumerated = planned(tcp, udp, o->depth);
	printf("explore: %s; enumerating depth 0..%d (TCP alphabet %d, UDP alphabet %d: %ld "
	       "scenarios), then %ld random of depth 3..8 (seed %llu)\n",
	       o->os, o->depth, tcp->n, udp->n, enumerated, o->count, (unsigned long long)o->seed);
	fflush(stdout);
	c->total = enumerated + o->count;
	c->t0 = c->last_report = xp_now();
	struct sigaction sa, old_sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_sa);
	int r = run_phases(c, o, tcp, udp, s);
	sigaction(SIGINT, &old_sa, NULL);
	if (r < 0) {
		fprintf(stderr, "bindmodel explore: %s\n", c->rn.fatal);
		return 2;
	}
	if (r > 0)
		printf("explore: INTERRUPTED (Ctrl-C) after %ld of %ld scenarios; the summary so far:\n",
		       c->st.scenarios, c->total);
	xp_print_summary(&c->rn, &c->st, c->kinds, c->nkinds, c->per_kind, c->dir, xp_now() - c->t0);
	return c->st.disagreed ? 1 : r > 0 ? 130 : 0;
}

int cmd_explore(int argc, char **argv)
{
	xp_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (pick_os(&o) != 0)
		return 2;
	ctx *c = ctx_new(&o);
	xscen *s = malloc(sizeof *s);
	alphabet tcp = {0}, udp = {0};
	rc = 2;
	if (!c || !s || !ctx_complete(c) || xp_build_alphabets(&tcp, &udp) != 0 ||
	    sc_model_engine(&c->rn.model) != 0) {
		fprintf(stderr, "bindmodel explore: out of memory\n");
		goto out;
	}
	c->have_model = 1;
	rc = o.against ? open_second_model(c, o.against) : open_kernel(c, &o);
	if (rc == 0)
		rc = explore(c, &o, &tcp, &udp, s);
out:
	if (c)
		ctx_free(c);
	free(tcp.ops);
	free(udp.ops);
	free(s);
	return rc;
}
