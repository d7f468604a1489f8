#!/usr/bin/env bash
# Idempotent setup for a fresh machine: Debian packages (real glossaries, Jupyter for the
# notebook checks, Xapian for the glossary benchmark), npm dependencies (`npm ci`, with the native builds allowed in package.json), and
# the tslab kernel (with --with-jupyter). Safe to run before every demo, test or benchmark run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for f in /usr/share/dictd/jargon.index /usr/share/dictd/foldoc.index /usr/share/dictd/vera.index; do
  [ -f "$f" ] || need_apt+=(dict-jargon dict-foldoc dict-vera)
done
# Jupyter (for the notebook checks) only with --with-jupyter, and Xapian (an independent peer of
# the glossary benchmark) only with --with-bench-peers: the demo needs neither.
with_jupyter=0
with_bench_peers=0
for arg in "$@"; do
  case "$arg" in
    --with-jupyter) with_jupyter=1 ;;
    --with-bench-peers) with_bench_peers=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ "$with_jupyter" = "1" ] && ! command -v jupyter-nbconvert >/dev/null 2>&1; then
  need_apt+=(jupyter-notebook python3-nbconvert jupyter-nbconvert python3-ipykernel)
fi
if [ "$with_bench_peers" = "1" ] && ! /usr/bin/python3 -c 'import xapian' >/dev/null 2>&1; then
  need_apt+=(python3-xapian)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: $(printf '%s\n' "${need_apt[@]}" | sort -u | tr '\n' ' ')"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
fi

# Install exactly the committed lockfile when node_modules is missing or older than it. The
# lockfile holds every platform's optional packages (@turbo/darwin-64, @rollup/rollup-win32-x64-msvc,
# ...), so `npm ci` works on any machine; the root package.json's allowScripts allows the native
# builds' install scripts (npm 11 warns about unlisted ones and skips denied ones).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (from package-lock.json)"
  npm ci --no-audit --no-fund
fi

# Register the tslab kernel with the system Jupyter (used by the notebook checks).
if [ "$with_jupyter" = "1" ] && command -v jupyter >/dev/null 2>&1; then
  # Debian's Jupyter has no jupyter-kernelspec command; ask jupyter_client directly.
  if ! /usr/bin/python3 -c 'from jupyter_client.kernelspec import KernelSpecManager as K; import sys; sys.exit(0 if "tslab" in K().find_kernel_specs() else 1)' 2>/dev/null; then
    npx --no-install tslab install --python /usr/bin/python3 --binary "$PWD/node_modules/.bin/tslab" >/dev/null
  fi
fi
