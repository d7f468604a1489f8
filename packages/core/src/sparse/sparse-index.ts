/**
 * An in-memory, incremental inverted index over sparse BM25 vectors: the
 * embedded backend's search engine. Upsert and delete touch only the terms of
 * one entry (no rebuild), and IDF is computed at query time from live
 * document frequencies, exactly as Qdrant's `idf` modifier does.
 *
 * Layout: entries live in dense slots (freed slots are reused). Each agent has
 * its own posting lists, `term -> (slots, weights)` in typed arrays, so a query
 * only ever walks its own agent's entries, while document frequencies are kept
 * for the whole collection (the IDF scope Qdrant uses). Each slot also keeps
 * its sorted term ids and weights (a forward index) for deletes and for the
 * pruned scoring below.
 *
 * Query evaluation is exact and term-at-a-time: terms are taken from the
 * highest to the lowest upper bound `qw · idf · max w` into per-slot
 * accumulators (typed arrays stamped per query, never cleared). With a score
 * threshold, once the remaining terms together cannot lift an unseen entry to
 * it, their posting lists (the common words, last in that order) are no longer
 * walked and only the surviving candidates are completed through the forward
 * index. Without a threshold every matching posting is walked: a MaxScore-style
 * cut at the running k-th score was built and measured, and on FOLDOC (20-word
 * and definition-length queries) it was slower than walking, because repeated
 * common words carry real weight and leave thousands of candidates to complete.
 */
import { InvalidInputError } from '../errors.js';
import type { SparseVector } from '../vocabulary.js';
import { idf } from './idf.js';

/** A sparse vector in typed arrays, term ids strictly ascending. */
export interface PackedSparse {
  indices: Uint32Array;
  values: Float32Array;
}

/**
 * Checks a {@link SparseVector} and returns it sorted by term id in typed arrays.
 * @throws InvalidInputError on unequal lengths, non-uint32 ids, duplicate ids or non-finite values.
 */
export function packSparse(v: SparseVector, what = 'sparse vector'): PackedSparse {
  if (v === null || typeof v !== 'object' || !Array.isArray(v.indices) || !Array.isArray(v.values)) {
    throw new InvalidInputError(`${what} must be { indices: number[], values: number[] }`);
  }
  const n = v.indices.length;
  if (v.values.length !== n) throw new InvalidInputError(`${what} has ${n} indices but ${v.values.length} values`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const id = v.indices[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new InvalidInputError(`${what}: index ${i} must be a uint32, got ${String(id)}`);
    }
    const w = v.values[i];
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new InvalidInputError(`${what}: value ${i} must be finite, got ${String(w)}`);
    order[i] = i;
  }
  order.sort((a, b) => v.indices[a]! - v.indices[b]!);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = v.indices[order[i]!]!;
    values[i] = v.values[order[i]!]!;
    if (i > 0 && indices[i] === indices[i - 1]) throw new InvalidInputError(`${what}: term id ${indices[i]} appears twice`);
  }
  return { indices, values };
}

/** Posting list of one term within one agent. `maxWeight`/`minWeight` are bounds (kept through deletes). */
class Posting {
  slots = new Uint32Array(4);
  weights = new Float32Array(4);
  size = 0;
  maxWeight = -Infinity;
  minWeight = Infinity;

  add(slot: number, weight: number): void {
    if (this.size === this.slots.length) {
      const cap = this.size * 2;
      const s = new Uint32Array(cap);
      s.set(this.slots);
      const w = new Float32Array(cap);
      w.set(this.weights);
      this.slots = s;
      this.weights = w;
    }
    this.slots[this.size] = slot;
    this.weights[this.size] = weight;
    this.size++;
    if (weight > this.maxWeight) this.maxWeight = weight;
    if (weight < this.minWeight) this.minWeight = weight;
  }

  /** Swap-remove; postings are unordered. */
  remove(slot: number): void {
    const at = this.slots.subarray(0, this.size).indexOf(slot);
    if (at < 0) return;
    const last = this.size - 1;
    this.slots[at] = this.slots[last]!;
    this.weights[at] = this.weights[last]!;
    this.size = last;
    if (this.size === 0) {
      this.maxWeight = -Infinity;
      this.minWeight = Infinity;
    }
  }
}

