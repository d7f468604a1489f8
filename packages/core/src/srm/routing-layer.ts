/**
 * The routing layer: what a memory holds in RAM to answer a query. A codebook (null before the
 * fit: one flat list, exact search), the codec of the rerank rows, the bucket lists and the slot
 * allocator. A fit, refit or adaptive update builds a new layer off to the side, commits it to the
 * store and only then swaps it in by reference, so the live layer never holds half a change.
 */
import { NO_VECTOR_BUCKET, type SRMItemStore } from '../storage/types.js';
import { normalizeInPlace } from '../util/vector-math.js';
import { InvertedBuckets } from './buckets.js';
import type { Codebook } from './codebook.js';
import type { VectorCodec } from './codecs/codec.js';
import type { SRMConfig } from './config.js';
import { defaultProbes } from './layer-shape.js';
import type { ScratchPool, SearchIndex } from './search-index.js';

/** Heap bytes of one entry of a `Set` of small integers (V8's ordered hash table: key, chain link, bucket head, spare capacity). */
const UNROUTED_ENTRY_BYTES = 24;

/**
 * Which store slots hold an item. Slots outlive layers: a layer built by a refit takes over the
 * allocator of the layer it replaces, so writes made meanwhile are counted once.
 */
export class SlotAllocator {
  /** One past the highest slot in use. */
  end = 0;
  /** Released slots below `end`, reused before `end` grows. */
  free: number[] = [];
  /** Items stored, with a vector or without. */
  live = 0;
  /** Slots of the items stored without a vector: taken, but in no bucket list. */
  unrouted = new Set<number>();

  /** Items stored with a vector: those the bucket lists hold. */
  get routed(): number {
    return this.live - this.unrouted.size;
  }

  /** A slot for a new item. */
  take(): number {
    return this.free.length > 0 ? this.free.pop()! : this.end++;
  }

  /** Hands back slot `s` (its item was deleted, or its write failed). */
  release(s: number): void {
    if (s === this.end - 1) this.end--;
    else this.free.push(s);
  }

  /** The allocator of a store whose items sit in the slots listed by `buckets` or in `unrouted`, below `end`. */
  static ofLists(buckets: InvertedBuckets, end: number, live: number, unrouted: Iterable<number>): SlotAllocator {
    const out = new SlotAllocator();
    const used = new Uint8Array(end);
    for (let b = 0; b < buckets.K; b++) for (const s of buckets.slotsOf(b)) used[s] = 1;
    for (const s of unrouted) {
      used[s] = 1;
      out.unrouted.add(s);
    }
    for (let s = end - 1; s >= 0; s--) if (!used[s]) out.free.push(s);
    out.end = end;
    out.live = live;
    return out;
  }
}

/** The fit a layer came from: the quantisation-error baseline and how many items it stands for. */
export interface FitRecord {
  /** Mean squared distance of the training items to their centroids (null before the fit). */
  fitError: number | null;
  /** Items at the fit (the baseline of the growth-triggered refit). */
  sizeAtFit: number;
}

/** A codebook, codec, bucket lists and slot allocator that answer queries together. */
export class RoutingLayer {
  private readonly residualScratch: Float32Array;

  constructor(
    readonly d: number,
    readonly codebook: Codebook | null,
    /** Encodes the rerank rows kept in the bucket lists (float32 before the fit). */
    readonly codec: VectorCodec,
    /** One list before the fit (flat, exact search), K after. */
    readonly buckets: InvertedBuckets,
    readonly slots: SlotAllocator,
    readonly fit: FitRecord,
  ) {
    this.residualScratch = new Float32Array(d);
  }

  /** How many times the items with a vector outnumber those the fit stood for (1 right after it). */
  get growthSinceFit(): number {
    return this.slots.routed / Math.max(1, this.fit.sizeAtFit);
  }

  /** The default probe count of this layer (see {@link defaultProbes}); the configured m before the fit. */
  defaultProbes(config: Pick<SRMConfig, 'K' | 'm' | 'growK' | 'growM'>): number {
    return this.codebook ? defaultProbes(config, { K: this.codebook.K, routed: this.slots.routed, growth: this.growthSinceFit }) : config.m;
  }

  /**
   * What a query reads of this layer, with the memory's store and query buffers; `storedBucketsCurrent`
   * is false while a refit writes this layer's buckets back to the store.
   */
  searchIndex(normalize: boolean, store: SRMItemStore, scratch: ScratchPool, storedBucketsCurrent: boolean): SearchIndex {
    const { d, codebook, buckets, codec } = this;
    return { d, codebook, buckets, codec, store, scratch, storedBucketsCurrent, prepareStored: (rows, offset) => prepareStored(normalize, d, rows, offset) };
  }

  /** The same codebook and codec over other bucket lists (a rebuilt or restored layer). */
  withBuckets(buckets: InvertedBuckets, slots: SlotAllocator = this.slots): RoutingLayer {
    return new RoutingLayer(this.d, this.codebook, this.codec, buckets, slots, this.fit);
  }

