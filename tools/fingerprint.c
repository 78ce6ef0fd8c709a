/* fingerprint.c: PLACEHOLDER until the fingerprint command is written. */
#include <stdio.h>
#include "commands.h"
int cmd_fingerprint(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bindmodel: fingerprint is not built yet\n");
	return 2;
}
