#!/bin/sh
# Builds threadworker and starts the GTK 4 demo viewer. Installs what it
# needs first. Extra arguments go to the viewer (e.g. --screenshot out.png).
set -eu
cd "$(dirname "$0")/.."

build-aux/install-deps.sh --demo

BUILDDIR=${BUILDDIR:-_build}
[ -d "$BUILDDIR" ] || meson setup "$BUILDDIR"
meson compile -C "$BUILDDIR"
exec "$BUILDDIR/demos/threadworker-demo" "$@"
