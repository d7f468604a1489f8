/**
 * LanceDB 0.37 (embedded, local disk) with an IVF_FLAT or IVF_PQ index.
 * Queries go through the async Node API; the child process that runs this
 * sets LANCE_CPU_THREADS=1 so the comparison stays single-threaded.
 */
import { splitRows } from '../vectors.js';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { BuildInfo, DenseSystem, LanceSpec, StepProgress, SweepPoint } from './types.js';

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

export class LanceSystem implements DenseSystem {
  private dir = mkdtempSync(join(tmpdir(), 'srm-bench-lance-'));
  private handedOver = false;
  private table: lancedb.Table | undefined;
  private db: lancedb.Connection | undefined;
  private queries: Float32Array[] = [];
  private point: SweepPoint = { label: '', params: {} };

  constructor(private readonly spec: LanceSpec) {}

  async build(base: Float32Array, d: number, progress: StepProgress): Promise<BuildInfo> {
    const n = base.length / d;
    const t0 = performance.now();
    this.db = await lancedb.connect(this.dir);
    const batch = 20_000;
    const rows = (start: number) => {
      const out: { id: number; vector: number[] }[] = [];
      for (let i = start; i < Math.min(n, start + batch); i++) out.push({ id: i, vector: Array.from(base.subarray(i * d, i * d + d)) });
      return out;
    };
    const table = await this.db.createTable('bench', rows(0), { mode: 'overwrite' });
    progress('add', Math.min(batch, n), n);
    for (let start = batch; start < n; start += batch) {
      await table.add(rows(start));
      progress('add', Math.min(n, start + batch), n);
    }
    const tAdd = performance.now();
    progress('index', 0, 1);
    const common = { distanceType: 'cosine' as const, ...(this.spec.numPartitions ? { numPartitions: this.spec.numPartitions } : {}) };
    const config =
      this.spec.index === 'ivf_flat'
        ? lancedb.Index.ivfFlat(common)
        : lancedb.Index.ivfPq({ ...common, ...(this.spec.numSubVectors ? { numSubVectors: this.spec.numSubVectors } : {}) });
    await table.createIndex('vector', { config });
    progress('index', 1, 1);
    this.table = table;
    const t1 = performance.now();
    const addSeconds = (tAdd - t0) / 1000;
    return {
      buildSeconds: (t1 - t0) / 1000,
      fitSeconds: (t1 - tAdd) / 1000,
      addSeconds,
      addPerSecond: n / addSeconds,
      notes: {
        indexSeconds: (t1 - tAdd) / 1000,
        index: this.spec.index,
        numPartitions: this.spec.numPartitions ?? 'default',
        numSubVectors: this.spec.numSubVectors ?? 'default',
      },
    };
  }

  async persist(): Promise<string> {
    // The table and its index are on disk already.
    this.table?.close();
    this.db?.close();
    this.table = undefined;
    this.db = undefined;
    this.handedOver = true;
    return this.dir;
  }

  async open(dir: string): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = dir;
    this.handedOver = true;
    this.db = await lancedb.connect(dir);
    this.table = await this.db.openTable('bench');
  }

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = splitRows(queries, d);
  }

  configure(point: SweepPoint): void {
    this.point = point;
  }

  async search(q: number, k: number): Promise<number[]> {
    let query = this.table!.vectorSearch(this.queries[q]!).distanceType('cosine').limit(k).select(['id', '_distance']);
    const { nprobes, refineFactor } = this.point.params;
    if (nprobes !== undefined) query = query.nprobes(nprobes);
    if (refineFactor !== undefined) query = query.refineFactor(refineFactor);
    const rows = await query.toArray();
    return rows.map((r: { id: number }) => Number(r.id));
  }

  async indexBytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: dirBytes(this.dir), what: 'on-disk dataset + index (not all in RAM)' };
  }

  async details(): Promise<Record<string, unknown>> {
    const indices = await this.table!.listIndices();
    const stats = indices[0] ? await this.table!.indexStats(indices[0].name) : undefined;
    return { library: '@lancedb/lancedb 0.37.1', index: this.spec.index, indexStats: stats ?? null };
  }

  async close(): Promise<void> {
    this.table?.close();
    this.db?.close();
    if (!this.handedOver) rmSync(this.dir, { recursive: true, force: true });
  }
}
