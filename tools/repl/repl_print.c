/* SPDX-License-Identifier: MIT */
/*
 * repl_print.c: what the session prints: one line per result, JSON
 * objects, the socket table (show), help, the personality list, and the
 * "did you mean" suggestions.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <strings.h>

#include "repl.h"

const char *repl_c(const repl *r, const char *code)
{
	return r->color ? code : "";
}

/* ------------------------------------------------------------ suggestions */

/* Optimal string alignment distance, case-insensitive; words are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (same ? 0 : 1);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *repl_suggest(const char *word, const char *const *list, size_t n)
{
	size_t len = strlen(word), best = 99;
	const char *pick = NULL, *prefix = NULL;
	if (len == 0 || len > 60)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!list[i])
			continue;
		size_t d = distance(word, list[i]);
		if (d < best) {
			best = d;
			pick = list[i];
		}
		if (!prefix && len >= 2 && strncasecmp(word, list[i], len) == 0)
			prefix = list[i];
	}
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	if (pick && best > 0 && best <= limit)
		return pick;
	if (best == 0)
		return NULL;   /* the word is right; the error is elsewhere */
	return prefix;
}

const char **repl_socket_names(const repl *r, size_t *n)
{
	/* every name ever given in this session, newest last, no repeats */
	const char **names = malloc((2 * r->nops + 1) * sizeof *names);
	*n = 0;
	if (!names)
		return NULL;
	for (size_t i = 0; i < r->nops; i++) {
		const sc_cmd *c = r->ops[i].cmd;
		if (!c->name[0] || sc_model_sock(&r->eng, c->name) == BM_NO_SOCK)
			continue;
		size_t k;
		for (k = 0; k < *n; k++)
			if (strcmp(names[k], c->name) == 0)
				break;
		if (k == *n)
			names[(*n)++] = c->name;
	}
	names[*n] = NULL;
	return names;
}

void repl_no_such_socket(const repl *r, const char *name)
{
	FILE *f = r->out;
	size_t n;
	const char **names = repl_socket_names(r, &n);
	const char *s = names ? repl_suggest(name, names, n) : NULL;
	fprintf(f, "no socket named '%s'", name);
	if (s)
		fprintf(f, "; did you mean '%s'?", s);
	fputc('\n', f);
	free(names);
}

/* ------------------------------------------------------------ results */

const char *repl_label(const repl *r, bm_sock id, char *buf, size_t len)
{
	const char *nm = sc_model_name(&r->eng, id);
	if (nm && sc_model_sock(&r->eng, nm) == id)
		return nm;
	for (size_t i = r->nops; i-- > 0;) {
		if (r->ops[i].sock == id) {
			snprintf(buf, len, "#%d (an earlier %s)", id, r->ops[i].cmd->name);
			return buf;
		}
	}
	snprintf(buf, len, "#%d", id);
	return buf;
}

void repl_name_reason(const repl *r, const char *in, char *out, size_t len)
{
	size_t j = 0;
	if (!len)
		return;
	for (size_t i = 0; in[i] && j + 1 < len;) {
		if (strncmp(in + i, "socket ", 7) == 0 && isdigit((unsigned char)in[i + 7])) {
			char *end;
			long id = strtol(in + i + 7, &end, 10);
			char lb[64];
			const char *nm = id > 0 && id < 1000000 ? repl_label(r, (bm_sock)id, lb, sizeof lb)
			                                        : NULL;
			if (nm) {
				int w = snprintf(out + j, len - j, "%s", nm);
				j = w < 0 ? j : j + (size_t)w >= len ? len - 1 : j + (size_t)w;
				i = (size_t)(end - in);
				continue;
			}
		}
		out[j++] = in[i++];
	}
	out[j] = 0;
}

static int mentions(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		int left = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
		if (left && right)
			return 1;
	}
	return 0;
}

