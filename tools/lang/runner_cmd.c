/* SPDX-License-Identifier: MIT */
/* runner_cmd.c: `bindmodel run [OPTION]... FILE...`.  On the kernel backend
 * --os defaults to the personality of the running system: other systems'
 * expectations are not this kernel's to meet. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: bindmodel run [OPTION]... FILE...\n"
	        "Run scenario files and check their expectations.\n"
	        "  --os=LIST           personalities to run (comma-separated); default: the\n"
	        "                      file's leading 'os' line\n"
	        "  --backend=ENGINE    model (default) or kernel\n"
	        "  --allow-sleep       kernel: really wait for 'advance'\n"
	        "  --loopback-only     kernel: allow a run without a private namespace\n"
	        "  --json              JSON lines: failure, skip, error, totals (pass with -v)\n"
	        "  --tap               TAP version 13, one test point per expectation\n"
	        "  --rules-used=FILE   write each step's deciding (or allowing) rule to FILE\n"
	        "  -v, --verbose       also report the expectations that held\n"
	        "  -h, --help          this help\n"
	        "Exit status: 0 all held, 1 a failure or an error, 2 a usage error.\n");
}

enum { OPT_OS = 256, OPT_BACKEND, OPT_SLEEP, OPT_LOOPBACK, OPT_JSON, OPT_TAP, OPT_RULES };

static const struct option run_options[] = {
	{"os", required_argument, NULL, OPT_OS},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"allow-sleep", no_argument, NULL, OPT_SLEEP},
	{"loopback-only", no_argument, NULL, OPT_LOOPBACK},
	{"json", no_argument, NULL, OPT_JSON},
	{"tap", no_argument, NULL, OPT_TAP},
	{"rules-used", required_argument, NULL, OPT_RULES},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int make_engine(sc_engine *e, const char *backend, int allow_sleep, int loopback_only,
                       sc_run_opts *opts)
{
	char err[512];
	if (strcmp(backend, "model") == 0)
		return sc_model_engine(e) != 0 ? -1 : 0;
	if (strcmp(backend, "kernel") != 0) {
		fprintf(stderr, "bindmodel run: unknown backend '%s' (model or kernel)\n", backend);
		return -1;
	}
	if (kb_engine(e, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel run: kernel backend: %s\n", err);
		return -1;
	}
	if (kb_engine_opts(e, allow_sleep, loopback_only, err, sizeof err) != 0) {
		fprintf(stderr, "bindmodel run: kernel backend: %s\n", err);
		e->destroy(e->ctx);   /* a refusal must not leak the engine */
		return -1;
	}
	const char *native = kb_native_personality();
	if (opts->nos == 0 && native)
		snprintf(opts->os[opts->nos++], SC_OSLEN, "%s", native);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	sc_run_opts opts;
	memset(&opts, 0, sizeof opts);
	const char *backend = "model";
	int allow_sleep = 0, loopback_only = 0, ch;
	char err[512];
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", run_options, NULL)) != -1) {
		switch (ch) {
		case OPT_OS:
			if (sc_split_os_list(optarg, &opts, err, sizeof err) != 0) {
				fprintf(stderr, "bindmodel run: %s\n", err);
				return 2;
			}
			break;
		case OPT_BACKEND: backend = optarg; break;
		case OPT_SLEEP: allow_sleep = 1; break;
		case OPT_LOOPBACK: loopback_only = 1; break;
		case OPT_JSON: opts.json = 1; break;
		case OPT_TAP: opts.tap = 1; break;
		case OPT_RULES:
			/* every step's deciding (or allowing) rule, for tests/rules_reached.sh */
			if (opts.rules_used)
				fclose(opts.rules_used);
			opts.rules_used = fopen(optarg, "w");
			if (!opts.rules_used) {
				fprintf(stderr, "bindmodel run: cannot write '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v': opts.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opts.json && opts.tap) {
		fprintf(stderr, "bindmodel run: --json and --tap exclude each other\n");
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	sc_engine e;
	if (make_engine(&e, backend, allow_sleep, loopback_only, &opts) != 0)
		return 2;
	sc_totals t = {0};
	sc_print_header(&opts);
	for (int i = optind; i < argc; i++)
		sc_run_file(&e, argv[i], &opts, &t, stdout);
	char why[200];
	if (kb_engine_isolated(&e, why, sizeof why) == 0)
		fprintf(stderr, "bindmodel run: --loopback-only: the kernel backend ran on the host's "
		        "loopback, not in a private network namespace (%s)\n", why);
	e.destroy(e.ctx);
	if (opts.rules_used)
		fclose(opts.rules_used);
	return sc_print_totals_opts(&t, &opts);
}
