/**
 * LangChain `VectorStore` over a SemanticRoutingMemory.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Document } from '@langchain/core/documents';
import type { DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { SaveableVectorStore } from '@langchain/core/vectorstores';
import type { MaxMarginalRelevanceSearchOptions } from '@langchain/core/vectorstores';
import { DimensionMismatchError, EmbeddedStorage, InvalidConfigError, InvalidInputError, Limits, NotFoundError, SemanticRoutingMemory } from '@srm/core';
import type { FilterInput, Payload, PayloadFilter, QueryHit, SRMOptions, StorageBackend } from '@srm/core';
import { translateMetadataFilter } from './metadata-filter.js';
import type { MetadataFilter } from './metadata-filter.js';
import { MANIFEST_FILE, readManifest, writeManifest } from './vectorstore-manifest.js';

/**
 * A filter of {@link SRMVectorStore}: a metadata filter object (equality
 * shorthand, Mongo-like `$` operators, or the core filter AST; fields are
 * metadata fields) or a predicate over documents, which runs in process.
 */
export type SRMVectorStoreFilter = MetadataFilter | ((doc: Document) => boolean);

/** Options of {@link SRMVectorStore}. All optional. */
export interface SRMVectorStoreArgs {
  /** A memory to use. The store does not close an injected memory. */
  memory?: SemanticRoutingMemory;
  /**
   * Directory of an embedded, durable memory. A memory already there is opened by the first
   * call (read or write), at its stored `d`; otherwise the first document creates it (or the
   * constructor, when `srm.d` is given). The store opens the directory and closes it on
   * {@link SRMVectorStore.close}. Default: in memory.
   */
  path?: string;
  /**
   * A storage backend of `@srm/core` (embedded or Qdrant) holding the memory `name`, opened
   * or created as with `path`; the store does not close it. Exclusive with `path`. One
   * `EmbeddedStorage` can hold this store, an `SRMStore` and a glossary, each under its own name.
   */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"default"`. */
  name?: string;
  /** Options of the memory the store creates. `d` defaults to the first vectors' length. */
  srm?: Partial<SRMOptions>;
}

/** Name of the store's memory inside its backend, unless `name` is given. */
export const DEFAULT_MEMORY_NAME = 'default';

/** What is stored as the SRM payload of a document. */
interface DocumentPayload extends Payload {
  pageContent: string;
  metadata: Record<string, unknown>;
  /** Insertion order (each add gives new ones): breaks exact score ties. Absent in documents of earlier releases. */
  order?: number;
}

type QueryFilter = FilterInput | ((p: Payload) => boolean) | undefined;

const orderOf = (payload: Payload): number => (typeof payload.order === 'number' ? payload.order : 0);

/**
 * The `k` nearest items, best first, exact score ties in insertion order (MemoryVectorStore's
 * order): asks the memory for more until every hit tied with the k-th is seen.
 */
async function rankedHits(memory: SemanticRoutingMemory, vector: number[], k: number, filter: QueryFilter, withVectors = false): Promise<QueryHit[]> {
  let fetch = Math.min(Limits.maxK, k + 1);
  for (;;) {
    const hits = await memory.query(vector, { k: fetch, filter, withVectors });
    const cut = hits[k - 1]?.score;
    if (hits.length < fetch || fetch >= Limits.maxK || cut === undefined || hits[hits.length - 1]!.score < cut) {
      return hits.sort((a, b) => b.score - a.score || orderOf(a.payload) - orderOf(b.payload)).slice(0, k);
    }
    fetch = Math.min(Limits.maxK, fetch * 2);
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x) ?? String(x)}`;
}

function toDocument(id: string | undefined, payload: Payload): Document {
  const p = payload as Partial<DocumentPayload>;
  return new Document({
    ...(id === undefined ? {} : { id }),
    pageContent: typeof p.pageContent === 'string' ? p.pageContent : '',
    metadata: (p.metadata ?? {}) as Record<string, unknown>,
  });
}

/**
 * Turns a store filter into what `SemanticRoutingMemory.query` takes.
 * @throws InvalidInputError when `filter` is neither a filter object nor a function.
 */
export function toQueryFilter(filter: unknown): PayloadFilter | ((payload: Payload) => boolean) | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === 'function') {
    const predicate = filter as (doc: Document) => boolean;
    return (payload) => Boolean(predicate(toDocument(undefined, payload)));
  }
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    throw new InvalidInputError(`filter must be a metadata filter object or a function (doc) => boolean, got ${describe(filter)}`);
  }
  return translateMetadataFilter(filter, 'metadata');
}

