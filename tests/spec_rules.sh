#!/bin/sh
# SPDX-License-Identifier: MIT
# Every rule id that model/ defines must be described, with its source, in
# spec/*.md (as `rule.id` in a table row or heading).
set -u
cd "$(dirname "$0")/.." || exit 1
missing=0
ids=$(grep -ho '{"[a-z0-9-]*\.[a-z0-9_.-]*",' model/*.c model/policy/*.c | sed 's/{"\(.*\)",/\1/' | sort -u)
n=0
for id in $ids; do
	n=$((n + 1))
	if ! grep -qF "\`$id\`" spec/*.md; then
		echo "spec_rules: rule $id is not described in spec/*.md"
		missing=$((missing + 1))
	fi
done
echo "spec_rules: $n rule ids, $missing undescribed"
[ "$missing" -eq 0 ]