/** A hit of {@link SparseIndex.search}. */
export interface IndexHit {
  id: string;
  score: number;
}

/** A posting list that is worth skipping must be at least this long; shorter ones are just walked. */
const PRUNE_MIN_POSTINGS = 32;
/** Slack on upper bounds so that float rounding in a different summation order can never prune a true hit. */
const SAFETY = 1 + 1e-9;
/** Rough cost of one forward-index lookup (a binary search), in posting-walk steps. */
const LOOKUP_COST = 32;
/** Pruning is only tried when the postings left are this many times longer than the entries touched. */
const PRUNE_MIN_RATIO = 4;

/** See the module comment. Not thread-safe; callers serialise writes (JS is single-threaded). */
export class SparseIndex {
  private ids: string[] = [];
  private agentOf = new Int32Array(16).fill(-1);
  private termsOf: (Uint32Array | undefined)[] = [];
  private weightsOf: (Float32Array | undefined)[] = [];
  private freeSlots: number[] = [];
  private slotOf = new Map<string, number>();
  private agentOrdinal = new Map<string, number>();
  private postings: Map<number, Posting>[] = [];
  private agentSize: number[] = [];
  private df = new Map<number, number>();
  private live = 0;
  // Per-query scratch, reused: accumulators stamped with a query generation, so nothing is cleared.
  private acc = new Float64Array(16);
  private stamp = new Uint32Array(16);
  private gen = 0;
  private touched = new Uint32Array(16);
  private scratch = new Float64Array(16);

  /** Number of entries (all agents): N of the IDF. */
  get docCount(): number {
    return this.live;
  }

  /** Number of entries of one agent. */
  agentCount(agentId: string): number {
    const ord = this.agentOrdinal.get(agentId);
    return ord === undefined ? 0 : this.agentSize[ord]!;
  }

