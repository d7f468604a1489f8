/**
 * Input checks of the SRM public API. Each returns fresh, owned data (vectors
 * are copied and normalised here), so callers' inputs are never mutated and
 * a rejected batch leaves no trace.
 */
import { DimensionMismatchError, InvalidInputError, LimitExceededError } from '../errors.js';
import { Limits } from '../limits.js';
import { isStorableId } from '../storage/srm-record-checks.js';
import type { Payload } from '../storage/types.js';
import { hasLoneSurrogate } from '../util/unicode.js';
import { normalizeInPlace } from '../util/vector-math.js';
import type { AddOptions, ProgressCallback, VectorBatch, VectorLike } from './types.js';

/** The payload of a row added without one. */
const EMPTY_PAYLOAD: Payload = Object.freeze({});

function isVectorLike(v: unknown): v is VectorLike {
  return v instanceof Float32Array || Array.isArray(v);
}

/**
 * Copies a batch into one row-major Float32Array, checking shape and finiteness; normalises rows if asked.
 * `maxRows` defaults to the add batch limit; a training set for `fit` may be larger.
 */
export function toMatrix(
  vectors: readonly VectorLike[] | Float32Array,
  d: number,
  normalize: boolean,
  maxRows: number = Limits.maxBatchSize,
): { data: Float32Array; n: number } {
  return matrixOf(vectors, d, normalize, maxRows, false);
}

/**
 * {@link toMatrix} for `add`, whose array may hold `null` rows (items without a vector): those
 * rows stay zeros and `present` marks the others (null when every row has a vector).
 */
function toAddMatrix(vectors: VectorBatch, d: number, normalize: boolean): { data: Float32Array; n: number; present: Uint8Array | null } {
  return matrixOf(vectors, d, normalize, Limits.maxBatchSize, true);
}

/**
 * The checked input of `add` (`allowEmpty` false) or `addAndDelete`: the rows, their ids (undefined:
 * to be generated) and payloads, and the ids to delete, deduplicated.
 */
export function checkWriteInput(
  vectors: VectorBatch,
  opts: AddOptions,
  deleteIdsIn: readonly string[] | undefined,
  allowEmpty: boolean,
  config: { d: number; normalize: boolean },
): { data: Float32Array; n: number; present: Uint8Array | null; ids: string[] | undefined; payloads: Payload[]; deleteIds: string[] } {
  const deleteIds = [...new Set(checkIds(deleteIdsIn ?? [], 'deleteIds', false))];
  const empty = allowEmpty && Array.isArray(vectors) && vectors.length === 0;
  const { data, n, present } = empty ? { data: new Float32Array(0), n: 0, present: null } : toAddMatrix(vectors, config.d, config.normalize);
  const ids = opts.ids === undefined ? undefined : checkIds(opts.ids, 'ids', true);
  if (ids && ids.length !== n) throw new InvalidInputError(`ids has ${ids.length} entries for ${n} vectors`);
  if (opts.payloads !== undefined && (!Array.isArray(opts.payloads) || opts.payloads.length !== n)) {
    throw new InvalidInputError(`payloads must be an array with one entry per vector (${n})`);
  }
  // Without payloads every row shares one frozen empty payload: an object per row would live through the batch's store write.
  const given = opts.payloads;
  const payloads = given === undefined ? new Array<Payload>(n).fill(EMPTY_PAYLOAD) : given.map((p, i) => checkPayload(p, `payloads[${i}]`));
  const both = ids ? deleteIds.find((id) => ids.includes(id)) : undefined;
  if (both !== undefined) throw new InvalidInputError(`id ${JSON.stringify(both)} is both in ids and in deleteIds`);
  return { data, n, present, ids, payloads, deleteIds };
}

