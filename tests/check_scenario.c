/* SPDX-License-Identifier: MIT */
/* check_scenario.c: the scenario language parser (DESIGN.md contract). */
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "scenario.h"

static sc_cmd cmd;

static int parse(const char *line, char *err, int *col)
{
	return sc_parse_line(line, 7, &cmd, err, 200, col);
}

static const struct {
	const char *line;
	sc_kind kind;
} good[] = {
	{"os linux", SC_OS},
	{"os freebsd macos linux", SC_OS},
	{"os", SC_OS},
	{"user 1000", SC_USER},
	{"addr add 192.168.0.1", SC_ADDR},
	{"addr add 192.168.0.1 dev eth0", SC_ADDR},
	{"addr add 2001:db8::1", SC_ADDR},
	{"set ephemeral 32768-60999", SC_SET},
	{"set tw_reuse 1", SC_SET},
	{"set v6only 1", SC_SET},
	{"set unprivileged_port_start 0", SC_SET},
	{"set time_wait 30s", SC_SET},
	{"set nonlocal_bind 1", SC_SET},
	{"a = socket tcp4", SC_SOCKET},
	{"a=socket udp6", SC_SOCKET},
	{"setsockopt a SO_REUSEADDR 1", SC_SETSOCKOPT},
	{"setsockopt a SO_LINGER off", SC_SETSOCKOPT},
	{"setsockopt a SO_LINGER 0", SC_SETSOCKOPT},
	{"setsockopt a SO_BINDTODEVICE eth0", SC_SETSOCKOPT},
	{"bind a 0.0.0.0:21", SC_BIND},
	{"bind a [::]:21 => EADDRINUSE", SC_BIND},
	{"bind a 0.0.0.0:21 => bsd:ok linux:EADDRINUSE *:ok", SC_BIND},
	{"listen a", SC_LISTEN},
	{"listen a 128", SC_LISTEN},
	{"setsockopt a SO_REUSEPORT", SC_SETSOCKOPT},
	{"connect b 127.0.0.1:21 # comment", SC_CONNECT},
	{"c = accept a", SC_ACCEPT},
	{"close c => ok", SC_CLOSE},
	{"advance 60s", SC_ADVANCE},
	{"advance 500ms", SC_ADVANCE},
	{"advance 2m", SC_ADVANCE},
	{"deliver udp4 10.0.0.9:5000 -> 192.168.0.1:53", SC_DELIVER},
	{"deliver udp4 10.0.0.9:5000->192.168.0.1:53 => a+b", SC_DELIVER},
	{"deliver tcp6 [::1]:5000 -> [::1]:53 => none", SC_DELIVER},
	{"show", SC_SHOW},
	{"show a", SC_SHOW},
	{"explain", SC_EXPLAIN},
	{"compare", SC_COMPARE},
	{"compare linux windows", SC_COMPARE},
	{"help bind", SC_HELP},
	{"save /tmp/x.bms --with-results", SC_SAVE},
	{"load /tmp/x.bms", SC_LOAD},
	{"reset", SC_RESET},
	{"quit", SC_QUIT},
};

START_TEST(parses_good_lines)
{
	char err[200];
	int col;
	ck_assert_msg(parse(good[_i].line, err, &col) == 1, "%s: %s", good[_i].line, err);
	ck_assert_int_eq(cmd.kind, good[_i].kind);
	ck_assert_int_eq(cmd.line, 7);
}
END_TEST

static const struct {
	const char *line;
	int col;
} bad[] = {
	{"frobnicate a", 1},
	{"bind a 1.2.3.4:99999", 8},
	{"bind a", 7},
	{"bind 9a 1.2.3.4:1", 6},
	{"a = socket tcp5", 12},
	{"a = bind b 1.2.3.4:5", 5},
	{"setsockopt a SO_NOPE 1", 14},
	{"setsockopt a SO_REUSEADDR 2", 27},
	{"setsockopt a SO_LINGER forever", 24},
	{"bind a 1.2.3.4:5 => EWHAT", 21},
	{"bind a 1.2.3.4:5 => plan9:ok", 21},
	{"bind a 1.2.3.4:5 =>", 20},
	{"bind a 1.2.3.4:5 => ok ok", 24},
	{"=> ok", 1},
	{"os plan9", 4},
	{"user -1", 6},
	{"user 99999999999", 6},
	{"set ephemeral 5-3", 15},
	{"set ephemeral 0-3", 15},
	{"set tw_reuse 3", 14},
	{"set bogus 1", 5},
	{"advance 5 years", 11},
	{"advance soon", 9},
	{"deliver udp4 1.2.3.4:5 1.2.3.4:6", 24},
	{"deliver udp4 1.2.3.4:5 -> [::1]:6", 14},
	{"addr add 0.0.0.0", 10},
	{"addr del 1.2.3.4", 6},
	{"listen a b", 10},
	{"setsockopt a SO_LINGER", 23},
	{"show => ok", 6},
	{"bind a \x01.2.3.4:5", 8},
	{"bind a caf\xc3\xa9:5", 11},
	{"socket tcp4", 1},
};

