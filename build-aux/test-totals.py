#!/usr/bin/python3
"""Counts the real test results of a meson test run from its testlog.json.

TAP programs count one result per "ok"/"not ok" line; other tests count as
one. A program that failed without a failing TAP line (a crash, a timeout)
adds one failure. Prints "N passed, N failed" last and exits non-zero if any
test failed.
"""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
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
        elif result == "OK":
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
