// Quick measurement (not a test) of the embedded store's query-path read and of its open cost.
// From packages/core:  node --import tsx src/storage/embedded/test-fixtures/bench-fetch-slots.mjs [n=100000] [d=100]
// Builds an n-item store of d-dim vectors in a temp directory, then times fetchSlots of 100
// random slots (vectors only, and every field) and readVectors of the same slots (the rerank's
// read, from the store's vector file), with the default options and with mmap on; last, the
// store's open with its vector file vouched for, and with the file deleted (a rebuild).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStorage } from '../embedded-storage.ts';

const n = Number(process.argv[2] ?? 100_000);
const d = Number(process.argv[3] ?? 100);
const PER_QUERY = 100;
const QUERIES = 3000;
const spec = { name: 'bench', dim: d, metric: 'cosine' };
const dir = mkdtempSync(join(tmpdir(), 'srm-bench-fetch-'));

let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

try {
  let t = performance.now();
  {
    const storage = await EmbeddedStorage.open(dir);
    const store = await storage.openSrmStore(spec);
    for (let start = 0; start < n; start += 10_000) {
      const upserts = [];
      for (let i = start; i < Math.min(n, start + 10_000); i++) {
        const vector = new Float32Array(d);
        for (let j = 0; j < d; j++) vector[j] = rand() * 2 - 1;
        upserts.push({ id: `doc-${i}`, slot: i, bucket: i % 256, vector, payload: { source: `file-${i % 97}.txt`, line: i } });
      }
      await store.write({ upserts });
    }
    await storage.close();
  }
  const buildS = (performance.now() - t) / 1000;
  const bytes = statSync(join(dir, 'memory.sqlite')).size;
  console.log(`built ${n} x ${d}-d in ${buildS.toFixed(1)} s (${Math.round(n / buildS)} items/s); memory.sqlite ${(bytes / 2 ** 20).toFixed(1)} MiB`);

  for (const options of [{}, { cacheSizeMiB: 128 }, { mmapSizeMiB: 256 }, { integrityCheck: false }]) {
    t = performance.now();
    const storage = await EmbeddedStorage.open(dir, options);
    const openMs = performance.now() - t;
    const store = await storage.openSrmStore(spec);
    const queries = Array.from({ length: QUERIES }, () => Array.from({ length: PER_QUERY }, () => Math.floor(rand() * n)));
    for (const [label, want] of [['vector', { vector: true }], ['id+vector+payload', { id: true, vector: true, payload: true }]]) {
      for (const q of queries.slice(0, 300)) await store.fetchSlots(q, want); // warm the page cache
      const times = [];
      for (const q of queries) {
        const s = performance.now();
        const out = await store.fetchSlots(q, want);
        times.push(performance.now() - s);
        if (out.length !== PER_QUERY || out.some((r) => r === undefined)) throw new Error('missing records');
      }
      times.sort((a, b) => a - b);
      const us = (x) => `${Math.round(x * 1000)} us`;
      console.log(
        `${JSON.stringify(options).padEnd(24)} open ${openMs.toFixed(0).padStart(4)} ms | fetchSlots(${PER_QUERY}) ${label.padEnd(18)} p50 ${us(times[times.length >> 1])}  p95 ${us(times[Math.floor(times.length * 0.95)])}  mean ${us(times.reduce((a, b) => a + b, 0) / times.length)}`,
      );
    }
    // The rerank's read: the same vectors from the vector file.
    const slotQueries = queries.map((q) => Uint32Array.from(q));
    const times = [];
    for (const q of slotQueries) {
      const out = new Float32Array(q.length * d);
      const s = performance.now();
      const found = await store.readVectors(q, out);
      times.push(performance.now() - s);
      if (found.some((f) => f !== 1)) throw new Error('missing records');
    }
    times.sort((a, b) => a - b);
    const us = (x) => `${Math.round(x * 1000)} us`;
    console.log(`${JSON.stringify(options).padEnd(24)} open ${openMs.toFixed(0).padStart(4)} ms | readVectors(${PER_QUERY})${' '.repeat(18)} p50 ${us(times[times.length >> 1])}  p95 ${us(times[Math.floor(times.length * 0.95)])}`);
    await storage.close();
  }
  for (const rebuild of [false, true]) {
    if (rebuild) rmSync(join(dir, 'vectors-1.f32'));
    const storage = await EmbeddedStorage.open(dir, { integrityCheck: false });
    t = performance.now();
    await storage.openSrmStore(spec);
    console.log(`openSrmStore, vector file ${rebuild ? 'deleted (rebuilt)' : 'vouched for'}: ${(performance.now() - t).toFixed(0)} ms`);
    await storage.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
