/* explore.c: PLACEHOLDER until the explore command is written. */
#include <stdio.h>
#include "commands.h"
int cmd_explore(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bindmodel: explore is not built yet\n");
	return 2;
}
