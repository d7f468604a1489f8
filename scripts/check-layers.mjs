// Fails when a module of @srm/core imports upward. The rooms of packages/core/src, bottom up:
//
//   0  vocabulary.ts, errors.ts, limits.ts, util/   plain data types and helpers; import nothing above
//   1  filter.ts, sparse/, datasets/, embeddings/   the filter language, the BM25 engine, data loaders
//   2  storage/                                     the store interfaces and their backends
//   3  srm/, glossary/                              the memories, on top of the store interfaces
//   4  cli/, index.ts, entries/                     entry points (the CLI, the root and the subpaths)
//
// A module may import from a lower floor or from its own room, never from a higher floor or from
// another room of its floor. Static, type-only and dynamic imports all count: a lazy or type-only
// arrow that points up still ties a lower room to a higher one. Test-only files are not checked.
// A file in a room not listed here fails too, so that every new room gets a floor.
// Usage: node check-layers.mjs <core src dir>
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const FLOORS = {
  'vocabulary.ts': 0,
  'errors.ts': 0,
  'limits.ts': 0,
  util: 0,
  'filter.ts': 1,
  sparse: 1,
  datasets: 1,
  embeddings: 1,
  storage: 2,
  srm: 3,
  glossary: 3,
  cli: 4,
  'index.ts': 4,
  entries: 4,
};

const STATIC_RE = /^\s*(?:import|export)\s+(?:[^'";]*?\bfrom\s+)?['"](\.[^'"]+)['"]/gm;
const DYNAMIC_RE = /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
const TEST_ONLY = /(\.test\.ts|\.test-helper\.ts|\.contract\.ts)$|(^|\/)(test-support|test-fixtures)\//;

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !TEST_ONLY.test(relative(root, p).split(sep).join('/'))) files.push(p);
  }
})(root);

/** The room of a path under root: its top-level folder or file. */
const roomOf = (p) => relative(root, p).split(sep)[0];

const problems = [];
for (const file of files) {
  const from = roomOf(file);
  if (!(from in FLOORS)) {
    problems.push(`${relative(root, file)}: room "${from}" has no floor in scripts/check-layers.mjs`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of [...text.matchAll(STATIC_RE), ...text.matchAll(DYNAMIC_RE)]) {
    const target = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
    if (relative(root, target).startsWith('..')) continue;
    const to = roomOf(target);
    if (to === from) continue;
    if (!(to in FLOORS)) problems.push(`${relative(root, file)} imports ${m[1]}: room "${to}" has no floor`);
    else if (FLOORS[to] >= FLOORS[from]) {
      problems.push(`${relative(root, file)} (floor ${FLOORS[from]}) imports ${m[1]} (${to}, floor ${FLOORS[to]})`);
    }
  }
}
if (problems.length > 0) {
  console.error('imports that do not point down:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log(`every import points down among ${files.length} files under ${root}`);
