import { writeFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CorruptDataError, DimensionMismatchError, InvalidConfigError, InvalidInputError, NotFoundError, SRMError } from '../errors.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { SemanticRoutingMemory } from './memory.js';
import { WARM_UP_QUERIES } from './warm-up.js';
import { exactTopK, gloveSample, recallAt } from '../../test/helpers/glove.js';
import type { RerankMode } from './types.js';
import { tempDirs } from '@srm/testkit/temp-dirs';

const tempDir = tempDirs('srm-mem-');

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(6000, 100, 500);
});

function rows(data: Float32Array, d: number, from: number, to: number): Float32Array {
  return data.slice(from * d, to * d);
}
const idsFor = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

async function filled(opts: { rerank?: RerankMode; K?: number; m?: number; n?: number; path?: string } = {}) {
  const { d, data } = glove;
  const n = opts.n ?? 4000;
  const memory = await SemanticRoutingMemory.open({
    d,
    K: opts.K ?? 32,
    m: opts.m ?? 8,
    rerank: opts.rerank ?? 'sq4',
    autoFitAt: 1000,
    ...(opts.path ? { path: opts.path } : {}),
  });
  await memory.add(rows(data, d, 0, n), { ids: idsFor(0, n), payloads: idsFor(0, n).map((id) => ({ n: Number(id), even: Number(id) % 2 === 0 })) });
  return memory;
}

describe('config', () => {
  it.each([
    [{ d: 0 }, 'd'],
    [{ d: -3 }, 'd'],
    [{ d: 16, K: 0 }, 'K'],
    [{ d: 16, K: 8, m: 9 }, 'm'],
    [{ d: 16, metric: 'l1' }, 'metric'],
    [{ d: 16, rerank: 'int4' }, 'rerank'],
    [{ d: 10, rerank: 'pq', pqSubvectors: 3 }, 'pqSubvectors'],
    [{ d: 16, metric: 'cosine', normalize: false }, 'normalize'],
    [{ d: 16, eta: 2 }, 'eta'],
    [{ d: 16, growthRefitRatio: 1.2 }, 'growthRefitRatio'],
    [{ d: 16, colour: 'red' }, 'colour'],
  ])('rejects %j naming the field %s', (options, field) => {
    expect(() => new SemanticRoutingMemory(options as never)).toThrow(InvalidConfigError);
    try {
      new SemanticRoutingMemory(options as never);
    } catch (err) {
      expect((err as InvalidConfigError).field).toBe(field);
    }
  });

  it('applies the defaults: K=256 like the Python SRM, m=24 for recall on real vectors, 4-bit residual codes per pair of dimensions', () => {
    const memory = new SemanticRoutingMemory({ d: 8 });
    expect(memory.config).toMatchObject({ d: 8, K: 256, m: 24, metric: 'cosine', normalize: true, rerank: 'pq4', pqSubvectors: 4, refine: 256 });
    expect(new SemanticRoutingMemory({ d: 8, rerank: 'sq4' }).config.refine).toBe(64);
  });

  it('re-scores 256 candidates by default in pq4 mode, and what the caller asks for otherwise', () => {
    expect(new SemanticRoutingMemory({ d: 8, rerank: 'pq4' }).config.refine).toBe(256);
    expect(new SemanticRoutingMemory({ d: 8, rerank: 'pq4', refine: 32 }).config.refine).toBe(32);
    expect(new SemanticRoutingMemory({ d: 8, rerank: 'sq4', refine: 32 }).config.refine).toBe(32);
  });

  it('caps the default m at a smaller K, but rejects an explicit m > K', () => {
    expect(new SemanticRoutingMemory({ d: 8, K: 4 }).config.m).toBe(4);
    expect(() => new SemanticRoutingMemory({ d: 8, K: 4, m: 5 })).toThrow(InvalidConfigError);
  });
});

