/**
 * Translation of the filters LangChain users write into the core filter AST
 * ({@link PayloadFilter}). Pure functions: no store, no I/O.
 *
 * Two dialects are accepted, and fields are always relative to a scope
 * (`metadata` for documents, `value` for LangGraph store items):
 *
 * - the core dialect ({@link FilterInput}): `{ field, op, value }`,
 *   `{ and: [...] }`, `{ or: [...] }`, `{ not: ... }`;
 * - the Mongo-like dialect of LangChain's vector stores and LangGraph's
 *   stores: `{ source: "a" }`, `{ year: { $gte: 2020 } }`,
 *   `{ tag: { $in: ["x", "y"] } }`, `{ $and: [...] }`, `{ $or: [...] }`,
 *   `{ $not: {...} }`.
 *
 * An object with both `field` and `op` keys is read as a core condition,
 * and `and` / `or` / `not` as the core connectives, as in `normalizeFilter`.
 */
import { InvalidInputError, normalizeFilter } from '@srm/core';
import type { FieldCondition, FilterInput, FilterScalar, PayloadFilter } from '@srm/core';

/** Comparison operators of the Mongo-like dialect. */
export type MetadataOperator = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$exists' | '$contains';

/** A value condition in the Mongo-like dialect: a scalar, `null`, or operators. */
export type MetadataCondition =
  | FilterScalar
  | null
  | (Partial<Record<Exclude<MetadataOperator, '$in' | '$nin' | '$exists'>, FilterScalar>> & {
      $in?: FilterScalar[];
      $nin?: FilterScalar[];
      $exists?: boolean;
    });

/** The Mongo-like dialect: field conditions and `$and` / `$or` / `$not`. */
export interface MongoStyleFilter {
  $and?: MongoStyleFilter[];
  $or?: MongoStyleFilter[];
  $not?: MongoStyleFilter;
  [field: string]: MetadataCondition | MongoStyleFilter[] | MongoStyleFilter | undefined;
}

/** What the adapters accept as an object filter: either dialect. */
export type MetadataFilter = FilterInput | MongoStyleFilter;

const OPERATOR_TO_OP: Readonly<Record<MetadataOperator, FieldCondition['op']>> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
  $in: 'in',
  $nin: 'nin',
  $exists: 'exists',
  $contains: 'contains',
};

const MAX_DEPTH = 32;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') return `an object of class ${x.constructor?.name ?? 'unknown'}`;
  return `${typeof x} ${JSON.stringify(x) ?? String(x)}`;
}

function fail(path: string, message: string): never {
  throw new InvalidInputError(`invalid filter at ${path}: ${message}`);
}

/**
 * Translates a metadata filter (either dialect) into the core AST with every
 * field prefixed by `scope` (e.g. `"metadata"`), and validates the result.
 *
 * @param filter the user's filter object.
 * @param scope the payload field the user's field names are relative to; `""` for none.
 * @returns a validated {@link PayloadFilter}.
 * @throws InvalidInputError naming the offending path, for anything that is not a filter
 *   (a string, an array, an unknown `$operator`, a non-scalar value, ...).
 *
 * @example
 * ```ts
 * translateMetadataFilter({ source: 'a', year: { $gte: 2020 } }, 'metadata');
 * // { and: [ { field: 'metadata.source', op: 'eq', value: 'a' },
 * //          { field: 'metadata.year', op: 'gte', value: 2020 } ] }
 * ```
 */
export function translateMetadataFilter(filter: unknown, scope: string): PayloadFilter {
  const translated = translate(filter, scope === '' ? '' : `${scope}.`, 'filter', 0);
  // The core validator checks scalars, operators and field names once more and
  // expands nothing (the translation only emits AST nodes).
  return normalizeFilter(translated);
}

function translate(input: unknown, prefix: string, path: string, depth: number): PayloadFilter {
  if (depth > MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH}`);
  if (!isPlainObject(input)) fail(path, `expected a filter object, got ${describe(input)}`);
  const keys = Object.keys(input);

  // Core dialect.
  if (Object.hasOwn(input, 'field') && Object.hasOwn(input, 'op')) {
    const field = input.field;
    if (typeof field !== 'string') fail(`${path}.field`, `expected a string, got ${describe(field)}`);
    return { ...(input as unknown as FieldCondition), field: prefix + field };
  }
  for (const logical of ['and', 'or', '$and', '$or'] as const) {
    if (!Object.hasOwn(input, logical)) continue;
    if (keys.length !== 1) fail(path, `"${logical}" must be the only key of its object`);
    const list = input[logical];
    if (!Array.isArray(list)) fail(`${path}.${logical}`, `expected an array of filters, got ${describe(list)}`);
    const children = list.map((c, i) => translate(c, prefix, `${path}.${logical}[${i}]`, depth + 1));
    return logical.endsWith('and') ? { and: children } : { or: children };
  }
  for (const negation of ['not', '$not'] as const) {
    if (!Object.hasOwn(input, negation)) continue;
    if (keys.length !== 1) fail(path, `"${negation}" must be the only key of its object`);
    return { not: translate(input[negation], prefix, `${path}.${negation}`, depth + 1) };
  }

  // Field conditions, ANDed.
  const conditions: PayloadFilter[] = [];
  for (const field of keys) {
    if (field.startsWith('$')) fail(`${path}.${field}`, `unknown operator "${field}"; expected $and, $or or $not`);
    conditions.push(...translateField(prefix + field, input[field], `${path}.${field}`));
  }
  return conditions.length === 1 ? conditions[0]! : { and: conditions };
}

function translateField(field: string, condition: unknown, path: string): PayloadFilter[] {
  if (condition === null) return [{ field, op: 'exists', value: false }];
  if (!isPlainObject(condition)) {
    // Scalars are equality; everything else is reported by the core validator with its path.
    return [{ field, op: 'eq', value: condition as FilterScalar }];
  }
  const ops = Object.keys(condition);
  if (ops.length === 0) fail(path, 'expected at least one operator, got an empty object');
  return ops.map((operator): PayloadFilter => {
    if (!Object.hasOwn(OPERATOR_TO_OP, operator)) {
      fail(`${path}.${operator}`, `unknown operator "${operator}"; expected one of ${Object.keys(OPERATOR_TO_OP).join(', ')}`);
    }
    const value = condition[operator];
    const op = OPERATOR_TO_OP[operator as MetadataOperator];
    // `$eq: null` / `$ne: null` are the Mongo spelling of absence / presence.
    if (value === null && (op === 'eq' || op === 'ne')) return { field, op: 'exists', value: op === 'ne' };
    return { field, op, value: value as FilterScalar };
  });
}
