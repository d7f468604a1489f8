// Sums the vitest JSON reports of every workspace (and the pack-and-install check's) and prints the suite's closing line,
// e.g. "Tests: 412 passed, 0 failed, 6 skipped". Exits 1 when a package that has tests
// wrote no report (it crashed before reporting) or when a test failed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['examples', ...readdirSync('packages').map((p) => join('packages', p))];
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const root of roots) {
  const report = join(root, 'test-results', 'vitest.json');
  if (!existsSync(join(root, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  if (!existsSync(report)) {
    missing.push(pkg.name);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(`${pkg.name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
}
// The pack-and-install check (scripts/pack-install-smoke.sh) writes the same counts; run-tests.sh runs it.
const install = join('test', 'install', 'test-results', 'vitest.json');
if (existsSync(install)) {
  const r = JSON.parse(readFileSync(install, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  console.log(`pack-and-install: ${r.numPassedTests} passed, ${r.numFailedTests} failed, 0 skipped`);
} else if (process.env.SRM_EXPECT_INSTALL_REPORT === '1') {
  missing.push('pack-and-install');
}
for (const name of missing) console.log(`${name}: no test report (the test run did not finish)`);
console.log(`Tests: ${passed} passed, ${failed + missing.length} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 ? 1 : 0);