  /** Bucket list index of a stored bucket code (everything is list 0 before the fit). */
  listOf(bucket: number): number {
    return this.codebook ? bucket : 0;
  }

  /** Appends `slot` to the list of `bucket` with row `off` of `v` as its rerank row; an item without a vector goes in no list. */
  place(slot: number, bucket: number, v: Float32Array, off: number): void {
    if (bucket === NO_VECTOR_BUCKET) {
      this.slots.unrouted.add(slot);
      return;
    }
    const list = this.listOf(bucket);
    const at = this.buckets.add(list, slot); // may reallocate the list: take its rows after
    this.encodeRow(v, off, bucket, this.buckets.rowsOf(list), at);
  }

  /** Takes `slot` out of the list of `bucket` (or out of the unrouted slots); the slot stays taken. */
  unplace(slot: number, bucket: number): void {
    if (bucket === NO_VECTOR_BUCKET) this.slots.unrouted.delete(slot);
    else this.buckets.remove(this.listOf(bucket), slot);
  }

  /** Appends `slot` to the list of `bucket` with item `index` of `encoded` (rows already encoded by this layer's codec, in its layout) as its rerank row. */
  placeEncoded(slot: number, bucket: number, encoded: Uint8Array, index: number): void {
    const list = this.listOf(bucket);
    const at = this.buckets.add(list, slot); // may reallocate the list: take its rows after
    this.codec.moveRow(encoded, index, this.buckets.rowsOf(list), at);
  }

  /**
   * Encodes row `off` of `v` as item `index` of `rows`: as is, or for residual
   * codecs (pq, sq4, pq4) as its difference from the centroid of `bucket`.
   */
  private encodeRow(v: Float32Array, off: number, bucket: number, rows: Uint8Array, index: number): void {
    const { codec, codebook, d } = this;
    if (!codec.residual || !codebook) {
      codec.encode(v, off, rows, index);
      return;
    }
    const r = this.residualScratch;
    const c = codebook.centroids;
    for (let j = 0; j < d; j++) r[j] = v[off + j]! - c[bucket * d + j]!;
    codec.encode(r, 0, rows, index);
  }

  /** Makes room in each list for the items of a large batch about to be placed with these bucket codes. */
  reserveFor(buckets: Int32Array, n: number): void {
    if (n < 256) return;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (buckets[i] === NO_VECTOR_BUCKET) continue;
      const b = this.listOf(buckets[i]!);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    for (const [b, c] of counts) this.buckets.reserve(b, c, true);
  }

  /** Every listed slot, ascending (read off the live mask: a sort of a large memory's slots would hold the event loop). */
  allSlots(): number[] {
    const live = this.liveMask(this.slots.end);
    const out: number[] = [];
    for (let s = 0; s < live.length; s++) if (live[s] === 1) out.push(s);
    return out;
  }

  /** 1 for every listed slot, indexed by slot, `end` long. */
  liveMask(end: number): Uint8Array {
    const live = new Uint8Array(end);
    for (let b = 0; b < this.buckets.K; b++) for (const s of this.buckets.slotsOf(b)) live[s] = 1;
    return live;
  }

  /** Where each slot sits in the flat list that holds every item before the fit. */
  flatPositions(): Map<number, number> {
    const position = new Map<number, number>();
    this.buckets.slotsOf(0).forEach((s, i) => position.set(s, i));
    return position;
  }

  /** The rows of `slots` decoded from the flat list (before the fit its float32 rows are exact), at `flat` positions when given. */
  decodeFlat(slots: readonly number[], out: Float32Array, flat: Map<number, number> = this.flatPositions()): void {
    const { d } = this;
    const rows = this.buckets.rowsOf(0);
    slots.forEach((s, i) => this.codec.decode(rows, flat.get(s)!, out.subarray(i * d, (i + 1) * d)));
  }

  /** Hot bytes by part, as `stats().hotBytes` reports them. */
  hotBytes(): { codebook: number; routing: number; idMaps: number; rerank: number; routingLayer: number; total: number } {
    const codebook = (this.codebook?.byteLength ?? 0) + (this.codebook?.routerBytes ?? 0);
    const routing = this.buckets.slotBytes;
    const idMaps = this.slots.free.length * 8 + this.slots.unrouted.size * UNROUTED_ENTRY_BYTES;
    const rerank = this.buckets.rowBytesTotal + this.codec.tableBytes;
    return { codebook, routing, idMaps, rerank, routingLayer: codebook + routing, total: codebook + routing + idMaps + rerank };
  }
}

/** Normalises, in place when `normalize`, the stored vector at `rows[offset..offset + d)` (float32 round-off, so cosine stays exact). */
export function prepareStored(normalize: boolean, d: number, rows: Float32Array, offset: number): void {
  if (normalize) normalizeInPlace(rows, offset, d);
}
