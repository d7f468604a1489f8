/**
 * Every system of the dense suite survives the restart measurement's round
 * trip: build, persist in its own on-disk form, open in a new instance, and
 * answer the same queries with the same rows. Real vectors (fiori MiniLM).
 */
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFioriDataset } from '../data/fiori.js';
import { createSystem } from './create.js';
import type { DenseSystem, SweepPoint, SystemSpec } from './types.js';

const point = (params: Record<string, number>): SweepPoint => ({ label: JSON.stringify(params), params });
const specs: [SystemSpec, SweepPoint][] = [
  [{ kind: 'brute', label: 'brute', sweep: [] }, point({})],
  [{ kind: 'srm', label: 'srm', options: { K: 16, rerank: 'sq4' }, fit: 'explicit', sweep: [] }, point({ m: 4 })],
  [{ kind: 'hnswlib', label: 'hnswlib', M: 16, efConstruction: 100, sweep: [] }, point({ ef: 40 })],
  [{ kind: 'usearch', label: 'usearch', quantization: 'f32', connectivity: 16, expansionAdd: 64, sweep: [] }, point({ ef: 32 })],
  [{ kind: 'lancedb', label: 'lancedb', index: 'ivf_flat', numPartitions: 8, sweep: [] }, point({ nprobes: 4 })],
];

async function answers(system: DenseSystem, queries: Float32Array, d: number, at: SweepPoint): Promise<number[][]> {
  system.prepareQueries(queries, d);
  await system.configure(at);
  const out: number[][] = [];
  for (let q = 0; q < queries.length / d; q++) out.push(Array.from(await system.search(q, 10)));
  return out;
}

describe('persist and open (the restart measurement)', () => {
  const data = loadFioriDataset();
  const queries = data.queries.slice(0, 20 * data.d);
  for (const [spec, at] of specs) {
    it(`${spec.kind}: a reopened index answers as the built one did`, async () => {
      const built = await createSystem(spec);
      let dir: string | undefined;
      try {
        await built.build(data.base, data.d, () => undefined);
        const before = await answers(built, queries, data.d, at);
        dir = await built.persist();
        await built.close();
        expect(existsSync(dir)).toBe(true); // handed over: close() left it

        const reopened = await createSystem(spec);
        try {
          await reopened.open(dir, data.d);
          expect(await answers(reopened, queries, data.d, at)).toEqual(before);
          if (spec.kind === 'srm') expect(((await reopened.details()).stats as { openedFrom: unknown }).openedFrom).toEqual({ source: 'checkpoint' });
        } finally {
          await reopened.close();
        }
      } finally {
        await built.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
