/* SPDX-License-Identifier: MIT */
/*
 * crowd.c: a crowded port's owners by address.
 *
 * A bind() to one address of a port that thousands of sockets share (one
 * per address, say) only has to look at the owners that can overlap it:
 * those on the same address and those on a wildcard.  Once a TCP port has
 * more than BM_CROWDED owners, the core keeps, beside the port's list in
 * join order, a hash from address to the owners on it, each group in join
 * order; bm_check_owners then walks the merge of two groups, newest first,
 * which is the port's own walk with the owners that cannot overlap left
 * out (issue 11: the walk stays short whatever the crowd).  The kernels do
 * the same: Linux's bhash2 and FreeBSD's per-address lookup.
 *
 * bm_check_owners walks it where the policy promises, with
 * conflict_overlap_only, that its conflict hook answers BM_MATCH_NONE for
 * those owners, so leaving them out changes no verdict; a policy that
 * looks up one address itself walks it through bm_port_near_last/prev.  An owner's group is the address it bound; a wildcard owner
 * that connect() later narrowed stays in the wildcard group, which every
 * walk visits (a group too wide only costs time, never a verdict).  When
 * the owners fall to half the threshold the index goes, and with it the
 * groups of addresses nobody holds any more.  Out of memory, the index is dropped and the walks go
 * back to the whole list: slower, never wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* An owner in its group, with when it joined the port: stamps order the
 * owners of one port only, so they live here, not in every record (issue
 * 11: bytes per socket). */
typedef struct bm_crowd_owner {
	bm_sockrec *s;
	uint64_t stamp;          /* larger is newer */
} bm_crowd_owner;

/* A group keeps its owners in join order; one that leaves becomes a hole
 * (s NULL, its stamp kept) until holes are half the array, when the array
 * is packed.  Where each owner is in it is hashed on the record (pos), so
 * that leaving costs the same in a group of 20 or of 200,000 (a busy
 * server's connections all share the listener's address and port). */
typedef struct bm_addr_group {
	uint32_t hash;
	uint8_t len;             /* 0 for the wildcard group, 4 or 16 */
	uint8_t key[16];
	bm_crowd_owner *v;       /* the owners, in join order, and holes */
	size_t n, cap, holes;
	uint32_t *pos;           /* open addressing on the record: index + 1
	                            into v, 0 empty; at most half full */
	size_t poscap;
} bm_addr_group;

struct bm_port_addrs {
	bm_addr_group *slots;    /* open addressing, at most half full */
	size_t cap, used;
	uint64_t stamps;         /* the last stamp given */
};

/* The address an owner is grouped by: bm_addr_key's bytes, none for a
 * wildcard. */
static uint8_t key_of(const bm_endpoint *ep, uint8_t key[16])
{
	if (bm_addr_is_any(ep))
		return 0;
	size_t len;
	const uint8_t *bytes = bm_addr_key(ep, &len);
	memcpy(key, bytes, len);
	return (uint8_t)len;
}

static uint32_t hash_of(const uint8_t *key, uint8_t len)
{
	uint32_t x = bm_addr_hash(key, len);
	return x ? x : 1;   /* 0 marks an empty slot */
}

static bm_addr_group *group_find(bm_port_addrs *a, const uint8_t *key, uint8_t len,
                                 uint32_t hash)
{
	size_t mask = a->cap - 1;
	for (size_t i = hash & mask; a->slots[i].hash; i = (i + 1) & mask) {
		bm_addr_group *g = &a->slots[i];
		if (g->hash == hash && g->len == len && memcmp(g->key, key, len) == 0)
			return g;
	}
	return NULL;
}

static int grow_slots(bm_port_addrs *a)
{
	size_t cap = a->cap ? a->cap * 2 : 16;
	bm_addr_group *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < a->cap; i++) {
		if (!a->slots[i].hash)
			continue;
		size_t j = a->slots[i].hash & (cap - 1);
		while (slots[j].hash)
			j = (j + 1) & (cap - 1);
		slots[j] = a->slots[i];
	}
	free(a->slots);
	a->slots = slots;
	a->cap = cap;
	return 0;
}

