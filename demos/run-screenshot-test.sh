#!/bin/sh
# Runs the demo viewer headless under Xvfb in --screenshot mode, then checks
# the PNG it saved is a real, non-uniform picture.
# Usage: run-screenshot-test.sh DEMO CHECKER OUT.png [demo arguments...]
set -u

demo=$1
checker=$2
out=$3
shift 3

rm -f "$out"
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

# xvfb-run -a picks a free display by looking at lock files; two servers
# starting at the same moment can pick the same one. Retry only that.
for attempt in 1 2 3; do
  xvfb-run -a -s "-screen 0 1400x1000x24 -nolisten tcp" \
    "$demo" --screenshot "$out" "$@" 2>"$errors"
  status=$?
  cat "$errors" >&2
  grep -q "Xvfb failed to start" "$errors" || break
  echo "Xvfb did not start (attempt $attempt), retrying" >&2
done

if [ "$status" -ne 0 ]; then
  echo "threadworker-demo exited with status $status" >&2
  exit 1
fi
exec "$checker" "$out"
