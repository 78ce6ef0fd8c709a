/*
 * main.c: the bindmodel command.  With no arguments on a terminal it is the
 * REPL; otherwise the first word picks a subcommand.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bindmodel.h"
#include "commands.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: bindmodel [repl] [--os NAME] [--json] [--no-color]\n"
	        "       bindmodel run [--os LIST] [--backend model|kernel] [--allow-sleep]\n"
	        "                     [--loopback-only] [-v] FILE...\n"
	        "       bindmodel oracle [--os LIST] [--allow-sleep] [--loopback-only] [-v] FILE...\n"
	        "       bindmodel oracle --probe\n"
	        "       bindmodel explore [--depth N] [--seed S] [--count K] [--os NAME] [--out DIR]\n"
	        "       bindmodel fingerprint [--loopback-only]\n"
	        "       bindmodel bench [--count N] [--os NAME] [--loopback-only]\n"
	        "       bindmodel run|oracle|explore|fingerprint --kernel VERSION ...\n"
	        "                     (on Debian's Linux VERSION, e.g. 6.1, under QEMU)\n"
	        "       bindmodel --help | --version\n"
	        "\n"
	        "An in-memory model of bind/listen/connect/accept/close on Linux, the BSDs,\n"
	        "macOS, Windows and Solaris.  Personalities:\n");
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		fprintf(f, "  %-13s %s\n", p->name, p->description);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	                  strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("bindmodel %s\n", BM_VERSION);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cmd_repl(argc - 1, argv + 1);
	const char *sub = argv[1];
	int kq = kq_delegate(argc, argv);
	if (kq >= 0)
		return kq;
	if (strcmp(sub, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(sub, "repl") == 0)
		return cmd_repl(argc - 2, argv + 2);
	if (strcmp(sub, "oracle") == 0)
		return cmd_oracle(argc - 2, argv + 2);
	if (strcmp(sub, "explore") == 0)
		return cmd_explore(argc - 2, argv + 2);
	if (strcmp(sub, "fingerprint") == 0)
		return cmd_fingerprint(argc - 2, argv + 2);
	if (strcmp(sub, "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	fprintf(stderr, "bindmodel: unknown command '%s'\n\n", sub);
	usage(stderr);
	return 2;
}