describe('add', () => {
  it('returns the given ids and generated UUIDs that never collide with user ids', async () => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 4, autoFitAt: 0 });
    expect(await memory.add(rows(data, d, 0, 2), { ids: ['a', 'b'] })).toEqual(['a', 'b']);
    const generated = await memory.add(rows(data, d, 2, 4));
    expect(generated).toHaveLength(2);
    for (const id of generated) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set([...generated, 'a', 'b']).size).toBe(4);
    expect(memory.size).toBe(4);
    await memory.close();
  });

  it('replaces an item when its id is added again (upsert)', async () => {
    const { d, data } = glove;
    const memory = await filled({ n: 1500 });
    await memory.add(rows(data, d, 3000, 3001), { ids: ['7'], payloads: [{ replaced: true }] });
    expect(memory.size).toBe(1500);
    const [item] = await memory.get(['7']);
    expect(item!.payload).toEqual({ replaced: true });
    const hits = await memory.query(rows(data, d, 3000, 3001), { k: 1 });
    expect(hits[0]!.id).toBe('7');
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });

  it('rejects duplicate ids inside one batch and stores nothing', async () => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 4 });
    await expect(memory.add(rows(data, d, 0, 2), { ids: ['x', 'x'] })).rejects.toThrow(InvalidInputError);
    expect(memory.size).toBe(0);
    await memory.close();
  });

  it.each([
    ['a wrong dimension', (): unknown => [new Float32Array(7)], DimensionMismatchError],
    ['NaN', (): unknown => [Float32Array.from({ length: 100 }, (_, i) => (i === 3 ? NaN : 1))], InvalidInputError],
    ['Infinity', (): unknown => [Float32Array.from({ length: 100 }, (_, i) => (i === 0 ? Infinity : 1))], InvalidInputError],
    ['a huge value that overflows float32', (): unknown => [Array.from({ length: 100 }, () => 1e39)], InvalidInputError],
    ['a zero vector under cosine', (): unknown => [new Float32Array(100)], InvalidInputError],
    ['an empty batch', (): unknown => [], InvalidInputError],
  ] as const)('rejects %s with a typed error and changes nothing', async (_name, make, Err) => {
    const memory = await filled({ n: 1200 });
    const before = await memory.query(rows(glove.data, glove.d, 0, 1), { k: 5 });
    await expect(memory.add(make() as never)).rejects.toThrow(Err);
    expect(memory.size).toBe(1200);
    expect(await memory.query(rows(glove.data, glove.d, 0, 1), { k: 5 })).toEqual(before);
    await memory.close();
  });

  it('rejects payloads that are not plain JSON objects', async () => {
    const memory = new SemanticRoutingMemory({ d: 4, K: 2 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(memory.add([[1, 0, 0, 0]], { payloads: [cyclic] })).rejects.toThrow(InvalidInputError);
    await expect(memory.add([[1, 0, 0, 0]], { payloads: [[1] as never] })).rejects.toThrow(InvalidInputError);
    expect(memory.size).toBe(0);
    await memory.close();
  });

  it('never mutates the caller’s vectors', async () => {
    const input = [[3, 4, 0, 0]];
    const memory = new SemanticRoutingMemory({ d: 4, K: 2 });
    await memory.add(input);
    expect(input).toEqual([[3, 4, 0, 0]]);
    await memory.close();
  });
});

