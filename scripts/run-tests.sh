#!/usr/bin/env bash
# Builds every package, runs every package's tests and lint one package at a time (the machine
# has 2 cores and each vitest run uses both), then prints one closing summary line for the
# whole suite. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/*/test-results examples/test-results
status=0
npx turbo run build --output-logs=errors-only || status=$?
if [ "$status" -eq 0 ]; then
  npx turbo run test lint --concurrency=1 --continue || status=$?
fi
node scripts/test-summary.mjs || status=$?
exit "$status"
