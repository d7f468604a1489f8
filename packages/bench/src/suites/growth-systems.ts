/**
 * The three systems of the growth suite, each fed the stream a batch at a
 * time: SRM with its default options on the embedded store, hnswlib with
 * incremental `addPoint`, and LanceDB with incremental table adds and an
 * IVF_FLAT index it builds, then keeps up to date, at the end of each stage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticRoutingMemory } from '@srm/core';
import { splitRows } from '../vectors.js';

export const GROWTH_SYSTEMS = ['srm', 'hnswlib', 'lancedb'] as const;
export type GrowthSystemName = (typeof GROWTH_SYSTEMS)[number];

/** hnswlib as the dense suite builds it, queried at the dense suite's headline point (its fastest ef with recall@10 >= 0.95 on GloVe). */
export const HNSW_GROWTH = { M: 16, efConstruction: 200, ef: 160 } as const;

/**
 * LanceDB probes the same share of its partitions as the dense suite's IVF_FLAT
 * sqrt(n) headline point (nprobes 80 of 584 partitions, recall@10 0.974).
 */
export const LANCE_PROBE_SHARE = 80 / 584;

/** A system that grows a batch at a time and is queried in between. */
export interface GrowingSystem {
  /** One-line description for the report. */
  readonly label: string;
  /** Converts the queries to what the system takes, outside the timed loop. */
  prepareQueries(queries: Float32Array, d: number): void;
  /** Adds rows `[start, end)` of the stream, with their row numbers as ids. */
  add(stream: Float32Array, d: number, start: number, end: number): Promise<void>;
  /** Top-k stream rows for query row q, best first. */
  search(q: number, k: number): Promise<ArrayLike<number>> | ArrayLike<number>;
  /** SRM only: the same query re-scoring every refine candidate (`refineEarlyStop: false`), to compare with the default in the same run. */
  searchEveryRefine?(q: number, k: number): Promise<ArrayLike<number>>;
  /** True while background work runs that changes the answers (SRM: a refit). */
  busy(): boolean;
  /** Brings the index to its settled state after a stage's adds; says what that took. */
  settle(): Promise<string>;
  /** SRM's `stats().hotBytes.total`; null for the peers. */
  hotBytes(): number | null;
  /** Facts kept in the JSON per stage. */
  facts(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function createGrowingSystem(name: GrowthSystemName, totalItems: number): Promise<GrowingSystem> {
  switch (name) {
    case 'srm':
      return new SrmGrowing();
    case 'hnswlib':
      return HnswGrowing.create(totalItems);
    case 'lancedb':
      return LanceGrowing.connect();
  }
}

class SrmGrowing implements GrowingSystem {
  readonly label = 'SemanticRoutingMemory.open({ d, path }) with default options, embedded store in a temporary folder';
  private queries: Float32Array[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'srm-bench-growth-'));
  // Opened on the first add, when d is known: the user's path starts with open({ d, path }).
  private memory: SemanticRoutingMemory | undefined;

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = splitRows(queries, d);
  }

  async add(stream: Float32Array, d: number, start: number, end: number): Promise<void> {
    this.memory ??= await SemanticRoutingMemory.open({ d, path: this.dir });
    const ids = Array.from({ length: end - start }, (_, i) => String(start + i));
    await this.memory.add(stream.subarray(start * d, end * d), { ids });
  }

  async search(q: number, k: number): Promise<number[]> {
    return (await this.memory!.query(this.queries[q]!, { k })).map((h) => Number(h.id));
  }

  async searchEveryRefine(q: number, k: number): Promise<number[]> {
    return (await this.memory!.query(this.queries[q]!, { k, refineEarlyStop: false })).map((h) => Number(h.id));
  }

  busy(): boolean {
    return this.memory!.stats().refitting;
  }

  async settle(): Promise<string> {
    if (!this.busy()) return 'no refit running';
    let waits = 0;
    // idle() can return while a follow-up refit starts; wait for that one too.
    while (this.busy()) {
      await this.memory!.idle();
      waits++;
    }
    return `waited for ${waits} idle()`;
  }

  hotBytes(): number {
    return this.memory!.stats().hotBytes.total;
  }

  async facts(): Promise<Record<string, unknown>> {
    const { items, K, m, fitted, rerank, buckets, quantizationError, hotBytes, lastRefitError } = this.memory!.stats();
    return { items, K, m, fitted, rerank, buckets, quantizationError, hotBytes, ...(lastRefitError ? { lastRefitError } : {}) };
  }

