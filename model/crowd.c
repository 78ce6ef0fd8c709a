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
 * looks up one address itself walks it through bm_port_near_last/prev.
 * Where the policy also gives owners a kind (owner_kind: owners of one
 * kind answer alike), an address keeps one list per kind and the walk asks
 * each kind's newest owner only (bm_crowd_check_kinds): Windows, where any
 * member of a SO_REUSEADDR group could refuse a bind, asks one.
 *
 * An owner's group is the address it bound; a wildcard owner that
 * connect() later narrowed stays in the wildcard group, which every walk
 * visits (a group too wide only costs time, never a verdict).  When the
 * owners fall to half the threshold the index goes, and with it the groups
 * of addresses nobody holds any more.  Out of memory, the index is dropped
 * and the walks go back to the whole list: slower, never wrong.
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

/* The owners of one address that the policy cannot tell apart (one kind
 * of bm_policy.owner_kind; all of them for a policy without it), in join
 * order.  One that leaves becomes a hole (s NULL, its stamp kept) until
 * holes are half the array, when the array is packed.  Where each owner
 * is in it is hashed on the record (pos), so that leaving costs the same
 * in a list of 20 or of 200,000 (a busy server's connections all share
 * the listener's address and port). */
typedef struct bm_kind_list {
	uint64_t kind;
	bm_crowd_owner *v;       /* the owners, in join order, and holes */
	uint32_t *pos;           /* open addressing on the record: index + 1
	                            into v, 0 empty; at most half full */
	uint32_t n, cap, holes;
	uint32_t first;          /* v[first] is the oldest owner (n: none) */
	uint32_t poscap;
} bm_kind_list;

/* An address's owners: one list, or one per kind (more[] past the
 * first; a list left empty stays for the next kind). */
typedef struct bm_addr_group {
	uint32_t hash;
	uint8_t len;             /* 0 for the wildcard group, 4 or 16 */
	uint8_t key[16];
	uint32_t nmore;
	bm_kind_list one;
	bm_kind_list *more;
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
 * not, bm_crowd_remove looks in every group). */
static uint8_t owner_key(const bm_sockrec *s, uint8_t key[16])
{
	if (s->info.bound.family && bm_addr_is_any(&s->info.bound))
		return 0;
	return key_of(&s->info.local, key);
}

static bm_addr_group *owner_group(bm_port_addrs *a, const bm_sockrec *s)
{
	uint8_t key[16];
	uint8_t len = owner_key(s, key);
	return group_find(a, key, len, hash_of(key, len));
}

static uint64_t kind_of(const bm_host *h, const bm_sockrec *s)
{
	return h->owner_kind ? h->owner_kind(h, &s->info) : 0;
}

/* The lists of g, the first one inline. */
static size_t nlists(const bm_addr_group *g)
{
	return 1 + (size_t)g->nmore;
}

static bm_kind_list *list_at(bm_addr_group *g, size_t i)
{
	return i ? &g->more[i - 1] : &g->one;
}

/* ---------------------------------------- where an owner is in its list */

/* Records made together sit side by side in a slab, and owners mostly
 * leave in the order they came: numbered by place in memory, they get
 * slots a few apart, several to a cache line, as handles do in the socket
 * table (bm_slot_for). */
static size_t pos_home(const bm_sockrec *s, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)s / sizeof *s;
	return (size_t)(x * 3u) & (cap - 1);
}

/* The pos slot of s, or the empty one where it would go. */
static size_t pos_slot(const bm_kind_list *l, const bm_sockrec *s)
{
	size_t mask = l->poscap - 1, i = pos_home(s, l->poscap);
	while (l->pos[i] && l->v[l->pos[i] - 1].s != s)
		i = (i + 1) & mask;
	return i;
}

/* Hash every owner of v again into pos (poscap slots, already zeroed). */
static void pos_fill(bm_kind_list *l)
{
	for (size_t k = 0; k < l->n; k++)
		if (l->v[k].s)
			l->pos[pos_slot(l, l->v[k].s)] = (uint32_t)(k + 1);
}

/* Empty slot i, moving later entries of its cluster back (no tombstones
 * in pos: lookups stay short however many owners came and went). */
static void pos_erase(bm_kind_list *l, size_t i)
{
	size_t mask = l->poscap - 1;
	l->pos[i] = 0;
	for (size_t j = (i + 1) & mask; l->pos[j]; j = (j + 1) & mask) {
		size_t home = pos_home(l->v[l->pos[j] - 1].s, l->poscap);
		/* move it to the hole if the hole lies between its home and it */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			l->pos[i] = l->pos[j];
			l->pos[j] = 0;
			i = j;
		}
	}
}

