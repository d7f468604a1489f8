/**
 * Qdrant cold store and BM25 engine of one SemanticMemory glossary.
 *
 * Layout of collection `{prefix}-glossary-{name}`:
 * - point id = the entry's UUID5 id (computed by SemanticMemory);
 * - no dense vector; the named sparse vector `bm25` holds the document side of
 *   BM25 (saturated term frequencies) and the collection's `idf` modifier
 *   supplies the IDF at query time, so Qdrant's score is the same BM25 sum as
 *   the embedded engine's;
 * - payload: the entry's fields, plus `terms` (`indices` and `values` as
 *   written: Qdrant sorts a sparse vector's indices, the payload keeps the
 *   caller's order);
 * - indexes: `agentId` keyword with `is_tenant: true` (Qdrant co-locates each
 *   agent's points), `category` keyword, `terms.indices` integer (document
 *   frequencies for {@link QdrantGlossaryStore.termStats}).
 *
 * Every read of entries (search, list, count) is filtered by `agentId`; only
 * `get` (by id) and the corpus statistics (IDF is collection-wide, as the
 * `idf` modifier computes it) are not. Every write waits (`wait: true`).
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { CorruptDataError, InvalidInputError, LimitExceededError } from '../../errors.js';
import { Limits } from '../../limits.js';
import { describe } from '../../util/describe.js';
import type { GlossaryHit, GlossaryHitEntry, GlossaryStore, SparseVector, StoredGlossaryEntry, TermStats } from '../types.js';
import { GLOSSARY_TERM_IDS_KEY, SPARSE_VECTOR_NAME } from './collections.js';
import type { QdrantConnection } from './connection.js';
import { nextOffset } from './srm-state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_UINT32 = 0xffff_ffff;
/** Points per scroll page of `list` and `scanAll`. */
const PAGE = 256;
/** Ids per retrieve request. */
const LOOKUP_CHUNK = 512;
/** Document-frequency counts in flight at once in `termStats`. */
const COUNT_CONCURRENCY = 8;

/**
 * Qdrant implementation of {@link GlossaryStore}. Obtain one from
 * `QdrantStorage.openGlossaryStore`; the constructor is internal.
 *
 * @example
 * ```ts
 * const storage = await QdrantStorage.connect({ url: 'http://localhost:6333' });
 * const glossary = await storage.openGlossaryStore('default');
 * const hits = await glossary.search(queryVector, { agentId: 'support-bot', limit: 5 });
 * ```
 */
export class QdrantGlossaryStore implements GlossaryStore {
  /** The collection name. */
  readonly location: string;

  /** @internal Use `QdrantStorage.openGlossaryStore`; the collection must exist. */
  constructor(
    private readonly conn: QdrantConnection,
    readonly name: string,
    collection: string,
  ) {
    this.location = collection;
  }

  async upsert(entries: readonly StoredGlossaryEntry[]): Promise<void> {
    if (!Array.isArray(entries)) throw new InvalidInputError(`upsert expects an array of entries, got ${describe(entries)}`);
    const seen = new Set<string>();
    const points = entries.map((e, i) => {
      checkEntry(e, `entries[${i}]`);
      const id = e.id.toLowerCase();
      if (seen.has(id)) throw new InvalidInputError(`upsert: id ${e.id} appears twice in one batch`);
      seen.add(id);
      return toPoint(e);
    });
    this.conn.assertOpen(this.what());
    const c = this.location;
    const size = this.conn.options.writeBatchSize;
    for (let i = 0; i < points.length; i += size) {
      const chunk = points.slice(i, i + size);
      await this.conn.call('glossary.upsert', c, (cl) => cl.upsert(c, { wait: true, points: chunk }));
    }
  }

