#!/bin/sh
# Pass 4 of build-aux/run-tests.sh: the C suites (every C test, the model
# test and the fuzz-corpus replay) under ThreadSanitizer. Any report fails.
#
# ThreadSanitizer only sees the happens-before of locks it can watch, and
# Debian's libglib is not built with it (its GMutex and GCond are futexes and
# atomics it cannot see), so this builds its own GLib with
# -Db_sanitize=thread from Debian's source package of the installed version:
#   $TSAN_BUILDDIR/glib/apt/      a private apt configuration: its own
#                                 sources.list (deb-src lines for the archive
#                                 and suites the machine installs GLib from),
#                                 lists and cache; the machine's apt sources
#                                 are never touched
#   $TSAN_BUILDDIR/glib/src/      apt-get source glib2.0=<installed version>
#   $TSAN_BUILDDIR/glib/prefix/   GLib built with clang and TSan, tests, docs
#                                 and man pages off (about 2 minutes on two
#                                 cores); stamp file prefix/.tw-stamp, so
#                                 later runs reuse it until the installed
#                                 GLib or this configuration changes
#   $TSAN_BUILDDIR/tw/            threadworker built with TSan against it
#                                 (no introspection, vapi, GTK, demos or
#                                 benchmarks: nothing that loads the system
#                                 GLib beside it)
# then runs `meson test --setup tsan --suite c` there (TSAN_OPTIONS and the
# suppressions file build-aux/tsan.supp are in tests/meson.build).
#
# Exit status: 0 the tests ran and passed, 1 they ran and something failed
# (the log is $TSAN_BUILDDIR/tw/meson-logs/testlog-tsan.json either way),
# 2 a step before the tests failed (no log).
set -u
cd "$(dirname "$0")/.." || exit 2

TSAN_BUILDDIR=${TSAN_BUILDDIR:-_build-tsan}
mkdir -p "$TSAN_BUILDDIR" || exit 2
top=$(cd "$TSAN_BUILDDIR" && pwd)
glib=$top/glib
prefix=$glib/prefix
twbuild=$top/tw
stamp=$prefix/.tw-stamp

step () {
  echo "tsan-pass: $*"
}

fail () {
  echo "tsan-pass: FAILED: $*" >&2
  exit 2
}

version=$(dpkg-query -W -f='${Version}' libglib2.0-dev 2>/dev/null) \
  || fail "libglib2.0-dev is not installed (build-aux/install-deps.sh --tests)"
# What the prefix was built from and how: a change rebuilds it.
glib_options="--buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
  -Dtests=false -Dinstalled_tests=false -Dman=false -Dgtk_doc=false -Dnls=disabled \
  -Dglib_debug=disabled -Dsysprof=disabled -Ddtrace=false -Dsystemtap=false \
  -Dselinux=disabled -Dlibmount=disabled -Dxattr=false -Dlibelf=disabled"
want_stamp="glib2.0 $version, $(clang --version | head -n 1), $glib_options"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  step "reusing GLib $version built with TSan in $prefix"
else
  # threadworker's TSan build goes with the GLib it was configured against.
  rm -rf "$glib" "$twbuild"
  apt=$glib/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" \
    "$glib/src" || fail "cannot make $glib"

  # deb-src for each archive and suite the machine's apt offers GLib from
  # (apt-cache madison: "libglib2.0-dev | VERSION | URI SUITE/COMPONENT ARCH
  # Packages"), e.g. "deb-src http://deb.debian.org/debian bookworm main".
  apt-cache madison libglib2.0-dev \
    | awk -F' [|] ' '$3 ~ / Packages$/ {
        split ($3, f, " "); n = index (f[2], "/");
        if (n > 0) print "deb-src " f[1] " " substr (f[2], 1, n - 1) " " substr (f[2], n + 1)
      }' \
    | sort -u > "$apt/sources.list"
  [ -s "$apt/sources.list" ] || fail "apt knows no archive for libglib2.0-dev"
  step "fetching glib2.0 $version from: $(tr '\n' ';' < "$apt/sources.list")"

  # Everything apt reads or writes for this is under $apt; SourceParts points
  # at an empty directory so that the machine's sources.list.d is not read.
  set -- -o Dir::Etc::SourceList="$apt/sources.list" \
    -o Dir::Etc::SourceParts="$apt/sources.list.d" \
    -o Dir::State::Lists="$apt/lists" \
    -o Dir::Cache="$apt/cache"
  # As root, apt downloads as _apt, which cannot write into the build tree.
  [ "$(id -u)" -ne 0 ] || set -- "$@" -o APT::Sandbox::User=root
  apt-get "$@" -qq update || fail "apt-get update (private configuration in $apt)"
  (cd "$glib/src" && apt-get "$@" -q source "glib2.0=$version" >../source.log 2>&1) \
    || (cd "$glib/src" && apt-get "$@" -q source glib2.0 >../source.log 2>&1) \
    || { cat "$glib/source.log" >&2; fail "apt-get source glib2.0 (needs dpkg-dev)"; }
  srcdir=$(find "$glib/src" -mindepth 1 -maxdepth 1 -type d -name 'glib2.0-*' | head -n 1)
  [ -n "$srcdir" ] || fail "no source tree in $glib/src"

  step "building GLib with TSan into $prefix (log: $glib/build.log)"
  start=$(date +%s)
  # shellcheck disable=SC2086 # the options are words
  { CC=clang nice meson setup "$glib/build" "$srcdir" --prefix="$prefix" --libdir=lib \
      $glib_options \
    && nice meson compile -C "$glib/build" -j 2 \
    && meson install -C "$glib/build" --no-rebuild; } >"$glib/build.log" 2>&1 \
    || { tail -n 30 "$glib/build.log" >&2; fail "GLib build"; }
  # The sources and objects are not needed any more; the prefix is.
  rm -rf "$glib/build" "$glib/src"
  echo "$want_stamp" > "$stamp"
  step "GLib built in $(( $(date +%s) - start )) s"
fi

PKG_CONFIG_PATH=$prefix/lib/pkgconfig
LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_PATH LD_LIBRARY_PATH

if [ ! -f "$twbuild/build.ninja" ]; then
  rm -rf "$twbuild"
  CC=clang meson setup "$twbuild" \
    -Db_sanitize=thread -Db_lundef=false \
    -Dintrospection=disabled -Dvapi=disabled -Dgtk=disabled \
    -Ddemos=false -Dbenchmarks=false \
    || { rm -rf "$twbuild"; fail "meson setup $twbuild"; }
fi
nice meson compile -C "$twbuild" || fail "meson compile -C $twbuild"
# The tests must run against the TSan GLib, not the system's.
ldd "$twbuild/tests/test-worker" | grep -q "$prefix/lib/libglib-2.0" \
  || fail "$twbuild/tests/test-worker does not load GLib from $prefix"

# TSan of clang 14 cannot map its shadow memory with the address-space
# randomization of newer kernels (vm.mmap_rnd_bits > 28): run the tests
# without randomization there.
set --
if "$twbuild/tests/test-worker" -l 2>&1 | grep -q "unexpected memory mapping"; then
  set -- --wrapper "setarch $(uname -m) -R"
fi

rm -f "$twbuild/meson-logs/testlog-tsan.json"
meson test -C "$twbuild" --setup tsan --suite c --print-errorlogs --num-processes 2 "$@"
rc=$?
[ -f "$twbuild/meson-logs/testlog-tsan.json" ] || fail "meson test wrote no log"
[ $rc -eq 0 ] || exit 1
exit 0
