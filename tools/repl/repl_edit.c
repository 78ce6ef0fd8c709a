/* SPDX-License-Identifier: MIT */
/*
 * repl_edit.c: the terminal side of the session, on libedit: the prompt,
 * persistent history (~/.bindmodel_history or $BINDMODEL_HISTORY), Tab
 * completion from what the session knows (commands, socket names, options,
 * personalities, knobs, endpoints, files), and Ctrl-C.
 *
 * Ctrl-C: libedit's own signal handling re-raises SIGINT to the whole
 * process group, so we read characters ourselves (EL_GETCFN) and turn a
 * SIGINT that interrupts read() into an error: el_gets() gives up, the line
 * is discarded and the loop prompts again.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <histedit.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "repl.h"

static volatile sig_atomic_t got_int, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_int = 1;
	else
		got_winch = 1;
}

static int read_char(EditLine *el, wchar_t *wc)
{
	char buf[MB_LEN_MAX];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t k = read(STDIN_FILENO, &ch, 1);
		if (k == 1) {
			mbstate_t st;
			memset(&st, 0, sizeof st);
			buf[n++] = ch;
			size_t m = mbrtowc(wc, buf, n, &st);
			if (m == (size_t)-2 && n < sizeof buf)
				continue;
			if (m == (size_t)-1 || m == (size_t)-2)
				*wc = 0xFFFD;   /* not text: the parser will say so */
			return 1;
		}
		if (k == 0)
			return 0;
		if (errno == EINTR) {
			if (got_int) {
				errno = EINTR;
				return -1;
			}
			if (got_winch) {
				got_winch = 0;
				el_resize(el);
				el_set(el, EL_REFRESH);
			}
			continue;
		}
		return -1;
	}
}

/* ------------------------------------------------------------- prompt */

static char prompt_buf[128];

static char *prompt(EditLine *el)
{
	(void)el;
	return prompt_buf;
}

static void set_prompt(repl *r)
{
	if (r->color)
		snprintf(prompt_buf, sizeof prompt_buf, "\1" C_BOLD C_CYAN "\1%s\1" C_RESET "\1> ",
		         r->os);
	else
		snprintf(prompt_buf, sizeof prompt_buf, "%s> ", r->os);
	r->prompt_len = strlen(r->os) + 2;
}

/* --------------------------------------------------------- completion */

typedef struct cands {
	char *v[512];
	size_t n;
	const char *word;
} cands;

static void add(cands *c, const char *s)
{
	if (c->n == sizeof c->v / sizeof *c->v || !s)
		return;
	if (strncasecmp(s, c->word, strlen(c->word)) != 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0)
			return;
	char *d = strdup(s);
	if (d)
		c->v[c->n++] = d;
}

static void add_names(cands *c, const repl *r)
{
	size_t n;
	const char **names = repl_socket_names(r, &n);
	for (size_t i = 0; names && i < n; i++)
		add(c, names[i]);
	free(names);
}

static void add_personalities(cands *c, int aliases)
{
	for (size_t i = 0; i < bm_personality_count(); i++)
		add(c, bm_personality_at(i)->name);
	for (size_t i = 0; aliases && bm_personality_alias_at(i); i++)
		add(c, bm_personality_alias_at(i));
}

/* Only the options this personality has: the others fail ENOPROTOOPT. */
static void add_options(cands *c, const repl *r)
{
	const bm_host *h = sc_model_host(&r->eng);
	unsigned have = h ? bm_host_policy(h)->options : BM_ALL_OPTIONS;
	for (unsigned b = 1; b <= BM_ALL_OPTIONS; b <<= 1)
		if (have & b)
			add(c, bm_option_name((bm_option)b));
	if (have & BM_IP_FREEBIND)
		add(c, "IP_BINDANY");
}

typedef struct ep_ctx {
	cands *c;
	int fam;       /* 0: any */
} ep_ctx;

static int add_listener(const bm_sock_info *s, void *arg)
{
	ep_ctx *x = arg;
	char buf[BM_ENDPOINT_STRLEN];
	if (x->fam && (int)s->family != x->fam)
		return 0;
	if (s->state != BM_STATE_LISTEN && !(s->proto == BM_UDP && s->state == BM_STATE_BOUND))
		return 0;
	bm_endpoint ep = s->local;
	if (bm_addr_is_any(&ep)) {
		if (ep.family == BM_AF_INET)
			bm_endpoint_parse("127.0.0.1:1", &ep, NULL, 0);
		else
			bm_endpoint_parse("[::1]:1", &ep, NULL, 0);
		ep.port = s->local.port;
	}
	add(x->c, bm_endpoint_format(&ep, buf, sizeof buf));
	return 0;
}

