/*
 * kernel.h: the kernel backend: the scenario language on the live kernel
 * with real syscalls (portable POSIX; Linux namespaces behind a boundary).
 */
#ifndef BM_KERNEL_H
#define BM_KERNEL_H

#include "scenario.h"

/* Set up an engine that runs steps on the live kernel.  -1 with err when
 * it cannot (e.g. no namespace); skip reasons start with "skip:". */
int kb_engine(sc_engine *e, char *err, size_t errlen);

#endif
