#!/bin/sh
# Builds threadworker and runs every test. Installs what it needs first.
# The last line is the real total: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

build-aux/install-deps.sh --tests || exit 1

BUILDDIR=${BUILDDIR:-_build}
if [ ! -d "$BUILDDIR" ]; then
  meson setup "$BUILDDIR" || exit 1
fi
meson compile -C "$BUILDDIR" || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$BUILDDIR" --print-errorlogs --num-processes 2 "$@"
status=$?
/usr/bin/python3 build-aux/test-totals.py "$BUILDDIR/meson-logs/testlog.json" || status=1
exit $status
