/* SPDX-License-Identifier: MIT */
/*
 * host.c: one simulated kernel: its policy, knobs, local addresses, clock,
 * socket table and the (protocol, port) index of port owners.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* ------------------------------------------------------------ the index */

/*
 * What a TCP connect()'s autobind has learnt of ports (policies with
 * autobind_skips_bound): a bit per port for "a bind() holds it", valid
 * until the port's owners change, and a bit per 64 ports for "all 64 are
 * known to be held".  With them the search steps over 64, or 4,096, held
 * ports at a time instead of walking each one's owners, so a range that
 * bind() mostly holds costs about the same at 1k and 1M sockets (issue 11).
 */
struct bm_port_marks {
	uint64_t known[1024];    /* the bit of held below is up to date */
	uint64_t held[1024];     /* an owner of the port came from bind() */
	uint64_t full[16];       /* known & held is all ones in that word */
};

static inline void forget_mark(bm_host *h, bm_proto proto, uint16_t port)
{
	if (!h->marks || proto != BM_TCP)
		return;
	unsigned w = port >> 6;
	h->marks->known[w] &= ~((uint64_t)1 << (port & 63));
	h->marks->full[w >> 6] &= ~((uint64_t)1 << (w & 63));
}

/* Is port held by a bind()?  Learnt from its owners once, then kept. */
static int held_by_bind(bm_host *h, uint16_t port)
{
	struct bm_port_marks *m = h->marks;
	unsigned w = port >> 6;
	uint64_t bit = (uint64_t)1 << (port & 63);
	if (m->known[w] & bit)
		return (m->held[w] & bit) != 0;
	int held = 0;
	bm_port *o = bm_index_find(h, BM_TCP, port);
	for (bm_sockrec *r = o ? bm_rec_at(h, o->first) : NULL; r && !held;
	     r = bm_rec_at(h, r->port_next))
		held = !r->info.port_from_connect;
	m->known[w] |= bit;
	if (held)
		m->held[w] |= bit;
	else
		m->held[w] &= ~bit;
	if ((m->known[w] & m->held[w]) == ~(uint64_t)0)
		m->full[w >> 6] |= (uint64_t)1 << (w & 63);
	return held;
}

long bm_autobind_next(bm_host *h, long port, long hi)
{
	if (!h->autobind_skips_bound)
		return port;
	if (!h->marks && !(h->marks = calloc(1, sizeof *h->marks)))
		return port;   /* no memory for the shortcut: walk every port */
	const struct bm_port_marks *m = h->marks;
	while (port <= hi) {
		/* 4,096 or 64 ports known to be held: step over them */
		if ((port & 4095) == 0 && m->full[port >> 12] == ~(uint64_t)0) {
			port += 4096;
			continue;
		}
		if ((port & 63) == 0 && (m->full[port >> 12] >> ((port >> 6) & 63) & 1)) {
			port += 64;
			continue;
		}
		if (!held_by_bind(h, (uint16_t)port))
			return port;
		port++;
	}
	return hi + 1;
}

/* A port's record, from the host's few spare ones when it has some: a
 * free port's bind and close would otherwise allocate and free one each
 * time.  Zeroed field by field: a call to memset for the whole record cost
 * a free bind more than the fields do. */
static bm_port *port_new(bm_host *h)
{
	size_t size = sizeof(bm_port) + h->policy->port_state_size;
	if (!h->nspare_ports)
		return calloc(1, size);
	bm_port *o = h->spare_ports[--h->nspare_ports];
	o->first = o->last = 0;
	o->n = 0;
	o->by_addr = NULL;
	if (h->policy->port_state_size)
		memset(o->state, 0, h->policy->port_state_size);
	return o;
}

static void port_done(bm_host *h, bm_port *o)
{
	if (h->nspare_ports == BM_SPARE_PORTS)
		free(o);
	else
		h->spare_ports[h->nspare_ports++] = o;
}

/* The record of port, found or made; NULL when out of memory. */
static inline bm_port *port_get(bm_host *h, bm_proto proto, uint16_t port)
{
	bm_port_page **page = &h->ports[proto - 1][port >> 8];
	if (!*page && !(*page = calloc(1, sizeof **page)))
		return NULL;
	bm_port **slot = &(**page)[port & 255];
	if (!*slot)
		*slot = port_new(h);
	return *slot;
}

