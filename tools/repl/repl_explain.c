/* SPDX-License-Identifier: MIT */
/*
 * repl_explain.c: `explain [NAME]`.
 *
 * Shows the verdict of the last operation (or the last one on NAME) in
 * full: the rule, its text and source, the conflicting socket as it was.
 * Then it asks what would have made the call succeed on this OS: it replays
 * the session so far on a scratch model engine with one change at a time
 * (SO_REUSEADDR or SO_REUSEPORT on the new socket, on the old one, on both;
 * or waiting out the old socket's TIME_WAIT) and reports the changes that
 * turn the result into ok.  Nothing is guessed: every answer is a replay.
 * Calls that failed earlier in the session are left out of the replays:
 * they changed nothing, and with the change they might succeed.
 */
#include <stdlib.h>
#include <string.h>

#include "repl.h"

/* Print text wrapped at about 76 columns, continuation lines indented. */
static void wrapped(FILE *f, const char *text, int indent)
{
	int col = indent, first = 1;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (!w)
			break;
		if (!first && col + 1 + (int)w > 76) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += (int)w;
		p += w;
		first = 0;
	}
	fputc('\n', f);
}

/* Which op does `explain NAME` mean?  -1 if none. */
static long find_op(const repl *r, const char *name)
{
	for (size_t i = r->nops; i-- > 0;) {
		const sc_cmd *c = r->ops[i].cmd;
		if (name) {
			if (strcmp(c->target, name) == 0 || strcmp(c->name, name) == 0)
				return (long)i;
		} else if (sc_kind_compared(c->kind)) {
			return (long)i;
		}
	}
	return -1;
}

/* The op (before k) that created the socket called name, or -1. */
static long creator(const repl *r, size_t k, const char *name)
{
	for (size_t i = k; i-- > 0;) {
		const sc_cmd *c = r->ops[i].cmd;
		if ((c->kind == SC_SOCKET || c->kind == SC_ACCEPT) && strcmp(c->name, name) == 0)
			return r->ops[i].out.code == BM_OK ? (long)i : -1;
	}
	return -1;
}

/* Was opt on (set to 1 successfully) on name just before op k? */
static int had_opt(const repl *r, size_t k, const char *name, long from, bm_option opt)
{
	int on = 0;
	for (size_t i = (size_t)from; i < k; i++) {
		const sc_cmd *c = r->ops[i].cmd;
		if (c->kind == SC_SETSOCKOPT && c->opt == opt && strcmp(c->target, name) == 0 &&
		    r->ops[i].out.code == BM_OK)
			on = c->value != 0;
	}
	return on;
}

typedef struct change {
	char text[160];          /* what to tell the user */
	long after[2];           /* insert ins[j] after op after[j] (-1: none) */
	sc_cmd *ins[2];
	int before_k;            /* insert ins[0] just before op k instead */
} change;

static sc_cmd *opt_cmd(const char *name, bm_option opt)
{
	sc_cmd *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->kind = SC_SETSOCKOPT;
	snprintf(c->target, sizeof c->target, "%s", name);
	c->opt = opt;
	c->value = 1;
	sc_cmd_set_text(c, "setsockopt %s %s 1", name, bm_option_name(opt));
	return c;
}

/* Replay ops[0..k] with the change; 1 if op k then succeeds.  rule gets the
 * rule that decided in the replay. */
