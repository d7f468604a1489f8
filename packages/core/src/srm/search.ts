/**
 * The query pipeline, in the faiss IVF shape:
 * 1. probe: the `m` buckets whose centroids score best against the query;
 * 2. scan: score every item of those buckets from their in-RAM rows, within
 *    the candidate budget (the boundary bucket is trimmed by score, never by
 *    position);
 * 3. rerank: exact scores (in RAM for float32, and for float16 within a
 *    candidate budget; from the store's full vectors for the best `refine`
 *    candidates of the other codecs, best first with an early stop on a local
 *    store (stored-scores.ts), and for all candidates of `none`);
 * 4. finalize: fetch ids and payloads, order by score then id.
 */
import type { PayloadFilter } from '../filter.js';
import type { Payload } from '../storage/types.js';
import { TopK } from '../util/top-k.js';
import { dot } from '../util/vector-math.js';
import type { SearchIndex, SearchScratch } from './search-index.js';
import { exactFromStore, rescoreBestFirst } from './stored-scores.js';
import type { QueryHit } from './types.js';

/** Resolved per-query parameters. */
export interface SearchParams {
  k: number;
  m: number;
  maxCandidates: number;
  refine: number;
  filter: ((payload: Payload) => boolean) | undefined;
  /** The filter as an AST when it came as one (a function filter cannot be sent to a server). */
  filterAst: PayloadFilter | undefined;
  /** Return each hit's stored vector, read in the same fetch as its payload. */
  withVectors: boolean;
  /** Re-score the `refine` candidates best first and stop early (see `rescoreBestFirst`). */
  refineEarlyStop: boolean;
}

/** Candidate slots with their in-RAM scores. */
export interface Candidates {
  slots: Uint32Array;
  scores: Float32Array;
  count: number;
}

/** Step 1: the buckets to scan, best first, and the score offset of each (q . c_b for residual codes, else 0). */
function probeBuckets(ix: SearchIndex, q: Float32Array, m: number): { probes: Uint32Array; offsets: Float32Array } {
  const { codebook, codec } = ix;
  if (!codebook) return { probes: Uint32Array.of(0), offsets: Float32Array.of(0) };
  const probes = new Uint32Array(Math.min(m, codebook.K));
  const offsets = new Float32Array(probes.length);
  codebook.probe(q, m, probes, offsets);
  // For residual codes, q . c_b is added to every item of bucket b: the probe score plus ||c_b||^2 / 2.
  for (let i = 0; i < probes.length; i++) offsets[i] = codec.residual ? offsets[i]! + codebook.halfNorms[probes[i]!]! : 0;
  return { probes, offsets };
}

/** Steps 1 and 2: probe the buckets and score their items. */
export function gatherCandidates(ix: SearchIndex, q: Float32Array, m: number, budget: number, scratch: SearchScratch): Candidates {
  const { buckets, codec } = ix;
  const { probes, offsets } = probeBuckets(ix, q, m);
  let total = 0;
  for (const b of probes) total += buckets.sizeOf(b);
  const cap = Math.min(total, budget);
  const slots = scratch.slots(cap);
  const scores = scratch.floats32('scores', cap);
  const scorer = codec.scorer(q, scratch.tables);
  let count = 0;
  for (let p = 0; p < probes.length; p++) {
    const list = buckets.slotsOf(probes[p]!);
    if (list.length === 0) continue;
    const rows = buckets.rowsOf(probes[p]!);
    const room = cap - count;
    if (list.length <= room) {
      slots.set(list, count);
      scorer.scoreRows(rows, list.length, scores, count, offsets[p]);
      count += list.length;
      continue;
    }
    // Boundary bucket: keep its best `room` items by score.
    const tmp = scratch.floats32('boundary', list.length);
    scorer.scoreRows(rows, list.length, tmp, 0, offsets[p]);
    const top = new TopK(room);
    for (let i = 0; i < list.length; i++) top.push(list[i]!, tmp[i]!);
    slots.set(top.ids.subarray(0, top.size), count);
    scores.set(top.scores.subarray(0, top.size), count);
    count += top.size;
    break;
  }
  return { slots, scores, count };
}

/** The best `k` of (slots, scores), plus every candidate tied with the k-th, so ties can be broken by id. */
function bestWithTies(slots: Uint32Array, scores: Float32Array, count: number, k: number): { slots: Uint32Array; scores: Float32Array } {
  const top = new TopK(k);
  for (let i = 0; i < count; i++) if (scores[i]! > -Infinity) top.push(i, scores[i]!);
  if (top.size === 0) return { slots: new Uint32Array(0), scores: new Float32Array(0) };
  const kth = top.size < k ? -Infinity : top.threshold;
  const keep: number[] = [];
  for (let i = 0; i < count; i++) if (scores[i]! >= kth && scores[i]! > -Infinity) keep.push(i);
  return { slots: Uint32Array.from(keep, (i) => slots[i]!), scores: Float32Array.from(keep, (i) => scores[i]!) };
}

