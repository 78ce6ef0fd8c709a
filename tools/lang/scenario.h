/* SPDX-License-Identifier: MIT */
/*
 * scenario.h: the scenario language (see DESIGN.md, "The scenario
 * language"): one parsed command per line, the engines that execute
 * commands (the model here, the live kernel in kernel.c), and the runner.
 */
#ifndef BM_SCENARIO_H
#define BM_SCENARIO_H

#include <stdio.h>

#include "bindmodel.h"

#define SC_NAMELEN 32
#define SC_MAXEXPECT 24
#define SC_MAXOS 16
#define SC_OSLEN 24
#define SC_MAXLINE 4096
#define SC_RECVLEN 512

typedef enum sc_kind {
	SC_NONE = 0,
	SC_OS, SC_USER, SC_ADDR, SC_SET,
	SC_SOCKET, SC_SETSOCKOPT, SC_BIND, SC_LISTEN, SC_CONNECT, SC_ACCEPT,
	SC_CLOSE, SC_ADVANCE, SC_DELIVER,
	/* a network of hosts: `host NAME PERSONALITY ADDR[,ADDR...]`, `on NAME` */
	SC_HOST, SC_ON,
	/* session commands (REPL) */
	SC_SHOW, SC_EXPLAIN, SC_COMPARE, SC_HELP, SC_RESET, SC_SAVE, SC_LOAD,
	SC_QUIT,
	SC_KIND_COUNT
} sc_kind;

#define SC_MAXALT 4
#define SC_RULELEN 64

/*
 * One expectation: on personality os ("*" for any), either an errno/ok or,
 * for deliver, the receivers ("a+b", "none").  It may be a set of outcomes
 * where the real answer is not fixed (`=> ok|EADDRINUSE`, `=> a|b`): the
 * step passes when the result is any of them.  It may name the rule that
 * decided, or allowed a shared bind (`=> ok [linux.udp.bind.reuseaddr]`);
 * only the model has rule ids, so the kernel engine's outcomes (verdict
 * rule NULL) are checked on the result alone.
 */
/* Its strings live in the block the command owns (sc_cmd.mem). */
typedef struct sc_expect {
	char os[SC_OSLEN];
	int is_receivers;
	bm_result code;              /* the first (or only) outcome */
	int nalt;                    /* outcomes in the set, 1 for a single one */
	bm_result alt[SC_MAXALT];    /* alt[0] == code */
	const char *receivers;       /* deliver: the first (or only) receivers, else "" */
	const char *alt_receivers[SC_MAXALT];  /* deliver: alt_receivers[0] == receivers */
	const char *rule;            /* the rule asserted, "" for none */
} sc_expect;

typedef struct sc_cmd {
	sc_kind kind;
	int line;
	char name[SC_NAMELEN];      /* NAME = socket / accept */
	char target[SC_NAMELEN];    /* the socket operated on */
	bm_family fam;
	bm_proto proto;
	bm_option opt;
	int value;                  /* option value; SO_LINGER: -1 off */
	char dev[BM_DEVLEN];        /* SO_BINDTODEVICE, addr add ... dev */
	bm_endpoint ep;             /* bind/connect; deliver: source */
	bm_endpoint ep2;            /* deliver: destination */
	uint32_t uid;
	char os[SC_MAXOS][SC_OSLEN];
	int nos;
	bm_knob knob;
	long lo, hi;                /* set: value (lo), or range lo-hi */
	uint64_t ms;
	char arg[256];              /* help topic, file, explain/show name */
	int flag;                   /* save: 1 --with-results, 2 --force */
	int nonblock;               /* connect ... nonblock */
	/* The variable-size parts live in one block the command owns (mem):
	 * a parsed line costs memory in proportion to its length, not the
	 * longest line's (issue 12 item 4). */
	sc_expect *expect;          /* nexpect of them, or NULL */
	int nexpect;
	const char *text;           /* the command as written, less expectation; never NULL */
	void *mem;                  /* owned: expect, their strings, text */
} sc_cmd;

