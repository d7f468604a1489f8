/**
 * Input checks shared by every {@link SRMItemStore} backend, so that the embedded
 * and the Qdrant store refuse the same inputs with the same errors before
 * either touches its storage.
 */
import { DimensionMismatchError, InvalidInputError, LimitExceededError } from '../errors.js';
import { normalizeFilter, type PayloadFilter } from '../filter.js';
import { Limits } from '../limits.js';
import { describe } from '../util/describe.js';
import { hasLoneSurrogate } from '../util/unicode.js';
import { NO_VECTOR_BUCKET, type FetchWants, type ScanOptions, type SRMRecord, type SRMItemStore } from './types.js';

// The backends take the description helper from here with the checks that use it.
export { describe } from '../util/describe.js';

/** Largest slot (slots are uint32 handles). */
export const MAX_UINT32 = 0xffff_ffff;
/** Largest bucket (buckets are int32, -1 meaning "not routed yet", -2 "no vector"). */
export const MAX_INT32 = 0x7fff_ffff;

/**
 * The upserts of a write batch that passed every check, in columns: row i is `ids[i]`,
 * `slots[i]`, ... An object per row would live through the whole transaction of a large batch
 * and be promoted out of V8's young generation, to be collected later by a full collection
 * that pauses queries.
 */
export interface CheckedUpserts {
  ids: string[];
  slots: Uint32Array;
  buckets: Int32Array;
  /** The callers' arrays, not copies. */
  vectors: Float32Array[];
  /** Each payload as JSON text of an object, at most `Limits.maxPayloadBytes` UTF-8 bytes. */
  payloadJson: string[];
}

/** A checked `write` batch: the storable ids to delete, then the records to upsert. */
export interface CheckedWriteBatch {
  /**
   * `deleteIds` without the ids that could never be stored (empty, too long,
   * lone surrogates), which need no delete; duplicates are kept.
   */
  deleteIds: string[];
  upserts: CheckedUpserts;
}

/**
 * Checks the whole argument of {@link SRMItemStore.write} for a store of dimension `dim`:
 * the batch shape, the `deleteIds` list, then each upsert's id, slot, bucket, vector
 * (type, dimension, finite values) and payload, and that no id or slot appears twice.
 *
 * @throws InvalidInputError naming the first bad field (`write: upserts[3].slot ...`).
 * @throws DimensionMismatchError for a vector of another length than `dim`.
 * @throws LimitExceededError for an id or a payload over its limit.
 */
export function checkWriteBatch(batch: unknown, dim: number): CheckedWriteBatch {
  if (typeof batch !== 'object' || batch === null) throw new InvalidInputError(`write expects { upserts?, deleteIds? }, got ${describe(batch)}`);
  const { upserts, deleteIds } = batch as { upserts?: unknown; deleteIds?: unknown };
  return { deleteIds: checkDeleteIds(deleteIds), upserts: checkUpserts(upserts, dim) };
}

function checkDeleteIds(deleteIds: unknown): string[] {
  if (deleteIds === undefined) return [];
  checkIdList(deleteIds, 'write: deleteIds');
  return deleteIds.filter(isStorableId);
}

function checkUpserts(given: unknown, dim: number): CheckedUpserts {
  const upserts = given ?? [];
  if (!Array.isArray(upserts)) throw new InvalidInputError(`write: upserts must be an array of records, got ${describe(upserts)}`);
  const n = upserts.length;
  const out: CheckedUpserts = { ids: [], slots: new Uint32Array(n), buckets: new Int32Array(n), vectors: [], payloadJson: [] };
  const ids = new Set<string>();
  // Error locations are built only on failure: this loop runs for every row of every batch.
  for (let i = 0; i < n; i++) {
    const rec = upserts[i] as SRMRecord;
    if (typeof rec !== 'object' || rec === null) throw new InvalidInputError(`write: upserts[${i}] must be a record, got ${describe(rec)}`);
    const { id, slot, bucket, vector, payload } = rec;
    if (!isStorableId(id)) checkStorableId(id, `write: upserts[${i}].id`);
    if (!isSlot(slot)) throw new InvalidInputError(`write: upserts[${i}].slot must be an integer in [0, ${MAX_UINT32}], got ${describe(slot)}`);
    if (!Number.isInteger(bucket) || bucket < NO_VECTOR_BUCKET || bucket > MAX_INT32) {
      throw new InvalidInputError(`write: upserts[${i}].bucket must be an integer in [${NO_VECTOR_BUCKET}, ${MAX_INT32}], got ${describe(bucket)}`);
    }
    if (!(vector instanceof Float32Array)) throw new InvalidInputError(`write: upserts[${i}].vector must be a Float32Array, got ${describe(vector)}`);
    if (vector.length !== dim) throw new DimensionMismatchError(dim, vector.length, `write: vector of id ${JSON.stringify(id)}`);
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(vector[j])) {
        throw new InvalidInputError(`write: vector of id ${JSON.stringify(id)} has ${vector[j]} at index ${j}; expected finite numbers`);
      }
    }
    // A record without a vector stores zeros, so that no reader can take them for a vector.
    if (bucket === NO_VECTOR_BUCKET && vector.some((x) => x !== 0)) {
      throw new InvalidInputError(`write: upserts[${i}] has bucket ${NO_VECTOR_BUCKET} (no vector) but a non-zero vector`);
    }
    if (ids.has(id)) throw new InvalidInputError(`write: id ${JSON.stringify(id)} appears twice in one batch`);
    ids.add(id);
    out.ids.push(id);
    out.slots[i] = slot;
    out.buckets[i] = bucket;
    out.vectors.push(vector);
    out.payloadJson.push(serialisePayload(payload, id));
  }
  // Sorted in a copy rather than kept in a Set of numbers: no hash table per batch.
  const sorted = out.slots.slice().sort();
  for (let i = 1; i < n; i++) {
    if (sorted[i] === sorted[i - 1]) throw new InvalidInputError(`write: slot ${sorted[i]} appears twice in one batch`);
  }
  return out;
}