/* Append s to o's owners (it joins last). */
static inline void port_link(bm_host *h, bm_port *o, bm_sockrec *s)
{
	if (!s->info.port_from_connect)   /* a connect() never makes it bind-held */
		forget_mark(h, s->info.proto, s->info.local.port);
	uint32_t link = bm_rec_link(h, s);
	s->port_prev = o->last;
	s->port_next = 0;
	if (o->last)
		bm_rec_at(h, o->last)->port_next = link;
	else
		o->first = link;
	o->last = link;
	o->n++;
	s->indexed = 1;
	bm_crowd_joined(h, o, s);
	if (s->info.remote.port)   /* most owners have no peer: no call */
		bm_tuple_add(h, s);
}

int bm_index_add(bm_host *h, bm_sockrec *s)
{
	if (s->indexed)
		return 0;
	bm_port *o = port_get(h, s->info.proto, s->info.local.port);
	if (!o)
		return -1;
	port_link(h, o, s);
	return 0;
}

bm_port *bm_index_bind(bm_host *h, bm_sockrec *s, const bm_endpoint *ep)
{
	if (s->indexed)   /* a socket is on one port: not the one it leaves */
		bm_index_remove(h, s);
	/* the port's record first: when it cannot be had, s is as it was (but
	 * off its old port, in the rebind only a plug-in's precheck allows) */
	bm_port *o = port_get(h, s->info.proto, ep->port);
	if (!o)
		return NULL;
	s->info.local = *ep;
	s->info.bound = *ep;   /* before it joins: crowd.c groups it by this */
	port_link(h, o, s);
	return o;
}

/* Unlink s; a port left without owners is freed, and with it the policy's
 * memory of it (the kernel frees an empty bind bucket the same way). */
void bm_index_remove(bm_host *h, bm_sockrec *s)
{
	if (!s->indexed)
		return;
	if (s->info.remote.port)
		bm_tuple_remove(h, s);
	bm_port **slot = bm_port_slot(h, s->info.proto, s->info.local.port);
	s->indexed = 0;
	if (!slot || !*slot)
		return;
	bm_port *o = *slot;
	if (!s->info.port_from_connect)
		forget_mark(h, s->info.proto, s->info.local.port);
	bm_crowd_left(h, o, s);
	if (s->port_prev)
		bm_rec_at(h, s->port_prev)->port_next = s->port_next;
	else
		o->first = s->port_next;
	if (s->port_next)
		bm_rec_at(h, s->port_next)->port_prev = s->port_prev;
	else
		o->last = s->port_prev;
	s->port_prev = s->port_next = 0;
	if (--o->n == 0) {
		bm_crowd_free(o);
		port_done(h, o);
		*slot = NULL;
	} else if (o->by_addr && o->n <= h->crowded / 2) {
		bm_crowd_free(o);   /* no crowd any more: its empty groups go too */
	}
}

/* s joined its port o (NULL: find it) by bind() or listen(): tell the
 * policy, and file it under its kind now that its state is set. */
void bm_index_join(bm_host *h, bm_sockrec *s, bm_port *o)
{
	if (!o)
		o = bm_index_find(h, s->info.proto, s->info.local.port);
	if (o && h->policy->port_join)
		h->policy->port_join(h, &s->info, o->state);
	bm_crowd_rekind(h, s);
}

void bm_index_free(bm_host *h)
{
	for (int p = 0; p < 2; p++) {
		for (int hi = 0; hi < 256; hi++) {
			bm_port_page *page = h->ports[p][hi];
			if (!page)
				continue;
			for (int lo = 0; lo < 256; lo++) {
				if ((*page)[lo])
					bm_crowd_free((*page)[lo]);
				free((*page)[lo]);
			}
			free(page);
			h->ports[p][hi] = NULL;
		}
	}
	free(h->marks);
	h->marks = NULL;
	while (h->nspare_ports)
		free(h->spare_ports[--h->nspare_ports]);
}

/* ---------------------------------------------------- the port view (API) */

const bm_sock_info *bm_port_first(const bm_host *h, bm_proto proto, uint16_t port)
{
	const bm_port *o = h ? bm_index_find(h, proto, port) : NULL;
	return o ? &bm_rec_at(h, o->first)->info : NULL;
}

const bm_sock_info *bm_port_last(const bm_host *h, bm_proto proto, uint16_t port)
{
	const bm_port *o = h ? bm_index_find(h, proto, port) : NULL;
	return o ? &bm_rec_at(h, o->last)->info : NULL;
}

const bm_sock_info *bm_port_next(const bm_host *h, const bm_sock_info *owner)
{
	const bm_sockrec *r = (const bm_sockrec *)owner;
	return h && r && r->port_next ? &bm_rec_at(h, r->port_next)->info : NULL;
}

const bm_sock_info *bm_port_prev(const bm_host *h, const bm_sock_info *owner)
{
	const bm_sockrec *r = (const bm_sockrec *)owner;
	return h && r && r->port_prev ? &bm_rec_at(h, r->port_prev)->info : NULL;
}

