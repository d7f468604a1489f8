/** Exact scan: one dot product per base row, top-k kept in a small sorted buffer. */
import { scanExact } from '../ground-truth.js';
import { TopK } from '../top-k.js';
import type { BuildInfo, DenseSystem } from './types.js';

export class BruteForceSystem implements DenseSystem {
  private base = new Float32Array(0);
  private d = 0;
  private queries = new Float32Array(0);

  async build(base: Float32Array, d: number): Promise<BuildInfo> {
    const t0 = performance.now();
    // A private copy, as a real flat index would hold.
    this.base = Float32Array.from(base);
    this.d = d;
    const s = (performance.now() - t0) / 1000;
    return { buildSeconds: s, addSeconds: s, addPerSecond: base.length / d / Math.max(s, 1e-9) };
  }

  prepareQueries(queries: Float32Array): void {
    this.queries = queries;
  }

  configure(): void {}

  search(q: number, k: number): Int32Array {
    const top = new TopK(k);
    scanExact(this.base, this.d, this.queries, q * this.d, top);
    return top.ids.slice(0, top.size);
  }

  async indexBytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: this.base.byteLength, what: 'float32 matrix' };
  }

  async details(): Promise<Record<string, unknown>> {
    return {};
  }

  async close(): Promise<void> {
    this.base = new Float32Array(0);
  }
}
