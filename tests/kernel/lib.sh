# shellcheck shell=bash
# Shared by the kernel tests: a private tracker (own pin dir, own fphintd)
# that is always torn down, and helpers to read `fphint verify --json`.
# Source it, then call fphint_test_start_tracker.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FPHINT=$top/build/bin/fphint
FPHINTD=$top/build/bin/fphintd
test_name=$(basename "$0")
PIN_DIR=/sys/fs/bpf/fphint-test-$test_name-$$
WORK=$(mktemp -d "/tmp/fphint-$test_name.XXXXXX")
AGENT_PID=
_cleanup_hooks=()

# Commands run at exit, last added first (undo in reverse order).
fphint_test_on_exit() { _cleanup_hooks=("$*" "${_cleanup_hooks[@]}"); }

_fphint_test_cleanup() {
	local rc=$? h
	for h in "${_cleanup_hooks[@]}"; do eval "$h" || true; done
	if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
		kill -TERM "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	if [ -e "$PIN_DIR" ]; then
		"$FPHINTD" --pin-dir "$PIN_DIR" --teardown >>"$WORK/fphintd.log" 2>&1 ||
			echo "teardown of $PIN_DIR failed (see $WORK/fphintd.log)"
	fi
	rm -rf "$WORK"
	exit $rc
}
trap _fphint_test_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

need_root_and_binaries() {
	[ "$(id -u)" = 0 ] || fail "kernel tests run as root"
	[ -x "$FPHINT" ] && [ -x "$FPHINTD" ] || fail "build first: make all"
}

# fphintd in the background on our pin dir, no periodic reconcile (the
# tests reconcile on purpose, to measure before and after).
fphint_test_start_tracker() {
	need_root_and_binaries
	"$FPHINTD" --pin-dir "$PIN_DIR" --reconcile-interval 0 >"$WORK/fphintd.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 100); do
		"$FPHINT" status --pin-dir "$PIN_DIR" >/dev/null 2>&1 && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.2
	done
	cat "$WORK/fphintd.log"
	fail "fphintd did not come up on $PIN_DIR"
}

# verify --json into file $1 (exit status 0 or 4 are both results).
fphint_test_verify() {
	local rc=0
	"$FPHINT" verify --pin-dir "$PIN_DIR" --json >"$1" || rc=$?
	[ $rc = 0 ] || [ $rc = 4 ] || fail "fphint verify exited $rc"
	python3 -m json.tool "$1" >/dev/null || fail "verify --json output does not parse"
}

# Field $2 of the JSON object in file $1.
json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# One line of figures for the report.
fphint_test_report() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:<18} free_truth={d['free_truth']} map_free={d['map_free']} "
      f"pcp_free={d['pcp_free']} (zoneinfo {d['pcp_free_zoneinfo']}, {d['pcp_structs']} sets) "
      f"false_free={d['false_free']} ({d['false_free_ppm']} ppm) "
      f"missed={d['missed']} ({d['missed_ppm']} ppm) elapsed_ms={d['elapsed_ms']} "
      f"false_free_kind={d['false_free_kind']}")
PY
}

# Exit 0 when false_free and missed in verify JSON $1 are within 0.1%
# (1000 ppm) of free_truth and pcp pages were walked; says why not.
fphint_test_within_budget() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
budget = d["free_truth"] * 1000 // 1000000
ok = True
for k in ("false_free", "missed"):
    if d[k] > budget:
        print(f"  {k} {d[k]} > 0.1% of free_truth ({budget}); samples {d[k + '_sample']}")
        ok = False
if d["pcp_method"] != "walk":
    print("  pcp pages were not walked:", d.get("pcp_walk_error"))
    ok = False
sys.exit(0 if ok else 1)
PY
}

# The scenario skeleton: verify before, run churn ($@) while tracking,
# verify (before reconcile, not asserted), reconcile, verify and assert
# false_free and missed <= 0.1% of free_truth.
#
# The truth moves under the measurement: free page reporting (this host is
# a guest) takes whole free blocks off the buddy lists for a moment, and
# other work allocates silently.  A single reconcile+verify can catch such
# a transient (thousands of pages at once), so the assertion is on the
# best of up to three consecutive reconcile+verify rounds; every round's
# figures are printed.
fphint_test_scenario() {
	local round
	fphint_test_start_tracker
	fphint_test_verify "$WORK/idle.json"
	fphint_test_report "idle" "$WORK/idle.json"
	"$@" || fail "churn '$*' failed"
	fphint_test_verify "$WORK/churned.json"
	fphint_test_report "after churn" "$WORK/churned.json"
	for round in 1 2 3; do
		"$FPHINT" reconcile --pin-dir "$PIN_DIR" || fail "fphint reconcile failed"
		fphint_test_verify "$WORK/reconciled.json"
		fphint_test_report "after reconcile" "$WORK/reconciled.json"
		if fphint_test_within_budget "$WORK/reconciled.json"; then
			echo "PASS: false_free and missed within 0.1% of free_truth after reconcile" \
				"(round $round)"
			return 0
		fi
	done
	fail "precision after reconcile: over 0.1% in 3 rounds"
}
