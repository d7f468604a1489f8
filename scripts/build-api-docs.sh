#!/usr/bin/env bash
# Generates the API reference from the TSDoc of the three packages' entry points
# (@srm/core, @srm/langchain, @srm/llamaindex) into docs/api/ (git-ignored), with TypeDoc
# configured by typedoc.json at the repository root (one project per package, merged, so
# links from the adapters to @srm/core resolve).
#
#   bash scripts/build-api-docs.sh            # then open docs/api/index.html
#   bash scripts/build-api-docs.sh --strict   # fail on any warning (a type referenced by the
#                                             # public API but not exported, a broken {@link})
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
  if [ "$a" = "--strict" ]; then args+=(--treatWarningsAsErrors); else args+=("$a"); fi
done
rm -rf docs/api
node node_modules/typedoc/bin/typedoc --logLevel Warn ${args[@]+"${args[@]}"}
echo "build-api-docs: wrote docs/api/index.html"
