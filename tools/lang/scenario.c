/* SPDX-License-Identifier: MIT */
/*
 * scenario.c: the parser of the scenario language.  It knows the grammar
 * only; what a command does is up to the engine that runs it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario.h"

/* snprintf(dst, size, "%s", src) without the printf machinery: a parse
 * copies several tokens, and `run` parses every line (issue 11). */
static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

#define MAXTOK 64

/* A word of the line: s points into parser.words, where every word is
 * copied with its NUL (at most twice the line's length in all). */
typedef struct tok {
	char *s;
	int col;
} tok;

/* The parser's state lives on the stack: no allocation but the command's
 * own block at the end (the fuzzer's speed depends on it). */
typedef struct parser {
	tok t[MAXTOK];
	int n;
	char *err;
	size_t errlen;
	int *col;
	char words[2 * SC_MAXLINE + 2];
	/* the expectations and their strings, until they move to the block */
	sc_expect x[SC_MAXEXPECT];
	int nx;
	char pool[2 * SC_MAXLINE + 2];
	size_t npool;
} parser;

/* A copy of str (n bytes) in the pool; NULL if it is full (it cannot be:
 * the strings come from the line and are shorter than it). */
static const char *pool_add(parser *p, const char *str, size_t n)
{
	if (p->npool + n + 1 > sizeof p->pool)
		return NULL;
	char *d = p->pool + p->npool;
	memcpy(d, str, n);
	d[n] = 0;
	p->npool += n + 1;
	return d;
}

static int fail(parser *p, int col, const char *fmt, const char *arg)
{
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, fmt, arg ? arg : "");
	if (p->col)
		*p->col = col;
	return -1;
}

/* The language's commands: the one table that the parser, sc_kind_name,
 * the REPL's help, suggestions and Tab completion read.  A synopsis is
 * the command's shape: literal words in lower case (alternatives joined
 * by '|'), placeholders in upper case, [optional] parts, a last one that
 * repeats ending in "...".  The REPL completes each argument from its
 * placeholder (sc_synopsis_arg), so help and completion cannot disagree.
 * "exit" is a second word for quit (no synopsis of its own). */
