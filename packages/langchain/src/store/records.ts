/**
 * How a LangGraph item is laid out as SRM records.
 *
 * Every item has one *main* record, whose id is derived from its namespace
 * and key. An item with `n >= 1` embedded texts has `n` records: the main one
 * carries the first text's vector, and `n - 1` *extra* records (ids
 * `main#1`, `main#2`, ...) carry the others, so a search scores an item by
 * its best-matching field, as LangGraph's InMemoryStore does. An item with no
 * embedded text (`index: false`, no index config, or no text at the indexed
 * fields) still has its main record, with a fixed placeholder vector and
 * `indexed: false`; semantic search never scores it, listing and `get` see it.
 *
 * Every record carries the whole item, so filters run inside the SRM query;
 * results are always read back from the main record.
 */
import { createHash } from 'node:crypto';
import type { Payload } from '@srm/core';
import { encodeNamespace, namespacePrefixes } from './namespace.js';

/** The payload of a store record. Field names are part of the on-disk format. */
export interface StoreRecordPayload extends Payload {
  /** Format version of this layout. */
  v: 1;
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
}

/** Current layout version. */
export const RECORD_FORMAT_VERSION = 1;

/** The id of an item's main record: a hash of its namespace and key (64 hex chars, collision-free in practice). */
export function mainRecordId(namespace: readonly string[], key: string): string {
  return mainRecordIdOf(encodeNamespace(namespace), key);
}

/** {@link mainRecordId} from an already encoded namespace. */
export function mainRecordIdOf(encodedNamespace: string, key: string): string {
  return createHash('sha256').update(JSON.stringify([encodedNamespace, key])).digest('hex');
}

/** The id of the `i`-th (1-based) extra record of an item. */
export function extraRecordId(mainId: string, i: number): string {
  return `${mainId}#${i}`;
}

/** Builds the payload of one record of an item. */
export function recordPayload(
  item: { namespace: readonly string[]; key: string; value: Record<string, unknown>; createdAt: number; updatedAt: number },
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
  };
}

/** A unit vector for records that have no text to embed (the routing layer needs a vector for every item). */
export function placeholderVector(d: number): Float32Array {
  const v = new Float32Array(d);
  v[0] = 1;
  return v;
}
