#!/usr/bin/env python3
"""`make test-matrix`: `make demo`'s demo.py on every guest kernel x host
combination (docs/matrix.md), one table with a row per combination.

Runs demo.py once per combination with FPHINT_GUEST and FPHINT_QEMU set
(the guest images must be built: the make target does that), its output in
OUT/<guest>-qemu<host>/results.json and demo.log, and prints fphint's
figures from each results.json; sent MiB of modes none and stock too, for
scale.  Arguments after "--" go to demo.py unchanged.  Writes OUT/table.txt
and OUT/matrix.json.  Exit 0 when every combination ran with integrity and a
clean destination kernel log in every mode, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fphint_bench as fb  # noqa: E402

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo.py")
COLS = ("guest", "QEMU", "RAM KiB", "ratio", "sent MiB", "none MiB", "stock MiB", "dip %",
        "hold ms", "stall ms", "down ms", "total ms", "setup ms", "integrity", "dst kernel",
        "demo exit")


def run_one(guest, host, out_dir, demo_args):
    """Runs demo.py for one combination; returns (exit code, results or None)."""
    os.makedirs(out_dir, exist_ok=True)
    results = os.path.join(out_dir, "results.json")
    if os.path.exists(results):
        os.unlink(results)  # never report a previous run's figures
    env = dict(os.environ, FPHINT_GUEST=guest, FPHINT_QEMU=host)
    fb.log("matrix: guest %s on QEMU %s: demo.py %s" % (guest, host, " ".join(demo_args)))
    with open(os.path.join(out_dir, "demo.log"), "w") as logf:
        rc = subprocess.call([sys.executable, DEMO, "--out", results] + demo_args, env=env,
                             stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        with open(results) as f:
            return rc, json.load(f)
    except (OSError, ValueError):
        return rc, None


def num(v, digits=0, scale=1):
    return "-" if v is None else "%.*f" % (digits, v / scale)


def row(guest, host, rc, doc):
    if not doc:
        return (guest, host) + ("no results",) + ("",) * (len(COLS) - 4) + (str(rc),)
    e = doc.get("fphint") or {}
    modes = [m for m, v in doc.items() if m != "meta" and v.get("status") == "measured"]
    # The kernel and QEMU the runs really had (the bench checks them at boot).
    seen = {(r.get("guest_kernel"), r.get("qemu_version")) for m in modes
            for r in doc[m].get("runs", [])}
    label_g = ",".join(sorted({k or "?" for k, _ in seen})) or guest
    label_h = ",".join(sorted({q or "?" for _, q in seen})) or host
    ok = bool(modes) and all(doc[m]["integrity"] == "pass" for m in modes)
    clean = bool(modes) and all(doc[m]["dst_kernel_clean"] for m in modes)

    def sent(mode):
        m = doc.get(mode) or {}
        return num(m.get("transferred_bytes"), 0, 2 ** 20) if m.get("status") == "measured" \
            else m.get("status", "-")

    if e.get("status") != "measured":
        fig = (e.get("status", "not run"), "-", sent("none"))
    else:
        fig = (num(e.get("ratio"), 4), sent("fphint"), sent("none"))
    return (label_g, label_h, str(doc["meta"].get("guest_ram_kb", "-"))) + fig + (
        sent("stock"), num(e.get("memfree_dip_pct"), 2),
        num((e.get("hint_helper") or {}).get("max_lock_hold_ms"), 2),
        num((e.get("stall") or {}).get("max_stall_ms"), 1),
        num(e.get("downtime_ms")), num(e.get("total_ms")), num(e.get("setup_ms")),
        "pass (%d modes)" % len(modes) if ok else "FAIL",
        "clean" if clean else "PROBLEMS", str(rc))


def table(rows):
    rows = [COLS] + rows
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(COLS))]
    lines = ["  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main():
    argv = sys.argv[1:]
    demo_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=os.path.join(fb.BUILD, "test-matrix"))
    ap.add_argument("--guests", default=",".join(fb.GUESTS))
    # QEMU 10 first: the host of the headline figures.
    ap.add_argument("--hosts", default=",".join(reversed(fb.HOSTS)))
    a = ap.parse_args(argv)
    guests, hosts = a.guests.split(","), a.hosts.split(",")
    if not set(guests) <= set(fb.GUESTS) or not set(hosts) <= set(fb.HOSTS):
        print("matrix: --guests from %s, --hosts from %s" % (fb.GUESTS, fb.HOSTS), file=sys.stderr)
        return 2
    t0 = time.monotonic()
    rows, doc, ok = [], {}, True
    for guest in guests:
        for host in hosts:
            name = "%s-qemu%s" % (guest, host)
            rc, res = run_one(guest, host, os.path.join(a.out_dir, name), demo_args)
            r = row(guest, host, rc, res)
            rows.append(r)
            doc[name] = dict(zip(COLS, r))
            ok = ok and rc == 0 and res is not None and r[-3].startswith("pass") and \
                r[-2] == "clean"
            fb.log("matrix: %s done: %s" % (name, " | ".join(r)))
    text = ("fphint test matrix: demo.py %s on each guest kernel x host; fphint's figures "
            "(ratio = (normal + zero) / in-use pages, idle median; hold = longest zone->lock "
            "hold; stall = worst allocation stall of the churn runs); none/stock MiB for scale; "
            "integrity and kernel over every mode and run\n%s\nlogs: %s (%.0fs)\n"
            % (" ".join(demo_args) or "(defaults)", table(rows), a.out_dir,
               time.monotonic() - t0))
    os.makedirs(a.out_dir, exist_ok=True)
    with open(os.path.join(a.out_dir, "table.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out_dir, "matrix.json"), "w") as f:
        json.dump({"demo_args": demo_args, "rows": doc}, f, indent=2)
    print(text, end="")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