static const sc_command commands[] = {
	{"os", SC_OS, "os [OS]", "list the personalities, or switch to one (new host)",
	 "Without OS: list the personalities.  With OS: switch to it,\n"
	 "starting again from an empty host (like `os` in a scenario file).\n"
	 "  os windows"},
	{"user", SC_USER, "user UID", "owner uid of the sockets created next",
	 "Owner uid of the sockets created next (default 0, root).\n"
	 "  user 1000"},
	{"addr", SC_ADDR, "addr add ADDRESS [dev IF]", "add a local address",
	 "Add a local address to the host (loopback is always there).\n"
	 "  addr add 192.168.0.1\n  addr add fe80::1 dev eth0"},
	{"set", SC_SET, "set KNOB VALUE",
	 "set a host knob (ephemeral, tw_reuse, v6only, time_wait, ...)",
	 "Set a host knob: ephemeral LO-HI, tw_reuse 0|1|2, v6only 0|1,\n"
	 "unprivileged_port_start N, time_wait DURATION, nonlocal_bind 0|1.\n"
	 "  set ephemeral 40000-40010\n  set time_wait 30s"},
	{"socket", SC_SOCKET, "NAME = socket tcp4|tcp6|udp4|udp6", "create a socket",
	 "Create a socket and call it NAME.\n"
	 "  a = socket tcp4"},
	{"setsockopt", SC_SETSOCKOPT, "setsockopt NAME OPTION VALUE",
	 "set an option (SO_REUSEADDR, SO_REUSEPORT, ...)",
	 "Set an option: SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB,\n"
	 "SO_EXCLUSIVEADDRUSE, SO_EXCLBIND, IPV6_V6ONLY (0 or 1), SO_LINGER (off or\n"
	 "seconds), SO_BINDTODEVICE (an interface), IP_FREEBIND / IP_BINDANY.\n"
	 "  setsockopt a SO_REUSEADDR 1"},
	{"bind", SC_BIND, "bind NAME ADDRESS:PORT", "bind; port 0 asks for an ephemeral port",
	 "Bind.  Port 0 asks for an ephemeral port; IPv6 is [addr]:port.\n"
	 "  bind a 0.0.0.0:21\n  bind b [::]:0"},
	{"listen", SC_LISTEN, "listen NAME", "listen (autobinds an unbound socket)",
	 "Listen (binds an ephemeral port first if the socket is unbound)."},
	{"connect", SC_CONNECT, "connect NAME ADDRESS:PORT [nonblock]",
	 "connect (autobinds; a listener queues a child)",
	 "Connect (autobinds if needed; a listener on this host, or on the\n"
	 "host that owns the address, completes the handshake and queues a child\n"
	 "for accept).  nonblock: EINPROGRESS, and the next connect collects it.\n"
	 "  connect b 127.0.0.1:21"},
	{"accept", SC_ACCEPT, "NAME = accept LISTENER", "take the next connection from the listener",
	 "Take the next connection from the listener's queue.\n"
	 "  c = accept a"},
	{"close", SC_CLOSE, "close NAME", "close (a connected TCP socket stays in TIME_WAIT)",
	 "Close.  Actively closing a connected TCP socket leaves it in\n"
	 "TIME_WAIT, still holding its port; SO_LINGER 0 aborts instead."},
	{"advance", SC_ADVANCE, "advance DURATION", "move the virtual clock; TIME_WAIT ends",
	 "Move the virtual clock (ms, s, m, h); TIME_WAIT ends.\n"
	 "  advance 60s"},
	{"deliver", SC_DELIVER, "deliver tcp4|tcp6|udp4|udp6 SRC -> DST",
	 "which socket(s) receive a datagram or SYN",
	 "Which socket(s) receive a datagram (udp) or a SYN (tcp)?\n"
	 "  deliver udp4 10.0.0.9:5000 -> 192.168.0.1:53"},
	{"host", SC_HOST, "host NAME OS ADDR[,ADDR...]",
	 "add a host with its own release and addresses",
	 "Add a host with its own release and addresses; an address\n"
	 "belongs to one host.  The host of the os line is local.\n"
	 "  host cli windows 10.0.0.2"},
	{"on", SC_ON, "on HOST", "switch the host that commands act on",
	 "The host that socket, addr, set and deliver act on (on local goes\n"
	 "back).  Socket names are global: an operation on a named socket acts on\n"
	 "its own host.\n  on cli"},
	{"show", SC_SHOW, "show [NAME]", "the socket table, or one socket in full",
	 "The socket table, or one socket in full."},
	{"explain", SC_EXPLAIN, "explain [NAME]",
	 "why the last operation got its result; what would fix it",
	 "The verdict of the last operation (or the last one on NAME): the\n"
	 "rule, its text and source, the conflicting socket, and which single\n"
	 "change (SO_REUSEADDR / SO_REUSEPORT on either socket, waiting out\n"
	 "TIME_WAIT) would have made it succeed on this OS."},
	{"compare", SC_COMPARE, "compare [OS...]",
	 "replay the session under every personality, side by side",
	 "Replay the session under every personality (or those named) and\n"
	 "print one row per operation, one column per personality; rows that\n"
	 "differ are marked.\n  compare\n  compare linux freebsd windows"},
	{"help", SC_HELP, "help [COMMAND]", "this list, or one command in detail",
	 "This list, or one command in more detail."},
	{"reset", SC_RESET, "reset", "start again from an empty host",
	 "Start again from an empty host, same personality."},
	{"save", SC_SAVE, "save FILE [--with-results] [--force]", "write the session as a scenario file",
	 "Write the session as a scenario file (--force: over an existing file); --with-results adds each\n"
	 "result as an expectation (=> ...), recorded from the model."},
	{"load", SC_LOAD, "load FILE", "run a scenario file into the session",
	 "Run a scenario file into the session; its expectations are checked."},
	{"quit", SC_QUIT, "quit", "leave (Ctrl-D too)", "Leave (so does Ctrl-D; `exit` too)."},
	{"exit", SC_QUIT, NULL, NULL, NULL},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

const sc_command *sc_command_at(size_t i)
{
	return i < NCOMMANDS ? &commands[i] : NULL;
}

const char *sc_command_word(size_t i)
{
	return i < NCOMMANDS ? commands[i].word : NULL;
}

/* The index of word in commands, or NCOMMANDS; the first letter is
 * compared before the call (issue 11: a line's lookup made a dozen). */
static size_t command_index(const char *word)
{
	size_t i = 0;
	while (i < NCOMMANDS && (commands[i].word[0] != word[0] || strcmp(word, commands[i].word)))
		i++;
	return i;
}

const sc_command *sc_command_find(const char *word)
{
	size_t i = command_index(word);
	if (i == NCOMMANDS)
		return NULL;
	return commands[i].synopsis ? &commands[i] : sc_command_find("quit");
}

/* The i-th argument (0: the first after the command word) of c's
 * synopsis, without its brackets or "...", into out; a part with "..."
 * stands for every argument from it on.  0, or -1 past the end. */
int sc_synopsis_arg(const sc_command *c, size_t i, char *out, size_t len)
{
	const char *p = c->synopsis ? strstr(c->synopsis, c->word) : NULL;   /* after "NAME = " */
	if (!p || !len)
		return -1;
	p += strlen(c->word);
	for (size_t k = 0;; k++) {
		p += strspn(p, " ");
		if (!*p)
			return -1;
		size_t n = strcspn(p, " ");
		const char *t = p + (*p == '[');
		size_t tl = strcspn(t, " [].");
		int repeats = 0;
		for (size_t j = 0; j + 3 <= n; j++)
			repeats |= strncmp(p + j, "...", 3) == 0;
		if (k == i || (repeats && k < i)) {
			snprintf(out, len, "%.*s", (int)tl, t);
			return 0;
		}
		p += n;
	}
}

const char *sc_kind_name(sc_kind k)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].kind == k)
			return commands[i].word;
	return k == SC_NONE ? "" : "?";
}

/* The words `set` takes: "ephemeral" (LO-HI, both ends), then the library's
 * knob names but its two ends. */
const char *sc_knob_word(size_t i)
{
	if (i == 0)
		return "ephemeral";
	for (int k = 0; k < BM_KNOB_COUNT; k++) {
		if (k == BM_KNOB_EPHEMERAL_LO || k == BM_KNOB_EPHEMERAL_HI)
			continue;
		if (--i == 0)
			return bm_knob_name((bm_knob)k);
	}
	return NULL;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SC_NAMELEN || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s || strlen(s) > 10)
		return -1;
	unsigned long v = 0;
	for (const char *q = s; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return -1;
		v = v * 10 + (unsigned long)(*q - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* "60s", "500ms", "2m", "1h"; a bare number is seconds. */
static int parse_duration(const char *s, uint64_t *ms)
{
	char num[16];
	size_t i = 0;
	while (isdigit((unsigned char)s[i]) && i < sizeof num - 1) {
		num[i] = s[i];
		i++;
	}
	num[i] = 0;
	unsigned long v;
	if (i == 0 || parse_ulong(num, 1000000000ul, &v) != 0)
		return -1;
	const char *unit = s + i;
	uint64_t mult;
	if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "s") == 0 || !*unit)
		mult = 1000;
	else if (strcmp(unit, "m") == 0)
		mult = 60000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600000;
	else
		return -1;
	*ms = (uint64_t)v * mult;
	return 0;
}

static int parse_family_proto(const char *s, bm_family *fam, bm_proto *proto)
{
	static const struct {
		const char *n;
		bm_family f;
		bm_proto p;
	} kinds[] = {
		{"tcp4", BM_AF_INET, BM_TCP}, {"tcp6", BM_AF_INET6, BM_TCP},
		{"udp4", BM_AF_INET, BM_UDP}, {"udp6", BM_AF_INET6, BM_UDP},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		if (strcasecmp(s, kinds[i].n) == 0) {
			*fam = kinds[i].f;
			*proto = kinds[i].p;
			return 0;
		}
	}
	return -1;
}

