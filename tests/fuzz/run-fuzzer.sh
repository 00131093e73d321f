#!/bin/sh
# Runs the libFuzzer harness for TW_FUZZ_SECONDS (default 20), as a test.
# Usage: run-fuzzer.sh FUZZER SEED-CORPUS ARTIFACT-DIR
# New inputs go to a scratch corpus (the seed corpus in the source tree is
# only read); a crash, leak or hang is saved in ARTIFACT-DIR and fails the
# test with the command that replays it.
set -u
fuzzer=$1 seeds=$2 artifacts=$3 seconds=${TW_FUZZ_SECONDS:-20}

mkdir -p "$artifacts" || exit 1
scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT

"$fuzzer" -max_total_time="$seconds" -timeout=60 -max_len=1024 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$seeds"
status=$?
if [ $status -ne 0 ]; then
  echo "fuzz-model failed; replay with: $fuzzer $artifacts/<crash|leak|timeout>-*" >&2
fi
exit $status
