#!/usr/bin/env python3
"""Questions about a `growth report --format json` report, for the end-to-end tests.

    jsonq.py get REPORT EXPR          prints EXPR (a Python expression) evaluated over the report
    jsonq.py check REPORT EXPR [WHAT] exits 1 and prints the report's sites unless EXPR holds

In EXPR, `r` is the report and these helpers are defined:
    fn(frame)          the frame's function without parameters ("ns::Cls::push(int)" -> "ns::Cls::push")
    at0(name)          sites whose innermost frame (frame 0) is function `name`
    within(name)       sites with `name` in any frame
    one(name)          the one site whose frame 0 is `name` (raises if there are 0 or 2+)
    live(name)         sum of live_bytes_end over within(name)
    inner(site)        the innermost frame outside the C and C++ runtime libraries
"""
import json
import sys

RUNTIME = ("libc.so", "libc-", "libstdc++", "libgcc_s", "ld-linux", "libm.so", "libpthread")


def fn(frame):
    f = (frame.get("function") or "").replace("(anonymous namespace)::", "")
    return f.split("(")[0].strip()


def load(path):
    with open(path) as fh:
        return json.load(fh)


def helpers(r):
    sites = r.get("sites", [])

    def at0(name):
        return [s for s in sites if s.get("frames") and fn(s["frames"][0]) == name]

    def within(name):
        return [s for s in sites if any(fn(f) == name for f in s.get("frames", []))]

    def one(name):
        found = at0(name)
        if len(found) != 1:
            raise AssertionError("%d sites have frame 0 in %s" % (len(found), name))
        return found[0]

    def live(name):
        return sum(s["live_bytes_end"] for s in within(name))

    def inner(site):
        for f in site.get("frames", []):
            mod = (f.get("module") or "").rsplit("/", 1)[-1]
            if not mod.startswith(RUNTIME):
                return f
        return {}

    return {"r": r, "fn": fn, "at0": at0, "within": within, "one": one, "live": live,
            "inner": inner, "sites": sites}


def describe(r):
    out = []
    for k in ("process", "duration_s", "truncated", "memory_limit_bytes", "rss"):
        out.append("  %s: %s" % (k, json.dumps(r.get(k))))
    for s in r.get("sites", []):
        frames = " <- ".join(
            "%s@%s:%s" % (fn(f) or f.get("address"), (f.get("file") or "?").rsplit("/", 1)[-1],
                          f.get("line"))
            for f in s.get("frames", [])[:4])
        out.append("  site %s %s growing=%s live_end=%s peak=%s allocs=%s frees=%s slope=%s "
                   "flagged_at=%s pattern=%s: %s" % (
                       s.get("id"), s.get("kind"), s.get("growing"), s.get("live_bytes_end"),
                       s.get("peak_live_bytes"), s.get("allocs"), s.get("frees"),
                       s.get("slope_bytes_per_s"), s.get("flagged_at_s"), s.get("pattern"),
                       frames))
    return "\n".join(out)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("get", "check"):
        sys.stderr.write(__doc__)
        return 2
    cmd, path, expr = sys.argv[1], sys.argv[2], sys.argv[3]
    r = load(path)
    env = helpers(r)
    try:
        value = eval(expr, env)
    except Exception as e:  # a missing site is a failed check, not a crash
        value = None
        err = "%s: %s" % (type(e).__name__, e)
    else:
        err = None
    if cmd == "get":
        if err:
            sys.stderr.write("jsonq: %s: %s\n" % (expr, err))
            return 1
        print(value if isinstance(value, str) else json.dumps(value))
        return 0
    if err is None and value:
        return 0
    print("check failed: %s%s" % (expr, " (" + err + ")" if err else " -> " + repr(value)))
    if len(sys.argv) > 4:
        print("  expected: %s" % sys.argv[4])
    print("report %s:" % path)
    print(describe(r))
    return 1


if __name__ == "__main__":
    sys.exit(main())