static int need(parser *p, int i, const char *what)
{
	if (i < p->n)
		return 0;
	int col = p->n ? p->t[p->n - 1].col + (int)strlen(p->t[p->n - 1].s) : 1;
	return fail(p, col, "missing %s", what);
}

static int no_more(parser *p, int i)
{
	if (i >= p->n)
		return 0;
	return fail(p, p->t[i].col, "unexpected '%s'", p->t[i].s);
}

static int endpoint(parser *p, int i, bm_endpoint *ep)
{
	char why[96];
	if (need(p, i, "address:port") != 0)
		return -1;
	if (bm_endpoint_parse(p->t[i].s, ep, why, sizeof why) != 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "bad endpoint '%.40s': %s", p->t[i].s, why);
		return fail(p, p->t[i].col, "%s", msg);
	}
	return 0;
}

static int socket_name(parser *p, int i, char *out)
{
	if (need(p, i, "socket name") != 0)
		return -1;
	if (!valid_name(p->t[i].s))
		return fail(p, p->t[i].col, "bad socket name '%.40s'", p->t[i].s);
	str_copy(out, SC_NAMELEN, p->t[i].s);
	return 0;
}

/* the caller's policies (the process's own table: a tool, not the library) */
static const bm_policy *registered[SC_MAX_POLICIES];
static size_t nregistered;

int sc_policy_register(const bm_policy *p)
{
	if (!p || !p->name || nregistered == SC_MAX_POLICIES)
		return -1;
	registered[nregistered++] = p;
	return 0;
}

const bm_policy *sc_policy_find(const char *name)
{
	const char *release = name ? bm_personality_alias_of(name) : NULL;
	if (release)
		name = release;
	for (size_t i = 0; name && i < nregistered; i++)
		if (strcasecmp(registered[i]->name, name) == 0)
			return registered[i];
	return bm_personality_find(name);
}

const char *sc_os_family(const char *release, char *buf, size_t len)
{
	/* "linux-6.18-fc" -> "linux": the name up to "-<digit>" */
	const char *dash = release;
	while ((dash = strchr(dash, '-')) && !(dash[1] >= '0' && dash[1] <= '9'))
		dash++;
	if (!dash || (size_t)(dash - release) >= len)
		return NULL;
	snprintf(buf, len, "%.*s", (int)(dash - release), release);
	const bm_policy *fam = sc_policy_find(buf), *rel = sc_policy_find(release);
	return bm_personality_alias_of(buf) && fam && rel && strcmp(fam->family, rel->family) == 0
	       ? buf : NULL;
}

int sc_canonical_os(const char *name, char *out)
{
	const bm_policy *pol = sc_policy_find(name);
	if (!pol)
		return -1;
	char fam[SC_OSLEN];
	/* "linux", "LINUX" or "android": the family name, bound at run time */
	if (bm_personality_alias_of(name) && sc_os_family(pol->name, fam, sizeof fam) &&
	    sc_policy_find(fam) == pol)
		str_copy(out, SC_OSLEN, fam);
	else
		str_copy(out, SC_OSLEN, pol->name);
	return 0;
}

const char *sc_rebind_os(const sc_run_opts *opts, const char *os)
{
	char fam[SC_OSLEN];
	if (!opts || !bm_personality_alias_of(os))
		return os;
	for (int i = 0; i < opts->nos; i++)
		if (!bm_personality_alias_of(opts->os[i]) &&
		    sc_os_family(opts->os[i], fam, sizeof fam) && strcmp(fam, os) == 0)
			return opts->os[i];
	return os;
}

static int personality(parser *p, int i, char *out)
{
	if (strcmp(p->t[i].s, "*") == 0) {
		snprintf(out, SC_OSLEN, "*");
		return 0;
	}
	if (sc_canonical_os(p->t[i].s, out) != 0)
		return fail(p, p->t[i].col, "unknown personality '%.40s' (try: os)", p->t[i].s);
	return 0;
}

/* The personalities from token i on (os A B C, compare A B C). */
static int personalities(parser *p, int i, sc_cmd *c)
{
	for (; i < p->n; i++) {
		if (c->nos == SC_MAXOS)
			return fail(p, p->t[i].col, "too many personalities%s", NULL);
		int r = personality(p, i, c->os[c->nos]);
		if (r != 0)
			return r;
		c->nos++;
	}
	return 0;
}

/* One deliver outcome: receivers joined by '+' (or ','), kept sorted so
 * that two lists compare as strings; "none" or ECONNREFUSED for nobody. */
static int parse_receivers(parser *p, const char *val, int vcol, const char **res,
                           bm_result *code)
{
	char out[16 * SC_NAMELEN];
	size_t outlen = sizeof out;
	if (strcmp(val, "none") == 0 || strcasecmp(val, "ECONNREFUSED") == 0) {
		*res = "none";
		*code = BM_ECONNREFUSED;
		return 0;
	}
	char names[16][SC_NAMELEN];
	int nn = 0;
	char buf[SC_MAXLINE + 1];
	size_t vlen = strlen(val);
	if (strstr(val, "++") || strstr(val, ",,") || strstr(val, "+,") ||
	    strstr(val, ",+") || val[0] == '+' || val[0] == ',' ||
	    (vlen && (val[vlen - 1] == '+' || val[vlen - 1] == ',')))
		return fail(p, vcol, "bad receiver list '%.60s'", val);
	str_copy(buf, sizeof buf, val);
	for (char *s = strtok(buf, "+,"); s; s = strtok(NULL, "+,")) {
		if (!valid_name(s) || nn == 16)
			return fail(p, vcol, "bad receiver list '%.60s'", val);
		str_copy(names[nn++], SC_NAMELEN, s);
	}
	if (nn == 0)
		return fail(p, vcol, "bad receiver list '%.60s'", val);
	qsort(names, (size_t)nn, SC_NAMELEN, (int (*)(const void *, const void *))strcmp);
	out[0] = 0;
	for (int k = 0; k < nn; k++) {
		if (strlen(out) + strlen(names[k]) + 2 > outlen)
			return fail(p, vcol, "receiver list too long", NULL);
		if (k)
			strcat(out, "+");
		strcat(out, names[k]);
	}
	if (!(*res = pool_add(p, out, strlen(out))))
		return fail(p, vcol, "receiver list too long", NULL);
	*code = BM_OK;
	return 0;
}

