// Fails when a package breaks its boundaries: test-only code under src/ (a helper or fixture
// folder, or a non-test file that imports a test framework), a product source file over
// MAX_LINES lines (a sign that it holds more than one concept), or a relative import that reaches
// into another workspace package's folder. Packages use each other through their names only;
// the repository's shared files (vitest.shared.ts, scripts/) stay reachable. The private test kit
// is all test code, so only the second rule applies to it.
//
//   node ../../scripts/check-boundaries.mjs   (from a package folder; lint runs it)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const pkg = resolve('.');
const repo = resolve(import.meta.dirname, '..');
const workspaces = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).workspaces.map((w) => resolve(repo, w));
const isTestKit = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).name === '@srm/testkit';
const problems = [];

function walk(dir, visit) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      visit(p, true);
      walk(p, visit);
    } else visit(p, false);
  }
}

const isTest = (p) => /\.(int\.)?test\.ts$/.test(p);
const MAX_LINES = 500;
const TEST_ONLY_DIRS = /^(test-fixtures|test-support|fixtures|__fixtures__|__mocks__)$/;
const TEST_IMPORTS = /^\s*(?:import|export)\b[^'"]*from\s+['"](vitest|fast-check|@srm\/testkit)(\/[^'"]*)?['"]/m;
const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

if (!isTestKit)
  walk(join(pkg, 'src'), (p, isDir) => {
    const rel = relative(pkg, p);
    if (isDir) {
      if (TEST_ONLY_DIRS.test(p.split(sep).pop())) problems.push(`${rel}: a test-only folder under src/ (move it to test/ or @srm/testkit)`);
      return;
    }
    if (/\.(test-helper|contract)\.ts$/.test(p)) problems.push(`${rel}: a test helper under src/ (move it to test/ or @srm/testkit)`);
    else if (/\.(ts|mts|mjs)$/.test(p) && !isTest(p) && TEST_IMPORTS.test(readFileSync(p, 'utf8'))) {
      problems.push(`${rel}: product code that imports a test framework or the test kit`);
    }
    if (/\.(ts|mts|mjs)$/.test(p) && !isTest(p)) {
      const lines = readFileSync(p, 'utf8').split('\n').length - 1;
      if (lines > MAX_LINES) problems.push(`${rel}: ${lines} lines, over ${MAX_LINES} (split it into focused modules)`);
    }
  });

walk(pkg, (p, isDir) => {
  if (isDir || !/\.(ts|mts|cts|mjs|cjs|js)$/.test(p)) return;
  for (const m of readFileSync(p, 'utf8').matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(p), m[1]);
    const other = workspaces.find((w) => w !== pkg && (target === w || target.startsWith(w + sep)));
    if (other !== undefined) {
      problems.push(`${relative(pkg, p)}: imports ${m[1]}, inside ${relative(repo, other)} (import that package by its name)`);
    }
  }
});

if (problems.length > 0) {
  console.error(`package boundaries of ${relative(repo, pkg) || '.'}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`package boundaries of ${relative(repo, pkg) || '.'}: ok`);