size_t bm_port_count(const bm_host *h, bm_proto proto, uint16_t port)
{
	const bm_port *o = h ? bm_index_find(h, proto, port) : NULL;
	return o ? o->n : 0;
}

const void *bm_port_state(const bm_host *h, bm_proto proto, uint16_t port)
{
	const bm_port *o = h ? bm_index_find(h, proto, port) : NULL;
	return o ? o->state : NULL;
}

/* ------------------------------------------------------------- the host */

bm_host *bm_host_new_with_policy(const bm_policy *p, bm_result *err)
{
	/* a policy must name itself and give a usable ephemeral range; the
	 * rest may be left 0 (the core's defaults) */
	if (!p || p->version < 2 || p->version > BM_POLICY_VERSION || !p->name ||
	    p->port_state_size > BM_PORT_STATE_MAX || p->ephemeral_lo < 1 ||
	    p->ephemeral_lo > p->ephemeral_hi ||
	    p->tw_reuse < 0 || p->tw_reuse > 2 || p->time_wait_ms > 24u * 3600 * 1000 ||
	    (p->version >= 4 && (p->port_search_tcp > BM_PORT_SEARCH_NEXT_DOWN ||
	                         p->port_search_udp > BM_PORT_SEARCH_NEXT_DOWN))) {
		if (err)
			*err = BM_EINVAL;
		return NULL;
	}
	bm_host *h = calloc(1, sizeof *h);
	if (!h) {
		if (err)
			*err = BM_ENOMEM;
		return NULL;
	}
	h->policy = p;
	h->autobind_skips_bound = p->version >= 3 && p->autobind_skips_bound;
	h->conflict_overlap_only = p->version >= 3 && p->conflict_overlap_only;
	h->choice_rule = p->version >= 4 ? p->choice_rule : NULL;
	h->tw_syn_needs_listener = p->version >= 4 && p->tw_syn_needs_listener;
	h->connect_tuple_only = p->version >= 5 && p->connect_tuple_only && p->autobind_skips_bound;
	h->owner_kind = p->version >= 6 && h->conflict_overlap_only ? p->owner_kind : NULL;
	/* a policy older than version 4 keeps the order the core used then */
	h->port_search[BM_TCP - 1] = p->version >= 4 ? p->port_search_tcp : BM_PORT_SEARCH_PARITY;
	h->port_search[BM_UDP - 1] = p->version >= 4 ? p->port_search_udp : BM_PORT_SEARCH_PARITY;
	h->crowded = BM_CROWDED;
	h->codes = (bm_codes){
		.bind_exhausted = p->bind_exhausted ? p->bind_exhausted : BM_EADDRINUSE,
		.connect_exhausted = p->connect_exhausted ? p->connect_exhausted : BM_EADDRNOTAVAIL,
		.udp_autobind_exhausted = p->udp_autobind_exhausted ? p->udp_autobind_exhausted
		                                                    : BM_EAGAIN,
		.connect_on_listen = p->connect_on_listen ? p->connect_on_listen : BM_EISCONN,
		.connect_tuple_error = p->connect_tuple_error ? p->connect_tuple_error
		                                              : BM_EADDRNOTAVAIL,
		.accept_udp = p->accept_udp ? p->accept_udp : BM_EOPNOTSUPP,
	};
	h->knob[BM_KNOB_EPHEMERAL_LO] = p->ephemeral_lo;
	h->knob[BM_KNOB_EPHEMERAL_HI] = p->ephemeral_hi;
	h->knob[BM_KNOB_UNPRIVILEGED_PORT_START] = p->unprivileged_port_start;
	h->knob[BM_KNOB_TW_REUSE] = p->tw_reuse;
	h->knob[BM_KNOB_V6ONLY] = p->v6only_default;
	h->knob[BM_KNOB_TIME_WAIT_MS] = (long)p->time_wait_ms;
	h->knob[BM_KNOB_NONLOCAL_BIND] = 0;
	h->knob[BM_KNOB_NOLOCAL_TIMEWAIT] = p->nolocal_timewait != 0;
	h->last.code = BM_OK;
	if (err)
		*err = BM_OK;
	return h;
}

bm_host *bm_host_new(const char *personality, bm_result *err)
{
	const bm_policy *p = bm_personality_find(personality);
	if (!p) {
		if (err)
			*err = BM_ENOENT;
		return NULL;
	}
	return bm_host_new_with_policy(p, err);
}