/* Pack out the holes; pos is rebuilt in place. */
static void list_pack(bm_kind_list *l)
{
	uint32_t j = 0;
	for (size_t k = 0; k < l->n; k++)
		if (l->v[k].s)
			l->v[j++] = l->v[k];
	l->n = j;
	l->holes = 0;
	l->first = 0;
	memset(l->pos, 0, l->poscap * sizeof *l->pos);
	pos_fill(l);
}

/* Room for one more owner in l; -1 out of memory. */
static int list_reserve(bm_kind_list *l)
{
	if (l->n >= UINT32_MAX / 4)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap;
		bm_crowd_owner *v = bm_grow(l->v, &cap, (size_t)l->n + 1, sizeof *v, 1);
		if (!v)
			return -1;
		l->v = v;
		l->cap = (uint32_t)cap;
	}
	if (((size_t)l->n + 1) * 2 > l->poscap) {
		uint32_t cap = l->poscap ? l->poscap * 2 : 16;
		uint32_t *pos = calloc(cap, sizeof *pos);
		if (!pos)
			return -1;
		free(l->pos);
		l->pos = pos;
		l->poscap = cap;
		pos_fill(l);
	}
	return 0;
}

/* Put e in l at its place by stamp: at the end for an owner that just
 * joined; further in for one whose kind changed (bm_crowd_restate), the
 * newer ones moving up. */
static int list_insert(bm_kind_list *l, bm_crowd_owner e)
{
	if (list_reserve(l) != 0)
		return -1;
	uint32_t at = l->n;
	if (l->n && l->v[l->n - 1].stamp > e.stamp) {
		uint32_t lo = 0, hi = l->n;   /* the first newer than e */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (l->v[mid].stamp > e.stamp)
				hi = mid;
			else
				lo = mid + 1;
		}
		at = lo;
		memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof *l->v);
		/* each moved owner's pos still says its old index + 1, k: the
		 * newest first, so that no two slots ever say the same */
		size_t mask = l->poscap - 1;
		for (uint32_t k = l->n; k > at; k--) {
			if (!l->v[k].s)
				continue;
			size_t i = pos_home(l->v[k].s, l->poscap);
			while (l->pos[i] != k)
				i = (i + 1) & mask;
			l->pos[i] = k + 1;
		}
	}
	l->v[at] = e;
	l->pos[pos_slot(l, e.s)] = at + 1;
	l->n++;
	if (at < l->first || l->n == 1)
		l->first = at;
	return 0;
}

/* Take s out of l, leaving a hole; 0 if it was not there, else 1 with
 * *stamp its join stamp. */
static int list_remove(bm_kind_list *l, const bm_sockrec *s, uint64_t *stamp)
{
	if (!l->poscap)
		return 0;
	size_t i = pos_slot(l, s);
	if (!l->pos[i])
		return 0;
	uint32_t at = l->pos[i] - 1;
	*stamp = l->v[at].stamp;
	l->v[at].s = NULL;
	pos_erase(l, i);
	l->holes++;
	/* holes at the newest end go at once: a walk starts there */
	while (l->n && !l->v[l->n - 1].s) {
		l->n--;
		l->holes--;
	}
	while (l->first < l->n && !l->v[l->first].s)
		l->first++;   /* each hole is passed once before a pack */
	if (!l->n)
		l->first = 0;
	if (l->holes * 2 > l->n)
		list_pack(l);   /* so a walk passes no more holes than owners */
	return 1;
}

/* The list of g for kind, made (or an empty one taken) when make is set;
 * NULL if there is none, or out of memory. */
static bm_kind_list *list_for(bm_addr_group *g, uint64_t kind, int make)
{
	bm_kind_list *empty = NULL;
	for (size_t i = 0; i < nlists(g); i++) {
		bm_kind_list *l = list_at(g, i);
		if (l->kind == kind && l->n)
			return l;
		if (!l->n && !empty)
			empty = l;
	}
	if (!make)
		return NULL;
	if (!empty) {
		if (g->nmore == UINT32_MAX)
			return NULL;
		bm_kind_list *more = realloc(g->more, ((size_t)g->nmore + 1) * sizeof *more);
		if (!more)
			return NULL;
		g->more = more;
		empty = &more[g->nmore++];
		memset(empty, 0, sizeof *empty);
	}
	empty->kind = kind;
	return empty;
}

