#!/usr/bin/env bash
# Builds every package, runs every package's tests and lint one package at a time (the machine
# has 2 cores and each vitest run uses both), then the pack-and-install check, and prints one
# closing summary line for the whole suite. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/*/test-results examples/test-results test/install/test-results
status=0
ran_install_check=0
npx turbo run build --output-logs=errors-only || status=$?
if [ "$status" -eq 0 ]; then
  npx turbo run test lint --concurrency=1 --continue || status=$?
  # Formatting is part of lint (npm run lint runs it too); .prettierignore says what it skips.
  npx prettier --check . || status=$?
  # The packages as users install them: packed, installed into fresh apps next to the lowest and
  # the newest supported framework versions, then a smoke app, a restart and a strict type check.
  ran_install_check=1
  bash scripts/pack-install-smoke.sh || status=$?
fi
SRM_EXPECT_INSTALL_REPORT=$ran_install_check node scripts/test-summary.mjs || status=$?
exit "$status"