START_TEST(rejects_bad_lines_with_column)
{
	char err[200] = "";
	int col = -1;
	ck_assert_msg(parse(bad[_i].line, err, &col) == -1, "accepted: %s", bad[_i].line);
	ck_assert_msg(err[0] != 0, "no reason: %s", bad[_i].line);
	ck_assert_msg(col == bad[_i].col, "%s: column %d, expected %d (%s)", bad[_i].line, col,
	              bad[_i].col, err);
}
END_TEST

START_TEST(blank_and_comment_lines)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("", err, &col), 0);
	ck_assert_int_eq(parse("   \t  ", err, &col), 0);
	ck_assert_int_eq(parse("# only a comment", err, &col), 0);
	ck_assert_int_eq(sc_parse_line(NULL, 1, &cmd, err, sizeof err, &col), 0);
}
END_TEST

START_TEST(very_long_line)
{
	char *line = malloc(SC_MAXLINE + 100);
	char err[200];
	int col;
	memset(line, 'a', SC_MAXLINE + 99);
	line[SC_MAXLINE + 99] = 0;
	ck_assert_int_eq(parse(line, err, &col), -1);
	ck_assert_int_eq(col, SC_MAXLINE + 1);
	free(line);
}
END_TEST

START_TEST(expectations_per_personality)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("bind a 0.0.0.0:21 => darwin:ok linux:EADDRINUSE *:EACCES", err, &col), 1);
	ck_assert_int_eq(cmd.nexpect, 3);
	ck_assert_int_eq(sc_expect_for(&cmd, "macos-15")->code, BM_OK);   /* alias resolved */
	ck_assert_int_eq(sc_expect_for(&cmd, "linux")->code, BM_EADDRINUSE);
	ck_assert_int_eq(sc_expect_for(&cmd, "windows")->code, BM_EACCES);
	ck_assert_int_eq(parse("bind a 0.0.0.0:21 => linux:ok", err, &col), 1);
	ck_assert_ptr_null(sc_expect_for(&cmd, "windows"));
	ck_assert_int_eq(parse("bind a 0.0.0.0:21 => linux:ok android:ok", err, &col), -1);
}
END_TEST

START_TEST(receivers_are_sorted)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("deliver udp4 1.2.3.4:5 -> 1.2.3.4:6 => linux:zeta+alpha windows:b", err, &col), 1);
	ck_assert_str_eq(sc_expect_for(&cmd, "linux")->receivers, "alpha+zeta");
	ck_assert_str_eq(sc_expect_for(&cmd, "windows")->receivers, "b");
	ck_assert_int_eq(parse("deliver udp4 1.2.3.4:5 -> 1.2.3.4:6 => a++b", err, &col), -1);
	ck_assert_int_eq(parse("deliver udp4 1.2.3.4:5 -> 1.2.3.4:6 => b,a", err, &col), 1);
	ck_assert_str_eq(sc_expect_for(&cmd, "linux")->receivers, "a+b");
	ck_assert_int_eq(parse("deliver udp4 1.2.3.4:5 -> 1.2.3.4:6 => a,", err, &col), -1);
}
END_TEST

START_TEST(command_text_kept)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("  bind a 0.0.0.0:21   => ok  # why", err, &col), 1);
	ck_assert_str_eq(cmd.text, "bind a 0.0.0.0:21");
	ck_assert_str_eq(cmd.target, "a");
	ck_assert_int_eq(cmd.ep.port, 21);
}
END_TEST

