#!/bin/sh
# Builds threadworker (release, in its own build directory) and runs every
# benchmark against its peers: prints the table and writes
# benchmarks/results/latest.json. Installs what it needs first.
# Usage: build-aux/run-benchmarks.sh [--quick] [more benchmarks/run.py options]
set -eu
cd "$(dirname "$0")/.."

build-aux/install-deps.sh --bench

BUILDDIR=${BENCH_BUILDDIR:-_build-bench}
if [ ! -d "$BUILDDIR" ]; then
  meson setup "$BUILDDIR" -Dbuildtype=release -Dtests=false -Ddemos=false \
    -Dbenchmarks=true
fi
meson compile -C "$BUILDDIR"

exec /usr/bin/python3 benchmarks/run.py --builddir "$BUILDDIR" "$@"
