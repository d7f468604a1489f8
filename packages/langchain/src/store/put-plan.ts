/**
 * What a run of consecutive puts writes: the records to upsert and to delete, computed from
 * the items stored before, so that the whole run is one `addAndDelete` of the memory (one
 * transaction), and the bound on what one put may write.
 */
import { Limits, LimitExceededError } from '@srm/core';
import { encodeNamespace } from './namespace.js';
import type { PreparedPut } from './operations.js';
import { extraRecordId, mainRecordId, orderOf, recordPayload } from './records.js';
import type { StoreRecordPayload } from './records.js';
import { expiryOf } from './ttl.js';

/**
 * Most bytes one put may write: its records (one per embedded text, at least one) times the
 * size of one record (the value plus the namespace, key and bookkeeping). 8 MB: a value of
 * the largest size (about 1 MB) can be indexed on up to 7 texts, a 10 KB value on several
 * hundred. Every record carries the whole item, so indexing a large value on many fields
 * multiplies it; a put over the bound is a `LimitExceededError` and writes nothing.
 */
export const MAX_PUT_BYTES = 8 * Limits.maxPayloadBytes;

/**
 * Checks the bound on one put, before anything is embedded.
 * @throws LimitExceededError naming the operation, with records x record size.
 */
export function checkPutBytes(op: PreparedPut, texts: number, where: string): void {
  if (op.value === null) return;
  const sample = recordPayload(
    { namespace: op.namespace, key: op.key, value: op.value, createdAt: 0, updatedAt: 0, ttl: op.ttl ?? null, expiresAt: 0, order: 0 },
    { main: true, indexed: true, vectors: 0 },
  );
  // Timestamps and counters get their full width in the real records.
  const recordBytes = Buffer.byteLength(JSON.stringify(sample), 'utf8') + 64;
  const records = Math.max(1, texts);
  if (records * recordBytes > MAX_PUT_BYTES) {
    throw new LimitExceededError(`${where}: bytes written by one put (${records} records x ${recordBytes} bytes)`, MAX_PUT_BYTES, records * recordBytes);
  }
}

/** How a put changes the namespace index: the item's old expiry (if it existed) and its new one (if it still exists). */
export interface NamespaceChange {
  namespace: string;
  before?: number | null;
  after?: number | null;
}

/** The writes of a run of puts. */
export interface PutPlan {
  ids: string[];
  /** Null for the main record of an item with no text to embed: it is stored without a vector. */
  vectors: (Float32Array | null)[];
  payloads: StoreRecordPayload[];
  deleteIds: string[];
  changes: NamespaceChange[];
}

/** What the plan needs to know about each put and the store. */
export interface PlanInput {
  /** The puts, last write of a key winning, keyed by main record id. */
  puts: Map<string, PreparedPut>;
  /** The stored main record of each put's item, by main record id. */
  stored: Map<string, StoreRecordPayload>;
  /** The texts each put embeds. */
  textsOf(op: PreparedPut): { text: string }[];
  embedded: Map<string, Float32Array>;
  now: number;
  defaultTtl: number | null;
  /** A new insertion order for an item that did not exist. */
  nextOrder(): number;
}

/**
 * Plans a run of puts: every record of each item is written again (the main record and one
 * per embedded text), records the item no longer has are deleted, and a `null` value
 * deletes all of the item's records.
 */
export function planPuts(input: PlanInput): PutPlan {
  const plan: PutPlan = { ids: [], vectors: [], payloads: [], deleteIds: [], changes: [] };
  for (const [id, op] of input.puts) {
    const old = input.stored.get(id);
    const oldVectors = old?.vectors ?? 0;
    const namespace = encodeNamespace(op.namespace);
    const change: NamespaceChange = { namespace };
    if (old) change.before = old.expiresAt ?? null;
    if (op.value === null) {
      if (!old) continue;
      plan.deleteIds.push(id);
      for (let j = 1; j < oldVectors; j++) plan.deleteIds.push(extraRecordId(id, j));
      plan.changes.push(change);
      continue;
    }
    const ttl = op.ttl === undefined ? input.defaultTtl : op.ttl;
    const item = {
      namespace: op.namespace,
      key: op.key,
      value: op.value,
      createdAt: old?.createdAt ?? input.now,
      updatedAt: input.now,
      ttl,
      expiresAt: expiryOf(ttl, input.now),
      order: old ? orderOf(old) : input.nextOrder(),
    };
    change.after = item.expiresAt;
    plan.changes.push(change);
    const texts = input.textsOf(op);
    if (texts.length === 0) {
      plan.ids.push(id);
      plan.vectors.push(null);
      plan.payloads.push(recordPayload(item, { main: true, indexed: false, vectors: 0 }));
    } else {
      texts.forEach((t, j) => {
        plan.ids.push(j === 0 ? id : extraRecordId(id, j));
        plan.vectors.push(input.embedded.get(t.text)!);
        plan.payloads.push(recordPayload(item, { main: j === 0, indexed: true, vectors: texts.length }));
      });
    }
    for (let j = Math.max(1, texts.length); j < oldVectors; j++) plan.deleteIds.push(extraRecordId(id, j));
  }
  return plan;
}

/** The main record ids of puts, last write of a key winning at the position of its first write. */
export function putsById(ops: readonly PreparedPut[]): Map<string, PreparedPut> {
  const byId = new Map<string, PreparedPut>();
  for (const op of ops) byId.set(mainRecordId(op.namespace, op.key), op);
  return byId;
}
