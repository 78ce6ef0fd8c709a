#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 7, "one source for rule text": spec/*.md is the source of every
# rule's text.  The C tables (model/rules.c, model/policy/*.c, entries
# {"id", "text", source}) carry a copy so that explain can print it, and this
# check makes the copy exact: each rule's C text must read word for word as
# the text column of its row in spec/*.md (| `id` | text | source |).
# Whitespace and Markdown backticks are not compared (backticks belong in the
# .md only; explain prints the C text as plain text).  The source may be any
# C expression (string literals and macros such as MS_PAGE); only the text is
# compared.  Any rule that differs, has no spec row, or an entry this parser
# cannot read fails the check; -v prints both texts of each difference.
set -u
cd "$(dirname "$0")/.." || exit 1
exec python3 - "${1:-}" <<'PY'
import glob, re, sys
verbose = sys.argv[1] == "-v"
lit = r'"((?:[^"\\]|\\.)*)"'
unescape = lambda s: re.sub(r'\\(.)', r'\1', s)
# {"id", "text" "text"...,  -- the text is the run of literals after the id
entry = re.compile(r'\{\s*"([a-z0-9-]+\.[a-z0-9_.-]+)"\s*,\s*((?:' + lit + r'\s*)+),')
# any table entry at all, whatever follows the id (to catch unreadable shapes)
anyid = re.compile(r'\{\s*"([a-z0-9-]+\.[a-z0-9_.-]+)"\s*,')
c, seen = {}, set()
for f in ["model/rules.c"] + sorted(glob.glob("model/policy/*.c")):
    src = open(f).read()
    seen.update(anyid.findall(src))
    for m in entry.finditer(src):
        c[m.group(1)] = "".join(unescape(s) for s in re.findall(lit, m.group(2)))
md = {}
for f in sorted(glob.glob("spec/*.md")):
    for line in open(f):
        m = re.match(r'\|\s*`([a-z0-9-]+\.[a-z0-9_.-]+)`\s*\|(.*?)\|', line)
        if m:
            md.setdefault(m.group(1), m.group(2))
norm = lambda s: " ".join(s.replace("`", "").split())
unread = sorted(seen - set(c))
same = [i for i in c if i in md and norm(c[i]) == norm(md[i])]
diff = sorted(i for i in c if i not in same)
print(f"rule_text: {len(c)} rules in C, {len(same)} read word for word as in spec/*.md, "
      f"{len(diff)} differ or have no table row, {len(unread)} entries unreadable")
fail = False
if unread:
    print("rule_text: FAILED: table entries whose text is not a string literal: " + " ".join(unread))
    fail = True
if diff:
    print("rule_text: FAILED: C text differs from spec/*.md (run sh tests/rule_text.sh -v): "
          + " ".join(diff))
    if verbose:
        for i in diff:
            print(f"  {i}\n    C:  {norm(c[i])}\n    md: {norm(md.get(i, '(no table row)'))}")
    fail = True
if len(c) < 100:
    print("rule_text: FAILED: found only %d rules in the C tables (parser broken?)" % len(c))
    fail = True
sys.exit(1 if fail else 0)
PY
