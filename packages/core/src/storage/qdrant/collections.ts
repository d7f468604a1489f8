/**
 * Collection names and layouts, and the idempotent "create or check" step.
 *
 * Names: `{prefix}-srm-{name}` (SRM items), `{prefix}-glossary-{name}`
 * (glossary entries) and `{prefix}-srmstate` (the persisted index states of
 * every SRM store of the prefix). The prefix has no `-`, so one prefix never
 * lists another prefix's stores.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { DimensionMismatchError, InvalidConfigError, StorageUnavailableError } from '../../errors.js';
import type { SRMItemStoreSpec } from '../types.js';
import type { QdrantConnection } from './connection.js';
import type { QdrantCollectionSettings } from './options.js';

/** Name of the named sparse vector of glossary collections. */
export const SPARSE_VECTOR_NAME = 'bm25';

/** Reserved payload fields of SRM points; the user payload lives under {@link SRM_USER_KEY}. */
export const SRM_ID_KEY = 'srm_id';
export const SRM_BUCKET_KEY = 'srm_bucket';
export const SRM_USER_KEY = 'user';

/** Payload field of glossary points holding the term ids (integer index, for n_t). */
export const GLOSSARY_TERM_IDS_KEY = 'terms.indices';

const STORE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Checks a store name; throws {@link InvalidConfigError} (field `name`, as the
 * embedded backend does). Narrower than the embedded backend's rule because
 * the name becomes part of a Qdrant collection name.
 */
export function checkStoreName(name: string, kind: 'srm' | 'glossary'): void {
  if (typeof name !== 'string' || !STORE_NAME.test(name)) {
    throw new InvalidConfigError('name', `${kind} store name ${JSON.stringify(name)}: the Qdrant backend expects 1 to 128 letters, digits, "_" or "-"`);
  }
}

export const srmCollectionName = (prefix: string, name: string) => `${prefix}-srm-${name}`;
export const glossaryCollectionName = (prefix: string, name: string) => `${prefix}-glossary-${name}`;
export const srmStateCollectionName = (prefix: string) => `${prefix}-srmstate`;

/** Store names of one kind among collection names. */
export function storeNamesOf(collections: readonly string[], prefix: string, kind: 'srm' | 'glossary'): string[] {
  const head = `${prefix}-${kind}-`;
  return collections
    .filter((c) => c.startsWith(head) && STORE_NAME.test(c.slice(head.length)))
    .map((c) => c.slice(head.length))
    .sort();
}

/** A payload index the backend relies on. */
export interface IndexBlueprint {
  field: string;
  schema: Schemas['PayloadFieldSchema'];
}

/** What a collection must look like: how to create it, how to check it, which indexes it needs. */
export interface CollectionBlueprint {
  name: string;
  create: Schemas['CreateCollection'];
  /** Throws a typed error when an existing collection's schema differs. */
  verify(info: Schemas['CollectionInfo']): void;
  indexes: IndexBlueprint[];
}

function scaleSettings(s: QdrantCollectionSettings): Partial<Schemas['CreateCollection']> {
  return {
    ...(s.shardNumber !== undefined ? { shard_number: s.shardNumber } : {}),
    ...(s.replicationFactor !== undefined ? { replication_factor: s.replicationFactor } : {}),
    ...(s.writeConsistencyFactor !== undefined ? { write_consistency_factor: s.writeConsistencyFactor } : {}),
    ...(s.onDiskPayload !== undefined ? { on_disk_payload: s.onDiskPayload } : {}),
  };
}

function denseVectorsOf(info: Schemas['CollectionInfo']): { size?: unknown; distance?: unknown } | undefined {
  const v = info.config.params.vectors as unknown;
  if (v && typeof v === 'object' && 'size' in v) return v as { size?: unknown; distance?: unknown };
  return undefined;
}

/**
 * An SRM collection: one unnamed dense vector with distance Dot whatever the
 * metric (Cosine would normalise stored vectors; see `srm-store.ts`), bucket
 * and id indexes. The metric is recorded in the store's spec point.
 */