static int try_change(const repl *r, size_t k, const change *ch, const char **rule,
                      char *why, size_t whylen)
{
	size_t cap = k + 3, m = 0;
	const sc_cmd **cmds = malloc(cap * sizeof *cmds);
	sc_outcome *outs = malloc(cap * sizeof *outs);
	int *status = malloc(cap * sizeof *status);
	int *orig = malloc(cap * sizeof *orig);   /* replayed original ops */
	long insat[2] = {-1, -1};
	int ok = 0;
	why[0] = 0;
	if (!cmds || !outs || !status || !orig)
		goto out;
	for (size_t i = 0; i <= k; i++) {
		if (i == k && ch->before_k) {
			orig[m] = 0;
			cmds[m++] = ch->ins[0];
		}
		/* a call that failed changed nothing; replayed with the change it
		 * might succeed and get in the way of the one we ask about */
		if (i < k && r->ops[i].out.code != BM_OK)
			continue;
		orig[m] = i < k;
		cmds[m++] = r->ops[i].cmd;
		for (int j = 0; j < 2; j++) {
			if (ch->ins[j] && !ch->before_k && ch->after[j] == (long)i) {
				insat[j] = (long)m;
				orig[m] = 0;
				cmds[m++] = ch->ins[j];
			}
		}
	}
	char err[200];
	if (repl_run_cmds(r->os, cmds, m, outs, status, NULL, err, sizeof err) != 0)
		goto out;
	for (int j = 0; j < 2; j++) {
		if (insat[j] >= 0 && (status[insat[j]] != 0 || outs[insat[j]].code != BM_OK)) {
			snprintf(why, whylen, "%s fails with %s", ch->ins[j]->text,
			         bm_result_name(outs[insat[j]].code));
			goto out;
		}
	}
	/* a change the OS would refuse further on is no fix: every call that
	 * succeeded in the session must still succeed (on Windows, SO_REUSEADDR
	 * set early makes a later SO_EXCLUSIVEADDRUSE fail) */
	for (size_t i = 0; i + 1 < m; i++) {
		if (orig[i] && (status[i] != 0 || outs[i].code != BM_OK)) {
			snprintf(why, whylen, "then %s fails with %s", cmds[i]->text,
			         bm_result_name(outs[i].code));
			goto out;
		}
	}
	ok = status[m - 1] == 0 && outs[m - 1].code == BM_OK;
	if (ok)
		*rule = outs[m - 1].verdict.rule;
	else if (status[m - 1] == 0)
		snprintf(why, whylen, "%s", bm_result_name(outs[m - 1].code));
out:
	free(cmds);
	free(outs);
	free(status);
	free(orig);
	return ok;
}

static void print_conflict(repl *r, const repl_op *op)
{
	FILE *f = r->out;
	char a[BM_ENDPOINT_STRLEN], b[BM_ENDPOINT_STRLEN], o[256];
	const bm_sock_info *s = &op->cinfo;
	repl_opts_text(s->opts_at_bind ? s->opts_at_bind : s->opts, s, o, sizeof o);
	if (r->json) {
		fputs("{\"name\":", f);
		json_str(f, op->conflict);
		fprintf(f, ",\"proto\":\"%s\",\"state\":\"%s\",\"local\":\"%s\",\"remote\":\"%s\","
		           "\"options\":\"%s\",\"uid\":%u}",
		        repl_sock_kind(s), bm_state_name(s->state),
		        bm_endpoint_format(&s->local, a, sizeof a),
		        s->remote.port ? bm_endpoint_format(&s->remote, b, sizeof b) : "", o, s->uid);
		return;
	}
	/* on a success the verdict's socket is the one the port is shared with */
	if (op->out.code == BM_OK)
		fprintf(f, "  shared    with %s%s%s by rule %s: %s %s", repl_c(r, C_BOLD),
		        op->conflict, repl_c(r, C_RESET),
		        op->out.verdict.rule ? op->out.verdict.rule : "-",
		        repl_sock_kind(s), bm_endpoint_format(&s->local, a, sizeof a));
	else
		fprintf(f, "  conflict  %s%s%s: %s %s", repl_c(r, C_BOLD), op->conflict,
		        repl_c(r, C_RESET), repl_sock_kind(s),
		        bm_endpoint_format(&s->local, a, sizeof a));
	if (s->remote.port)
		fprintf(f, " -> %s", bm_endpoint_format(&s->remote, b, sizeof b));
	/* the rest on a line of its own: the first is already near 80 columns */
	fprintf(f, ", %s\n            ", bm_state_name(s->state));
	if (s->state == BM_STATE_TIME_WAIT && s->tw_expires_ms > op->now_ms)
		fprintf(f, "%llu.%03llus left, ",
		        (unsigned long long)((s->tw_expires_ms - op->now_ms) / 1000),
		        (unsigned long long)((s->tw_expires_ms - op->now_ms) % 1000));
	fprintf(f, "uid %u, options %s\n", s->uid, o);
}

