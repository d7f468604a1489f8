// Builds the package in the current directory to dist/esm (ESM) and dist/cjs (CommonJS),
// each with its own .d.ts files, so both export conditions carry types. It compiles into a
// temporary folder and swaps it in at the end, so a process importing dist meanwhile never
// finds it half-deleted.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const tmp = `dist.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
try {
  // No source maps or declaration maps: they would point at src/, which the tarballs do not ship.
  // Declarations tagged @internal (constructors that take internal connections) are left out, so
  // the published types reach no optional package's types (the Qdrant client's).
  const emitOptions = ['--sourceMap', 'false', '--declarationMap', 'false', '--stripInternal'];
  const run = (args) => execFileSync(process.execPath, [tsc, ...args, ...emitOptions], { stdio: 'inherit' });
  run(['-p', 'tsconfig.build.json', '--outDir', `${tmp}/esm`]);
  run(['-p', 'tsconfig.build.json', '--outDir', `${tmp}/cjs`, '--module', 'CommonJS', '--moduleResolution', 'Node10', '--verbatimModuleSyntax', 'false']);
  mkdirSync(`${tmp}/cjs`, { recursive: true });
  writeFileSync(`${tmp}/cjs/package.json`, JSON.stringify({ type: 'commonjs' }) + '\n');
  // Bin entries must be executable for npm's links and for direct runs.
  const bins = JSON.parse(readFileSync('package.json', 'utf8')).bin ?? {};
  for (const file of Object.values(typeof bins === 'string' ? { main: bins } : bins)) {
    const built = file.replace(/^(\.\/)?dist\//, `${tmp}/`);
    if (existsSync(built)) chmodSync(built, 0o755);
  }
  // Swap: the old dist disappears only once the new one is complete.
  const old = `dist.old-${process.pid}`;
  if (existsSync('dist')) renameSync('dist', old);
  renameSync(tmp, 'dist');
  rmSync(old, { recursive: true, force: true });
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  throw err;
}