/* The outcomes of one expectation, joined by '|': "ok|EADDRINUSE", "a|b". */
static int parse_outcome_set(parser *p, const sc_cmd *c, sc_expect *x, const char *val,
                             int vcol)
{
	char buf[SC_MAXLINE + 1];
	str_copy(buf, sizeof buf, val);
	size_t vlen = strlen(buf);
	if (vlen == 0 || buf[0] == '|' || buf[vlen - 1] == '|' || strstr(buf, "||"))
		return fail(p, vcol, "bad outcome set '%.60s' (write ok|EADDRINUSE)", val);
	x->is_receivers = c->kind == SC_DELIVER;
	char *save = NULL;
	for (char *one = strtok_r(buf, "|", &save); one; one = strtok_r(NULL, "|", &save)) {
		int col = vcol + (int)(one - buf);
		if (x->nalt == SC_MAXALT)
			return fail(p, col, "more than 4 outcomes in a set%s", NULL);
		bm_result code;
		if (x->is_receivers) {
			if (parse_receivers(p, one, col, &x->alt_receivers[x->nalt], &code) != 0)
				return -1;
		} else if (bm_result_from_name(one, &code) != 0) {
			return fail(p, col, "unknown result '%.40s' (ok or an errno name)", one);
		}
		x->alt[x->nalt++] = code;
	}
	x->code = x->alt[0];
	if (x->is_receivers)
		x->receivers = x->alt_receivers[0];
	return 0;
}

/* Rule ids found already (issue 11): checking a `[rule]` walked every
 * rule table with strcmp, on each line that names one.  A (table, id) found
 * stays found (rule tables are static, policies are only ever added), so a
 * direct-mapped memory of hits answers again; a miss walks as before. */
#define RULE_SEEN 1024
static struct {
	const bm_policy *pol;    /* with any 0: this one's table */
	int any;                 /* in some personality's table */
	char id[SC_RULELEN];
} rule_seen[RULE_SEEN];

static int rule_in_any(const char *id)
{
	for (size_t k = 0; k < bm_personality_count(); k++)
		if (bm_policy_rule(bm_personality_at(k), id))
			return 1;
	for (size_t k = 0; k < nregistered; k++)
		if (bm_policy_rule(registered[k], id))
			return 1;
	return 0;
}

/* Is id in pol's table (any: in some personality's)? */
static int rule_exists(const bm_policy *pol, int any, const char *id)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)pol ^ (uint64_t)any;
	for (const char *s = id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	size_t i = (size_t)(h ^ (h >> 32)) % RULE_SEEN;
	if (rule_seen[i].pol == pol && rule_seen[i].any == any && strcmp(rule_seen[i].id, id) == 0)
		return 1;
	if (!(any ? rule_in_any(id) : bm_policy_rule(pol, id) != NULL))
		return 0;
	if (strlen(id) < sizeof rule_seen[i].id) {
		rule_seen[i].pol = pol;
		rule_seen[i].any = any;
		strcpy(rule_seen[i].id, id);
	}
	return 1;
}

/* "[rule.id]" after an outcome: the rule must exist in the personality the
 * expectation is for (any personality for "*"). */
static int parse_rule(parser *p, sc_expect *x, const char *tokn, int col)
{
	size_t n = strlen(tokn);
	if (n < 3 || tokn[0] != '[' || tokn[n - 1] != ']' || n - 2 >= SC_RULELEN)
		return fail(p, col, "expected [rule.id], got '%.60s'", tokn);
	if (x->rule[0])
		return fail(p, col, "two rules for one expectation%s", NULL);
	if (!(x->rule = pool_add(p, tokn + 1, n - 2)))
		return fail(p, col, "rule too long%s", NULL);
	int any = strcmp(x->os, "*") == 0;
	if (rule_exists(any ? NULL : sc_policy_find(x->os), any, x->rule))
		return 0;
	return fail(p, col + 1, "unknown rule id '%.60s' (see spec/*.md)", x->rule);
}

/*
 * The expectations after "=>": items of the form [OS:]OUTCOMES [[RULE]],
 * where OUTCOMES is one result or several joined by '|', and the optional
 * rule, in brackets, is its own word or follows the outcome directly
 * (`ok [linux.udp.bind.reuseaddr]`, `linux:ok[linux.udp.bind.reuseaddr]`).
 * A rule belongs to the item before it.
 */

