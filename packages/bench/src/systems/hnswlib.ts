/** hnswlib-node: HNSW over inner product of unit vectors (= cosine). Single-threaded add and search. */
import { mkdtempSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { BuildInfo, DenseSystem, HnswlibSpec, StepProgress, SweepPoint } from './types.js';

const INDEX_FILE = 'index.hnsw';

export class HnswlibSystem implements DenseSystem {
  private index: hnswlib.HierarchicalNSW | undefined;
  private queries: number[][] = [];

  constructor(private readonly spec: HnswlibSpec) {}

  async build(base: Float32Array, d: number, progress: StepProgress): Promise<BuildInfo> {
    const n = base.length / d;
    const t0 = performance.now();
    const index = new hnswlib.HierarchicalNSW('ip', d);
    index.initIndex({ maxElements: n, m: this.spec.M, efConstruction: this.spec.efConstruction, randomSeed: 42 });
    for (let i = 0; i < n; i++) {
      // hnswlib-node takes only plain arrays; the conversion is part of its add cost.
      index.addPoint(Array.from(base.subarray(i * d, i * d + d)), i);
      if (i % 2000 === 1999) progress('add', i + 1, n);
    }
    this.index = index;
    const s = (performance.now() - t0) / 1000;
    return { buildSeconds: s, addSeconds: s, addPerSecond: n / s, notes: { threads: 1, M: this.spec.M, efConstruction: this.spec.efConstruction } };
  }

  async persist(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'srm-bench-hnsw-'));
    this.index!.writeIndexSync(join(dir, INDEX_FILE));
    return dir;
  }

  async open(dir: string, d: number): Promise<void> {
    const index = new hnswlib.HierarchicalNSW('ip', d);
    index.readIndexSync(join(dir, INDEX_FILE));
    this.index = index;
  }

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = [];
    for (let q = 0; q < queries.length / d; q++) this.queries.push(Array.from(queries.subarray(q * d, q * d + d)));
  }

  configure(point: SweepPoint): void {
    this.index!.setEf(point.params.ef!);
  }

  search(q: number, k: number): number[] {
    return this.index!.searchKnn(this.queries[q]!, k).neighbors;
  }

  async indexBytes(): Promise<{ bytes: number; what: string }> {
    const file = join(tmpdir(), `srm-bench-hnsw-${process.pid}.bin`);
    this.index!.writeIndexSync(file);
    const bytes = statSync(file).size;
    unlinkSync(file);
    return { bytes, what: 'serialized index (vectors + graph)' };
  }

  async details(): Promise<Record<string, unknown>> {
    return { library: 'hnswlib-node 3.0.0' };
  }

  async close(): Promise<void> {
    this.index = undefined;
  }
}