  async delete(ids: readonly string[]): Promise<number> {
    const wanted = checkIds(ids, 'delete');
    this.conn.assertOpen(this.what());
    if (wanted.length === 0) return 0;
    const c = this.location;
    let existed = 0;
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const chunk = wanted.slice(i, i + LOOKUP_CHUNK);
      // Count before deleting: Qdrant's delete does not say how many points it removed.
      const found = await this.conn.call('glossary.delete', c, (cl) => cl.retrieve(c, { ids: chunk, with_payload: false, with_vector: false }));
      existed += found.length;
      if (found.length > 0) {
        const present = found.map((p) => p.id);
        await this.conn.call('glossary.delete', c, (cl) => cl.delete(c, { wait: true, points: present }));
      }
    }
    return existed;
  }

  async get(ids: readonly string[]): Promise<(StoredGlossaryEntry | undefined)[]> {
    const wanted = checkIds(ids, 'get');
    this.conn.assertOpen(this.what());
    const c = this.location;
    const found = new Map<string, Schemas['Record']>();
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const chunk = wanted.slice(i, i + LOOKUP_CHUNK);
      const points = await this.conn.call('glossary.get', c, (cl) => cl.retrieve(c, { ids: chunk, with_payload: true, with_vector: false }));
      for (const p of points) found.set(String(p.id).toLowerCase(), p);
    }
    // Each position gets its own object, so callers may mutate one safely.
    return ids.map((id) => {
      const p = UUID.test(id) ? found.get(id.toLowerCase()) : undefined;
      return p === undefined ? undefined : this.toEntry(p);
    });
  }

  async list(agentId: string, opts: { category?: string } = {}): Promise<StoredGlossaryEntry[]> {
    checkAgentId(agentId);
    if (opts.category !== undefined && typeof opts.category !== 'string') {
      throw new InvalidInputError(`list: category must be a string, got ${describe(opts.category)}`);
    }
    this.conn.assertOpen(this.what());
    const must: Schemas['Condition'][] = [agentIs(agentId)];
    if (opts.category !== undefined) must.push({ key: 'category', match: { value: opts.category } });
    const out: StoredGlossaryEntry[] = [];
    for await (const page of this.scrollPages('glossary.list', { must }, PAGE)) out.push(...page);
    return out.sort(byKey);
  }

  async count(agentId: string): Promise<number> {
    checkAgentId(agentId);
    this.conn.assertOpen(this.what());
    const c = this.location;
    const res = await this.conn.call('glossary.count', c, (cl) => cl.count(c, { filter: { must: [agentIs(agentId)] }, exact: true }));
    return res.count;
  }

  async search(query: SparseVector, opts: { agentId: string; limit: number; scoreThreshold?: number }): Promise<GlossaryHit[]> {
    checkSparse(query, 'search: query');
    if (typeof opts !== 'object' || opts === null) throw new InvalidInputError(`search: opts must be { agentId, limit }, got ${describe(opts)}`);
    checkAgentId(opts.agentId);
    const { limit, scoreThreshold } = opts;
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidInputError(`search: limit must be a non-negative integer, got ${describe(limit)}`);
    if (limit > Limits.maxK) throw new LimitExceededError('limit', Limits.maxK, limit);
    if (scoreThreshold !== undefined && !Number.isFinite(scoreThreshold)) {
      throw new InvalidInputError(`search: scoreThreshold must be a finite number, got ${describe(scoreThreshold)}`);
    }
    this.conn.assertOpen(this.what());
    if (limit === 0 || query.indices.length === 0) return [];
    const c = this.location;
    const res = await this.conn.call('glossary.search', c, (cl) =>
      cl.query(c, {
        query: { indices: [...query.indices], values: [...query.values] },
        using: SPARSE_VECTOR_NAME,
        filter: { must: [agentIs(opts.agentId)] },
        limit,
        ...(scoreThreshold !== undefined ? { score_threshold: scoreThreshold } : {}),
        with_payload: true,
        with_vector: false,
      }),
    );
    const hits = res.points
      .map((p) => ({ entry: this.toHitEntry(p), score: p.score }))
      // The server applies the threshold too; this keeps ">=" whatever its rounding.
      .filter((h) => scoreThreshold === undefined || h.score >= scoreThreshold);
    return hits.sort((a, b) => b.score - a.score || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
  }

  async termStats(termIds: readonly number[]): Promise<TermStats> {
    if (!Array.isArray(termIds)) throw new InvalidInputError(`termStats expects an array of term ids, got ${describe(termIds)}`);
    termIds.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t > MAX_UINT32) {
        throw new InvalidInputError(`termStats: term id at index ${i} must be an integer in [0, ${MAX_UINT32}], got ${describe(t)}`);
      }
    });
    this.conn.assertOpen(this.what());
    const c = this.location;
    // N and n_t over the whole collection, all agents: what the `idf` modifier uses.
    const total = await this.conn.call('glossary.termStats', c, (cl) => cl.count(c, { exact: true }));
    const distinct = [...new Set(termIds)];
    const freq = new Map<number, number>();
    await forEachLimited(distinct, COUNT_CONCURRENCY, async (t) => {
      const res = await this.conn.call('glossary.termStats', c, (cl) =>
        cl.count(c, { filter: { must: [{ key: GLOSSARY_TERM_IDS_KEY, match: { value: t } }] }, exact: true }),
      );
      freq.set(t, res.count);
    });
    return { docCount: total.count, docFreqs: termIds.map((t) => freq.get(t) ?? 0) };
  }

  /**
   * Every entry of every agent, in pages of at most `pageSize`, in Qdrant's
   * point-id order. For migration and backups; not filtered by agent.
   */
  async *scanAll(pageSize = PAGE): AsyncIterable<StoredGlossaryEntry[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidInputError(`scanAll: pageSize must be a positive integer, got ${describe(pageSize)}`);
    this.conn.assertOpen(this.what());
    yield* this.scrollPages('glossary.scanAll', undefined, pageSize);
  }

  async clear(): Promise<void> {
    this.conn.assertOpen(this.what());
    const c = this.location;
    await this.conn.call('glossary.clear', c, (cl) => cl.delete(c, { wait: true, filter: {} }));
  }

  // --- internals ---

  private what(): string {
    return `Qdrant glossary store "${this.name}" (${this.location})`;
  }

  private async *scrollPages(operation: string, filter: Schemas['Filter'] | undefined, limit: number): AsyncIterable<StoredGlossaryEntry[]> {
    const c = this.location;
    let offset: string | number | undefined;
    const seen = new Set<string | number>();
    do {
      const page = await this.conn.call(operation, c, (cl) =>
        cl.scroll(c, {
          ...(filter ? { filter } : {}),
          limit,
          with_payload: true,
          with_vector: false,
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      offset = nextOffset(page.next_page_offset, seen, c);
      if (page.points.length > 0) yield page.points.map((p) => this.toEntry(p));
    } while (offset !== undefined);
  }

  private toEntry(p: { id: Schemas['ExtendedPointId']; payload?: Schemas['Payload'] | null }): StoredGlossaryEntry {
    const entry = this.toHitEntry(p);
    const terms = p.payload!.terms as { indices?: unknown; values?: unknown } | undefined;
    if (!terms || !Array.isArray(terms.indices) || !Array.isArray(terms.values) || terms.indices.length !== terms.values.length) {
      throw new CorruptDataError(this.location, `glossary point ${String(p.id)}: "terms" is not a sparse vector`);
    }
    return { ...entry, terms: { indices: [...(terms.indices as number[])], values: [...(terms.values as number[])] } };
  }

  /** The entry of a point without its term vector (what a search returns). @throws CorruptDataError naming the point */
  private toHitEntry(p: { id: Schemas['ExtendedPointId']; payload?: Schemas['Payload'] | null }): GlossaryHitEntry {
    const pl = p.payload;
    const bad = (what: string) => new CorruptDataError(this.location, `glossary point ${String(p.id)}: ${what}`);
    if (!pl) throw bad('no payload');
    const str = (k: string) => {
      const v = pl[k];
      if (typeof v !== 'string') throw bad(`"${k}" is not a string`);
      return v;
    };
    const aliases = pl.aliases;
    if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string')) throw bad('"aliases" is not an array of strings');
    const updatedAt = pl.updatedAt;
    if (typeof updatedAt !== 'number') throw bad('"updatedAt" is not a number');
    return {
      id: String(p.id),
      key: str('key'),
      value: str('value'),
      category: str('category'),
      aliases: [...(aliases as string[])],
      description: str('description'),
      agentId: str('agentId'),
      updatedAt,
    };
  }
}

function agentIs(agentId: string): Schemas['Condition'] {
  return { key: 'agentId', match: { value: agentId } };
}

function toPoint(e: StoredGlossaryEntry): Schemas['PointStruct'] {
  const terms = { indices: [...e.terms.indices], values: [...e.terms.values] };
  return {
    id: e.id,
    vector: { [SPARSE_VECTOR_NAME]: terms },
    payload: {
      agentId: e.agentId,
      key: e.key,
      value: e.value,
      category: e.category,
      aliases: [...e.aliases],
      description: e.description,
      updatedAt: e.updatedAt,
      terms,
    },
  };
}

/** Sort order of `list`: code-unit order of the lowercased key, then of the key. */
function byKey(a: StoredGlossaryEntry, b: StoredGlossaryEntry): number {
  const la = a.key.toLowerCase();
  const lb = b.key.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function checkAgentId(agentId: unknown): asserts agentId is string {
  if (typeof agentId !== 'string' || agentId.length === 0) {
    throw new InvalidInputError(`agentId must be a non-empty string, got ${describe(agentId)}`);
  }
  if (agentId.length > Limits.maxAgentIdLength) throw new LimitExceededError('agentId length', Limits.maxAgentIdLength, agentId.length);
}

/** Valid ids, deduplicated and lowercased (Qdrant answers UUIDs in lowercase); strings that are no UUID cannot be stored, so they are skipped. */
function checkIds(ids: unknown, where: string): string[] {
  if (!Array.isArray(ids)) throw new InvalidInputError(`${where} expects an array of ids, got ${describe(ids)}`);
  const out = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string') throw new InvalidInputError(`${where}: id at index ${i} must be a string, got ${describe(id)}`);
    if (UUID.test(id)) out.add(id.toLowerCase());
  });
  return [...out];
}

function checkSparse(v: unknown, where: string): asserts v is SparseVector {
  const s = v as Partial<SparseVector> | null;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.indices) || !Array.isArray(s.values)) {
    throw new InvalidInputError(`${where} must be { indices: number[], values: number[] }, got ${describe(v)}`);
  }
  if (s.indices.length !== s.values.length) {
    throw new InvalidInputError(`${where} has ${s.indices.length} indices but ${s.values.length} values; expected equal lengths`);
  }
  const seen = new Set<number>();
  for (let i = 0; i < s.indices.length; i++) {
    const t = s.indices[i];
    if (!Number.isInteger(t) || (t as number) < 0 || (t as number) > MAX_UINT32) {
      throw new InvalidInputError(`${where}: index at ${i} must be an integer in [0, ${MAX_UINT32}], got ${describe(t)}`);
    }
    if (seen.has(t as number)) throw new InvalidInputError(`${where}: term id ${t} appears twice; a sparse vector has unique indices`);
    seen.add(t as number);
    if (!Number.isFinite(s.values[i])) throw new InvalidInputError(`${where}: value at ${i} must be a finite number, got ${describe(s.values[i])}`);
  }
}

function checkEntry(e: unknown, where: string): asserts e is StoredGlossaryEntry {
  if (typeof e !== 'object' || e === null) throw new InvalidInputError(`upsert: ${where} must be an entry, got ${describe(e)}`);
  const x = e as Partial<StoredGlossaryEntry>;
  if (typeof x.id !== 'string' || !UUID.test(x.id)) throw new InvalidInputError(`upsert: ${where}.id must be a UUID, got ${describe(x.id)}`);
  for (const f of ['key', 'value', 'category', 'description'] as const) {
    if (typeof x[f] !== 'string') throw new InvalidInputError(`upsert: ${where}.${f} must be a string, got ${describe(x[f])}`);
  }
  checkAgentId(x.agentId);
  if (!Array.isArray(x.aliases) || !x.aliases.every((a) => typeof a === 'string')) {
    throw new InvalidInputError(`upsert: ${where}.aliases must be an array of strings, got ${describe(x.aliases)}`);
  }
  if (typeof x.updatedAt !== 'number' || !Number.isFinite(x.updatedAt)) {
    throw new InvalidInputError(`upsert: ${where}.updatedAt must be a finite number, got ${describe(x.updatedAt)}`);
  }
  checkSparse(x.terms, `upsert: ${where}.terms`);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