/* A host name: a letter, then letters, digits, '_' or '-'. */
static int valid_host(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SC_NAMELEN || n >= BM_HOSTNAME_LEN || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* host NAME PERSONALITY ADDR[,ADDR...]: name, os[0], and the addresses,
 * each checked, in arg as written. */
static int parse_host(parser *p, int i, sc_cmd *c)
{
	if (need(p, i, "host name") != 0)
		return -1;
	if (!valid_host(p->t[i].s))
		return fail(p, p->t[i].col, "bad host name '%.40s'", p->t[i].s);
	if (strcmp(p->t[i].s, "local") == 0)
		return fail(p, p->t[i].col, "'local' is the host of the os line%s", NULL);
	str_copy(c->name, sizeof c->name, p->t[i].s);
	if (need(p, i + 1, "personality") != 0 || personality(p, i + 1, c->os[0]) != 0)
		return -1;
	if (strcmp(c->os[0], "*") == 0)
		return fail(p, p->t[i + 1].col, "a host needs one personality%s", NULL);
	c->nos = 1;
	if (need(p, i + 2, "address[,address...]") != 0)
		return -1;
	const char *list = p->t[i + 2].s;
	if (strlen(list) >= sizeof c->arg)
		return fail(p, p->t[i + 2].col, "address list too long%s", NULL);
	char buf[256];
	str_copy(buf, sizeof buf, list);
	for (char *save = NULL, *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		bm_endpoint ep;
		if (bm_addr_parse(a, &ep) != 0 || bm_addr_is_any(&ep) || bm_addr_is_multicast(&ep) ||
		    bm_addr_is_loopback(&ep))
			return fail(p, p->t[i + 2].col, "bad host address '%.40s' (unicast, not loopback)",
			            a);
	}
	if (list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
		return fail(p, p->t[i + 2].col, "empty address in '%.40s'", list);
	str_copy(c->arg, sizeof c->arg, list);
	return no_more(p, i + 3);
}

static int parse_expect(parser *p, int i, sc_cmd *c)
{
	if (i >= p->n)
		return fail(p, p->t[i - 1].col + 2, "missing expectation after '=>'", NULL);
	for (; i < p->n; i++) {
		if (p->t[i].s[0] == '[') {
			if (p->nx == 0)
				return fail(p, p->t[i].col, "a rule must follow an outcome%s", NULL);
			if (parse_rule(p, &p->x[p->nx - 1], p->t[i].s, p->t[i].col) != 0)
				return -1;
			continue;
		}
		if (p->nx == SC_MAXEXPECT)
			return fail(p, p->t[i].col, "too many expectations", NULL);
		sc_expect *x = &p->x[p->nx];
		memset(x, 0, sizeof *x);
		x->receivers = x->rule = "";
		char *val = p->t[i].s;
		char *colon = strchr(val, ':');
		int vcol = p->t[i].col;
		if (colon) {
			*colon = 0;
			if (personality(p, i, x->os) != 0)
				return -1;
			val = colon + 1;
			vcol += (int)(val - p->t[i].s);
		} else {
			snprintf(x->os, sizeof x->os, "*");
		}
		for (int k = 0; k < p->nx; k++)
			if (strcmp(p->x[k].os, x->os) == 0)
				return fail(p, p->t[i].col, "two expectations for '%s'", x->os);
		char *bracket = strchr(val, '[');
		int rcol = vcol + (bracket ? (int)(bracket - val) : 0);
		char rule[SC_MAXLINE + 1];   /* not zeroed: 4 KB a line (issue 11) */
		rule[0] = 0;
		if (bracket) {
			str_copy(rule, sizeof rule, bracket);
			*bracket = 0;
		}
		if (parse_outcome_set(p, c, x, val, vcol) != 0)
			return -1;
		if (bracket && parse_rule(p, x, rule, rcol) != 0)
			return -1;
		p->nx++;
	}
	return 0;
}

static int parse_set(parser *p, int i, sc_cmd *c)
{
	if (need(p, i, "knob name") != 0)
		return -1;
	const char *k = p->t[i].s;
	if (need(p, i + 1, "value") != 0)
		return -1;
	const char *v = p->t[i + 1].s;
	int vcol = p->t[i + 1].col;
	unsigned long a, b;
	if (strcasecmp(k, "ephemeral") == 0) {
		char lo[16], hi[16];
		const char *dash = strchr(v, '-');
		if (!dash || dash - v >= 16 || strlen(dash + 1) >= 16)
			return fail(p, vcol, "expected LO-HI, e.g. 32768-60999", NULL);
		memcpy(lo, v, (size_t)(dash - v));
		lo[dash - v] = 0;
		str_copy(hi, sizeof hi, dash + 1);
		if (parse_ulong(lo, 65535, &a) || parse_ulong(hi, 65535, &b) || a < 1 || a > b)
			return fail(p, vcol, "expected LO-HI with 1 <= LO <= HI <= 65535", NULL);
		c->knob = BM_KNOB_EPHEMERAL_LO;
		c->lo = (long)a;
		c->hi = (long)b;
		return no_more(p, i + 2);
	}
	if (strcasecmp(k, "time_wait") == 0) {
		uint64_t ms;
		if (parse_duration(v, &ms) != 0 || ms > 24ull * 3600 * 1000)
			return fail(p, vcol, "expected a duration such as 60s", NULL);
		c->knob = BM_KNOB_TIME_WAIT_MS;
		c->lo = (long)ms;
		return no_more(p, i + 2);
	}
	if (bm_knob_from_name(k, &c->knob) != 0 || c->knob == BM_KNOB_EPHEMERAL_LO ||
	    c->knob == BM_KNOB_EPHEMERAL_HI)
	{
		char msg[240];
		int len = snprintf(msg, sizeof msg, "unknown knob '%%s' (");
		for (size_t w = 0; sc_knob_word(w) && len > 0 && (size_t)len < sizeof msg; w++)
			len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s", w ? ", " : "",
			                sc_knob_word(w));
		if (len > 0 && (size_t)len < sizeof msg - 1)
			snprintf(msg + len, sizeof msg - (size_t)len, ")");
		char word[41];
		str_copy(word, sizeof word, k);
		return fail(p, p->t[i].col, msg, word);
	}
	unsigned long max = c->knob == BM_KNOB_UNPRIVILEGED_PORT_START ? 65536
	                  : c->knob == BM_KNOB_TW_REUSE ? 2 : 1;
	if (parse_ulong(v, max, &a) != 0)
		return fail(p, vcol, "value out of range for %s", k);
	c->lo = (long)a;
	return no_more(p, i + 2);
}

static int parse_setsockopt(parser *p, int i, sc_cmd *c)
{
	if (socket_name(p, i, c->target) != 0 || need(p, i + 1, "option name") != 0)
		return -1;
	if (bm_option_from_name(p->t[i + 1].s, &c->opt) != 0)
		return fail(p, p->t[i + 1].col, "unknown option '%.40s'", p->t[i + 1].s);
	if (i + 2 >= p->n && c->opt != BM_SO_BINDTODEVICE && c->opt != BM_SO_LINGER) {
		c->value = 1;   /* `setsockopt a SO_REUSEADDR` sets the flag */
		return 0;
	}
	if (need(p, i + 2, "option value") != 0)
		return -1;
	const char *v = p->t[i + 2].s;
	int vcol = p->t[i + 2].col;
	unsigned long n;
	if (c->opt == BM_SO_BINDTODEVICE) {
		if (strlen(v) >= BM_DEVLEN)
			return fail(p, vcol, "interface name too long", NULL);
		str_copy(c->dev, sizeof c->dev, strcmp(v, "\"\"") == 0 ? "" : v);
	} else if (c->opt == BM_SO_LINGER) {
		if (strcasecmp(v, "off") == 0)
			c->value = -1;
		else if (parse_ulong(v, 65535, &n) == 0)
			c->value = (int)n;
		else
			return fail(p, vcol, "SO_LINGER takes off or seconds", NULL);
	} else if (strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0) {
		c->value = 1;
	} else if (strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0) {
		c->value = 0;
	} else {
		return fail(p, vcol, "expected 0 or 1", NULL);
	}
	return no_more(p, i + 3);
}

/* Split the line into tokens; '=', '=>' and '->' stand alone. */
static int tokenize(const char *line, parser *p)
{
	int n = 0;
	size_t len = strlen(line), w = 0;
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)line[i];
		if (ch == '#')
			break;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			i++;
			continue;
		}
		if (ch < 0x20 || ch >= 0x7f)
			return fail(p, (int)i + 1, "unexpected byte%s (the language is ASCII)", NULL);
		if (n == MAXTOK)
			return fail(p, (int)i + 1, "too many words on one line%s", NULL);
		tok *t = &p->t[n++];
		t->col = (int)i + 1;
		t->s = p->words + w;
		size_t j = 0;
		if (ch == '=' && line[i + 1] == '>') {
			strcpy(t->s, "=>");
			w += 3;
			i += 2;
			continue;
		}
		if (ch == '-' && line[i + 1] == '>') {
			strcpy(t->s, "->");
			w += 3;
			i += 2;
			continue;
		}
		if (ch == '=') {
			strcpy(t->s, "=");
			w += 2;
			i++;
			continue;
		}
		while (i < len) {
			ch = (unsigned char)line[i];
			if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '#' ||
			    (ch == '=' && j > 0) || (ch == '-' && line[i + 1] == '>'))
				break;
			if (ch < 0x20 || ch >= 0x7f)
				return fail(p, (int)i + 1, "unexpected byte%s (the language is ASCII)", NULL);
			t->s[j++] = (char)ch;
			i++;
		}
		t->s[j] = 0;
		w += j + 1;
	}
	p->n = n;
	return 0;
}

