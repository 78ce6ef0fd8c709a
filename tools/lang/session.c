/* SPDX-License-Identifier: MIT */
/*
 * session.c: the model engine.  It runs scenario commands on a net of
 * hosts (bm_net): the host of the `os` line is `local`, `host NAME OS
 * ADDRS` adds one, and `on NAME` picks the host that socket, addr, set,
 * user and deliver act on.  Socket names are global: a name stands for one
 * socket on one host, and an operation on a named socket acts on that
 * socket's host whatever `on` says (a name given again, on any host, now
 * stands for the new socket).  advance moves every host's clock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

typedef struct name_entry {
	char name[SC_NAMELEN];
	bm_host *host;
	bm_sock id;
} name_entry;

/* A rule id already found in a policy's table.  Verdict rules are the
 * policies' own string constants, so a pointer seen once is known: the
 * session keeps every (policy, rule pointer) it has checked in a hash set
 * (the policies are const and may be the caller's: the memory is here). */
typedef struct rule_key {
	const bm_policy *pol;
	const char *rule;        /* NULL: an empty slot */
} rule_key;

typedef struct model_ctx {
	bm_net *net;
	bm_host *host;           /* the current host (`on`) */
	uint32_t uid;
	name_entry *names;       /* in the order the names were first given */
	size_t n, cap;
	/* open addressing, index + 1 (0: empty), capacity a power of two kept
	 * at most half full: by name, and by (host, handle) the latest name */
	uint32_t *by_name, *by_sock;
	size_t slots;
	size_t sock_used;        /* by_sock slots in use, stale ones included */
	rule_key *rules;         /* open addressing, at most half full */
	size_t rules_cap, nrules;
	rule_key recent[16];     /* the last few found, by pointer bits */
	size_t last_name;        /* entry + 1 of the last name looked up; 0: none */
} model_ctx;

static size_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static size_t hash_sock(const bm_host *h, bm_sock id)
{
	uint64_t x = (uint64_t)(uintptr_t)h * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uint32_t)id;
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	return (size_t)(x ^ (x >> 29));
}

/* strcmp(a, b) == 0 without a call: names are a few characters, and one
 * is looked up on every step. */
static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The slot of name in by_name: its entry's, or the empty one to fill. */
static size_t name_slot(const model_ctx *m, const char *name)
{
	size_t mask = m->slots - 1, i = hash_name(name) & mask;
	while (m->by_name[i] && !same_name(m->names[m->by_name[i] - 1].name, name))
		i = (i + 1) & mask;
	return i;
}