/* Parse one line.  Returns 1 for a command, 0 for a blank or comment line,
 * -1 on a syntax error (err holds the reason, *col the 1-based column).
 * out must be zeroed (calloc, {0}) or hold an earlier command, whose block
 * is released first; after the call it owns a block (sc_cmd_free). */
int sc_parse_line(const char *line, int lineno, sc_cmd *out, char *err,
                  size_t errlen, int *col);
/* Release what c owns (not c itself); c is left zeroed, text "". */
void sc_cmd_free(sc_cmd *c);
/* Set c's text (for commands built without the parser); 0, or -1 when out
 * of memory (the text is then ""). */
int sc_cmd_set_text(sc_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *sc_kind_name(sc_kind k);
/* The i-th command word and the i-th word `set` takes; NULL past the end.
 * The one list the parser, help, suggestions and completion read. */
/* A command of the language: its word, kind, synopsis (the shape of its
 * arguments, see scenario.c), and help texts. */
typedef struct sc_command {
	const char *word;
	sc_kind kind;
	const char *synopsis;   /* NULL: a second word for another command */
	const char *summary;    /* one line, for the help list */
	const char *detail;     /* help COMMAND */
} sc_command;
const sc_command *sc_command_at(size_t i);        /* NULL past the end */
const sc_command *sc_command_find(const char *word);
int sc_synopsis_arg(const sc_command *c, size_t i, char *out, size_t len);
const char *sc_command_word(size_t i);
const char *sc_knob_word(size_t i);
/* The expectation that applies on personality os, or NULL: a key naming
 * os itself, else the release os stands for ("linux" -> "linux-6.18"),
 * else os's family ("linux" for "linux-6.1"), else "*".  Most lines have
 * one expectation for every personality: answered inline, without the
 * lookup's call (sc_expect_lookup). */
const sc_expect *sc_expect_lookup(const sc_cmd *c, const char *os);
static inline const sc_expect *sc_expect_for(const sc_cmd *c, const char *os)
{
	if (c->nexpect == 1 && c->expect[0].os[0] == '*')
		return &c->expect[0];
	return sc_expect_lookup(c, os);
}
/* The personality a scenario's name (or alias) stands for: a caller's
 * policy registered under that release name first (a plug-in, as
 * tests/oot_policy.c does with the built-in policy files compiled apart
 * from the library), else the built-in one; NULL if unknown.
 * sc_policy_register keeps p (it must outlive the process's runs); -1
 * when the table of SC_MAX_POLICIES is full. */
#define SC_MAX_POLICIES 32
const bm_policy *sc_policy_find(const char *name);
int sc_policy_register(const bm_policy *p);
/* How a scenario names a personality: a bare family name stays as written
 * ("linux", which stands for whatever release the run binds it to); any
 * other name or alias becomes the release's own name.  out has SC_OSLEN
 * bytes; -1 if the name is unknown. */
int sc_canonical_os(const char *name, char *out);
/* The family a release belongs to when the family name is an alias
 * ("linux" for "linux-6.1"), or NULL. */
const char *sc_os_family(const char *release, char *buf, size_t len);

/* What one step did. */
typedef struct sc_outcome {
	bm_result code;
	bm_verdict verdict;          /* the model's; rule NULL on the kernel */
	char detail[160];            /* "127.0.0.1:49153", receivers, ... */
	/* deliver: "a+b" sorted, or "none"; a list that does not fit ends in
	 * "+...N more" (never cut silently) */
	char receivers[SC_RECVLEN];
	/* deliver, the model's: when its one receiver is in an SO_REUSEPORT
	 * group, every member "+a++b+" (the real system hashes the datagram
	 * to any of them); else "" */
	char alt_receivers[SC_RECVLEN];
	int is_deliver;
} sc_outcome;

/* What exec() and reset() return.  A skip is a step the engine cannot run
 * faithfully here (the kernel engine's: no namespace, a knob Linux lacks,
 * ...; err still reads "skip: why"): its state no longer follows the
 * scenario, so callers stop the scenario there.  An error is anything
 * else that kept the step from running. */
enum { SC_EXEC_OK = 0, SC_EXEC_ERROR = -1, SC_EXEC_SKIP = -2 };

/* An engine executes commands: the model, or the live kernel. */
typedef struct sc_engine {
	const char *name;            /* "model", "kernel" */
	void *ctx;
	/* select a personality and start from an empty host */
	int (*reset)(void *ctx, const char *os, char *err, size_t errlen);
	/* SC_EXEC_OK: executed (o filled); SC_EXEC_ERROR or SC_EXEC_SKIP: the
	 * step did not run (err says why); reset answers the same way */
	int (*exec)(void *ctx, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen);
	void (*destroy)(void *ctx);
} sc_engine;

/* The model engine (session.c). */
int sc_model_engine(sc_engine *e);
/* Its host, for show/explain (NULL before the first reset). */
bm_host *sc_model_host(const sc_engine *e);
/* The handle behind a socket name in the model engine, or BM_NO_SOCK. */
bm_sock sc_model_sock(const sc_engine *e, const char *name);
/* The name of a handle, or NULL. */
const char *sc_model_name(const sc_engine *e, bm_sock s);
/* The model's net; the host handle behind a socket name on any host (*h
 * gets the host); the name of a handle on host h. */
bm_net *sc_model_net(const sc_engine *e);
bm_sock sc_model_sock_any(const sc_engine *e, const char *name, bm_host **h);
const char *sc_model_name_on(const sc_engine *e, const bm_host *h, bm_sock s);
/* The SO_REUSEPORT group socket s of host h is in ("+a++b+" in buf, the
 * members that have names; "" if s has no SO_REUSEPORT); how many. */
int sc_model_reuseport_group(const sc_engine *e, bm_host *h, bm_sock s, char *buf, size_t len);

/* Text of an outcome as the runner prints it: "ok", "EADDRINUSE", "a+b". */
const char *sc_outcome_text(const sc_outcome *o, const bm_host *h, char *buf, size_t len);
/* Does the outcome satisfy the expectation?  The result must be in the
 * expectation's set and, when the outcome has a rule (the model's), be the
 * rule the expectation names, if it names one.  Most lines expect one
 * result code and name no rule: answered inline (else
 * sc_outcome_matches_all). */
int sc_outcome_matches_all(const sc_outcome *o, const sc_expect *x);
static inline int sc_outcome_matches(const sc_outcome *o, const sc_expect *x)
{
	if (x->nalt == 1 && !x->is_receivers && !x->rule[0])
		return o->code == x->alt[0];
	return sc_outcome_matches_all(o, x);
}
/* Is the outcome's result (code, or receivers for deliver) one of x's? */
int sc_expect_has(const sc_expect *x, const sc_outcome *o);
/* The model answered with a set (verdict.alt_rule set): more than one
 * result is possible on the real system. */
int sc_outcome_is_set(const sc_outcome *o);
/* The expectation as written: "ok|EADDRINUSE [rule.id]". */
const char *sc_expect_text(const sc_expect *x, char *buf, size_t len);

/* Does a step of this kind have a result that expectations state and the
 * engines' results are compared on (socket ... deliver, not advance)?
 * Set-up lines (user, addr, set, advance, host, on) have none. */
int sc_kind_compared(sc_kind k);

/* How a kernel result k compares with the model's m (and, when the file
 * has one for this step, the expectation x): */
typedef enum sc_agree {
	SC_DIFFER = 0,    /* k is no answer the model or the file allows */
	SC_SAME,          /* k is the model's answer */
	SC_WITHIN_SET     /* k is another answer of the model's or x's set: the
	                     model's second answer, another member of the
	                     SO_REUSEPORT group it delivered to, or another
	                     member of x's set */
} sc_agree;
sc_agree sc_outcomes_agree(const sc_cmd *c, const sc_outcome *m, const sc_expect *x,
                           const sc_outcome *k);

/* The runner (runner.c). */
typedef struct sc_run_opts {
	char os[SC_MAXOS][SC_OSLEN];  /* --os filter; nos 0 = none */
	int nos;
	int verbose;
	int json;                     /* JSON lines, a "type" field each */
	int tap;                      /* TAP version 13 */
	FILE *rules_used;             /* --rules-used: "rule-used ID FILE:LINE [OS]" per step */
} sc_run_opts;

typedef struct sc_totals {
	long passed, failed, errors, skipped;
	long not_run;                 /* expectations an error kept from running */
	long ambiguous;              /* a single expectation, a set answer */
	long within_set;             /* oracle: a kernel result inside a set */
} sc_totals;

/* A scenario file, parsed. */
typedef struct sc_script {
	sc_cmd *cmds;
	size_t n, cap;
	int syntax_errors;           /* printed to out as file:line:col */
} sc_script;

/* Reading scenario text with limits (runner, REPL load and stdin): lines of
 * at most SC_MAXLINE characters, SC_MAXFILE bytes in all, no NUL byte. */
#define SC_MAXFILE (256 * 1024 * 1024)
/* Lines `load` may read in one session, all files together: a file that
 * loads itself k times at each of the 8 levels would otherwise run k^8. */
#define SC_MAXLOADLINES 1000000
#define SC_MAXLOADLINES_TEXT "1000000"
#define SC_MAXLINE_TEXT "4096"
typedef struct sc_reader {
	FILE *f;
	int lineno;                  /* of the line just read */
	size_t total;                /* bytes read so far */
	char err[120];               /* "LINE:COL: why" after a 2 or -1 */
} sc_reader;
/* The next line into buf (len > SC_MAXLINE + 1), without its newline.
 * 1: a line; 0: end of input; 2: a line too long (skipped, err says so);
 * -1: reading stops (a NUL byte, more than SC_MAXFILE bytes, a read error). */
int sc_reader_line(sc_reader *r, char *buf, size_t len);

/* Parse a file (s need not be initialised).  -1 if it cannot be read;
 * syntax errors are printed and counted, the good lines kept. */
int sc_script_load(const char *path, sc_script *s, FILE *out);
void sc_script_free(sc_script *s);
/* The personalities a script runs under: its leading `os A B ...`, else
 * opts->os; filtered by opts->os.  *first is the first command to run.
 * Returns how many, or -1 (printed to out) when none is named. */
int sc_script_personalities(const sc_script *s, const sc_run_opts *opts, const char *path,
                            char list[SC_MAXOS][SC_OSLEN], size_t *first, FILE *out);

/* Run one file on an engine, printing failures to out.  Returns 0 when
 * every expectation held and there was no error. */
int sc_run_file(sc_engine *e, const char *path, const sc_run_opts *opts,
                sc_totals *t, FILE *out);
/* Print the totals line ("n errors", then "p passed, f failed[, s skipped]")
 * to stdout; returns the exit status, 1 on a failure or an error. */
int sc_print_totals(const sc_totals *t);
/* The same for run's --json and --tap (a totals record, the TAP plan). */
int sc_print_totals_opts(const sc_totals *t, const sc_run_opts *opts);
/* Start the output (TAP's version line). */
void sc_print_header(const sc_run_opts *opts);
/* Run a file's lines into an already reset engine (REPL load). */
int sc_split_os_list(const char *list, sc_run_opts *opts, char *err, size_t errlen);
/* The personality to run for a file's `os` name: with --os naming a
 * release of that family (--os linux-6.1 for `os linux`), that release;
 * otherwise the name itself. */
const char *sc_rebind_os(const sc_run_opts *opts, const char *os);

#endif
