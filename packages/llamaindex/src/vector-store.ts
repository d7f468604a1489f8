/**
 * `SRMVectorStore`: a LlamaIndex vector store over a SemanticRoutingMemory.
 */
import type { BaseEmbedding } from '@llamaindex/core/embeddings';
import { getTopKMMREmbeddings } from '@llamaindex/core/embeddings';
import type { BaseNode } from '@llamaindex/core/schema';
import { BaseVectorStore, VectorStoreQueryMode } from '@llamaindex/core/vector-store';
import type { VectorStoreQuery, VectorStoreQueryResult } from '@llamaindex/core/vector-store';
import { defaultSRMOptions, DimensionMismatchError, InvalidConfigError, InvalidInputError, Limits, NotFoundError } from '@srm/core';
import type { Payload, PayloadFilter, QueryHit, SemanticRoutingMemory, SRMOptions, StorageBackend } from '@srm/core';
import { toPayloadFilter } from './filters.js';
import type { QueryFilter } from './filters.js';
import { LazyMemory } from './lazy-memory.js';
import { NO_REF_DOC, nodeToPayload, payloadToNode, REF_DOC_ID_KEY, refDocOf, storedVersion } from './node-payload.js';
import { assertNodeOfOurCore, resolveEmbedModel } from './one-core.js';

/**
 * Per-query SRM search parameters, passed as LlamaIndex `customParams`
 * (e.g. `index.asRetriever({ customParams: { m: 16 } })`). Each overrides
 * the memory's default for one query.
 */
export interface SRMQueryParams {
  /** Buckets to probe. More: higher recall, slower. */
  m?: number;
  /** Most candidates scored per query. */
  maxCandidates?: number;
  /** Exact re-scoring budget for `int8` / `pq` rerank. */
  refine?: number;
}

