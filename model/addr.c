/* SPDX-License-Identifier: MIT */
/*
 * addr.c: endpoints, their text forms, and the address classes the rules
 * talk about (wildcard, multicast, loopback, v4-mapped) plus the common
 * overlap predicate.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void set_err(char *err, size_t len, const char *msg)
{
	if (err && len)
		snprintf(err, len, "%s", msg);
}

int bm_addr_parse(const char *text, bm_endpoint *out)
{
	bm_endpoint ep;
	memset(&ep, 0, sizeof ep);
	if (!text || !out || strlen(text) >= INET6_ADDRSTRLEN)
		return -1;
	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, ep.addr) != 1)
			return -1;
		ep.family = BM_AF_INET6;
	} else {
		/* inet_pton rejects the short and octal forms inet_aton takes */
		if (inet_pton(AF_INET, text, ep.addr) != 1)
			return -1;
		ep.family = BM_AF_INET;
	}
	*out = ep;
	return 0;
}

int bm_endpoint_parse(const char *text, bm_endpoint *out, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *portp;
	size_t alen;

	if (!text || !out) {
		set_err(err, errlen, "no endpoint");
		return -1;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			set_err(err, errlen, "expected [v6-address]:port");
			return -1;
		}
		alen = (size_t)(close - text - 1);
		portp = close + 2;
		if (alen == 0 || alen >= sizeof addr) {
			set_err(err, errlen, "bad IPv6 address");
			return -1;
		}
		memcpy(addr, text + 1, alen);
		addr[alen] = 0;
		if (!strchr(addr, ':')) {
			set_err(err, errlen, "bad IPv6 address");
			return -1;
		}
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon) {
			set_err(err, errlen, "expected address:port");
			return -1;
		}
		alen = (size_t)(colon - text);
		if (alen == 0 || alen >= sizeof addr || memchr(text, ':', alen)) {
			set_err(err, errlen, "IPv6 addresses need brackets: [::1]:80");
			return -1;
		}
		memcpy(addr, text, alen);
		addr[alen] = 0;
		portp = colon + 1;
	}
	if (bm_addr_parse(addr, out) != 0) {
		set_err(err, errlen, "malformed address");
		return -1;
	}
	if (!*portp || strlen(portp) > 5) {
		set_err(err, errlen, "port must be 0..65535");
		return -1;
	}
	long port = 0;
	for (const char *p = portp; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			set_err(err, errlen, "port must be 0..65535");
			return -1;
		}
		port = port * 10 + (*p - '0');
	}
	if (port > 65535) {
		set_err(err, errlen, "port must be 0..65535");
		return -1;
	}
	out->port = (uint16_t)port;
	return 0;
}

char *bm_addr_format(const bm_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (!buf || !len)
		return buf;
	if (!ep || (ep->family != BM_AF_INET && ep->family != BM_AF_INET6)) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(ep->family == BM_AF_INET ? AF_INET : AF_INET6, ep->addr, a, sizeof a);
	snprintf(buf, len, "%s", a);
	return buf;
}

/* Decimal digits of x at p; returns the end. */
static char *put_uint(char *p, unsigned x)
{
	char d[10];
	int n = 0;
	do
		d[n++] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	while (n)
		*p++ = d[--n];
	return p;
}

