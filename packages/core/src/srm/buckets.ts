/**
 * Inverted buckets, in the faiss inverted-list shape: for each of K buckets, a
 * compact list of item slots (uint32, the routing layer's per-item part) and,
 * in parallel, each item's rerank row (the codec's bytes, laid out by its
 * {@link RowLayout}). Keeping a bucket's
 * rows contiguous lets a query scan them sequentially instead of gathering
 * them by slot. An item's bucket is implied by the list that holds it; there
 * is no per-item JS object.
 */

import type { RowLayout } from './codecs/codec.js';

const MIN_CAPACITY = 4;

/** K growable lists of (slot, row). */
export class InvertedBuckets {
  private slotLists: Uint32Array[];
  private rowLists: Uint8Array[];
  private lengths: Uint32Array;
  /** 1 for each list changed since {@link markUnchanged} (or since this instance was made, unless adopted). */
  private changed: Uint8Array;

  /**
   * @param K - number of lists.
   * @param layout - how the codec lays out rows (zero bytes when nothing is kept in RAM).
   */
  constructor(
    readonly K: number,
    private readonly layout: RowLayout,
  ) {
    this.slotLists = Array.from({ length: K }, () => new Uint32Array(0));
    this.rowLists = Array.from({ length: K }, () => new Uint8Array(0));
    this.lengths = new Uint32Array(K);
    this.changed = new Uint8Array(K).fill(1);
  }

  /** Whether list `b` changed since the last {@link markUnchanged} (a routing checkpoint then rewrites it). */
  isChanged(b: number): boolean {
    return this.changed[b] === 1;
  }

  /** Marks every list as saved: what a routing checkpoint just wrote or was restored from. */
  markUnchanged(): void {
    this.changed.fill(0);
  }

  /** Number of items in bucket `b`. */
  sizeOf(b: number): number {
    return this.lengths[b]!;
  }

  /** Slots of bucket `b` (a view: valid until the next write). */
  slotsOf(b: number): Uint32Array {
    return this.slotLists[b]!.subarray(0, this.lengths[b]!);
  }

  /** The row storage of bucket `b`, in the layout's order (valid until the next write). */
  rowsOf(b: number): Uint8Array {
    return this.rowLists[b]!;
  }

  /**
   * Makes room for `extra` more items in bucket `b`. A list that must grow
   * grows by at least 1/8, which bounds the slack at 12.5% and makes a stream
   * of batches reallocate each list O(log n) times, not once per batch (each
   * reallocation copies the list and leaves a freed block to the allocator). A
   * bulk reservation that adds more than 1/8 takes exactly what it needs; single
   * adds start lists at a few items.
   */
  reserve(b: number, extra: number, bulk = false): void {
    const slots = this.slotLists[b]!;
    const need = this.lengths[b]! + extra;
    if (need <= slots.length) return;
    this.resize(b, Math.max(need, Math.ceil(slots.length * 1.125), bulk ? 0 : MIN_CAPACITY));
  }

  private resize(b: number, cap: number): void {
    const n = this.lengths[b]!;
    const slots = new Uint32Array(cap);
    slots.set(this.slotLists[b]!.subarray(0, n));
    this.slotLists[b] = slots;
    // Each list gets its own buffer at offset 0, so codecs can view it as float32 rows.
    // The first n items' rows are a prefix of the buffer in every layout.
    const rows = new Uint8Array(this.layout.bytesFor(cap));
    rows.set(this.rowLists[b]!.subarray(0, this.layout.bytesFor(n)));
    this.rowLists[b] = rows;
  }

  /** Appends `slot` to bucket `b`; returns its item index in {@link rowsOf}(b), for the caller to encode its row. */
  add(b: number, slot: number): number {
    this.reserve(b, 1);
    const i = this.lengths[b]!++;
    this.slotLists[b]![i] = slot;
    this.changed[b] = 1;
    return i;
  }

  /** Removes `slot` from bucket `b` (the last item takes its place; order within a bucket carries no meaning). Returns whether it was there. */
  remove(b: number, slot: number): boolean {
    const slots = this.slotLists[b]!;
    const n = this.lengths[b]!;
    for (let i = 0; i < n; i++) {
      if (slots[i] !== slot) continue;
      slots[i] = slots[n - 1]!;
      const rows = this.rowLists[b]!;
      if (i !== n - 1) this.layout.moveRow(rows, n - 1, rows, i);
      this.lengths[b] = n - 1;
      this.changed[b] = 1;
      return true;
    }
    return false;
  }

