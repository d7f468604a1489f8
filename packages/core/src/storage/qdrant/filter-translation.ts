/**
 * Translation of our {@link PayloadFilter} AST into a Qdrant `Filter`.
 *
 * A pure function: no client, no I/O, so it is unit-tested on its own. The
 * SRM store nests the user payload under one key (see `srm-store.ts`), so
 * callers pass a `keyPrefix` that every field path is placed under.
 *
 * Where Qdrant's semantics and ours differ, the translation follows ours:
 * - `ne` / `nin` become `must_not`, so a missing field matches (as in
 *   `matchesFilter`); Qdrant's `match.except` would not match it.
 * - `match.value` takes strings, integers and booleans only; a non-integer
 *   number is matched with a closed range `[v, v]`.
 * - `match.any` takes all-string or all-integer lists; other lists are split
 *   into a `should` of per-kind conditions.
 * - `or: []` matches nothing here but everything in Qdrant (an empty `should`
 *   is no condition), so "matches nothing" is folded out and reported as
 *   `false` instead of being sent.
 *
 * What Qdrant cannot express exactly is refused with an
 * {@link InvalidInputError} rather than approximated: `text`
 * (case-insensitive substring; Qdrant's text match is case-sensitive or
 * tokenised) and `gt`/`gte`/`lt`/`lte` on strings (Qdrant ranges are
 * numeric). {@link isQdrantTranslatable} tells a caller beforehand, so it can
 * filter in process instead.
 *
 * Known residual differences, documented in docs/backends.md: Qdrant walks
 * into arrays of objects on dotted paths, applies ranges to each array
 * element, and treats an empty array as empty for `exists`.
 */
import { InvalidInputError } from '../../errors.js';
import type { FieldCondition, FilterScalar, PayloadFilter } from '../../filter.js';

// The Qdrant types below are the subset of the REST API's `Filter` that the translation writes,
// declared here rather than imported so that the published declarations type-check in apps
// without the optional `@qdrant/js-client-rest`; they are assignable to the client's own types.

/** A Qdrant filter: every `must` condition holds, at least one `should`, no `must_not`. */
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}
/** A condition on one payload key: an exact match, any of a list, a substring, or a numeric range. */
export interface QdrantFieldCondition {
  key: string;
  match?: { value: string | number | boolean } | { any: string[] | number[] } | { text: string };
  range?: { gt?: number; gte?: number; lt?: number; lte?: number };
}
/** One Qdrant condition: a field condition, an `is_empty` test, or a nested filter. */
export type QdrantCondition = QdrantFieldCondition | { is_empty: { key: string } } | QdrantFilter;

/** Options of {@link toQdrantFilter}. */
export interface FilterTranslationOptions {
  /**
   * Payload key that user fields live under, e.g. `"user"` makes field
   * `"meta.source"` the Qdrant key `user.meta.source`. Default: none (fields are
   * top-level keys).
   */
  keyPrefix?: string;
}

/** A condition that always holds (`and: []`), or never holds (`or: []`), folded at translation time. */
type Folded = QdrantCondition | true | false;

/**
 * Translates a normalised filter (see `normalizeFilter`) into a Qdrant
 * filter. Returns `false` when no point can match, so the caller can skip the
 * request. Throws {@link InvalidInputError} for conditions Qdrant cannot
 * evaluate with our semantics.
 *
 * @example
 * toQdrantFilter({ field: 'lang', op: 'in', value: ['en', 'fr'] }, { keyPrefix: 'user' })
 * // { must: [{ key: 'user.lang', match: { any: ['en', 'fr'] } }] }
 */
export function toQdrantFilter(filter: PayloadFilter, options: FilterTranslationOptions = {}): QdrantFilter | false {
  const folded = translate(filter, options.keyPrefix, 'filter');
  if (folded === false) return false;
  if (folded === true) return {};
  return isFilter(folded) ? folded : { must: [folded] };
}

/** True when {@link toQdrantFilter} can translate `filter` (it would not throw). */
export function isQdrantTranslatable(filter: PayloadFilter, options: FilterTranslationOptions = {}): boolean {
  return untranslatableReason(filter, options) === undefined;
}

/** Why `filter` cannot be translated, or `undefined` when it can. */
export function untranslatableReason(filter: PayloadFilter, options: FilterTranslationOptions = {}): string | undefined {
  try {
    toQdrantFilter(filter, options);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidInputError) return err.message;
    throw err;
  }
}