describe('auto-fit', () => {
  it('answers exactly before the fit and fits itself at autoFitAt', async () => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 800, rerank: 'int8' });
    await memory.add(rows(data, d, 0, 500), { ids: idsFor(0, 500) });
    expect(memory.isFitted).toBe(false);
    const q = rows(data, d, 3000, 3001);
    const exact = exactTopK(rows(data, d, 0, 500), d, q, 10).map(String);
    expect((await memory.query(q, { k: 10 })).map((h) => h.id)).toEqual(exact);
    await memory.add(rows(data, d, 500, 900), { ids: idsFor(500, 900) });
    expect(memory.isFitted).toBe(true);
    const stats = memory.stats();
    expect(stats.buckets.count).toBe(16);
    expect(stats.quantizationError.fit).toBeGreaterThan(0);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });

  it.each([
    ['pq', 50],
    ['pq4', 50],
    ['sq4', 0],
  ] as const)('reports fit progress by phase, quantizer training included (%s)', async (rerank, subQuantizers) => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 0, rerank });
    await memory.add(rows(data, d, 0, 600), { ids: idsFor(0, 600) });
    const events: { phase: string; done: number; total: number }[] = [];
    await memory.fit(rows(data, d, 0, 600), { onProgress: (e) => events.push(e) });
    expect([...new Set(events.map((e) => e.phase))]).toEqual(subQuantizers > 0 ? ['fit:kmeans', 'fit:quantizer', 'fit:route'] : ['fit:kmeans', 'fit:route']);
    const quantizer = events.filter((e) => e.phase === 'fit:quantizer');
    expect(quantizer.map((e) => e.done)).toEqual(Array.from({ length: subQuantizers }, (_, i) => i + 1));
    expect(quantizer.every((e) => e.total === subQuantizers)).toBe(true);
    expect(events.at(-1)).toEqual({ phase: 'fit:route', done: 600, total: 600 });
    await memory.close();
  });
});

describe('query', () => {
  it.each(['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none'] as const)('finds each item by its own vector (%s)', async (rerank) => {
    const memory = await filled({ rerank, n: 2000 });
    const { d, data } = glove;
    let found = 0;
    for (let i = 0; i < 2000; i += 40) {
      const [top] = await memory.query(rows(data, d, i, i + 1), { k: 1 });
      if (top!.id === String(i)) found++;
    }
    expect(found).toBe(50);
    await memory.close();
  });

  it.each([
    ['float32', 0.9],
    ['pq', 0.88],
    ['sq4', 0.88],
    ['pq4', 0.88],
    ['int8', 0.88],
  ] as const)('reaches high recall@10 against exact search on real GloVe vectors (%s)', async (rerank, floor) => {
    const { d, data, queries } = glove;
    const memory = await filled({ rerank, n: 6000, K: 32, m: 8 });
    const truth: number[][] = [];
    const got: string[][] = [];
    for (let qi = 0; qi < 100; qi++) {
      const q = queries.slice(qi * d, qi * d + d);
      truth.push(exactTopK(data, d, q, 10));
      got.push((await memory.query(q, { k: 10 })).map((h) => h.id));
    }
    expect(recallAt(10, truth, got)).toBeGreaterThanOrEqual(floor);
    await memory.close();
  });

  it.each(['sq4', 'pq4', 'none', 'float32'] as const)('answers concurrent queries as it answers them one at a time (%s)', async (rerank) => {
    // Queries reuse pooled buffers across their awaits; interleaved queries must never share one.
    const memory = await filled({ rerank, n: 3000 });
    const { d, queries } = glove;
    const asks = Array.from({ length: 24 }, (_, i) => ({
      q: queries.slice(i * d, i * d + d),
      opts: i % 4 === 0 ? { k: 10, filter: { field: 'even', op: 'eq', value: true } as const } : { k: 10 },
    }));
    const oneByOne = [];
    for (const a of asks) oneByOne.push(await memory.query(a.q, a.opts));
    const together = await Promise.all(asks.map((a) => memory.query(a.q, a.opts)));
    expect(together).toEqual(oneByOne);
    await memory.close();
  });

  it('returns hits best first with cosine scores and payloads', async () => {
    const memory = await filled({ n: 1500 });
    const hits = await memory.query(rows(glove.data, glove.d, 10, 11), { k: 5 });
    expect(hits).toHaveLength(5);
    expect(hits[0]).toMatchObject({ id: '10', payload: { n: 10, even: true } });
    expect(hits[0]!.score).toBeCloseTo(1, 4);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    await memory.close();
  });

  it('breaks ties by id, whatever the insertion order', async () => {
    const v = [1, 2, 3, 4];
    for (const order of [
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
    ]) {
      const memory = new SemanticRoutingMemory({ d: 4, K: 2 });
      await memory.add(
        order.map(() => v),
        { ids: order },
      );
      expect((await memory.query(v, { k: 3 })).map((h) => h.id)).toEqual(['a', 'b', 'c']);
      await memory.close();
    }
  });

  it('trims a candidate budget by score, not by insertion position', async () => {
    const { d, data } = glove;
    const results: string[][] = [];
    for (const reverse of [false, true]) {
      const memory = new SemanticRoutingMemory({ d, K: 8, m: 2, autoFitAt: 0, rerank: 'float32', maxCandidates: 50 });
      const sample = rows(data, d, 0, 2000);
      await memory.fit(sample);
      const order = idsFor(0, 2000);
      if (reverse) order.reverse();
      const vecs = order.map((id) => sample.slice(Number(id) * d, Number(id) * d + d));
      await memory.add(vecs, { ids: order });
      results.push((await memory.query(rows(data, d, 5, 6), { k: 10 })).map((h) => h.id));
      await memory.close();
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]![0]).toBe('5');
  });

  it('returns k hits for a selective filter when k matching items exist', async () => {
    const memory = await filled({ n: 3000, K: 32, m: 1 });
    // 1 item in 100 matches; m=1 alone would find about one of them.
    const hits = await memory.query(rows(glove.data, glove.d, 0, 1), { k: 10, filter: { field: 'n', op: 'lt', value: 1000 } });
    const rare = await memory.query(rows(glove.data, glove.d, 0, 1), { k: 10, filter: (p) => (p.n as number) % 100 === 7 });
    expect(hits).toHaveLength(10);
    expect(rare).toHaveLength(10);
    for (const h of rare) expect(Number(h.id) % 100).toBe(7);
    await memory.close();
  });

  it('rejects a wrong-dimension query, m > K and a malformed filter with typed errors', async () => {
    const memory = await filled({ n: 1200 });
    await expect(memory.query(new Float32Array(3))).rejects.toThrow(DimensionMismatchError);
    await expect(memory.query(rows(glove.data, glove.d, 0, 1), { m: 33 })).rejects.toThrow(InvalidInputError);
    await expect(memory.query(rows(glove.data, glove.d, 0, 1), { filter: { field: 'n', op: 'like', value: 1 } as never })).rejects.toThrow(InvalidInputError);
    await memory.close();
  });

  it('answers [] on an empty memory', async () => {
    const memory = new SemanticRoutingMemory({ d: 4, K: 2 });
    expect(await memory.query([1, 0, 0, 0])).toEqual([]);
    await memory.close();
  });
});

