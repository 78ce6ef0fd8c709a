/* SPDX-License-Identifier: MIT */
/*
 * shadow.h: between the libc wrappers (interpose.c) and the model replay
 * (replay.c) of the shadow interposer, libbindmodel_shadow.so.
 *
 * interpose.c calls the real function first, then hands the call and the
 * kernel's answer (ret, and errno when ret < 0) to one of these.  Each of
 * them keeps errno as it found it, takes the interposer's lock, and does
 * nothing when called from inside the interposer itself (its report file).
 * Addresses are passed untyped so that this header needs no libc headers.
 */
#ifndef BM_SHADOW_H
#define BM_SHADOW_H

#include <stddef.h>

/* The environment the command sets for the interposer. */
#define SHADOW_ENV_OS      "BINDMODEL_SHADOW_OS"      /* "freebsd,windows" */
#define SHADOW_ENV_REPORT  "BINDMODEL_SHADOW_REPORT"  /* file to append to */
#define SHADOW_ENV_FORMAT  "BINDMODEL_SHADOW_FORMAT"  /* "json" or "text" */
#define SHADOW_ENV_KERNEL  "BINDMODEL_SHADOW_KERNEL"  /* personality of the
                                                          running kernel */

void shadow_socket(int fd, int domain, int type);
void shadow_setsockopt(int fd, int level, int name, const void *val, size_t len,
                       int ret, int err);
void shadow_bind(int fd, const void *sa, size_t len, int ret, int err);
void shadow_listen(int fd, int backlog, int ret, int err);
void shadow_connect(int fd, const void *sa, size_t len, int ret, int err);
void shadow_accept(int lfd, int newfd);
void shadow_close(int fd);
/* newfd now refers to oldfd's socket (dup, dup2, dup3, F_DUPFD); a socket
 * newfd held before is closed first. */
void shadow_dup(int oldfd, int newfd);

#endif
