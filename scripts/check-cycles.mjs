// Fails when the relative imports under one or more source folders form a cycle.
// Type-only imports and re-exports count too: an `import type` circle today becomes a
// load-time cycle (and a TDZ error in a subclass) the day one of its arrows carries a value.
// Dynamic `import()` does not count: it runs later, so it cannot close a load-time circle.
// Usage: node check-cycles.mjs <dir> [<dir> ...]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Static `import ... from`, `import type ... from`, `export ... from` and bare `import '...'`. */
const IMPORT_RE = /^\s*(?:import|export)\s+(?:[^'";]*?\bfrom\s+)?['"](\.[^'"]+)['"]/gm;

function sourceFiles(root) {
  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) files.push(p);
    }
  })(root);
  return files;
}

/** One cycle per back edge of a depth-first walk: every circle shows up at least once. */
function findCycles(files) {
  const graph = new Map();
  for (const f of files) {
    const deps = [];
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT_RE)) {
      deps.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
    }
    graph.set(f, deps);
  }
  const state = new Map();
  const stack = [];
  const cycles = [];
  function visit(f) {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

const roots = (process.argv.length > 2 ? process.argv.slice(2) : ['src']).map((r) => resolve(r));
let failed = false;
for (const root of roots) {
  const files = sourceFiles(root);
  const cycles = findCycles(files);
  for (const cycle of cycles) {
    console.error(`import cycle under ${root}:\n  ` + cycle.map((f) => relative(root, f)).join('\n  -> '));
    failed = true;
  }
  if (cycles.length === 0) {
    console.log(`no import cycles among ${files.length} files under ${root}`);
  }
}
if (failed) process.exit(1);