void bm_host_free(bm_host *h)
{
	/* a host on a net is freed with its net (bm_net_free) */
	if (!h || h->net)
		return;
	for (size_t i = 0; i < h->extracap; i++)
		free(h->extras[i].queue);
	free(h->extras);
	for (size_t i = 0; i < h->nslabs; i++)
		free(h->slabs[i]);
	free(h->slabs);
	free(h->table);
	free(h->timers);
	free(h->addrs);
	free(h->addr_slots);
	bm_index_free(h);
	free(h->tuples);
	free(h);
}

/* -------------------------------- open addressing of record links */

/* The socket table and the four-tuple index are both arrays of entries
 * (a record's link, marked BM_AT_HOME in its home slot; 0 empty), a power
 * of two long, at most half full, linear probing; they differ only in
 * where a record's home slot is. */
typedef size_t (*link_home)(const bm_sockrec *r, size_t cap);

static inline uint32_t entry_at(uint32_t link, size_t slot, size_t home)
{
	return link | (slot == home ? BM_AT_HOME : 0);
}

static inline void links_put(const bm_host *h, uint32_t *t, size_t cap, uint32_t link, link_home home)
{
	size_t at = home(bm_rec_at(h, link), cap), i = at;
	while (t[i])
		i = (i + 1) & (cap - 1);
	t[i] = entry_at(link, i, at);
}

/* Empty slot i, moving later entries of its cluster back (no tombstones:
 * lookups stay short however many records came and went).  An entry at
 * home stays, and its record is not read. */
static inline void links_erase(const bm_host *h, uint32_t *t, size_t cap, size_t i, link_home home)
{
	size_t mask = cap - 1;
	t[i] = 0;
	for (size_t j = (i + 1) & mask; t[j]; j = (j + 1) & mask) {
		if (t[j] & BM_AT_HOME)
			continue;
		uint32_t link = bm_entry_link(t[j]);
		size_t at = home(bm_entry_rec(h, t[j]), cap);
		/* move it to the hole if the hole lies between its home and it */
		if (((j - at) & mask) >= ((j - i) & mask)) {
			t[i] = entry_at(link, i, at);
			t[j] = 0;
			i = j;
		}
	}
}

/* Room for n + 1 links in *t (doubled, from 64); -1 when out of memory. */
static inline int links_reserve(const bm_host *h, uint32_t **t, size_t *cap, size_t n, link_home home)
{
	if ((n + 1) * 2 <= *cap)
		return 0;
	size_t grown = *cap ? *cap * 2 : 64;
	uint32_t *g = calloc(grown, sizeof *g);
	if (!g)
		return -1;
	for (size_t i = 0; i < *cap; i++)
		if ((*t)[i])
			links_put(h, g, grown, bm_entry_link((*t)[i]), home);
	free(*t);
	*t = g;
	*cap = grown;
	return 0;
}

/* ---------------------------------------------------- the four-tuple index */

static uint32_t tuple_hash(bm_proto proto, uint16_t port, const bm_endpoint *remote)
{
	size_t len;
	const uint8_t *key = bm_addr_key(remote, &len);
	uint32_t x = bm_addr_hash(key, len);
	return (x ^ ((uint32_t)proto << 16 | port)) * 2654435761u ^ remote->port;
}

static size_t tuple_home(const bm_sockrec *r, size_t cap)
{
	return tuple_hash(r->info.proto, r->info.local.port, &r->info.remote) & (cap - 1);
}

/* Drop the index for good: the searches walk the owners instead. */
static void tuple_give_up(bm_host *h)
{
	free(h->tuples);
	h->tuples = NULL;
	h->tuplecap = h->ntuples = 0;
	h->no_tuples = 1;
}

void bm_tuple_add(bm_host *h, bm_sockrec *s)
{
	if (h->no_tuples || !s->indexed || !s->info.remote.port)
		return;
	if (links_reserve(h, &h->tuples, &h->tuplecap, h->ntuples, tuple_home) != 0) {
		tuple_give_up(h);   /* out of memory: slower, never wrong */
		return;
	}
	links_put(h, h->tuples, h->tuplecap, bm_rec_link(h, s), tuple_home);
	h->ntuples++;
}

void bm_tuple_remove(bm_host *h, const bm_sockrec *s)
{
	if (h->no_tuples || !h->tuplecap || !s->info.remote.port)
		return;
	uint32_t link = bm_rec_link(h, s);
	size_t mask = h->tuplecap - 1, i = tuple_home(s, h->tuplecap);
	while (h->tuples[i] && bm_entry_link(h->tuples[i]) != link)
		i = (i + 1) & mask;
	if (!h->tuples[i])
		return;   /* it was not in (not indexed when its peer was set) */
	links_erase(h, h->tuples, h->tuplecap, i, tuple_home);
	h->ntuples--;
}

