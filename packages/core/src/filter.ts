/**
 * Payload filters: one small, validated language shared by SRM queries, the
 * LangChain and LlamaIndex adapters, and the Qdrant translation.
 *
 * A filter is either a condition on one field, or `and` / `or` / `not` of
 * filters. A plain object without those keys is shorthand for equality on
 * each of its fields: `{ source: "a", lang: "en" }`.
 *
 * Field names may use dots for nested payloads (`"meta.source"`). Only own
 * properties are read, so `__proto__`, `constructor` and `prototype` never
 * reach an object's prototype chain.
 */
import { InvalidInputError } from './errors.js';
import { describe } from './util/describe.js';
import type { Payload } from './vocabulary.js';

/** Comparison operators of a {@link FieldCondition}. */
export type FilterOp =
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'in'
  | 'nin'
  /** The field is an array that contains `value`, or a string that contains it as a substring. */
  | 'contains'
  /** Case-insensitive substring match on a string field (LlamaIndex `text_match`). */
  | 'text'
  /** The field is present and not null (`value` must be true) or absent/null (`value` false). */
  | 'exists';

/** A scalar that conditions compare against. */
export type FilterScalar = string | number | boolean;

/** A condition on one payload field. */
export interface FieldCondition {
  field: string;
  op: FilterOp;
  value: FilterScalar | FilterScalar[];
}

/** The filter AST. */
export type PayloadFilter = FieldCondition | { and: PayloadFilter[] } | { or: PayloadFilter[] } | { not: PayloadFilter };

/** What public APIs accept: the AST or the equality shorthand. */
export type FilterInput = PayloadFilter | Record<string, FilterScalar>;

const OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'text', 'exists']);
const MAX_DEPTH = 32;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isScalar(x: unknown): x is FilterScalar {
  return typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
}

function fail(path: string, message: string): never {
  throw new InvalidInputError(`invalid filter at ${path}: ${message}`);
}

/**
 * Validates a filter and returns it in AST form (shorthand expanded).
 * Throws {@link InvalidInputError} naming the offending path.
 */