  async close(): Promise<void> {
    await this.memory?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class HnswGrowing implements GrowingSystem {
  readonly label = `HNSW M=${HNSW_GROWTH.M} efConstruction=${HNSW_GROWTH.efConstruction} ef=${HNSW_GROWTH.ef}, incremental addPoint`;
  private queries: number[][] = [];

  private constructor(
    private readonly hnswlib: typeof import('hnswlib-node'),
    private readonly capacity: number,
    private index: import('hnswlib-node').HierarchicalNSW | undefined,
  ) {}

  static async create(totalItems: number): Promise<HnswGrowing> {
    return new HnswGrowing((await import('hnswlib-node')).default, totalItems, undefined);
  }

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = splitRows(queries, d).map((q) => Array.from(q));
  }

  async add(stream: Float32Array, d: number, start: number, end: number): Promise<void> {
    let index = this.index;
    if (!index) {
      index = new this.hnswlib.HierarchicalNSW('ip', d);
      index.initIndex({ maxElements: this.capacity, m: HNSW_GROWTH.M, efConstruction: HNSW_GROWTH.efConstruction, randomSeed: 42 });
      index.setEf(HNSW_GROWTH.ef);
      this.index = index;
    }
    // hnswlib-node takes only plain arrays; the conversion is part of its add cost.
    for (let i = start; i < end; i++) index.addPoint(Array.from(stream.subarray(i * d, i * d + d)), i);
  }

  search(q: number, k: number): number[] {
    return this.index!.searchKnn(this.queries[q]!, k).neighbors;
  }

  busy(): boolean {
    return false;
  }

  async settle(): Promise<string> {
    return 'nothing to do (every addPoint is indexed at once)';
  }

  hotBytes(): null {
    return null;
  }

  async facts(): Promise<Record<string, unknown>> {
    return { items: this.index!.getCurrentCount(), ef: this.index!.getEf() };
  }

  async close(): Promise<void> {
    this.index = undefined;
  }
}

type LanceDb = typeof import('@lancedb/lancedb');

class LanceGrowing implements GrowingSystem {
  readonly label =
    'IVF_FLAT, cosine: table.add per batch; index built (sqrt(n) partitions) at the end of the first stage, optimize() at the end of each later one';
  private queries: Float32Array[] = [];
  private table: import('@lancedb/lancedb').Table | undefined;
  private nprobes: number | undefined;
  private partitions: number | undefined;

  private constructor(
    private readonly lancedb: LanceDb,
    private readonly db: import('@lancedb/lancedb').Connection,
    private readonly dir: string,
  ) {}

  static async connect(): Promise<LanceGrowing> {
    const lancedb = await import('@lancedb/lancedb');
    const dir = mkdtempSync(join(tmpdir(), 'srm-bench-growth-lance-'));
    return new LanceGrowing(lancedb, await lancedb.connect(dir), dir);
  }

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = splitRows(queries, d);
  }

  async add(stream: Float32Array, d: number, start: number, end: number): Promise<void> {
    const rows = Array.from({ length: end - start }, (_, i) => ({ id: start + i, vector: Array.from(stream.subarray((start + i) * d, (start + i + 1) * d)) }));
    if (this.table) await this.table.add(rows);
    else this.table = await this.db.createTable('growth', rows, { mode: 'overwrite' });
  }

  async search(q: number, k: number): Promise<number[]> {
    // Rows added since the last index update are scanned exactly and merged (LanceDB's default).
    let query = this.table!.vectorSearch(this.queries[q]!).distanceType('cosine').limit(k).select(['id']);
    if (this.nprobes !== undefined) query = query.nprobes(this.nprobes);
    return (await query.toArray()).map((r: { id: number }) => Number(r.id));
  }

  busy(): boolean {
    return false;
  }

  async settle(): Promise<string> {
    const table = this.table!;
    if (this.partitions === undefined) {
      const rows = await table.countRows();
      this.partitions = Math.max(1, Math.round(Math.sqrt(rows)));
      await table.createIndex('vector', { config: this.lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions: this.partitions }) });
      this.nprobes = Math.max(1, Math.ceil(this.partitions * LANCE_PROBE_SHARE));
      return `createIndex IVF_FLAT ${this.partitions} partitions (nprobes ${this.nprobes}) over ${rows} rows`;
    }
    await table.optimize();
    return `optimize() (new rows into the ${this.partitions} partitions)`;
  }

  hotBytes(): null {
    return null;
  }

  async facts(): Promise<Record<string, unknown>> {
    const table = this.table!;
    const indices = await table.listIndices();
    const stats = indices[0] ? await table.indexStats(indices[0].name) : undefined;
    return { items: await table.countRows(), partitions: this.partitions ?? null, nprobes: this.nprobes ?? null, indexStats: stats ?? null };
  }

  async close(): Promise<void> {
    this.table?.close();
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
