#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Every command-line option declared in mica's source (boolean_param(),
# integer_param(), size_param(), string_param(), custom_param()) must have
# a "### `name`" section in docs/cmdline.md, and every such section must
# still have its option in the source. Prints what is missing or stale;
# exits 1 if anything is. Run by `make host-test`.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
doc=docs/cmdline.md

if [ ! -r "$doc" ]; then
	echo "check-cmdline-doc: $doc is missing"
	exit 1
fi

# Declarations in code, not in comments (param.h shows an example).
declared=$(find . \( -path './build*' -o -path ./tests -o -path ./guests \
	-o -path ./tools -o -path './.*' \) -prune -o \
	\( -name '*.c' -o -name '*.h' \) -print0 |
	xargs -0 grep -hE '(boolean|integer|size|string|custom)_param\("' |
	grep -vE '^[[:space:]]*(\*|/[*/])' |
	grep -oE '(boolean|integer|size|string|custom)_param\("[^"]*"' |
	sed -E 's/.*\("//; s/"$//' | sort -u)
documented=$(grep -oE '^### `[^`]+`' "$doc" | sed -E 's/^### `//; s/`$//' |
	sort -u)

if [ -z "$declared" ]; then
	echo "check-cmdline-doc: found no option declarations at all"
	exit 1
fi

missing=$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$documented"))
stale=$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$documented"))
for o in $missing; do
	echo "check-cmdline-doc: option '$o' is declared but not documented in $doc"
done
for o in $stale; do
	echo "check-cmdline-doc: $doc documents '$o', which no source declares"
done
[ -z "$missing$stale" ] || exit 1
echo "check-cmdline-doc: $(wc -w <<<"$declared") options, all documented"
