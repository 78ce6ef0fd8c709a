/* kernel.c: PLACEHOLDER until the kernel backend is written. */
#include <stdio.h>
#include "kernel.h"
int kb_engine(sc_engine *e, char *err, size_t errlen)
{
	(void)e;
	snprintf(err, errlen, "skip: the kernel backend is not built yet");
	return -1;
}
