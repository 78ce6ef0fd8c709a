/* SPDX-License-Identifier: MIT */
/*
 * shadow_cmd.c: `bindmodel shadow [--os LIST] [--report FILE] [--kernel NAME]
 * -- PROGRAM [ARGS...]`.
 *
 * Runs an unmodified program with libbindmodel_shadow.so preloaded (see
 * tools/shadow/): the program talks to the real kernel as usual, and every
 * socket call is replayed on the model for the running kernel's
 * personality and each listed OS.  Children and exec'd programs inherit
 * LD_PRELOAD and append to the same report.  Without --report the rows
 * are collected in a temporary file and printed to stderr at the end.
 * The exit status is the program's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bindmodel.h"
#include "commands.h"
#include "shadow/shadow.h"

#define SHADOW_LIB "libbindmodel_shadow.so"
#define SHADOW_ENV_LIB "BINDMODEL_SHADOW_LIB"

int shadow_find_lib(char *out, size_t len);

static int usage_to(FILE *f, int rc)
{
	fprintf(f, "usage: bindmodel shadow [--os=LIST] [--report=FILE] [--kernel=NAME] "
	           "[--] PROGRAM [ARGS...]\n"
	           "Run an unmodified program on the real kernel and replay its socket calls\n"
	           "on the model of other OSes; report the calls they would answer differently.\n"
	           "  --os=LIST      OSes to compare with, e.g. freebsd,windows\n"
	           "  --report=FILE  append one JSON line per call that would differ\n"
	           "  --kernel=NAME  personality of the running kernel (default linux)\n"
	           "  -h, --help     this help\n"
	           "The interposer is $" SHADOW_ENV_LIB ", or " SHADOW_LIB
	           " next to this command or in ../lib.\n"
	           "Exit status: the program's, 127 when it cannot be started, 2 a usage error.\n");
	return rc;
}

static int usage(void)
{
	return usage_to(stderr, 2);
}

/* The interposer: $BINDMODEL_SHADOW_LIB, next to this executable (the
 * build directory), or in ../lib (installed). */
int shadow_find_lib(char *out, size_t len)
{
	const char *env = getenv(SHADOW_ENV_LIB);
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return access(out, R_OK);
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(out, len, "%s/%s", self, SHADOW_LIB);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, len, "%s/../lib/%s", self, SHADOW_LIB);
	return access(out, R_OK);
}

static int check_os_list(const char *list)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!bm_personality_find(t)) {
			fprintf(stderr, "bindmodel shadow: unknown OS '%s'\n", t);
			return -1;
		}
	return 0;
}

/* Print the collected text rows to stderr, and remove the file. */
static void summary(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int calls = 0;
	if (f) {
		while (fgets(line, sizeof line, f))
			calls += line[0] != ' ';
		rewind(f);
		fprintf(stderr, "bindmodel shadow: %d call%s would be answered differently\n", calls,
		        calls == 1 ? "" : "s");
		while (fgets(line, sizeof line, f))
			fputs(line, stderr);
		fclose(f);
	}
	unlink(path);
}

static int run(char **argv)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("bindmodel shadow: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "bindmodel shadow: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int cmd_shadow(int argc, char **argv)
{
	const char *os = "", *report = NULL, *kernel = NULL;
	static const struct option opts[] = {
		{"os", required_argument, NULL, 'o'},
		{"report", required_argument, NULL, 'r'},
		{"kernel", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	/* '+': the program's own arguments are not ours to parse */
	for (int ch; (ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1;) {
		switch (ch) {
		case 'o': os = optarg; break;
		case 'r': report = optarg; break;
		case 'k': kernel = optarg; break;
		case 'h': return usage_to(stdout, 0);
		default: return usage();
		}
	}
	if (optind >= argc || check_os_list(os) != 0 || (kernel && check_os_list(kernel) != 0))
		return usage();
	int i = optind - 1;   /* run() takes the words after argv[i] */
	char lib[PATH_MAX], preload[2 * PATH_MAX];
	if (shadow_find_lib(lib, sizeof lib) != 0) {
		fprintf(stderr, "bindmodel shadow: cannot find %s (set %s)\n", SHADOW_LIB, SHADOW_ENV_LIB);
		return 127;
	}
	const char *old = getenv("LD_PRELOAD");
	snprintf(preload, sizeof preload, "%s%s%s", lib, old && *old ? " " : "", old ? old : "");
	char tmp[] = "/tmp/bindmodel-shadow-XXXXXX";
	if (!report) {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			perror("bindmodel shadow: mkstemp");
			return 127;
		}
		close(fd);
	}
	setenv("LD_PRELOAD", preload, 1);
	setenv(SHADOW_ENV_OS, os, 1);
	setenv(SHADOW_ENV_REPORT, report ? report : tmp, 1);
	setenv(SHADOW_ENV_FORMAT, report ? "json" : "text", 1);
	if (kernel)
		setenv(SHADOW_ENV_KERNEL, kernel, 1);
	int rc = run(argv + i + 1);
	if (!report)
		summary(tmp);
	return rc;
}
