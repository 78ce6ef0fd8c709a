/* SPDX-License-Identifier: MIT */
/*
 * internal.h: the model's private structures.
 *
 * A host keeps its sockets in slabs of records and a hash from handle to
 * record (handles are never reused; a record is freed for reuse once its
 * socket is gone, so memory follows the largest live population, not the
 * history), a heap of TIME_WAIT expiries, and a port index:
 * for each (protocol, port) with an owner, a bm_port that lists its owners
 * in the order they joined it, as a doubly linked list threaded through the
 * socket records.  A conflict check looks at the owners of one port only;
 * finding the port is two array steps (protocol and high byte, then low
 * byte), and leaving it is O(1), so neither grows with the population.
 * The same list, read through bm_port_first/next/last/prev, is the ordered
 * view the policies walk; a bm_port also carries the policy's own memory of
 * the port (Linux's bind bucket), kept as long as the port has an owner.
 */
#ifndef BM_INTERNAL_H
#define BM_INTERNAL_H

#include "bindmodel.h"

/* bm_sock_info keeps options in 16 bits (issue 11: its size is memory per
 * socket); an option past bit 15 needs a wider field and a new ABI. */
_Static_assert(BM_ALL_OPTIONS <= UINT16_MAX, "bm_sock_info.opts is 16 bits");

/* A listener's accept queue: children not yet accepted, oldest first.
 * Only listeners have one, so it is allocated apart from the record. */
typedef struct bm_queue {
	size_t n, cap;
	bm_sock v[];
} bm_queue;

/* Issue 11: bytes per live socket.  A record is the public bm_sock_info
 * and two 31-bit links; it lives in one of the host's slabs of BM_SLAB
 * records, named by its number there (a link; 0 is none, and the first
 * record of the first slab is never used), which is what the socket table
 * and the port lists hold: a link costs half a pointer, and finding its
 * record one more load.  What few sockets need
 * (a peer, an accept queue, a pending connect) is kept apart, in the
 * host's table of extras (bm_extra). */
typedef struct bm_sockrec {
	bm_sock_info info;       /* first: a bm_sock_info * from the port view
	                            is the address of its record */
	unsigned port_prev : 31; /* the port's owners, as links; once the */
	unsigned indexed : 1;    /* socket is released (not indexed any more),
	                            port_next links the records that bm_reap
	                            frees when the operation ends, and once
	                            freed, the host's free records */
	unsigned port_next : 31;
	unsigned has_extra : 1;  /* it has an entry in the host's extras */
} bm_sockrec;

#define BM_SLAB 256              /* records a slab */

/* What a socket has beyond its record, when it has it (bm_extra): keyed by
 * its handle in an open-addressing table of the host, so an entry may
 * move when another is made or dropped. */
typedef struct bm_sockextra {
	bm_sock id;              /* 0: an empty slot */
	bm_sock peer;            /* the other end, when the model has it */
	bm_host *peer_host;      /* the host of peer on a net; NULL: this host */
	bm_queue *queue;         /* listener: children not yet accepted, or NULL */
	uint8_t connecting;      /* a non-blocking connect() has not yet been
	                            collected (Linux SS_CONNECTING) */
	uint8_t conn_result;     /* what that connect() came to (bm_result) */
} bm_sockextra;

typedef struct bm_port_addrs bm_port_addrs;
enum { BM_SPARE_PORTS = 64 };

typedef struct bm_port {
	uint32_t first, last;    /* oldest and newest owner (links) */
	size_t n;
	bm_port_addrs *by_addr;  /* crowd.c: owners by address, or NULL */
	unsigned char state[];   /* policy->port_state_size bytes */
} bm_port;

typedef struct bm_local_addr {
	bm_endpoint addr;        /* port unused */
	char dev[BM_DEVLEN];
} bm_local_addr;

/* ports[proto - 1][port >> 8][port & 255], each page made on first use */
typedef bm_port *bm_port_page[256];

/* The result codes where systems differ, as the host uses them: the
 * policy's, or the core's default where the policy left 0. */
typedef struct bm_codes {
	bm_result bind_exhausted, connect_exhausted, udp_autobind_exhausted,
		connect_on_listen, connect_tuple_error, accept_udp;
} bm_codes;