/* s moved from p's pool to pool, or s itself when it is not in the pool. */
static const char *rebase(const parser *p, char *pool, const char *s)
{
	/* compared as integers: s may point anywhere (a literal) */
	uintptr_t a = (uintptr_t)s, lo = (uintptr_t)p->pool;
	if (s && a >= lo && a < lo + sizeof p->pool)
		return pool + (a - lo);
	return s;
}

static int keep(parser *p, sc_cmd *c, const char *text, size_t tlen);

int sc_parse_line(const char *line, int lineno, sc_cmd *c, char *err, size_t errlen, int *col)
{
	parser p;
	p.n = p.nx = 0;
	p.npool = 0;
	p.err = err;
	p.errlen = errlen;
	p.col = col;
	tok *toks = p.t;
	int rc = -1;
	size_t tstart = 0, tlen = 0;   /* the command's text in line */
	if (err && errlen)
		err[0] = 0;
	if (col)
		*col = 0;
	sc_cmd_free(c);
	c->line = lineno;
	if (!line) {
		rc = 0;
		goto out;
	}
	if (strlen(line) > SC_MAXLINE) {
		fail(&p, SC_MAXLINE + 1, "line longer than %s characters", "4096");
		goto out;
	}
	if (tokenize(line, &p) != 0)
		goto out;
	if (p.n == 0) {
		rc = 0;
		goto out;
	}
	/* the expectation, if any, is everything after "=>" */
	int end = p.n;
	for (int i = 0; i < p.n; i++) {
		const char *s = toks[i].s;
		if (s[0] == '=' && s[1] == '>' && !s[2]) {
			end = i;
			break;
		}
	}
	{
		/* keep the command text without its expectation, for save/compare */
		size_t stop = end < p.n ? (size_t)toks[end].col - 1 : strlen(line);
		const char *hash = strchr(line, '#');
		if (hash && (size_t)(hash - line) < stop)
			stop = (size_t)(hash - line);
		while (stop > 0 && isspace((unsigned char)line[stop - 1]))
			stop--;
		tstart = (size_t)toks[0].col - 1;
		tlen = stop > tstart ? stop - tstart : 0;
	}
	int total = p.n;
	p.n = end;
	int i = 0;
	if (p.n == 0) {
		fail(&p, toks[0].col, "expectation without a command%s", NULL);
		goto out;
	}
	if (p.n >= 2 && strcmp(toks[1].s, "=") == 0) {
		if (!valid_name(toks[0].s)) {
			fail(&p, toks[0].col, "bad socket name '%.40s'", toks[0].s);
			goto out;
		}
		str_copy(c->name, sizeof c->name, toks[0].s);
		i = 2;
		if (need(&p, i, "socket or accept") != 0)
			goto out;
		if (strcmp(toks[i].s, "socket") != 0 && strcmp(toks[i].s, "accept") != 0) {
			fail(&p, toks[i].col, "expected 'socket' or 'accept' after '=', got '%.40s'",
			     toks[i].s);
			goto out;
		}
	}
	const char *w = toks[i].s;
	size_t k = command_index(w);
	if (k == NCOMMANDS) {
		fail(&p, toks[i].col, "unknown command '%.40s' (try: help)", w);
		goto out;
	}
	c->kind = commands[k].kind;
	if ((c->kind == SC_SOCKET || c->kind == SC_ACCEPT) && !c->name[0]) {
		fail(&p, toks[i].col, "write NAME = %s ...", w);
		goto out;
	}
	i++;
	int r = 0;
	unsigned long n;
	switch (c->kind) {
	case SC_OS:
		if (i >= p.n)
			break;   /* "os" alone lists personalities */
		r = personalities(&p, i, c);
		break;
	case SC_USER:
		if ((r = need(&p, i, "uid")) != 0)
			break;
		if (parse_ulong(toks[i].s, 4294967295ul, &n) != 0) {
			r = fail(&p, toks[i].col, "uid must be 0..4294967295%s", NULL);
			break;
		}
		c->uid = (uint32_t)n;
		r = no_more(&p, i + 1);
		break;
	case SC_ADDR:
		if ((r = need(&p, i, "'add'")) != 0)
			break;
		if (strcmp(toks[i].s, "add") != 0) {
			r = fail(&p, toks[i].col, "expected 'addr add ADDRESS [dev IF]'%s", NULL);
			break;
		}
		if ((r = need(&p, i + 1, "address")) != 0)
			break;
		if (bm_addr_parse(toks[i + 1].s, &c->ep) != 0 || bm_addr_is_any(&c->ep) ||
		    bm_addr_is_multicast(&c->ep)) {
			r = fail(&p, toks[i + 1].col, "bad unicast address '%.40s'", toks[i + 1].s);
			break;
		}
		str_copy(c->arg, sizeof c->arg, toks[i + 1].s);
		i += 2;
		if (i < p.n) {
			if (strcmp(toks[i].s, "dev") != 0 || i + 1 >= p.n ||
			    strlen(toks[i + 1].s) >= BM_DEVLEN) {
				r = fail(&p, toks[i].col, "expected 'dev IFNAME'%s", NULL);
				break;
			}
			str_copy(c->dev, sizeof c->dev, toks[i + 1].s);
			i += 2;
		}
		r = no_more(&p, i);
		break;
	case SC_SET:
		r = parse_set(&p, i, c);
		break;
	case SC_SOCKET:
		if ((r = need(&p, i, "tcp4, tcp6, udp4 or udp6")) != 0)
			break;
		if (parse_family_proto(toks[i].s, &c->fam, &c->proto) != 0) {
			r = fail(&p, toks[i].col, "expected tcp4, tcp6, udp4 or udp6, got '%.40s'",
			         toks[i].s);
			break;
		}
		r = no_more(&p, i + 1);
		break;
	case SC_SETSOCKOPT:
		r = parse_setsockopt(&p, i, c);
		break;
	case SC_BIND:
	case SC_CONNECT:
		if ((r = socket_name(&p, i, c->target)) != 0 || (r = endpoint(&p, i + 1, &c->ep)) != 0)
			break;
		if (c->kind == SC_CONNECT && i + 2 < p.n && strcmp(toks[i + 2].s, "nonblock") == 0) {
			c->nonblock = 1;
			i++;
		}
		r = no_more(&p, i + 2);
		break;
	case SC_HOST:
		r = parse_host(&p, i, c);
		break;
	case SC_ON:
		if ((r = need(&p, i, "host name")) != 0)
			break;
		if (!valid_host(toks[i].s)) {
			r = fail(&p, toks[i].col, "bad host name '%.40s'", toks[i].s);
			break;
		}
		str_copy(c->name, sizeof c->name, toks[i].s);
		r = no_more(&p, i + 1);
		break;
	case SC_LISTEN:
		if ((r = socket_name(&p, i, c->target)) != 0)
			break;
		/* an optional backlog, which no rule looks at */
		if (i + 1 < p.n && parse_ulong(toks[i + 1].s, 65535, &n) == 0)
			i++;
		r = no_more(&p, i + 1);
		break;
	case SC_CLOSE:
	case SC_ACCEPT:
		if ((r = socket_name(&p, i, c->target)) != 0)
			break;
		r = no_more(&p, i + 1);
		break;
	case SC_ADVANCE:
		if ((r = need(&p, i, "duration (e.g. 60s)")) != 0)
			break;
		if (parse_duration(toks[i].s, &c->ms) != 0) {
			r = fail(&p, toks[i].col, "bad duration '%.40s' (ms, s, m)", toks[i].s);
			break;
		}
		r = no_more(&p, i + 1);
		break;
	case SC_DELIVER:
		if ((r = need(&p, i, "protocol")) != 0)
			break;
		if (parse_family_proto(toks[i].s, &c->fam, &c->proto) != 0) {
			r = fail(&p, toks[i].col, "expected tcp4, tcp6, udp4 or udp6, got '%.40s'",
			         toks[i].s);
			break;
		}
		if ((r = endpoint(&p, i + 1, &c->ep)) != 0)
			break;
		if ((r = need(&p, i + 2, "'->'")) != 0)
			break;
		if (strcmp(toks[i + 2].s, "->") != 0) {
			r = fail(&p, toks[i + 2].col, "expected '->'%s", NULL);
			break;
		}
		if ((r = endpoint(&p, i + 3, &c->ep2)) != 0)
			break;
		if (c->ep.family != c->fam || c->ep2.family != c->fam) {
			r = fail(&p, toks[i + 1].col, "addresses must be of the protocol's family%s", NULL);
			break;
		}
		r = no_more(&p, i + 4);
		break;
	case SC_SAVE:
		if ((r = need(&p, i, "file name")) != 0)
			break;
		str_copy(c->arg, sizeof c->arg, toks[i].s);
		/* --with-results (flag 1), --force (flag 2: overwrite), any order */
		for (; i + 1 < p.n; i++) {
			if (strcmp(toks[i + 1].s, "--with-results") == 0)
				c->flag |= 1;
			else if (strcmp(toks[i + 1].s, "--force") == 0)
				c->flag |= 2;
			else
				break;
		}
		r = no_more(&p, i + 1);
		break;
	case SC_LOAD:
		if ((r = need(&p, i, "file name")) != 0)
			break;
		str_copy(c->arg, sizeof c->arg, toks[i].s);
		r = no_more(&p, i + 1);
		break;
	case SC_COMPARE:
		r = personalities(&p, i, c);
		break;
	case SC_SHOW:
	case SC_EXPLAIN:
	case SC_HELP:
		if (i < p.n) {
			str_copy(c->arg, sizeof c->arg, toks[i].s);
			r = no_more(&p, i + 1);
		}
		break;
	default:
		r = no_more(&p, i);
		break;
	}
	if (r != 0)
		goto out;
	if (end < total) {
		if (!sc_kind_compared(c->kind)) {
			fail(&p, toks[end].col, "'%s' takes no expectation", sc_kind_name(c->kind));
			goto out;
		}
		p.n = total;
		if (parse_expect(&p, end + 1, c) != 0)
			goto out;
	}
	if (keep(&p, c, line + tstart, tlen) != 0)
		goto out;
	rc = 1;
out:
	return rc;
}

