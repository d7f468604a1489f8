/**
 * `SRMVectorStore`: a LlamaIndex vector store over a SemanticRoutingMemory.
 */
import type { BaseEmbedding } from '@llamaindex/core/embeddings';
import { getTopKMMREmbeddings } from '@llamaindex/core/embeddings';
import type { BaseNode } from '@llamaindex/core/schema';
import { BaseVectorStore, VectorStoreQueryMode } from '@llamaindex/core/vector-store';
import type { VectorStoreQuery, VectorStoreQueryResult } from '@llamaindex/core/vector-store';
import { Settings } from '@llamaindex/core/global';
import { DimensionMismatchError, InvalidInputError, Limits, matchesFilter, SemanticRoutingMemory } from '@srm/core';
import type { PayloadFilter, QueryHit, SRMOpenOptions, SRMOptions, StorageBackend } from '@srm/core';
import { toPayloadFilter } from './filters.js';
import { nodeToPayload, payloadToNode, REF_DOC_ID_KEY } from './node-payload.js';

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
   * The memory to store nodes in. When absent, the store creates an
   * in-memory one from {@link SRMVectorStoreOptions.srm} (use
   * {@link SRMVectorStore.open} for one on disk).
   */
  memory?: SemanticRoutingMemory;
  /**
   * Configuration of the memory the store creates when `memory` is absent.
   * `d` defaults to `embedModel.embedInfo.dimensions`.
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
}

/** Options of {@link SRMVectorStore.open}. */
export interface SRMVectorStoreOpenOptions extends Omit<SRMVectorStoreOptions, 'memory' | 'srm'> {
  /** Directory of the embedded store; created if missing, reopened if it exists. */
  path?: string;
  /** A storage backend (e.g. Qdrant) instead of `path`. */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"default"`. */
  name?: string;
  /** Configuration of the memory; `d` defaults to `embedModel.embedInfo.dimensions`. */
  srm?: Partial<SRMOptions>;
}

const DEFAULT_MMR_PREFETCH = 4;
const SCAN_PAGE = 1024;

/**
 * A LlamaIndex `BaseVectorStore` backed by a {@link SemanticRoutingMemory}:
 * node id = SRM item id; the node's text, metadata and source-document id
 * are kept in the item's payload (`storesText = true`), so an index can be
 * rebuilt from the store alone with `VectorStoreIndex.fromVectorStore`.
 *
 * Metadata filters (`==`, `!=`, `>`, `<`, `>=`, `<=`, `in`, `nin`,
 * `contains`, `any`, `all`, `text_match`; `and` / `or`) run inside the
 * memory's search. Query modes: `default` and `mmr`.
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
export class SRMVectorStore extends BaseVectorStore<SemanticRoutingMemory, SRMQueryParams> {
  /** The store keeps node text, so LlamaIndex needs no document store to answer. */
  storesText = true;
  /** The memory holding the nodes. */
  readonly memory: SemanticRoutingMemory;
  private ownsMemory: boolean;
  private readonly mmrPrefetchFactor: number;

  /**
   * @throws InvalidInputError for both `memory` and `srm`, or a bad option; DimensionMismatchError
   *   when an explicit `embedModel` reports a dimension other than the injected memory's `d`.
   */
  constructor(options: SRMVectorStoreOptions = {}) {
    super(options.embedModel ? { embedModel: options.embedModel } : undefined);
    const prefetch = options.mmrPrefetchFactor ?? DEFAULT_MMR_PREFETCH;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new InvalidInputError(`mmrPrefetchFactor must be an integer >= 1, got ${prefetch}`);
    }
    this.mmrPrefetchFactor = prefetch;
    if (options.memory) {
      if (options.srm !== undefined) throw new InvalidInputError('give either `memory` (an existing memory) or `srm` (options of a new one), not both');
      const dims = options.embedModel?.embedInfo?.dimensions;
      // An explicit model that cannot fill this memory is a mistake now, not at the first add.
      if (dims !== undefined && dims !== options.memory.config.d) throw new DimensionMismatchError(options.memory.config.d, dims, 'embedModel output');
      this.memory = options.memory;
      this.ownsMemory = false;
    } else {
      this.memory = new SemanticRoutingMemory({ ...options.srm, d: dimensionOf(options.srm, this.embedModel) });
      this.ownsMemory = true;
    }
  }

  /**
   * Opens (or creates) a store whose memory lives on disk at `path` (or in
   * `storage`). Every acknowledged `add` / `delete` is durable; there is no
   * separate persist step. Reopening the same path gives the same answers.
   */
  static async open(options: SRMVectorStoreOpenOptions): Promise<SRMVectorStore> {
    // Resolve the embedding model first (as BaseVectorStore does): it gives the default d, and a missing one should fail before any file is created.
    const embedModel = options.embedModel ?? Settings.embedModel;
    const openOptions: SRMOpenOptions = { ...options.srm, d: dimensionOf(options.srm, embedModel) };
    if (options.path !== undefined) openOptions.path = options.path;
    if (options.storage !== undefined) openOptions.storage = options.storage;
    if (options.name !== undefined) openOptions.name = options.name;
    const memory = await SemanticRoutingMemory.open(openOptions);
    let store: SRMVectorStore;
    try {
      store = new SRMVectorStore({ memory, embedModel, ...(options.mmrPrefetchFactor !== undefined ? { mmrPrefetchFactor: options.mmrPrefetchFactor } : {}) });
    } catch (err) {
      // Release the directory (and its lock) when the options are rejected.
      await memory.close();
      throw err;
    }
    store.ownsMemory = true;
    return store;
  }

  /** The underlying {@link SemanticRoutingMemory}. */
  client(): SemanticRoutingMemory {
    return this.memory;
  }

  /**
   * Stores nodes with their embeddings (node id = item id; re-adding an id
   * replaces the node). All or nothing: a bad node stores none of the batch.
   * @returns the node ids, in input order.
   * @throws InvalidInputError when a node has no embedding; DimensionMismatchError when an
   *   embedding's length is not the memory's `d` (both before anything is written).
   */
  async add(nodes: BaseNode[]): Promise<string[]> {
    if (!Array.isArray(nodes)) throw new InvalidInputError(`add expects an array of nodes, got ${typeof nodes}`);
    if (nodes.length === 0) return [];
    const vectors: number[][] = [];
    const ids: string[] = [];
    const payloads = nodes.map((node, i) => {
      const embedding = node?.embedding;
      if (!Array.isArray(embedding) || embedding.length === 0) {
        throw new InvalidInputError(
          `node ${i} ("${node?.id_}") has no embedding: embed nodes before adding them (VectorStoreIndex does it with the embedding model)`,
        );
      }
      vectors.push(embedding);
      ids.push(node.id_);
      return nodeToPayload(node);
    });
    return this.memory.add(vectors, { ids, payloads });
  }

  /**
   * Deletes every node whose source document is `refDocId` (LlamaIndex's
   * `index.deleteRefDoc`). Deleting a document with no nodes does nothing.
   *
   * Cost: one scan of the memory's items (the memory has no index on payload
   * fields); fine for occasional deletes, slow as a bulk operation on millions.
   * @throws InvalidInputError when `refDocId` is not a non-empty string.
   */
  async delete(refDocId: string, _deleteOptions?: object): Promise<void> {
    if (typeof refDocId !== 'string' || refDocId.length === 0) {
      throw new InvalidInputError(`delete expects a non-empty ref doc id, got ${JSON.stringify(refDocId)}`);
    }
    const ids: string[] = [];
    for await (const page of this.memory.items(SCAN_PAGE)) {
      for (const item of page) if (item.payload[REF_DOC_ID_KEY] === refDocId) ids.push(item.id);
    }
    if (ids.length > 0) await this.memory.delete(ids, { ignoreMissing: true });
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
    const k = query.similarityTopK ?? this.memory.config.topK;
    if (!Number.isInteger(k) || k < 1 || k > Limits.maxK) {
      throw new InvalidInputError(`similarityTopK must be an integer from 1 to ${Limits.maxK}, got ${k}`);
    }
    const embedding = query.queryEmbedding;
    if (!Array.isArray(embedding) || embedding.length === 0) {
      throw new InvalidInputError('query is empty: expected a non-empty queryEmbedding (embed the query text first)');
    }
    const mode = query.mode ?? VectorStoreQueryMode.DEFAULT;
    if (mode !== VectorStoreQueryMode.DEFAULT && mode !== VectorStoreQueryMode.MMR) {
      throw new InvalidInputError(`query mode "${mode}" is not supported by SRMVectorStore; use "default" or "mmr"`);
    }
    const params = pickParams(query.customParams);

    let hits: QueryHit[];
    if (query.docIds !== undefined) {
      hits = await this.scoreIds(embedding, query.docIds, filter);
      if (mode === VectorStoreQueryMode.DEFAULT) hits = hits.slice(0, k);
    } else {
      const fetch = mode === VectorStoreQueryMode.MMR ? Math.min(Limits.maxK, k * this.mmrPrefetchFactor) : k;
      hits = await this.memory.query(embedding, { ...params, k: fetch, ...(filter ? { filter } : {}) });
    }
    if (mode === VectorStoreQueryMode.MMR) hits = await this.selectMmr(embedding, hits, k, query.mmrThreshold);
    return {
      nodes: hits.map((h) => payloadToNode(h.payload, h.id)),
      similarities: hits.map((h) => h.score),
      ids: hits.map((h) => h.id),
    };
  }

  /**
   * Closes the memory when this store created it (constructor without
   * `memory`, or {@link SRMVectorStore.open}); an injected memory is left to
   * its owner.
   */
  async close(): Promise<void> {
    if (this.ownsMemory) await this.memory.close();
  }

  /** Exact scores of the given node ids that pass `filter`, best first. */
  private async scoreIds(embedding: readonly number[], docIds: readonly string[], filter: PayloadFilter | undefined): Promise<QueryHit[]> {
    if (!Array.isArray(docIds) || !docIds.every((id) => typeof id === 'string')) {
      throw new InvalidInputError('query.docIds must be an array of node ids (strings)');
    }
    const d = this.memory.config.d;
    if (embedding.length !== d) {
      // Same error the memory gives for a wrong-length query.
      throw new DimensionMismatchError(d, embedding.length, 'query embedding');
    }
    const items = await this.memory.get([...new Set(docIds)], { ignoreMissing: true });
    const q = Float32Array.from(embedding);
    const hits: QueryHit[] = [];
    for (const item of items) {
      if (item === undefined || (filter && !matchesFilter(item.payload, filter))) continue;
      hits.push({ id: item.id, score: this.similarity(q, item.vector), payload: item.payload });
    }
    return hits.sort((a, b) => b.score - a.score);
  }

  /** Maximal marginal relevance over `candidates` (LlamaIndex's own MMR); similarities stay the query scores. */
  private async selectMmr(embedding: readonly number[], candidates: QueryHit[], k: number, threshold: number | undefined): Promise<QueryHit[]> {
    if (candidates.length === 0) return candidates;
    const items = await this.memory.get(
      candidates.map((c) => c.id),
      { ignoreMissing: true },
    );
    const present: QueryHit[] = [];
    const vectors: number[][] = [];
    items.forEach((item, i) => {
      if (item === undefined) return; // deleted since the search
      present.push(candidates[i]!);
      vectors.push(Array.from(item.vector));
    });
    const [, chosen] = getTopKMMREmbeddings([...embedding], vectors, null, k, present.map((c) => c.id), null, threshold ?? null);
    const byId = new Map(present.map((c) => [c.id, c]));
    return (chosen as string[]).map((id) => byId.get(id)!);
  }

  private similarity(q: Float32Array, v: Float32Array): number {
    let dot = 0;
    let qq = 0;
    let vv = 0;
    for (let j = 0; j < q.length; j++) {
      dot += q[j]! * v[j]!;
      qq += q[j]! * q[j]!;
      vv += v[j]! * v[j]!;
    }
    if (this.memory.config.metric === 'dot') return dot;
    return qq === 0 || vv === 0 ? 0 : dot / Math.sqrt(qq * vv);
  }
}

function dimensionOf(srm: Partial<SRMOptions> | undefined, embedModel: BaseEmbedding): number {
  const d = srm?.d ?? embedModel.embedInfo?.dimensions;
  if (d === undefined) {
    throw new InvalidInputError('the vector dimension is unknown: pass srm.d, or an embedModel whose embedInfo.dimensions is set');
  }
  return d;
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
