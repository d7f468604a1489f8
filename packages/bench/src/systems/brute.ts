/** Exact scan: one dot product per base row, top-k kept in a small sorted buffer. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanExact } from '../ground-truth.js';
import { TopK } from '../top-k.js';
import type { BuildInfo, DenseSystem } from './types.js';

const MATRIX_FILE = 'base.f32';

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

  async persist(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'srm-bench-brute-'));
    writeFileSync(join(dir, MATRIX_FILE), new Uint8Array(this.base.buffer, this.base.byteOffset, this.base.byteLength));
    return dir;
  }

  async open(dir: string, d: number): Promise<void> {
    const bytes = readFileSync(join(dir, MATRIX_FILE));
    // A file this size gets its own aligned buffer: view it rather than copy it.
    this.base =
      bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Float32Array(new Uint8Array(bytes).buffer);
    this.d = d;
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
