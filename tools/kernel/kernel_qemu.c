/* SPDX-License-Identifier: MIT */
/*
 * kernel_qemu.c: `--kernel VERSION` on run, oracle, explore and fingerprint.
 * The command is handed, without --kernel, to tools/kernel/kernel_qemu.sh, which
 * boots that Debian kernel under QEMU with a static bindmodel in an initramfs
 * and runs it there; its output and exit status are this process's (exec).
 * The C side only finds the script and rewrites the arguments.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#define KQ_SCRIPT "tools/kernel/kernel_qemu.sh"

/* the index of `--kernel` in argv, or 0 when there is none */
static int kernel_arg(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--kernel") == 0)
			return i;
	return 0;
}

/* the checkout (or prefix) holding the script: the executable's directory
 * and up to three parents (build/bindmodel, build/asan/bindmodel, bin/) */
static int find_script(const char *exe, char *dir, size_t dirlen, char *script, size_t slen)
{
	const char *env = getenv("BM_KERNEL_QEMU");
	snprintf(dir, dirlen, "%s", exe);
	if (env && *env) {
		snprintf(script, slen, "%s", env);
		return access(script, R_OK) == 0 ? 0 : -1;
	}
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return -1;
		*slash = 0;
		static const char *const where[] = {KQ_SCRIPT, "share/bindmodel/kernel_qemu.sh"};
		for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
			snprintf(script, slen, "%.*s/%s", (int)(slen / 2), dir, where[w]);
			if (access(script, R_OK) == 0)
				return 0;
		}
	}
	return -1;
}

int kq_delegate(int argc, char **argv)
{
	int k = kernel_arg(argc, argv);
	if (!k)
		return -1;
	const char *sub = argv[1];
	if (strcmp(sub, "run") && strcmp(sub, "oracle") && strcmp(sub, "explore") &&
	    strcmp(sub, "fingerprint")) {
		fprintf(stderr, "bindmodel %s: --kernel is for run, oracle, explore and fingerprint\n",
		        sub);
		return 2;
	}
	if (k + 1 >= argc) {
		fprintf(stderr, "bindmodel %s: --kernel takes a version (6.1, 6.12, ...)\n", sub);
		return 2;
	}
	char exe[PATH_MAX], dir[PATH_MAX], script[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	if (n <= 0 || find_script(exe, dir, sizeof dir, script, sizeof script) != 0) {
		fprintf(stderr, "bindmodel %s: --kernel needs %s (or BM_KERNEL_QEMU=PATH)\n", sub,
		        KQ_SCRIPT);
		return 2;
	}
	/* sh SCRIPT --repo DIR --self EXE VERSION SUB [--backend kernel] ARGS... */
	char **av = calloc((size_t)argc + 12, sizeof *av);
	if (!av)
		return 2;
	int j = 0, backend = 0;
	av[j++] = "sh";
	av[j++] = script;
	av[j++] = "--repo";
	av[j++] = dir;
	av[j++] = "--self";
	av[j++] = exe;
	av[j++] = argv[k + 1];
	av[j++] = argv[1];
	for (int i = 2; i < argc; i++) {
		if (i == k) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--backend") == 0)
			backend = 1;
		av[j++] = argv[i];
	}
	if (strcmp(sub, "run") == 0 && !backend) {
		/* --kernel means the kernel backend; the rest keep their order */
		memmove(av + 10, av + 8, (size_t)(j - 8) * sizeof *av);
		av[8] = "--backend";
		av[9] = "kernel";
		j += 2;
	}
	av[j] = NULL;
	fflush(NULL);
	execv("/bin/sh", av);
	fprintf(stderr, "bindmodel %s: cannot run /bin/sh %s: %s\n", sub, script, strerror(errno));
	free(av);
	return 2;
}