  /** Empties bucket `b`, keeping its capacity (its items are about to be placed again). */
  clear(b: number): void {
    this.lengths[b] = 0;
    this.changed[b] = 1;
  }

  /**
   * Empty lists with room for `shares[b]` of `n` items each: a route of `n` items into
   * them then seldom reallocates a list, and so leaves little garbage behind.
   */
  static presized(K: number, layout: RowLayout, shares: ArrayLike<number>, n: number): InvertedBuckets {
    const out = new InvertedBuckets(K, layout);
    for (let b = 0; b < K; b++) out.reserve(b, Math.ceil(shares[b]! * n), true);
    return out;
  }

  /**
   * Trims every list's capacity to its length, one list at a time: a list filled by
   * single adds keeps up to an eighth of slack, which a finished fit or scan need not hold.
   */
  shrinkToFit(): void {
    for (let b = 0; b < this.K; b++) this.shrink(b);
  }

  /** Trims the capacity of list `b` to its length (see {@link shrinkToFit}). */
  shrink(b: number): void {
    if (this.slotLists[b]!.length > this.lengths[b]!) this.resize(b, this.lengths[b]!);
  }

  /**
   * Every item's slot and bucket, in slot order: what the store records as each item's bucket,
   * and a store keyed by slot writes neighbouring rows together (one page rewrite for several
   * items, where list order rewrites a page per item).
   */
  assignments(): { slots: Uint32Array; buckets: Int32Array } {
    let n = 0;
    let end = 0;
    for (let b = 0; b < this.K; b++) {
      n += this.lengths[b]!;
      for (const s of this.slotsOf(b)) if (s >= end) end = s + 1;
    }
    const bucketOf = new Int32Array(end).fill(-1);
    for (let b = 0; b < this.K; b++) for (const s of this.slotsOf(b)) bucketOf[s] = b;
    const slots = new Uint32Array(n);
    const buckets = new Int32Array(n);
    let at = 0;
    for (let s = 0; s < end; s++) {
      if (bucketOf[s]! < 0) continue;
      slots[at] = s;
      buckets[at++] = bucketOf[s]!;
    }
    return { slots, buckets };
  }

  /**
   * Takes over finished lists as they are (a routing checkpoint read back): list `b` holds
   * `slotLists[b]`, and `rowLists[b]` (its own buffer, at offset 0) holds their rows.
   */
  static adopt(K: number, layout: RowLayout, slotLists: Uint32Array[], rowLists: Uint8Array[]): InvertedBuckets {
    const out = new InvertedBuckets(K, layout);
    for (let b = 0; b < K; b++) {
      out.slotLists[b] = slotLists[b]!;
      out.rowLists[b] = rowLists[b]!;
      out.lengths[b] = slotLists[b]!.length;
    }
    out.markUnchanged();
    return out;
  }

  /**
   * A copy that owns fresh copies of the lists in `copied` and shares the others with this one.
   * Only the copied lists may be written through the copy: an adaptive update rebuilds those
   * lists off to the side while this instance keeps serving, unchanged.
   */
  copyLists(copied: Iterable<number>): InvertedBuckets {
    const out = new InvertedBuckets(this.K, this.layout);
    out.slotLists = this.slotLists.slice();
    out.rowLists = this.rowLists.slice();
    out.lengths = this.lengths.slice();
    out.changed = this.changed.slice();
    for (const b of copied) {
      out.slotLists[b] = this.slotLists[b]!.slice();
      out.rowLists[b] = this.rowLists[b]!.slice();
    }
    return out;
  }

  /** Allocated bytes of the slot lists and the length array: the routing layer's per-item part. */
  get slotBytes(): number {
    let bytes = this.lengths.byteLength;
    for (const l of this.slotLists) bytes += l.byteLength;
    return bytes;
  }

  /** Allocated bytes of the rerank rows. */
  get rowBytesTotal(): number {
    let bytes = 0;
    for (const l of this.rowLists) bytes += l.byteLength;
    return bytes;
  }

  /** Bucket sizes, for stats. */
  sizes(): Uint32Array {
    return this.lengths.slice();
  }
}