char *bm_endpoint_format(const bm_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (!buf || !len)
		return buf;
	if (!ep || (ep->family != BM_AF_INET && ep->family != BM_AF_INET6)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (ep->family == BM_AF_INET) {
		/* by hand: every bind's verdict names its endpoint, and inet_ntop
		 * plus two snprintf calls were most of a bind's time (issue 11);
		 * the text is the same */
		char t[sizeof "255.255.255.255:65535"], *p = t;
		for (int i = 0; i < 4; i++) {
			p = put_uint(p, ep->addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p = put_uint(p, ep->port);
		size_t n = (size_t)(p - t) < len ? (size_t)(p - t) : len - 1;
		memcpy(buf, t, n);
		buf[n] = 0;
		return buf;
	}
	bm_addr_format(ep, a, sizeof a);
	if (ep->family == BM_AF_INET)
		snprintf(buf, len, "%s:%u", a, ep->port);
	else
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	return buf;
}

static const uint8_t v4mapped_prefix[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};

int bm_addr_is_v4mapped(const bm_endpoint *ep)
{
	return ep && ep->family == BM_AF_INET6 && memcmp(ep->addr, v4mapped_prefix, 12) == 0;
}

/* The IPv4 address of a v4 endpoint or a v4-mapped v6 one. */
static const uint8_t *v4_part(const bm_endpoint *ep)
{
	if (ep->family == BM_AF_INET)
		return ep->addr;
	if (bm_addr_is_v4mapped(ep))
		return ep->addr + 12;
	return NULL;
}

int bm_addr_is_any(const bm_endpoint *ep)
{
	static const uint8_t zero[16];
	if (!ep)
		return 0;
	const uint8_t *v4 = v4_part(ep);
	if (v4)
		return memcmp(v4, zero, 4) == 0;
	return memcmp(ep->addr, zero, 16) == 0;
}

int bm_addr_is_multicast(const bm_endpoint *ep)
{
	if (!ep)
		return 0;
	const uint8_t *v4 = v4_part(ep);
	if (v4)
		return (v4[0] & 0xf0) == 0xe0 ||
		       (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255);
	return ep->addr[0] == 0xff;
}

/* bm_addr_is_loopback for ep, whose v4_part is v4 */
static int is_loopback(const bm_endpoint *ep, const uint8_t *v4)
{
	static const uint8_t v6lo[16] = {0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1};
	if (v4)
		return v4[0] == 127;
	return memcmp(ep->addr, v6lo, 16) == 0;
}

int bm_addr_is_loopback(const bm_endpoint *ep)
{
	return ep && is_loopback(ep, v4_part(ep));
}

/* Compare two addresses as the kernel's "same address" would: a
 * v4-mapped IPv6 address equals the IPv4 one. */
int bm_addr_equal(const bm_endpoint *a, const bm_endpoint *b)
{
	if (!a || !b)
		return 0;
	const uint8_t *a4 = v4_part(a), *b4 = v4_part(b);
	if (a4 || b4)
		return a4 && b4 && memcmp(a4, b4, 4) == 0;
	return memcmp(a->addr, b->addr, 16) == 0;
}

/* Does this socket's binding cover IPv4 traffic / IPv6 traffic? */
static int covers_v4(const bm_sock_info *s)
{
	if (s->family == BM_AF_INET)
		return 1;
	if (bm_addr_is_v4mapped(&s->local))
		return 1;
	/* native IPv6: only the wildcard of a dual-stack socket */
	return !s->v6only && bm_addr_is_any(&s->local);
}

static int covers_v6(const bm_sock_info *s)
{
	return s->family == BM_AF_INET6 && !bm_addr_is_v4mapped(&s->local);
}

/*
 * The wildcard-aware overlap predicate shared by every personality
 * (Linux inet_rcv_saddr_equal with match_wildcard; the BSD "wild" lookup):
 * two bindings overlap when some packet could match both.
 */
int bm_overlap(const bm_sock_info *a, const bm_sock_info *b)
{
	if (!a || !b)
		return 0;
	if (a->dev[0] && b->dev[0] && strcmp(a->dev, b->dev) != 0)
		return 0;
	if (a->family == BM_AF_INET && b->family == BM_AF_INET) {
		/* the common case, without the v4-mapped questions below */
		uint32_t x, y;
		memcpy(&x, a->local.addr, 4);
		memcpy(&y, b->local.addr, 4);
		return x == 0 || y == 0 || x == y;
	}
	int a4 = covers_v4(a), b4 = covers_v4(b);
	int a6 = covers_v6(a), b6 = covers_v6(b);
	if (a6 && b6) {
		return bm_addr_equal(&a->local, &b->local) || bm_addr_is_any(&a->local) ||
		       bm_addr_is_any(&b->local);
	}
	if (a4 && b4) {
		/* a dual-stack [::] covers all of IPv4 */
		int aw = bm_addr_is_any(&a->local), bw = bm_addr_is_any(&b->local);
		return aw || bw || bm_addr_equal(&a->local, &b->local);
	}
	return 0;
}

/*
 * A host's addresses are hashed (FNV-1a over the 4 or 16 bytes, open
 * addressing, at most half full) so that a host with 20,000 addresses
 * answers "is this address mine?" as fast as one with two (issue 11).
 */
uint32_t bm_addr_hash(const uint8_t *bytes, size_t len)
{
	uint32_t x = 2166136261u ^ (uint32_t)len;
	for (size_t i = 0; i < len; i++)
		x = (x ^ bytes[i]) * 16777619u;
	return x;
}

const uint8_t *bm_addr_key(const bm_endpoint *ep, size_t *len)
{
	const uint8_t *v4 = v4_part(ep);
	*len = v4 ? 4 : 16;
	return v4 ? v4 : ep->addr;
}

static int same_key(const bm_endpoint *a, const uint8_t *key, size_t len)
{
	return (len == 4) == (a->family == BM_AF_INET) && memcmp(a->addr, key, len) == 0;
}

long bm_host_addr_find(const bm_host *h, const bm_endpoint *ep)
{
	if (!h->addr_slotcap)
		return -1;
	size_t len;
	const uint8_t *key = bm_addr_key(ep, &len);
	size_t mask = h->addr_slotcap - 1;
	for (size_t i = bm_addr_hash(key, len) & mask; h->addr_slots[i]; i = (i + 1) & mask) {
		size_t at = h->addr_slots[i] - 1;
		if (same_key(&h->addrs[at].addr, key, len))
			return (long)at;
	}
	return -1;
}

static void slot_put(uint32_t *slots, size_t cap, const bm_endpoint *ep, size_t at)
{
	size_t len;
	const uint8_t *key = bm_addr_key(ep, &len);
	size_t i = bm_addr_hash(key, len) & (cap - 1);
	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = (uint32_t)at + 1;
}

int bm_host_addr_indexed(bm_host *h, size_t at)
{
	if (at >= UINT32_MAX - 1)
		return -1;
	if ((h->naddrs + 1) * 2 > h->addr_slotcap) {
		size_t cap = h->addr_slotcap ? h->addr_slotcap * 2 : 16;
		uint32_t *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return -1;
		for (size_t i = 0; i < h->naddrs; i++)
			if (i != at)
				slot_put(slots, cap, &h->addrs[i].addr, i);
		free(h->addr_slots);
		h->addr_slots = slots;
		h->addr_slotcap = cap;
	}
	slot_put(h->addr_slots, h->addr_slotcap, &h->addrs[at].addr, at);
	return 0;
}

int bm_host_addr_is_local(const bm_host *h, const bm_endpoint *ep)
{
	if (!h || !ep)
		return 0;
	const uint8_t *v4 = v4_part(ep);
	if (is_loopback(ep, v4)) {
		if (!v4 || h->policy->loopback_net_local)
			return 1;
		if (v4[1] == 0 && v4[2] == 0 && v4[3] == 1)
			return 1;
	}
	return bm_host_addr_find(h, ep) >= 0;
}

const char *bm_host_addr_dev(const bm_host *h, const bm_endpoint *addr)
{
	if (!h || !addr)
		return NULL;
	long at = bm_host_addr_find(h, addr);
	if (at >= 0)
		return h->addrs[at].dev;
	return bm_addr_is_loopback(addr) && bm_host_addr_is_local(h, addr) ? "lo" : NULL;
}

uint32_t bm_tuple_hash(const bm_endpoint *src, const bm_endpoint *dst)
{
	uint32_t x = 2166136261u;
	if (!src || !dst)
		return x;
	for (int i = 0; i < 16; i++)
		x = (x ^ src->addr[i] ^ (uint32_t)dst->addr[i] << 8) * 16777619u;
	x = (x ^ src->port) * 16777619u;
	x = (x ^ dst->port) * 16777619u;
	return x;
}
