#!/usr/bin/env bash
# Executes every examples/notebooks/*.ipynb headless with the tslab kernel and
# fails if any cell errors. The executed copies go to a temporary folder (or
# $NOTEBOOK_OUT_DIR), so a test run never touches the committed notebooks.
# With --write, the outputs of a run that had no error are written back into the
# notebooks (they are committed executed, to read on GitHub); only outputs change,
# and cell timings are dropped so that a rerun with the same outputs changes nothing.
#
#   bash scripts/run-notebooks.sh                 # all notebooks
#   bash scripts/run-notebooks.sh path/to/x.ipynb # only these
#   bash scripts/run-notebooks.sh --write         # all, and save their outputs
#
# Needs: Jupyter (Debian jupyter-nbconvert) and the tslab kernel (bash scripts/setup.sh),
# and the built packages (npx turbo run build), which the notebooks import by name.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
  echo "run-notebooks: jupyter nbconvert is not installed; run: bash scripts/setup.sh" >&2
  exit 2
fi
if ! /usr/bin/python3 -c 'from jupyter_client.kernelspec import KernelSpecManager as K; import sys; sys.exit(0 if "tslab" in K().find_kernel_specs() else 1)' 2>/dev/null; then
  echo "run-notebooks: the tslab kernel is not registered; run: bash scripts/setup.sh" >&2
  exit 2
fi
for pkg in core langchain llamaindex; do
  if [ -d "packages/$pkg" ] && [ ! -f "packages/$pkg/dist/esm/index.js" ]; then
    echo "run-notebooks: packages/$pkg is not built; run: npx turbo run build" >&2
    exit 2
  fi
done

write=0
if [ "${1:-}" = "--write" ]; then
  write=1
  shift
fi
if [ $# -gt 0 ]; then
  notebooks=("$@")
else
  shopt -s nullglob
  notebooks=(examples/notebooks/*.ipynb)
fi
if [ ${#notebooks[@]} -eq 0 ]; then
  echo "run-notebooks: no notebooks found in examples/notebooks" >&2
  exit 1
fi

out_dir="${NOTEBOOK_OUT_DIR:-$(mktemp -d -t srm-notebooks-XXXXXX)}"
mkdir -p "$out_dir"
timeout_s="${NOTEBOOK_CELL_TIMEOUT:-600}"
failed=()
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb")"
  echo "run-notebooks: executing $nb"
  start=$(date +%s)
  if ! jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=tslab \
      --ExecutePreprocessor.timeout="$timeout_s" \
      --output-dir "$out_dir" --output "$name" "$nb"; then
    failed+=("$nb")
    continue
  fi
  # nbconvert stops at the first failing cell; this also catches kernels that report an
  # error output without failing the execute request. (tslab sets no execution_count, so
  # unexecuted cells cannot be told apart that way; nbconvert never skips a cell silently.)
  if ! /usr/bin/python3 - "$out_dir/$name" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
errors = [
    (i, o.get("ename", ""), o.get("evalue", ""))
    for i, cell in enumerate(nb["cells"]) if cell.get("cell_type") == "code"
    for o in cell.get("outputs", []) if o.get("output_type") == "error"
]
for i, ename, evalue in errors:
    print(f"  cell {i}: {ename}: {evalue}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
  then
    failed+=("$nb")
    continue
  fi
  echo "run-notebooks: ok $nb ($(( $(date +%s) - start )) s) -> $out_dir/$name"
  if [ "$write" = "1" ]; then
    /usr/bin/python3 - "$nb" "$out_dir/$name" <<'PY'
import json, sys
committed_path, executed_path = sys.argv[1], sys.argv[2]
committed = json.load(open(committed_path))
executed = json.load(open(executed_path))
assert len(committed["cells"]) == len(executed["cells"]), "the executed notebook has other cells"
for mine, ran in zip(committed["cells"], executed["cells"]):
    if mine.get("cell_type") != "code":
        continue
    mine["outputs"] = ran.get("outputs", [])
    mine["execution_count"] = ran.get("execution_count")
    mine.get("metadata", {}).pop("execution", None)
text = json.dumps(committed, indent=1, ensure_ascii=False) + "\n"
if open(committed_path).read() != text:
    open(committed_path, "w").write(text)
    print(f"run-notebooks: wrote the outputs into {committed_path}")
PY
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run-notebooks: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "run-notebooks: all ${#notebooks[@]} notebook(s) ran without errors"