struct bm_host {
	const bm_policy *policy;
	bm_codes codes;
	long knob[BM_KNOB_COUNT];
	uint64_t now_ms;
	uint64_t seq;            /* binding order */

	bm_sockrec **slabs;       /* the records, BM_SLAB a slab; a record
	                             never moves while the host lives */
	size_t nslabs, capslabs;
	uint32_t nused;           /* records ever taken from the slabs, the
	                             unused first one included */
	uint32_t free_recs;       /* freed records, for reuse (a link) */
	uint32_t *table;          /* open addressing on the handle: entries
	                             (bm_entry_link) of live records (and
	                             released ones until reaped), 0 empty */
	size_t tablecap, nrecs;
	bm_sock last_id;          /* handles are 1, 2, ... never reused (alone;
	                             in a net, the net numbers them) */
	uint32_t gone;            /* released during this operation (a link) */
	/* the record the operation looked its handle up for, and its link:
	 * bm_rec_link answers it without a search (a record's link is fixed
	 * by where it sits, so the pair never goes stale) */
	const bm_sockrec *op_rec;
	uint32_t op_link;
	bm_sockextra *extras;     /* open addressing on the handle */
	size_t extracap, nextras;

	struct bm_timer *timers;  /* min-heap of TIME_WAIT expiries */
	size_t ntimers, captimers;

	bm_port_page *ports[2][256];
	int autobind_skips_bound;   /* the policy's promises (version 3) */
	int conflict_overlap_only;
	/* the policy's choice_rule hook (version 4), NULL before */
	const char *(*choice_rule)(const bm_host *, const bm_sock_info *, bm_choice, int);
	bm_port_search port_search[2];   /* per protocol (version 4) */
	int tw_syn_needs_listener;       /* version 4 */
	int connect_tuple_only;          /* version 5, with autobind_skips_bound */
	/* the policy's owner_kind hook (version 6, with conflict_overlap_only) */
	uint64_t (*owner_kind)(const bm_host *, const bm_sock_info *);
	bm_port *spare_ports[BM_SPARE_PORTS];   /* freed port records, for reuse */
	size_t nspare_ports;
	long last_port[2];               /* the last ephemeral port taken */
	size_t crowded;             /* owners past which a TCP port is indexed
	                               by address (BM_CROWDED; tests change it) */
	struct bm_port_marks *marks;   /* what autobind learnt of TCP ports */
	/* The owners that have a peer, by (protocol, local port, remote
	 * address and port): open addressing of entries (bm_entry_link), at
	 * most half full.  no_tuples: none kept (out of memory, or a test),
	 * walks instead. */
	uint32_t *tuples;
	size_t tuplecap, ntuples;
	int no_tuples;

	bm_local_addr *addrs;
	size_t naddrs, capaddrs;
	uint32_t *addr_slots;     /* hash of addrs: index + 1, 0 empty */
	size_t addr_slotcap;

	bm_verdict last;

	struct bm_net *net;      /* the net that owns the host, or NULL */
	char name[BM_HOSTNAME_LEN];   /* its name on the net ("" alone) */
};

/* host.c: the record a link names, or NULL for 0 */
static inline bm_sockrec *bm_rec_at(const bm_host *h, uint32_t link)
{
	return link ? &h->slabs[link / BM_SLAB][link % BM_SLAB] : NULL;
}
/* The link that names s (a live or released record of h). */
uint32_t bm_rec_link(const bm_host *h, const bm_sockrec *s);

/* host.c: the extras of s, or NULL when it has none; a pointer stays good
 * until the next bm_extra_make or bm_extra_drop on the host. */
bm_sockextra *bm_extra(const bm_host *h, const bm_sockrec *s);
/* The extras of s, made (zeroed) if it has none; NULL when out of memory. */
bm_sockextra *bm_extra_make(bm_host *h, bm_sockrec *s);
/* s is released: its extras, and its accept queue, go. */
void bm_extra_drop(bm_host *h, bm_sockrec *s);

/* host.c: the port index.  Finding a port, and a socket by its handle
 * below, are inline: every operation does them (issue 11). */
static inline bm_port **bm_port_slot(const bm_host *h, bm_proto proto, uint16_t port)
{
	if (proto != BM_TCP && proto != BM_UDP)
		return NULL;
	bm_port_page *page = h->ports[proto - 1][port >> 8];
	return page ? &(*page)[port & 255] : NULL;
}