function checkQueryText(query: unknown): void {
  if (typeof query !== 'string') throw new InvalidInputError(`query must be a string, got ${describe(query)}`);
  if (query.trim().length === 0) throw new InvalidInputError('query text is empty');
}

function checkK(k: unknown, name = 'k'): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new InvalidInputError(`${name} must be an integer >= 0, got ${describe(k)}`);
  if (k > Limits.maxK) throw new InvalidInputError(`${name} is ${k}, the maximum is ${Limits.maxK}`);
  return k;
}

/**
 * A LangChain vector store backed by {@link SemanticRoutingMemory}: a dense
 * memory that keeps only a small routing layer in RAM, with the full vectors
 * in embedded (SQLite) or Qdrant storage.
 *
 * Documents are stored as `{ pageContent, metadata }` payloads under their ids
 * (`options.ids`, else `doc.id`, else a new UUID). Re-adding an id replaces the
 * document. Returned documents carry their `id`; inputs are never mutated.
 * Scores are cosine similarities (higher is closer) unless the memory uses `dot`; exact
 * ties come in insertion order, as from MemoryVectorStore. A memory already stored at
 * `path` or in `storage` is opened by the first call, so a reopened store sees its documents.
 *
 * @example
 * ```ts
 * const store = await SRMVectorStore.fromTexts(['foo', 'bar'], [{ n: 1 }, { n: 2 }], embeddings);
 * const [doc] = await store.similaritySearch('bar', 1, { n: { $gte: 2 } });
 * const retriever = store.asRetriever({ k: 4, searchType: 'mmr' });
 * ```
 */
export class SRMVectorStore extends SaveableVectorStore {
  declare FilterType: SRMVectorStoreFilter;

  private memoryPromise: Promise<SemanticRoutingMemory> | undefined;
  /** The embedded storage at `path`, opened by this store (and closed by it). */
  private storagePromise: Promise<StorageBackend> | undefined;
  private readonly ownsMemory: boolean;
  private readonly path: string | undefined;
  private readonly storage: StorageBackend | undefined;
  private readonly name: string;
  private readonly srmOptions: Partial<SRMOptions>;

  /** The last insertion order given out. */
  private lastOrder = 0;

  /** A new insertion order: the clock in microseconds, strictly increasing within the process. */
  private nextOrder(): number {
    this.lastOrder = Math.max(Date.now() * 1000, this.lastOrder + 1);
    return this.lastOrder;
  }

  /** Called by LangChain during construction, so it reads no instance field. */
  _vectorstoreType(): string {
    return 'srm';
  }

  constructor(embeddings: EmbeddingsInterface, args: SRMVectorStoreArgs = {}) {
    super(embeddings, {});
    if (args.path !== undefined && args.storage !== undefined) {
      throw new InvalidConfigError('storage', 'give either `path` (an embedded memory the store opens) or `storage`, not both');
    }
    this.path = args.path === undefined ? undefined : resolve(args.path);
    this.storage = args.storage;
    this.name = args.name ?? DEFAULT_MEMORY_NAME;
    this.srmOptions = { ...args.srm };
    this.ownsMemory = args.memory === undefined;
    if (args.memory) this.memoryPromise = Promise.resolve(args.memory);
    else if (this.srmOptions.d !== undefined) {
      // Opened now; a failure (bad option, locked directory) is kept and reported by every call.
      this.ensureMemory(this.srmOptions.d, false).catch(() => undefined);
    }
  }

  /**
   * The memory, opened if it exists in the store's `path` or `storage`. Undefined only
   * while a new store has no document yet: the first add creates the memory.
   */
  async memory(): Promise<SemanticRoutingMemory | undefined> {
    return this.existingMemory();
  }

  /**
   * The memory if it exists: already open, or stored under the store's name in its
   * backend (then opened at its stored `d`). Every read goes through here, so a store
   * reopened after a restart sees its documents before any write.
   */
  private async existingMemory(): Promise<SemanticRoutingMemory | undefined> {
    if (this.memoryPromise) return this.memoryPromise;
    const backend = await this.backend(false);
    if (this.memoryPromise) return this.memoryPromise; // opened by a concurrent call meanwhile
    if (!backend || !(await backend.describeSrmStore(this.name))) return undefined;
    return this.ensureMemory(undefined);
  }