describe('get', () => {
  it('returns stored vectors and payloads aligned with the ids', async () => {
    const memory = await filled({ n: 1200 });
    const items = await memory.get(['3', '1']);
    expect(items.map((i) => i!.id)).toEqual(['3', '1']);
    expect(items[0]!.payload).toEqual({ n: 3, even: false });
    expect(items[0]!.vector).toHaveLength(glove.d);
    await memory.close();
  });

  it('throws NotFoundError for an unknown id, or returns undefined with ignoreMissing', async () => {
    const memory = await filled({ n: 1200 });
    await expect(memory.get(['3', 'nope'])).rejects.toThrow(NotFoundError);
    expect((await memory.get(['nope'], { ignoreMissing: true }))[0]).toBeUndefined();
    await memory.close();
  });
});

describe('delete', () => {
  it('removes items from queries, size and the store', async () => {
    const memory = await filled({ n: 1500 });
    expect(await memory.delete(['10', '11'])).toBe(2);
    expect(memory.size).toBe(1498);
    const hits = await memory.query(rows(glove.data, glove.d, 10, 11), { k: 5 });
    expect(hits.map((h) => h.id)).not.toContain('10');
    expect(await memory.has('10')).toBe(false);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });

  it('throws NotFoundError for an unknown id and deletes nothing', async () => {
    const memory = await filled({ n: 1200 });
    await expect(memory.delete(['10', 'nope'])).rejects.toThrow(NotFoundError);
    expect(memory.size).toBe(1200);
    expect(await memory.has('10')).toBe(true);
    expect(await memory.delete(['nope'], { ignoreMissing: true })).toBe(0);
    await memory.close();
  });

  it('reuses freed slots without mixing items up', async () => {
    const { d, data } = glove;
    const memory = await filled({ n: 1200 });
    await memory.delete(idsFor(0, 100));
    await memory.add(rows(data, d, 4000, 4100), { ids: idsFor(4000, 4100) });
    const [top] = await memory.query(rows(data, d, 4050, 4051), { k: 1 });
    expect(top!.id).toBe('4050');
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });
});

