/*
 * internal.h: the model's private structures.
 *
 * A host keeps its sockets in an array indexed by handle (handles are never
 * reused) and an index from (protocol, port) to the sockets that own that
 * port, in binding order, so a conflict check only looks at the owners of
 * one port.  Connections are found by four-tuple through the same index:
 * every connected socket owns its local port.
 */
#ifndef BM_INTERNAL_H
#define BM_INTERNAL_H

#include "bindmodel.h"

typedef struct bm_sockrec {
	bm_sock_info info;
	bm_sock peer;            /* the other end, when it is on this host */
	int peer_closed;         /* the peer closed first: our close is passive */
	bm_sock *queue;          /* listener: children not yet accepted */
	size_t nqueue, capqueue;
	int indexed;             /* present in the port index */
} bm_sockrec;

typedef struct bm_port_owners {
	uint32_t key;            /* proto << 16 | port */
	bm_sock *socks;          /* oldest first */
	size_t n, cap;
	/* every bind() and listen() that joined this port since it was last
	 * free, as the socket was then (opts = its options at that moment):
	 * a policy may replay them (Linux's fastreuseport bucket state) */
	bm_sock_info *joins;
	size_t njoins, capjoins;
	struct bm_port_owners *next;
} bm_port_owners;

typedef struct bm_local_addr {
	bm_endpoint addr;        /* port unused */
	char dev[BM_DEVLEN];
} bm_local_addr;

#define BM_PORT_BUCKETS 256

struct bm_host {
	const bm_policy *policy;
	long knob[BM_KNOB_COUNT];
	uint64_t now_ms;
	uint64_t seq;            /* binding order */

	bm_sockrec **socks;       /* handle - 1 */
	size_t nsocks, capsocks;

	bm_port_owners *ports[BM_PORT_BUCKETS];

	bm_local_addr *addrs;
	size_t naddrs, capaddrs;

	bm_verdict last;
};

/* index.c */
bm_port_owners *bm_index_find(const bm_host *h, bm_proto proto, uint16_t port);
int bm_index_add(bm_host *h, bm_sockrec *s);
void bm_index_remove(bm_host *h, bm_sockrec *s);
int bm_index_join(bm_host *h, const bm_sockrec *s);
void bm_index_free(bm_host *h);

/* host.c */
bm_sockrec *bm_host_sock(const bm_host *h, bm_sock id);
bm_sockrec *bm_host_live_sock(const bm_host *h, bm_sock id); /* not TW/GONE */

/* rules.c: rules every personality shares */
extern const bm_rule bm_core_rules[];
extern const size_t bm_core_nrules;

/* registry.c */
extern const bm_policy *const bm_builtin_policies[];
extern const size_t bm_builtin_npolicies;

#endif