function matrixOf(
  vectors: VectorBatch,
  d: number,
  normalize: boolean,
  maxRows: number,
  allowNull: boolean,
): { data: Float32Array; n: number; present: Uint8Array | null } {
  let n: number;
  let data: Float32Array;
  let present: Uint8Array | null = null;
  if (vectors instanceof Float32Array) {
    if (vectors.length === 0) throw new InvalidInputError('vectors: the batch is empty');
    if (vectors.length % d !== 0) throw new DimensionMismatchError(d, vectors.length, `flat batch of length ${vectors.length} (not a multiple of d)`);
    n = vectors.length / d;
    data = vectors.slice();
  } else {
    if (!Array.isArray(vectors)) throw new InvalidInputError(`vectors: expected an array of vectors or a Float32Array, got ${typeof vectors}`);
    n = vectors.length;
    if (n === 0) throw new InvalidInputError('vectors: the batch is empty');
    if (n > maxRows) throw new LimitExceededError('batch size', maxRows, n);
    data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const v: unknown = vectors[i];
      if (v === null && allowNull) {
        present ??= new Uint8Array(n).fill(1);
        present[i] = 0;
        continue;
      }
      if (!isVectorLike(v))
        throw new InvalidInputError(
          `vectors[${i}]: expected a Float32Array${allowNull ? ', number[] or null' : ' or number[]'}, got ${v === null ? 'null' : typeof v}`,
        );
      if (v.length !== d) throw new DimensionMismatchError(d, v.length, `vectors[${i}]`);
      for (let j = 0; j < d; j++) {
        const x: unknown = v[j];
        if (typeof x !== 'number') throw new InvalidInputError(`vectors[${i}][${j}] is a ${typeof x}; every value must be a finite number`);
        data[i * d + j] = x;
      }
    }
  }
  if (n > maxRows) throw new LimitExceededError('batch size', maxRows, n);
  for (let i = 0; i < n * d; i++) {
    const x = data[i]!;
    // Float32 conversion also turns huge doubles into Infinity, which is caught here.
    if (!Number.isFinite(x)) throw new InvalidInputError(`vectors[${Math.floor(i / d)}][${i % d}] is ${x}; every value must be finite`);
  }
  if (normalize) {
    for (let i = 0; i < n; i++) {
      if (present && !present[i]) continue;
      const norm = normalizeInPlace(data, i * d, d);
      if (!(norm > 0) || !Number.isFinite(norm))
        throw new InvalidInputError(`vectors[${i}] has zero length (or underflows float32); cosine similarity needs a direction`);
    }
  }
  return { data, n, present };
}

/** One query vector, copied and checked. */
export function toQuery(vector: VectorLike, d: number, normalize: boolean): Float32Array {
  if (!isVectorLike(vector)) throw new InvalidInputError(`query: expected a Float32Array or number[], got ${vector === null ? 'null' : typeof vector}`);
  if (vector.length !== d) throw new DimensionMismatchError(d, vector.length, 'query vector');
  return toMatrix([vector], d, normalize).data;
}

/** Checks one id: a non-empty, well-formed string within the length limit. */
export function checkId(id: unknown, where: string): string {
  if (typeof id !== 'string') throw new InvalidInputError(`${where}: ids must be strings, got ${id === null ? 'null' : typeof id}`);
  if (id.length === 0) throw new InvalidInputError(`${where}: ids must not be empty`);
  if (id.length > Limits.maxIdLength) throw new LimitExceededError(`${where} length`, Limits.maxIdLength, id.length);
  if (hasLoneSurrogate(id)) throw new InvalidInputError(`${where}: id contains a lone UTF-16 surrogate and would not survive storage`);
  return id;
}

/** Checks a list of ids; with `unique`, a repeated id is an error. */
export function checkIds(ids: unknown, what: string, unique: boolean): string[] {
  if (!Array.isArray(ids)) throw new InvalidInputError(`${what}: expected an array of ids, got ${ids === null ? 'null' : typeof ids}`);
  if (ids.length > Limits.maxBatchSize) throw new LimitExceededError(`${what} batch size`, Limits.maxBatchSize, ids.length);
  // The location is built only for a bad id: this runs for every id of every batch.
  const out = ids.map((id: unknown, i) => (isStorableId(id) ? id : checkId(id, `${what}[${i}]`)));
  if (unique) {
    const seen = new Set<string>();
    for (const id of out) {
      if (seen.has(id)) throw new InvalidInputError(`${what}: id ${JSON.stringify(id)} appears twice in one batch`);
      seen.add(id);
    }
  }
  return out;
}