static int group_append(const bm_host *h, bm_port_addrs *a, bm_sockrec *s)
{
	uint8_t key[16];
	uint8_t len = owner_key(s, key);
	bm_addr_group *g = group_make(a, key, len, hash_of(key, len));
	bm_kind_list *l = g ? list_for(g, kind_of(h, s), 1) : NULL;
	if (!l)
		return -1;
	return list_insert(l, (bm_crowd_owner){s, ++a->stamps});
}

/* Take s out of g, whatever its list: 1 if it was there. */
static int group_remove(bm_addr_group *g, const bm_sockrec *s, uint64_t kind, uint64_t *stamp)
{
	bm_kind_list *l = list_for(g, kind, 0);
	if (l && list_remove(l, s, stamp))
		return 1;
	for (size_t i = 0; i < nlists(g); i++)   /* its kind changed unseen */
		if (list_remove(list_at(g, i), s, stamp))
			return 1;
	return 0;
}

void bm_host_set_crowded(bm_host *h, size_t n)
{
	h->crowded = n;
}

static void list_free(bm_kind_list *l)
{
	free(l->v);
	free(l->pos);
}

void bm_crowd_drop(bm_port *o)
{
	bm_port_addrs *a = o->by_addr;
	if (!a)
		return;
	for (size_t i = 0; i < a->cap; i++) {
		bm_addr_group *g = &a->slots[i];
		for (size_t k = 0; k < nlists(g); k++)
			list_free(list_at(g, k));
		free(g->more);
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
		if (group_append(h, o->by_addr, r) != 0)
			bm_crowd_drop(o);
}

void bm_crowd_add(const bm_host *h, bm_port *o, bm_sockrec *s)
{
	if (o->by_addr) {
		if (group_append(h, o->by_addr, s) != 0)
			bm_crowd_drop(o);
	} else {
		crowd_build(h, o);
	}
}

void bm_crowd_remove(const bm_host *h, bm_port *o, const bm_sockrec *s)
{
	bm_port_addrs *a = o->by_addr;
	if (!a)
		return;
	uint64_t kind = kind_of(h, s), stamp;
	bm_addr_group *g = owner_group(a, s);
	if (g && group_remove(g, s, kind, &stamp))
		return;
	/* its address changed since it joined: look everywhere (slow, and
	 * never a dangling owner) */
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i].hash && group_remove(&a->slots[i], s, kind, &stamp))
			return;
}

/* s, an owner of o, may be of another kind now (its state changed): move
 * it to that kind's list, keeping its place in join order. */
void bm_crowd_restate(const bm_host *h, bm_port *o, bm_sockrec *s)
{
	bm_addr_group *g = owner_group(o->by_addr, s);
	if (!g)
		return;
	uint64_t kind = kind_of(h, s), stamp;
	bm_kind_list *l = list_for(g, kind, 0);
	if (l && l->poscap && l->pos[pos_slot(l, s)])
		return;   /* still of its kind */
	if (!group_remove(g, s, kind, &stamp))
		return;
	l = list_for(g, kind, 1);
	if (!l || list_insert(l, (bm_crowd_owner){s, stamp}) != 0)
		bm_crowd_drop(o);   /* the walks go back to the whole list */
}

/* ------------------------------------------------- the walk, newest first */

/* The groups of o that can overlap addr: its own and the wildcard's;
 * -1 when addr is a wildcard (it overlaps every owner). */
static int near_groups(bm_port *o, const bm_endpoint *addr, bm_addr_group *g[2])
{
	uint8_t key[16];
	uint8_t len = key_of(addr, key);
	if (len == 0)
		return -1;
	static const uint8_t none[1] = {0};
	g[0] = group_find(o->by_addr, key, len, hash_of(key, len));
	g[1] = group_find(o->by_addr, none, 0, hash_of(none, 0));
	return 0;
}

/* The one cursor both walks use (bm_check_owners and the policies' near
 * view): group[0] holds the owners on the address, group[1] those on a
 * wildcard, left[] how many of each are still to come.  A group of
 * several kinds is not walked this way (bm_crowd_check_kinds). */
int bm_crowd_walk_start(bm_port *o, const bm_endpoint *addr, bm_port_cursor *c)
{
	memset(c, 0, sizeof *c);
	bm_addr_group *g[2];
	if (!o->by_addr || near_groups(o, addr, g) != 0)
		return -1;   /* no index: few owners; or a wildcard */
	for (int k = 0; k < 2; k++) {
		if (g[k] && g[k]->nmore)
			return -1;
		c->group[k] = g[k] ? &g[k]->one : NULL;
		c->left[k] = g[k] ? g[k]->one.n : 0;
	}
	return 0;
}