bm_sockrec *bm_tuple_next(const bm_host *h, bm_proto proto, uint16_t port,
                          const bm_endpoint *dst, size_t *at)
{
	if (!h->tuplecap)
		return NULL;
	size_t mask = h->tuplecap - 1;
	/* *at is the next slot to look at, plus one */
	size_t i = *at ? *at - 1 : tuple_hash(proto, port, dst) & mask;
	for (; h->tuples[i]; i = (i + 1) & mask) {
		bm_sockrec *r = bm_entry_rec(h, h->tuples[i]);
		if (r->info.proto == proto && r->info.local.port == port &&
		    r->info.remote.port == dst->port && bm_addr_equal(&r->info.remote, dst)) {
			*at = ((i + 1) & mask) + 1;
			return r;
		}
	}
	*at = i + 1;
	return NULL;
}

void bm_host_set_tuple_index(bm_host *h, int on)
{
	if (!on)
		tuple_give_up(h);
}

/* ---------------------------------------------------- the socket table */

uint32_t bm_rec_link(const bm_host *h, const bm_sockrec *s)
{
	if (s == h->op_rec)
		return h->op_link;
	bm_sockrec *r;
	return bm_entry_link(h->table[bm_table_find(h, s->info.id, &r)]);
}

static size_t id_home(const bm_sockrec *r, size_t cap)
{
	return bm_slot_for(r->info.id, cap);
}

/* Remove the entry at slot i, shifting back the entries its slot kept from
 * their home (linear probing without tombstones). */
static void table_remove(bm_host *h, size_t i)
{
	links_erase(h, h->table, h->tablecap, i, id_home);
	h->nrecs--;
}

/* Room for one more entry in the table; -1 when out of memory. */
static int table_reserve(bm_host *h)
{
	return links_reserve(h, &h->table, &h->tablecap, h->nrecs, id_home);
}

/* A record to use: a freed one, else the next of the slabs (a new slab
 * when they are full).  Its link, or 0 when out of memory. */
static uint32_t take_rec(bm_host *h)
{
	if (h->free_recs) {
		uint32_t link = h->free_recs;
		h->free_recs = bm_rec_at(h, link)->port_next;
		return link;
	}
	if (h->nused > (uint32_t)INT32_MAX)
		return 0;   /* a link has 31 bits */
	if (h->nused == h->nslabs * BM_SLAB) {
		bm_sockrec **v = bm_grow(h->slabs, &h->capslabs, h->nslabs + 1, sizeof *v, 4);
		if (!v)
			return 0;
		h->slabs = v;
		if (!(h->slabs[h->nslabs] = malloc(BM_SLAB * sizeof(bm_sockrec))))
			return 0;
		h->nslabs++;
	}
	if (h->nused == 0)
		h->nused = 1;   /* link 0 is none */
	return h->nused++;
}

bm_sockrec *bm_host_new_rec(bm_host *h)
{
	bm_sock *last = h->net ? bm_net_last_id(h->net) : &h->last_id;
	if (*last == INT32_MAX)
		return NULL;   /* 2^31 - 1 handles: then no more */
	if (table_reserve(h) != 0)
		return NULL;
	uint32_t link = take_rec(h);
	if (!link)
		return NULL;
	bm_sockrec *s = bm_rec_at(h, link);
	memset(s, 0, sizeof *s);
	s->info.id = ++*last;
	links_put(h, h->table, h->tablecap, link, id_home);
	h->nrecs++;
	h->op_rec = s;
	h->op_link = link;
	return s;
}

/* A released record stays in the table, and readable, until its operation
 * ends; then it goes to the free records. */
void bm_reap(bm_host *h)
{
	while (h->gone) {
		uint32_t link = h->gone;
		bm_sockrec *s = bm_rec_at(h, link);
		h->gone = s->port_next;
		bm_sockrec *r;
		table_remove(h, bm_table_find(h, s->info.id, &r));
		s->info.id = 0;
		s->info.state = BM_STATE_GONE;
		s->port_next = h->free_recs;
		h->free_recs = link;
	}
}

/* ------------------------------------------------------------ extras */

static size_t extra_slot(const bm_host *h, bm_sock id)
{
	size_t i = bm_slot_for(id, h->extracap);
	while (h->extras[i].id && h->extras[i].id != id)
		i = (i + 1) & (h->extracap - 1);
	return i;
}

bm_sockextra *bm_extra(const bm_host *h, const bm_sockrec *s)
{
	return s->has_extra ? &h->extras[extra_slot(h, s->info.id)] : NULL;
}

