/**
 * Copies memories from one storage backend to another (typically embedded →
 * Qdrant, when a memory outgrows one machine) without re-embedding anything:
 * SRM stores move with their state blob and every record (slot, bucket,
 * vector, payload); glossary stores move with every entry of every agent
 * (ids and BM25 term vectors included). Counts are checked at the end.
 */
import { CorruptDataError, InvalidInputError, NotFoundError } from '../errors.js';
import { Limits } from '../limits.js';
import type { ProgressCallback } from '../vocabulary.js';
import type { GlossaryStore, SRMRecord, SRMItemStore, SRMItemStoreSpec, StorageBackend } from './types.js';

/** Options of {@link migrateStorage}. */
export interface MigrateStorageOptions {
  /** Where the memories are now. Read only. */
  from: StorageBackend;
  /** Where they go. */
  to: StorageBackend;
  /**
   * SRM stores to copy, by name (the spec is read with `from.describeSrmStore`)
   * or by spec. Default: every SRM store of `from`. `[]` copies none.
   */
  srm?: readonly (string | SRMItemStoreSpec)[];
  /** Glossary stores to copy, by name. Default: every glossary store of `from`. `[]` copies none. */
  glossary?: readonly string[];
  /** Called after each batch; phases `"migrate:srm:{name}"` and `"migrate:glossary:{name}"`. */
  onProgress?: ProgressCallback;
  /**
   * Records or entries read and written per step. Default 1000; 1 to
   * `Limits.maxBatchSize`. Larger is faster over a network; each batch is held
   * in memory (about `batchSize · 4d` bytes of vectors).
   */
  batchSize?: number;
  /**
   * A destination store that already holds data is an error by default
   * (nothing is copied into it). `true` clears it first.
   */
  overwrite?: boolean;
}

/** What {@link migrateStorage} copied, per store. */
export interface MigrationReport {
  srm: { name: string; items: number; stateBytes: number }[];
  glossary: { name: string; entries: number; agents: number }[];
}

/** Default of {@link MigrateStorageOptions.batchSize}. */
export const DEFAULT_MIGRATION_BATCH = 1000;

/**
 * Copies SRM and glossary stores from `from` to `to` and verifies that every
 * destination store ends up with as many items as its source (and, for
 * glossaries, as many entries per agent as were read).
 *
 * Throws {@link NotFoundError} for a named store that `from` lacks,
 * {@link InvalidInputError} for a non-empty destination (unless `overwrite`)
 * or a source that cannot be enumerated, and {@link CorruptDataError} when the
 * counts differ after copying (for example because the source changed during
 * the migration: stop writers first). Storage errors pass through unchanged.
 * A failed migration leaves the destination partly written; run it again
 * with `overwrite: true`.
 *
 * @example
 * ```ts
 * const from = await EmbeddedStorage.open('./memory');
 * const to = await QdrantStorage.connect({ url: 'http://localhost:6333' });
 * const report = await migrateStorage({ from, to, onProgress: (e) => console.log(e.phase, e.done, e.total) });
 * ```
 */
export async function migrateStorage(options: MigrateStorageOptions): Promise<MigrationReport> {
  if (typeof options !== 'object' || options === null) throw new InvalidInputError('migrateStorage expects an options object');
  const { from, to, onProgress, overwrite = false } = options;
  if (!isBackend(from)) throw new InvalidInputError('migrateStorage: "from" must be a StorageBackend');
  if (!isBackend(to)) throw new InvalidInputError('migrateStorage: "to" must be a StorageBackend');
  if (from === to) throw new InvalidInputError('migrateStorage: "from" and "to" are the same backend');
  const batchSize = options.batchSize ?? DEFAULT_MIGRATION_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > Limits.maxBatchSize) {
    throw new InvalidInputError(`migrateStorage: batchSize must be an integer from 1 to ${Limits.maxBatchSize}, got ${String(batchSize)}`);
  }

  const existing = await from.listStores();
  const srmSpecs = await resolveSrmSpecs(from, options.srm ?? existing.srm, existing.srm);
  const glossaryNames = [...(options.glossary ?? existing.glossary)];
  const missingGlossaries = glossaryNames.filter((n) => !existing.glossary.includes(n));
  if (missingGlossaries.length > 0) throw new NotFoundError(`glossary store of the ${from.kind} backend`, missingGlossaries);

  const report: MigrationReport = { srm: [], glossary: [] };
  for (const spec of srmSpecs) {
    const src = await from.openSrmStore(spec);
    const dst = await to.openSrmStore(spec);
    report.srm.push(await copySrmStore(src, dst, { batchSize, overwrite, onProgress }));
  }
  for (const name of glossaryNames) {
    const src = await from.openGlossaryStore(name);
    const dst = await to.openGlossaryStore(name);
    report.glossary.push(await copyGlossaryStore(name, src, dst, { batchSize, overwrite, onProgress }));
  }
  return report;
}

