#!/bin/bash
# Check helpers for the shell tests (sourced).  The test sets T (its name)
# and FAILS=0 first; bad() counts, die() stops, finish() turns the count
# into the exit code tests/run-suite reads.
ok() { echo "$T: ok: $*"; }
bad() { echo "$T: FAIL: $*"; FAILS=$((FAILS + 1)); }
die() { echo "$T: FAIL: $*"; exit 1; }
finish() {
	if [ "$FAILS" -eq 0 ]; then echo "$T: PASS"; exit 0; fi
	echo "$T: $FAILS check(s) failed"; exit 1
}
