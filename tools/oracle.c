/* oracle.c: PLACEHOLDER until the oracle command is written. */
#include <stdio.h>
#include "commands.h"
int cmd_oracle(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bindmodel: oracle is not built yet\n");
	return 2;
}