static inline bm_port *bm_index_find(const bm_host *h, bm_proto proto, uint16_t port)
{
	bm_port **slot = bm_port_slot(h, proto, port);
	return slot ? *slot : NULL;
}
/* Append s to the owners of its port (it joins last); -1 on ENOMEM. */
int bm_index_add(bm_host *h, bm_sockrec *s);
/* s takes ep as its local and bound address and joins that port's owners
 * (leaving the port it was on); its port, or NULL when out of memory (s
 * keeps its addresses, but is off the port it was on: only the rebind a
 * plug-in's precheck allows has one). */
bm_port *bm_index_bind(bm_host *h, bm_sockrec *s, const bm_endpoint *ep);
void bm_index_remove(bm_host *h, bm_sockrec *s);
void bm_index_join(bm_host *h, bm_sockrec *s, bm_port *o);
void bm_index_free(bm_host *h);
/* The first port from port to hi that a TCP connect()'s autobind may take
 * as far as bind()-held ports go (hi + 1: none): port itself unless the
 * policy promised autobind_skips_bound. */
long bm_autobind_next(bm_host *h, long port, long hi);

/* What the operations share (ops.c, bind.c, socket.c, connect.c) */

/* An operation's verdict: the caller's, else the host's last verdict
 * itself (no copy at the end; a bad host gets a scratch one). */
#define VERDICT(h, v) \
	bm_verdict scratch_; \
	(v) = bm_verdict_begin((v), (h) ? &(h)->last : &scratch_)

/* verdict.c */
/* Clear v again, keeping whose it is. */
static inline void bm_verdict_clear(bm_verdict *w)
{
	w->code = BM_OK;
	w->rule = NULL;
	w->conflict = 0;
	w->reason[0] = 0;
	w->alt = BM_OK;
	w->alt_rule = NULL;
	w->alt_condition = NULL;
	w->lazy_.fmt = NULL;
	w->lazy_.nargs = 0;
	w->lazy_.nstr = 0;
}

static inline bm_verdict *bm_verdict_begin(bm_verdict *v, bm_verdict *scratch)
{
	bm_verdict *w = v ? v : scratch;
	bm_verdict_clear(w);
	w->lazy_.caller = v != NULL;
	return w;
}
/* bm_verdict_set(v, code, rule, conflict, "%s %s", what, the endpoint as
 * text), with the endpoint kept and formatted only when read: a call that
 * succeeds names where it bound on every operation.  what is static. */
void bm_verdict_set_at(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict,
                       const char *what, const bm_endpoint *ep);
/* bm_verdict_set(v, code, rule, conflict, "%s -> %s", from, to as text),
 * with both endpoints kept and formatted only when read (a connect()). */
void bm_verdict_set_path(bm_verdict *v, bm_result code, const char *rule, bm_sock conflict,
                         const bm_endpoint *from, const bm_endpoint *to);
/* v holds the rule that let a bind() or listen() share the port: its
 * reason becomes "what EP, sharing the port [with socket N]: <the rule's
 * own reason>", made only when read.  what is static. */
void bm_verdict_set_shared(bm_verdict *v, const char *what, const bm_endpoint *ep);
/* Copy the used part of a verdict (its reason, or what makes it). */
void bm_verdict_copy(bm_verdict *to, const bm_verdict *from);

/* End an operation: a verdict the caller passed gets its reason now; the
 * host (if any) remembers v, reason unformatted, as its last verdict. */
bm_result bm_finish_all(bm_host *h, bm_verdict *v);
/* The same, inline for the common end: the host's own verdict was the
 * operation's, and no socket was released (every operation ends here). */
static inline bm_result bm_finish(bm_host *h, bm_verdict *v)
{
	if (h && v == &h->last && !v->lazy_.caller && !h->gone)
		return v->code;
	return bm_finish_all(h, v);
}
/* EBADF for a handle that names no live socket. */
bm_result bm_bad_handle(bm_host *h, bm_sock s, bm_verdict *v);
/* bm_op_sock's answer when id names no live socket of h, or h is NULL:
 * NULL, with v filled in (no host: EINVAL; no such socket: EBADF). */