describe('refit', () => {
  it('re-routes every item without losing or orphaning any', async () => {
    const memory = await filled({ n: 3000, K: 16 });
    await memory.refit();
    expect(memory.size).toBe(3000);
    const check = await memory.verify();
    expect(check.problems).toEqual([]);
    for (let i = 0; i < 3000; i += 150) {
      const [top] = await memory.query(rows(glove.data, glove.d, i, i + 1), { k: 1 });
      expect(top!.id).toBe(String(i));
    }
    await memory.close();
  });

  it('keeps answering queries while it runs and keeps writes made meanwhile', async () => {
    const { d, data } = glove;
    const memory = await filled({ n: 3000, K: 16 });
    const refit = memory.refit();
    const during = await memory.query(rows(data, d, 42, 43), { k: 1 });
    await memory.add(rows(data, d, 5000, 5010), { ids: idsFor(5000, 5010) });
    await memory.delete(['0', ...idsFor(100, 300)]);
    await memory.add(rows(data, d, 5500, 5501), { ids: ['7'] }); // rewritten: routed again by its new vector
    await refit;
    expect(during[0]!.id).toBe('42');
    expect(memory.size).toBe(3009 - 200);
    expect((await memory.verify()).problems).toEqual([]);
    expect((await memory.query(rows(data, d, 5005, 5006), { k: 1 }))[0]!.id).toBe('5005');
    expect((await memory.query(rows(data, d, 5500, 5501), { k: 1 }))[0]!.id).toBe('7');
    expect((await memory.query(rows(data, d, 150, 151), { k: 1 }))[0]!.id).not.toBe('150');
    expect((await memory.query(rows(data, d, 7, 8), { k: 3 })).map((h) => h.id)).not.toContain('7');
    await memory.close();
  });

  it('routes the writes made while it trained before taking the lock, and loses none of them', async () => {
    const { d, data } = glove;
    const memory = await filled({ n: 4000, K: 16 });
    const phases: string[] = [];
    let writes: Promise<unknown> | undefined;
    await memory.refit({
      onProgress: (e) => {
        if (phases.at(-1) !== e.phase) phases.push(e.phase);
        // During the training: 1500 new items, 100 deleted and 100 rewritten; the snapshot has none of these writes.
        writes ??= (async () => {
          await memory.add(rows(data, d, 4500, 6000), { ids: idsFor(4500, 6000) });
          await memory.delete(idsFor(0, 100));
          await memory.add(rows(data, d, 5900, 6000), { ids: idsFor(100, 200) });
        })();
      },
    });
    await writes;
    expect(phases).toEqual(['refit:kmeans', 'refit:route', 'refit:catch-up', 'refit:route']);
    expect(memory.size).toBe(5400);
    expect((await memory.verify()).problems).toEqual([]);
    const top = async (row: number) => (await memory.query(rows(data, d, row, row + 1), { k: 2 })).map((h) => h.id);
    expect(await top(5500)).toContain('5500');
    expect(await top(5950)).toEqual(expect.arrayContaining(['5950', '150']));
    expect(await top(50)).not.toContain('50');
    expect(await top(150)).not.toContain('150');
    await memory.close();
  });
});

