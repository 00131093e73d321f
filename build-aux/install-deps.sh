#!/bin/sh
# Installs the Debian 12 packages threadworker needs to build, test and run
# its demos. Safe to run again; does nothing when everything is present.
# Usage: build-aux/install-deps.sh [--demo|--tests|--bench|--docs|--all]
set -eu

BUILD="meson ninja-build pkg-config gcc libglib2.0-dev gettext"
TESTS="$BUILD valgrind xvfb xauth python3-gi python3-pytest gjs valac \
  gobject-introspection libgirepository1.0-dev gir1.2-gtk-4.0 libgtk-4-dev \
  python3-numpy python3-distributed python3-dask clang libclang-rt-14-dev \
  dpkg-dev xz-utils libpcre2-dev libffi-dev zlib1g-dev"
DEMO="$BUILD libgtk-4-dev gir1.2-gtk-4.0 xvfb xauth"
DOCS="$BUILD gobject-introspection libgirepository1.0-dev gi-docgen"
BENCH="$BUILD python3-gi gobject-introspection libgirepository1.0-dev \
  python3-superqt python3-pyqt5 libgtk-4-dev xvfb xauth valgrind"

case "${1:---all}" in
  --demo) want=$DEMO ;;
  --tests) want=$TESTS ;;
  --bench) want=$BENCH ;;
  --docs) want=$DOCS ;;
  *) want="$TESTS $DEMO $BENCH $DOCS" ;;
esac

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