bm_sockrec *bm_op_no_sock(bm_host *h, bm_sock id, bm_verdict *v);
/* An array items (capacity *cap of size-byte items) with room for n (n >
 * 0), grown by doubling from first: the array, perhaps moved, or NULL when
 * out of memory (items and *cap untouched). */
void *bm_grow(void *items, size_t *cap, size_t n, size_t size, size_t first);
/* The policy's pairwise conflict question, or the core's default. */
bm_match bm_policy_conflict(const bm_host *h, const bm_sock_info *s,
                            const bm_sock_info *old, bm_phase phase, bm_verdict *v);
/* A walk over a port's owners met old, which refuses: the verdict names it
 * (unless the policy named another) with EADDRINUSE if the policy left the
 * code OK; returns the code. */
static inline bm_result bm_refused_by(bm_verdict *v, bm_sock old)
{
	if (v->code == BM_OK)
		v->code = BM_EADDRINUSE;
	if (!v->conflict)
		v->conflict = old;
	return v->code;
}
/* Walk the owners of cand's port o, newest first: BM_OK or the refusal. */
bm_result bm_check_port_owners(bm_host *h, bm_port *o, const bm_sock_info *cand,
                               bm_phase phase, bm_verdict *v);
/* The same for cand's port, whoever holds it; a port nobody holds (most
 * binds) is answered here, without a call (issue 11). */
static inline bm_result bm_check_owners(bm_host *h, const bm_sock_info *cand, bm_phase phase,
                                        bm_verdict *v)
{
	bm_port *o = bm_index_find(h, cand->proto, cand->local.port);
	return o ? bm_check_port_owners(h, o, cand, phase, v) : BM_OK;
}
bm_sockrec *bm_new_socket(bm_host *h);
bm_endpoint bm_wildcard_of(bm_family fam);
/* Find a free ephemeral port for cand (its address already set); 0 if
 * none is left. */
const char *bm_choice_rule(const bm_host *h, const bm_sock_info *s, bm_choice what, int found,
                           const char *core_rule);
int bm_pick_port(bm_host *h, bm_sock_info *cand, int for_connect, const bm_endpoint *dst,
                 bm_verdict *v);
/* Bind s to ep: it joins the port index and becomes BOUND; returns its
 * port, or NULL (nothing changed) when out of memory. */
bm_port *bm_set_bound(bm_host *h, bm_sockrec *s, const bm_endpoint *ep, int explicit_port);
int bm_autobind(bm_host *h, bm_sockrec *s, bm_sock_info *cand, bm_result exhausted,
                bm_verdict *v);
/* The socket is gone: out of the port index, its queue freed. */
void bm_release(bm_host *h, bm_sockrec *s);
int bm_grow_queue(bm_host *h, bm_sockrec *l);

/* crowd.c: a crowded TCP port's owners by address (policies with
 * conflict_overlap_only), kept beside the port's list */
#define BM_CROWDED 32            /* more owners than this: indexed */
/* The index's slow paths: s joins o's index (made now if o just became
 * crowded), s leaves it, the index goes. */
void bm_crowd_add(const bm_host *h, bm_port *o, bm_sockrec *s);
void bm_crowd_remove(const bm_host *h, bm_port *o, const bm_sockrec *s);
void bm_crowd_drop(bm_port *o);
void bm_crowd_restate(const bm_host *h, bm_port *o, bm_sockrec *s);

/* s joined o (already in its list) / is leaving it; o is being freed.
 * Inline: most ports are never crowded, and every bind and close asks. */
static inline void bm_crowd_joined(const bm_host *h, bm_port *o, bm_sockrec *s)
{
	if (s->info.proto == BM_TCP && (o->by_addr || o->n > h->crowded))
		bm_crowd_add(h, o, s);
}

static inline void bm_crowd_left(const bm_host *h, bm_port *o, const bm_sockrec *s)
{
	if (o->by_addr)
		bm_crowd_remove(h, o, s);
}

/* What the policy's owner_kind reads of s may have changed (its state, the
 * address connect() gave it): an owner of a crowded port moves to the list
 * of its kind now.  Called wherever an indexed TCP socket changes so. */