void repl_print_result(repl *r, const repl_op *op, int lineno)
{
	const sc_outcome *o = &op->out;
	const bm_host *h = op->host;
	FILE *f = r->out;
	(void)lineno;
	if (r->depth > 0)
		fprintf(f, "%s%-32s%s ", repl_c(r, C_DIM), op->cmd->text, repl_c(r, C_RESET));
	if (o->code == BM_OK) {
		fprintf(f, "%sok%s", repl_c(r, C_GREEN), repl_c(r, C_RESET));
		if (o->is_deliver)
			fprintf(f, " -> %s", o->receivers);
		else if (o->detail[0])
			fprintf(f, " %s", o->detail);
		if (op->conflict[0] && op->reason[0])
			fprintf(f, "  %s(%s)%s", repl_c(r, C_DIM), op->reason, repl_c(r, C_RESET));
		fputc('\n', f);
		return;
	}
	const char *posix = bm_result_name(o->code);
	const char *native = bm_host_error_name(h, o->code);
	fprintf(f, "%s%s%s", repl_c(r, C_RED), posix, repl_c(r, C_RESET));
	if (native && strcmp(native, posix) != 0)
		fprintf(f, " [%s]", native);
	if (op->reason[0])
		fprintf(f, ": %s", op->reason);
	if (op->conflict[0] && !mentions(op->reason, op->conflict))
		fprintf(f, " (conflicts with %s)", op->conflict);
	if (o->verdict.rule)
		fprintf(f, "  %s[%s]%s", repl_c(r, C_DIM), o->verdict.rule, repl_c(r, C_RESET));
	fputc('\n', f);
}

size_t repl_term_width(FILE *f)
{
	/* COLUMNS wins (the user's word); then the terminal's own width; and
	 * 80 columns when the output is not a terminal (a pipe, a file) */
	const char *cols = getenv("COLUMNS");
	char *end;
	long c = cols ? strtol(cols, &end, 10) : 0;
	if (cols && *cols && !*end && c >= 20 && c <= 10000)
		return (size_t)c;
	struct winsize ws;
	if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 80;
}

