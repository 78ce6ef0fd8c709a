/* SPDX-License-Identifier: MIT */
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
	        "                     [--loopback-only] [--json | --tap] [-v] FILE...\n"
	        "       bindmodel oracle [--os LIST] [--allow-sleep] [--loopback-only] [-v] FILE...\n"
	        "       bindmodel oracle --probe\n"
	        "       bindmodel explore [--depth N] [--seed S] [--count K] [--os NAME] [--out DIR]\n"
	        "       bindmodel fingerprint [--loopback-only]\n"
	        "       bindmodel bench [--count N] [--os NAME] [--loopback-only]\n"
	        "       bindmodel shadow [--os LIST] [--report FILE] -- PROGRAM [ARGS...]\n"
	        "       bindmodel run|oracle|explore|fingerprint --kernel VERSION ...\n"
	        "                     (on Debian's Linux VERSION, e.g. 6.1, under QEMU)\n"
	        "       bindmodel --help | --version | COMMAND --help\n"
	        "\n"
	        "An in-memory model of bind/listen/connect/accept/close on Linux, the BSDs,\n"
	        "macOS, Windows and Solaris.  Personalities:\n");
	for (size_t i = 0; i < bm_personality_count(); i++) {
		const bm_policy *p = bm_personality_at(i);
		fprintf(f, "  %-13s %s\n", p->name, p->description);
	}
}

/* Each subcommand gets its own argv with its name as argv[0], parsed with
 * getopt_long: --opt=value, --opt value, and -- before file names. */
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"run", cmd_run}, {"repl", cmd_repl}, {"oracle", cmd_oracle},
		{"explore", cmd_explore}, {"fingerprint", cmd_fingerprint}, {"bench", cmd_bench},
		{"shadow", cmd_shadow},
	};
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	                  strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
		printf("bindmodel %s\n", bm_version());
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		return cmd_repl(argc, argv);   /* bindmodel [--os=NAME]...: the REPL */
	/* --kernel VERSION: the same command inside a QEMU guest (kernel_qemu.c) */
	int kq = kq_delegate(argc, argv);
	if (kq >= 0)
		return kq;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bindmodel: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
