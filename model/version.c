/* SPDX-License-Identifier: MIT */
/* version.c: the library's version at run time, which may differ from the
 * BM_VERSION a program was compiled against (a newer shared library). */
#include "bindmodel.h"

const char *bm_version(void)
{
	return BM_VERSION;
}

int bm_version_number(void)
{
	return BM_VERSION_NUMBER;
}