/* The length of the valid UTF-8 sequence at p (no overlongs, surrogates or
 * code points past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			/* UTF-8 is kept as it is (JSON text is UTF-8); a byte that
			 * does not start a valid sequence becomes U+FFFD */
			size_t n = utf8_len(p);
			if (n) {
				fwrite(p, 1, n, f);
				p += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void repl_json_op(repl *r, const repl_op *op, int lineno, const sc_expect *x)
{
	const sc_outcome *o = &op->out;
	FILE *f = r->out;
	fprintf(f, "{\"type\":\"result\",\"line\":%d,\"os\":", lineno);
	json_str(f, r->os);
	if (r->depth > 0) {
		fputs(",\"file\":", f);
		json_str(f, r->src);
	}
	fputs(",\"command\":", f);
	json_str(f, op->cmd->text);
	fputs(",\"result\":", f);
	json_str(f, bm_result_name(o->code));
	fputs(",\"os_name\":", f);
	json_str(f, bm_host_error_name(op->host, o->code));
	fputs(",\"rule\":", f);
	json_str(f, o->verdict.rule);
	fputs(",\"conflict\":", f);
	json_str(f, op->conflict[0] ? op->conflict : NULL);
	fputs(",\"reason\":", f);
	json_str(f, op->reason);
	fputs(",\"detail\":", f);
	json_str(f, o->detail);
	if (o->is_deliver) {
		fputs(",\"receivers\":", f);
		json_str(f, o->receivers);
	}
	if (x) {
		fputs(",\"expected\":", f);
		json_str(f, x->is_receivers ? x->receivers : bm_result_name(x->code));
		fprintf(f, ",\"pass\":%s", sc_outcome_matches(o, x) ? "true" : "false");
	}
	fputs("}\n", f);
	fflush(f);
}

void repl_json_error(repl *r, int lineno, const char *cmd, const char *err)
{
	FILE *f = r->out;
	fprintf(f, "{\"type\":\"error\",\"line\":%d", lineno);
	if (r->depth > 0) {
		fputs(",\"file\":", f);
		json_str(f, r->src);
	}
	fputs(",\"command\":", f);
	json_str(f, cmd);
	fputs(",\"error\":", f);
	json_str(f, err);
	fputs("}\n", f);
	fflush(f);
}

/* ------------------------------------------------------------ show */

const char *repl_sock_kind(const bm_sock_info *s)
{
	if (s->proto == BM_TCP)
		return s->family == BM_AF_INET6 ? "tcp6" : "tcp4";
	return s->family == BM_AF_INET6 ? "udp6" : "udp4";
}

void repl_opts_text(unsigned opts, const bm_sock_info *s, char *buf, size_t len)
{
	size_t j = 0;
	buf[0] = 0;
	for (unsigned b = 1; b <= BM_ALL_OPTIONS; b <<= 1) {
		if (!(opts & b))
			continue;
		const char *n = bm_option_name((bm_option)b);
		char one[48];
		if (b == BM_SO_LINGER && s)
			snprintf(one, sizeof one, "SO_LINGER=%d", s->linger);
		else if (b == BM_SO_BINDTODEVICE && s)
			snprintf(one, sizeof one, "SO_BINDTODEVICE=%s", s->dev);
		else
			snprintf(one, sizeof one, "%s", n);
		int w = snprintf(buf + j, len - j, "%s%s", j ? "," : "", one);
		if (w < 0 || (size_t)w >= len - j)
			break;
		j += (size_t)w;
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

#define SHOW_COLS 8
typedef struct show_ctx {
	repl *r;
	char (*rows)[SHOW_COLS][96];
	size_t n, cap;
	const char *only;
	int found;
	const bm_host *h;        /* the host being listed */
} show_ctx;

static void fmt_left(char *buf, size_t len, uint64_t ms)
{
	snprintf(buf, len, "%llu.%03llus", (unsigned long long)(ms / 1000),
	         (unsigned long long)(ms % 1000));
}

static void show_one(repl *r, const bm_sock_info *s, const char *name)
{
	FILE *f = r->out;
	char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN], o[256], ob[256];
	const bm_host *h = sc_model_host(&r->eng);
	repl_opts_text(s->opts, s, o, sizeof o);
	repl_opts_text(s->opts_at_bind, s, ob, sizeof ob);
	if (r->json) {
		fputs("{\"type\":\"socket\",\"socket\":", f);
		json_str(f, name);
		fprintf(f, ",\"id\":%d,\"proto\":\"%s\",\"uid\":%u,\"state\":\"%s\"", s->id,
		        repl_sock_kind(s), s->uid, bm_state_name(s->state));
		fprintf(f, ",\"local\":\"%s\"", s->local.port || s->state != BM_STATE_CLOSED
		                                    ? bm_endpoint_format(&s->local, a, sizeof a) : "");
		fprintf(f, ",\"remote\":\"%s\"", s->remote.port
		                                     ? bm_endpoint_format(&s->remote, b, sizeof b) : "");
		fprintf(f, ",\"options\":\"%s\",\"options_at_bind\":\"%s\"", o, ob);
		if (s->state == BM_STATE_TIME_WAIT)
			fprintf(f, ",\"time_wait_left_ms\":%llu",
			        (unsigned long long)(s->tw_expires_ms - bm_host_now(h)));
		fputs("}\n", f);
		return;
	}
	const char *B = repl_c(r, C_BOLD), *R = repl_c(r, C_RESET);
	fprintf(f, "%s%s%s  (socket %d, %s, uid %u)\n", B, name, R, s->id, repl_sock_kind(s), s->uid);
	fprintf(f, "  state      %s%s\n", bm_state_name(s->state),
	        s->pending ? " (in the accept queue)" : "");
	fprintf(f, "  local      %s%s\n",
	        s->state == BM_STATE_CLOSED ? "-" : bm_endpoint_format(&s->local, a, sizeof a),
	        s->explicit_port ? "" : s->port_from_connect ? " (port chosen by connect)"
	        : s->state != BM_STATE_CLOSED && s->parent == BM_NO_SOCK ? " (ephemeral port)" : "");
	fprintf(f, "  remote     %s\n", s->remote.port ? bm_endpoint_format(&s->remote, b, sizeof b) : "-");
	fprintf(f, "  options    %s\n", o);
	if (s->state != BM_STATE_CLOSED)
		fprintf(f, "  at bind    %s\n", ob);
	if (s->family == BM_AF_INET6)
		fprintf(f, "  v6only     %s\n", s->v6only ? "yes" : "no");
	if (s->parent != BM_NO_SOCK) {
		const char *pn = sc_model_name(&r->eng, s->parent);
		fprintf(f, "  accepted   from listener %s\n", pn ? pn : "?");
	}
	if (s->state == BM_STATE_TIME_WAIT) {
		char left[32];
		fmt_left(left, sizeof left, s->tw_expires_ms - bm_host_now(h));
		fprintf(f, "  TIME_WAIT  %s left (advance %llums frees the port)\n", left,
		        (unsigned long long)(s->tw_expires_ms - bm_host_now(h)));
	}
}

static int collect(const bm_sock_info *s, void *arg)
{
	show_ctx *x = arg;
	repl *r = x->r;
	char lb[64];
	const char *nm = x->h == sc_model_host(&r->eng) ? repl_label(r, s->id, lb, sizeof lb)
	                                               : sc_model_name_on(&r->eng, x->h, s->id);
	if (!nm) {
		snprintf(lb, sizeof lb, "#%d", s->id);
		nm = lb;
	}
	if (x->only) {
		if (strcmp(x->only, nm) == 0) {
			show_one(r, s, nm);
			x->found = 1;
			return 1;
		}
		return 0;
	}
	if (r->json) {
		show_one(r, s, nm);
		return 0;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		void *n = realloc(x->rows, cap * sizeof *x->rows);
		if (!n)
			return 1;
		x->rows = n;
		x->cap = cap;
	}
	char (*row)[96] = x->rows[x->n++];
	const bm_host *h = x->h;
	snprintf(row[0], 96, "%s", nm);
	snprintf(row[1], 96, "%s", repl_sock_kind(s));
	if (s->state == BM_STATE_CLOSED)
		snprintf(row[2], 96, "-");
	else
		bm_endpoint_format(&s->local, row[2], 96);
	if (s->remote.port)
		bm_endpoint_format(&s->remote, row[3], 96);
	else
		snprintf(row[3], 96, "-");
	snprintf(row[4], 96, "%s%s", bm_state_name(s->state), s->pending ? " (queued)" : "");
	repl_opts_text(s->opts, s, row[5], 96);
	snprintf(row[6], 96, "%u", s->uid);
	if (s->state == BM_STATE_TIME_WAIT)
		fmt_left(row[7], 96, s->tw_expires_ms - bm_host_now(h));
	else
		snprintf(row[7], 96, "-");
	return 0;
}

static void show_table(repl *r, show_ctx *x, const bm_host *h, int named);

void repl_show(repl *r, const char *name)
{
	show_ctx x;
	memset(&x, 0, sizeof x);
	x.r = r;
	x.only = name;
	const bm_host *h = sc_model_host(&r->eng);
	FILE *f = r->out;
	if (name) {
		/* a name bound to a handle that is gone: say so; a name may
		 * stand for a socket on another host of the net */
		bm_host *nh = NULL;
		bm_sock id = sc_model_sock_any(&r->eng, name, &nh);
		if (nh)
			h = nh;
		bm_sock_info info;
		if (id != BM_NO_SOCK && bm_sock_query(h, id, &info) != BM_OK) {
			fprintf(f, "%s is closed and gone\n", name);
			return;
		}
		x.h = h;
		bm_sock_foreach(h, collect, &x);
		if (!x.found)
			repl_no_such_socket(r, name);
		return;
	}
	/* on a net of hosts, every host's table, the current one first */
	bm_net *net = sc_model_net(&r->eng);
	show_table(r, &x, h, bm_net_count(net) > 1);
	for (size_t i = 0; i < bm_net_count(net); i++) {
		const bm_host *o = bm_net_host_at(net, i);
		if (o != h) {
			x.n = 0;
			show_table(r, &x, o, 1);
		}
	}
	free(x.rows);
}

static void show_table(repl *r, show_ctx *x, const bm_host *h, int named)
{
	FILE *f = r->out;
	x->h = h;
	bm_sock_foreach(h, collect, x);
	if (r->json)
		return;
	uint64_t now = bm_host_now(h);
	if (named)
		fprintf(f, "host %s (%s), ", bm_host_name(h), bm_host_policy(h)->name);
	else
		fprintf(f, "%s host, ", r->os);
	fprintf(f, "clock %llu.%03llus, %zu socket%s\n",
	        (unsigned long long)(now / 1000), (unsigned long long)(now % 1000), x->n,
	        x->n == 1 ? "" : "s");
	if (x->n) {
		static const char *const head[SHOW_COLS] = {"NAME", "PROTO", "LOCAL", "REMOTE",
		                                            "STATE", "OPTIONS", "UID", "TIME_WAIT"};
		size_t w[SHOW_COLS], total = 0;
		int keep[SHOW_COLS], last = SHOW_COLS - 1;
		for (int k = 0; k < SHOW_COLS; k++) {
			w[k] = strlen(head[k]);
			keep[k] = 1;
			for (size_t i = 0; i < x->n; i++)
				if (strlen(x->rows[i][k]) > w[k])
					w[k] = strlen(x->rows[i][k]);
			total += w[k] + 2;
		}
		/* wider than the output: leave out the columns that say nothing
		 * (every row "-"), from the right */
		size_t width = repl_term_width(f);
		for (int k = SHOW_COLS - 1; k > 0 && total - 2 > width; k--) {
			int empty = 1;
			for (size_t i = 0; i < x->n && empty; i++)
				empty = strcmp(x->rows[i][k], "-") == 0;
			if (empty) {
				keep[k] = 0;
				total -= w[k] + 2;
			}
		}
		while (last > 0 && !keep[last])
			last--;
		fputs(repl_c(r, C_BOLD), f);
		for (int k = 0; k < SHOW_COLS; k++)
			if (keep[k])
				fprintf(f, "%-*s%s", k == last ? 0 : (int)w[k], head[k], k == last ? "" : "  ");
		fprintf(f, "%s\n", repl_c(r, C_RESET));
		for (size_t i = 0; i < x->n; i++) {
			for (int k = 0; k < SHOW_COLS; k++)
				if (keep[k])
					fprintf(f, "%-*s%s", k == last ? 0 : (int)w[k], x->rows[i][k],
					        k == last ? "" : "  ");
			fputc('\n', f);
		}
	}
}

/* ------------------------------------------------------------ help */

void repl_help(repl *r, const char *topic)
{
	FILE *f = r->out;
	const sc_command *c;
	if (topic) {
		/* the language's own table (tools/lang/scenario.c) */
		for (size_t i = 0; (c = sc_command_at(i)) != NULL; i++) {
			if (strcasecmp(topic, c->word) == 0) {
				c = sc_command_find(c->word);   /* exit: quit's text */
				fprintf(f, "%s%s%s\n%s\n", repl_c(r, C_BOLD), c->synopsis,
				        repl_c(r, C_RESET), c->detail);
				return;
			}
		}
		if (strcasecmp(topic, "expect") == 0 || strcmp(topic, "=>") == 0) {
			fprintf(f, "Any operation may end with an expectation, checked at once:\n"
			           "  bind b 0.0.0.0:21 => EADDRINUSE\n"
			           "  bind b 0.0.0.0:21 => bsd:ok linux:EADDRINUSE *:ok\n");
			return;
		}
		const char *words[REPL_MAXWORDS];
		const char *s = repl_suggest(topic, words, repl_words(sc_command_word, words,
		                                                      REPL_MAXWORDS));
		fprintf(f, "no help for '%s'", topic);
		if (s)
			fprintf(f, "; did you mean '%s'?", s);
		fprintf(f, " (help lists the commands)\n");
		return;
	}
	fprintf(f, "Type operations; each prints its result at once.  Tab completes, Up recalls.\n\n");
	for (size_t i = 0; (c = sc_command_at(i)) != NULL; i++) {
		if (!c->synopsis)
			continue;
		/* a synopsis too long for its column puts the summary below it */
		int wide = strlen(c->synopsis) > 34;
		fprintf(f, "  %s%-34s%s%s%s\n", repl_c(r, C_BOLD), c->synopsis, repl_c(r, C_RESET),
		        wide ? "\n                                     " : " ", c->summary);
	}
	fprintf(f, "\nhelp COMMAND for details and examples; help expect for expectations.\n");
}

void repl_list_os(repl *r)
{
	FILE *f = r->out;
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		int cur = bm_personality_find(r->os) == p;
		if (r->json) {
			fputs("{\"type\":\"personality\",\"personality\":", f);
			json_str(f, p->name);
			fputs(",\"description\":", f);
			json_str(f, p->description);
			fprintf(f, ",\"current\":%s}\n", cur ? "true" : "false");
			continue;
		}
		fprintf(f, "%s %s%-13s%s %s\n", cur ? "*" : " ", cur ? repl_c(r, C_BOLD) : "", p->name,
		        cur ? repl_c(r, C_RESET) : "", p->description);
	}
	if (!r->json)
		fprintf(f, "(* current; a bare family name such as linux is its newest release; "
		        "android -> linux; darwin ios tvos watchos -> macos)\n");
}