START_TEST(values_parsed)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("set ephemeral 40000-40010", err, &col), 1);
	ck_assert_int_eq(cmd.lo, 40000);
	ck_assert_int_eq(cmd.hi, 40010);
	ck_assert_int_eq(parse("set time_wait 2m", err, &col), 1);
	ck_assert_int_eq(cmd.lo, 120000);
	ck_assert_int_eq(parse("advance 1500ms", err, &col), 1);
	ck_assert_uint_eq(cmd.ms, 1500);
	ck_assert_int_eq(parse("user 4294967295", err, &col), 1);
	ck_assert_uint_eq(cmd.uid, 4294967295u);
	ck_assert_int_eq(parse("setsockopt s SO_LINGER 7", err, &col), 1);
	ck_assert_int_eq(cmd.value, 7);
	ck_assert_int_eq(parse("setsockopt s SO_REUSEADDR", err, &col), 1);
	ck_assert_int_eq(cmd.value, 1);
	ck_assert_int_eq(parse("setsockopt s IP_BINDANY on", err, &col), 1);
	ck_assert_uint_eq(cmd.opt, BM_IP_FREEBIND);
	ck_assert_int_eq(cmd.value, 1);
}
END_TEST

/* The model engine resolves names and reports unknown ones. */
START_TEST(model_engine_names)
{
	sc_engine e;
	sc_outcome o;
	char err[200];
	int col;
	ck_assert_int_eq(sc_model_engine(&e), 0);
	ck_assert_int_eq(e.reset(e.ctx, "plan9", err, sizeof err), -1);
	ck_assert_int_eq(parse("bind a 0.0.0.0:1", err, &col), 1);
	ck_assert_int_eq(e.exec(e.ctx, &cmd, &o, err, sizeof err), -1);   /* no host yet */
	ck_assert_int_eq(e.reset(e.ctx, "linux", err, sizeof err), 0);
	ck_assert_int_eq(e.exec(e.ctx, &cmd, &o, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown socket 'a'"));
	ck_assert_int_eq(parse("a = socket udp4", err, &col), 1);
	ck_assert_int_eq(e.exec(e.ctx, &cmd, &o, err, sizeof err), 0);
	ck_assert_int_ne(sc_model_sock(&e, "a"), BM_NO_SOCK);
	ck_assert_str_eq(sc_model_name(&e, sc_model_sock(&e, "a")), "a");
	ck_assert_int_eq(parse("bind a 0.0.0.0:0", err, &col), 1);
	ck_assert_int_eq(e.exec(e.ctx, &cmd, &o, err, sizeof err), 0);
	ck_assert_int_eq(o.code, BM_OK);
	ck_assert_ptr_nonnull(strstr(o.detail, "0.0.0.0:"));
	ck_assert_ptr_nonnull(sc_model_host(&e));
	e.destroy(e.ctx);
}
END_TEST

/* `=> ok [rule]` and `=> ok|EADDRINUSE`: the grammar of issue 7 and 8. */
START_TEST(rules_and_sets_parsed)
{
	char err[200];
	int col;
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => linux:ok [linux.udp.bind.reuseaddr] "
	                       "*:EADDRINUSE|ok", err, &col), 1);
	ck_assert_int_eq(cmd.nexpect, 2);
	ck_assert_str_eq(cmd.expect[0].rule, "linux.udp.bind.reuseaddr");
	ck_assert_int_eq(cmd.expect[0].nalt, 1);
	ck_assert_str_eq(cmd.expect[1].rule, "");
	ck_assert_int_eq(cmd.expect[1].nalt, 2);
	ck_assert_int_eq(cmd.expect[1].alt[0], BM_EADDRINUSE);
	ck_assert_int_eq(cmd.expect[1].alt[1], BM_OK);
	char buf[160];
	ck_assert_str_eq(sc_expect_text(&cmd.expect[1], buf, sizeof buf), "EADDRINUSE|ok");
	ck_assert_str_eq(sc_expect_text(&cmd.expect[0], buf, sizeof buf),
	                 "ok [linux.udp.bind.reuseaddr]");
	/* the rule may follow the outcome directly */
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok[core.bind.ok]", err, &col), 1);
	ck_assert_str_eq(cmd.expect[0].rule, "core.bind.ok");
	ck_assert_int_eq(parse("deliver udp4 127.0.0.1:1 -> 127.0.0.1:2 => b+a|c", err, &col), 1);
	ck_assert_int_eq(cmd.expect[0].nalt, 2);
	ck_assert_str_eq(cmd.expect[0].alt_receivers[0], "a+b");
	ck_assert_str_eq(cmd.expect[0].receivers, "a+b");
	ck_assert_str_eq(cmd.expect[0].alt_receivers[1], "c");
	/* errors, with the column of the offending word */
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok [no.such.rule]", err, &col), -1);
	ck_assert_int_eq(col, 27);
	ck_assert_ptr_nonnull(strstr(err, "unknown rule id"));
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => linux:ok [windows.bind.linger]", err, &col), -1);
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => [core.bind.ok]", err, &col), -1);
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok [core.bind.ok] [core.bind.ok]", err, &col), -1);
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok||EINVAL", err, &col), -1);
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok|ENOTANERRNO", err, &col), -1);
	ck_assert_int_eq(col, 26);
}
END_TEST

