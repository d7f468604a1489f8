/**
 * Bounded selection of the `k` largest scores with a binary min-heap over
 * typed arrays: O(n log k), no per-candidate objects.
 */
export class TopK {
  readonly scores: Float32Array;
  readonly ids: Uint32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float32Array(k);
    this.ids = new Uint32Array(k);
  }

  /** The smallest kept score, or -Infinity while fewer than k are kept. */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0]!;
  }

  push(id: number, score: number): void {
    const { scores, ids } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (scores[p]! <= score) break;
        scores[i] = scores[p]!;
        ids[i] = ids[p]!;
        i = p;
      }
      scores[i] = score;
      ids[i] = id;
      return;
    }
    if (score <= scores[0]!) return;
    // Replace the root and sift down.
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && scores[r]! < scores[l]! ? r : l;
      if (scores[c]! >= score) break;
      scores[i] = scores[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** Kept entries, best first (ties by ascending id, so the order is deterministic). */
  sorted(): { ids: Uint32Array; scores: Float32Array } {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!);
    return {
      ids: Uint32Array.from(order, (i) => this.ids[i]!),
      scores: Float32Array.from(order, (i) => this.scores[i]!),
    };
  }
}
