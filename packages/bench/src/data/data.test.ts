import { describe, expect, it } from 'vitest';
import { Rng } from '@srm/core/datasets';
import { FIORI_QUERIES, loadFioriDataset, readFioriVectors } from './fiori.js';
import { firstPrincipalDirection } from './drift.js';
import { WALL_DATA, syntheticCentres, syntheticChunk } from './synthetic.js';

const norm = (x: Float32Array, row: number, d: number) => Math.hypot(...x.subarray(row * d, row * d + d));

describe('fiori MiniLM vectors', () => {
  it('reads 778 vectors of 384-d with one record id each', () => {
    const { d, vectors, ids } = readFioriVectors();
    expect(d).toBe(384);
    expect(ids).toHaveLength(778);
    expect(vectors.length).toBe(778 * 384);
  });

  it('holds out a seeded sample of queries that is not indexed', () => {
    const a = loadFioriDataset();
    expect(a.queries.length / a.d).toBe(FIORI_QUERIES);
    expect(a.base.length / a.d).toBe(778 - FIORI_QUERIES);
    const baseIds = new Set(a.baseLabels);
    for (const q of a.queryLabels) expect(baseIds.has(q)).toBe(false);
    expect(norm(a.base, 0, a.d)).toBeCloseTo(1, 5);
    expect(loadFioriDataset().queryLabels).toEqual(a.queryLabels);
  });
});

describe('synthetic wall data', () => {
  it('is unit length and the same for the same chunk offsets', () => {
    const spec = { ...WALL_DATA, d: 16, clusters: 4 };
    const centres = syntheticCentres(spec);
    const a = syntheticChunk(spec, centres, 100, 50);
    expect(Array.from(syntheticChunk(spec, centres, 100, 50))).toEqual(Array.from(a));
    expect(Array.from(syntheticChunk(spec, centres, 150, 50))).not.toEqual(Array.from(a));
    for (let i = 0; i < 50; i++) expect(norm(a, i, 16)).toBeCloseTo(1, 5);
  });
});

describe('firstPrincipalDirection', () => {
  it('finds the axis of largest variance', () => {
    const rng = new Rng(4);
    const d = 5;
    const n = 2000;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() * (j === 2 ? 5 : 1) + 3;
    const v = firstPrincipalDirection(x, d);
    expect(Math.abs(v[2]!)).toBeGreaterThan(0.99);
  });
});