/**
 * The payload as JSON text, checked to be an object within `Limits.maxPayloadBytes`.
 * Both backends store what JSON keeps (dates become strings, undefined values vanish).
 */
function serialisePayload(payload: unknown, id: string): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} must be a JSON object, got ${describe(payload)}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (cause) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} is not JSON-serialisable (${(cause as Error).message})`, { cause });
  }
  if (typeof text !== 'string' || !text.startsWith('{')) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} does not serialise to a JSON object`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > Limits.maxPayloadBytes) throw new LimitExceededError('payload bytes', Limits.maxPayloadBytes, bytes);
  return text;
}

/** The slots of {@link SRMItemStore.fetchSlots} as a plain array, each checked to be a uint32. */
export function checkSlotList(slots: ArrayLike<number>): number[] {
  if (slots === null || typeof slots !== 'object' || typeof slots.length !== 'number') {
    throw new InvalidInputError(`fetchSlots expects an array of slots, got ${describe(slots)}`);
  }
  const keys: number[] = [];
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as number;
    if (!isSlot(s)) throw new InvalidInputError(`slot at index ${i} must be an integer in [0, ${MAX_UINT32}], got ${describe(s)}`);
    keys.push(s);
  }
  return keys;
}

/** Checks the arguments of {@link SRMItemStore.setBuckets}: typed arrays of equal length, buckets >= -1 (a record's vector, or its lack, is set by `write` alone). */
export function checkBucketUpdate(slots: Uint32Array, buckets: Int32Array): void {
  if (!(slots instanceof Uint32Array)) throw new InvalidInputError(`setBuckets: slots must be a Uint32Array, got ${describe(slots)}`);
  if (!(buckets instanceof Int32Array)) throw new InvalidInputError(`setBuckets: buckets must be an Int32Array, got ${describe(buckets)}`);
  if (slots.length !== buckets.length) {
    throw new InvalidInputError(`setBuckets: ${slots.length} slots but ${buckets.length} buckets; expected equal lengths`);
  }
  for (let i = 0; i < buckets.length; i++) {
    if ((buckets[i] as number) < -1) throw new InvalidInputError(`setBuckets: bucket at index ${i} is ${buckets[i]}, expected >= -1`);
  }
}

/** Checks the page size of {@link SRMItemStore.scan}. */
export function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidInputError(`scan: pageSize must be a positive integer, got ${describe(pageSize)}`);
}

/**
 * Checks the options of {@link SRMItemStore.scan} (a page size, or `{ pageSize, filter }`) and
 * returns them with the filter normalised.
 */
export function checkScanOptions(options: unknown, defaultPageSize: number): { pageSize: number; filter: PayloadFilter | undefined } {
  if (options === undefined) return { pageSize: defaultPageSize, filter: undefined };
  if (typeof options === 'number') {
    checkPageSize(options);
    return { pageSize: options, filter: undefined };
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidInputError(`scan: options must be a page size or { pageSize, filter }, got ${describe(options)}`);
  }
  const { pageSize = defaultPageSize, filter, ...rest } = options as ScanOptions;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new InvalidInputError(`scan: unknown option ${JSON.stringify(unknown[0])}; expected pageSize or filter`);
  checkPageSize(pageSize);
  return { pageSize, filter: filter === undefined ? undefined : normalizeFilter(filter) };
}

/** Checks that `want` of a read is an object. */
export function checkWant(want: FetchWants): void {
  if (typeof want !== 'object' || want === null) throw new InvalidInputError(`want must be an object like { id: true }, got ${describe(want)}`);
}

/** Checks that a list of ids (for `slotsOf`, `fetchIds`, `deleteIds`) is an array of strings; `where` starts the message. */
export function checkIdList(ids: unknown, where: string): asserts ids is readonly string[] {
  if (!Array.isArray(ids)) throw new InvalidInputError(`${where} expects an array of ids, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string') throw new InvalidInputError(`${where}: id at index ${i} must be a string, got ${describe(ids[i])}`);
  }
}

/** Whether `s` is a valid slot: an integer in [0, {@link MAX_UINT32}]. */
export function isSlot(s: unknown): s is number {
  return typeof s === 'number' && Number.isInteger(s) && s >= 0 && s <= MAX_UINT32;
}

/**
 * An id that can be stored and read back unchanged: non-empty, within `Limits.maxIdLength`,
 * and well-formed UTF-16 (both backends store UTF-8, which would mangle lone surrogates).
 */
export function isStorableId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= Limits.maxIdLength && !hasLoneSurrogate(id);
}

function checkStorableId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string') throw new InvalidInputError(`${where} must be a string, got ${describe(id)}`);
  if (id.length === 0) throw new InvalidInputError(`${where} must not be empty`);
  if (id.length > Limits.maxIdLength) throw new LimitExceededError('id length', Limits.maxIdLength, id.length);
  if (hasLoneSurrogate(id)) throw new InvalidInputError(`${where} ${JSON.stringify(id)} contains a lone surrogate; expected well-formed UTF-16`);
}