export function normalizeFilter(input: unknown, path = 'filter', depth = 0): PayloadFilter {
  if (depth > MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH}`);
  if (!isPlainObject(input)) fail(path, `expected an object, got ${describe(input)}`);
  const keys = Object.keys(input);
  for (const logical of ['and', 'or'] as const) {
    if (Object.hasOwn(input, logical)) {
      if (keys.length !== 1) fail(path, `"${logical}" must be the only key`);
      const list = input[logical];
      if (!Array.isArray(list)) fail(`${path}.${logical}`, `expected an array, got ${describe(list)}`);
      const children = list.map((c, i) => normalizeFilter(c, `${path}.${logical}[${i}]`, depth + 1));
      return logical === 'and' ? { and: children } : { or: children };
    }
  }
  if (Object.hasOwn(input, 'not')) {
    if (keys.length !== 1) fail(path, '"not" must be the only key');
    return { not: normalizeFilter(input.not, `${path}.not`, depth + 1) };
  }
  if (Object.hasOwn(input, 'field') && Object.hasOwn(input, 'op')) {
    return normalizeCondition(input, path);
  }
  // Shorthand: { a: 1, b: "x" } is the AND of equalities.
  if (keys.length === 0) return { and: [] };
  const conds = keys.map((field) => {
    const value = input[field];
    if (!isScalar(value)) fail(`${path}.${field}`, `expected a string, finite number or boolean, got ${describe(value)}`);
    checkField(field, `${path}.${field}`);
    return { field, op: 'eq' as const, value };
  });
  return conds.length === 1 ? conds[0]! : { and: conds };
}

function normalizeCondition(input: Record<string, unknown>, path: string): FieldCondition {
  const { field, op, value } = input;
  for (const k of Object.keys(input)) {
    if (k !== 'field' && k !== 'op' && k !== 'value') fail(path, `unknown key "${k}"`);
  }
  if (typeof field !== 'string') fail(`${path}.field`, `expected a string, got ${describe(field)}`);
  checkField(field, `${path}.field`);
  if (typeof op !== 'string' || !OPS.has(op)) fail(`${path}.op`, `unknown operator ${JSON.stringify(op)}; expected one of ${[...OPS].join(', ')}`);
  const o = op as FilterOp;
  if (o === 'in' || o === 'nin') {
    if (!Array.isArray(value) || !value.every(isScalar)) fail(`${path}.value`, `"${o}" needs an array of scalars, got ${describe(value)}`);
    return { field, op: o, value: [...value] };
  }
  if (o === 'exists') {
    if (typeof value !== 'boolean') fail(`${path}.value`, `"exists" needs true or false, got ${describe(value)}`);
    return { field, op: o, value };
  }
  if (!isScalar(value)) fail(`${path}.value`, `"${o}" needs a string, finite number or boolean, got ${describe(value)}`);
  if ((o === 'gt' || o === 'gte' || o === 'lt' || o === 'lte') && typeof value !== 'number' && typeof value !== 'string') {
    fail(`${path}.value`, `"${o}" needs a number or string, got ${describe(value)}`);
  }
  if (o === 'text' && typeof value !== 'string') fail(`${path}.value`, `"text" needs a string, got ${describe(value)}`);
  return { field, op: o, value };
}

function checkField(field: string, path: string): void {
  if (field.length === 0 || field.length > 256) fail(path, 'field names must have 1 to 256 characters');
  if (field.split('.').some((p) => p.length === 0)) fail(path, `empty segment in field "${field}"`);
}

/** Reads a dotted field path through own properties only. */
export function readField(payload: unknown, field: string): unknown {
  let cur: unknown = payload;
  for (const part of field.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function compare(a: unknown, b: FilterScalar): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function matchesCondition(payload: Payload, c: FieldCondition): boolean {
  const v = readField(payload, c.field);
  switch (c.op) {
    case 'eq':
      return Array.isArray(v) ? v.includes(c.value) : v === c.value;
    case 'ne':
      return Array.isArray(v) ? !v.includes(c.value) : v !== c.value;
    case 'in':
      return Array.isArray(v) ? v.some((x) => (c.value as FilterScalar[]).includes(x)) : (c.value as FilterScalar[]).includes(v as FilterScalar);
    case 'nin':
      return Array.isArray(v) ? !v.some((x) => (c.value as FilterScalar[]).includes(x)) : !(c.value as FilterScalar[]).includes(v as FilterScalar);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const d = compare(v, c.value as FilterScalar);
      if (d === undefined) return false;
      return c.op === 'gt' ? d > 0 : c.op === 'gte' ? d >= 0 : c.op === 'lt' ? d < 0 : d <= 0;
    }
    case 'contains':
      if (Array.isArray(v)) return v.includes(c.value);
      return typeof v === 'string' && typeof c.value === 'string' && v.includes(c.value);
    case 'text':
      return typeof v === 'string' && v.toLowerCase().includes((c.value as string).toLowerCase());
    case 'exists':
      return (v !== undefined && v !== null) === c.value;
  }
}

/** True when `payload` satisfies the (normalised) filter. */
export function matchesFilter(payload: Payload, filter: PayloadFilter): boolean {
  if ('and' in filter) return filter.and.every((f) => matchesFilter(payload, f));
  if ('or' in filter) return filter.or.some((f) => matchesFilter(payload, f));
  if ('not' in filter) return !matchesFilter(payload, filter.not);
  return matchesCondition(payload, filter);
}

/** Validates `input` once and returns a predicate over payloads. */
export function compileFilter(input: FilterInput): (payload: Payload) => boolean {
  const ast = normalizeFilter(input);
  return (payload) => matchesFilter(payload, ast);
}
