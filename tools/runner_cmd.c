/* SPDX-License-Identifier: MIT */
/* runner_cmd.c: `bindmodel run [--os LIST] [--backend model|kernel]
 * [--allow-sleep] [--loopback-only] FILE...`.  On the kernel backend --os defaults to the
 * personality of the running system: other systems' expectations are not
 * this kernel's to meet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kernel.h"
#include "scenario.h"

int cmd_run(int argc, char **argv)
{
	sc_run_opts opts;
	memset(&opts, 0, sizeof opts);
	const char *backend = "model";
	int nfiles = 0, allow_sleep = 0, loopback_only = 0;
	char err[512];
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--os") == 0 && i + 1 < argc) {
			if (sc_split_os_list(argv[++i], &opts, err, sizeof err) != 0) {
				fprintf(stderr, "bindmodel run: %s\n", err);
				return 2;
			}
		} else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			backend = argv[++i];
		} else if (strcmp(argv[i], "--allow-sleep") == 0) {
			allow_sleep = 1;
		} else if (strcmp(argv[i], "--loopback-only") == 0) {
			loopback_only = 1;
		} else if (strcmp(argv[i], "-v") == 0) {
			opts.verbose = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "bindmodel run: unknown option '%s'\n", argv[i]);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "usage: bindmodel run [--os LIST] [--backend model|kernel] "
		        "[--allow-sleep] [--loopback-only] FILE...\n");
		return 2;
	}
	sc_engine e;
	if (strcmp(backend, "model") == 0) {
		if (sc_model_engine(&e) != 0)
			return 2;
	} else if (strcmp(backend, "kernel") == 0) {
		if (kb_engine(&e, err, sizeof err) != 0 ||
		    kb_engine_opts(&e, allow_sleep, loopback_only, err, sizeof err) != 0) {
			fprintf(stderr, "bindmodel run: kernel backend: %s\n", err);
			return 2;
		}
		const char *native = kb_native_personality();
		if (opts.nos == 0 && native)
			snprintf(opts.os[opts.nos++], SC_OSLEN, "%s", native);
	} else {
		fprintf(stderr, "bindmodel run: unknown backend '%s' (model or kernel)\n", backend);
		return 2;
	}
	sc_totals t = {0};
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--os") == 0 || strcmp(argv[i], "--backend") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		sc_run_file(&e, argv[i], &opts, &t, stdout);
	}
	char why[200];
	if (kb_engine_isolated(&e, why, sizeof why) == 0)
		fprintf(stderr, "bindmodel run: --loopback-only: the kernel backend ran on the host's "
		        "loopback, not in a private network namespace (%s)\n", why);
	e.destroy(e.ctx);
	return sc_print_totals(&t);
}
