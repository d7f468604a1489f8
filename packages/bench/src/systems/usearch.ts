/**
 * usearch HNSW (f32 / f16 / i8 storage), one thread. usearch fixes
 * `expansion_search` at construction, so each sweep point reloads the saved
 * index into a new Index with that expansion (outside the timed loop).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import type { BuildInfo, DenseSystem, StepProgress, SweepPoint, UsearchSpec } from './types.js';

const SCALAR = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 } as const;

export class UsearchSystem implements DenseSystem {
  private index: Index | undefined;
  private d = 0;
  private queries = new Float32Array(0);
  private dir = mkdtempSync(join(tmpdir(), 'srm-bench-usearch-'));
  private handedOver = false;

  constructor(private readonly spec: UsearchSpec) {}

  private create(expansionSearch: number): Index {
    return new Index({
      dimensions: this.d,
      metric: MetricKind.IP,
      quantization: SCALAR[this.spec.quantization],
      connectivity: this.spec.connectivity,
      expansion_add: this.spec.expansionAdd,
      expansion_search: expansionSearch,
      multi: false,
    });
  }

  async build(base: Float32Array, d: number, progress: StepProgress): Promise<BuildInfo> {
    this.d = d;
    const n = base.length / d;
    const t0 = performance.now();
    const index = this.create(64);
    const batch = 5000;
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const keys = new BigUint64Array(count);
      for (let i = 0; i < count; i++) keys[i] = BigInt(start + i);
      index.add(keys, base.subarray(start * d, (start + count) * d), 1);
      progress('add', start + count, n);
    }
    this.index = index;
    const s = (performance.now() - t0) / 1000;
    index.save(this.file);
    return {
      buildSeconds: s,
      addSeconds: s,
      addPerSecond: n / s,
      notes: { threads: 1, connectivity: this.spec.connectivity, expansionAdd: this.spec.expansionAdd },
    };
  }

  private get file(): string {
    return join(this.dir, 'index.usearch');
  }

  async persist(): Promise<string> {
    // build() already saved the index (each sweep point reloads it).
    this.handedOver = true;
    return this.dir;
  }

  async open(dir: string, d: number): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = dir;
    this.handedOver = true;
    this.d = d;
    const index = this.create(64);
    index.load(this.file);
    this.index = index;
  }

  prepareQueries(queries: Float32Array): void {
    this.queries = queries;
  }

  configure(point: SweepPoint): void {
    const next = this.create(point.params.ef!);
    next.load(this.file);
    this.index = next;
  }

  search(q: number, k: number): number[] {
    const res = this.index!.search(this.queries.subarray(q * this.d, q * this.d + this.d), k, 1);
    return Array.from(res.keys, Number);
  }

  async indexBytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: statSync(this.file).size, what: 'serialized index (vectors + graph)' };
  }

  async details(): Promise<Record<string, unknown>> {
    return { library: 'usearch 2.25.3', quantization: this.spec.quantization };
  }

  async close(): Promise<void> {
    this.index = undefined;
    if (!this.handedOver) rmSync(this.dir, { recursive: true, force: true });
  }
}
