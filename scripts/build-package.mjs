// Builds the package in the current directory to dist/esm (ESM) and dist/cjs (CommonJS),
// each with its own .d.ts files, so both export conditions carry types.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
const run = (args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'CommonJS', '--moduleResolution', 'Node10', '--verbatimModuleSyntax', 'false']);
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
// Bin entries must be executable for npm's links and for direct runs.
const bins = JSON.parse(readFileSync('package.json', 'utf8')).bin ?? {};
for (const file of Object.values(typeof bins === 'string' ? { main: bins } : bins)) {
  if (existsSync(file)) chmodSync(file, 0o755);
}
