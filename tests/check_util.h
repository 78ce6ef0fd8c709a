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

#endif