/** Options of the {@link SRMVectorStore} constructor. */
export interface SRMVectorStoreOptions {
  /**
   * A memory to store nodes in; `close()` leaves it open. Without `memory`, `path` or `storage`
   * the store keeps an in-memory one.
   */
  memory?: SemanticRoutingMemory;
  /**
   * Directory of an embedded, durable memory. An existing memory is opened at the first use (read or
   * write) at its stored `d`; a new one is created at the first add.
   */
  path?: string;
  /** A storage backend (e.g. Qdrant) instead of `path`; left open by `close()`. */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"default"`. */
  name?: string;
  /**
   * Configuration of a memory the store creates (`K`, `m`, `rerank`, ...). `d` is optional: an
   * existing memory keeps its own, a new one takes the length of the first vectors added.
   */
  srm?: Partial<SRMOptions>;
  /**
   * Embedding model of this store. Default: `Settings.embedModel` (LlamaIndex
   * throws when neither is set). `VectorStoreIndex` embeds nodes with this
   * model but embeds queries with `Settings.embedModel`: keep the two the same.
   */
  embedModel?: BaseEmbedding;
  /**
   * MMR mode: how many candidates (per result asked for) are fetched from the
   * memory before maximal marginal relevance picks the results. Default 4;
   * more gives MMR more to choose from at the cost of one larger fetch.
   */
  mmrPrefetchFactor?: number;
  /**
   * Upsert by source document (default `true`), as LlamaIndex's default `DocStoreStrategy.UPSERTS`
   * expects, after a restart too (when its in-memory document store has forgotten the documents):
   * when an `add` brings nodes of a document, the stored nodes of that document from another
   * version of it (another source hash) are removed, and so is a stored node with the same content
   * as an incoming one (the same chunk indexed again under a new node id). Re-indexing the same
   * documents therefore does not duplicate nodes, and a changed document leaves no stale nodes.
   * Other nodes of the same version stay, so a document may come in several batches.
   * `false`: only add (and replace by node id), like `SimpleVectorStore` without a document store.
   */
  replaceDocuments?: boolean;
}

/** Options of {@link SRMVectorStore.open}. */
export type SRMVectorStoreOpenOptions = Omit<SRMVectorStoreOptions, 'memory'>;

const DEFAULT_MMR_PREFETCH = 4;
const SCAN_PAGE = 1024;
/** Largest finite float32: an embedding entry beyond it would be stored as Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
const EMPTY_RESULT: VectorStoreQueryResult = Object.freeze({ nodes: [], similarities: [], ids: [] }) as VectorStoreQueryResult;

/**
 * A LlamaIndex `BaseVectorStore` backed by a {@link SemanticRoutingMemory}:
 * node id = SRM item id; the node's text, metadata and source-document id
 * are kept in the item's payload (`storesText = true`), so an index can be
 * rebuilt from the store alone with `VectorStoreIndex.fromVectorStore`.
 *
 * Like LlamaIndex's own stores it needs no dimension up front: an existing
 * memory is found at the first use, a new one is created with the first
 * vectors, and a read before any write returns no nodes.
 *
 * Metadata filters (`==`, `!=`, `>`, `<`, `>=`, `<=`, `in`, `nin`,
 * `contains`, `any`, `all`, `text_match`, `is_empty`; `and` / `or` / `not`) run
 * inside the memory's search. Query modes: `default` and `mmr`.
 *
 * @example
 * ```ts
 * Settings.embedModel = await GloveEmbedding.load();
 * const vectorStore = await SRMVectorStore.open({ path: './memory' });
 * const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: vectorStore } });
 * const index = await VectorStoreIndex.fromDocuments(documents, { storageContext });
 * const hits = await index.asRetriever({ similarityTopK: 3 }).retrieve('a notional black hole for data');
 * ```
 */
export class SRMVectorStore extends BaseVectorStore<SemanticRoutingMemory | undefined, SRMQueryParams> {
  /** The store keeps node text, so LlamaIndex needs no document store to answer. */
  storesText = true;
  private readonly lazy: LazyMemory;
  private readonly mmrPrefetchFactor: number;
  private readonly replaceDocuments: boolean;
  private readonly memoryName: string;

  /**
   * Opens nothing: a memory at `path` / in `storage` is opened at the first use.
   * @throws InvalidInputError for `memory` together with `srm`, `path` or `storage`, or a bad option;
   *   InvalidConfigError for `path` with `storage`, or when two copies of `@llamaindex/core` are loaded
   *   (the message names the fix); DimensionMismatchError when an explicit `embedModel` reports a
   *   dimension other than the injected memory's `d`.
   */
  constructor(options: SRMVectorStoreOptions = {}) {
    super({ embedModel: resolveEmbedModel(options.embedModel) });
    const prefetch = options.mmrPrefetchFactor ?? DEFAULT_MMR_PREFETCH;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new InvalidInputError(`mmrPrefetchFactor must be an integer >= 1, got ${prefetch}`);
    }
    this.mmrPrefetchFactor = prefetch;
    if (options.replaceDocuments !== undefined && typeof options.replaceDocuments !== 'boolean') {
      throw new InvalidInputError(`replaceDocuments must be a boolean, got ${JSON.stringify(options.replaceDocuments)}`);
    }
    this.replaceDocuments = options.replaceDocuments ?? true;
    if (options.path !== undefined && options.storage !== undefined) {
      throw new InvalidConfigError('storage', 'give either `path` (an embedded memory the store opens) or `storage`, not both');
    }
    if (options.memory) {
      if (options.srm !== undefined || options.path !== undefined || options.storage !== undefined) {
        throw new InvalidInputError('give either `memory` (an existing memory) or `srm` / `path` / `storage` (where the store keeps its own), not both');
      }
      const dims = options.embedModel?.embedInfo?.dimensions;
      // An explicit model that cannot fill this memory is a mistake now, not at the first add.
      if (dims !== undefined && dims !== options.memory.config.d) throw new DimensionMismatchError(options.memory.config.d, dims, 'embedModel output');
    }
    this.memoryName = options.name ?? 'default';
    this.lazy = new LazyMemory(options);
  }

  /**
   * Creates a store and opens its memory when one exists at `path` (or in `storage`), so the
   * directory is locked from here on; otherwise the memory is created at the first add (at once
   * when `srm.d` is given). Every acknowledged `add` / `delete` is durable; there is no separate
   * persist step. Reopening the same path gives the same answers.
   * @throws as the constructor; DimensionMismatchError when an explicit `embedModel` reports a
   *   dimension other than the stored memory's `d`; the core's errors for a memory that cannot be
   *   opened (StorageLockedError, CorruptDataError, ...). Nothing stays open then.
   */
  static async open(options: SRMVectorStoreOpenOptions): Promise<SRMVectorStore> {
    const store = new SRMVectorStore(options);
    try {
      const memory = options.srm?.d !== undefined ? await store.lazy.forWrite(options.srm.d) : await store.lazy.existing();
      const dims = options.embedModel?.embedInfo?.dimensions;
      // An explicit model that cannot fill the stored memory is a mistake now, not at the first add.
      if (memory && dims !== undefined && dims !== memory.config.d) throw new DimensionMismatchError(memory.config.d, dims, 'embedModel output');
    } catch (err) {
      // Release the directory (and its lock) when the memory cannot be opened.
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * The memory holding the nodes, once it is open: after the first add, or after the first use of a
   * store whose memory already existed.
   * @throws NotFoundError before that.
   */
  get memory(): SemanticRoutingMemory {
    const memory = this.lazy.current;
    if (!memory) throw new NotFoundError('memory of this SRMVectorStore (it opens at the first use and is created at the first add)', [this.memoryName]);
    return memory;
  }

  /** The underlying {@link SemanticRoutingMemory}; `undefined` until it is open (see {@link SRMVectorStore.memory}). */
  client(): SemanticRoutingMemory | undefined {
    return this.lazy.current;
  }

  /**
   * Stores nodes with their embeddings (node id = item id; re-adding an id
   * replaces the node). All or nothing: a bad node stores none of the batch.
   * With `replaceDocuments` (default), the stored nodes that this batch
   * supersedes (see {@link SRMVectorStoreOptions.replaceDocuments}) are then removed.
   * @returns the node ids, in input order.
   * @throws InvalidInputError when a node has no embedding, or one that is not finite numbers;
   *   DimensionMismatchError when embeddings differ in length or differ from the memory's `d`
   *   (all before anything is written); InvalidConfigError for a node of another copy of
   *   `@llamaindex/core`.
   */
  async add(nodes: BaseNode[]): Promise<string[]> {
    if (!Array.isArray(nodes)) throw new InvalidInputError(`add expects an array of nodes, got ${typeof nodes}`);
    if (nodes.length === 0) return [];
    const vectors: number[][] = [];
    const ids: string[] = [];
    const incoming = new Map<string, { sourceHashes: Set<string | undefined>; hashes: Set<string> }>();
    const payloads = nodes.map((node, i) => {
      assertNodeOfOurCore(node, `node ${i}`);
      const embedding = node?.embedding;
      if (!Array.isArray(embedding) || embedding.length === 0) {
        throw new InvalidInputError(
          `node ${i} ("${node?.id_}") has no embedding: embed nodes before adding them (VectorStoreIndex does it with the embedding model)`,
        );
      }
      checkVector(embedding, `node ${i} embedding`, vectors[0]?.length);
      vectors.push(embedding);
      ids.push(node.id_);
      const doc = node.sourceNode?.nodeId;
      if (typeof doc === 'string' && doc.length > 0) {
        const seen = incoming.get(doc) ?? { sourceHashes: new Set(), hashes: new Set() };
        seen.sourceHashes.add(node.sourceNode?.hash);
        seen.hashes.add(node.hash);
        incoming.set(doc, seen);
      }
      return nodeToPayload(node);
    });
    // The batch is checked in full before the first add fixes d from it.
    const memory = await this.lazy.forWrite(vectors[0]!.length);
    const added = await memory.add(vectors, { ids, payloads });
    // Added first, then the old nodes removed: an interruption leaves both versions, never neither.
    if (this.replaceDocuments && incoming.size > 0) {
      const batch = new Set(ids);
      // The memory selects the stored nodes of the incoming documents; the version test runs here.
      const ofIncoming = { field: REF_DOC_ID_KEY, op: 'in' as const, value: [...incoming.keys()] };
      await this.deleteSelected(memory, ofIncoming, (payload, id) => {
        const ref = payload[REF_DOC_ID_KEY] as string;
        const seen = incoming.get(ref);
        if (seen === undefined || batch.has(id) || refDocOf(payload) !== ref) return false;
        const stored = storedVersion(payload);
        return !seen.sourceHashes.has(stored.sourceHash) || (stored.hash !== undefined && seen.hashes.has(stored.hash));
      });
    }
    return added;
  }

  /**
   * Deletes every node whose source document is `refDocId` (LlamaIndex's
   * `index.deleteRefDoc`). Deleting a document with no nodes does nothing; a
   * node without a source document belongs to no document (not to `"None"`).
   *
   * The memory evaluates the filter on the document id in its store (`deleteWhere`), so the cost
   * follows the document's nodes, not the memory's size.
   * @throws InvalidInputError when `refDocId` is not a non-empty string.
   */
  async delete(refDocId: string, _deleteOptions?: object): Promise<void> {
    if (typeof refDocId !== 'string' || refDocId.length === 0) {
      throw new InvalidInputError(`delete expects a non-empty ref doc id, got ${JSON.stringify(refDocId)}`);
    }
    const memory = await this.lazy.existing();
    if (!memory) return;
    const ofDocument = { field: REF_DOC_ID_KEY, op: 'eq' as const, value: refDocId };
    // "None" is also what LlamaIndex writes for a node without a document: its relationships tell them apart.
    if (refDocId === NO_REF_DOC) await this.deleteSelected(memory, ofDocument, (payload) => refDocOf(payload) === refDocId);
    else await memory.deleteWhere(ofDocument);
  }

  /** Deletes the items that the memory selects with `filter` and that then pass `match`. */
  private async deleteSelected(memory: SemanticRoutingMemory, filter: PayloadFilter, match: (payload: Payload, id: string) => boolean): Promise<void> {
    const ids: string[] = [];
    for await (const page of memory.items({ filter, withVectors: false, pageSize: SCAN_PAGE })) {
      for (const item of page) if (match(item.payload, item.id)) ids.push(item.id);
    }
    if (ids.length > 0) await memory.delete(ids, { ignoreMissing: true });
  }

  /**
   * Nearest nodes to `query.queryEmbedding`, best first, restricted by
   * `query.filters` (and to the node ids in `query.docIds` when given).
   * Similarities are the memory's scores (cosine by default; higher is closer).
   *
   * @throws InvalidInputError for a missing or empty query embedding, a bad `similarityTopK`,
   *   an unknown filter operator or a query mode other than `default` / `mmr`;
   *   DimensionMismatchError for an embedding of the wrong length. Nothing is changed.
   */
  async query(query: VectorStoreQuery<SRMQueryParams>, _options?: object): Promise<VectorStoreQueryResult> {
    if (typeof query !== 'object' || query === null) throw new InvalidInputError(`query must be a VectorStoreQuery object, got ${String(query)}`);
    const filter = toPayloadFilter(query.filters);
    const embedding = query.queryEmbedding;
    if (!Array.isArray(embedding) || embedding.length === 0) {
      throw new InvalidInputError('query is empty: expected a non-empty queryEmbedding (embed the query text first)');
    }
    const mode = query.mode ?? VectorStoreQueryMode.DEFAULT;
    if (mode !== VectorStoreQueryMode.DEFAULT && mode !== VectorStoreQueryMode.MMR) {
      throw new InvalidInputError(`query mode "${mode}" is not supported by SRMVectorStore; use "default" or "mmr"`);
    }
    const params = pickParams(query.customParams);
    const docIds = query.docIds;
    if (docIds !== undefined && (!Array.isArray(docIds) || !docIds.every((id) => typeof id === 'string'))) {
      throw new InvalidInputError('query.docIds must be an array of node ids (strings)');
    }
    const memory = await this.lazy.existing();
    const k = query.similarityTopK ?? memory?.config.topK ?? defaultSRMOptions.topK;
    if (!Number.isInteger(k) || k < 1 || k > Limits.maxK) {
      throw new InvalidInputError(`similarityTopK must be an integer from 1 to ${Limits.maxK}, got ${k}`);
    }
    // Nothing written yet: no node can match.
    if (!memory) {
      checkVector(embedding, 'query embedding', undefined);
      return { ...EMPTY_RESULT };
    }

    const mmr = mode === VectorStoreQueryMode.MMR;
    let hits: QueryHit[];
    if (docIds !== undefined) {
      // Exactly within the node ids; MMR chooses among all of them (up to the memory's largest k).
      const within = new Set(docIds).size;
      if (within === 0) return { ...EMPTY_RESULT };
      hits = await memory.query(embedding, { ids: docIds, k: mmr ? Math.min(Limits.maxK, within) : k, withVectors: mmr, ...(filter ? { filter } : {}) });
    } else {
      const fetch = mmr ? Math.min(Limits.maxK, k * this.mmrPrefetchFactor) : k;
      hits = await memory.query(embedding, { ...params, k: fetch, withVectors: mmr, ...(filter ? { filter } : {}) });
    }
    if (mmr) hits = selectMmr(embedding, hits, k, query.mmrThreshold);
    return {
      nodes: hits.map((h) => payloadToNode(h.payload, h.id)),
      similarities: hits.map((h) => h.score),
      ids: hits.map((h) => h.id),
    };
  }

  /**
   * Closes what this store opened: the memory it created or opened, and the directory at `path`.
   * An injected `memory` or `storage` is left to its owner. Later calls throw ClosedError.
   */
  async close(): Promise<void> {
    await this.lazy.close();
  }
}

/** Maximal marginal relevance over `candidates` (LlamaIndex's own MMR, on the vectors the query returned); similarities stay the query scores. */
function selectMmr(embedding: readonly number[], candidates: QueryHit[], k: number, threshold: number | undefined): QueryHit[] {
  if (candidates.length === 0) return candidates;
  const vectors = candidates.map((c) => Array.from(c.vector!));
  const [, chosen] = getTopKMMREmbeddings(
    [...embedding],
    vectors,
    null,
    k,
    candidates.map((c) => c.id),
    null,
    threshold ?? null,
  );
  const byId = new Map(candidates.map((c) => [c.id, c]));
  return (chosen as string[]).map((id) => byId.get(id)!);
}

/**
 * Checks an embedding before anything is written or scored: finite numbers, at most
 * `Limits.maxDimension` of them, and `d` of them when `d` is known.
 * @throws InvalidInputError for a non-number, NaN, Infinity or too many entries; DimensionMismatchError for a wrong length.
 */
function checkVector(v: readonly unknown[], where: string, d: number | undefined): void {
  if (d !== undefined && v.length !== d) throw new DimensionMismatchError(d, v.length, where);
  if (v.length > Limits.maxDimension) throw new InvalidInputError(`${where} has ${v.length} entries, more than the ${Limits.maxDimension} a memory accepts`);
  for (let j = 0; j < v.length; j++) {
    const x = v[j];
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX) {
      throw new InvalidInputError(`${where}[${j}] must be a finite number (stored as float32), got ${typeof x === 'number' ? String(x) : typeof x}`);
    }
  }
}

function pickParams(custom: SRMQueryParams | undefined): SRMQueryParams {
  if (custom === undefined || custom === null) return {};
  if (typeof custom !== 'object') throw new InvalidInputError(`customParams must be an object of SRM query parameters, got ${typeof custom}`);
  const out: SRMQueryParams = {};
  for (const key of ['m', 'maxCandidates', 'refine'] as const) {
    if (custom[key] !== undefined) out[key] = custom[key];
  }
  return out;
}
