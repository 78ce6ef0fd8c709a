/* SPDX-License-Identifier: MIT */
/*
 * report.c: the rows of the shadow interposer, as JSON lines or text.
 *
 * Each row is appended to the report file under an exclusive flock, with
 * the file opened O_APPEND for that one row: a forked child or an exec'd
 * program writes to the same file and the rows never interleave.  Without
 * a file, text rows go to stderr as they happen.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "shadow.h"
#include "shadow_report.h"

static const char *report_path;
static int report_json;

void shadow_report_init(const shadow_hosts *hs)
{
	(void)hs;
	report_path = getenv(SHADOW_ENV_REPORT);
	if (report_path && !*report_path)
		report_path = NULL;
	const char *f = getenv(SHADOW_ENV_FORMAT);
	report_json = report_path && (!f || strcmp(f, "text") != 0);
}

void shadow_json_str(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	if (len < 3)
		return;
	buf[o++] = '"';
	for (; *s && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20)
			o += (size_t)snprintf(buf + o, len - o, "\\u%04x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

/* Append formatted text to buf at *o, never past len. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void put(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (*o < len) {
		int n = vsnprintf(buf + *o, len - *o, fmt, ap);
		if (n > 0)
			*o = *o + (size_t)n < len ? *o + (size_t)n : len - 1;
	}
	va_end(ap);
}

/* The socket in the way: "fd 3 (tcp 0.0.0.0:8080 LISTEN)". */
static void describe_conflict(const shadow_row *r, size_t i, char *out, size_t len)
{
	bm_sock_info s;
	out[0] = '\0';
	if (!r->v[i].conflict || bm_sock_query(r->hs->host[i], r->v[i].conflict, &s) != BM_OK)
		return;
	char ep[BM_ENDPOINT_STRLEN];
	int fd = r->fd_of(i, r->v[i].conflict);
	char who[32];
	if (fd >= 0)
		snprintf(who, sizeof who, "fd %d", fd);
	else
		snprintf(who, sizeof who, "a socket outside the program");
	snprintf(out, len, "%s (%s %s %s)", who, s.proto == BM_TCP ? "tcp" : "udp",
	         bm_endpoint_format(&s.local, ep, sizeof ep), bm_state_name(s.state));
}

static int differs(const shadow_row *r)
{
	for (size_t i = 0; i < r->hs->n; i++)
		if (r->have[i] && r->res[i] != r->kernel)
			return 1;
	return 0;
}

/* The personalities where the call would succeed, when the kernel
 * refused it: "what would make it work" as far as the OS goes. */
static void works_on(const shadow_row *r, char *out, size_t len, const char *q, const char *sep)
{
	size_t o = 0;
	out[0] = '\0';
	if (r->kernel == BM_OK)
		return;
	for (size_t i = 0; i < r->hs->n; i++)
		if (r->have[i] && r->res[i] == BM_OK)
			put(out, len, &o, "%s%s%s%s", o ? sep : "", q, r->hs->name[i], q);
}

static void json_row(const shadow_row *r, char *b, size_t len)
{
	size_t o = 0;
	char s1[512], s2[512];
	put(b, len, &o, "{\"pid\":%ld,\"call\":\"%s\",\"fd\":%d,\"args\":{%s},\"kernel\":\"%s\",\"model\":{",
	    (long)getpid(), r->call, r->fd, r->args, bm_result_name(r->kernel));
	const char *sep = "";
	for (size_t i = 0; i < r->hs->n; i++, sep = ",")
		if (r->have[i])
			put(b, len, &o, "%s\"%s\":\"%s\"", sep, r->hs->name[i], bm_result_name(r->res[i]));
	put(b, len, &o, "},\"native\":{");
	sep = "";
	for (size_t i = 0; i < r->hs->n; i++) {
		const char *name;
		int num = bm_policy_errno(bm_host_policy(r->hs->host[i]), r->res[i], &name);
		if (r->have[i] && num >= 0) {
			put(b, len, &o, "%s\"%s\":{\"name\":\"%s\",\"errno\":%d}", sep, r->hs->name[i], name, num);
			sep = ",";
		}
	}
	put(b, len, &o, "},\"why\":{");
	sep = "";
	for (size_t i = 0; i < r->hs->n; i++) {
		if (!r->have[i])
			continue;
		char way[160];
		describe_conflict(r, i, way, sizeof way);
		shadow_json_str(s1, sizeof s1, r->v[i].reason);
		shadow_json_str(s2, sizeof s2, way);
		put(b, len, &o, "%s\"%s\":{\"rule\":\"%s\",\"reason\":%s,\"in_the_way\":%s}", sep,
		    r->hs->name[i], r->v[i].rule ? r->v[i].rule : "", s1, s2);
		sep = ",";
	}
	char works[SHADOW_MAXH * 36];
	works_on(r, works, sizeof works, "\"", ",");
	put(b, len, &o, "},\"works_on\":[%s]", works);
	/* hosts[0] is the running kernel's personality: it should agree */
	put(b, len, &o, ",\"model_bug\":%s}\n",
	    r->have[0] && r->res[0] != r->kernel ? "true" : "false");
}

static void text_row(const shadow_row *r, char *b, size_t len)
{
	size_t o = 0;
	put(b, len, &o, "%s(fd %d, {%s}) in pid %ld: the kernel says %s\n", r->call, r->fd,
	    r->args, (long)getpid(), bm_result_name(r->kernel));
	for (size_t i = 0; i < r->hs->n; i++) {
		if (!r->have[i])
			continue;
		char way[160];
		describe_conflict(r, i, way, sizeof way);
		put(b, len, &o, "  %-12s %-14s %s: %s%s%s%s\n", r->hs->name[i],
		    bm_host_error_name(r->hs->host[i], r->res[i]), r->v[i].rule ? r->v[i].rule : "",
		    r->v[i].reason, way[0] ? "; in the way: " : "", way,
		    i == 0 && r->res[0] != r->kernel ? "  [model bug: this is the running kernel]" : "");
	}
	char works[SHADOW_MAXH * 36];
	works_on(r, works, sizeof works, "", ", ");
	if (works[0])
		put(b, len, &o, "  would work on: %s\n", works);
}

void shadow_report(const shadow_row *r)
{
	if (!differs(r))
		return;
	char buf[8192];
	if (report_json)
		json_row(r, buf, sizeof buf);
	else
		text_row(r, buf, sizeof buf);
	int fd = report_path ? open(report_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : 2;
	if (fd < 0)
		return;
	if (report_path)
		flock(fd, LOCK_EX);
	size_t n = strlen(buf), done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (report_path)
		close(fd);   /* drops the lock */
}