/* Move the expectations, their strings and the text into one block that c
 * owns: [sc_expect x nx][pool][text]. */
static int keep(parser *p, sc_cmd *c, const char *text, size_t tlen)
{
	size_t xs = (size_t)p->nx * sizeof(sc_expect);
	char *mem = malloc(xs + p->npool + tlen + 1);
	if (!mem)
		return fail(p, 1, "out of memory%s", NULL);
	char *pool = mem + xs, *t = pool + p->npool;
	memcpy(pool, p->pool, p->npool);
	memcpy(t, text, tlen);
	t[tlen] = 0;
	sc_expect *x = (sc_expect *)(void *)mem;
	for (int i = 0; i < p->nx; i++) {
		x[i] = p->x[i];
		/* strings in the pool move with it; literals ("", "none") stay */
		x[i].rule = rebase(p, pool, x[i].rule);
		x[i].receivers = rebase(p, pool, x[i].receivers);
		for (int k = 0; k < x[i].nalt; k++)
			x[i].alt_receivers[k] = rebase(p, pool, x[i].alt_receivers[k]);
	}
	c->mem = mem;
	c->expect = p->nx ? x : NULL;
	c->nexpect = p->nx;
	c->text = t;
	return 0;
}

void sc_cmd_free(sc_cmd *c)
{
	free(c->mem);
	memset(c, 0, sizeof *c);
	c->text = "";
}