static int extras_reserve(bm_host *h)
{
	if ((h->nextras + 1) * 2 <= h->extracap)
		return 0;
	size_t cap = h->extracap ? h->extracap * 2 : 16;
	bm_sockextra *t = calloc(cap, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < h->extracap; i++) {
		if (!h->extras[i].id)
			continue;
		size_t j = bm_slot_for(h->extras[i].id, cap);
		while (t[j].id)
			j = (j + 1) & (cap - 1);
		t[j] = h->extras[i];
	}
	free(h->extras);
	h->extras = t;
	h->extracap = cap;
	return 0;
}

bm_sockextra *bm_extra_make(bm_host *h, bm_sockrec *s)
{
	if (s->has_extra)
		return bm_extra(h, s);
	if (extras_reserve(h) != 0)
		return NULL;
	bm_sockextra *e = &h->extras[extra_slot(h, s->info.id)];
	*e = (bm_sockextra){.id = s->info.id};
	h->nextras++;
	s->has_extra = 1;
	return e;
}

void bm_extra_drop(bm_host *h, bm_sockrec *s)
{
	if (!s->has_extra)
		return;
	size_t mask = h->extracap - 1, i = extra_slot(h, s->info.id);
	free(h->extras[i].queue);
	h->extras[i] = (bm_sockextra){0};
	/* shift back the entries the slot kept from home, as table_remove */
	for (size_t j = (i + 1) & mask; h->extras[j].id; j = (j + 1) & mask) {
		size_t home = bm_slot_for(h->extras[j].id, h->extracap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			h->extras[i] = h->extras[j];
			h->extras[j] = (bm_sockextra){0};
			i = j;
		}
	}
	h->nextras--;
	s->has_extra = 0;
}

/* ------------------------------------------------------ TIME_WAIT heap */

typedef struct bm_timer {
	uint64_t at;
	bm_sock id;
} bm_timer;

static int timer_before(const bm_timer *a, const bm_timer *b)
{
	return a->at < b->at || (a->at == b->at && a->id < b->id);
}

int bm_timer_reserve(bm_host *h)
{
	bm_timer *t = bm_grow(h->timers, &h->captimers, h->ntimers + 1, sizeof *t, 16);
	if (!t)
		return -1;
	h->timers = t;
	return 0;
}

int bm_timer_add(bm_host *h, const bm_sockrec *s)
{
	if (bm_timer_reserve(h) != 0)
		return -1;
	size_t i = h->ntimers++;
	bm_timer x = {s->info.tw_expires_ms, s->info.id};
	while (i > 0 && timer_before(&x, &h->timers[(i - 1) / 2])) {
		h->timers[i] = h->timers[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->timers[i] = x;
	return 0;
}

static void timer_pop(bm_host *h)
{
	bm_timer last = h->timers[--h->ntimers];
	size_t i = 0, n = h->ntimers;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && timer_before(&h->timers[c + 1], &h->timers[c]))
			c++;
		if (!timer_before(&h->timers[c], &last))
			break;
		h->timers[i] = h->timers[c];
		i = c;
	}
	if (n)
		h->timers[i] = last;
}

/* An entry is stale when its socket is gone, left TIME_WAIT, or got a
 * later expiry (which has an entry of its own). */
void bm_timers_run(bm_host *h)
{
	while (h->ntimers && h->timers[0].at <= h->now_ms) {
		bm_timer t = h->timers[0];
		timer_pop(h);
		bm_sockrec *s = bm_host_sock(h, t.id);
		if (s && s->info.state == BM_STATE_TIME_WAIT && s->info.tw_expires_ms == t.at)
			bm_release(h, s);
	}
	bm_reap(h);
}

const bm_policy *bm_host_policy(const bm_host *h)
{
	return h ? h->policy : NULL;
}



/* ---------------------------------------------------------------- knobs */

static const char *const knob_names[BM_KNOB_COUNT] = {
	[BM_KNOB_EPHEMERAL_LO] = "ephemeral_lo",
	[BM_KNOB_EPHEMERAL_HI] = "ephemeral_hi",
	[BM_KNOB_UNPRIVILEGED_PORT_START] = "unprivileged_port_start",
	[BM_KNOB_TW_REUSE] = "tw_reuse",
	[BM_KNOB_V6ONLY] = "v6only",
	[BM_KNOB_TIME_WAIT_MS] = "time_wait",
	[BM_KNOB_NONLOCAL_BIND] = "nonlocal_bind",
	[BM_KNOB_NOLOCAL_TIMEWAIT] = "nolocal_timewait",
};

const char *bm_knob_name(bm_knob k)
{
	return (unsigned)k < BM_KNOB_COUNT ? knob_names[k] : "?";
}

