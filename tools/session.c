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
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

typedef struct name_entry {
	char name[SC_NAMELEN];
	bm_host *host;
	bm_sock id;
} name_entry;

typedef struct model_ctx {
	bm_net *net;
	bm_host *host;           /* the current host (`on`) */
	uint32_t uid;
	name_entry *names;
	size_t n, cap;
} model_ctx;

static int set_name(model_ctx *m, bm_host *h, const char *name, bm_sock id)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->names[i].name, name) == 0) {
			m->names[i].host = h;
			m->names[i].id = id;
			return 0;
		}
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
	m->names[m->n++].id = id;
	return 0;
}

/* The socket a name stands for, and its host (*h may be NULL). */
static bm_sock get_name(const model_ctx *m, const char *name, bm_host **h)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->names[i].name, name) == 0) {
			if (h)
				*h = m->names[i].host;
			return m->names[i].id;
		}
	}
	return BM_NO_SOCK;
}

static const char *name_of(const model_ctx *m, const bm_host *h, bm_sock id)
{
	/* the latest name given to this handle */
	for (size_t i = m->n; i-- > 0;)
		if (m->names[i].id == id && m->names[i].host == h)
			return m->names[i].name;
	return NULL;
}

static int model_reset(void *ctx, const char *os, char *err, size_t errlen)
{
	model_ctx *m = ctx;
	bm_net *net = bm_net_new();
	bm_host *h = net ? bm_net_add_host(net, "local", os, NULL, 0, NULL) : NULL;
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
	bm_result r;
	if (!bm_net_add_host(m->net, c->name, c->os[0], addrs, n, &r)) {
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

static int sockname_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int model_exec(void *ctx, const sc_cmd *c, sc_outcome *o, char *err, size_t errlen)
{
	model_ctx *m = ctx;
	bm_verdict *v = &o->verdict;
	memset(o, 0, sizeof *o);
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
		if (bm_socket(h, c->fam, c->proto, m->uid, &id, v) == BM_OK &&
		    set_name(m, h, c->name, id) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		break;
	}
	case SC_SETSOCKOPT:
		if (c->opt == BM_SO_BINDTODEVICE)
			bm_setsockopt_dev(h, s, c->dev, v);
		else
			bm_setsockopt(h, s, c->opt, c->value, v);
		break;
	case SC_BIND:
		if (bm_bind(h, s, &c->ep, v) == BM_OK && c->ep.port == 0 &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	case SC_LISTEN: {
		int was_unbound = bm_sock_query(h, s, &info) == BM_OK &&
		                  info.state == BM_STATE_CLOSED;
		if (bm_listen(h, s, v) == BM_OK && was_unbound &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	}
	case SC_CONNECT:
		if (bm_connect_ex(h, s, &c->ep, c->nonblock ? BM_CONNECT_NONBLOCK : 0, v) == BM_OK &&
		    bm_sock_query(h, s, &info) == BM_OK)
			snprintf(o->detail, sizeof o->detail, "%s",
			         bm_endpoint_format(&info.local, buf, sizeof buf));
		break;
	case SC_ACCEPT: {
		bm_sock child;
		if (bm_accept(h, s, &child, v) == BM_OK) {
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
		bm_close(h, s, v);
		break;
	case SC_ADVANCE:
		bm_net_advance(m->net, c->ms);
		bm_verdict_set(v, BM_OK, "core.args", 0, "clock advanced");
		break;
	case SC_DELIVER: {
		bm_sock got[64];
		size_t n = 0;
		o->is_deliver = 1;
		bm_deliver(h, c->proto, &c->ep, &c->ep2, got, 64, &n, v);
		if (n == 0) {
			snprintf(o->receivers, sizeof o->receivers, "none");
			break;
		}
		char names[64][SC_NAMELEN];
		for (size_t i = 0; i < n; i++) {
			const char *nm = name_of(m, h, got[i]);
			if (nm)
				snprintf(names[i], SC_NAMELEN, "%s", nm);
			else
				snprintf(names[i], SC_NAMELEN, "s%d", got[i]);
		}
		qsort(names, n, SC_NAMELEN, sockname_cmp);
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(o->receivers);
			snprintf(o->receivers + len, sizeof o->receivers - len, "%s%s", i ? "+" : "",
			         names[i]);
		}
		snprintf(o->detail, sizeof o->detail, "%s", o->receivers);
		break;
	}
	default:
		snprintf(err, errlen, "'%s' is not a scenario step", sc_kind_name(c->kind));
		return -1;
	}
	o->code = v->code;
	/* every verdict must name a rule that explain can describe */
	if (v->rule && !bm_policy_rule(bm_host_policy(h), v->rule)) {
		snprintf(err, errlen, "rule id '%s' has no description in the %s rule table",
		         v->rule, bm_host_policy(h)->name);
		return -1;
	}
	return 0;
}

static void model_destroy(void *ctx)
{
	model_ctx *m = ctx;
	if (!m)
		return;
	bm_net_free(m->net);
	free(m->names);
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
