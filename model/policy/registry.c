/*
 * registry.c: the built-in personalities, found by name or alias.
 * Each OS family keeps its rules in its own file beside this one.
 */
#include <stddef.h>
#include <strings.h>

#include "bindmodel.h"

/* the table host.c lists (bm_personality_count, bm_personality_at) */
extern const bm_policy *const bm_builtin_policies[];
extern const size_t bm_builtin_npolicies;

extern const bm_policy bm_policy_bsd, bm_policy_freebsd, bm_policy_openbsd,
	bm_policy_netbsd, bm_policy_macos, bm_policy_linux38, bm_policy_linux,
	bm_policy_windows2000, bm_policy_windows2003, bm_policy_windows, bm_policy_solaris10,
	bm_policy_solaris;

const bm_policy *const bm_builtin_policies[] = {
	&bm_policy_bsd,
	&bm_policy_freebsd,
	&bm_policy_openbsd,
	&bm_policy_netbsd,
	&bm_policy_macos,
	&bm_policy_linux38,
	&bm_policy_linux,
	&bm_policy_windows2000,
	&bm_policy_windows2003,
	&bm_policy_windows,
	&bm_policy_solaris10,
	&bm_policy_solaris,
};

const size_t bm_builtin_npolicies =
	sizeof bm_builtin_policies / sizeof bm_builtin_policies[0];

static const struct {
	const char *alias, *name;
} aliases[] = {
	{"darwin", "macos"},
	{"ios", "macos"},
	{"tvos", "macos"},
	{"watchos", "macos"},
	{"android", "linux"},
};

const bm_policy *bm_personality_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			name = aliases[i].name;
	for (size_t i = 0; i < bm_builtin_npolicies; i++)
		if (strcasecmp(name, bm_builtin_policies[i]->name) == 0)
			return bm_builtin_policies[i];
	return NULL;
}
