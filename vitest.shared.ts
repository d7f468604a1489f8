import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/** Shared vitest settings: tests import sibling packages from source, so no stale dist is ever tested. */
export default defineConfig({
  resolve: {
    alias: {
      '@srm/core': src('core'),
      '@srm/langchain': src('langchain'),
      '@srm/llamaindex': src('llamaindex'),
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report feeds scripts/test-summary.mjs, which prints the suite's closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