static size_t sock_slot(const model_ctx *m, const bm_host *h, bm_sock id)
{
	size_t mask = m->slots - 1, i = hash_sock(h, id) & mask;
	while (m->by_sock[i]) {
		const name_entry *e = &m->names[m->by_sock[i] - 1];
		/* keyed on the pair the entry had when it was put here */
		if (e->host == h && e->id == id)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* The entry named name, or -1.  Most lines name the socket the line
 * before named (socket s; bind s; listen s): that entry is tried first,
 * without hashing.  Entries never move, so the index stays good. */
static long find_name(model_ctx *m, const char *name)
{
	if (m->last_name && same_name(m->names[m->last_name - 1].name, name))
		return (long)m->last_name - 1;
	if (!m->slots)
		return -1;
	size_t i = name_slot(m, name);
	if (!m->by_name[i])
		return -1;
	m->last_name = m->by_name[i];
	return (long)m->by_name[i] - 1;
}

/* Point (h, id) at entry k, the latest name it was given. */
static void sock_put(model_ctx *m, size_t k)
{
	size_t i = sock_slot(m, m->names[k].host, m->names[k].id);
	m->sock_used += !m->by_sock[i];
	m->by_sock[i] = (uint32_t)(k + 1);
}

/* Build both tables anew with slots slots (a takeover leaves a stale
 * by_sock slot behind: rebuilding drops them). */
static int rebuild(model_ctx *m, size_t slots)
{
	uint32_t *a = calloc(slots, sizeof *a), *b = calloc(slots, sizeof *b);
	if (!a || !b || slots > UINT32_MAX) {
		free(a);
		free(b);
		return -1;
	}
	free(m->by_name);
	free(m->by_sock);
	m->by_name = a;
	m->by_sock = b;
	m->slots = slots;
	m->sock_used = 0;
	for (size_t k = 0; k < m->n; k++) {
		m->by_name[name_slot(m, m->names[k].name)] = (uint32_t)(k + 1);
		sock_put(m, k);
	}
	return 0;
}

static int set_name(model_ctx *m, bm_host *h, const char *name, bm_sock id)
{
	long found = find_name(m, name);
	if (found >= 0) {
		/* an old name taken over by a new socket */
		size_t k = (size_t)found;
		m->names[k].host = h;
		m->names[k].id = id;
		sock_put(m, k);
		/* stale slots pile up with takeovers: sweep them, leaving room
		 * for a quarter of the table's worth before the next sweep */
		if (m->sock_used * 2 > m->slots &&
		    rebuild(m, m->n * 4 > m->slots ? m->slots * 2 : m->slots) != 0)
			return -1;
		return 0;
	}
	/* room for the new name in both tables, at most half full */
	if ((m->n + 1) * 2 > m->slots || (m->sock_used + 1) * 2 > m->slots) {
		size_t slots = m->slots ? m->slots : 64;
		while ((m->n + 1) * 2 > slots)
			slots *= 2;
		if (rebuild(m, slots) != 0)
			return -1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		name_entry *n = realloc(m->names, cap * sizeof *n);
		if (!n)
			return -1;
		m->names = n;
		m->cap = cap;
	}
	snprintf(m->names[m->n].name, SC_NAMELEN, "%s", name);
	m->names[m->n].host = h;
	m->names[m->n].id = id;
	m->by_name[name_slot(m, name)] = (uint32_t)(m->n + 1);
	sock_put(m, m->n);
	m->n++;
	return 0;
}

/* The socket a name stands for, and its host (*h may be NULL). */
static bm_sock get_name(model_ctx *m, const char *name, bm_host **h)
{
	long k = find_name(m, name);
	if (k < 0)
		return BM_NO_SOCK;
	const name_entry *e = &m->names[k];
	if (h)
		*h = e->host;
	return e->id;
}

static const char *name_of(const model_ctx *m, const bm_host *h, bm_sock id)
{
	/* the latest name given to this handle; a name given to it and then
	 * taken over by another socket no longer counts */
	if (!m->slots)
		return NULL;
	size_t i = sock_slot(m, h, id);
	if (m->by_sock[i])
		return m->names[m->by_sock[i] - 1].name;
	return NULL;
}

static size_t rule_slot(const rule_key *keys, size_t cap, const bm_policy *p,
                        const char *rule)
{
	size_t mask = cap - 1;
	size_t i = hash_sock((const bm_host *)(const void *)p, (bm_sock)(uintptr_t)rule) & mask;
	while (keys[i].rule && !(keys[i].rule == rule && keys[i].pol == p))
		i = (i + 1) & mask;
	return i;
}

/* Remember (p, rule); out of memory, it is just not remembered. */
static void rule_remember(model_ctx *m, const bm_policy *p, const char *rule)
{
	if (2 * (m->nrules + 1) > m->rules_cap) {
		size_t cap = m->rules_cap ? 2 * m->rules_cap : 256;
		rule_key *keys = calloc(cap, sizeof *keys);
		if (!keys)
			return;
		for (size_t i = 0; i < m->rules_cap; i++)
			if (m->rules[i].rule)
				keys[rule_slot(keys, cap, m->rules[i].pol, m->rules[i].rule)] = m->rules[i];
		free(m->rules);
		m->rules = keys;
		m->rules_cap = cap;
	}
	rule_key *k = &m->rules[rule_slot(m->rules, m->rules_cap, p, rule)];
	k->pol = p;
	k->rule = rule;
	m->nrules++;
}

/* Is rule in p's table?  By pointer: the check runs on every step, and
 * bm_policy_rule's walk over the table only the first time. */
static int rule_known(model_ctx *m, const bm_policy *p, const char *rule)
{
	/* a step's rule is most often one of the last few: no hashing */
	rule_key *r = &m->recent[((uintptr_t)rule >> 3) & 15];
	if (r->rule == rule && r->pol == p)
		return 1;
	if (!(m->rules_cap && m->rules[rule_slot(m->rules, m->rules_cap, p, rule)].rule)) {
		if (!bm_policy_rule(p, rule))
			return 0;
		rule_remember(m, p, rule);
	}
	r->rule = rule;
	r->pol = p;
	return 1;
}

static int model_reset(void *ctx, const char *os, char *err, size_t errlen)
{
	model_ctx *m = ctx;
	bm_net *net = bm_net_new();
	const bm_policy *p = sc_policy_find(os);
	bm_host *h = net && p ? bm_net_add_host_with_policy(net, "local", p, NULL, 0, NULL) : NULL;
	if (!h) {
		bm_net_free(net);
		snprintf(err, errlen, "unknown personality '%s'", os ? os : "");
		return -1;
	}
	bm_net_free(m->net);
	m->net = net;
	m->host = h;
	m->uid = 0;
	m->n = 0;
	m->last_name = 0;
	if (m->slots) {
		memset(m->by_name, 0, m->slots * sizeof *m->by_name);
		memset(m->by_sock, 0, m->slots * sizeof *m->by_sock);
	}
	m->sock_used = 0;
	return 0;
}

/* host NAME OS ADDR[,ADDR...] */
static int add_host(model_ctx *m, const sc_cmd *c, bm_verdict *v, char *err, size_t errlen)
{
	char list[sizeof c->arg];
	const char *addrs[64];
	size_t n = 0;
	snprintf(list, sizeof list, "%s", c->arg);
	for (char *save = NULL, *a = strtok_r(list, ",", &save); a && n < 64;
	     a = strtok_r(NULL, ",", &save))
		addrs[n++] = a;
	if (bm_net_host(m->net, c->name)) {
		snprintf(err, errlen, "host '%s' exists already", c->name);
		return -1;
	}
	bm_result r = BM_ENOENT;
	const bm_policy *p = sc_policy_find(c->os[0]);
	if (!p || !bm_net_add_host_with_policy(m->net, c->name, p, addrs, n, &r)) {
		snprintf(err, errlen, "cannot add host '%s': %s", c->name,
		         r == BM_EADDRINUSE ? "an address belongs to another host"
		                            : bm_result_name(r));
		return -1;
	}
	bm_verdict_set(v, BM_OK, "core.args", 0, "host %s (%s) added", c->name, c->os[0]);
	return 0;
}

/* Knobs belong to personalities (issue 9 item 5): tw_reuse is Linux's
 * net.ipv4.tcp_tw_reuse, nolocal_timewait FreeBSD 14+'s
 * net.inet.tcp.nolocaltimewait; the others every system has in some form. */
static int has_knob(const bm_policy *p, bm_knob k)
{
	if (k == BM_KNOB_TW_REUSE)
		return p->family && strcmp(p->family, "linux") == 0;
	if (k == BM_KNOB_NOLOCAL_TIMEWAIT)
		return p->nolocal_timewait != 0;
	return 1;
}

static void knob_error(const bm_policy *p, bm_knob k, char *err, size_t errlen)
{
	int n = snprintf(err, errlen, "%s has no knob %s; its knobs: ephemeral", p->name,
	                 bm_knob_name(k));
	for (int i = 0; i < BM_KNOB_COUNT && n >= 0 && (size_t)n < errlen; i++) {
		if (i == BM_KNOB_EPHEMERAL_LO || i == BM_KNOB_EPHEMERAL_HI || !has_knob(p, (bm_knob)i))
			continue;
		n += snprintf(err + n, errlen - (size_t)n, ", %s", bm_knob_name((bm_knob)i));
	}
}

static int sockname_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Write the sorted names in o->receivers, "a+b+c"; a list that does not
 * fit ends in "+...N more" so that nothing is dropped silently. */
static void join_receivers(sc_outcome *o, const char **nm, size_t n)
{
	size_t len = 0, cap = sizeof o->receivers;
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(nm[i]) + (i ? 1 : 0);
		/* room for this name and, unless it is the last, the tail */
		if (len + need + (i + 1 < n ? 24 : 0) >= cap) {
			snprintf(o->receivers + len, cap - len, "%s...%zu more", i ? "+" : "", n - i);
			return;
		}
		len += (size_t)snprintf(o->receivers + len, cap - len, "%s%s", i ? "+" : "", nm[i]);
	}
}

/* The SO_REUSEPORT group socket r is in: the sockets of the same kind,
 * owner, state and local address that share its port, named in buf as
 * "+a++b+"; how many of them have names. */
typedef struct group_ctx {
	const model_ctx *m;
	const bm_host *h;
	const bm_sock_info *r;
	char *buf;
	size_t len;
	int n;
} group_ctx;

static int group_visit(const bm_sock_info *s, void *arg)
{
	group_ctx *g = arg;
	const bm_sock_info *r = g->r;
	if (s->proto != r->proto || s->family != r->family || s->uid != r->uid ||
	    s->state != r->state || s->local.port != r->local.port || s->pending ||
	    !(s->opts & (BM_SO_REUSEPORT | BM_SO_REUSEPORT_LB)) ||
	    memcmp(s->local.addr, r->local.addr, 16) != 0)
		return 0;
	const char *nm = name_of(g->m, g->h, s->id);
	if (nm) {
		size_t l = strlen(g->buf);
		snprintf(g->buf + l, g->len - l, "+%s+", nm);
		g->n++;
	}
	return 0;
}

static int reuseport_group(const model_ctx *m, bm_host *h, bm_sock r, char *buf, size_t len)
{
	bm_sock_info info;
	buf[0] = 0;
	if (bm_sock_query(h, r, &info) != BM_OK ||
	    !(info.opts & (BM_SO_REUSEPORT | BM_SO_REUSEPORT_LB)))
		return 0;
	group_ctx g = {m, h, &info, buf, len, 0};
	bm_sock_foreach(h, group_visit, &g);
	return g.n;
}

/* deliver: every receiver, however many (the buffer grows until the model
 * reports fewer than it holds). */
static int deliver(model_ctx *m, bm_host *h, const sc_cmd *c, sc_outcome *o, char *err,
                   size_t errlen)
{
	size_t max = 64, n = 0;
	bm_sock stack[64], *got = stack;
	for (;;) {
		bm_deliver(h, c->proto, &c->ep, &c->ep2, got, max, &n, NULL);
		if (n < max)
			break;
		bm_sock *more = got == stack ? malloc(max * 2 * sizeof *more)
		                             : realloc(got, max * 2 * sizeof *more);
		if (!more) {
			if (got != stack)
				free(got);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		got = more;
		max *= 2;
	}
	const char **nm = n ? malloc(n * sizeof *nm) : NULL;
	char (*anon)[SC_NAMELEN] = n ? malloc(n * sizeof *anon) : NULL;
	if (n && (!nm || !anon)) {
		free(nm);
		free(anon);
		if (got != stack)
			free(got);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		nm[i] = name_of(m, h, got[i]);
		if (!nm[i]) {
			snprintf(anon[i], SC_NAMELEN, "s%d", got[i]);
			nm[i] = anon[i];
		}
	}
	if (n == 0) {
		snprintf(o->receivers, sizeof o->receivers, "none");
	} else {
		qsort(nm, n, sizeof *nm, sockname_ptr_cmp);
		join_receivers(o, nm, n);
		snprintf(o->detail, sizeof o->detail, "%s", o->receivers);
		/* the real system may hash the datagram to any member */
		if (n == 1)
			reuseport_group(m, h, got[0], o->alt_receivers, sizeof o->alt_receivers);
	}
	free(nm);
	free(anon);
	if (got != stack)
		free(got);
	return 0;
}

/* The commands that are a model operation on host h (its verdict is the
 * host's last one); the others make their own verdict. */
static int is_operation(sc_kind k)
{
	switch (k) {
	case SC_SOCKET: case SC_SETSOCKOPT: case SC_BIND: case SC_LISTEN: case SC_CONNECT:
	case SC_ACCEPT: case SC_CLOSE: case SC_DELIVER:
		return 1;
	default:
		return 0;
	}
}

static void clear_verdict(bm_verdict *v)
{
	bm_verdict_set(v, BM_OK, NULL, 0, NULL);
	v->alt = BM_OK;
	v->alt_rule = v->alt_condition = NULL;
}

static int exec_step(model_ctx *m, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	bm_verdict *v = &o->verdict;
	int operation = is_operation(c->kind);
	/* an empty outcome, field by field: zeroing the whole struct (the
	 * verdict's argument record, two 512-byte receiver buffers only
	 * deliver writes) was a third of a step's time; an operation's
	 * verdict is the host's, copied whole at the end */
	o->code = BM_OK;
	if (!operation)
		clear_verdict(v);
	o->detail[0] = o->receivers[0] = o->alt_receivers[0] = '\0';
	o->is_deliver = 0;
	if (!m->net) {
		snprintf(err, errlen, "no personality selected (os NAME)");
		return -1;
	}
	bm_sock s = BM_NO_SOCK;
	bm_host *h = m->host;    /* the target socket's host, else the current */
	if (c->target[0]) {
		s = get_name(m, c->target, &h);
		if (s == BM_NO_SOCK) {
			snprintf(err, errlen, "unknown socket '%s'", c->target);
			return -1;
		}
	}
	char buf[BM_ENDPOINT_STRLEN];
	bm_sock_info info;
	switch (c->kind) {
	case SC_USER:
		m->uid = c->uid;
		bm_verdict_set(v, BM_OK, "core.socket", 0, "sockets are now created by uid %u", c->uid);
		break;
	case SC_ADDR: {
		/* an address belongs to one host of the net */
		bm_result r = bm_net_add_addr(m->net, h, c->arg, c->dev[0] ? c->dev : NULL);
		if (r == BM_EADDRINUSE) {
			snprintf(err, errlen, "%s belongs to another host", c->arg);
			return -1;
		}
		bm_verdict_set(v, r, "core.args", 0, r ? "bad address" : "address added");
		break;
	}
	case SC_HOST:
		if (add_host(m, c, v, err, errlen) != 0)
			return -1;
		break;
	case SC_ON: {
		bm_host *to = bm_net_host(m->net, c->name);
		if (!to) {
			snprintf(err, errlen, "unknown host '%s' (declare it: host NAME OS ADDR)", c->name);
			return -1;
		}
		m->host = h = to;
		bm_verdict_set(v, BM_OK, "core.args", 0, "commands now act on host %s", c->name);
		break;
	}
	case SC_SET: {
		bm_result r;
		if (!has_knob(bm_host_policy(h), c->knob)) {
			knob_error(bm_host_policy(h), c->knob, err, errlen);
			return -1;
		}
		if (c->knob == BM_KNOB_EPHEMERAL_LO) {
			/* widen first so that lo <= hi holds at every step */
			if (c->lo > bm_host_knob(h, BM_KNOB_EPHEMERAL_HI)) {
				r = bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, c->hi);
				if (r == BM_OK)
					r = bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, c->lo);
			} else {
				r = bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, c->lo);
				if (r == BM_OK)
					r = bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, c->hi);
			}
		} else {
			r = bm_host_set_knob(h, c->knob, c->lo);
		}
		if (r != BM_OK) {
			snprintf(err, errlen, "value out of range for %s", bm_knob_name(c->knob));
			return -1;
		}
		bm_verdict_set(v, BM_OK, "core.args", 0, "%s set", bm_knob_name(c->knob));
		break;
	}
	case SC_SOCKET: {
		bm_sock id;
		if (bm_socket(h, c->fam, c->proto, m->uid, &id, NULL) == BM_OK &&
		    set_name(m, h, c->name, id) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		break;
	}
	case SC_SETSOCKOPT:
		if (c->opt == BM_SO_BINDTODEVICE)
			bm_setsockopt_dev(h, s, c->dev, NULL);
		else
			bm_setsockopt(h, s, c->opt, c->value, NULL);
		break;
	case SC_BIND:
		if (bm_bind(h, s, &c->ep, NULL) == BM_OK && c->ep.port == 0 &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	case SC_LISTEN: {
		int was_unbound = bm_sock_query(h, s, &info) == BM_OK &&
		                  info.state == BM_STATE_CLOSED;
		if (bm_listen(h, s, NULL) == BM_OK && was_unbound &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	}
	case SC_CONNECT:
		if (bm_connect_ex(h, s, &c->ep, c->nonblock ? BM_CONNECT_NONBLOCK : 0, NULL) == BM_OK &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	case SC_ACCEPT: {
		bm_sock child;
		if (bm_accept(h, s, &child, NULL) == BM_OK) {
			if (set_name(m, h, c->name, child) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			if (bm_sock_query(h, child, &info) == BM_OK)
				snprintf(o->detail, sizeof o->detail, "from %s",
				         bm_endpoint_format(&info.remote, buf, sizeof buf));
		}
		break;
	}
	case SC_CLOSE:
		bm_close(h, s, NULL);
		break;
	case SC_ADVANCE:
		bm_net_advance(m->net, c->ms);
		bm_verdict_set(v, BM_OK, "core.args", 0, "clock advanced");
		break;
	case SC_DELIVER:
		o->is_deliver = 1;
		if (deliver(m, h, c, o, err, errlen) != 0)
			return -1;
		break;
	default:
		snprintf(err, errlen, "'%s' is not a scenario step", sc_kind_name(c->kind));
		return -1;
	}
	/* an operation left its verdict in the host: copied with the reason
	 * unformatted, made only if someone reads it (bm_verdict_reason) */
	if (operation)
		bm_last_verdict_copy(h, v);
	o->code = v->code;
	/* every verdict must name a rule that explain can describe */
	if (v->rule && !rule_known(m, bm_host_policy(h), v->rule)) {
		snprintf(err, errlen, "rule id '%s' has no description in the %s rule table",
		         v->rule, bm_host_policy(h)->name);
		return -1;
	}
	return 0;
}

static int model_exec(void *ctx, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	int rc = exec_step(ctx, c, o, err, errlen);
	if (rc != 0)
		clear_verdict(&o->verdict);   /* never a stale verdict after an error */
	return rc;
}

static void model_destroy(void *ctx)
{
	model_ctx *m = ctx;
	if (!m)
		return;
	bm_net_free(m->net);
	free(m->names);
	free(m->by_name);
	free(m->by_sock);
	free(m->rules);
	free(m);
}

int sc_model_engine(sc_engine *e)
{
	model_ctx *m = calloc(1, sizeof *m);
	if (!m)
		return -1;
	e->name = "model";
	e->ctx = m;
	e->reset = model_reset;
	e->exec = model_exec;
	e->destroy = model_destroy;
	return 0;
}

bm_host *sc_model_host(const sc_engine *e)
{
	return e && e->exec == model_exec ? ((model_ctx *)e->ctx)->host : NULL;
}

bm_sock sc_model_sock(const sc_engine *e, const char *name)
{
	bm_host *h = NULL;
	bm_sock s = e && e->exec == model_exec ? get_name(e->ctx, name, &h) : BM_NO_SOCK;
	return h == sc_model_host(e) ? s : BM_NO_SOCK;
}

const char *sc_model_name(const sc_engine *e, bm_sock s)
{
	return e && e->exec == model_exec ? name_of(e->ctx, sc_model_host(e), s) : NULL;
}

bm_net *sc_model_net(const sc_engine *e)
{
	return e && e->exec == model_exec ? ((model_ctx *)e->ctx)->net : NULL;
}

bm_sock sc_model_sock_any(const sc_engine *e, const char *name, bm_host **h)
{
	if (h)
		*h = NULL;
	return e && e->exec == model_exec ? get_name(e->ctx, name, h) : BM_NO_SOCK;
}

const char *sc_model_name_on(const sc_engine *e, const bm_host *h, bm_sock s)
{
	return e && e->exec == model_exec ? name_of(e->ctx, h, s) : NULL;
}

int sc_model_reuseport_group(const sc_engine *e, bm_host *h, bm_sock s, char *buf, size_t len)
{
	if (!e || e->exec != model_exec) {
		buf[0] = 0;
		return 0;
	}
	return reuseport_group(e->ctx, h, s, buf, len);
}
