#!/bin/sh
# Builds threadworker and runs every test, in four passes:
#   1. every suite in the normal build ($BUILDDIR, default _build);
#   2. the C suites of that build under valgrind memcheck (leaks and memory
#      errors fail; meson test --setup valgrind);
#   3. the C suites and a short libFuzzer run of the model in an
#      AddressSanitizer + UndefinedBehaviorSanitizer build made with clang
#      ($SANITIZE_BUILDDIR, default _build-sanitize; --setup asan);
#   4. the C suites under ThreadSanitizer, in a TSan build against a GLib
#      built with TSan from Debian's source package ($TSAN_BUILDDIR, default
#      _build-tsan; build-aux/tsan-pass.sh; --setup tsan).
# Installs what it needs first. About 2 minutes on 2 cores, plus about
# 3 minutes the first time for the TSan GLib (kept for later runs).
# Arguments are passed to the first pass's `meson test` (e.g. a suite).
# TW_RELIABILITY=0 skips passes 2, 3 and 4 for a quick local run; TW_TSAN=0
# skips pass 4 only.
# The last line is the real total of all passes: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

build-aux/install-deps.sh --tests || exit 1

BUILDDIR=${BUILDDIR:-_build}
SANITIZE_BUILDDIR=${SANITIZE_BUILDDIR:-_build-sanitize}
TSAN_BUILDDIR=${TSAN_BUILDDIR:-_build-tsan}
export TSAN_BUILDDIR
status=0
logs=""
failed_steps=""

# Each pass writes its own log; drop last run's so only this run counts.
rm -f "$BUILDDIR/meson-logs/testlog.json" "$BUILDDIR/meson-logs/testlog-valgrind.json" \
      "$SANITIZE_BUILDDIR/meson-logs/testlog-asan.json" \
      "$TSAN_BUILDDIR/tw/meson-logs/testlog-tsan.json"

# 1. The normal build, every suite.
if [ ! -d "$BUILDDIR" ]; then
  meson setup "$BUILDDIR" || exit 1
fi
if meson compile -C "$BUILDDIR"; then
  meson test -C "$BUILDDIR" --print-errorlogs --num-processes 2 "$@" || status=1
  logs="$logs $BUILDDIR/meson-logs/testlog.json"
else
  failed_steps="$failed_steps --failed-step build($BUILDDIR)"
fi

if [ "${TW_RELIABILITY:-1}" != 0 ]; then
  # 2. Valgrind on the same build.
  if [ -z "$failed_steps" ]; then
    meson test -C "$BUILDDIR" --setup valgrind --suite c --print-errorlogs --num-processes 2 \
      || status=1
    logs="$logs $BUILDDIR/meson-logs/testlog-valgrind.json"
  fi

  # 3. The sanitizer build: clang, for libFuzzer; coverage instrumentation
  # of the whole build guides the fuzzer.
  if [ ! -d "$SANITIZE_BUILDDIR" ]; then
    CC=clang meson setup "$SANITIZE_BUILDDIR" \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dc_args=-fsanitize=fuzzer-no-link \
      -Dintrospection=disabled -Dvapi=disabled -Ddemos=false -Dbenchmarks=false \
      || rm -rf "$SANITIZE_BUILDDIR"
  fi
  if [ -d "$SANITIZE_BUILDDIR" ] && meson compile -C "$SANITIZE_BUILDDIR"; then
    meson test -C "$SANITIZE_BUILDDIR" --setup asan --suite c --suite fuzz --print-errorlogs \
      --num-processes 2 || status=1
    logs="$logs $SANITIZE_BUILDDIR/meson-logs/testlog-asan.json"
  else
    failed_steps="$failed_steps --failed-step build($SANITIZE_BUILDDIR)"
  fi

  # 4. ThreadSanitizer, with its own GLib (fetched and built the first time).
  if [ "${TW_TSAN:-1}" != 0 ]; then
    build-aux/tsan-pass.sh
    case $? in
      0) logs="$logs $TSAN_BUILDDIR/tw/meson-logs/testlog-tsan.json" ;;
      1) logs="$logs $TSAN_BUILDDIR/tw/meson-logs/testlog-tsan.json"; status=1 ;;
      *) failed_steps="$failed_steps --failed-step build($TSAN_BUILDDIR)" ;;
    esac
  fi
fi

existing=""
for log in $logs; do
  if [ -f "$log" ]; then
    existing="$existing $log"
  else
    failed_steps="$failed_steps --failed-step $log"
  fi
done
# shellcheck disable=SC2086 # word splitting of the lists is intended
/usr/bin/python3 build-aux/test-totals.py $failed_steps $existing || status=1
exit $status
