/* SPDX-License-Identifier: MIT */
/*
 * explore.h: the parts of `bindmodel explore` (explore.c tells the design):
 *
 *   explore_gen.c     the universe of operations and the scenarios made of
 *                     them: the enumerated alphabets, the random phase,
 *                     and a scenario's steps as scenario-language commands
 *   explore_run.c     one scenario on the model and the other engine, step
 *                     by step (through pair.c), and where they first differ
 *   explore_shrink.c  a disagreeing scenario cut down to the steps the
 *                     disagreement needs
 *   explore_out.c     the minimal scenarios written to DIR, and the summary
 *   explore.c         the command: options, the phases, kinds of
 *                     disagreement, progress
 */
#ifndef BM_EXPLORE_H
#define BM_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "pair.h"
#include "scenario.h"

#define XP_PORT 5000      /* the port every operation works on */
#define XP_HELPER 6000    /* the helper listener's port, deliver's source port */
#define XP_MAXSTEPS 160
#define XP_MAXNAMES 64

/* ------------------------------------------------------------ generator */

/* One operation of the universe (explore_gen.c). */
typedef struct xop {
	int act;             /* what it does (an xact) */
	int proto;           /* TCP or UDP */
	int addr, prof;      /* which address and option profile (deliver: destination) */
	int target;          /* single steps: name index */
	int arg;             /* setsockopt: which; connect: destination; advance: ms */
} xop;

/* The enumerated alphabet of one protocol. */
typedef struct alphabet {
	xop *ops;
	int n;
} alphabet;

/* A compact step; turned into an sc_cmd when it runs. */
typedef struct xstep {
	sc_kind kind;
	char name[8], target[8];
	bm_family fam;
	bm_proto proto;
	bm_option opt;
	int value;
	bm_endpoint ep, ep2;
	uint32_t uid;
	uint64_t ms;
	const char *addr;    /* addr add */
	int op;              /* which operation made it (-1: prelude) */
} xstep;

typedef struct xscen {
	xstep st[XP_MAXSTEPS];
	int n;
	/* names made so far while expanding (for single-step operations) */
	char names[XP_MAXNAMES][8];
	bm_proto name_proto[XP_MAXNAMES];
	int name_fam[XP_MAXNAMES];   /* 4, 6, or 46: IPv6 used with v4-mapped peers */
	int nnames;
	uint32_t uid;        /* current `user` */
	int overflow;
	int has_peer;        /* host peer (10.0.9.2) and its helper hp exist */
} xscen;

/* Start s over with the prelude alone (depth 0). */
void xp_prelude(xscen *s);
/* The alphabets of TCP and UDP operations; -1 when out of memory. */
int xp_build_alphabets(alphabet *tcp, alphabet *udp);
/* Call visit on every scenario of `depth` operations of a (the prelude,
 * then each sequence), built in s, with a text that says where it comes
 * from; stops at the first non-zero answer of visit and returns it. */
typedef int xp_visit(void *arg, const xscen *s, const char *origin);
int xp_enumerate(const alphabet *a, int depth, const char *group, xscen *s, xp_visit *visit,
                 void *arg);
/* Random scenario r (0-based) of seed in s: the prelude and 3..8
 * operations of the whole universe, the same on every run; returns its
 * depth. */
int xp_random_scenario(xscen *s, uint64_t seed, long r, int allow_sleep);
/* A step as the scenario language writes it; as a command. */
void xp_step_text(const xstep *t, char *buf, size_t len);
void xp_to_cmd(const xstep *t, int line, sc_cmd *c);

/* --------------------------------------------------------------- runner */

enum { RS_RAN = 0, RS_ERROR, RS_SKIP };

/* What one step did on one engine. */
typedef struct xres {
	signed char st;
	signed char is_deliver;
	bm_result code;
	char recv[64];       /* deliver receivers; error/skip: why */
	const char *rule;    /* model verdict rule */
	signed char nondet;  /* model: which socket this step reached was a
	                        hash choice (a connect into an SO_REUSEPORT
	                        group): later steps cannot be compared */
	signed char compared;  /* other engine: its result was compared ... */
	signed char agree;     /* ... and stands so to the model's (sc_agree) */
} xres;

typedef struct runner {
	sc_engine model, other;
	sc_pair pair;            /* model, other */
	const char *os;          /* the model's personality */
	const char *other_os;    /* the other engine's (the same unless --against) */
	sc_cmd *cmd;
	sc_outcome *mo, *ko;     /* scratch: one step's outcomes */
	long within_set;         /* steps where the kernel gave the model's other answer */
	long cut_nondet;         /* scenarios cut short after a reuseport choice */
	char skip_why[8][96];    /* the kernel's skip reasons, and how often */
	long skip_n[8];
	char fatal[200];
} runner;

/* Run the steps of s whose keep[] is set (all if keep is NULL) on both
 * engines, each from a reset; m and k get one result per step.  -1 (with
 * rn->fatal) when an engine cannot be reset. */
int xp_run(runner *rn, const xscen *s, const char *keep, xres *m, xres *k);
/* Index of the first kept step where the results differ, or -1.  With rn,
 * counts why the comparison stopped early (a skip, a set answer, a
 * reuseport choice). */
int xp_first_diff(runner *rn, const xscen *s, const char *keep, const xres *m, const xres *k);
/* "ok", "EADDRINUSE", "a+b", "error (why)", "skipped (why)". */
const char *xp_res_text(const xres *r, char *buf, size_t len);
/* Monotonic seconds. */
double xp_now(void);

/* ------------------------------------------------------------- shrinker */

typedef struct shrink_ws {
	xres *m, *k;
	char *keep, *trial;
} shrink_ws;

/* Does step target still disagree first, with results m0 and k0, when only
 * the steps in keep run?  1 yes, 0 no, -1 fatal. */
int xp_still_same(runner *rn, const xscen *s, const char *keep, int target, const xres *m0,
                  const xres *k0, shrink_ws *w);
/* Cut s to the fewest steps (w->keep) that still disagree at target as
 * m0/k0 did; *cut_short 1 when the time budget ran out.  0, or -1 fatal. */
int xp_shrink(runner *rn, const xscen *s, int target, const xres *m0, const xres *k0,
              shrink_ws *w, int *cut_short);

/* --------------------------------------------------------------- output */

/* Minimal scenarios written so far, by a hash of their text. */
typedef struct seen {
	uint64_t *h;
	size_t n, cap;
} seen;

typedef struct xp_stats {
	long scenarios, disagreed, flaky, written;
} xp_stats;

/* A kind of disagreement: the step's command word and both results.  Only
 * the first few scenarios of a kind are shrunk and written (a systematic
 * difference shows up in thousands of scenarios). */
typedef struct xp_kind {
	char sig[200];
	long count;
	int files;
	char first[32];      /* the first file written for it */
} xp_kind;

/* mkdir -p; 0 or -1 (errno). */
int xp_make_dir(const char *dir);
/* Write the kept steps of s as DIR/PREFIX-NNNN.bms, with the other
 * engine's results as expectations and the model's at target as a
 * comment (m and k are renamed in place); 1 if written, 0 if the same
 * scenario was written before (or the file cannot be). */
int xp_write_case(runner *rn, const char *dir, const char *prefix, int fileno_, const xscen *s,
                  const char *keep, int target, xres *m, xres *k, const char *origin, seen *z);
/* The closing summary on stdout (kinds are sorted, most frequent first). */
void xp_print_summary(const runner *rn, const xp_stats *st, xp_kind *kinds, size_t nkinds,
                      int per_kind, const char *dir, double elapsed);

#endif
