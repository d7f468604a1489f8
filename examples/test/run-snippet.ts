/**
 * Runs a source of the docs' code blocks (examples/src/snippets) as a child
 * process against the built packages, as a reader would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const coreDist = join(examplesDir, '..', 'packages/core/dist/esm/index.js');
const tsxCli = createRequire(join(examplesDir, 'noop.js')).resolve('tsx/cli');

/** Whether @srm/core is built; the snippet tests are skipped (with this message printed) when not. */
export const built = existsSync(coreDist);
if (!built) console.warn(`skipping the doc snippets: @srm/core is not built (missing ${coreDist}); run npx turbo run build --filter=@srm/core`);

/** Runs `examples/src/snippets/<file>` with tsx and resolves to its stdout. */
export async function snippet(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, [tsxCli, join('src/snippets', file)], { cwd: examplesDir, timeout: 120_000, maxBuffer: 16 << 20 });
  return stdout;
}
