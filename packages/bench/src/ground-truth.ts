/**
 * Exact k-nearest neighbours by brute force (dot product of unit vectors =
 * cosine), cached on disk because it is the slowest step of a dense run
 * (1,000 queries x 340k GloVe rows ~ 30 s).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TopK } from './top-k.js';

/** Exact top-k of each query: row indices into the base matrix and their scores, best first. */
export interface GroundTruth {
  k: number;
  nq: number;
  /** `nq * k` base row indices. */
  ids: Int32Array;
  /** `nq * k` similarities, matching `ids`. */
  scores: Float32Array;
}

/** Scans every base row for every query. `onProgress(done)` is called every 16 queries. */
export function exactTopK(base: Float32Array, queries: Float32Array, d: number, k: number, onProgress?: (done: number, total: number) => void): GroundTruth {
  const n = base.length / d;
  const nq = queries.length / d;
  if (!Number.isInteger(n) || !Number.isInteger(nq)) throw new RangeError(`matrix sizes are not multiples of d=${d}`);
  if (k > n) throw new RangeError(`k=${k} exceeds the ${n} base rows`);
  const ids = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  const top = new TopK(k);
  for (let q = 0; q < nq; q++) {
    top.reset();
    scanExact(base, d, queries, q * d, top);
    ids.set(top.ids, q * k);
    scores.set(top.scores, q * k);
    if (onProgress && (q % 16 === 15 || q === nq - 1)) onProgress(q + 1, nq);
  }
  return { k, nq, ids, scores };
}

const CACHE_MAGIC = 'SRMBENCH-GT1';

/** Hash of the exact bytes of base and queries, so a stale cache can never be used. */
function fingerprint(base: Float32Array, queries: Float32Array, d: number, k: number): string {
  const h = createHash('sha1');
  h.update(`${d}:${k}:`);
  h.update(new Uint8Array(base.buffer, base.byteOffset, base.byteLength));
  h.update(new Uint8Array(queries.buffer, queries.byteOffset, queries.byteLength));
  return h.digest('hex');
}

/**
 * {@link exactTopK}, read from `cacheDir` when the same base, queries, d and k
 * were computed before. The file name carries a hash of the data.
 */
export function cachedGroundTruth(
  name: string,
  base: Float32Array,
  queries: Float32Array,
  d: number,
  k: number,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): GroundTruth {
  const file = join(cacheDir, `gt-${name}-${fingerprint(base, queries, d, k).slice(0, 16)}.json`);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { magic: string; k: number; nq: number; ids: number[]; scores: number[] };
    if (saved.magic === CACHE_MAGIC && saved.k === k && saved.nq * d === queries.length) {
      return { k, nq: saved.nq, ids: Int32Array.from(saved.ids), scores: Float32Array.from(saved.scores) };
    }
  }
  const gt = exactTopK(base, queries, d, k, onProgress);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ magic: CACHE_MAGIC, k, nq: gt.nq, ids: Array.from(gt.ids), scores: Array.from(gt.scores) }));
  renameSync(tmp, file);
  return gt;
}

/** Exact scan of every base row against query row `qb` (offset) of `queries`, into `top`. */
export function scanExact(base: Float32Array, d: number, queries: Float32Array, qb: number, top: TopK): void {
  const n = base.length / d;
  for (let i = 0; i < n; i++) {
    const ib = i * d;
    let s = 0;
    for (let t = 0; t < d; t++) s += queries[qb + t]! * base[ib + t]!;
    if (s > top.threshold) top.push(i, s);
  }
}