static bm_addr_group *group_make(bm_port_addrs *a, const uint8_t *key, uint8_t len,
                                 uint32_t hash)
{
	bm_addr_group *g = a->cap ? group_find(a, key, len, hash) : NULL;
	if (g)
		return g;
	if ((a->used + 1) * 2 > a->cap && grow_slots(a) != 0)
		return NULL;
	size_t i = hash & (a->cap - 1);
	while (a->slots[i].hash)
		i = (i + 1) & (a->cap - 1);
	g = &a->slots[i];
	g->hash = hash;
	g->len = len;
	memcpy(g->key, key, len);
	a->used++;
	return g;
}

/* An owner's group: the wildcard one if it bound a wildcard (connect() may
 * have narrowed its local address since), else its local address, which
 * nothing changes once it is specific (bm_set_bound sets bound before the
 * socket joins, so joining and leaving find the same group; should they
 * not, bm_crowd_left looks in every group). */
static uint8_t owner_key(const bm_sockrec *s, uint8_t key[16])
{
	if (s->info.bound.family && bm_addr_is_any(&s->info.bound))
		return 0;
	return key_of(&s->info.local, key);
}

/* ---------------------------------------- where an owner is in its group */

static size_t pos_home(const bm_sockrec *s, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)s;
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	return (size_t)(x >> 32) & (cap - 1);
}

/* The pos slot of s, or the empty one where it would go. */
static size_t pos_slot(const bm_addr_group *g, const bm_sockrec *s)
{
	size_t mask = g->poscap - 1, i = pos_home(s, g->poscap);
	while (g->pos[i] && g->v[g->pos[i] - 1].s != s)
		i = (i + 1) & mask;
	return i;
}

/* Hash every owner of v again into pos (poscap slots, already zeroed). */
static void pos_fill(bm_addr_group *g)
{
	for (size_t k = 0; k < g->n; k++)
		if (g->v[k].s)
			g->pos[pos_slot(g, g->v[k].s)] = (uint32_t)(k + 1);
}

/* Empty slot i, moving later entries of its cluster back (no tombstones
 * in pos: lookups stay short however many owners came and went). */
static void pos_erase(bm_addr_group *g, size_t i)
{
	size_t mask = g->poscap - 1;
	g->pos[i] = 0;
	for (size_t j = (i + 1) & mask; g->pos[j]; j = (j + 1) & mask) {
		size_t home = pos_home(g->v[g->pos[j] - 1].s, g->poscap);
		/* move it to the hole if the hole lies between its home and it */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			g->pos[i] = g->pos[j];
			g->pos[j] = 0;
			i = j;
		}
	}
}

/* Pack out the holes; pos is rebuilt in place. */
static void group_pack(bm_addr_group *g)
{
	size_t j = 0;
	for (size_t k = 0; k < g->n; k++)
		if (g->v[k].s)
			g->v[j++] = g->v[k];
	g->n = j;
	g->holes = 0;
	memset(g->pos, 0, g->poscap * sizeof *g->pos);
	pos_fill(g);
}

static int group_append(bm_port_addrs *a, bm_sockrec *s)
{
	uint8_t key[16];
	uint8_t len = owner_key(s, key);
	uint32_t hash = hash_of(key, len);
	bm_addr_group *g = group_make(a, key, len, hash);
	if (!g)
		return -1;
	bm_crowd_owner *v = bm_grow(g->v, &g->cap, g->n + 1, sizeof *v, 1);
	if (!v)
		return -1;
	g->v = v;
	if ((g->n + 1) * 2 > g->poscap) {
		if (g->n >= UINT32_MAX / 2)
			return -1;
		size_t cap = g->poscap ? g->poscap * 2 : 16;
		uint32_t *pos = calloc(cap, sizeof *pos);
		if (!pos)
			return -1;
		free(g->pos);
		g->pos = pos;
		g->poscap = cap;
		pos_fill(g);
	}
	g->v[g->n] = (bm_crowd_owner){s, ++a->stamps};
	g->pos[pos_slot(g, s)] = (uint32_t)(g->n + 1);
	g->n++;
	return 0;
}

void bm_host_set_crowded(bm_host *h, size_t n)
{
	h->crowded = n;
}

void bm_crowd_drop(bm_port *o)
{
	bm_port_addrs *a = o->by_addr;
	if (!a)
		return;
	for (size_t i = 0; i < a->cap; i++) {
		free(a->slots[i].v);
		free(a->slots[i].pos);
	}
	free(a->slots);
	free(a);
	o->by_addr = NULL;
}

