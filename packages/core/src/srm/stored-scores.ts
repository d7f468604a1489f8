/**
 * Step 3 of a query on approximate codes: exact scores of the best candidates
 * from the store's full vectors. Either every candidate is re-scored, or, on a
 * local store, the candidates are re-scored best first and the rest are left
 * once none of them is likely to enter the top `k`.
 */
import { readStoredVectors } from '../storage/read-vectors.js';
import { TopK } from '../util/top-k.js';
import type { SearchIndex, SearchScratch } from './search-index.js';

const FETCH_PAGE = 1024;

/** Exact scores of `slots` into `out[at..at + slots.length)`; slots no longer stored get -Infinity. */
async function scoreFromStore(ix: SearchIndex, q: Float32Array, slots: Uint32Array, out: Float32Array, at: number, scratch: SearchScratch): Promise<void> {
  const { d, store } = ix;
  for (let start = 0; start < slots.length; start += FETCH_PAGE) {
    const page = slots.subarray(start, start + FETCH_PAGE);
    const vectors = scratch.floats32('vectors', page.length * d);
    const found = await readStoredVectors(store, page, vectors);
    for (let i = 0; i < page.length; i++) if (found[i]) ix.prepareStored(vectors, i * d);
    // The kernel gives dot's scores bit for bit; a row not found holds a stale vector, and its
    // score is dropped.
    scratch.dots.scores(q, d, vectors, 0, page.length, out, at + start);
    for (let i = 0; i < page.length; i++) if (!found[i]) out[at + start + i] = -Infinity;
  }
}

/** Exact scores of every one of `slots`, from the store; slots no longer stored get -Infinity. */
export async function exactFromStore(ix: SearchIndex, q: Float32Array, slots: Uint32Array, scratch: SearchScratch): Promise<Float32Array> {
  const out = scratch.floats32('exact', slots.length);
  await scoreFromStore(ix, q, slots, out, 0, scratch);
  return out;
}

/** Candidates re-scored before the first stop test: enough for a first measure of the query's approximation error. */
const FIRST_ROUND = 32;
/** Candidates re-scored between two stop tests. */
const ROUND = 16;
/**
 * How far below the k-th exact score, in standard deviations of the query's approximation
 * error, a candidate's corrected approximate score must fall to be left out: the trade of reads
 * against recall (docs/concepts.md, "Early stop").
 */
const STOP_DEVIATIONS = 3.5;

/**
 * The candidates of `top` (approximate scores) re-scored exactly best first, in rounds. After
 * each round, the error of the approximate scores so far (exact minus approximate) gives a
 * mean and a standard deviation; once the next candidate's approximate score plus that mean
 * and {@link STOP_DEVIATIONS} deviations is below the k-th exact score, it and every candidate
 * after it are left out. Returns the re-scored candidates with their exact scores.
 */
export async function rescoreBestFirst(
  ix: SearchIndex,
  q: Float32Array,
  top: TopK,
  k: number,
  scratch: SearchScratch,
): Promise<{ slots: Uint32Array; scores: Float32Array }> {
  const { ids: slots, scores: approx } = top.sorted();
  const n = slots.length;
  const exact = scratch.floats32('exact', n);
  const best = new TopK(k);
  let read = 0;
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  while (read < n) {
    const end = Math.min(n, read === 0 ? FIRST_ROUND : read + ROUND);
    await scoreFromStore(ix, q, slots.subarray(read, end), exact, read, scratch);
    for (let i = read; i < end; i++) {
      const score = exact[i]!;
      if (score === -Infinity) continue;
      const error = score - approx[i]!;
      sum += error;
      sumSq += error * error;
      count++;
      best.push(i, score);
    }
    read = end;
    if (read === n || best.size < k || count < 2) continue;
    const mean = sum / count;
    const deviation = Math.sqrt(Math.max(0, sumSq / count - mean * mean));
    if (approx[read]! + mean + STOP_DEVIATIONS * deviation < best.threshold) break;
  }
  return { slots: slots.subarray(0, read), scores: exact.subarray(0, read) };
}
