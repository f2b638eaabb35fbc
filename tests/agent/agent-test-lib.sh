#!/bin/bash
# Helpers shared by the agent's shell tests (sourced, not run).
# Every test uses its own pin directory and removes it on exit.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FPHINTD=${FPHINTD:-$TOP/build/bin/fphintd}
T=${0##*/}
PIN_DIR=/sys/fs/bpf/fphint-test-$$
WORK=$(mktemp -d /tmp/fphint-agent-test.XXXXXX)
FAILS=0

cleanup() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -d "$PIN_DIR" ] && "$FPHINTD" --pin-dir "$PIN_DIR" --teardown >/dev/null 2>&1
	rm -rf "$PIN_DIR" "$WORK" 2>/dev/null
	true
}
trap cleanup EXIT

skip() { echo "$T: SKIP: $*"; exit 77; }
ok() { echo "$T: ok: $*"; }
bad() { echo "$T: FAIL: $*"; FAILS=$((FAILS + 1)); }
finish() {
	if [ "$FAILS" -eq 0 ]; then echo "$T: PASS"; exit 0; fi
	echo "$T: $FAILS check(s) failed"; exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$FPHINTD" ] || { echo "$T: FAIL: $FPHINTD not built"; exit 1; }
command -v bpftool >/dev/null || { echo "$T: FAIL: bpftool missing"; exit 1; }

# Number of attached links whose program is one of fphint's tracker
# programs (kernel names are cut to 15 characters: fphint_page_fre...).
fphint_link_count() {
	bpftool link show -j 2>/dev/null | python3 -c '
import json, subprocess, sys
links = json.load(sys.stdin)
progs = {p["id"]: p.get("name", "") for p in json.loads(subprocess.run(
    ["bpftool", "prog", "show", "-j"], capture_output=True, text=True).stdout or "[]")}
print(sum(1 for l in links if l.get("type") == "raw_tracepoint"
          and progs.get(l.get("prog_id"), "").startswith(("fphint_page", "fphint_compact"))))'
}

# Link ids behind the link_* pins of a directory, sorted, one line.
pinned_link_ids() {
	local f
	for f in "$1"/link_*; do
		[ -e "$f" ] || continue
		bpftool link show pinned "$f" -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
	done | sort -n | tr '\n' ' '
}

# Pins in a directory, sorted, one line ("" when it does not exist).
pin_names() { ls "$1" 2>/dev/null | sort | tr '\n' ' '; }