/* Index every owner of o, in join order; on failure the port has none. */
static void crowd_build(const bm_host *h, bm_port *o)
{
	o->by_addr = calloc(1, sizeof *o->by_addr);
	for (bm_sockrec *r = bm_rec_at(h, o->first); o->by_addr && r; r = bm_rec_at(h, r->port_next))
		if (group_append(o->by_addr, r) != 0)
			bm_crowd_drop(o);
}

void bm_crowd_add(const bm_host *h, bm_port *o, bm_sockrec *s)
{
	if (o->by_addr) {
		if (group_append(o->by_addr, s) != 0)
			bm_crowd_drop(o);
	} else {
		crowd_build(h, o);
	}
}

/* Take s out of g, leaving a hole; 0 if it was not there. */
static int group_remove(bm_addr_group *g, const bm_sockrec *s)
{
	if (!g->poscap)
		return 0;
	size_t i = pos_slot(g, s);
	if (!g->pos[i])
		return 0;
	g->v[g->pos[i] - 1].s = NULL;
	pos_erase(g, i);
	g->holes++;
	/* holes at the newest end go at once: a walk starts there */
	while (g->n && !g->v[g->n - 1].s) {
		g->n--;
		g->holes--;
	}
	if (g->holes * 2 > g->n)
		group_pack(g);   /* so a walk passes no more holes than owners */
	return 1;
}

void bm_crowd_remove(bm_port *o, const bm_sockrec *s)
{
	bm_port_addrs *a = o->by_addr;
	if (!a)
		return;
	uint8_t key[16];
	uint8_t len = owner_key(s, key);
	bm_addr_group *g = group_find(a, key, len, hash_of(key, len));
	if (g && group_remove(g, s))
		return;
	/* its address changed since it joined: look everywhere (slow, and
	 * never a dangling owner) */
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i].hash && group_remove(&a->slots[i], s))
			return;
}

/* ------------------------------------------------- the walk, newest first */

/* The one cursor both walks use (bm_check_owners and the policies' near
 * view): group[0] holds the owners on the address, group[1] those on a
 * wildcard, left[] how many of each are still to come. */
int bm_crowd_walk_start(bm_port *o, const bm_endpoint *addr, bm_port_cursor *c)
{
	memset(c, 0, sizeof *c);
	if (!o->by_addr)
		return -1;   /* no index: few owners, walked one by one */
	uint8_t key[16];
	uint8_t len = key_of(addr, key);
	if (len == 0)
		return -1;   /* a wildcard overlaps every owner */
	static const uint8_t none[1] = {0};
	const bm_addr_group *same = group_find(o->by_addr, key, len, hash_of(key, len));
	const bm_addr_group *any = group_find(o->by_addr, none, 0, hash_of(none, 0));
	c->group[0] = same;
	c->group[1] = any;
	c->left[0] = same ? same->n : 0;
	c->left[1] = any ? any->n : 0;
	return 0;
}

bm_sockrec *bm_crowd_walk_next(bm_port_cursor *c)
{
	const bm_addr_group *same = c->group[0], *any = c->group[1];
	for (;;) {
		const bm_crowd_owner *s = c->left[0] ? &same->v[c->left[0] - 1] : NULL;
		const bm_crowd_owner *a = c->left[1] ? &any->v[c->left[1] - 1] : NULL;
		const bm_crowd_owner *next;
		if (s && (!a || s->stamp > a->stamp)) {
			c->left[0]--;
			next = s;
		} else if (a) {
			c->left[1]--;
			next = a;
		} else {
			return NULL;
		}
		if (next->s)
			return next->s;   /* else a hole: an owner that left */
	}
}

/* ------------------------------------------------- the walk, for policies */

const bm_sock_info *bm_port_near_last(const bm_host *h, bm_proto proto, uint16_t port,
                                      const bm_endpoint *addr, bm_port_cursor *c)
{
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	bm_port *o = h && addr ? bm_index_find(h, proto, port) : NULL;
	if (!o)
		return NULL;
	if (proto != BM_TCP || bm_crowd_walk_start(o, addr, c) != 0) {
		c->whole = 1;
		c->at = bm_rec_at(h, o->last);
	}
	return bm_port_near_prev(h, c);
}

const bm_sock_info *bm_port_near_prev(const bm_host *h, bm_port_cursor *c)
{
	if (!c || !h)
		return NULL;
	const bm_sockrec *r;
	if (c->whole) {
		r = c->at;
		c->at = r ? bm_rec_at(h, r->port_prev) : NULL;
	} else {
		r = bm_crowd_walk_next(c);
	}
	return r ? &r->info : NULL;
}
