// Writes test-fixtures/v1/memory.sqlite: a format-version-1 memory directory kept under test
// so that every later build proves it still opens it. Run once per format version, from
// packages/core:  node --import tsx src/storage/embedded/test-fixtures/make-v1-fixture.mjs
// Never regenerate an existing fixture: it must stay what version 1 wrote.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedStorage } from '../embedded-storage.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'v1');
if (existsSync(join(dir, 'memory.sqlite'))) throw new Error(`${dir} already holds a fixture; refusing to overwrite it`);
const storage = await EmbeddedStorage.open(dir);
const store = await storage.openSrmStore({ name: 'fixture', dim: 4, metric: 'cosine' });
await store.write({
  upserts: [
    { id: 'alpha', slot: 0, bucket: 1, vector: new Float32Array([1, 0, 0, 0]), payload: { word: 'alpha', n: 1 } },
    { id: 'beta', slot: 1, bucket: 0, vector: new Float32Array([0, 0.5, -0.5, 0.25]), payload: { word: 'beta', tags: ['b'] } },
    { id: 'gamma::δ', slot: 7, bucket: -1, vector: new Float32Array([0.125, 2, 3, -4]), payload: {} },
  ],
});
await store.writeState(new Uint8Array([83, 82, 77, 1, 0, 255]));
await storage.close();
rmSync(join(dir, 'LOCK'), { force: true });
console.log(`wrote ${dir}`);