describe('fit and refit read stored vectors a page at a time', () => {
  it('never asks the store for every vector at once, and reads each item once plus the training sample', async () => {
    const { d, data } = glove;
    const storage = EmbeddedStorage.inMemory();
    // Without the early stop a query's refine is one read of `refine` vectors, which the first fit's count below relies on.
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 0, trainSize: 1000, refineEarlyStop: false }, storage);
    await memory.add(rows(data, d, 0, 6000), { ids: idsFor(0, 6000) });
    const store = await storage.openSrmStore({ name: 'default', dim: d, metric: 'cosine' });
    const reads = vi.spyOn(store, 'readVectors');
    const counts = () => reads.mock.calls.map(([slots]) => slots.length);
    // First fit: the vectors come from RAM (the flat list); its only reads are its warm-up queries' refines.
    await memory.fit(rows(data, d, 0, 2000));
    expect(counts()).toEqual(new Array<number>(WARM_UP_QUERIES).fill(memory.config.refine));
    reads.mockClear();
    await memory.refit();
    expect(Math.max(...counts())).toBeLessThanOrEqual(4096);
    expect(counts().reduce((a, b) => a + b, 0)).toBe(1000 + 6000);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
    await storage.close();
  });
});

describe('queries before the fit', () => {
  it('score from the flat list in RAM, which holds the stored vectors: no read from the store, and exact scores', async () => {
    const { d, data } = glove;
    const storage = EmbeddedStorage.inMemory();
    const memory = new SemanticRoutingMemory({ d, autoFitAt: 0 }, storage);
    await memory.add(rows(data, d, 0, 3000), { ids: idsFor(0, 3000) });
    const store = await storage.openSrmStore({ name: 'default', dim: d, metric: 'cosine' });
    const reads = vi.spyOn(store, 'readVectors');
    const q = rows(data, d, 3000, 3001);
    const hits = await memory.query(q, { k: 10 });
    expect(reads).not.toHaveBeenCalled();
    expect(hits.map((h) => h.id)).toEqual(exactTopK(rows(data, d, 0, 3000), d, q, 10).map(String));
    const stored = await store.fetchIds(
      hits.map((h) => h.id),
      { vector: true },
    );
    hits.forEach((h, i) =>
      expect(h.score).toBeCloseTo(
        stored[i]!.vector!.reduce((s, x, j) => s + x * q[j]!, 0),
        6,
      ),
    );
    await memory.close();
    await storage.close();
  });
});

describe('growth-triggered refit', () => {
  const codebookOf = (m: SemanticRoutingMemory) => (m as unknown as { layer: { codebook: unknown } }).layer.codebook;

  it.each([
    [4, true],
    [0, false],
  ])('growthRefitRatio %i: growing past the ratio of the fitted size refits in the background: %s', async (ratio, refits) => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 1000, driftRefitRatio: 0, growthRefitRatio: ratio });
    await memory.add(rows(data, d, 0, 1000), { ids: idsFor(0, 1000) });
    const autoFitted = codebookOf(memory);
    expect(autoFitted).not.toBeNull();
    await memory.add(rows(data, d, 1000, 3900), { ids: idsFor(1000, 3900) });
    expect(memory.stats().refitting).toBe(false);
    await memory.add(rows(data, d, 3900, 4100), { ids: idsFor(3900, 4100) });
    expect(memory.stats().refitting).toBe(refits);
    await memory.idle();
    expect(codebookOf(memory) !== autoFitted).toBe(refits);
    expect((await memory.verify()).problems).toEqual([]);
    await memory.close();
  });

  it('finishes while a loop of adds keeps writing (the synchronous store never waits for I/O)', async () => {
    const { d, data } = glove;
    const memory = await SemanticRoutingMemory.open({ d, K: 16, autoFitAt: 1000, driftRefitRatio: 0, growthRefitRatio: 1.5, path: tempDir() });
    await memory.add(rows(data, d, 0, 1000), { ids: idsFor(0, 1000) });
    const autoFitted = codebookOf(memory);
    const started = performance.now();
    let n = 1000;
    let sawRefit = false;
    // No idle(), no timers: only the adds' own awaits, as in a bulk import loop.
    while (codebookOf(memory) === autoFitted && performance.now() - started < 20_000) {
      const from = n % 5000;
      await memory.add(rows(data, d, from, from + 100), { ids: idsFor(n, n + 100) });
      sawRefit ||= memory.stats().refitting;
      n += 100;
    }
    expect(sawRefit).toBe(true);
    expect(codebookOf(memory)).not.toBe(autoFitted);
    await memory.idle();
    expect((await memory.verify()).problems).toEqual([]);
    expect(memory.stats().items).toBe(n);
    await memory.close();
  });
});