/** `base.key` when `key` is an identifier, else `base["key"]`: a path a reader can paste. */
function childPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** What JSON would silently change about `v` (NaN to null, a Date to a string, a Map to {}), or undefined. */
function changedByJson(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(v) ? undefined : `${v} (JSON would store null)`;
    case 'undefined':
      return 'undefined (JSON would drop it, or store null in an array)';
    case 'object': {
      if (v === null || Array.isArray(v)) return undefined;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
        return `a ${typeof name === 'string' && name ? name : 'non-plain object'} (only plain objects, arrays, strings, finite numbers, booleans and null are stored as given)`;
      }
      return typeof (v as { toJSON?: unknown }).toJSON === 'function' ? 'an object with toJSON (JSON would store what toJSON returns)' : undefined;
    }
    default:
      return `a ${typeof v} (JSON cannot store it)`;
  }
}

/**
 * Refuses any value inside a payload that JSON would change, naming its path
 * (`payloads[2].meta.when`), so what is stored is exactly what was given.
 * Iterative, so a deeply nested payload cannot overflow the stack.
 */
function checkJsonExact(root: unknown, where: string): void {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: where }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const problem = changedByJson(value);
    if (problem !== undefined) throw new InvalidInputError(`${path} is ${problem}`);
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) throw new InvalidInputError(`${path}[${i}] is a hole in a sparse array (JSON would store null)`);
        stack.push({ value: value[i], path: `${path}[${i}]` });
      }
    } else {
      for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: childPath(path, key) });
    }
  }
}

/**
 * Checks a payload: a plain JSON object within the size limit, holding only values
 * JSON stores as given. Returns its JSON round trip.
 * @throws InvalidInputError naming the path of a value JSON would change (NaN, a Date, a Map, undefined, ...).
 */
export function checkPayload(p: unknown, where: string): Payload {
  if (p === undefined) return {};
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    throw new InvalidInputError(`${where}: payload must be a plain object, got ${p === null ? 'null' : Array.isArray(p) ? 'an array' : typeof p}`);
  let json: string;
  try {
    json = JSON.stringify(p);
  } catch (cause) {
    throw new InvalidInputError(`${where}: payload is not JSON-serialisable (${(cause as Error).message})`, { cause });
  }
  if (typeof json !== 'string') throw new InvalidInputError(`${where}: payload serialises to nothing (a toJSON that returns undefined?)`);
  if (json.length > Limits.maxPayloadBytes) throw new LimitExceededError(`${where} payload size`, Limits.maxPayloadBytes, json.length);
  checkJsonExact(p, where);
  return JSON.parse(json) as Payload;
}

/** Checks a result count. */
export function checkK(k: unknown, field: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new InvalidInputError(`${field} must be a positive integer, got ${JSON.stringify(k)}`);
  if (k > Limits.maxK) throw new LimitExceededError(field, Limits.maxK, k);
  return k;
}

/**
 * The options argument of a public method: `undefined` means none; anything but a
 * plain object (null, a string, an array) is refused rather than read as an object.
 */
export function checkOptions<T extends object>(opts: T | undefined, where: string): T {
  if (opts === undefined) return {} as T;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new InvalidInputError(
      `${where}: options must be an object or left out, got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`,
    );
  }
  return opts;
}

/**
 * Wraps a caller's `onProgress` so that an exception in it cannot fail the operation it
 * reports on: once a write is committed, a throwing callback must not turn it into a
 * reported failure, and an operation half done must not stop midway because of it. The
 * first exception per operation is reported as a process warning (code
 * `SRM_PROGRESS_CALLBACK_THREW`, visible with `process.on('warning')`); later ones are ignored.
 * @throws InvalidInputError when `onProgress` is given and is not a function.
 */
export function guardProgress(onProgress: unknown, where: string): ProgressCallback | undefined {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== 'function')
    throw new InvalidInputError(`${where}: onProgress must be a function, got ${onProgress === null ? 'null' : typeof onProgress}`);
  let warned = false;
  return (event) => {
    try {
      (onProgress as ProgressCallback)(event);
    } catch (err) {
      if (warned) return;
      warned = true;
      process.emitWarning(`${where}: the onProgress callback threw (${err instanceof Error ? err.message : String(err)}); the operation went on`, {
        code: PROGRESS_WARNING_CODE,
      });
    }
  };
}

/** `code` of the process warning emitted when an `onProgress` callback throws. */
export const PROGRESS_WARNING_CODE = 'SRM_PROGRESS_CALLBACK_THREW';
