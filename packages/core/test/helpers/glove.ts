/**
 * Real-vector fixtures for SRM tests: unit-normalised GloVe rows and exact
 * ground truth, so recall is measured on real embeddings, not on Gaussian
 * blobs that flatter IVF routing.
 */
import { loadGloveVectors } from '../../src/embeddings/glove.js';
import { dot } from '../../src/util/vector-math.js';

/** `n` data rows and `q` held-out query rows, taken from a band of frequent words, unit-normalised. */
export async function gloveSample(n: number, q: number, offset = 0): Promise<{ d: number; data: Float32Array; queries: Float32Array; words: string[] }> {
  const g = await loadGloveVectors();
  const d = g.dim;
  const rows = g.vectors.slice(offset * d, (offset + n + q) * d);
  for (let i = 0; i < n + q; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += rows[i * d + j]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) rows[i * d + j] = rows[i * d + j]! * inv;
  }
  // Interleave: every (n/q)-th row is a query, so queries cover the same frequency band as the data.
  const data = new Float32Array(n * d);
  const queries = new Float32Array(q * d);
  const step = Math.floor((n + q) / q);
  let di = 0;
  let qi = 0;
  const words: string[] = [];
  for (let i = 0; i < n + q; i++) {
    const row = rows.subarray(i * d, i * d + d);
    if (i % step === step - 1 && qi < q) queries.set(row, qi++ * d);
    else if (di < n) {
      words.push(g.words[offset + i]!);
      data.set(row, di++ * d);
    }
  }
  return { d, data: data.subarray(0, di * d), queries: queries.subarray(0, qi * d), words };
}

/** Exact top-k row indices by dot product, ties by index. */
export function exactTopK(data: Float32Array, d: number, query: Float32Array, k: number): number[] {
  const n = data.length / d;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = dot(query, 0, data, i * d, d);
  return Array.from(scores.keys())
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/** Mean recall@k of `got` id lists against exact row indices (ids are the row numbers as strings). */
export function recallAt(k: number, truth: number[][], got: string[][]): number {
  let hit = 0;
  truth.forEach((t, i) => {
    const g = new Set(got[i]!.slice(0, k).map(Number));
    hit += t.slice(0, k).filter((x) => g.has(x)).length;
  });
  return hit / (truth.length * k);
}
