#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Reads KTAP (or plain TAP, as cmocka prints it) from a log and counts the
# results, so that mica's self tests and the host tests share one parser.
#
#   scripts/ktap.sh [--counts FILE] [--quiet] LOG
#
# A log may hold several documents, each starting with "KTAP version 1",
# "TAP version N" or its plan line. Only lines at column 0 count: indented
# lines are subtests or diagnostics, summarised by their parent's result.
#
# Outcomes: "ok" passes; "# SKIP" or "# TODO" skips; "not ok" and "# ERROR"
# fail. A document without a plan is one failure; each result the plan
# promised but the log lacks is one failure (a hang or a crash mid-run);
# results out of order, more results than planned, and "Bail out!" are one
# failure each. Nothing at all to read is a failure too.
#
# Prints one line per problem (with the diagnostics that preceded a failed
# result), then "ktap: P passed, F failed, S skipped, R results".
# --counts appends "P F S" to FILE. Exits 0 only if nothing failed.

set -u

counts=
quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--counts) counts=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h | --help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "ktap.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 1 ]; then
	echo "usage: ktap.sh [--counts FILE] [--quiet] LOG" >&2
	exit 2
fi
log=$1
if [ ! -r "$log" ]; then
	echo "ktap.sh: cannot read $log" >&2
	exit 2
fi

summary=$(awk -v quiet="$quiet" '
function problem(msg) {
	if (!quiet)
		print "  " msg
}

# The end of a document: compare what came with what the plan promised.
function finish() {
	if (!indoc)
		return
	if (plan < 0) {
		failed++
		problem("no plan line (1..N) before or after " results " results")
	} else if (results < plan) {
		failed += plan - results
		problem("only " results " of " plan " planned results: the run stopped early (hang, crash or reset?)")
	} else if (results > plan) {
		failed++
		problem(results " results for a plan of " plan)
	}
	indoc = 0
}

function start() {
	finish()
	indoc = 1
	plan = -1
	results = 0
	ndiag = 0
	misnumbered = 0
	docs++
}

{
	sub(/\r+$/, "")
	gsub(/\033\[[0-9;?]*[A-Za-z]/, "")
}

/^(KTAP|TAP) version / {
	start()
	next
}

/^1\.\.[0-9]+/ {
	# A second plan starts a new document (cmocka prints one per group);
	# a plan after the results (TAP allows it) closes the current one.
	if (!indoc || plan >= 0)
		start()
	n = $0
	sub(/^1\.\./, "", n)
	sub(/[^0-9].*$/, "", n)
	plan = n + 0
	next
}

/^Bail out!/ {
	if (!indoc)
		start()
	failed++
	problem($0)
	finish()
	next
}

/^(not )?ok( |$)/ {
	if (!indoc)
		start()
	results++
	total++
	line = $0
	bad = (line ~ /^not /)
	sub(/^(not )?ok */, "", line)
	num = line
	if (num ~ /^[0-9]+/) {
		sub(/[^0-9].*$/, "", num)
		sub(/^[0-9]+ *(- )?/, "", line)
		if (num + 0 != results && !misnumbered) {
			failed++
			misnumbered = 1
			problem("result numbered " num " where " results " was due")
		}
	}
	directive = ""
	if (match(line, / # */)) {
		directive = toupper(substr(line, RSTART + RLENGTH))
		name = substr(line, 1, RSTART - 1)
	} else {
		name = line
	}
	if (directive ~ /^ERROR/) {
		failed++
		problem("ERROR " $0)
	} else if (directive ~ /^(SKIP|TODO)/) {
		skipped++
	} else if (bad) {
		failed++
		problem($0)
		for (i = 0; i < ndiag; i++)
			problem("  " diag[i])
	} else {
		passed++
	}
	ndiag = 0
	next
}

# Diagnostics (KTAP "# ..." lines, indented or not) for the next result.
/^[ \t]*#/ {
	if (ndiag < 20)
		diag[ndiag++] = $0
	next
}

END {
	finish()
	if (!docs) {
		failed++
		problem("no KTAP or TAP output at all")
	}
	printf "ktap: %d passed, %d failed, %d skipped, %d results\n", passed, failed, skipped, total
}
' "$log")
rc=$?
if [ $rc -ne 0 ]; then
	echo "ktap.sh: awk failed on $log" >&2
	exit 2
fi

echo "$summary"
last=${summary##*$'\n'}
read -r _ p _ f _ s _ <<<"${last//,/}"
if [ -n "$counts" ]; then
	echo "$p $f $s" >>"$counts"
fi
[ "$f" -eq 0 ]
