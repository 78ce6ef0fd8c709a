/* SPDX-License-Identifier: MIT */
/*
 * repl.h: the interactive session (`bindmodel`, `bindmodel repl`).
 *
 * A session is one model engine plus the list of operations run on it since
 * the last `os` or `reset`.  Keeping that list is what lets explain ask
 * "what if" (replay it with one change), compare replay it under other
 * personalities, and save write it back as a scenario file.
 *
 *   repl.c          options, the read loop (terminal or script), dispatch
 *   repl_edit.c     libedit: prompt, history, Tab completion, Ctrl-C
 *   repl_print.c    results, colour, JSON, show, help, "did you mean"
 *   repl_explain.c  explain and its what-if replays
 *   repl_compare.c  compare across personalities
 */
#ifndef BM_REPL_H
#define BM_REPL_H

#include <stdio.h>

#include "scenario.h"

/* One operation of the session, as it ran. */
typedef struct repl_op {
	sc_cmd *cmd;                  /* owned copy */
	sc_outcome out;
	char conflict[SC_NAMELEN];    /* scenario name of verdict.conflict */
	char reason[320];             /* verdict.reason with socket names */
	int has_cinfo;
	bm_sock_info cinfo;           /* the conflicting socket, just after */
	const bm_host *host;          /* the host it acted on: its socket's */
	uint64_t now_ms;              /* that host's clock just after */
	bm_sock sock;                 /* socket/accept: the handle it made */
} repl_op;

typedef struct repl {
	sc_engine eng;
	char os[SC_OSLEN];
	repl_op *ops;
	size_t nops, cap;

	int interactive;              /* a terminal: print every result */
	int os_given;                 /* --os, or an `os` line has run */
	int json;
	int color;
	FILE *out;
	const char *src;              /* "stdin" or the file being loaded */
	int depth;                    /* load nesting */
	long loaded_lines;            /* lines read by load, against SC_MAXLOADLINES */
	int quit;
	long passed, failed, errors;  /* expectations and errors */
	/* script mode, as `run`: after an error the rest of that personality's
	 * lines (up to the next `os` line) are not run, and counted */
	int skipping, skip_from;
	long skip_count, not_run;
	size_t prompt_len;            /* visible prompt width, for carets */
} repl;

/* repl.c */
/* Run one input line (lineno for messages).  Returns 0, or -1 when the line
 * was an error or a failed expectation. */
int repl_line(repl *r, const char *line, int lineno);
int repl_switch_os(repl *r, const char *os);
void repl_clear_ops(repl *r);
/* The command words of the language, NULL-terminated (for help/completion). */
/* The words word(0), word(1), ... (sc_command_word, sc_knob_word) into
 * out[0..max), NULL-terminated; how many. */
#define REPL_MAXWORDS 64
size_t repl_words(const char *(*word)(size_t), const char **out, size_t max);

/* repl_edit.c */
int repl_interactive(repl *r);

/* repl_print.c */
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
const char *repl_c(const repl *r, const char *code);
void repl_print_result(repl *r, const repl_op *op, int lineno);
void repl_json_op(repl *r, const repl_op *op, int lineno, const sc_expect *x);
void repl_json_error(repl *r, int lineno, const char *cmd, const char *err);
void json_str(FILE *f, const char *s);
/* Columns to fit output in: $COLUMNS, the terminal's width, else 80. */
size_t repl_term_width(FILE *f);
/* Rewrite "socket 3" in a model reason into the scenario's names. */
void repl_name_reason(const repl *r, const char *in, char *out, size_t len);
/* A socket's scenario name, or "#3 (an earlier a)" once the name moved on. */
const char *repl_label(const repl *r, bm_sock id, char *buf, size_t len);
void repl_show(repl *r, const char *name);
void repl_help(repl *r, const char *topic);
void repl_list_os(repl *r);
/* The closest word of list to word (edit distance), or NULL. */
const char *repl_suggest(const char *word, const char *const *list, size_t n);
/* Names of the session's sockets, into a malloc'd NULL-terminated array. */
const char **repl_socket_names(const repl *r, size_t *n);
/* "no socket named 'x'; did you mean 'y'?" on r->out. */
void repl_no_such_socket(const repl *r, const char *name);
void repl_opts_text(unsigned opts, const bm_sock_info *s, char *buf, size_t len);
const char *repl_sock_kind(const bm_sock_info *s);

/* repl_explain.c */
void repl_explain(repl *r, const char *name);

/* repl_compare.c */
void repl_compare(repl *r, const sc_cmd *c);
/* Run cmds on a fresh model engine under os: outs (may be NULL) get the
 * outcomes, status[i] is 0 or -1 (errs[i], may be NULL: "-" for an unknown
 * socket, else "error").  -1 if os cannot be started. */
#define REPL_CELL 32
int repl_run_cmds(const char *os, const sc_cmd *const *cmds, size_t n, sc_outcome *outs,
                  int *status, char errs[][REPL_CELL], char *err, size_t errlen);

#endif
