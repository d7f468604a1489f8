#!/usr/bin/env bash
# docs/cli.md: a tour of the srm CLI on the directory that getting-started.ts
# leaves in .data/getting-started (an SRM store and a glossary).
# Run from examples/ after `npx turbo run build --filter=@srm/core`:
#   bash src/snippets/cli-tour.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# In an app, `npx srm` runs the bin of @srm/core; in this repository, the built file.
srm() { node ../packages/core/dist/esm/cli/main.js "$@"; }
[ -f .data/getting-started/memory.sqlite ] || npx tsx src/snippets/getting-started.ts > /dev/null
rm -rf .data/restored .data/backup.jsonl

srm stats .data/getting-started --verify
srm query .data/getting-started --text "the smoke that comes out of a broken chip" -k 3
srm glossary list .data/getting-started --agent support-bot
srm glossary recall .data/getting-started --agent support-bot "how long does a JWT live?"

srm export .data/getting-started --out .data/backup.jsonl
srm import .data/restored --in .data/backup.jsonl
srm stats .data/restored --json > /dev/null

# Bad arguments: a usage message on stderr and exit code 2.
status=0
srm query .data/getting-started -k 3 2> /dev/null || status=$?
test "$status" -eq 2
