/**
 * Builds `@srm/core` as it was at a git commit, for a benchmark that compares a change with the code
 * before it in one run. The sources come from `git archive`, the build uses this checkout's
 * TypeScript, and the output lives under node_modules/.cache, so the built files resolve their
 * dependencies (better-sqlite3, ...) from this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'srm-bench');

/** The file URL of the ESM entry of `@srm/core` built at `commit`, building it on first use. */
export function coreAtCommit(commit: string): string {
  if (!/^[0-9a-f]{7,40}$/.test(commit)) throw new Error(`not a commit hash: ${commit}`);
  const dir = join(CACHE, `core-${commit}`);
  const entry = join(dir, 'packages', 'core', 'dist', 'esm', 'index.js');
  if (!existsSync(entry)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit, 'packages/core', 'tsconfig.base.json'], { cwd: REPO_ROOT, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    const tsc = createRequire(join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const out = join(dir, 'packages', 'core', 'dist', 'esm');
    execFileSync(
      process.execPath,
      [
        tsc,
        '-p',
        join(dir, 'packages', 'core', 'tsconfig.build.json'),
        '--outDir',
        out,
        '--sourceMap',
        'false',
        '--declaration',
        'false',
        '--declarationMap',
        'false',
      ],
      { stdio: 'inherit' },
    );
  }
  return pathToFileURL(entry).href;
}