interface CopyOptions {
  batchSize: number;
  overwrite: boolean;
  onProgress: ProgressCallback | undefined;
}

async function resolveSrmSpecs(from: StorageBackend, wanted: readonly (string | SRMItemStoreSpec)[], existing: readonly string[]): Promise<SRMItemStoreSpec[]> {
  const missing = wanted.map((w) => (typeof w === 'string' ? w : w?.name)).filter((n) => !existing.includes(n));
  if (missing.length > 0) throw new NotFoundError(`SRM store of the ${from.kind} backend`, missing);
  const specs: SRMItemStoreSpec[] = [];
  for (const w of wanted) {
    if (typeof w !== 'string') {
      specs.push(w);
      continue;
    }
    const spec = await from.describeSrmStore(w);
    if (!spec) throw new NotFoundError(`SRM store of the ${from.kind} backend`, [w]);
    specs.push(spec);
  }
  return specs;
}

/** Copies one SRM store: records in slot order, then the state (so a half-copied store has no state). */
async function copySrmStore(src: SRMItemStore, dst: SRMItemStore, o: CopyOptions): Promise<MigrationReport['srm'][number]> {
  const name = src.spec.name;
  const phase = `migrate:srm:${name}`;
  if ((await dst.count()) > 0 || (await dst.readState()) !== null) {
    if (!o.overwrite) {
      throw new InvalidInputError(`migrateStorage: destination SRM store "${name}" (${dst.location}) is not empty; pass overwrite: true to replace it`);
    }
    await dst.clear();
  }
  const total = await src.count();
  o.onProgress?.({ phase, done: 0, total });
  let copied = 0;
  for await (const page of src.scan({ id: true, bucket: true, vector: true, payload: true }, o.batchSize)) {
    const upserts: SRMRecord[] = page.map((v) => ({ id: v.id!, slot: v.slot, bucket: v.bucket!, vector: v.vector!, payload: v.payload! }));
    await dst.write({ upserts });
    copied += upserts.length;
    o.onProgress?.({ phase, done: copied, total });
  }
  const state = await src.readState();
  if (state !== null) await dst.writeState(state);

  const [srcCount, dstCount] = [await src.count(), await dst.count()];
  if (srcCount !== dstCount || dstCount !== copied) {
    throw new CorruptDataError(
      dst.location,
      `migration of SRM store "${name}" did not verify: source holds ${srcCount} items, ${copied} were copied, destination holds ${dstCount}`,
    );
  }
  return { name, items: copied, stateBytes: state?.byteLength ?? 0 };
}

/** Copies one glossary store, entry for entry, and checks the totals and the per-agent counts. */
async function copyGlossaryStore(name: string, src: GlossaryStore, dst: GlossaryStore, o: CopyOptions): Promise<MigrationReport['glossary'][number]> {
  const phase = `migrate:glossary:${name}`;
  if ((await dst.termStats([])).docCount > 0) {
    if (!o.overwrite) {
      throw new InvalidInputError(`migrateStorage: destination glossary store "${name}" (${dst.location}) is not empty; pass overwrite: true to replace it`);
    }
    await dst.clear();
  }
  const total = (await src.termStats([])).docCount;
  o.onProgress?.({ phase, done: 0, total });
  const perAgent = new Map<string, number>();
  let copied = 0;
  for await (const page of src.scanAll(o.batchSize)) {
    await dst.upsert(page);
    for (const e of page) perAgent.set(e.agentId, (perAgent.get(e.agentId) ?? 0) + 1);
    copied += page.length;
    o.onProgress?.({ phase, done: copied, total });
  }

  const srcCount = (await src.termStats([])).docCount;
  const dstCount = (await dst.termStats([])).docCount;
  if (srcCount !== dstCount || dstCount !== copied) {
    throw new CorruptDataError(
      dst.location,
      `migration of glossary store "${name}" did not verify: source holds ${srcCount} entries, ${copied} were copied, destination holds ${dstCount}`,
    );
  }
  for (const [agentId, n] of perAgent) {
    const got = await dst.count(agentId);
    if (got !== n) {
      throw new CorruptDataError(
        dst.location,
        `migration of glossary store "${name}" did not verify: agent ${JSON.stringify(agentId)} has ${got} entries, ${n} were copied`,
      );
    }
  }
  return { name, entries: copied, agents: perAgent.size };
}

function isBackend(x: unknown): x is StorageBackend {
  const b = x as Partial<StorageBackend> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.openSrmStore === 'function' &&
    typeof b.openGlossaryStore === 'function' &&
    typeof b.listStores === 'function'
  );
}