export function srmBlueprint(prefix: string, spec: SRMItemStoreSpec, settings: QdrantCollectionSettings): CollectionBlueprint {
  const name = srmCollectionName(prefix, spec.name);
  const distance = 'Dot';
  const hnsw: Schemas['HnswConfigDiff'] = {
    ...(settings.hnswM !== undefined ? { m: settings.hnswM } : {}),
    ...(settings.hnswEfConstruct !== undefined ? { ef_construct: settings.hnswEfConstruct } : {}),
  };
  return {
    name,
    create: {
      vectors: {
        size: spec.dim,
        distance,
        ...(settings.onDiskVectors !== undefined ? { on_disk: settings.onDiskVectors } : {}),
        ...(Object.keys(hnsw).length > 0 ? { hnsw_config: hnsw } : {}),
      },
      ...scaleSettings(settings),
    },
    verify(info) {
      const dense = denseVectorsOf(info);
      if (!dense) {
        throw new InvalidConfigError('collection', `Qdrant collection "${name}" has no single unnamed dense vector; it was not created by the SRM backend`);
      }
      if (dense.size !== spec.dim) {
        throw new DimensionMismatchError(spec.dim, Number(dense.size), `Qdrant collection "${name}"`);
      }
      if (dense.distance !== distance) {
        throw new InvalidConfigError(
          'collection',
          `Qdrant collection "${name}" uses distance ${String(dense.distance)}, expected ${distance}; it was not created by the SRM backend`,
        );
      }
    },
    indexes: [
      { field: SRM_ID_KEY, schema: { type: 'keyword' } },
      { field: SRM_BUCKET_KEY, schema: { type: 'integer', lookup: true, range: false } },
    ],
  };
}

/** A glossary collection: no dense vector, one sparse vector with the `idf` modifier, the agent as tenant. */
export function glossaryBlueprint(prefix: string, storeName: string, settings: QdrantCollectionSettings): CollectionBlueprint {
  const name = glossaryCollectionName(prefix, storeName);
  return {
    name,
    create: {
      vectors: {},
      sparse_vectors: { [SPARSE_VECTOR_NAME]: { modifier: 'idf' } },
      ...scaleSettings(settings),
    },
    verify(info) {
      const sparse = info.config.params.sparse_vectors?.[SPARSE_VECTOR_NAME];
      if (!sparse) {
        throw new InvalidConfigError(
          'collection',
          `Qdrant collection "${name}" has no sparse vector "${SPARSE_VECTOR_NAME}"; it was not created by the SRM backend`,
        );
      }
      if (sparse.modifier !== 'idf') {
        throw new InvalidConfigError(
          'collection',
          `Qdrant collection "${name}": sparse vector "${SPARSE_VECTOR_NAME}" has modifier ${JSON.stringify(sparse.modifier ?? null)}, expected "idf" (BM25 scores need it)`,
        );
      }
      if (denseVectorsOf(info)) {
        throw new InvalidConfigError('collection', `Qdrant collection "${name}" has a dense vector; a glossary collection has none`);
      }
    },
    indexes: [
      { field: 'agentId', schema: { type: 'keyword', is_tenant: true } },
      { field: 'category', schema: { type: 'keyword' } },
      { field: GLOSSARY_TERM_IDS_KEY, schema: { type: 'integer', lookup: true, range: false } },
    ],
  };
}

/** The collection of SRM index states: payload-only points, chunked blobs. */
export function srmStateBlueprint(prefix: string, settings: QdrantCollectionSettings): CollectionBlueprint {
  const name = srmStateCollectionName(prefix);
  return {
    name,
    create: { vectors: {}, ...scaleSettings(settings) },
    verify(info) {
      if (denseVectorsOf(info)) {
        throw new InvalidConfigError('collection', `Qdrant collection "${name}" has a dense vector; the SRM state collection has none`);
      }
    },
    indexes: [
      { field: 'store', schema: { type: 'keyword' } },
      { field: 'generation', schema: { type: 'keyword' } },
    ],
  };
}

function indexMatches(existing: Schemas['PayloadIndexInfo'] | undefined, wanted: Schemas['PayloadFieldSchema']): boolean {
  if (!existing) return false;
  const type = typeof wanted === 'string' ? wanted : wanted.type;
  if (existing.data_type !== type) return false;
  if (typeof wanted === 'object' && 'is_tenant' in wanted && wanted.is_tenant) {
    const params = existing.params as { is_tenant?: boolean | null } | null | undefined;
    return params?.is_tenant === true;
  }
  return true;
}

/**
 * Creates the collection if it is missing, checks its schema if it exists,
 * and creates the payload indexes that are missing. Safe to run any number of
 * times, concurrently too: a creation that loses a race ("already exists",
 * HTTP 409) is followed by the same check.
 */
export async function ensureCollection(conn: QdrantConnection, bp: CollectionBlueprint): Promise<void> {
  const { exists } = await conn.call('collection_exists', bp.name, (c) => c.collectionExists(bp.name));
  if (!exists) {
    try {
      await conn.call('create_collection', bp.name, (c) => c.createCollection(bp.name, bp.create));
    } catch (err) {
      if (!(err instanceof StorageUnavailableError && err.status === 409)) throw err;
    }
  }
  const info = await conn.call('get_collection', bp.name, (c) => c.getCollection(bp.name));
  bp.verify(info);
  for (const index of bp.indexes) {
    if (indexMatches(info.payload_schema[index.field], index.schema)) continue;
    await conn.call('create_field_index', bp.name, (c) => c.createPayloadIndex(bp.name, { field_name: index.field, field_schema: index.schema, wait: true }));
  }
}
