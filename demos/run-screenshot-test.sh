#!/bin/sh
# Runs the demo viewer headless in --screenshot mode, then checks the PNG it
# saved is a real, non-uniform picture.
# Usage: run-screenshot-test.sh DEMO CHECKER OUT.png [demo arguments...]
set -u

demo=$1
checker=$2
out=$3
shift 3

rm -f "$out"
"$(dirname "$0")/run-headless.sh" "$demo" --screenshot "$out" "$@"
status=$?
if [ "$status" -ne 0 ]; then
  echo "threadworker-demo exited with status $status" >&2
  exit 1
fi
exec "$checker" "$out"
