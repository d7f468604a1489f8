// Fails when the relative imports under a source folder form a cycle.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
})(root);

const importRe = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
const graph = new Map();
for (const f of files) {
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(importRe)) {
    deps.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
  }
  graph.set(f, deps);
}
const state = new Map();
const stack = [];
let cycle = null;
function visit(f) {
  if (cycle) return;
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue;
    if (state.get(d) === 1) { cycle = [...stack.slice(stack.indexOf(d)), d]; return; }
    if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of graph.keys()) if (!state.has(f)) visit(f);
if (cycle) {
  console.error('import cycle:\n  ' + cycle.map((f) => f.slice(root.length + 1)).join('\n  -> '));
  process.exit(1);
}
console.log(`no import cycles among ${files.length} files under ${root}`);