/* Endpoints: wildcard, loopback and the added addresses, with a ':' for the
 * port; for connect also the listeners' own endpoints. */
static void add_endpoints(cands *c, const repl *r, const char *sockname, int listeners)
{
	int fam = 0;
	bm_sock_info info;
	bm_sock id = sockname ? sc_model_sock(&r->eng, sockname) : BM_NO_SOCK;
	if (id != BM_NO_SOCK && bm_sock_query(sc_model_host(&r->eng), id, &info) == BM_OK)
		fam = (int)info.family;
	if (fam != BM_AF_INET6) {
		add(c, "0.0.0.0:");
		add(c, "127.0.0.1:");
	}
	if (fam != BM_AF_INET) {
		add(c, "[::]:");
		add(c, "[::1]:");
		add(c, "[::ffff:127.0.0.1]:");
	}
	for (size_t i = 0; i < r->nops; i++) {
		const sc_cmd *k = r->ops[i].cmd;
		if (k->kind != SC_ADDR || r->ops[i].out.code != BM_OK)
			continue;
		char buf[300];
		int v6 = strchr(k->arg, ':') != NULL;
		if ((v6 && fam == BM_AF_INET) || (!v6 && fam == BM_AF_INET6))
			continue;
		snprintf(buf, sizeof buf, v6 ? "[%s]:" : "%s:", k->arg);
		add(c, buf);
	}
	if (listeners) {
		ep_ctx x = {c, fam};
		bm_sock_foreach(sc_model_host(&r->eng), add_listener, &x);
	}
}

static void add_files(cands *c, const char *word)
{
	const char *slash = strrchr(word, '/');
	char dir[PATH_MAX];
	size_t dl = slash ? (size_t)(slash - word) + 1 : 0;
	if (dl >= sizeof dir)
		return;
	memcpy(dir, word, dl);
	dir[dl] = 0;
	DIR *d = opendir(dl ? dir : ".");
	if (!d)
		return;
	const char *base = word + dl;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_name[0] == '.' && base[0] != '.')
			continue;
		if (strncmp(e->d_name, base, strlen(base)) != 0)
			continue;
		char full[PATH_MAX];
		int isdir = e->d_type == DT_DIR;
		if (snprintf(full, sizeof full, "%s%s%s", dir, e->d_name, isdir ? "/" : "") <
		    (int)sizeof full)
			add(c, full);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Candidates for one argument of cmd, named by its synopsis (arg: a
 * placeholder such as NAME or OPTION, or literal words such as
 * "tcp4|tcp6|udp4|udp6" or "--force"); prev are the arguments before it. */
static void add_for_placeholder(cands *c, const repl *r, const sc_command *cmd,
                                const char *arg, char **prev, int nprev)
{
	if (strcmp(arg, "NAME") == 0 || strcmp(arg, "LISTENER") == 0) {
		if (cmd->kind != SC_HOST)   /* host NAME is a new name */
			add_names(c, r);
	} else if (strcmp(arg, "OS") == 0) {
		add_personalities(c, 1);
	} else if (strcmp(arg, "OPTION") == 0) {
		add_options(c, r);
	} else if (strcmp(arg, "VALUE") == 0 && cmd->kind == SC_SETSOCKOPT && nprev >= 2) {
		if (strcasecmp(prev[1], "SO_LINGER") == 0) {
			add(c, "off");
			add(c, "0");
		} else if (strcasecmp(prev[1], "SO_BINDTODEVICE") == 0) {
			add(c, "lo");
			add(c, "eth0");
		} else {
			add(c, "1");
			add(c, "0");
		}
	} else if (strcmp(arg, "ADDRESS:PORT") == 0 || strcmp(arg, "SRC") == 0 ||
	           strcmp(arg, "DST") == 0) {
		/* a connect or a SYN may go to a listener's own endpoint */
		int remote = cmd->kind == SC_CONNECT || strcmp(arg, "DST") == 0;
		add_endpoints(c, r, cmd->kind == SC_DELIVER ? NULL : prev[0], remote);
	} else if (strcmp(arg, "KNOB") == 0) {
		for (size_t i = 0; sc_knob_word(i); i++)
			add(c, sc_knob_word(i));
	} else if (strcmp(arg, "DURATION") == 0) {
		char buf[32];
		long tw = bm_host_knob(sc_model_host(&r->eng), BM_KNOB_TIME_WAIT_MS);
		snprintf(buf, sizeof buf, "%ldms", tw);
		add(c, buf);
		add(c, "1s");
		add(c, "60s");
	} else if (strcmp(arg, "FILE") == 0) {
		add_files(c, c->word);
	} else if (strcmp(arg, "COMMAND") == 0) {
		for (size_t i = 0; sc_command_word(i); i++)
			add(c, sc_command_word(i));
		add(c, "expect");
	} else if (strcmp(arg, "HOST") == 0) {
		const bm_net *net = sc_model_net(&r->eng);
		for (size_t i = 0; net && i < bm_net_count(net); i++)
			add(c, bm_host_name(bm_net_host_at(net, i)));
	} else if (!isupper((unsigned char)arg[0])) {
		/* literal words: "add", "->", "nonblock", "tcp4|tcp6|udp4|udp6" */
		char word[64];
		for (const char *w = arg; *w; w += *w == '|') {
			size_t len = strcspn(w, "|");
			snprintf(word, sizeof word, "%.*s", (int)len, w);
			add(c, word);
			w += len;
		}
	}
}

