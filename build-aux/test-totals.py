#!/usr/bin/python3
"""Counts the real test results of meson test runs from their testlog.json.

Usage: test-totals.py [--failed-step NAME]... TESTLOG.json...

TAP programs count one result per "ok"/"not ok" line; other tests count as
one. A program that failed without a failing TAP line (a crash, a timeout, a
sanitizer or valgrind error after the last test) adds one failure. Each
--failed-step (a build or setup step that failed, so its tests never ran)
adds one failure. With several logs (the normal run, valgrind, the
sanitizer build), prints one line per log, then the sum of all of them
last: "N passed, N failed". Exits non-zero if anything failed.
"""
import json
import re
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8") as log:
        for line in log:
            test = json.loads(line)
            result = test.get("result")
            stdout = test.get("stdout") or ""
            tap = [l for l in stdout.splitlines() if re.match(r"^(not )?ok\b", l)]
            if test.get("protocol") == "tap" or tap:
                n_ok = n_fail = 0
                for l in tap:
                    if re.search(r"#\s*SKIP", l, re.I):
                        skipped += 1
                    elif l.startswith("ok"):
                        n_ok += 1
                    else:
                        n_fail += 1
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and n_fail == 0:
                    n_fail = 1
                passed += n_ok
                failed += n_fail
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def totals_line(passed, failed, skipped):
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    return line


def main(argv):
    logs = []
    failed_steps = []
    args = iter(argv)
    for arg in args:
        if arg == "--failed-step":
            failed_steps.append(next(args, "a step"))
        else:
            logs.append(arg)
    if not logs and not failed_steps:
        print(__doc__.strip(), file=sys.stderr)
        return 2

    passed = failed = skipped = 0
    for path in logs:
        p, f, s = count(path)
        if len(logs) + len(failed_steps) > 1:
            print(f"{path}: {totals_line(p, f, s)}")
        passed += p
        failed += f
        skipped += s
    for step in failed_steps:
        print(f"{step}: failed, its tests did not run")
        failed += 1

    print(totals_line(passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