/**
 * The Qdrant payload key of a dotted field path. Segments that are not plain
 * (letters, digits, `_`, `-`) are quoted, as Qdrant's JSON-path grammar
 * requires; a segment holding `"` or `\` cannot be written at all.
 */
export function qdrantKey(field: string, keyPrefix?: string): string {
  const segments = field.split('.');
  for (const s of segments) {
    if (s.includes('"') || s.includes('\\')) {
      throw new InvalidInputError(`invalid filter field "${field}": Qdrant keys cannot contain '"' or '\\' (segment ${JSON.stringify(s)})`);
    }
  }
  const path = segments.map((s) => (PLAIN_KEY.test(s) ? s : `"${s}"`)).join('.');
  return keyPrefix ? `${keyPrefix}.${path}` : path;
}

const PLAIN_KEY = /^[\p{L}\p{N}_-]+$/u;

function isFilter(c: QdrantCondition): c is QdrantFilter {
  return 'must' in c || 'should' in c || 'must_not' in c;
}

function translate(f: PayloadFilter, prefix: string | undefined, path: string): Folded {
  if ('and' in f) {
    const parts: QdrantCondition[] = [];
    for (let i = 0; i < f.and.length; i++) {
      const c = translate(f.and[i]!, prefix, `${path}.and[${i}]`);
      if (c === false) return false;
      if (c !== true) parts.push(c);
    }
    return parts.length === 0 ? true : { must: parts };
  }
  if ('or' in f) {
    const parts: QdrantCondition[] = [];
    for (let i = 0; i < f.or.length; i++) {
      const c = translate(f.or[i]!, prefix, `${path}.or[${i}]`);
      if (c === true) return true;
      if (c !== false) parts.push(c);
    }
    return parts.length === 0 ? false : { should: parts };
  }
  if ('not' in f) {
    const c = translate(f.not, prefix, `${path}.not`);
    if (c === true) return false;
    if (c === false) return true;
    return { must_not: [c] };
  }
  return translateCondition(f, prefix, path);
}

function translateCondition(c: FieldCondition, prefix: string | undefined, path: string): Folded {
  const key = qdrantKey(c.field, prefix);
  switch (c.op) {
    case 'eq':
      return equals(key, c.value as FilterScalar);
    case 'ne':
      return { must_not: [equals(key, c.value as FilterScalar)] };
    case 'in':
      return anyOf(key, c.value as FilterScalar[]);
    case 'nin': {
      const inner = anyOf(key, c.value as FilterScalar[]);
      return inner === false ? true : { must_not: [inner] };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof c.value !== 'number') {
        throw new InvalidInputError(`invalid filter at ${path}: "${c.op}" on a string is not supported by the Qdrant backend (Qdrant ranges are numeric)`);
      }
      return { key, range: { [c.op]: c.value } };
    case 'contains': {
      // Array element equal to the value, or (strings) a substring: Qdrant's
      // `match.text` is an exact substring match when the field has no full-text index.
      const element = equals(key, c.value as FilterScalar);
      if (typeof c.value !== 'string') return element;
      return { should: [element, { key, match: { text: c.value } }] };
    }
    case 'text':
      throw new InvalidInputError(
        `invalid filter at ${path}: "text" (case-insensitive substring) is not supported by the Qdrant backend; filter in process instead`,
      );
    case 'exists': {
      const empty: QdrantCondition = { is_empty: { key } };
      return c.value === true ? { must_not: [empty] } : empty;
    }
  }
}

function equals(key: string, v: FilterScalar): QdrantCondition {
  if (typeof v === 'number' && !Number.isInteger(v)) return { key, range: { gte: v, lte: v } };
  return { key, match: { value: v } };
}

function anyOf(key: string, values: readonly FilterScalar[]): QdrantCondition | false {
  if (values.length === 0) return false;
  const strings: string[] = [];
  const integers: number[] = [];
  const others: QdrantCondition[] = [];
  for (const v of values) {
    if (typeof v === 'string') strings.push(v);
    else if (typeof v === 'number' && Number.isInteger(v)) integers.push(v);
    else others.push(equals(key, v));
  }
  const parts: QdrantCondition[] = [...others];
  if (strings.length > 0) parts.unshift({ key, match: { any: strings } });
  if (integers.length > 0) parts.unshift({ key, match: { any: integers } });
  return parts.length === 1 ? parts[0]! : { should: parts };
}