/* Fill c with what may come at word, the tokens before it being t[0..n). */
static void candidates(cands *c, const repl *r, char **t, int n)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(t[i], "=>") == 0) {
			/* results, optionally after "os:" */
			const char *colon = strchr(c->word, ':');
			char buf[64];
			if (colon) {
				size_t pl = (size_t)(colon - c->word) + 1;
				const char *w = c->word;
				for (int k = 0; k < BM_RESULT_COUNT; k++) {
					snprintf(buf, sizeof buf, "%.*s%s", (int)pl, w,
					         bm_result_name((bm_result)k));
					add(c, buf);
				}
			} else {
				for (int k = 0; k < BM_RESULT_COUNT; k++)
					add(c, bm_result_name((bm_result)k));
				for (size_t k = 0; k < bm_personality_count(); k++) {
					snprintf(buf, sizeof buf, "%s:", bm_personality_at(k)->name);
					add(c, buf);
				}
				add(c, "*:");
			}
			return;
		}
	}
	if (n == 0) {
		/* a command word; socket and accept come after "NAME =" */
		const sc_command *k;
		for (size_t i = 0; (k = sc_command_at(i)) != NULL; i++)
			if (k->synopsis && strncmp(k->synopsis, "NAME = ", 7) != 0)
				add(c, k->word);
		return;
	}
	int assign = n >= 2 && strcmp(t[1], "=") == 0;
	if (assign && n == 2) {
		const sc_command *k;
		for (size_t i = 0; (k = sc_command_at(i)) != NULL; i++)
			if (k->synopsis && strncmp(k->synopsis, "NAME = ", 7) == 0)
				add(c, k->word);
		return;
	}
	const sc_command *cmd = sc_command_find(assign ? t[2] : t[0]);
	char arg[64];
	int first = assign ? 3 : 1;   /* where the arguments start */
	if (!cmd || n < first || sc_synopsis_arg(cmd, (size_t)(n - first), arg, sizeof arg) != 0)
		return;
	add_for_placeholder(c, r, cmd, arg, t + first, n - first);
}

static void list_cands(const cands *c)
{
	struct winsize ws;
	int width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	size_t w = 0;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i]) > w)
			w = strlen(c->v[i]);
	w += 2;
	size_t per = (size_t)width / w ? (size_t)width / w : 1;
	fputc('\n', stdout);
	for (size_t i = 0; i < c->n; i++)
		printf("%-*s%s", (int)w, c->v[i], (i + 1) % per == 0 || i + 1 == c->n ? "\n" : "");
	fflush(stdout);
}