  /** Number of entries (all agents) that contain `term`: n_t of the IDF. */
  docFreq(term: number): number {
    return this.df.get(term) ?? 0;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Inserts or replaces entry `id`. `terms` must come from {@link packSparse} (sorted, unique). */
  upsert(id: string, agentId: string, terms: PackedSparse): void {
    this.remove(id);
    let ord = this.agentOrdinal.get(agentId);
    if (ord === undefined) {
      ord = this.postings.length;
      this.agentOrdinal.set(agentId, ord);
      this.postings.push(new Map());
      this.agentSize.push(0);
    }
    const slot = this.allocSlot();
    this.ids[slot] = id;
    this.agentOf[slot] = ord;
    this.termsOf[slot] = terms.indices;
    this.weightsOf[slot] = terms.values;
    this.slotOf.set(id, slot);
    const plist = this.postings[ord]!;
    for (let i = 0; i < terms.indices.length; i++) {
      const t = terms.indices[i]!;
      let p = plist.get(t);
      if (p === undefined) {
        p = new Posting();
        plist.set(t, p);
      }
      p.add(slot, terms.values[i]!);
      this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
    this.live++;
    this.agentSize[ord]!++;
  }

  /** Removes entry `id`; returns whether it existed. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const ord = this.agentOf[slot]!;
    const plist = this.postings[ord]!;
    const terms = this.termsOf[slot]!;
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i]!;
      const p = plist.get(t);
      if (p !== undefined) {
        p.remove(slot);
        if (p.size === 0) plist.delete(t);
      }
      const n = (this.df.get(t) ?? 1) - 1;
      if (n === 0) this.df.delete(t);
      else this.df.set(t, n);
    }
    this.slotOf.delete(id);
    this.ids[slot] = '';
    this.agentOf[slot] = -1;
    this.termsOf[slot] = undefined;
    this.weightsOf[slot] = undefined;
    this.freeSlots.push(slot);
    this.live--;
    this.agentSize[ord]!--;
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.ids = [];
    this.agentOf = new Int32Array(16).fill(-1);
    this.termsOf = [];
    this.weightsOf = [];
    this.freeSlots = [];
    this.slotOf.clear();
    this.agentOrdinal.clear();
    this.postings = [];
    this.agentSize = [];
    this.df.clear();
    this.live = 0;
  }

  /**
   * Exact BM25 top-`limit` of one agent (see the module comment), best first,
   * ties by id; only scores ≥ `scoreThreshold` when given.
   */
  search(query: SparseVector, agentId: string, limit: number, scoreThreshold?: number): IndexHit[] {
    const ord = this.agentOrdinal.get(agentId);
    if (ord === undefined || limit <= 0) return [];
    const plist = this.postings[ord]!;
    const N = this.live;

    // Collect the query's terms that this agent has, merging repeated ids.
    const byTerm = new Map<number, number>();
    for (let i = 0; i < query.indices.length; i++) {
      const t = query.indices[i]!;
      byTerm.set(t, (byTerm.get(t) ?? 0) + query.values[i]!);
    }
    const terms: { t: number; p: Posting; c: number; ub: number }[] = [];
    let prunable = true;
    for (const [t, qw] of byTerm) {
      if (qw === 0) continue;
      const p = plist.get(t);
      if (p === undefined || p.size === 0) continue;
      const c = qw * idf(N, this.df.get(t) ?? 0);
      if (c < 0 || p.minWeight < 0) prunable = false;
      terms.push({ t, p, c, ub: c * p.maxWeight });
    }
    if (terms.length === 0) return [];
    terms.sort((a, b) => b.ub - a.ub || a.t - b.t);
    const m = terms.length;
    const rest = new Float64Array(m + 1); // rest[i] = Σ_{j ≥ i} ub_j
    const restPostings = new Float64Array(m + 1); // Σ_{j ≥ i} |postings_j|
    for (let i = m - 1; i >= 0; i--) {
      rest[i] = rest[i + 1]! + terms[i]!.ub;
      restPostings[i] = restPostings[i + 1]! + terms[i]!.p.size;
    }

    this.ensureScratch(this.ids.length);
    this.gen = this.gen === 0xffffffff ? (this.stamp.fill(0), 1) : this.gen + 1;
    const gen = this.gen;
    const { acc, stamp, touched } = this;
    let nTouched = 0;
    const floor = scoreThreshold ?? -Infinity;

    let i = 0;
    for (; i < m; i++) {
      const { p, c } = terms[i]!;
      // With a threshold, no entry outside `touched` can reach it once rest[i] is below it: stop
      // walking postings when completing the surviving candidates through the forward index is
      // cheaper than walking what is left (checking costs O(touched), so only when much is left).
      if (prunable && floor > -Infinity && i > 0 && p.size >= PRUNE_MIN_POSTINGS && restPostings[i]! > PRUNE_MIN_RATIO * nTouched) {
        const bound = rest[i]! * SAFETY;
        if (bound < floor && this.countAbove(nTouched, floor - bound) * (m - i) * LOOKUP_COST < restPostings[i]!) break;
      }
      const { slots, weights, size } = p;
      for (let j = 0; j < size; j++) {
        const s = slots[j]!;
        if (stamp[s] !== gen) {
          stamp[s] = gen;
          acc[s] = 0;
          touched[nTouched++] = s;
        }
        acc[s] = acc[s]! + c * weights[j]!;
      }
    }

    let nCand = nTouched;
    if (i < m) {
      // The remaining terms were not walked. Complete (through the forward index, term by term in
      // the same order, so the sums are bit-identical to an unpruned walk) only the candidates that
      // can still make the top k: first the k best partial scores, whose final scores give a
      // tighter bar tau, then every candidate whose partial score + rest[i] reaches tau.
      const bound = rest[i]! * SAFETY;
      let tau = floor;
      if (nTouched >= limit) {
        const kth = this.kthLargest(nTouched, limit);
        const finals: number[] = [];
        for (let j = 0; j < nTouched; j++) {
          const s = touched[j]!;
          if (acc[s]! >= kth) finals.push(this.complete(s, acc[s]!, terms, i));
        }
        finals.sort((x, y) => y - x);
        tau = Math.max(floor, finals[limit - 1]!);
      }
      nCand = 0;
      for (let j = 0; j < nTouched; j++) {
        const s = touched[j]!;
        if (acc[s]! + bound >= tau) touched[nCand++] = s;
      }
      for (let j = 0; j < nCand; j++) {
        const s = touched[j]!;
        acc[s] = this.complete(s, acc[s]!, terms, i);
      }
    }
    return this.topK(nCand, limit, scoreThreshold);
  }

  /** `partial` plus the contributions of `terms[from..]` to slot `s`, looked up in its forward index. */
  private complete(s: number, partial: number, terms: readonly { t: number; c: number }[], from: number): number {
    const st = this.termsOf[s]!;
    const sw = this.weightsOf[s]!;
    let a = partial;
    for (let r = from; r < terms.length; r++) {
      const at = binarySearch(st, terms[r]!.t);
      if (at >= 0) a += terms[r]!.c * sw[at]!;
    }
    return a;
  }

  private topK(n: number, limit: number, scoreThreshold: number | undefined): IndexHit[] {
    const { acc, touched, ids } = this;
    const heap: number[] = []; // min-heap of slots by (score asc, id desc): the root is the worst kept
    const worse = (a: number, b: number): boolean => acc[a]! < acc[b]! || (acc[a] === acc[b] && ids[a]! > ids[b]!);
    for (let j = 0; j < n; j++) {
      const s = touched[j]!;
      if (scoreThreshold !== undefined && !(acc[s]! >= scoreThreshold)) continue;
      if (heap.length < limit) {
        heap.push(s);
        let c = heap.length - 1;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          if (!worse(heap[c]!, heap[parent]!)) break;
          [heap[c], heap[parent]] = [heap[parent]!, heap[c]!];
          c = parent;
        }
      } else if (worse(heap[0]!, s)) {
        heap[0] = s;
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          const r = l + 1;
          let w = c;
          if (l < heap.length && worse(heap[l]!, heap[w]!)) w = l;
          if (r < heap.length && worse(heap[r]!, heap[w]!)) w = r;
          if (w === c) break;
          [heap[c], heap[w]] = [heap[w]!, heap[c]!];
          c = w;
        }
      }
    }
    heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
    return heap.map((s) => ({ id: ids[s]!, score: acc[s]! }));
  }