int bm_knob_from_name(const char *name, bm_knob *out)
{
	if (!name || !out)
		return -1;
	for (int k = 0; k < BM_KNOB_COUNT; k++) {
		if (strcasecmp(name, knob_names[k]) == 0) {
			*out = (bm_knob)k;
			return 0;
		}
	}
	return -1;
}

bm_result bm_host_set_knob(bm_host *h, bm_knob k, long value)
{
	if (!h || (unsigned)k >= BM_KNOB_COUNT)
		return BM_EINVAL;
	switch (k) {
	case BM_KNOB_EPHEMERAL_LO:
		if (value < 1 || value > 65535 || value > h->knob[BM_KNOB_EPHEMERAL_HI])
			return BM_EINVAL;
		break;
	case BM_KNOB_EPHEMERAL_HI:
		if (value < 1 || value > 65535 || value < h->knob[BM_KNOB_EPHEMERAL_LO])
			return BM_EINVAL;
		break;
	case BM_KNOB_UNPRIVILEGED_PORT_START:
		if (value < 0 || value > 65536)
			return BM_EINVAL;
		break;
	case BM_KNOB_TW_REUSE:
		if (value < 0 || value > 2)
			return BM_EINVAL;
		break;
	case BM_KNOB_V6ONLY:
	case BM_KNOB_NONLOCAL_BIND:
	case BM_KNOB_NOLOCAL_TIMEWAIT:
		if (value != 0 && value != 1)
			return BM_EINVAL;
		break;
	case BM_KNOB_TIME_WAIT_MS:
		if (value < 0 || value > 24L * 3600 * 1000)
			return BM_EINVAL;
		break;
	default:
		return BM_EINVAL;
	}
	h->knob[k] = value;
	return BM_OK;
}

long bm_host_knob(const bm_host *h, bm_knob k)
{
	if (!h || (unsigned)k >= BM_KNOB_COUNT)
		return -1;
	return h->knob[k];
}

bm_result bm_host_add_addr(bm_host *h, const char *addr, const char *dev)
{
	bm_endpoint ep;
	if (!h || bm_addr_parse(addr, &ep) != 0 || bm_addr_is_any(&ep) ||
	    bm_addr_is_multicast(&ep) || bm_addr_is_v4mapped(&ep))
		return BM_EINVAL;
	if (dev && strlen(dev) >= BM_DEVLEN)
		return BM_EINVAL;
	if (bm_host_addr_is_local(h, &ep) && !bm_addr_is_loopback(&ep))
		return BM_OK;   /* already there, as `ip addr add` twice */
	bm_local_addr *grown = bm_grow(h->addrs, &h->capaddrs, h->naddrs + 1, sizeof *grown, 4);
	if (!grown)
		return BM_ENOMEM;
	h->addrs = grown;
	bm_local_addr *a = &h->addrs[h->naddrs];
	memset(a, 0, sizeof *a);
	a->addr = ep;
	snprintf(a->dev, sizeof a->dev, "%s", dev && dev[0] ? dev : "lo");
	if (bm_host_addr_indexed(h, h->naddrs) != 0)
		return BM_ENOMEM;   /* not added: naddrs unchanged */
	h->naddrs++;
	return BM_OK;
}

uint64_t bm_time_wait_end(const bm_host *h)
{
	uint64_t len = (uint64_t)h->knob[BM_KNOB_TIME_WAIT_MS];
	return h->now_ms > UINT64_MAX - len ? UINT64_MAX : h->now_ms + len;
}

uint64_t bm_host_now(const bm_host *h)
{
	return h ? h->now_ms : 0;
}

/* bm_last_verdict and bm_verdict_set: verdict.c */

/* ---------------------------------------------------------------- names */

static const char *const result_names[BM_RESULT_COUNT] = {
	[BM_OK] = "ok",
	[BM_EADDRINUSE] = "EADDRINUSE",
	[BM_EADDRNOTAVAIL] = "EADDRNOTAVAIL",
	[BM_EACCES] = "EACCES",
	[BM_EINVAL] = "EINVAL",
	[BM_EISCONN] = "EISCONN",
	[BM_ENOTCONN] = "ENOTCONN",
	[BM_ENOPROTOOPT] = "ENOPROTOOPT",
	[BM_EOPNOTSUPP] = "EOPNOTSUPP",
	[BM_EAFNOSUPPORT] = "EAFNOSUPPORT",
	[BM_EAGAIN] = "EAGAIN",
	[BM_ECONNREFUSED] = "ECONNREFUSED",
	[BM_EALREADY] = "EALREADY",
	[BM_ENODEV] = "ENODEV",
	[BM_EBADF] = "EBADF",
	[BM_ENOMEM] = "ENOMEM",
	[BM_ENOENT] = "ENOENT",
	[BM_ENETUNREACH] = "ENETUNREACH",
	[BM_ENOBUFS] = "ENOBUFS",
	[BM_EPERM] = "EPERM",
	[BM_EINPROGRESS] = "EINPROGRESS",
	[BM_ECONNRESET] = "ECONNRESET",
	[BM_EHOSTUNREACH] = "EHOSTUNREACH",
	[BM_ENOTSOCK] = "ENOTSOCK",
	[BM_EPROTONOSUPPORT] = "EPROTONOSUPPORT",
	[BM_ETIMEDOUT] = "ETIMEDOUT",
	[BM_EFAULT] = "EFAULT",
};

