/* repl.c: PLACEHOLDER until the repl command is written. */
#include <stdio.h>
#include "commands.h"
int cmd_repl(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bindmodel: repl is not built yet\n");
	return 2;
}
