/* SPDX-License-Identifier: MIT */
/*
 * net.c: a network of hosts.  A net owns its hosts and routes an address to
 * the one host that has it configured; connect.c asks it where a SYN goes.
 * Routing is a linear walk over the hosts' addresses: a scenario's net has
 * a handful of hosts, and a lone host (no net) never walks anything.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct bm_net {
	bm_host **hosts;
	size_t n, cap;
	bm_sock last_id;   /* the hosts of a net number their sockets together */
};

bm_sock *bm_net_last_id(bm_net *net)
{
	return &net->last_id;
}

const bm_host *bm_net_holder(const bm_net *net, bm_sock id)
{
	for (size_t i = 0; net && i < net->n; i++)
		if (bm_host_live_sock(net->hosts[i], id))
			return net->hosts[i];
	return NULL;
}

bm_net *bm_net_new(void)
{
	return calloc(1, sizeof(bm_net));
}

void bm_net_free(bm_net *net)
{
	if (!net)
		return;
	for (size_t i = 0; i < net->n; i++) {
		net->hosts[i]->net = NULL;   /* let bm_host_free free it */
		bm_host_free(net->hosts[i]);
	}
	free(net->hosts);
	free(net);
}

size_t bm_net_count(const bm_net *net)
{
	return net ? net->n : 0;
}

bm_host *bm_net_host_at(const bm_net *net, size_t i)
{
	return net && i < net->n ? net->hosts[i] : NULL;
}

bm_host *bm_net_host(const bm_net *net, const char *name)
{
	for (size_t i = 0; name && net && i < net->n; i++)
		if (strcmp(net->hosts[i]->name, name) == 0)
			return net->hosts[i];
	return NULL;
}

const char *bm_host_name(const bm_host *h)
{
	return h ? h->name : "";
}

bm_net *bm_host_net(const bm_host *h)
{
	return h ? h->net : NULL;
}

/* Does h have addr configured?  Loopback is every host's own, so it never
 * routes to another host. */
static int owns(const bm_host *h, const bm_endpoint *addr)
{
	return !bm_addr_is_loopback(addr) && bm_host_addr_is_local(h, addr);
}

bm_host *bm_net_route(const bm_net *net, const bm_endpoint *addr)
{
	for (size_t i = 0; addr && net && i < net->n; i++)
		if (owns(net->hosts[i], addr))
			return net->hosts[i];
	return NULL;
}

bm_host *bm_net_route_from(const bm_host *h, const bm_endpoint *addr)
{
	bm_host *to = h ? bm_net_route(h->net, addr) : NULL;
	return to == h ? NULL : to;
}

bm_result bm_net_add_addr(bm_net *net, bm_host *h, const char *addr, const char *dev)
{
	bm_endpoint ep;
	if (!net || !h || h->net != net || bm_addr_parse(addr, &ep) != 0)
		return BM_EINVAL;
	/* an address belongs to one host: routing must have one answer */
	bm_host *owner = bm_net_route(net, &ep);
	if (owner && owner != h)
		return BM_EADDRINUSE;
	return bm_host_add_addr(h, addr, dev);
}

static int valid_host_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= BM_HOSTNAME_LEN || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static bm_host *fail(bm_result *err, bm_result code)
{
	if (err)
		*err = code;
	return NULL;
}

bm_host *bm_net_add_host(bm_net *net, const char *name, const char *personality,
                         const char *const *addrs, size_t naddrs, bm_result *err)
{
	const bm_policy *p = bm_personality_find(personality);
	if (!p)
		return fail(err, BM_ENOENT);
	return bm_net_add_host_with_policy(net, name, p, addrs, naddrs, err);
}

bm_host *bm_net_add_host_with_policy(bm_net *net, const char *name, const bm_policy *p,
                                     const char *const *addrs, size_t naddrs,
                                     bm_result *err)
{
	if (!net || !valid_host_name(name) || bm_net_host(net, name) || (naddrs && !addrs))
		return fail(err, BM_EINVAL);
	if (net->n == net->cap) {
		size_t cap = net->cap ? net->cap * 2 : 4;
		bm_host **n = realloc(net->hosts, cap * sizeof *n);
		if (!n)
			return fail(err, BM_ENOMEM);
		net->hosts = n;
		net->cap = cap;
	}
	bm_result r;
	bm_host *h = bm_host_new_with_policy(p, &r);
	if (!h)
		return fail(err, r);
	snprintf(h->name, sizeof h->name, "%s", name);
	h->net = net;
	net->hosts[net->n++] = h;
	for (size_t i = 0; i < naddrs; i++) {
		r = bm_net_add_addr(net, h, addrs[i], NULL);
		if (r != BM_OK) {
			net->n--;
			h->net = NULL;
			bm_host_free(h);
			return fail(err, r);
		}
	}
	if (err)
		*err = BM_OK;
	return h;
}

void bm_net_advance(bm_net *net, uint64_t ms)
{
	for (size_t i = 0; net && i < net->n; i++)
		bm_advance(net->hosts[i], ms);
}
