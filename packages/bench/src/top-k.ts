/**
 * A fixed-capacity "best k so far" buffer for exact scans: k is small (10),
 * so insertion into a sorted array beats a heap. Ties keep the lower index,
 * which makes brute force and ground truth deterministic.
 */
export class TopK {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  private count = 0;

  constructor(readonly k: number) {
    this.ids = new Int32Array(k).fill(-1);
    this.scores = new Float32Array(k).fill(-Infinity);
  }

  /** Lowest score kept; a candidate must beat it to enter once the buffer is full. */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[this.k - 1]!;
  }

  get size(): number {
    return this.count;
  }

  /** Offers a candidate; scanning ids in increasing order keeps ties in index order. */
  push(id: number, score: number): void {
    if (this.count === this.k && !(score > this.scores[this.k - 1]!)) return;
    let pos = this.count < this.k ? this.count++ : this.k - 1;
    while (pos > 0 && this.scores[pos - 1]! < score) {
      this.scores[pos] = this.scores[pos - 1]!;
      this.ids[pos] = this.ids[pos - 1]!;
      pos--;
    }
    this.scores[pos] = score;
    this.ids[pos] = id;
  }

  reset(): void {
    this.count = 0;
    this.ids.fill(-1);
    this.scores.fill(-Infinity);
  }
}
