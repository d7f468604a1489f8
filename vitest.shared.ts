import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Shared vitest settings: tests import sibling packages from source, so no stale dist is ever tested.
 * Each published entry point maps to its source file (`@srm/core/storage` to `src/entries/storage.ts`).
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@srm\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@srm\/core\/(storage|glossary|datasets)$/, replacement: src('core/src/entries/$1.ts') },
      { find: /^@srm\/langchain$/, replacement: src('langchain/src/index.ts') },
      { find: /^@srm\/llamaindex$/, replacement: src('llamaindex/src/index.ts') },
    ],
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
