import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { idf } from './idf.js';
import { packSparse, SparseIndex } from './sparse-index.js';

interface Doc {
  id: string;
  agent: string;
  terms: Map<number, number>;
}

/** Brute-force reference: every live doc of the agent, scored term by term. */
function bruteForce(docs: Map<string, Doc>, query: Map<number, number>, agent: string, limit: number, threshold?: number) {
  const N = docs.size;
  const df = new Map<number, number>();
  for (const d of docs.values()) for (const t of d.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const hits: { id: string; score: number }[] = [];
  for (const d of docs.values()) {
    if (d.agent !== agent) continue;
    let score = 0;
    let matched = false;
    for (const [t, qw] of query) {
      const w = d.terms.get(t);
      if (w !== undefined) {
        matched = true;
        score += qw * Math.fround(w) * idf(N, df.get(t)!);
      }
    }
    if (matched && (threshold === undefined || score >= threshold)) hits.push({ id: d.id, score });
  }
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return hits.slice(0, limit);
}

const sparse = (m: Map<number, number>) => ({ indices: [...m.keys()], values: [...m.values()] });

// Small vocabularies make long posting lists (so pruning runs) and many ties.
const termsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 6 })
  .map((pairs) => new Map(pairs.map(([t, w]) => [t, w / 4])));
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 0, max: 80 }), agent: fc.constantFrom('a', 'b'), terms: termsArb }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 80 }) }),
);

describe('SparseIndex', () => {
  it('matches brute-force BM25 (ids, order, scores) after any sequence of upserts and removes', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 300 }),
        termsArb,
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.double({ min: 0, max: 6, noNaN: true }), { nil: undefined }),
        (ops, query, limit, threshold) => {
          const index = new SparseIndex();
          const docs = new Map<string, Doc>();
          for (const op of ops) {
            const id = `doc-${String(op.id).padStart(3, '0')}`;
            if (op.kind === 'upsert') {
              index.upsert(id, op.agent, packSparse(sparse(op.terms)));
              docs.set(id, { id, agent: op.agent, terms: op.terms });
            } else {
              expect(index.remove(id)).toBe(docs.delete(id));
            }
          }
          expect(index.docCount).toBe(docs.size);
          for (const agent of ['a', 'b']) {
            const got = index.search(sparse(query), agent, limit, threshold);
            const want = bruteForce(docs, query, agent, limit, threshold);
            expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
            got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 9));
          }
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it('skips the postings of common terms under a threshold and still returns the exact top-k', () => {
    const index = new SparseIndex();
    const docs = new Map<string, Doc>();
    // Term 0 is in every doc (a stop word), term 1 in a few.
    for (let i = 0; i < 2000; i++) {
      const terms = new Map<number, number>([[0, 1 + (i % 7) / 10]]);
      if (i % 97 === 0) terms.set(1, 1.5 + (i % 5) / 10);
      if (i % 13 === 0) terms.set(2, 1.1);
      const id = `d${i}`;
      index.upsert(id, 'a', packSparse(sparse(terms)));
      docs.set(id, { id, agent: 'a', terms });
    }
    const query = new Map([
      [0, 3],
      [1, 1],
      [2, 1],
    ]);
    const top = bruteForce(docs, query, 'a', 1)[0]!.score;
    for (const limit of [1, 5, 50]) {
      for (const threshold of [undefined, top * 0.3, top * 0.9]) {
        const got = index.search(sparse(query), 'a', limit, threshold);
        const want = bruteForce(docs, query, 'a', limit, threshold);
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 9));
      }
    }
  });

  it('tracks document frequencies across agents for idf, and per-agent counts', () => {
    const index = new SparseIndex();
    index.upsert('x', 'a', packSparse({ indices: [1, 2], values: [1, 1] }));
    index.upsert('y', 'b', packSparse({ indices: [1], values: [1] }));
    expect(index.docFreq(1)).toBe(2);
    expect(index.agentCount('a')).toBe(1);
    index.upsert('x', 'a', packSparse({ indices: [3], values: [1] }));
    expect([index.docFreq(1), index.docFreq(2), index.docFreq(3), index.docCount]).toEqual([1, 0, 1, 2]);
    index.clear();
    expect(index.docCount).toBe(0);
    expect(index.search({ indices: [1], values: [1] }, 'a', 5)).toEqual([]);
  });
});

describe('packSparse', () => {
  it('sorts by term id', () => {
    const p = packSparse({ indices: [5, 1, 3], values: [0.5, 0.1, 0.3] });
    expect([...p.indices]).toEqual([1, 3, 5]);
    expect([...p.values]).toEqual([0.1, 0.3, 0.5].map(Math.fround));
  });

  it.each([
    ['unequal lengths', { indices: [1, 2], values: [1] }],
    ['a duplicate id', { indices: [1, 1], values: [1, 2] }],
    ['a negative id', { indices: [-1], values: [1] }],
    ['a fractional id', { indices: [1.5], values: [1] }],
    ['an id above uint32', { indices: [2 ** 32], values: [1] }],
    ['a NaN weight', { indices: [1], values: [Number.NaN] }],
    ['an infinite weight', { indices: [1], values: [Infinity] }],
  ])('refuses %s', (_, v) => {
    expect(() => packSparse(v)).toThrow(InvalidInputError);
  });
});
