/**
 * LangGraph long-term memory (`BaseStore`) over a SemanticRoutingMemory.
 */
import { BaseStore } from '@langchain/langgraph-checkpoint';
import type { Item, Operation, OperationResults, SearchItem } from '@langchain/langgraph-checkpoint';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import {
  CorruptDataError,
  DimensionMismatchError,
  InvalidConfigError,
  Limits,
  SemanticRoutingMemory,
  matchesFilter,
} from '@srm/core';
import type { MemoryItem, PayloadFilter, SRMOptions, StorageBackend } from '@srm/core';
import { extractIndexTexts, tokenizeFieldPath } from './index-fields.js';
import { compareNamespaces, decodeNamespace, encodeNamespace, matchesCondition, validateWriteNamespace } from './namespace.js';
import { prepareOperations } from './operations.js';
import type { PreparedList, PreparedOperation, PreparedPut, PreparedSearch } from './operations.js';
import { RECORD_FORMAT_VERSION, extraRecordId, mainRecordId, mainRecordIdOf, placeholderVector, recordPayload } from './records.js';
import type { StoreRecordPayload } from './records.js';

/** Semantic index of an {@link SRMStore}; the same shape as LangGraph's `IndexConfig`. */
export interface SRMStoreIndexConfig {
  /** Embedding dimension; must equal the memory's `d`. */
  dims: number;
  /** The model that embeds item texts and queries. */
  embeddings: EmbeddingsInterface;
  /**
   * Paths of the texts to embed, e.g. `["text"]`, `["title", "tags[*]"]`.
   * Default `["$"]`: the whole value as JSON. A put's own `index` array overrides it.
   */
  fields?: string[];
}