static unsigned char complete(EditLine *el, int ch)
{
	(void)ch;
	repl *r = NULL;
	el_get(el, EL_CLIENTDATA, &r);
	const LineInfo *li = el_line(el);
	size_t upto = (size_t)(li->cursor - li->buffer);
	if (!r || upto > SC_MAXLINE)
		return CC_ERROR;
	char line[SC_MAXLINE + 1];
	memcpy(line, li->buffer, upto);
	line[upto] = 0;
	size_t ws = upto;
	while (ws > 0 && line[ws - 1] != ' ' && line[ws - 1] != '\t')
		ws--;
	char word[SC_MAXLINE + 1];
	snprintf(word, sizeof word, "%s", line + ws);
	line[ws] = 0;
	/* the words before it; "a=socket" is read as "a = socket" */
	char *t[64];
	int n = 0;
	char spaced[2 * SC_MAXLINE + 2];
	size_t j = 0;
	for (size_t i = 0; line[i] && j + 4 < sizeof spaced; i++) {
		if (line[i] == '=' && line[i + 1] != '>') {
			spaced[j++] = ' ';
			spaced[j++] = '=';
			spaced[j++] = ' ';
		} else {
			spaced[j++] = line[i];
		}
	}
	spaced[j] = 0;
	for (char *s = strtok(spaced, " \t"); s && n < 64; s = strtok(NULL, " \t"))
		t[n++] = s;
	if (n > 0 && t[n - 1][0] == '#')
		return CC_ERROR;
	cands c;
	c.n = 0;
	c.word = word;
	candidates(&c, r, t, n);
	unsigned char rc = CC_REFRESH;
	if (c.n == 0) {
		rc = CC_ERROR;
	} else if (c.n == 1) {
		el_deletestr(el, (int)strlen(word));
		el_insertstr(el, c.v[0]);
		size_t l = strlen(c.v[0]);
		if (c.v[0][l - 1] != ':' && c.v[0][l - 1] != '/')
			el_insertstr(el, " ");
	} else {
		qsort(c.v, c.n, sizeof *c.v, cmp_str);
		size_t lcp = strlen(c.v[0]);
		for (size_t i = 1; i < c.n; i++) {
			size_t k = 0;
			while (k < lcp && c.v[i][k] &&
			       tolower((unsigned char)c.v[i][k]) == tolower((unsigned char)c.v[0][k]))
				k++;
			lcp = k;
		}
		if (lcp > strlen(word)) {
			char pre[SC_MAXLINE + 1];
			snprintf(pre, sizeof pre, "%.*s", (int)lcp, c.v[0]);
			el_deletestr(el, (int)strlen(word));
			el_insertstr(el, pre);
		} else {
			list_cands(&c);
			rc = CC_REDISPLAY;
		}
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	return rc;
}

/* ------------------------------------------------------------- loop */

static char *history_path(void)
{
	const char *p = getenv("BINDMODEL_HISTORY");
	if (p && *p)
		return strdup(p);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	size_t len = strlen(home) + 32;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s/.bindmodel_history", home);
	return s;
}

int repl_interactive(repl *r)
{
	setlocale(LC_CTYPE, "");
	struct sigaction sa, old_int, old_winch;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: read() must see EINTR */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGWINCH, &sa, &old_winch);

	EditLine *el = el_init("bindmodel", stdin, stdout, stderr);
	History *hist = history_init();
	HistEvent ev;
	char *hpath = history_path();
	if (!el || !hist) {
		fprintf(stderr, "bindmodel: cannot start line editing\n");
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		free(hpath);
		return 2;
	}
	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (hpath)
		history(hist, &ev, H_LOAD, hpath);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 0);
	el_set(el, EL_CLIENTDATA, r);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_GETCFN, read_char);
	el_set(el, EL_PROMPT_ESC, prompt, '\1');
	/* wide strings: el_set() copies narrow ones for ADDFN and never frees them */
	el_wset(el, EL_ADDFN, L"bm-complete", L"complete a word of the scenario language",
	        complete);
	el_set(el, EL_BIND, "^I", "bm-complete", NULL);
	el_source(el, NULL);

	const bm_policy *p = bm_host_policy(sc_model_host(&r->eng));
	if (!r->json)
		printf("bindmodel %s: socket binding, modelled.  Personality %s%s%s%s%s: %s.\n"
		       "Type help for the commands, Tab to complete, Ctrl-D to leave.\n",
		       BM_VERSION, repl_c(r, C_BOLD), r->os, repl_c(r, C_RESET),
		       strcmp(r->os, p->name) ? " = " : "", strcmp(r->os, p->name) ? p->name : "",
		       p->description);
	int lineno = 0;
	while (!r->quit) {
		set_prompt(r);
		fflush(stdout);
		got_int = 0;
		int count = 0;
		const char *line = el_gets(el, &count);
		if (got_int) {
			got_int = 0;
			fputs("^C\n", stdout);
			continue;
		}
		if (!line) {
			fputc('\n', stdout);
			break;
		}
		char *copy = strdup(line);
		if (!copy)
			break;
		copy[strcspn(copy, "\r\n")] = 0;
		lineno++;
		if (copy[strspn(copy, " \t")]) {
			history(hist, &ev, H_ENTER, copy);
			if (hpath)
				history(hist, &ev, H_SAVE, hpath);
		}
		repl_line(r, copy, lineno);
		free(copy);
		fflush(stdout);
	}
	el_end(el);
	history_end(hist);
	free(hpath);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	return 0;
}