  /**
   * The backend of the memory: the injected `storage`, or the embedded storage at `path`.
   * Without `create`, a `path` that does not exist yet is not created (a read finds nothing there).
   */
  private async backend(create: boolean): Promise<StorageBackend | undefined> {
    if (this.storage || !this.path) return this.storage;
    if (!this.storagePromise) {
      if (!create && !existsSync(this.path)) return undefined;
      const opening = EmbeddedStorage.open(this.path);
      this.storagePromise = opening;
      opening.catch(() => {
        if (this.storagePromise === opening) this.storagePromise = undefined;
      });
    }
    return this.storagePromise;
  }

  /**
   * Opens or creates the memory once: at dimension `d`, or, without it, an existing memory
   * at its stored `d`. With `retry`, a failure (e.g. bad first vectors) lets a later call try again.
   */
  private ensureMemory(d: number | undefined, retry = true): Promise<SemanticRoutingMemory> {
    if (!this.memoryPromise) {
      const opening = this.openMemory(d);
      this.memoryPromise = opening;
      if (retry) {
        opening.catch(() => {
          if (this.memoryPromise === opening) this.memoryPromise = undefined;
        });
      }
    }
    return this.memoryPromise;
  }

  private async openMemory(d: number | undefined): Promise<SemanticRoutingMemory> {
    const options = d === undefined ? this.srmOptions : { ...this.srmOptions, d };
    const backend = await this.backend(true);
    if (!backend) return new SemanticRoutingMemory(options as SRMOptions);
    const memory = await SemanticRoutingMemory.open({ ...options, name: this.name, storage: backend });
    // The manifest lets `load` find the options; an existing one (maybe with more options) is kept.
    if (this.path && !readManifest(this.path)) writeManifest(this.path, { ...this.srmOptions, d: memory.config.d });
    return memory;
  }

  /** Number of stored documents. */
  async count(): Promise<number> {
    const memory = await this.existingMemory();
    return memory?.size ?? 0;
  }

  /**
   * Stores documents with the given vectors.
   * @param options.ids one id per document; overrides `doc.id`. Missing ids become new UUIDs.
   * @returns the ids, aligned with `documents`.
   * @throws InvalidInputError when the counts differ, an id is not a string, or ids repeat in the batch;
   *   DimensionMismatchError (from the memory) for a vector of the wrong length. Nothing is stored then.
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    if (!Array.isArray(vectors) || !Array.isArray(documents)) throw new InvalidInputError('addVectors expects arrays of vectors and documents');
    if (vectors.length !== documents.length) {
      throw new InvalidInputError(`addVectors got ${vectors.length} vectors for ${documents.length} documents`);
    }
    const given = options?.ids;
    if (given !== undefined && (!Array.isArray(given) || given.length !== documents.length)) {
      const got = Array.isArray(given) ? given.length : describe(given);
      throw new InvalidInputError(`options.ids must have one id per document (${documents.length}), got ${got}`);
    }
    const payloads: DocumentPayload[] = [];
    const ids = documents.map((doc, i) => {
      if (doc === null || typeof doc !== 'object' || typeof doc.pageContent !== 'string') {
        throw new InvalidInputError(`document ${i} must have a string pageContent, got ${describe(doc?.pageContent)}`);
      }
      const metadata = doc.metadata ?? {};
      if (typeof metadata !== 'object' || Array.isArray(metadata))
        throw new InvalidInputError(`document ${i}: metadata must be an object, got ${describe(metadata)}`);
      payloads.push({ pageContent: doc.pageContent, metadata });
      const id = given?.[i] ?? doc.id ?? randomUUID();
      if (typeof id !== 'string' || id.length === 0) throw new InvalidInputError(`id of document ${i} must be a non-empty string, got ${describe(id)}`);
      return id;
    });
    if (documents.length === 0) return [];
    const lengths = vectors.map((v) => (Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<number>).length : -1));
    const d = (await this.existingMemory())?.config.d ?? lengths[0]!;
    // Checked here too, so that a store that creates its memory lazily never fixes d from a bad batch.
    lengths.forEach((len, i) => {
      if (len === -1) throw new InvalidInputError(`vector ${i} must be an array of numbers, got ${describe(vectors[i])}`);
      if (len !== d) throw new DimensionMismatchError(d, len, `vector ${i}`);
    });
    const memory = await this.ensureMemory(d);
    for (const payload of payloads) payload.order = this.nextOrder();
    return memory.add(vectors, { ids, payloads });
  }

  /**
   * Embeds and stores documents.
   * @throws InvalidInputError for a blank `pageContent` (before anything is embedded);
   *   see {@link addVectors} for the rest.
   */
  async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    if (!Array.isArray(documents)) throw new InvalidInputError(`addDocuments expects an array of documents, got ${describe(documents)}`);
    const texts = documents.map((doc, i) => {
      const text = doc?.pageContent;
      if (typeof text !== 'string') throw new InvalidInputError(`document ${i} must have a string pageContent, got ${describe(text)}`);
      if (text.trim().length === 0) throw new InvalidInputError(`document ${i} has an empty pageContent; there is nothing to embed`);
      return text;
    });
    if (texts.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(texts);
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      throw new InvalidInputError(`the embeddings returned ${Array.isArray(vectors) ? vectors.length : describe(vectors)} vectors for ${texts.length} texts`);
    }
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Deletes documents by id, or every document whose metadata matches `filter` (the filter of
   * the searches; as LangChain's Qdrant store). Ids that are not stored are ignored. A filter
   * object runs in the memory's store (`deleteWhere`); a function filter reads every document.
   * @throws InvalidInputError unless exactly one of `params.ids` (an array of strings) and
   *   `params.filter` is given, or for a bad filter; nothing is deleted then.
   */
  override async delete(params?: { ids?: string[]; filter?: SRMVectorStoreFilter }): Promise<void> {
    const ids = params?.ids;
    if (params?.filter !== undefined && ids === undefined) return this.deleteMatching(toQueryFilter(params.filter)!);
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string') || params?.filter !== undefined) {
      throw new InvalidInputError(`delete expects { ids: string[] } or { filter }, got ${describe(params)}`);
    }
    if (ids.length === 0) return;
    const memory = await this.existingMemory();
    if (!memory) return;
    await memory.delete([...new Set(ids)], { ignoreMissing: true });
  }

