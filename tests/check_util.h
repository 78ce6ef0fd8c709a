/* SPDX-License-Identifier: MIT */
/* check_util.h: small helpers shared by the Check suites. */
#ifndef BM_CHECK_UTIL_H
#define BM_CHECK_UTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bindmodel.h"

static inline bm_endpoint ep_of(const char *text)
{
	bm_endpoint ep;
	char err[64];
	ck_assert_msg(bm_endpoint_parse(text, &ep, err, sizeof err) == 0, "parse %s: %s", text, err);
	return ep;
}

static inline bm_host *host_of(const char *os)
{
	bm_result r;
	bm_host *h = bm_host_new(os, &r);
	ck_assert_msg(h != NULL, "no personality %s", os);
	return h;
}

static inline bm_sock sock_of(bm_host *h, const char *kind, unsigned opts, uint32_t uid)
{
	bm_sock s;
	bm_family fam = strchr(kind, '6') ? BM_AF_INET6 : BM_AF_INET;
	bm_proto proto = strncmp(kind, "udp", 3) == 0 ? BM_UDP : BM_TCP;
	ck_assert_int_eq(bm_socket(h, fam, proto, uid, &s, NULL), BM_OK);
	for (unsigned bit = 1; bit <= BM_IP_FREEBIND; bit <<= 1)
		if (opts & bit)
			ck_assert_int_eq(bm_setsockopt(h, s, (bm_option)bit, 1, NULL), BM_OK);
	return s;
}

static inline bm_result bind_to(bm_host *h, bm_sock s, const char *text)
{
	bm_endpoint ep = ep_of(text);
	return bm_bind(h, s, &ep, NULL);
}

static inline bm_result connect_to(bm_host *h, bm_sock s, const char *text)
{
	bm_endpoint ep = ep_of(text);
	return bm_connect(h, s, &ep, NULL);
}

/* bind_to and connect_to with the verdict kept in *v. */
static inline bm_result bind_verdict(bm_host *h, bm_sock s, const char *text, bm_verdict *v)
{
	bm_endpoint ep = ep_of(text);
	return bm_bind(h, s, &ep, v);
}

static inline bm_result connect_verdict(bm_host *h, bm_sock s, const char *text, bm_verdict *v)
{
	bm_endpoint ep = ep_of(text);
	return bm_connect(h, s, &ep, v);
}

/* Asserts s binds text. */
static inline void bind_ok(bm_host *h, bm_sock s, const char *text)
{
	ck_assert_int_eq(bind_to(h, s, text), BM_OK);
}

/* Two sockets that share one endpoint: both bind it, a first. */
static inline void bind_both(bm_host *h, bm_sock a, bm_sock b, const char *text)
{
	bind_ok(h, a, text);
	bind_ok(h, b, text);
}

/* s bound to text and listening. */
static inline void listen_on(bm_host *h, bm_sock s, const char *text)
{
	bind_ok(h, s, text);
	ck_assert_int_eq(bm_listen(h, s, NULL), BM_OK);
}

/* l bound to text and listening, c connected to it (not yet accepted). */
static inline void listen_connect(bm_host *h, bm_sock l, bm_sock c, const char *text)
{
	listen_on(h, l, text);
	ck_assert_int_eq(connect_to(h, c, text), BM_OK);
}

/* As listen_connect, and the connection accepted as *child. */
static inline void connected_pair(bm_host *h, bm_sock l, bm_sock c, bm_sock *child,
                                  const char *text)
{
	listen_connect(h, l, c, text);
	ck_assert_int_eq(bm_accept(h, l, child, NULL), BM_OK);
}

/* The ephemeral range lo..hi (lo first: it must not pass the current hi). */
static inline void set_ephemeral(bm_host *h, long lo, long hi)
{
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_LO, lo), BM_OK);
	ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, hi), BM_OK);
}

/* A host of personality os with the local address addr (no device). */
static inline bm_host *host_with(const char *os, const char *addr)
{
	bm_host *h = host_of(os);
	ck_assert_int_eq(bm_host_add_addr(h, addr, NULL), BM_OK);
	return h;
}

/* A host with the local addresses 192.168.0.1 and 192.168.0.2 and, when lo
 * is not 0, the ephemeral range lo..hi (hi first opened to 65535). */
static inline bm_host *lab_host(const char *os, long lo, long hi)
{
	bm_host *h = host_with(os, "192.168.0.1");
	ck_assert_int_eq(bm_host_add_addr(h, "192.168.0.2", NULL), BM_OK);
	if (lo) {
		ck_assert_int_eq(bm_host_set_knob(h, BM_KNOB_EPHEMERAL_HI, 65535), BM_OK);
		set_ephemeral(h, lo, hi);
	}
	return h;
}

static inline bm_sock_info info_of(bm_host *h, bm_sock s)
{
	bm_sock_info i;
	ck_assert_int_eq(bm_sock_query(h, s, &i), BM_OK);
	return i;
}

static inline uint16_t port_of(bm_host *h, bm_sock s)
{
	return info_of(h, s).local.port;
}

/* A packet from src to dst: bm_deliver's result, the receivers in out. */
static inline bm_result deliver_to(bm_host *h, bm_proto proto, const char *src, const char *dst,
                                   bm_sock *out, size_t max, size_t *n)
{
	bm_endpoint a = ep_of(src), b = ep_of(dst);
	return bm_deliver(h, proto, &a, &b, out, max, n, NULL);
}

/* A UDP datagram from src to dst: how many receive it (in out). */
static inline size_t deliver_udp(bm_host *h, const char *src, const char *dst, bm_sock *out,
                                 size_t max)
{
	size_t n = 0;
	deliver_to(h, BM_UDP, src, dst, out, max, &n);
	return n;
}

Suite *addr_suite(void);
Suite *host_suite(void);
Suite *ops_suite(void);
Suite *linux_suite(void);
Suite *scenario_suite(void);
Suite *personality_suite(void);
Suite *cov_core_suite(void);
Suite *cov_badinput_suite(void);
Suite *cov_bsd_suite(void);
Suite *cov_solaris_suite(void);
Suite *cov_windows_suite(void);
Suite *contract_suite(void);
Suite *net_suite(void);
Suite *allocfail_suite(void);

#endif