describe('adaptive update', () => {
  it('moves centroids, keeps them unit-norm and leaves every item reachable', async () => {
    const { d, data } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 0, adaptiveUpdate: true, tau: 0.2, eta: 0.1, rerank: 'float32' });
    await memory.fit(rows(data, d, 0, 1000));
    const before = memory.stats().quantizationError.fit!;
    await memory.add(rows(data, d, 1000, 3000), { ids: idsFor(1000, 3000) });
    expect((await memory.verify()).problems).toEqual([]);
    const centroids = (memory as unknown as { layer: { codebook: { centroids: Float32Array } } }).layer.codebook.centroids;
    for (let k = 0; k < 16; k++) {
      let n = 0;
      for (let j = 0; j < d; j++) n += centroids[k * d + j]! ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 4);
    }
    for (let i = 1000; i < 3000; i += 100) {
      expect((await memory.query(rows(data, d, i, i + 1), { k: 1 }))[0]!.id).toBe(String(i));
    }
    expect(before).toBeGreaterThan(0);
    await memory.close();
  });
});

describe('stats', () => {
  it('reports hot bytes by part and a routing layer far below the dense matrix', async () => {
    const memory = await filled({ n: 4000, K: 32 });
    const s = memory.stats();
    expect(s.items).toBe(4000);
    // The centroids and their norms, plus the memory of the routing kernel and of the probe's (made
    // by the first query; the first fit's warm-up runs some): a copy of the centroids and room for the rows of one call each.
    const kernel = s.hotBytes.codebook - (32 * glove.d * 4 + 32 * 4);
    expect(kernel).toBeGreaterThan(0);
    expect(kernel).toBeLessThanOrEqual(4 * 65_536);
    expect(s.hotBytes.routing).toBeGreaterThanOrEqual(4000 * 4);
    expect(s.hotBytes.routingLayer).toBe(s.hotBytes.codebook + s.hotBytes.routing);
    expect(s.hotBytes.total).toBe(s.hotBytes.routingLayer + s.hotBytes.idMaps + s.hotBytes.rerank);
    expect(s.denseFloat32Bytes).toBe(4000 * glove.d * 4);
    // sq4 keeps d/2 bytes per item (1/8 of float32) plus up to 31 items of block padding per bucket; its fixed tables and kernel memory weigh more at 4,000 items.
    expect(s.hotBytes.rerank).toBeLessThan(4000 * (glove.d / 2) * 1.25 + 300_000);
    // The kernel's memory is fixed (a page at least): at 4,000 items it weighs more than the lists.
    expect(s.hotBytes.routingLayer - kernel).toBeLessThan(0.05 * s.denseFloat32Bytes);
    expect(s.hotBytes.total - kernel).toBeLessThan(0.3 * s.denseFloat32Bytes);
    expect(s.buckets.count).toBe(32);
    await memory.close();
  });
});

