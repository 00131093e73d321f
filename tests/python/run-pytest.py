#!/usr/bin/python3
"""Runs the Python tests with pytest and reports each test as one TAP line
on stdout, so meson and build-aux/test-totals.py count them one by one.

pytest's own report goes to stderr. A run that collects no test, or fails to
collect, is a failure (pytest exit codes 5 and 2), never a silent pass.

Usage: run-pytest.py TEST-DIR [PYTEST-ARGS...]
"""
import os
import sys

import pytest


class TapReporter:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.outcomes = {}

    def emit(self, line):
        self.out.write(line + '\n')
        self.out.flush()

    def pytest_collection_finish(self, session):
        if session.items:       # no plan for nothing: main() reports it
            self.emit('1..%d' % len(session.items))

    def pytest_runtest_logreport(self, report):
        outcome = self.outcomes.setdefault(report.nodeid, ['ok', ''])
        if report.failed:
            outcome[0] = 'not ok'
            outcome[1] = report.when
        elif report.skipped and outcome[0] == 'ok':
            outcome[0] = 'skip'
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ''
            outcome[1] = reason

    def pytest_runtest_logfinish(self, nodeid, location):
        self.n += 1
        status, detail = self.outcomes.pop(nodeid, ['not ok', 'no report'])
        name = nodeid.replace('#', '_')
        if status == 'ok':
            self.emit('ok %d - %s' % (self.n, name))
        elif status == 'skip':
            self.emit('ok %d - %s # SKIP %s' % (self.n, name, detail))
        else:
            self.emit('not ok %d - %s (failed in %s)' % (self.n, name, detail))


def main():
    test_dir, *args = sys.argv[1:]
    # TAP goes to the real stdout; everything else (pytest's report, prints
    # from the tests) to stderr.
    tap = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    reporter = TapReporter(tap)
    status = pytest.main(['-p', 'no:cacheprovider', '-v', '-rA', test_dir] + args,
                         plugins=[reporter])
    if status == pytest.ExitCode.NO_TESTS_COLLECTED:
        reporter.emit('1..1')
        reporter.emit('not ok 1 - no test was collected in %s' % test_dir)
        return 1
    if status in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR,
                  pytest.ExitCode.USAGE_ERROR):
        reporter.emit('not ok %d - pytest stopped: %s' % (reporter.n + 1, status.name))
        return 1
    if reporter.n == 0:
        reporter.emit('1..1')
        reporter.emit('not ok 1 - pytest ran no test (%s)' % status.name)
        return 1
    return int(status)


if __name__ == '__main__':
    sys.exit(main())
