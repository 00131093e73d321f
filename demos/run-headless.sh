#!/bin/sh
# Runs a command on a private X server (xvfb-run -a), for the demos' tests.
# Usage: run-headless.sh COMMAND [ARGUMENTS...]
# Exits with the command's status.
set -u

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

# xvfb-run -a picks a free display by looking at lock files; two servers
# starting at the same moment can pick the same one. Retry only that.
for attempt in 1 2 3; do
  xvfb-run -a -s "-screen 0 1400x1000x24 -nolisten tcp" "$@" 2>"$errors"
  status=$?
  cat "$errors" >&2
  grep -q "Xvfb failed to start" "$errors" || exit "$status"
  echo "Xvfb did not start (attempt $attempt), retrying" >&2
done
exit "$status"