void repl_explain(repl *r, const char *name)
{
	FILE *f = r->out;
	long k = find_op(r, name);
	if (k < 0) {
		if (name && sc_model_sock(&r->eng, name) == BM_NO_SOCK)
			repl_no_such_socket(r, name);
		else
			fprintf(f, "nothing to explain yet: run an operation first (help)\n");
		return;
	}
	const repl_op *op = &r->ops[k];
	const sc_outcome *o = &op->out;
	const bm_policy *pol = bm_host_policy(op->host);
	const bm_rule *rule = bm_policy_rule(pol, o->verdict.rule);
	const char *B = repl_c(r, C_BOLD), *R = repl_c(r, C_RESET);
	const char *posix = bm_result_name(o->code);
	const char *native = bm_host_error_name(op->host, o->code);

	if (r->json) {
		fputs("{\"type\":\"explain\",\"explain\":{\"command\":", f);
		json_str(f, op->cmd->text);
		fputs(",\"os\":", f);
		json_str(f, r->os);
		fputs(",\"result\":", f);
		json_str(f, posix);
		fputs(",\"os_name\":", f);
		json_str(f, native);
		fputs(",\"rule\":", f);
		json_str(f, o->verdict.rule);
		fputs(",\"rule_text\":", f);
		json_str(f, rule ? rule->text : NULL);
		fputs(",\"source\":", f);
		json_str(f, rule ? rule->source : NULL);
		fputs(",\"reason\":", f);
		json_str(f, op->reason);
		fputs(",\"alt\":", f);
		if (o->verdict.alt_rule) {
			fputs("{\"result\":", f);
			json_str(f, bm_result_name(o->verdict.alt));
			fputs(",\"rule\":", f);
			json_str(f, o->verdict.alt_rule);
			fputs(",\"condition\":", f);
			json_str(f, o->verdict.alt_condition);
			fputs("}", f);
		} else {
			fputs("null", f);
		}
		/* a success names the socket it shares the port with, not a conflict */
		int shared = o->code == BM_OK;
		fputs(",\"conflict\":", f);
		if (!shared && op->conflict[0] && op->has_cinfo)
			print_conflict(r, op);
		else
			fputs("null", f);
		fputs(",\"shared_with\":", f);
		if (shared && op->conflict[0] && op->has_cinfo)
			print_conflict(r, op);
		else
			fputs("null", f);
	} else {
		fprintf(f, "%s%s%s  ->  %s%s%s", B, op->cmd->text, R,
		        o->code == BM_OK ? repl_c(r, C_GREEN) : repl_c(r, C_RED),
		        o->is_deliver && o->code == BM_OK ? o->receivers : posix, R);
		if (native && strcmp(native, posix) != 0)
			fprintf(f, " [%s]", native);
		fprintf(f, "   on %s\n", pol->name);
		fprintf(f, "  rule      %s%s%s\n", repl_c(r, C_CYAN),
		        o->verdict.rule ? o->verdict.rule : "-", R);
		if (rule) {
			fprintf(f, "            ");
			wrapped(f, rule->text, 12);
			fprintf(f, "  source    ");
			wrapped(f, rule->source, 12);
		}
		if (op->reason[0]) {
			fprintf(f, "  reason    ");
			wrapped(f, op->reason, 12);
		}
		if (o->detail[0] && !o->is_deliver)
			fprintf(f, "  detail    %s\n", o->detail);
		/* the real answer is a set: say which other result, and when */
		if (o->verdict.alt_rule)
			fprintf(f, "  or        %s %s (rule %s): the answer depends on timing\n",
			        bm_result_name(o->verdict.alt),
			        o->verdict.alt_condition ? o->verdict.alt_condition : "",
			        o->verdict.alt_rule);
		if (op->conflict[0] && op->has_cinfo)
			print_conflict(r, op);
	}

	if (o->code == BM_OK) {
		if (r->json)
			fputs(",\"fixes\":[]}}\n", f);
		return;
	}
	/* the what-ifs: for address conflicts only */
	if (!op->conflict[0] && o->code != BM_EADDRINUSE) {
		if (r->json)
			fputs(",\"fixes\":[]}}\n", f);
		return;
	}
	const char *newname = op->cmd->target[0] ? op->cmd->target : NULL;
	const char *oldname = op->conflict[0] && op->conflict[0] != '#' ? op->conflict : NULL;
	if (newname && oldname && strcmp(newname, oldname) == 0)
		oldname = NULL;
	long cnew = newname ? creator(r, (size_t)k, newname) : -1;
	long cold = oldname ? creator(r, (size_t)k, oldname) : -1;
	/* an accepted socket has its listener's options: change the listener */
	char oldlabel[80] = "";
	if (cold >= 0 && r->ops[cold].cmd->kind == SC_ACCEPT) {
		const char *lis = r->ops[cold].cmd->target;
		long cl = creator(r, (size_t)cold, lis);
		snprintf(oldlabel, sizeof oldlabel, "%s (the listener %s came from)", lis, oldname);
		oldname = cl >= 0 ? lis : NULL;
		cold = cl;
	} else if (oldname) {
		snprintf(oldlabel, sizeof oldlabel, "%s (the socket in the way)", oldname);
	}
	change ch[8];
	int nch = 0;
	bm_option opts[2] = {BM_SO_REUSEADDR, BM_SO_REUSEPORT};
	for (int i = 0; i < 2; i++) {
		bm_option opt = opts[i];
		if (!(pol->options & opt))
			continue;
		int hn = cnew >= 0 && had_opt(r, (size_t)k, newname, cnew, opt);
		int ho = cold >= 0 && had_opt(r, (size_t)k, oldname, cold, opt);
		const char *on = bm_option_name(opt);
		if (cnew >= 0 && !hn) {
			change *c = &ch[nch++];
			memset(c, 0, sizeof *c);
			snprintf(c->text, sizeof c->text, "%s on %s (the new socket)", on, newname);
			c->after[0] = cnew;
			c->ins[0] = opt_cmd(newname, opt);
		}
		if (cold >= 0 && !ho) {
			change *c = &ch[nch++];
			memset(c, 0, sizeof *c);
			if (hn)
				snprintf(c->text, sizeof c->text, "%s on %s as well (%s has it already)", on,
				         oldname, newname);
			else
				snprintf(c->text, sizeof c->text, "%s on %s", on, oldlabel);
			c->after[0] = cold;
			c->ins[0] = opt_cmd(oldname, opt);
		}
		if (cnew >= 0 && cold >= 0 && !hn && !ho) {
			change *c = &ch[nch++];
			memset(c, 0, sizeof *c);
			snprintf(c->text, sizeof c->text, "%s on both %s and %s", on, newname, oldname);
			c->after[0] = cnew;
			c->ins[0] = opt_cmd(newname, opt);
			c->after[1] = cold;
			c->ins[1] = opt_cmd(oldname, opt);
		}
	}
	if (op->has_cinfo && op->cinfo.state == BM_STATE_TIME_WAIT &&
	    op->cinfo.tw_expires_ms >= op->now_ms) {
		change *c = &ch[nch++];
		memset(c, 0, sizeof *c);
		uint64_t wait = op->cinfo.tw_expires_ms - op->now_ms;
		c->before_k = 1;
		c->ins[0] = calloc(1, sizeof(sc_cmd));
		if (c->ins[0]) {
			c->ins[0]->kind = SC_ADVANCE;
			c->ins[0]->ms = wait;
			sc_cmd_set_text(c->ins[0], "advance %llums",
			         (unsigned long long)wait);
		}
		char dur[32];
		if (wait % 1000 == 0)
			snprintf(dur, sizeof dur, "%llus", (unsigned long long)(wait / 1000));
		else
			snprintf(dur, sizeof dur, "%llums", (unsigned long long)wait);
		snprintf(c->text, sizeof c->text, "waiting out %s's TIME_WAIT (advance %s first)",
		         op->conflict, dur);
	}
	int nfix = 0;
	if (r->json)
		fputs(",\"fixes\":[", f);
	char tried[1024] = "";
	for (int i = 0; i < nch; i++) {
		const char *rl = NULL;
		char why[200];
		int good = ch[i].ins[0] && try_change(r, (size_t)k, &ch[i], &rl, why, sizeof why);
		if (good) {
			if (r->json) {
				fprintf(f, "%s{\"change\":", nfix ? "," : "");
				json_str(f, ch[i].text);
				fputs(",\"rule\":", f);
				json_str(f, rl);
				fputc('}', f);
			} else {
				if (!nfix)
					fprintf(f, "  %son %s it would have succeeded with:%s\n", B, pol->name, R);
				fprintf(f, "    %s+%s %s\n", repl_c(r, C_GREEN), R, ch[i].text);
			}
			nfix++;
		} else {
			size_t l = strlen(tried);
			snprintf(tried + l, sizeof tried - l, "%s%s%s%s%s", l ? "; " : "", ch[i].text,
			         why[0] ? " (" : "", why, why[0] ? ")" : "");
		}
	}
	for (int i = 0; i < nch; i++) {
		for (int j = 0; j < 2; j++)
			if (ch[i].ins[j])
				sc_cmd_free(ch[i].ins[j]), free(ch[i].ins[j]);
	}
	if (r->json) {
		fputs("],\"tried\":", f);
		json_str(f, tried);
		fputs("}}\n", f);
		return;
	}
	if (nch == 0) {
		fprintf(f, "  what-if   no SO_REUSEADDR/SO_REUSEPORT or TIME_WAIT change applies here\n");
		return;
	}
	if (!nfix)
		fprintf(f, "  %sno single change makes it succeed on %s.%s\n", B, pol->name, R);
	if (tried[0]) {
		fprintf(f, "  %sno help:  ", repl_c(r, C_DIM));
		wrapped(f, tried, 12);
		fputs(R, f);
	}
}
