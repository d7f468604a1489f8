/**
 * How a LangGraph item is laid out as SRM records.
 *
 * Every item has one *main* record, whose id is derived from its namespace
 * and key. An item with `n >= 1` embedded texts has `n` records: the main one
 * carries the first text's vector, and `n - 1` *extra* records (ids
 * `main#1`, `main#2`, ...) carry the others, so a search scores an item by
 * its best-matching field, as LangGraph's InMemoryStore does. An item with no
 * embedded text (`index: false`, no index config, or no text at the indexed
 * fields) still has its main record, stored without a vector (in no bucket of the memory) and
 * with `indexed: false`; semantic search never scores it, listing and `get` see it. Stores
 * written before items without a vector held such records with a placeholder vector instead:
 * they read the same, since search scores only `indexed` records.
 *
 * Every record carries the whole item, so filters run inside the SRM query;
 * results are always read back from the main record.
 *
 * Version 2 adds the TTL (`ttl`, `expiresAt`) and the insertion `order`; version 1 records
 * read as items that never expire, ordered by creation time.
 */
import { createHash } from 'node:crypto';
import { CorruptDataError } from '@srm/core';
import type { MemoryItem, Payload, PayloadItem } from '@srm/core';
import type { Item } from '@langchain/langgraph-checkpoint';
import { decodeNamespace, encodeNamespace, namespacePrefixes } from './namespace.js';

/** The payload of a store record. Field names are part of the on-disk format. */
export interface StoreRecordPayload extends Payload {
  /** Format version of this layout. */
  v: 1 | 2;
  /** {@link encodeNamespace} of the item's namespace. */
  ns: string;
  /** Encodings of every prefix of the namespace (see `namespacePrefixes`). */
  nsPrefixes: string[];
  key: string;
  value: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** True on the main record of an item. */
  main: boolean;
  /** True when the record's vector embeds one of the item's texts. */
  indexed: boolean;
  /** Main record only: how many records of the item carry embeddings (0 when unindexed). */
  vectors: number;
  /** The item's TTL in minutes, or null (never expires). Absent in version 1. */
  ttl?: number | null;
  /** When the item expires (ms since the epoch), or null. Absent in version 1. */
  expiresAt?: number | null;
  /** Insertion order of the item (kept when it is overwritten): breaks exact score ties. Absent in version 1. */
  order?: number;
}

/** Current layout version. */
export const RECORD_FORMAT_VERSION = 2;
/** Layout versions this release reads. */
export const READABLE_RECORD_VERSIONS: readonly number[] = [1, 2];

/** The insertion order of a record's item (version 1: its creation time). */
export function orderOf(p: StoreRecordPayload): number {
  return p.order ?? p.createdAt * 1000;
}

/** The id of an item's main record: a hash of its namespace and key (64 hex chars, collision-free in practice). */
export function mainRecordId(namespace: readonly string[], key: string): string {
  return mainRecordIdOf(encodeNamespace(namespace), key);
}

/** {@link mainRecordId} from an already encoded namespace. */
export function mainRecordIdOf(encodedNamespace: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([encodedNamespace, key]))
    .digest('hex');
}

/** The id of the `i`-th (1-based) extra record of an item. */
export function extraRecordId(mainId: string, i: number): string {
  return `${mainId}#${i}`;
}

/** Builds the payload of one record of an item. */
export function recordPayload(
  item: {
    namespace: readonly string[];
    key: string;
    value: Record<string, unknown>;
    createdAt: number;
    updatedAt: number;
    ttl: number | null;
    expiresAt: number | null;
    order: number;
  },
  role: { main: boolean; indexed: boolean; vectors: number },
): StoreRecordPayload {
  return {
    v: RECORD_FORMAT_VERSION,
    ns: encodeNamespace(item.namespace),
    nsPrefixes: namespacePrefixes(item.namespace),
    key: item.key,
    value: item.value,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    main: role.main,
    indexed: role.indexed,
    vectors: role.vectors,
    ttl: item.ttl,
    expiresAt: item.expiresAt,
    order: item.order,
  };
}

/** The LangGraph item a main record stands for. */
export function toItem(payload: StoreRecordPayload): Item {
  return {
    namespace: decodeNamespace(payload.ns),
    key: payload.key,
    value: payload.value,
    createdAt: new Date(payload.createdAt),
    updatedAt: new Date(payload.updatedAt),
  };
}

/**
 * The payload of a stored record.
 * @throws CorruptDataError for a record of an unknown layout version.
 */
export function readPayload(item: PayloadItem): StoreRecordPayload {
  const p = item.payload as Partial<StoreRecordPayload>;
  if (!READABLE_RECORD_VERSIONS.includes(p.v as number) || typeof p.ns !== 'string' || typeof p.key !== 'string') {
    throw new CorruptDataError(
      `SRMStore record ${item.id}`,
      `unknown record layout (v=${JSON.stringify(p.v)}); this release reads v=${READABLE_RECORD_VERSIONS.join(', ')} and writes v=${RECORD_FORMAT_VERSION}`,
    );
  }
  return p as StoreRecordPayload;
}

/** The ids of every record of an item, from its main record. */
export function recordIdsOf(mainId: string, p: StoreRecordPayload): string[] {
  return [mainId, ...Array.from({ length: Math.max(0, p.vectors - 1) }, (_, j) => extraRecordId(mainId, j + 1))];
}
