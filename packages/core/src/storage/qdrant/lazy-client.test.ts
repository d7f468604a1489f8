/**
 * `@srm/core` loads the Qdrant REST client on the first `QdrantStorage.connect`, not on import
 * (see `client-module.ts`). Checked on the built CommonJS entry in a fresh process, where
 * `require.cache` lists every file loaded. Build first: `npx turbo run build --filter=@srm/core`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cjsEntry = resolve(__dirname, '../../../dist/cjs/index.js');
const built = existsSync(cjsEntry);
if (!built) console.warn(`skipping the lazy-client tests: ${cjsEntry} is not built; run npx turbo run build --filter=@srm/core`);

/** Loads the entry, reports whether the client package is loaded, tries to connect, reports again. */
const script = `
const core = require(${JSON.stringify(cjsEntry)});
const loaded = () => Object.keys(require.cache).some((f) => f.includes('@qdrant'));
const afterImport = loaded();
core.QdrantStorage.connect({ url: 'http://127.0.0.1:9', retries: 0, timeoutMs: 2000 })
  .then(() => ({ connected: true }), (err) => ({ connected: false, error: err.name }))
  .then((r) => console.log(JSON.stringify({ afterImport, afterConnect: loaded(), ...r })));
`;

describe.skipIf(!built)('the Qdrant client package', () => {
  it('is not loaded by importing @srm/core, and is loaded by QdrantStorage.connect', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ afterImport: false, afterConnect: true, connected: false, error: 'StorageUnavailableError' });
  });
});