static inline void bm_crowd_rekind(const bm_host *h, bm_sockrec *s)
{
	if (!h->owner_kind || !s->indexed || s->info.proto != BM_TCP)
		return;
	bm_port *o = bm_index_find(h, BM_TCP, s->info.local.port);
	if (o && o->by_addr)
		bm_crowd_restate(h, o, s);
}

static inline void bm_crowd_free(bm_port *o)
{
	if (o->by_addr)
		bm_crowd_drop(o);
}
/* For tests: index a TCP port past n owners (SIZE_MAX: never), so that a
 * run with the index and one without can be compared. */
void bm_host_set_crowded(bm_host *h, size_t n);

/* host.c: the four-tuple index (the kernel's established hash).  An owner
 * of a port that has a remote port is in it; bm_index_add/remove keep it,
 * and whatever changes an indexed socket's remote end calls
 * bm_tuple_remove before and bm_tuple_add after. */
void bm_tuple_add(bm_host *h, bm_sockrec *s);
void bm_tuple_remove(bm_host *h, const bm_sockrec *s);
/* The owners of (proto, port) whose remote end is dst, one per call: *at
 * starts at 0; NULL at the end.  Only while !h->no_tuples. */
bm_sockrec *bm_tuple_next(const bm_host *h, bm_proto proto, uint16_t port,
                          const bm_endpoint *dst, size_t *at);
/* For tests: keep no four-tuple index (connect() searches walk owners). */
void bm_host_set_tuple_index(bm_host *h, int on);
/* The owners of o that can overlap addr, newest first: 0 and a walk, or
 * -1 when the whole list must be walked (no index, addr a wildcard). */
int bm_crowd_walk_start(bm_port *o, const bm_endpoint *addr, bm_port_cursor *c);
bm_sockrec *bm_crowd_walk_next(bm_port_cursor *c);
/* bm_check_owners on a crowded port of a policy with owner_kind: 1 with
 * *r its result, 0 when the owners must be walked one by one. */
int bm_crowd_check_kinds(const bm_host *h, bm_port *o, const bm_sock_info *cand, bm_phase phase,
                         bm_verdict *v, bm_result *r);

/* addr.c: the bytes an address is looked up by (its IPv4 form where it
 * has one: 4 bytes, else 16), and their hash (FNV-1a seeded with the
 * length), shared by the host's address table and crowd.c */
const uint8_t *bm_addr_key(const bm_endpoint *ep, size_t *len);
uint32_t bm_addr_hash(const uint8_t *bytes, size_t len);

/* addr.c: the index of a host's configured addresses */
/* The entry of h->addrs that ep's address is (a v4-mapped address as its
 * IPv4 form), or -1. */
long bm_host_addr_find(const bm_host *h, const bm_endpoint *ep);
/* h->addrs[i] was appended: index it; -1 when out of memory. */
int bm_host_addr_indexed(bm_host *h, size_t i);

/* host.c: the socket table and the four-tuple index hold entries: a link
 * (31 bits) and, in the top bit, BM_AT_HOME when the entry sits in its own
 * home slot.  An erase moves the entries after the hole back by their
 * homes; one marked at home never moves, and its record is not read (issue
 * 11: those records are cold, and a close paid a miss for each). */
#define BM_AT_HOME 0x80000000u
static inline uint32_t bm_entry_link(uint32_t entry)
{
	return entry & ~BM_AT_HOME;
}

/* The record of a nonzero entry. */
static inline bm_sockrec *bm_entry_rec(const bm_host *h, uint32_t entry)
{
	uint32_t link = bm_entry_link(entry);
	return &h->slabs[link / BM_SLAB][link % BM_SLAB];
}

/* The home slot of handle id.  Handles are made in sequence and mostly
 * go in the order they came, so sockets made together sit a few slots
 * apart, five to a cache line: closing the oldest of a crowd of 20,000
 * finds its slot in a line the last close brought in (issue 11; a
 * multiplicative hash put every handle on a line and a page of its own).
 * Any odd multiplier keeps distinct handles (mod cap) in distinct slots;
 * with 3, the handles live at once fill a table at most half full in runs
 * of one or two, as a scattering hash would. */
static inline size_t bm_slot_for(bm_sock id, size_t cap)
{
	return ((uint32_t)id * 3u) & (cap - 1);
}

