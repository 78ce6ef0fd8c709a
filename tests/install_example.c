/* SPDX-License-Identifier: MIT */
/* install_example.c: the README's API example, built against the installed
 * library by tests/install.sh.  Two SO_REUSEADDR sockets bound alike: on
 * Linux the second listen() fails (linux.md 15.1, Table 1 RA/RA column). */
#include <stdio.h>

#include <bindmodel.h>

int main(void)
{
	bm_host *h = bm_host_new("linux", NULL);
	bm_sock a, b;
	bm_socket(h, BM_AF_INET, BM_TCP, 1000, &a, NULL);
	bm_socket(h, BM_AF_INET, BM_TCP, 1000, &b, NULL);
	bm_setsockopt(h, a, BM_SO_REUSEADDR, 1, NULL);
	bm_setsockopt(h, b, BM_SO_REUSEADDR, 1, NULL);

	bm_endpoint ep;
	bm_endpoint_parse("0.0.0.0:8080", &ep, NULL, 0);
	bm_bind(h, a, &ep, NULL);                 /* BM_OK */
	bm_bind(h, b, &ep, NULL);                 /* BM_OK: both have SO_REUSEADDR */
	bm_listen(h, a, NULL);                    /* BM_OK */

	bm_verdict v;
	int rc = 1;
	if (bm_listen(h, b, &v) != BM_OK) {       /* BM_EADDRINUSE on Linux */
		printf("%s: %s (rule %s, socket %d)\n", bm_result_name(v.code),
		       v.reason, v.rule, v.conflict);
		rc = v.code == BM_EADDRINUSE ? 0 : 1;
	}
	bm_host_free(h);
	return rc;
}
