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
# shellcheck source=../lib/checks.sh
source "$TOP/tests/lib/checks.sh"

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$FPHINTD" ] || { echo "$T: FAIL: $FPHINTD not built"; exit 1; }
command -v bpftool >/dev/null || { echo "$T: FAIL: bpftool missing"; exit 1; }

# Highest BPF link id now (0 if none).
max_link_id() {
	bpftool link show -j 2>/dev/null | python3 -c '
import json, sys
print(max([l["id"] for l in json.load(sys.stdin)] or [0]))'
}

# fphint tracker links newer than id $1 that no other pin directory holds
# (other engineers' trackers come and go concurrently: theirs are pinned
# in their own directories, or transient while their agent starts, hence
# the retries).  Prints the count.
stray_fphint_links() {
	local since=$1 n tries
	for tries in 1 2 3 4 5; do
		n=$(bpftool link show -j 2>/dev/null | python3 -c '
import glob, json, subprocess, sys
since = int(sys.argv[1])
def j(*a):
    r = subprocess.run(["bpftool", *a, "-j"], capture_output=True, text=True)
    return json.loads(r.stdout or "null")
progs = {p["id"]: p.get("name", "") for p in j("prog", "show") or []}
pinned = set()
for f in glob.glob("/sys/fs/bpf/*/link_*"):
    info = j("link", "show", "pinned", f)
    if info:
        pinned.add(info["id"])
print(sum(1 for l in json.load(sys.stdin) if l["id"] > since and l["id"] not in pinned
          and progs.get(l.get("prog_id"), "").startswith(("fphint_page", "fphint_compact"))))
' "$since")
		[ "$n" = 0 ] && break
		sleep 1
	done
	echo "$n"
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
