/* SPDX-License-Identifier: MIT */
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

extern const bm_policy bm_policy_bsd, bm_policy_freebsd14, bm_policy_freebsd15,
	bm_policy_openbsd, bm_policy_netbsd, bm_policy_macos14, bm_policy_macos15,
	bm_policy_linux38, bm_policy_linux61, bm_policy_linux612, bm_policy_linux618,
	bm_policy_linux618fc,
	bm_policy_windows2000, bm_policy_windows2003, bm_policy_windows, bm_policy_solaris10,
	bm_policy_solaris;

const bm_policy *const bm_builtin_policies[] = {
	&bm_policy_bsd,
	&bm_policy_freebsd14,
	&bm_policy_freebsd15,
	&bm_policy_openbsd,
	&bm_policy_netbsd,
	&bm_policy_macos14,
	&bm_policy_macos15,
	&bm_policy_linux38,
	&bm_policy_linux61,
	&bm_policy_linux612,
	&bm_policy_linux618,
	&bm_policy_linux618fc,
	&bm_policy_windows2000,
	&bm_policy_windows2003,
	&bm_policy_windows,
	&bm_policy_solaris10,
	&bm_policy_solaris,
};

const size_t bm_builtin_npolicies =
	sizeof bm_builtin_policies / sizeof bm_builtin_policies[0];

/* A bare family name is an alias of its newest verified release. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{"linux", "linux-6.18"},
	{"freebsd", "freebsd-15"},
	{"macos", "macos-15"},
	{"android", "linux-6.18"},
	{"darwin", "macos-15"},
	{"ios", "macos-15"},
	{"tvos", "macos-15"},
	{"watchos", "macos-15"},
};

const char *bm_personality_alias_of(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			return aliases[i].name;
	return NULL;
}

const char *bm_personality_alias_at(size_t i)
{
	return i < sizeof aliases / sizeof aliases[0] ? aliases[i].alias : NULL;
}

const bm_policy *bm_personality_find(const char *name)
{
	if (!name)
		return NULL;
	if (bm_personality_alias_of(name))
		name = bm_personality_alias_of(name);
	for (size_t i = 0; i < bm_builtin_npolicies; i++)
		if (strcasecmp(name, bm_builtin_policies[i]->name) == 0)
			return bm_builtin_policies[i];
	return NULL;
}