int sc_cmd_set_text(sc_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
	/* a command built by hand has no expectations: its block is its text */
	free(c->mem);
	c->mem = t;
	c->expect = NULL;
	c->nexpect = 0;
	c->text = "";
	if (!t)
		return -1;
	va_start(ap, fmt);
	vsnprintf(t, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c->text = t;
	return 0;
}

static const sc_expect *expect_keyed(const sc_cmd *c, const char *key)
{
	for (int i = 0; key && i < c->nexpect; i++)
		if (strcmp(c->expect[i].os, key) == 0)
			return &c->expect[i];
	return NULL;
}

const sc_expect *sc_expect_lookup(const sc_cmd *c, const char *os)
{
	if (c->nexpect == 0)
		return NULL;
	const bm_policy *pol = os ? sc_policy_find(os) : NULL;
	char fam[SC_OSLEN];
	const sc_expect *x = expect_keyed(c, os);
	if (!x && pol)
		x = expect_keyed(c, pol->name);
	if (!x && pol)
		x = expect_keyed(c, sc_os_family(pol->name, fam, sizeof fam));
	return x ? x : expect_keyed(c, "*");
}

int sc_expect_has(const sc_expect *x, const sc_outcome *o)
{
	for (int i = 0; i < x->nalt; i++) {
		if (x->is_receivers ? strcmp(o->receivers, x->alt_receivers[i]) == 0
		                    : o->code == x->alt[i])
			return 1;
	}
	return 0;
}

int sc_outcome_matches_all(const sc_outcome *o, const sc_expect *x)
{
	if (x->nalt == 1 && !x->is_receivers ? o->code != x->alt[0] : !sc_expect_has(x, o))
		return 0;
	/* the kernel has no rule ids: its outcomes are checked on the result */
	return !x->rule[0] || !o->verdict.rule || strcmp(o->verdict.rule, x->rule) == 0;
}

int sc_outcome_is_set(const sc_outcome *o)
{
	return o->verdict.alt_rule != NULL && o->verdict.alt != o->code;
}

const char *sc_expect_text(const sc_expect *x, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < x->nalt && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "",
		                      x->is_receivers ? x->alt_receivers[i] : bm_result_name(x->alt[i]));
	if (x->rule[0] && n < len)
		snprintf(buf + n, len - n, " [%s]", x->rule);
	return buf;
}

int sc_kind_compared(sc_kind k)
{
	return k >= SC_SOCKET && k <= SC_DELIVER && k != SC_ADVANCE;
}

/* Is k's single receiver a member of the SO_REUSEPORT group the model
 * delivered to ("+a++b+")? */
static int in_receiver_group(const sc_outcome *m, const sc_outcome *k)
{
	char pat[SC_RECVLEN + 2];
	if (!m->alt_receivers[0] || strchr(k->receivers, '+'))
		return 0;
	snprintf(pat, sizeof pat, "+%s+", k->receivers);
	return strstr(m->alt_receivers, pat) != NULL;
}

sc_agree sc_outcomes_agree(const sc_cmd *c, const sc_outcome *m, const sc_expect *x,
                           const sc_outcome *k)
{
	if (c->kind == SC_DELIVER ? strcmp(m->receivers, k->receivers) == 0 : m->code == k->code)
		return SC_SAME;
	/* the model's own second answer */
	if (c->kind != SC_DELIVER && sc_outcome_is_set(m) && k->code == m->verdict.alt)
		return SC_WITHIN_SET;
	/* which member of an SO_REUSEPORT group gets a datagram is a hash */
	if (c->kind == SC_DELIVER && in_receiver_group(m, k))
		return SC_WITHIN_SET;
	/* the file says the answer is a set, and the model's is one of it */
	if (x && x->nalt > 1 && sc_expect_has(x, m) && sc_expect_has(x, k))
		return SC_WITHIN_SET;
	return SC_DIFFER;
}

const char *sc_outcome_text(const sc_outcome *o, const bm_host *h, char *buf, size_t len)
{
	if (o->is_deliver)
		snprintf(buf, len, "%s", o->receivers);
	else
		snprintf(buf, len, "%s", h ? bm_host_error_name(h, o->code) : bm_result_name(o->code));
	return buf;
}