  /** How many of the first `n` touched slots have an accumulated score ≥ `min`. */
  private countAbove(n: number, min: number): number {
    let count = 0;
    for (let j = 0; j < n; j++) if (this.acc[this.touched[j]!]! >= min) count++;
    return count;
  }

  /** The k-th largest accumulated score among the first `n` touched slots (quickselect on a copy). */
  private kthLargest(n: number, k: number): number {
    const a = this.scratch;
    for (let j = 0; j < n; j++) a[j] = this.acc[this.touched[j]!]!;
    let lo = 0;
    let hi = n - 1;
    const target = k - 1;
    while (lo < hi) {
      const pivot = a[(lo + hi) >> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (a[i]! > pivot) i++;
        while (a[j]! < pivot) j--;
        if (i <= j) {
          const t = a[i]!;
          a[i] = a[j]!;
          a[j] = t;
          i++;
          j--;
        }
      }
      if (target <= j) hi = j;
      else if (target >= i) lo = i;
      else break;
    }
    return a[target]!;
  }

  private allocSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    const slot = this.ids.length;
    this.ids.push('');
    this.termsOf.push(undefined);
    this.weightsOf.push(undefined);
    if (slot >= this.agentOf.length) {
      const grown = new Int32Array(this.agentOf.length * 2).fill(-1);
      grown.set(this.agentOf);
      this.agentOf = grown;
    }
    return slot;
  }

  private ensureScratch(slots: number): void {
    if (this.acc.length >= slots) return;
    const cap = Math.max(slots, this.acc.length * 2);
    this.acc = new Float64Array(cap);
    const stamp = new Uint32Array(cap);
    stamp.set(this.stamp);
    this.stamp = stamp;
    this.touched = new Uint32Array(cap);
    this.scratch = new Float64Array(cap);
  }
}

function binarySearch(sorted: Uint32Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v < x) lo = mid + 1;
    else if (v > x) hi = mid - 1;
    else return mid;
  }
  return -1;
}