/* The runner's comparison: a set passes on any member; a rule must be the
 * verdict's; the kernel (no rule) is checked on its result; a model set
 * answer is not a match for the oracle's "same", only "within a set". */
START_TEST(outcomes_against_rules_and_sets)
{
	char err[200];
	int col;
	sc_outcome o;
	memset(&o, 0, sizeof o);
	ck_assert_int_eq(parse("bind a 127.0.0.1:1 => ok|EADDRINUSE [core.bind.ok]", err, &col), 1);
	o.code = BM_EADDRINUSE;
	o.verdict.rule = "core.bind.ok";
	ck_assert(sc_outcome_matches(&o, &cmd.expect[0]));
	o.verdict.rule = "linux.udp.bind.conflict";
	ck_assert(!sc_outcome_matches(&o, &cmd.expect[0]));
	o.verdict.rule = NULL;   /* the kernel's outcome */
	ck_assert(sc_outcome_matches(&o, &cmd.expect[0]));
	o.code = BM_EINVAL;
	ck_assert(!sc_outcome_matches(&o, &cmd.expect[0]));

	sc_outcome m, k;
	memset(&m, 0, sizeof m);
	memset(&k, 0, sizeof k);
	m.code = BM_OK;
	k.code = BM_EADDRINUSE;
	ck_assert_int_eq(sc_outcomes_agree(&cmd, &m, NULL, &k), SC_DIFFER);
	ck_assert_int_eq(sc_outcomes_agree(&cmd, &m, &cmd.expect[0], &k), SC_WITHIN_SET);
	m.verdict.alt = BM_EADDRINUSE;
	m.verdict.alt_rule = "linux.tcp.bind.conflict";
	ck_assert(sc_outcome_is_set(&m));
	ck_assert_int_eq(sc_outcomes_agree(&cmd, &m, NULL, &k), SC_WITHIN_SET);
	k.code = BM_OK;
	ck_assert_int_eq(sc_outcomes_agree(&cmd, &m, NULL, &k), SC_SAME);
}
END_TEST

/* A shared bind names the rule that allowed it and the socket it shares
 * with (issue 7: verdicts keep the why); a free port is core.bind.ok. */
START_TEST(shared_bind_keeps_its_rule)
{
	bm_host *h = bm_host_new("linux", NULL);
	ck_assert_ptr_nonnull(h);
	bm_endpoint ep;
	ck_assert_int_eq(bm_endpoint_parse("127.0.0.1:7100", &ep, NULL, 0), 0);
	bm_verdict v;
	bm_sock a, b;
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, &a, &v), BM_OK);
	ck_assert_int_eq(bm_socket(h, BM_AF_INET, BM_UDP, 0, &b, &v), BM_OK);
	ck_assert_int_eq(bm_setsockopt(h, a, BM_SO_REUSEADDR, 1, &v), BM_OK);
	ck_assert_int_eq(bm_setsockopt(h, b, BM_SO_REUSEADDR, 1, &v), BM_OK);
	ck_assert_int_eq(bm_bind(h, a, &ep, &v), BM_OK);
	ck_assert_str_eq(v.rule, "core.bind.ok");
	ck_assert_int_eq(v.conflict, BM_NO_SOCK);
	ck_assert_int_eq(bm_bind(h, b, &ep, &v), BM_OK);
	ck_assert_str_eq(v.rule, "linux.udp.bind.reuseaddr");
	ck_assert_int_eq(v.conflict, a);
	ck_assert_ptr_null(v.alt_rule);
	bm_host_free(h);
}
END_TEST

Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *t = tcase_create("parser");
	tcase_add_loop_test(t, parses_good_lines, 0, sizeof good / sizeof *good);
	tcase_add_loop_test(t, rejects_bad_lines_with_column, 0, sizeof bad / sizeof *bad);
	tcase_add_test(t, blank_and_comment_lines);
	tcase_add_test(t, very_long_line);
	tcase_add_test(t, expectations_per_personality);
	tcase_add_test(t, receivers_are_sorted);
	tcase_add_test(t, command_text_kept);
	tcase_add_test(t, values_parsed);
	tcase_add_test(t, model_engine_names);
	tcase_add_test(t, rules_and_sets_parsed);
	tcase_add_test(t, outcomes_against_rules_and_sets);
	tcase_add_test(t, shared_bind_keeps_its_rule);
	suite_add_tcase(s, t);
	return s;
}