describe('persistence', () => {
  it('reopens from disk with the same answers and no retraining', async () => {
    const path = tempDir();
    const { d, data } = glove;
    const memory = await filled({ n: 2500, path });
    const q = rows(data, d, 2600, 2601);
    const before = await memory.query(q, { k: 10 });
    const statsBefore = memory.stats();
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path, d });
    expect(reopened.isFitted).toBe(true);
    expect(reopened.size).toBe(2500);
    expect(await reopened.query(q, { k: 10 })).toEqual(before);
    expect(reopened.stats().quantizationError.fit).toBe(statsBefore.quantizationError.fit);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('refuses to reopen with another structural setting, naming it', async () => {
    const path = tempDir();
    const memory = await filled({ n: 1100, path });
    await memory.close();
    await expect(SemanticRoutingMemory.open({ path, d: glove.d, K: 64 })).rejects.toThrow(/field "K".*created with K=32/);
    await expect(SemanticRoutingMemory.open({ path, d: glove.d, rerank: 'float32' })).rejects.toThrow(InvalidConfigError);
    const again = await SemanticRoutingMemory.open({ path, d: glove.d, K: 32, m: 4 });
    expect(again.config.m).toBe(4);
    await again.close();
  });

  it('reopens without d, reading the dimension from the store', async () => {
    const path = tempDir();
    const { d, data } = glove;
    const memory = await filled({ n: 1100, path });
    const q = rows(data, d, 2600, 2601);
    const before = await memory.query(q, { k: 5 });
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path });
    expect(reopened.config.d).toBe(d);
    expect(reopened.size).toBe(1100);
    expect(await reopened.query(q, { k: 5 })).toEqual(before);
    await reopened.close();
  });

  it('refuses to create a memory without d, and leaves no memory behind', async () => {
    const path = tempDir();
    await expect(SemanticRoutingMemory.open({ path })).rejects.toThrow(InvalidConfigError);
    await expect(SemanticRoutingMemory.open({ path, name: 'other' })).rejects.toThrow(/no memory named "other"/);
    await expect(SemanticRoutingMemory.open({})).rejects.toThrow(InvalidConfigError);
    const storage = await EmbeddedStorage.open(path);
    expect((await storage.listStores()).srm).toEqual([]);
    await storage.close();
  });

  it('refuses to reopen with another dimension', async () => {
    const path = tempDir();
    const memory = await filled({ n: 1100, path });
    await memory.close();
    await expect(SemanticRoutingMemory.open({ path, d: 50 })).rejects.toThrow(DimensionMismatchError);
  });

  it('reports a truncated or corrupted file as CorruptDataError', async () => {
    const path = tempDir();
    const memory = await filled({ n: 1100, path });
    await memory.close();
    const file = readdirSync(path)
      .map((f) => join(path, f))
      .filter((f) => statSync(f).isFile() && !f.endsWith('LOCK'))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    truncateSync(file, Math.floor(statSync(file).size / 3));
    await expect(SemanticRoutingMemory.open({ path, d: glove.d })).rejects.toThrow(CorruptDataError);
    writeFileSync(file, 'this is not a database');
    await expect(SemanticRoutingMemory.open({ path, d: glove.d })).rejects.toThrow(CorruptDataError);
  });
});

describe('invariants under random operations', () => {
  it('size equals the distinct live ids and every id routes to exactly one bucket', async () => {
    const { d, data } = glove;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), ids: fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 8 }) }),
            fc.record({ op: fc.constant('delete' as const), ids: fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 }) }),
          ),
          { minLength: 1, maxLength: 25 },
        ),
        async (ops) => {
          const memory = new SemanticRoutingMemory({ d, K: 4, autoFitAt: 20, rerank: 'int8' });
          const model = new Set<number>();
          for (const o of ops) {
            if (o.op === 'add') {
              await memory.add(
                o.ids.map((i) => rows(data, d, i, i + 1)),
                { ids: o.ids.map(String) },
              );
              o.ids.forEach((i) => model.add(i));
            } else {
              await memory.delete(o.ids.map(String), { ignoreMissing: true });
              o.ids.forEach((i) => model.delete(i));
            }
          }
          expect(memory.size).toBe(model.size);
          expect((await memory.verify()).problems).toEqual([]);
          for (const i of model) expect((await memory.query(rows(data, d, i, i + 1), { k: 1 }))[0]!.id).toBe(String(i));
          await memory.close();
        },
      ),
      { numRuns: 15, seed: 7 },
    );
  });

  it('throws only SRMErrors on hostile vectors and keeps its state', async () => {
    const memory = new SemanticRoutingMemory({ d: 4, K: 2 });
    await memory.add([[1, 0, 0, 0]], { ids: ['keep'] });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.double(), fc.constant(NaN), fc.constant(-Infinity), fc.constant(5e-324)), { maxLength: 6 }), async (v) => {
        await memory.add([v]).then(
          () => undefined,
          (err: unknown) => expect(err).toBeInstanceOf(SRMError),
        );
      }),
      { numRuns: 60, seed: 3 },
    );
    expect(await memory.has('keep')).toBe(true);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });
});
