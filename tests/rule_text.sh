#!/bin/sh
# Issue 7, "one source for rule text": the text of every rule in the C
# tables (model/rules.c, model/policy/*.c: {"id", "text", "source"}) should
# read word for word as its row in spec/*.md (| `id` | text | source |).
# Whitespace and Markdown backticks are not compared.
#
# They do not all agree yet, so this is a ratchet: it fails when fewer rule
# texts agree than FLOOR (a text that drifted, or a new rule written two
# ways), and it lists loudly the ones that differ.  Raise FLOOR as texts are
# brought together; -v prints both texts of each difference.
FLOOR=${RULE_TEXT_FLOOR:-48}
set -u
cd "$(dirname "$0")/.." || exit 1
exec python3 - "$FLOOR" "${1:-}" <<'PY'
import glob, re, sys
floor, verbose = int(sys.argv[1]), sys.argv[2] == "-v"
lit = r'"((?:[^"\\]|\\.)*)"'
def strings(body):
    # adjacent C string literals are one string
    out, cur, pos = [], None, 0
    for m in re.finditer(lit + r'|(,)', body):
        if m.group(2):
            out.append(cur); cur = None
        else:
            cur = (cur or "") + m.group(1).encode().decode("unicode_escape")
    out.append(cur)
    return out
c = {}
for f in ["model/rules.c"] + sorted(glob.glob("model/policy/*.c")):
    src = open(f).read()
    for m in re.finditer(r'\{\s*"([a-z0-9-]+\.[a-z0-9_.-]+)"\s*,((?:\s*' + lit + r'\s*,?)+)\s*\}', src):
        parts = strings(m.group(2))
        if parts and parts[0] is not None:
            c[m.group(1)] = parts[0]
md = {}
for f in sorted(glob.glob("spec/*.md")):
    for line in open(f):
        m = re.match(r'\|\s*`([a-z0-9-]+\.[a-z0-9_.-]+)`\s*\|(.*?)\|', line)
        if m:
            md.setdefault(m.group(1), m.group(2))
norm = lambda s: " ".join(s.replace("`", "").split())
same = [i for i in c if i in md and norm(c[i]) == norm(md[i])]
diff = sorted(i for i in c if i not in same)
print(f"rule_text: {len(c)} rules in C, {len(same)} read word for word as in spec/*.md "
      f"(floor {floor}), {len(diff)} differ or have no table row")
if diff:
    print("rule_text: NOT YET ONE SOURCE: " + " ".join(diff))
    if verbose:
        for i in diff:
            print(f"  {i}\n    C:  {norm(c[i])}\n    md: {norm(md.get(i, '(no table row)'))}")
if len(c) < 100:
    print("rule_text: FAILED: found only %d rules in the C tables (parser broken?)" % len(c))
    sys.exit(1)
if len(same) < floor:
    print(f"rule_text: FAILED: {len(same)} texts agree, fewer than the floor {floor}")
    sys.exit(1)
PY