/* The table slot that holds handle id, or the empty slot where it would
 * go; *rec gets the record there, or NULL. */
static inline size_t bm_table_find(const bm_host *h, bm_sock id, bm_sockrec **rec)
{
	size_t mask = h->tablecap - 1, i = bm_slot_for(id, h->tablecap);
	for (; h->table[i]; i = (i + 1) & mask) {
		bm_sockrec *r = bm_entry_rec(h, h->table[i]);
		if (r->info.id == id) {
			*rec = r;
			return i;
		}
	}
	*rec = NULL;
	return i;
}

/* The record of handle id, released or not (NULL once it is freed). */
static inline bm_sockrec *bm_host_rec(const bm_host *h, bm_sock id)
{
	bm_sockrec *r = NULL;
	if (h && id > 0 && h->tablecap)
		bm_table_find(h, id, &r);
	return r;
}
/* Make a record with the next handle; NULL when out of memory. */
bm_sockrec *bm_host_new_rec(bm_host *h);
/* A released record is freed when its operation ends: free them now. */
void bm_reap(bm_host *h);
/* s entered TIME_WAIT (or its expiry moved): bm_advance will look at it
 * when the clock reaches s->info.tw_expires_ms.  -1 when out of memory. */
int bm_timer_add(bm_host *h, const bm_sockrec *s);
/* Make room for one more timer, so that a bm_timer_add that follows
 * cannot fail; -1 when out of memory. */
int bm_timer_reserve(bm_host *h);
/* Release every TIME_WAIT whose time is up. */
void bm_timers_run(bm_host *h);

/* When a TIME_WAIT that starts now ends: now plus the host's TIME_WAIT
 * length, saturating (a clock advanced to its end never wraps an expiry
 * back into the past). */
uint64_t bm_time_wait_end(const bm_host *h);
static inline bm_sockrec *bm_host_sock(const bm_host *h, bm_sock id)
{
	bm_sockrec *s = bm_host_rec(h, id);
	return s && s->info.state != BM_STATE_GONE ? s : NULL;
}

/* s, if an operation may act on it: not TIME_WAIT, not GONE, not a child
 * still in an accept queue */
static inline bm_sockrec *bm_rec_live(bm_sockrec *s)
{
	if (!s || s->info.state == BM_STATE_GONE || s->info.state == BM_STATE_TIME_WAIT ||
	    s->info.pending)
		return NULL;
	return s;
}

/* The live socket an operation acts on, or NULL with v filled in (no host:
 * EINVAL; no such socket: EBADF); the operation then returns v->code.
 * Inline: every operation asks it first (issue 11). */
static inline bm_sockrec *bm_op_sock(bm_host *h, bm_sock id, bm_verdict *v)
{
	bm_sockrec *r = NULL;
	if (h && id > 0 && h->tablecap) {
		size_t i = bm_table_find(h, id, &r);
		if (r) {   /* for bm_rec_link: the operation's record, found here */
			h->op_rec = r;
			h->op_link = bm_entry_link(h->table[i]);
		}
	}
	bm_sockrec *s = bm_rec_live(r);
	return s ? s : bm_op_no_sock(h, id, v);
}

static inline bm_sockrec *bm_host_live_sock(const bm_host *h, bm_sock id)
{
	return bm_rec_live(bm_host_rec(h, id));
}

/* net.c: the host that owns addr on h's net (never h itself), or NULL */
bm_host *bm_net_route_from(const bm_host *h, const bm_endpoint *addr);
/* The hosts of a net draw their handles from one counter, so that a handle
 * used on the wrong host of the net is found out (bm_net_holder names the
 * host that has it live). */
bm_sock *bm_net_last_id(bm_net *net);
const bm_host *bm_net_holder(const bm_net *net, bm_sock id);
/* connect.c: the other end of s's connection, when it still points back at
 * s; *ph (may be NULL) gets its host. */
bm_sockrec *bm_peer_of(bm_host *h, const bm_sockrec *s, bm_host **ph);

/* rules.c: rules every personality shares */
extern const bm_rule bm_core_rules[];
extern const size_t bm_core_nrules;

/* registry.c */
extern const bm_policy *const bm_builtin_policies[];
extern const size_t bm_builtin_npolicies;

#endif
