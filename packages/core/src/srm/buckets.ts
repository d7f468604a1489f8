/**
 * Inverted buckets: for each of K buckets, a compact list of item slots
 * (uint32). This is the routing layer's per-item part: 4 bytes per item and
 * no per-item JS object. An item's bucket is implied by the list that holds it.
 */

const MIN_CAPACITY = 4;

/** K growable uint32 lists. */
export class InvertedBuckets {
  private lists: Uint32Array[];
  private lengths: Uint32Array;

  constructor(readonly K: number) {
    this.lists = Array.from({ length: K }, () => new Uint32Array(0));
    this.lengths = new Uint32Array(K);
  }

  /** Number of slots in bucket `b`. */
  sizeOf(b: number): number {
    return this.lengths[b]!;
  }

  /** Slots of bucket `b` (a view: valid until the next write). */
  slotsOf(b: number): Uint32Array {
    return this.lists[b]!.subarray(0, this.lengths[b]!);
  }

  /** Total slots in all buckets. */
  get total(): number {
    let t = 0;
    for (let b = 0; b < this.K; b++) t += this.lengths[b]!;
    return t;
  }

  /**
   * Makes room for `extra` more slots in bucket `b`. Bulk adds reserve the
   * exact amount; single adds grow by 1/8, which bounds the slack at 12.5%.
   */
  reserve(b: number, extra: number, exact = false): void {
    const list = this.lists[b]!;
    const need = this.lengths[b]! + extra;
    if (need <= list.length) return;
    const cap = exact ? need : Math.max(need, MIN_CAPACITY, Math.ceil(list.length * 1.125));
    const grown = new Uint32Array(cap);
    grown.set(list.subarray(0, this.lengths[b]!));
    this.lists[b] = grown;
  }

  add(b: number, slot: number): void {
    this.reserve(b, 1);
    this.lists[b]![this.lengths[b]!++] = slot;
  }

  /** Removes `slot` from bucket `b` (swap with the last; order within a bucket carries no meaning). Returns whether it was there. */
  remove(b: number, slot: number): boolean {
    const list = this.lists[b]!;
    const n = this.lengths[b]!;
    for (let i = 0; i < n; i++) {
      if (list[i] === slot) {
        list[i] = list[n - 1]!;
        this.lengths[b] = n - 1;
        return true;
      }
    }
    return false;
  }

  /** Replaces every list at once from parallel (slot, bucket) arrays, each sized exactly. */
  static build(K: number, slots: Uint32Array, buckets: Int32Array, count: number): InvertedBuckets {
    const out = new InvertedBuckets(K);
    const sizes = new Uint32Array(K);
    for (let i = 0; i < count; i++) sizes[buckets[i]!]!++;
    for (let b = 0; b < K; b++) out.lists[b] = new Uint32Array(sizes[b]!);
    for (let i = 0; i < count; i++) {
      const b = buckets[i]!;
      out.lists[b]![out.lengths[b]!++] = slots[i]!;
    }
    return out;
  }

  /** Shrinks every list to its length. */
  compact(): void {
    for (let b = 0; b < this.K; b++) {
      if (this.lists[b]!.length !== this.lengths[b]) this.lists[b] = this.lists[b]!.slice(0, this.lengths[b]!);
    }
  }

  /** Allocated bytes: list capacity plus the length array. */
  get byteLength(): number {
    let bytes = this.lengths.byteLength;
    for (const l of this.lists) bytes += l.byteLength;
    return bytes;
  }

  /** Bucket sizes, for stats. */
  sizes(): Uint32Array {
    return this.lengths.slice();
  }
}
