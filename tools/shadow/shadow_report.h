/* SPDX-License-Identifier: MIT */
/* shadow_report.h: the rows the shadow interposer reports (report.c). */
#ifndef BM_SHADOW_REPORT_H
#define BM_SHADOW_REPORT_H

#include <stddef.h>

#include "bindmodel.h"

#define SHADOW_MAXH 16

/* The model hosts: [0] the running kernel's personality, then the OSes
 * the user listed, each under the name the user gave. */
typedef struct shadow_hosts {
	size_t n;
	bm_host *host[SHADOW_MAXH];
	char name[SHADOW_MAXH][32];
} shadow_hosts;

/* One replayed call and every host's answer. */
typedef struct shadow_row {
	const char *call;        /* "bind" */
	int fd;
	char args[256];          /* JSON members without braces */
	bm_result kernel;
	bm_result res[SHADOW_MAXH];
	bm_verdict v[SHADOW_MAXH];
	int have[SHADOW_MAXH];   /* host i answered */
	const shadow_hosts *hs;
	int (*fd_of)(size_t host, bm_sock s);   /* descriptor of a socket */
} shadow_row;

void shadow_report_init(const shadow_hosts *hs);
/* Write the row if any host answered differently from the kernel. */
void shadow_report(const shadow_row *row);
/* s as a JSON string, quotes included, into buf. */
void shadow_json_str(char *buf, size_t len, const char *s);

#endif