/** Step 4: ids and payloads, ordered by score (desc) then id (asc), cut to k. */
async function finalize(ix: SearchIndex, slots: Uint32Array, scores: Float32Array, k: number, withVectors: boolean): Promise<QueryHit[]> {
  const recs = await ix.store.fetchSlots(slots, { id: true, payload: true, vector: withVectors });
  const hits: QueryHit[] = [];
  recs.forEach((r, i) => {
    if (r?.id === undefined) return;
    const hit: QueryHit = { id: r.id, score: scores[i]!, payload: r.payload ?? {} };
    if (withVectors) hit.vector = r.vector!;
    hits.push(hit);
  });
  return sortHits(hits).slice(0, k);
}

function sortHits(hits: QueryHit[]): QueryHit[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Step 3 without a filter. */
async function rankPlain(ix: SearchIndex, q: Float32Array, c: Candidates, p: SearchParams, scratch: SearchScratch): Promise<QueryHit[]> {
  const { codec } = ix;
  if (codec.exact) {
    const best = bestWithTies(c.slots, c.scores, c.count, p.k);
    return finalize(ix, best.slots, best.scores, p.k, p.withVectors);
  }
  if (!codec.scores) return rerankExactly(ix, q, c.slots.subarray(0, c.count), p, scratch);
  // Keep the `refine` best by approximate score, then score those exactly.
  const top = new TopK(Math.max(p.refine, p.k));
  for (let i = 0; i < c.count; i++) pushIfBetter(top, c.slots[i]!, c.scores[i]!);
  return rerankTop(ix, q, top, p, scratch);
}

/** `top.push(id, score)`, skipping the call for the usual candidate that cannot enter a full heap. */
function pushIfBetter(top: TopK, id: number, score: number): void {
  if (top.size < top.k || score > top.scores[0]!) top.push(id, score);
}

/**
 * Step 3 on the approximately best candidates: best first with an early stop on a local
 * store when the query asks for it (a round is a local read there, and a round trip on a
 * server), else every one of them. Then step 4.
 */
async function rerankTop(ix: SearchIndex, q: Float32Array, top: TopK, p: SearchParams, scratch: SearchScratch): Promise<QueryHit[]> {
  if (!p.refineEarlyStop || !ix.store.readVectors) return rerankExactly(ix, q, top.ids.slice(0, top.size), p, scratch);
  const rescored = await rescoreBestFirst(ix, q, top, p.k, scratch);
  const best = bestWithTies(rescored.slots, rescored.scores, rescored.slots.length, p.k);
  return finalize(ix, best.slots, best.scores, p.k, p.withVectors);
}

/** Step 3 on `slots` (distinct): exact scores from the store, the best `k` with their ties, then step 4. */
async function rerankExactly(ix: SearchIndex, q: Float32Array, slots: Uint32Array, p: SearchParams, scratch: SearchScratch): Promise<QueryHit[]> {
  const exact = await exactFromStore(ix, q, slots, scratch);
  const best = bestWithTies(slots, exact, slots.length, p.k);
  return finalize(ix, best.slots, best.scores, p.k, p.withVectors);
}

/**
 * Steps 1 to 3 of a plain query on approximate codes with no candidate budget: each probed
 * bucket is scored into a scratch buffer and its items go straight into the `refine` heap, in
 * the order {@link gatherCandidates} would list them, so the heap (ties included) is the same,
 * without a list of every candidate and a second pass over it.
 */
async function scanPlain(ix: SearchIndex, q: Float32Array, p: SearchParams, scratch: SearchScratch): Promise<QueryHit[]> {
  const { buckets, codec } = ix;
  const { probes, offsets } = probeBuckets(ix, q, p.m);
  const scorer = codec.scorer(q, scratch.tables);
  const top = new TopK(Math.max(p.refine, p.k));
  for (let b = 0; b < probes.length; b++) {
    const list = buckets.slotsOf(probes[b]!);
    if (list.length === 0) continue;
    if (scorer.selectRows) {
      scorer.selectRows(buckets.rowsOf(probes[b]!), list.length, list, top, offsets[b]);
      continue;
    }
    const scores = scratch.floats32('boundary', list.length);
    scorer.scoreRows(buckets.rowsOf(probes[b]!), list.length, scores, 0, offsets[b]);
    for (let i = 0; i < list.length; i++) pushIfBetter(top, list[i]!, scores[i]!);
  }
  // float32 rows are the stored vectors (a memory before its fit holds them so): their scores
  // are the rerank's, with no read from the store.
  if (codec.mode === 'float32') {
    const best = bestWithTies(top.ids.slice(0, top.size), top.scores.slice(0, top.size), top.size, p.k);
    return finalize(ix, best.slots, best.scores, p.k, p.withVectors);
  }
  return rerankTop(ix, q, top, p, scratch);
}

/** Step 3 with a filter: walk candidates best-first, fetching payloads in pages, until enough match. */
async function rankFiltered(ix: SearchIndex, q: Float32Array, c: Candidates, p: SearchParams): Promise<QueryHit[]> {
  const { codec } = ix;
  const filter = p.filter!;
  const order = Array.from({ length: c.count }, (_, i) => i).sort((a, b) => c.scores[b]! - c.scores[a]! || c.slots[a]! - c.slots[b]!);
  const need = codec.exact ? p.k : Math.max(p.refine, p.k);
  const page = Math.max(64, 4 * p.k);
  const hits: QueryHit[] = [];
  let matched = 0;
  for (let start = 0; start < order.length && matched < need; start += page) {
    const idx = order.slice(start, start + page);
    const slots = Uint32Array.from(idx, (i) => c.slots[i]!);
    const recs = await ix.store.fetchSlots(slots, { id: true, payload: true, vector: !codec.exact || p.withVectors });
    recs.forEach((r, j) => {
      if (!r?.id || !filter(r.payload ?? {})) return;
      // The hit keeps the vector as stored; the score reads a prepared copy.
      const hit: QueryHit = { id: r.id, score: c.scores[idx[j]!]!, payload: r.payload ?? {}, ...(p.withVectors ? { vector: r.vector!.slice() } : {}) };
      if (!codec.exact) {
        ix.prepareStored(r.vector!, 0);
        hit.score = dot(q, 0, r.vector!, 0, ix.d);
      }
      hits.push(hit);
      matched++;
    });
  }
  return sortHits(hits).slice(0, p.k);
}

/**
 * Runs one query. With a filter that leaves fewer than `k` hits, the probe
 * count grows (x4 each round, up to every bucket) and the candidate budget is
 * lifted, so `k` hits come back whenever `k` matching items exist.
 */
export async function runQuery(ix: SearchIndex, q: Float32Array, p: SearchParams): Promise<QueryHit[]> {
  if (ix.codebook && !ix.codec.scores && ix.store.searchBuckets && ix.storedBucketsCurrent && (!p.filter || p.filterAst)) return runOnServer(ix, q, p);
  return ix.scratch.with(async (scratch) => {
    let m = p.m;
    let budget = p.maxCandidates;
    if (!p.filter && ix.codec.scores && budget === Infinity) return scanPlain(ix, q, p, scratch);
    for (;;) {
      const cands = gatherCandidates(ix, q, m, budget, scratch);
      if (!p.filter) return rankPlain(ix, q, cands, p, scratch);
      const hits = await rankFiltered(ix, q, cands, p);
      const K = ix.codebook?.K ?? 1;
      if (hits.length >= p.k || (m >= K && budget === Infinity)) return hits;
      m = Math.min(K, m * 4);
      budget = m >= K ? Infinity : budget;
    }
  });
}

/**
 * Rerank mode `none` on a store that scores (Qdrant): the probed buckets are
 * sent as a filter and the server scores their items exactly, so no vector
 * crosses the network. Widening for filters works as in {@link runQuery}.
 */
async function runOnServer(ix: SearchIndex, q: Float32Array, p: SearchParams): Promise<QueryHit[]> {
  const codebook = ix.codebook!;
  let m = Math.min(p.m, codebook.K);
  for (;;) {
    const probes = new Uint32Array(m);
    codebook.probe(q, m, probes);
    // A few extra hits so that ties at the cut-off can be ordered by id here.
    const scored = await ix.store.searchBuckets!(q, Array.from(probes), p.k + 8, p.filterAst);
    const hits = await finalize(
      ix,
      Uint32Array.from(scored, (h) => h.slot),
      Float32Array.from(scored, (h) => h.score),
      p.k,
      p.withVectors,
    );
    if (hits.length >= p.k || !p.filterAst || m >= codebook.K) return hits;
    m = Math.min(codebook.K, m * 4);
  }
}