bm_sockrec *bm_crowd_walk_next(bm_port_cursor *c)
{
	const bm_kind_list *same = c->group[0], *any = c->group[1];
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

/* The newest and the oldest owner of l but the socket skip (a listen()
 * walks past the listener itself). */
static const bm_crowd_owner *newest_but(const bm_kind_list *l, bm_sock skip)
{
	for (size_t k = l->n; k > l->first; k--)
		if (l->v[k - 1].s && l->v[k - 1].s->info.id != skip)
			return &l->v[k - 1];
	return NULL;
}

static const bm_crowd_owner *oldest_but(const bm_kind_list *l, bm_sock skip)
{
	for (size_t k = l->first; k < l->n; k++)
		if (l->v[k].s && l->v[k].s->info.id != skip)
			return &l->v[k];
	return NULL;
}

enum { KIND_HEADS = 32 };   /* more kinds than this: the walk goes one by one */

typedef struct kind_head {
	const bm_crowd_owner *newest;
	const bm_kind_list *l;
} kind_head;

/*
 * bm_check_owners for a policy that promised owner_kind: the owners of a
 * kind answer alike, so the walk asks each kind's newest owner, newest
 * first; a refusal names the newest owner that refuses, as the walk one by
 * one would.  When every kind lets cand share, that walk's last answer was
 * its oldest sharing owner's: that owner is asked once more, so the verdict
 * names it.  1 with *r the result, or 0 when the walk must go one by one
 * (cand a wildcard, too many kinds).
 */
int bm_crowd_check_kinds(const bm_host *h, bm_port *o, const bm_sock_info *cand, bm_phase phase,
                         bm_verdict *v, bm_result *r)
{
	bm_addr_group *g[2];
	if (!o->by_addr || near_groups(o, &cand->local, g) != 0)
		return 0;
	kind_head heads[KIND_HEADS];
	size_t n = 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; g[k] && i < nlists(g[k]); i++) {
			const bm_kind_list *l = list_at(g[k], i);
			const bm_crowd_owner *e = newest_but(l, cand->id);
			if (!e)
				continue;
			if (n == KIND_HEADS)
				return 0;
			size_t at = n++;   /* insertion sort, newest first */
			for (; at && heads[at - 1].newest->stamp < e->stamp; at--)
				heads[at] = heads[at - 1];
			heads[at] = (kind_head){e, l};
		}
	}
	const bm_crowd_owner *oldest = NULL;   /* the oldest owner that shares */
	const bm_sockrec *asked = NULL;
	for (size_t i = 0; i < n; i++) {
		asked = heads[i].newest->s;
		bm_match m = bm_policy_conflict(h, cand, &asked->info, phase, v);
		if (m == BM_MATCH_CONFLICT) {
			*r = bm_refused_by(v, asked->info.id);
			return 1;
		}
		if (m == BM_MATCH_SHARE_STOP) {
			*r = BM_OK;
			return 1;
		}
		if (m == BM_MATCH_SHARE) {
			const bm_crowd_owner *e = oldest_but(heads[i].l, cand->id);
			if (!oldest || e->stamp < oldest->stamp)
				oldest = e;
		}
	}
	if (oldest && oldest->s != asked)
		bm_policy_conflict(h, cand, &oldest->s->info, phase, v);
	*r = BM_OK;
	return 1;
}

/* ------------------------------------------------- the walk, for policies */

const bm_sock_info *bm_port_near_last(const bm_host *h, bm_proto proto, uint16_t port,
                                      const bm_endpoint *addr, bm_port_cursor *c)
{
	if (!c)
		return NULL;
	bm_port *o = h && addr ? bm_index_find(h, proto, port) : NULL;
	if (o && proto == BM_TCP && o->by_addr && bm_crowd_walk_start(o, addr, c) == 0)
		return bm_port_near_prev(h, c);
	/* a port without the address index (few owners) walks them all: the
	 * newest now, the cursor at the next */
	memset(c, 0, sizeof *c);
	const bm_sockrec *r = o ? bm_rec_at(h, o->last) : NULL;
	if (!r)
		return NULL;
	c->whole = 1;
	c->at = bm_rec_at(h, r->port_prev);
	return &r->info;
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
