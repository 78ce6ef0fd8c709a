/* SPDX-License-Identifier: MIT */
/*
 * socket.c: socket(), setsockopt() and the read-only queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bm_sockrec *bm_new_socket(bm_host *h)
{
	bm_sockrec *s = bm_host_new_rec(h);
	if (s)
		s->info.linger = -1;
	return s;
}

bm_result bm_socket(bm_host *h, bm_family fam, bm_proto proto, uint32_t uid,
                    bm_sock *out, bm_verdict *v)
{
	VERDICT(h, v);
	if (out)
		*out = BM_NO_SOCK;
	if (!h) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
		return bm_finish(h, v);
	}
	if ((fam != BM_AF_INET && fam != BM_AF_INET6) || (proto != BM_TCP && proto != BM_UDP)) {
		bm_verdict_set(v, BM_EAFNOSUPPORT, "core.args", 0, "unknown family or protocol");
		return bm_finish(h, v);
	}
	bm_sockrec *s = bm_new_socket(h);
	if (!s) {
		bm_verdict_set(v, BM_ENOMEM, "core.limit", 0, "out of memory");
		return bm_finish(h, v);
	}
	s->info.family = fam;
	s->info.proto = proto;
	s->info.uid = uid;
	s->info.state = BM_STATE_CLOSED;
	s->info.local.family = fam;
	s->info.remote.family = fam;
	s->info.v6only = fam == BM_AF_INET6 ? (int)h->knob[BM_KNOB_V6ONLY] : 0;
	if (out)
		*out = s->info.id;
	bm_verdict_set(v, BM_OK, "core.socket", 0, "socket %d created", s->info.id);
	return bm_finish(h, v);
}

/* ----------------------------------------------------------- setsockopt */

/* The host's interfaces: lo, and each device an address was added on. */
static int has_device(const bm_host *h, const char *dev)
{
	if (strcmp(dev, "lo") == 0)
		return 1;
	for (size_t i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i].dev, dev) == 0)
			return 1;
	return 0;
}

static bm_result set_option(bm_host *h, bm_sock id, bm_option o, int value,
                            const char *dev, bm_verdict *v)
{
	bm_sockrec *s = bm_host_live_sock(h, id);
	if (!s)
		return bm_bad_handle(h, id, v);
	if (!(h->policy->options & o) || bm_option_name(o)[0] == '?') {
		bm_verdict_set(v, BM_ENOPROTOOPT, "core.opt.unsupported", 0,
		               "%s does not exist on %s", bm_option_name(o), h->policy->name);
		return bm_finish(h, v);
	}
	if (o == BM_IPV6_V6ONLY && s->info.family != BM_AF_INET6 &&
	    !h->policy->v6only_any_family) {
		bm_verdict_set(v, BM_ENOPROTOOPT, "core.opt.family", 0,
		               "IPV6_V6ONLY applies to IPv6 sockets only");
		return bm_finish(h, v);
	}
	if (o == BM_SO_BINDTODEVICE && dev && dev[0] && !has_device(h, dev)) {
		bm_verdict_set(v, BM_ENODEV, "core.opt.nodev", 0, "no interface named %s", dev);
		return bm_finish(h, v);
	}
	if (o == BM_SO_LINGER ? value < -1 : (value != 0 && value != 1)) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0, "bad value %d for %s",
		               value, bm_option_name(o));
		return bm_finish(h, v);
	}
	if (h->policy->setsockopt &&
	    h->policy->setsockopt(h, &s->info, o, value, v) != BM_OK)
		return bm_finish(h, v);
	if (o == BM_SO_LINGER) {
		s->info.linger = value;
		value = value >= 0;
	} else if (o == BM_SO_BINDTODEVICE) {
		snprintf(s->info.dev, sizeof s->info.dev, "%s", dev ? dev : "");
		value = s->info.dev[0] != 0;
	} else if (o == BM_IPV6_V6ONLY && s->info.family == BM_AF_INET6) {
		s->info.v6only = value;
	}
	if (value)
		s->info.opts |= (unsigned)o;
	else
		s->info.opts &= ~(unsigned)o;
	bm_verdict_set_static(v, BM_OK, "core.opt.set", 0, "%s = %d", bm_option_name(o), value);
	return bm_finish(h, v);
}

bm_result bm_setsockopt(bm_host *h, bm_sock s, bm_option o, int value, bm_verdict *v)
{
	VERDICT(h, v);
	if (!h) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
		return bm_finish(h, v);
	}
	if (o == BM_SO_BINDTODEVICE) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0,
		               "SO_BINDTODEVICE takes an interface name");
		return bm_finish(h, v);
	}
	return set_option(h, s, o, value, NULL, v);
}

bm_result bm_setsockopt_dev(bm_host *h, bm_sock s, const char *ifname, bm_verdict *v)
{
	VERDICT(h, v);
	if (!h) {
		bm_verdict_set(v, BM_EINVAL, "core.args", 0, "no host");
		return bm_finish(h, v);
	}
	if (!ifname || strlen(ifname) >= BM_DEVLEN) {
		bm_verdict_set(v, BM_EINVAL, "core.opt.value", 0, "bad interface name");
		return bm_finish(h, v);
	}
	return set_option(h, s, BM_SO_BINDTODEVICE, ifname[0] != 0, ifname, v);
}

/* ---------------------------------------------------------------- query */

bm_result bm_sock_query(const bm_host *h, bm_sock id, bm_sock_info *out)
{
	bm_sockrec *s = bm_host_sock(h, id);
	if (!s)
		return BM_EBADF;
	if (out)
		*out = s->info;
	return BM_OK;
}

static int by_id(const void *a, const void *b)
{
	bm_sock x = (*(const bm_sockrec *const *)a)->info.id;
	bm_sock y = (*(const bm_sockrec *const *)b)->info.id;
	return (x > y) - (x < y);
}

/* Without memory for the sorted list: the next live record after id, by a
 * walk of the table (O(n) a step, so O(n^2) in all, but never wrong). */
static const bm_sockrec *next_after(const bm_host *h, bm_sock id)
{
	const bm_sockrec *best = NULL;
	for (size_t i = 0; i < h->tablecap; i++) {
		const bm_sockrec *s = bm_rec_at(h, bm_entry_link(h->table[i]));
		if (s && s->info.state != BM_STATE_GONE && s->info.id > id &&
		    (!best || s->info.id < best->info.id))
			best = s;
	}
	return best;
}

/* The records keep no creation-order list (issue 11: 16 bytes a socket):
 * handles grow with creation, so oldest first is the table sorted by
 * handle. */
void bm_sock_foreach(const bm_host *h, int (*fn)(const bm_sock_info *s, void *arg),
                     void *arg)
{
	if (!h || !fn)
		return;
	const bm_sockrec **v = h->nrecs ? malloc(h->nrecs * sizeof *v) : NULL;
	if (!v) {
		for (const bm_sockrec *s = next_after(h, 0); s; s = next_after(h, s->info.id))
			if (fn(&s->info, arg))
				return;
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < h->tablecap; i++) {
		const bm_sockrec *s = bm_rec_at(h, bm_entry_link(h->table[i]));
		if (s && s->info.state != BM_STATE_GONE)
			v[n++] = s;
	}
	qsort(v, n, sizeof *v, by_id);
	for (size_t i = 0; i < n && !fn(&v[i]->info, arg); i++)
		;
	free(v);
}
