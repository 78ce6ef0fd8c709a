/* SPDX-License-Identifier: MIT */
/*
 * oot_policy.c: the plug-in interface proven on the built-in OSes (issue 7).
 * Every policy file of model/policy/ is compiled apart from the library,
 * with only include/ on its include path, and its symbols renamed oot_*
 * (build/oot/policies.o; see the Makefile): so none of them can read the
 * model's internals.  This program registers those copies as a caller's
 * policies (sc_policy_register) and runs the scenario runner on them:
 * tests/oot_policy.sh checks that the whole spec run comes out as it does
 * with the built-in policies.
 *
 *   oot_policy [--break] run [OPTION]... FILE...
 *
 * --break registers linux-6.18 with a conflict hook that lets every socket
 * share, the negative control: spec/linux must then fail, which shows the
 * registered copies, not the library's, decided.
 *
 * It also registers "defaults": a caller's policy with every hook NULL, so
 * the core's default hooks (bm_default_conflict, the default bind checks,
 * tuple clash and delivery), which every built-in policy overrides, run on
 * the scenarios of spec/core/defaults/ (tests/rules_reached.sh).
 */
#include <stdio.h>
#include <string.h>

#include "bindmodel.h"
#include "commands.h"
#include "scenario.h"

/* registry.c's table, from the renamed copy */
extern const bm_policy *const oot_bm_builtin_policies[];
extern const size_t oot_bm_builtin_npolicies;

static bm_match share_everything(const bm_host *h, const bm_sock_info *s,
                                 const bm_sock_info *old, bm_phase phase, bm_verdict *v)
{
	(void)h, (void)s, (void)old, (void)phase, (void)v;
	return BM_MATCH_SHARE;
}

/* Parameters only: every hook and result code is the core's default, as
 * spec/core.md and include/bindmodel.h state them. */
static const bm_policy core_defaults = {
	.version = BM_POLICY_VERSION,
	.name = "defaults",
	.description = "the core's defaults: a policy with no hooks (tests only)",
	.family = "core",
	.options = BM_SO_REUSEADDR | BM_SO_REUSEPORT | BM_IPV6_V6ONLY | BM_SO_LINGER,
	.time_wait_ms = 60000,
	.ephemeral_lo = 49152, .ephemeral_hi = 65535,
	.unprivileged_port_start = 1024,
};

int main(int argc, char **argv)
{
	static bm_policy broken;
	int brk = argc > 1 && strcmp(argv[1], "--break") == 0;
	if (brk) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "usage: oot_policy [--break] run [OPTION]... FILE...\n");
		return 2;
	}
	for (size_t i = 0; i < oot_bm_builtin_npolicies; i++) {
		const bm_policy *p = oot_bm_builtin_policies[i];
		if (p == bm_personality_find(p->name)) {
			fprintf(stderr, "oot_policy: %s is the library's own policy\n", p->name);
			return 2;
		}
		if (brk && strcmp(p->name, "linux-6.18") == 0) {
			broken = *p;
			broken.conflict = share_everything;
			p = &broken;
		}
		if (sc_policy_register(p) != 0) {
			fprintf(stderr, "oot_policy: cannot register %s\n", p->name);
			return 2;
		}
	}
	if (sc_policy_register(&core_defaults) != 0) {
		fprintf(stderr, "oot_policy: cannot register %s\n", core_defaults.name);
		return 2;
	}
	fprintf(stderr, "oot_policy: %zu policies compiled with include/ only, registered%s\n",
	        oot_bm_builtin_npolicies, brk ? " (linux-6.18 broken on purpose)" : "");
	return cmd_run(argc - 1, argv + 1);
}
