#!/usr/bin/env python3
"""Questions to a real Prometheus over its HTTP API, for the metrics tests.

    prom_check.py URL wait-up                     the fphint target is up, 3+ scrapes
    prom_check.py URL present NAME...             every metric has a series
    prom_check.py URL value EXPR                  print sum(EXPR) (one float)
    prom_check.py URL wait-above EXPR V SECONDS   wait until sum(EXPR) > V
    prom_check.py URL dashboard FILE              every panel query returns data
    prom_check.py URL rules N                     N rules loaded, all evaluated, none failing

Exit 0 when the answer is yes, 1 otherwise (with one line per problem).
"""
import json
import sys
import time
import urllib.parse
import urllib.request


def query(base, expr):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body.get('error')}")
    return body["data"]


def scalar(base, expr):
    data = query(base, f"sum({expr})")
    res = data["result"]
    return float(res[0]["value"][1]) if res else None


def wait_up(base):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            n = scalar(base, 'count_over_time(up{job="fphint"}[5m])')
            up = scalar(base, 'up{job="fphint"}')
            if n is not None and n >= 3 and up == 1:
                return 0
        except (OSError, RuntimeError):
            pass
        time.sleep(0.5)
    print("fphint target not up with 3 scrapes within 60 s")
    return 1


def present(base, names):
    missing = [n for n in names
               if not query(base, f'{{__name__="{n}"}}')["result"]]
    for n in missing:
        print(f"metric {n}: no series in Prometheus")
    return 1 if missing else 0


def wait_above(base, expr, v, secs):
    deadline = time.time() + float(secs)
    last = None
    while time.time() < deadline:
        last = scalar(base, expr)
        if last is not None and last > float(v):
            return 0
        time.sleep(0.5)
    print(f"{expr}: {last} never went above {v} in {secs} s")
    return 1


def dashboard_exprs(path):
    dash = json.load(open(path))
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield p["title"], t["expr"]


def dashboard(base, path):
    """Grafana variables become what Grafana would send for 'All'."""
    fails = n = 0
    for title, expr in dashboard_exprs(path):
        q = expr.replace("$__rate_interval", "1m").replace("$instance", ".*")
        n += 1
        try:
            res = query(base, q)["result"]
        except (OSError, RuntimeError) as e:
            print(f"panel '{title}': {q}: {e}")
            fails += 1
            continue
        if not res:
            print(f"panel '{title}': {q}: no data")
            fails += 1
    if n == 0:
        print(f"{path}: no panel queries")
        return 1
    print(f"{n - fails} of {n} panel queries returned data")
    return 1 if fails else 0


def rules(base, n):
    """Wait until every rule has been evaluated at least once without error."""
    deadline = time.time() + 30
    while True:
        with urllib.request.urlopen(base + "/api/v1/rules", timeout=10) as r:
            groups = json.load(r)["data"]["groups"]
        rs = [r for g in groups for r in g["rules"]]
        bad = [f"{r['name']}: {r.get('health')} {r.get('lastError', '')}" for r in rs
               if r.get("health") != "ok"]
        if len(rs) == int(n) and not bad:
            print(f"{len(rs)} rules evaluated, all healthy")
            return 0
        if time.time() > deadline:
            print(f"{len(rs)} rules (expected {n}); unhealthy: {bad}")
            return 1
        time.sleep(0.5)


def main(argv):
    base, cmd, args = argv[1].rstrip("/"), argv[2], argv[3:]
    if cmd == "wait-up":
        return wait_up(base)
    if cmd == "present":
        return present(base, args)
    if cmd == "value":
        v = scalar(base, args[0])
        print("none" if v is None else repr(v))
        return 0 if v is not None else 1
    if cmd == "wait-above":
        return wait_above(base, *args)
    if cmd == "rules":
        return rules(base, args[0])
    if cmd == "dashboard":
        return dashboard(base, args[0])
    print(f"unknown command {cmd}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