const char *bm_result_name(bm_result r)
{
	return (unsigned)r < BM_RESULT_COUNT ? result_names[r] : "?";
}

int bm_result_from_name(const char *name, bm_result *out)
{
	if (!name || !out)
		return -1;
	/* Winsock spells them WSAEADDRINUSE, WSAEACCES, ... */
	if ((name[0] | 0x20) == 'w' && strncasecmp(name, "WSAE", 4) == 0)
		name += 3;
	/* the first letters are compared before the call: a scenario line
	 * looks up one or two names (issue 11: the runner's speed) */
	for (int r = 0; r < BM_RESULT_COUNT; r++) {
		if ((name[0] | 0x20) == (result_names[r][0] | 0x20) &&
		    strcasecmp(name, result_names[r]) == 0) {
			*out = (bm_result)r;
			return 0;
		}
	}
	/* EWOULDBLOCK is EAGAIN on every system we model */
	if (strcasecmp(name, "EWOULDBLOCK") == 0) {
		*out = BM_EAGAIN;
		return 0;
	}
	return -1;
}

const char *bm_host_error_name(const bm_host *h, bm_result r)
{
	if (h && h->policy->error_name) {
		const char *n = h->policy->error_name(r);
		if (n)
			return n;
	}
	return bm_result_name(r);
}

static const char *const state_names[] = {
	[BM_STATE_CLOSED] = "CLOSED",
	[BM_STATE_BOUND] = "BOUND",
	[BM_STATE_LISTEN] = "LISTEN",
	[BM_STATE_CONNECTED] = "CONNECTED",
	[BM_STATE_TIME_WAIT] = "TIME_WAIT",
	[BM_STATE_GONE] = "GONE",
};

const char *bm_state_name(bm_state s)
{
	return (unsigned)s <= BM_STATE_GONE ? state_names[s] : "?";
}

static const struct {
	bm_option opt;
	const char *name;
} option_names[] = {
	{BM_SO_REUSEADDR, "SO_REUSEADDR"},
	{BM_SO_REUSEPORT, "SO_REUSEPORT"},
	{BM_SO_REUSEPORT_LB, "SO_REUSEPORT_LB"},
	{BM_SO_EXCLUSIVEADDRUSE, "SO_EXCLUSIVEADDRUSE"},
	{BM_SO_EXCLBIND, "SO_EXCLBIND"},
	{BM_IPV6_V6ONLY, "IPV6_V6ONLY"},
	{BM_SO_LINGER, "SO_LINGER"},
	{BM_SO_BINDTODEVICE, "SO_BINDTODEVICE"},
	{BM_IP_FREEBIND, "IP_FREEBIND"},
	{BM_IP_FREEBIND, "IP_BINDANY"},
};

const char *bm_option_name(bm_option o)
{
	for (size_t i = 0; i < sizeof option_names / sizeof *option_names; i++)
		if (option_names[i].opt == o)
			return option_names[i].name;
	return "?";
}

int bm_option_from_name(const char *name, bm_option *out)
{
	if (!name || !out)
		return -1;
	for (size_t i = 0; i < sizeof option_names / sizeof *option_names; i++) {
		if (strcasecmp(name, option_names[i].name) == 0) {
			*out = option_names[i].opt;
			return 0;
		}
	}
	return -1;
}

/* --------------------------------------------------------- personalities */

size_t bm_personality_count(void)
{
	return bm_builtin_npolicies;
}

const bm_policy *bm_personality_at(size_t i)
{
	return i < bm_builtin_npolicies ? bm_builtin_policies[i] : NULL;
}

const bm_rule *bm_policy_rule(const bm_policy *p, const char *id)
{
	if (!id)
		return NULL;
	if (p) {
		for (size_t i = 0; i < p->nrules; i++)
			if (strcmp(p->rules[i].id, id) == 0)
				return &p->rules[i];
	}
	for (size_t i = 0; i < bm_core_nrules; i++)
		if (strcmp(bm_core_rules[i].id, id) == 0)
			return &bm_core_rules[i];
	return NULL;
}
