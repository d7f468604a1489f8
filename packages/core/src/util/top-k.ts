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
    siftDown(scores, ids, this.size, score, id);
  }

  /**
   * Kept entries, best first (ties by ascending id, so the order is deterministic). A heap sort
   * of copies, with no comparator calls: every query sorts its refine candidates.
   */
  sorted(): { ids: Uint32Array; scores: Float32Array } {
    const n = this.size;
    const scores = this.scores.slice(0, n);
    const ids = this.ids.slice(0, n);
    // The min-heap's root is its worst entry: moved behind the heap, one at a time, the worst
    // end up last.
    for (let end = n - 1; end > 0; end--) {
      const score = scores[end]!;
      const id = ids[end]!;
      scores[end] = scores[0]!;
      ids[end] = ids[0]!;
      siftDown(scores, ids, end, score, id);
    }
    // Equal scores in ascending id order (an insertion sort: runs of ties are short).
    for (let i = 1; i < n; i++) {
      const score = scores[i]!;
      const id = ids[i]!;
      let j = i;
      while (j > 0 && scores[j - 1] === score && ids[j - 1]! > id) {
        ids[j] = ids[j - 1]!;
        j--;
      }
      ids[j] = id;
    }
    return { ids, scores };
  }
}

/** Puts (id, score) at the root of the min-heap `[0, n)` in place of its root, and sifts it down. */
function siftDown(scores: Float32Array, ids: Uint32Array, n: number, score: number, id: number): void {
  let i = 0;
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
