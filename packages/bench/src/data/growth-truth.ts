/**
 * Exact ground truth of every stage of a growth stream: the top-k of each
 * stage's queries over the items that arrived by the end of that stage.
 *
 * The scan is hnswlib-node's `BruteforceSearch`, an exhaustive native scan
 * (no approximation) that grows with the stream, so every stage costs one
 * pass over its items at SIMD speed; the JavaScript scan of ground-truth.ts
 * needs hours of a busy 2-core machine for the four stages of three 340k
 * streams. Scores of the returned rows are recomputed here in float64 and the
 * rows re-sorted by them, so recall thresholds do not depend on float32
 * rounding. Cached on disk, keyed by a hash of the data.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { GroundTruth } from '../ground-truth.js';
import { dotRows } from '../vectors.js';

/** What the scan needs of a stream (see growth.ts). */
export interface StagedStream {
  name: string;
  d: number;
  stream: Float32Array;
  stageEnds: readonly number[];
  queries: Float32Array;
  stageQueryEnds: readonly number[];
}

const CACHE_MAGIC = 'SRMBENCH-GROWTH-GT1';

function fingerprint(data: StagedStream, k: number): string {
  const h = createHash('sha1');
  h.update(`${data.d}:${k}:${data.stageEnds.join(',')}:${data.stageQueryEnds.join(',')}:`);
  h.update(new Uint8Array(data.stream.buffer, data.stream.byteOffset, data.stream.byteLength));
  h.update(new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
  return h.digest('hex').slice(0, 16);
}

/**
 * Top-k of every stage, computed by the native exhaustive scan.
 * @throws RangeError when a stage holds fewer than k items.
 */
export function stageTruths(data: StagedStream, k: number, onProgress?: (stage: number, done: number, total: number) => void): GroundTruth[] {
  const { d, stream, queries } = data;
  if (data.stageEnds[0]! < k) throw new RangeError(`the first stage holds ${data.stageEnds[0]} items, fewer than k=${k}`);
  const index = new hnswlib.BruteforceSearch('ip', d);
  index.initIndex(data.stageEnds[data.stageEnds.length - 1]!);
  const truths: GroundTruth[] = [];
  let added = 0;
  data.stageEnds.forEach((end, s) => {
    for (; added < end; added++) index.addPoint(Array.from(stream.subarray(added * d, added * d + d)), added);
    const nq = data.stageQueryEnds[s]!;
    const ids = new Int32Array(nq * k);
    const scores = new Float32Array(nq * k);
    for (let q = 0; q < nq; q++) {
      const { neighbors } = index.searchKnn(Array.from(queries.subarray(q * d, q * d + d)), k);
      const exact = neighbors.map((row) => ({ row, score: dotRows(queries, q, stream, row, d) })).sort((a, b) => b.score - a.score || a.row - b.row);
      exact.forEach((e, r) => {
        ids[q * k + r] = e.row;
        scores[q * k + r] = e.score;
      });
      if (onProgress && (q % 50 === 49 || q === nq - 1)) onProgress(s, q + 1, nq);
    }
    truths.push({ k, nq, ids, scores });
  });
  return truths;
}

/** {@link stageTruths}, read from `cacheDir` when the same stream, stages, queries and k were computed before. */
export function cachedStageTruths(
  data: StagedStream,
  k: number,
  cacheDir: string,
  onProgress?: (stage: number, done: number, total: number) => void,
): GroundTruth[] {
  const file = join(cacheDir, `gt-${data.name}-stages-${fingerprint(data, k)}.json`);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { magic: string; k: number; stages: { nq: number; ids: number[]; scores: number[] }[] };
    if (saved.magic === CACHE_MAGIC && saved.k === k && saved.stages.length === data.stageEnds.length) {
      return saved.stages.map((s) => ({ k, nq: s.nq, ids: Int32Array.from(s.ids), scores: Float32Array.from(s.scores) }));
    }
  }
  const truths = stageTruths(data, k, onProgress);
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    JSON.stringify({ magic: CACHE_MAGIC, k, stages: truths.map((t) => ({ nq: t.nq, ids: Array.from(t.ids), scores: Array.from(t.scores) })) }),
  );
  renameSync(tmp, file);
  return truths;
}
