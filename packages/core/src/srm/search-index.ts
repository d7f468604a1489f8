/**
 * What a query reads (a consistent view of the index) and the buffers it
 * works in, shared by the steps of the query pipeline (search.ts,
 * stored-scores.ts).
 */
import type { SRMItemStore } from '../storage/types.js';
import type { InvertedBuckets } from './buckets.js';
import type { Codebook } from './codebook.js';
import { TableScratch, type VectorCodec } from './codecs/codec.js';
import { createDot, type DotKernel } from './dot-kernel.js';

/** What a query reads: a consistent view of the index, taken under the read lock. */
export interface SearchIndex {
  d: number;
  codebook: Codebook | null;
  buckets: InvertedBuckets;
  codec: VectorCodec;
  store: SRMItemStore;
  /** Normalises, in place, the vector read from the store at `rows[offset..offset + d)` like the memory's inputs. */
  prepareStored(rows: Float32Array, offset: number): void;
  /** The memory's reusable query buffers. */
  scratch: ScratchPool;
  /**
   * Whether the store's buckets are this layer's. While a refit writes them back after its swap
   * they lag, and a server must not select items by them.
   */
  storedBucketsCurrent: boolean;
}

/** Pooled buffers stop growing here (items); a larger query (a filter widened to every bucket) allocates its own. */
const SCRATCH_MAX_ITEMS = 1 << 18;

/**
 * One query's working buffers, reused by the next query. A query scores tens
 * of thousands of candidates; fresh typed arrays for them each time are
 * garbage outside the JS heap, which piles up in the allocator between
 * collections and stays resident. Reuse keeps a serving process's RSS at its
 * index, not at its query rate.
 */
export class SearchScratch {
  /** The codec's per-query tables. */
  readonly tables = new TableScratch();
  private readonly floats = new Map<string, Float32Array>();
  private slotBuf = new Uint32Array(0);
  private dotKernel: DotKernel | null = null;

  /** The SIMD dot kernel that scores the refine candidates' stored vectors (made on first use). */
  get dots(): DotKernel {
    return (this.dotKernel ??= createDot());
  }

  /** Candidate slots with room for `n`. */
  slots(n: number): Uint32Array {
    if (n > SCRATCH_MAX_ITEMS) return new Uint32Array(n);
    if (this.slotBuf.length < n) this.slotBuf = new Uint32Array(grown(this.slotBuf.length, n));
    return this.slotBuf.subarray(0, n);
  }

  /** `n` floats of the buffer named `use` (candidate scores, a boundary bucket's scores, read vectors, exact scores). */
  floats32(use: 'scores' | 'boundary' | 'vectors' | 'exact', n: number): Float32Array {
    if (n > SCRATCH_MAX_ITEMS) return new Float32Array(n);
    let buf = this.floats.get(use);
    if (!buf || buf.length < n) {
      buf = new Float32Array(grown(buf?.length ?? 0, n));
      this.floats.set(use, buf);
    }
    return buf.subarray(0, n);
  }
}

function grown(have: number, need: number): number {
  return Math.min(SCRATCH_MAX_ITEMS, Math.max(need, have * 2));
}

/** Scratch buffers for concurrent queries: each query holds one from start to end. */
export class ScratchPool {
  private readonly free: SearchScratch[] = [];

  /** Runs `fn` with a scratch no other running query holds. */
  async with<T>(fn: (scratch: SearchScratch) => Promise<T>): Promise<T> {
    const scratch = this.free.pop() ?? new SearchScratch();
    try {
      return await fn(scratch);
    } finally {
      // Keep a couple for the next queries; more would only hold memory after a burst.
      if (this.free.length < 2) this.free.push(scratch);
    }
  }
}
