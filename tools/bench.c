/* bench.c: PLACEHOLDER until the bench command is written. */
#include <stdio.h>
#include "commands.h"
int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bindmodel: bench is not built yet\n");
	return 2;
}