  private async deleteMatching(filter: Exclude<QueryFilter, undefined>): Promise<void> {
    const memory = await this.existingMemory();
    if (!memory) return;
    if (typeof filter !== 'function') return void (await memory.deleteWhere(filter));
    const ids: string[] = [];
    for await (const page of memory.items({ withVectors: false })) for (const it of page) if (filter(it.payload)) ids.push(it.id);
    if (ids.length > 0) await memory.delete(ids, { ignoreMissing: true });
  }

  /** The stored documents with these ids, in the given order; ids that are not stored are skipped. */
  async getByIds(ids: readonly string[]): Promise<Document[]> {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      throw new InvalidInputError(`getByIds expects an array of strings, got ${describe(ids)}`);
    }
    if (ids.length === 0) return [];
    const memory = await this.existingMemory();
    if (!memory) return [];
    const items = await memory.get(ids, { ignoreMissing: true });
    return items.flatMap((item) => (item ? [toDocument(item.id, item.payload)] : []));
  }

  /**
   * The `k` documents nearest to a query vector, with their scores, best first.
   * @throws InvalidInputError for a filter of the wrong type or a bad `k`;
   *   DimensionMismatchError (from the memory) for a query of the wrong length.
   */
  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[Document, number][]> {
    const queryFilter = toQueryFilter(filter);
    checkK(k);
    if (k === 0) return [];
    const memory = await this.existingMemory();
    if (!memory) return [];
    const hits = await rankedHits(memory, query, k, queryFilter as QueryFilter);
    return hits.map((h) => [toDocument(h.id, h.payload), h.score]);
  }

  /** As LangChain's, but rejects an empty query and a bad filter before embedding. */
  override async similaritySearch(query: string, k = 4, filter?: this['FilterType'], callbacks?: Callbacks): Promise<Document[]> {
    checkQueryText(query);
    toQueryFilter(filter);
    return (await this.similaritySearchWithScore(query, k, filter, callbacks)).map(([doc]) => doc);
  }

  /** As LangChain's, but rejects an empty query and a bad filter before embedding. */
  override async similaritySearchWithScore(query: string, k = 4, filter?: this['FilterType'], _callbacks?: Callbacks): Promise<[Document, number][]> {
    checkQueryText(query);
    toQueryFilter(filter);
    return this.similaritySearchVectorWithScore(await this.embeddings.embedQuery(query), k, filter);
  }

  /**
   * Maximal marginal relevance: fetches `fetchK` (default 20) nearest documents,
   * then picks `k` that balance relevance and diversity (`lambda`: 1 = relevance
   * only, 0 = diversity only; default 0.5).
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<this['FilterType']>,
    _callbacks?: Callbacks,
  ): Promise<Document[]> {
    checkQueryText(query);
    const queryFilter = toQueryFilter(options.filter);
    const k = checkK(options.k);
    const fetchK = Math.max(k, checkK(options.fetchK ?? 20, 'fetchK'));
    const lambda = options.lambda ?? 0.5;
    if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) throw new InvalidInputError(`lambda must be a number in [0, 1], got ${describe(lambda)}`);
    if (k === 0) return [];
    const memory = await this.existingMemory();
    if (!memory) return [];
    const queryVector = await this.embeddings.embedQuery(query);
    // The hits carry their vectors: no second read, and no candidate deleted in between.
    const hits = await rankedHits(memory, queryVector, fetchK, queryFilter as QueryFilter, true);
    if (hits.length === 0) return [];
    const candidates = hits.map((h) => Array.from(h.vector!));
    const chosen = maximalMarginalRelevance(queryVector, candidates, lambda, k);
    return chosen.map((i) => toDocument(hits[i]!.id, hits[i]!.payload));
  }

  /**
   * Writes the store to `directory` (an embedded memory plus a small manifest).
   * For a store already at `directory`, only the manifest is written: every write is durable anyway.
   * @throws InvalidInputError when `directory` already holds another, non-empty memory (it is not overwritten).
   */
  async save(directory: string): Promise<void> {
    const target = resolve(directory);
    const memory = await this.existingMemory();
    const srm = memory ? { ...this.srmOptions, ...memory.options } : this.srmOptions;
    if (!memory || target === this.path) {
      writeManifest(target, srm);
      return;
    }
    const copy = await SemanticRoutingMemory.open({ ...memory.options, path: target });
    try {
      if (copy.size > 0) {
        throw new InvalidInputError(`cannot save to ${target}: it already holds a memory with ${copy.size} items; choose an empty directory`);
      }
      for await (const page of memory.items(1024)) {
        if (page.length === 0) continue;
        await copy.add(
          page.map((it) => it.vector),
          { ids: page.map((it) => it.id), payloads: page.map((it) => it.payload) },
        );
      }
    } finally {
      await copy.close();
    }
    writeManifest(target, srm);
  }

  /**
   * Opens a store saved with {@link save}.
   * @throws NotFoundError when `directory` has no manifest; CorruptDataError for an unknown manifest version.
   */
  static override async load(directory: string, embeddings: EmbeddingsInterface): Promise<SRMVectorStore> {
    const manifest = readManifest(resolve(directory));
    if (!manifest) throw new NotFoundError('SRM vector store manifest', [resolve(directory, MANIFEST_FILE)]);
    return SRMVectorStore.open(directory, embeddings, { srm: manifest.srm });
  }

  /**
   * Opens (or creates) an embedded, durable store in `directory`. The memory's
   * options come from `options.srm`, else from the directory's manifest; an existing
   * memory is opened at its stored `d`, so neither is needed to reopen one.
   */
  static async open(directory: string, embeddings: EmbeddingsInterface, options: { srm?: Partial<SRMOptions> } = {}): Promise<SRMVectorStore> {
    const path = resolve(directory);
    const manifest = readManifest(path);
    const store = new SRMVectorStore(embeddings, { path, srm: { ...manifest?.srm, ...options.srm } });
    await store.memory();
    return store;
  }

  /** Creates a store from texts and their metadata (one object for all, or one per text). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    args: SRMVectorStoreArgs = {},
  ): Promise<SRMVectorStore> {
    const docs = texts.map((pageContent, i) => new Document({ pageContent, metadata: { ...((Array.isArray(metadatas) ? metadatas[i] : metadatas) ?? {}) } }));
    return SRMVectorStore.fromDocuments(docs, embeddings, args);
  }

  /** Creates a store and adds `docs`. */
  static override async fromDocuments(docs: DocumentInterface[], embeddings: EmbeddingsInterface, args: SRMVectorStoreArgs = {}): Promise<SRMVectorStore> {
    const store = new SRMVectorStore(embeddings, args);
    await store.addDocuments(docs);
    return store;
  }

  /** Closes the memory if the store created it, and the embedded storage it opened at `path`. */
  async close(): Promise<void> {
    try {
      const memory = await this.memoryPromise?.catch(() => undefined);
      if (this.ownsMemory && memory) await memory.close();
    } finally {
      const storage = await this.storagePromise?.catch(() => undefined);
      this.storagePromise = undefined;
      await storage?.close();
    }
  }
}