/** Options of {@link SRMStore}. All optional. */
export interface SRMStoreOptions {
  /** Semantic index. Without it, items are stored and listed but `search` ignores `query`. */
  index?: SRMStoreIndexConfig;
  /**
   * A memory to store items in. Its `d` must equal `index.dims` (or be 1 without an index).
   * The store does not close an injected memory. Give the store its own memory: it keeps a
   * namespace cache that writes by others would make stale.
   */
  memory?: SemanticRoutingMemory;
  /** Directory of an embedded, durable memory; created if missing. Default: in memory. */
  path?: string;
  /** A storage backend of `@srm/core` (embedded or Qdrant) for the memory; not closed by the store. Exclusive with `path`. */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"langgraph-store"`, so a vector store's `"default"` memory can share the backend. */
  name?: string;
  /** Options of the memory the store creates (ignored with `memory`). `d` comes from `index.dims`. */
  srm?: Omit<SRMOptions, 'd'>;
}

/** Name of the store's memory inside its backend, unless `name` is given. */
export const DEFAULT_STORE_NAME = 'langgraph-store';

/** Page size of full scans (listing without a query, namespace cache). */
const SCAN_PAGE = 1024;

type ResultValue = Item | SearchItem[] | string[][] | null | undefined;

function toItem(payload: StoreRecordPayload): Item {
  return {
    namespace: decodeNamespace(payload.ns),
    key: payload.key,
    value: payload.value,
    createdAt: new Date(payload.createdAt),
    updatedAt: new Date(payload.updatedAt),
  };
}

function readPayload(item: MemoryItem): StoreRecordPayload {
  const p = item.payload as Partial<StoreRecordPayload>;
  if (p.v !== RECORD_FORMAT_VERSION || typeof p.ns !== 'string' || typeof p.key !== 'string') {
    throw new CorruptDataError(`SRMStore record ${item.id}`, `unknown record layout (v=${JSON.stringify(p.v)}); expected v=${RECORD_FORMAT_VERSION}`);
  }
  return p as StoreRecordPayload;
}

function and(...filters: (PayloadFilter | undefined)[]): PayloadFilter {
  return { and: filters.filter((f): f is PayloadFilter => f !== undefined) };
}

/**
 * LangGraph long-term memory backed by {@link SemanticRoutingMemory}: namespaced
 * `put` / `get` / `delete`, semantic `search` with filters, and `listNamespaces`.
 * Works as `createAgent({ store })` and `graph.compile({ store })`.
 *
 * - **Namespaces** are encoded as JSON label arrays, so no label (with `:`, `/`,
 *   quotes, ...) can make one namespace read another's items.
 * - **Indexing** follows LangGraph's InMemoryStore: each text at the index
 *   `fields` is embedded, and an item scores as its best text. Items put with
 *   `index: false`, or without an index config, are stored with a placeholder
 *   vector: `get` and listings see them, semantic search ranks them after every
 *   scored item (with `score` undefined), as InMemoryStore does.
 * - **Batches** run in order, as if each operation ran alone: a `get` after a
 *   `put` of the same key in one batch sees the new value. Consecutive puts are
 *   embedded together and written in one durable step. Every operation is
 *   validated, and every text embedded, before anything is written.
 * - **Values** are stored as JSON (dates become strings).
 * - **Filters**: equality (`{ kind: "note" }`), LangGraph's operators
 *   (`$eq $ne $gt $gte $lt $lte $in $nin`, plus `$exists $contains`, `$and $or $not`),
 *   or the core filter AST, on the item's value.
 *
 * @example
 * ```ts
 * const store = new SRMStore({ index: { dims: 100, embeddings: new GloveEmbeddings(), fields: ['text'] } });
 * await store.put(['users', 'alice'], 'pref-1', { text: 'likes dark roast coffee' });
 * const hits = await store.search(['users', 'alice'], { query: 'what does she drink?' });
 * ```
 */
export class SRMStore extends BaseStore {
  private readonly indexConfig_: (SRMStoreIndexConfig & { fields: string[] }) | undefined;
  private readonly d: number;
  private readonly ownsMemory: boolean;
  private readonly options: SRMStoreOptions;
  private memoryPromise: Promise<SemanticRoutingMemory> | undefined;
  /** Encoded namespace -> item count; loaded by the first listNamespaces, then kept up to date. */
  private namespaceCounts: Map<string, number> | undefined;
  /** Batches run one at a time, in arrival order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: SRMStoreOptions = {}) {
    super();
    this.options = options;
    const { index } = options;
    if (index !== undefined) {
      if (!Number.isInteger(index.dims) || index.dims < 1 || index.dims > Limits.maxDimension) {
        throw new InvalidConfigError('index.dims', `expected an integer in [1, ${Limits.maxDimension}], got ${JSON.stringify(index.dims)}`);
      }
      if (typeof index.embeddings?.embedDocuments !== 'function' || typeof index.embeddings?.embedQuery !== 'function') {
        throw new InvalidConfigError('index.embeddings', 'expected an Embeddings object with embedDocuments and embedQuery');
      }
      const fields = index.fields ?? ['$'];
      if (!Array.isArray(fields)) throw new InvalidConfigError('index.fields', 'expected an array of field paths');
      fields.forEach((f) => tokenizeFieldPath(f));
      this.indexConfig_ = { ...index, fields: [...fields] };
    }
    // Without an index every vector is the placeholder, so one dimension is enough.
    this.d = index?.dims ?? 1;
    if (options.path !== undefined && options.storage !== undefined) {
      throw new InvalidConfigError('storage', 'give either `path` (an embedded memory the store opens) or `storage`, not both');
    }
    this.ownsMemory = options.memory === undefined;
    if (options.memory) {
      if (options.memory.config.d !== this.d) {
        throw new InvalidConfigError('memory', `the memory has d=${options.memory.config.d}, the store needs d=${this.d}${index ? ' (index.dims)' : ' (no index)'}`);
      }
      this.memoryPromise = Promise.resolve(options.memory);
    }
  }

  /**
   * Creates a store and opens its memory now, so that a bad path or a
   * dimension mismatch shows here rather than at the first operation.
   */
  static async open(options: SRMStoreOptions = {}): Promise<SRMStore> {
    const store = new SRMStore(options);
    await store.memory();
    return store;
  }

  /** The index configuration, with `fields` defaulted; undefined without one. */
  get indexConfig(): Readonly<SRMStoreIndexConfig & { fields: string[] }> | undefined {
    return this.indexConfig_;
  }

  /** The underlying memory (opened on first use). */
  async memory(): Promise<SemanticRoutingMemory> {
    if (!this.memoryPromise) {
      const srm: SRMOptions = this.indexConfig_
        ? { ...this.options.srm, d: this.d }
        : // Identical placeholder vectors: one bucket is all the routing there is.
          { rerank: 'float32', ...this.options.srm, d: 1, K: 1, m: 1 };
      const name = this.options.name ?? DEFAULT_STORE_NAME;
      const opening = this.options.path
        ? SemanticRoutingMemory.open({ ...srm, name, path: this.options.path })
        : this.options.storage
          ? SemanticRoutingMemory.open({ ...srm, name, storage: this.options.storage })
          : Promise.resolve(new SemanticRoutingMemory(srm));
      this.memoryPromise = opening.then((memory) => {
        if (memory.config.d !== this.d) {
          void memory.close();
          throw new InvalidConfigError('path', `the memory at ${this.options.path} has d=${memory.config.d}, the store needs d=${this.d}`);
        }
        return memory;
      });
      this.memoryPromise.catch(() => {
        this.memoryPromise = undefined;
      });
    }
    return this.memoryPromise;
  }

  /** Closes the memory if this store created it. The store cannot be used afterwards. */
  async close(): Promise<void> {
    await this.tail;
    if (this.ownsMemory && this.memoryPromise) await (await this.memoryPromise).close();
  }

  /**
   * Stores `value` under `namespace` and `key` (see the class notes for `index`).
   * @throws InvalidInputError for a bad namespace, key or value (LangGraph's own check would throw a
   *   TypeError for a namespace that is not an array).
   */
  override async put(namespace: string[], key: string, value: Record<string, unknown>, index?: false | string[]): Promise<void> {
    validateWriteNamespace(namespace);
    await this.batch([{ namespace, key, value, index }]);
  }

  /**
   * Runs a batch of get / search / put / listNamespaces operations in order.
   * @throws InvalidInputError / LimitExceededError for a malformed operation (nothing is written);
   *   DimensionMismatchError when the embeddings return vectors of the wrong size (nothing is written);
   *   core storage errors unchanged.
   */
  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const run = this.tail.then(() => this.runBatch(operations));
    this.tail = run.catch(() => undefined);
    return run as Promise<OperationResults<Op>>;
  }

  private async runBatch(operations: readonly Operation[]): Promise<ResultValue[]> {
    const prepared = prepareOperations(operations);
    const memory = await this.memory();
    const vectors = await this.embedAll(prepared);
    const results: ResultValue[] = new Array(prepared.length);
    let puts: PreparedPut[] = [];
    const flush = async () => {
      if (puts.length > 0) await this.applyPuts(memory, puts, vectors.documents);
      puts = [];
    };
    for (let i = 0; i < prepared.length; i++) {
      const op = prepared[i]!;
      if (op.kind === 'put') {
        puts.push(op);
        results[i] = undefined;
        continue;
      }
      await flush();
      if (op.kind === 'get') results[i] = await this.getOne(memory, op.namespace, op.key);
      else if (op.kind === 'search') results[i] = await this.searchOne(memory, op, op.query ? vectors.queries.get(op.query) : undefined);
      else results[i] = await this.listNamespacesOne(memory, op);
    }
    await flush();
    return results;
  }

  /** The texts each put should embed: none without an index or with `index: false`. */
  private textsOf(op: PreparedPut) {
    if (op.value === null || op.index === false || !this.indexConfig_) return [];
    return extractIndexTexts(op.value, op.index ?? this.indexConfig_.fields);
  }

  /** Embeds every put text and query of the batch, and checks the dimensions, before any write. */
  private async embedAll(ops: readonly PreparedOperation[]) {
    const documents = new Map<string, Float32Array>();
    const queries = new Map<string, Float32Array>();
    const index = this.indexConfig_;
    if (!index) return { documents, queries };
    const docTexts = new Set<string>();
    const queryTexts = new Set<string>();
    for (const op of ops) {
      if (op.kind === 'put') for (const t of this.textsOf(op)) docTexts.add(t.text);
      if (op.kind === 'search' && op.query) queryTexts.add(op.query);
    }
    const check = (v: number[], text: string): Float32Array => {
      if (!Array.isArray(v) || v.length !== this.d) {
        throw new DimensionMismatchError(this.d, Array.isArray(v) ? v.length : 0, `embedding of ${JSON.stringify(text.slice(0, 40))}`);
      }
      return Float32Array.from(v);
    };
    if (docTexts.size > 0) {
      const texts = [...docTexts];
      const embedded = await index.embeddings.embedDocuments(texts);
      texts.forEach((t, i) => documents.set(t, check(embedded[i]!, t)));
    }
    for (const q of queryTexts) queries.set(q, check(await index.embeddings.embedQuery(q), q));
    return { documents, queries };
  }

  private async getOne(memory: SemanticRoutingMemory, namespace: string[], key: string): Promise<Item | null> {
    const [found] = await memory.get([mainRecordId(namespace, key)], { ignoreMissing: true });
    return found ? toItem(readPayload(found)) : null;
  }

  /** Applies consecutive puts: upserts in one durable step, then removes records that no longer exist. */
  private async applyPuts(memory: SemanticRoutingMemory, ops: PreparedPut[], embedded: Map<string, Float32Array>): Promise<void> {
    // Last write of a key wins, at the position of its first write.
    const byId = new Map<string, PreparedPut>();
    for (const op of ops) byId.set(mainRecordId(op.namespace, op.key), op);
    const ids = [...byId.keys()];
    const existing = await memory.get(ids, { ignoreMissing: true });
    const now = Date.now();
    const upsertIds: string[] = [];
    const upsertVectors: Float32Array[] = [];
    const upsertPayloads: StoreRecordPayload[] = [];
    const deleteIds: string[] = [];
    const countDelta = new Map<string, number>();
    ids.forEach((id, i) => {
      const op = byId.get(id)!;
      const old = existing[i] ? readPayload(existing[i]!) : undefined;
      const oldVectors = old?.vectors ?? 0;
      const nsKey = encodeNamespace(op.namespace);
      if (op.value === null) {
        if (!old) return;
        deleteIds.push(id);
        for (let j = 1; j < oldVectors; j++) deleteIds.push(extraRecordId(id, j));
        countDelta.set(nsKey, (countDelta.get(nsKey) ?? 0) - 1);
        return;
      }
      if (!old) countDelta.set(nsKey, (countDelta.get(nsKey) ?? 0) + 1);
      const texts = this.textsOf(op);
      const item = { namespace: op.namespace, key: op.key, value: op.value, createdAt: old?.createdAt ?? now, updatedAt: now };
      if (texts.length === 0) {
        upsertIds.push(id);
        upsertVectors.push(placeholderVector(this.d));
        upsertPayloads.push(recordPayload(item, { main: true, indexed: false, vectors: 0 }));
      } else {
        texts.forEach((t, j) => {
          upsertIds.push(j === 0 ? id : extraRecordId(id, j));
          upsertVectors.push(embedded.get(t.text)!);
          upsertPayloads.push(recordPayload(item, { main: j === 0, indexed: true, vectors: texts.length }));
        });
      }
      for (let j = Math.max(1, texts.length); j < oldVectors; j++) deleteIds.push(extraRecordId(id, j));
    });
    if (upsertIds.length > 0) await memory.add(upsertVectors, { ids: upsertIds, payloads: upsertPayloads });
    if (deleteIds.length > 0) await memory.delete(deleteIds, { ignoreMissing: true });
    if (this.namespaceCounts) {
      for (const [ns, delta] of countDelta) {
        const n = (this.namespaceCounts.get(ns) ?? 0) + delta;
        if (n > 0) this.namespaceCounts.set(ns, n);
        else this.namespaceCounts.delete(ns);
      }
    }
  }

  /** Every main record whose payload matches `filter`, newest first. */
  private async listItems(memory: SemanticRoutingMemory, filter: PayloadFilter): Promise<StoreRecordPayload[]> {
    const out: StoreRecordPayload[] = [];
    for await (const page of memory.items(SCAN_PAGE)) {
      for (const it of page) {
        const p = readPayload(it);
        if (p.main && matchesFilter(p, filter)) out.push(p);
      }
    }
    // Newest first, then by key: a stable order for pagination.
    return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async searchOne(memory: SemanticRoutingMemory, op: PreparedSearch, queryVector: Float32Array | undefined): Promise<SearchItem[]> {
    if (op.limit === 0) return [];
    const scope = and(op.prefix.length > 0 ? { field: 'nsPrefixes', op: 'contains', value: encodeNamespace(op.prefix) } : undefined, op.filter);
    if (!queryVector) {
      const items = await this.listItems(memory, scope);
      return items.slice(op.offset, op.offset + op.limit).map((p) => toItem(p));
    }
    const want = op.offset + op.limit;
    const indexedScope = and(scope, { field: 'indexed', op: 'eq', value: true });
    // An item may have several records; fetch more until `want` distinct items or the hits run out.
    let k = Math.min(Limits.maxK, want);
    let ranked: { id: string; score: number }[] = [];
    for (;;) {
      const hits = await memory.query(queryVector, { k, filter: indexedScope });
      const seen = new Set<string>();
      ranked = [];
      for (const h of hits) {
        const p = h.payload as StoreRecordPayload;
        const id = mainRecordIdOf(p.ns, p.key);
        if (seen.has(id)) continue;
        seen.add(id);
        ranked.push({ id, score: h.score });
      }
      if (ranked.length >= want || hits.length < k || k >= Limits.maxK) break;
      k = Math.min(Limits.maxK, k * 2);
    }
    const page = ranked.slice(op.offset, want);
    // Read the value from the main record: it is the authority for the item.
    const mains = await memory.get(page.map((r) => r.id), { ignoreMissing: true });
    const results: SearchItem[] = [];
    page.forEach((r, i) => {
      if (mains[i]) results.push({ ...toItem(readPayload(mains[i]!)), score: r.score });
    });
    if (ranked.length < want) {
      // Scored items ran out: unscored items (never embedded) follow, as in InMemoryStore.
      const unscored = await this.listItems(memory, and(scope, { field: 'indexed', op: 'eq', value: false }));
      const skip = Math.max(0, op.offset - ranked.length);
      for (const p of unscored.slice(skip, skip + op.limit - results.length)) results.push({ ...toItem(p), score: undefined });
    }
    return results;
  }

  private async loadNamespaceCounts(memory: SemanticRoutingMemory): Promise<Map<string, number>> {
    if (!this.namespaceCounts) {
      const counts = new Map<string, number>();
      for await (const page of memory.items(SCAN_PAGE)) {
        for (const it of page) {
          const p = readPayload(it);
          if (p.main) counts.set(p.ns, (counts.get(p.ns) ?? 0) + 1);
        }
      }
      this.namespaceCounts = counts;
    }
    return this.namespaceCounts;
  }

  private async listNamespacesOne(memory: SemanticRoutingMemory, op: PreparedList): Promise<string[][]> {
    const counts = await this.loadNamespaceCounts(memory);
    const found = new Map<string, string[]>();
    for (const encoded of counts.keys()) {
      const ns = decodeNamespace(encoded);
      if (!op.conditions.every((c) => matchesCondition(ns, c))) continue;
      const cut = op.maxDepth === undefined ? ns : ns.slice(0, op.maxDepth);
      found.set(encodeNamespace(cut), cut);
    }
    return [...found.values()].sort(compareNamespaces).slice(op.offset, op.offset + op.limit);
  }
}
