/**
 * Translation of LlamaIndex `MetadataFilters` into the SRM payload filter
 * language (`PayloadFilter` of `@srm/core`). Pure: no store is touched, so a
 * bad filter fails before any read or write.
 *
 * Node metadata is stored flat at the top level of an SRM payload (the
 * LlamaIndex `nodeToMetadata` layout), so a filter key is a payload field.
 * A key with dots (`"meta.source"`) reads a nested metadata object.
 */
import { InvalidInputError, matchesFilter, normalizeFilter } from '@srm/core';
import { readField } from '@srm/core/storage';
import type { FieldCondition, FilterOp, FilterScalar, Payload, PayloadFilter } from '@srm/core';
import type { MetadataFilter, MetadataFilters } from '@llamaindex/core/vector-store';

/** LlamaIndex operator to SRM operator, for the operators with a one-to-one meaning. */
const DIRECT_OPS: Readonly<Record<string, FilterOp>> = {
  '==': 'eq',
  '!=': 'ne',
  '>': 'gt',
  '<': 'lt',
  '>=': 'gte',
  '<=': 'lte',
  in: 'in',
  nin: 'nin',
  contains: 'contains',
  // LlamaIndex: "a substring, token or phrase within the text field"; SRM matches it case-insensitively.
  text_match: 'text',
};

/** Operators that expand to several conditions on an array field. */
const ARRAY_OPS = new Set(['any', 'all']);

/** LlamaIndex's `is_empty`: the field is missing, null, "" or an empty array (SimpleVectorStore's test). */
const IS_EMPTY = 'is_empty';

/** Every LlamaIndex operator this adapter understands. */
export const SUPPORTED_FILTER_OPERATORS: readonly string[] = [...Object.keys(DIRECT_OPS), ...ARRAY_OPS, IS_EMPTY];

/**
 * A translated filter: the SRM filter AST, or, when it uses `is_empty` (which the AST cannot say
 * for an empty array), a predicate over payloads. Both run inside the memory's search.
 */
export type QueryFilter = PayloadFilter | ((payload: Payload) => boolean);

/** The tree before it becomes a {@link QueryFilter}: AST leaves plus `is_empty` conditions. */
type Node = { ast: PayloadFilter } | { isEmpty: string } | { and: Node[] } | { or: Node[] } | { not: Node };

/**
 * Translates LlamaIndex metadata filters into an SRM {@link PayloadFilter} (or a predicate, see
 * {@link QueryFilter}).
 *
 * - `==`, `!=`, `>`, `<`, `>=`, `<=`, `in`, `nin`, `contains` map one to one.
 * - `text_match` is a case-insensitive substring match on a string field.
 * - `any` (the array field holds at least one of the values) and `all` (it holds every value)
 *   expand to an OR / AND of `contains`.
 * - `is_empty` (no value needed) matches a field that is missing, null, `""` or `[]`.
 * - `condition` is `"and"` (default), `"or"`, or `"not"` (LlamaIndex Python: none of the filters
 *   matches); an element of `filters` that is itself a `MetadataFilters` (as LlamaIndex Python
 *   allows) nests.
 *
 * Returns `undefined` when there is nothing to filter on (no filters, or an empty list).
 *
 * @throws InvalidInputError for an unknown operator or condition, a missing key, or a value of
 *   the wrong shape (e.g. `in` without an array). The message names the offending filter.
 */
export function toPayloadFilter(filters: MetadataFilters | undefined | null): QueryFilter | undefined {
  if (filters === undefined || filters === null) return undefined;
  const tree = translateGroup(filters, 'filters', 0);
  if (tree === undefined) return undefined;
  if (!hasIsEmpty(tree)) return normalizeFilter(toAst(tree), 'filters');
  // Validate every AST leaf with the core's own checker now, so a bad value fails before any search.
  const checked = normalizeLeaves(tree);
  return (payload) => evaluate(checked, payload);
}

function hasIsEmpty(n: Node): boolean {
  if ('isEmpty' in n) return true;
  if ('ast' in n) return false;
  if ('not' in n) return hasIsEmpty(n.not);
  return ('and' in n ? n.and : n.or).some(hasIsEmpty);
}

function toAst(n: Node): PayloadFilter {
  if ('ast' in n) return n.ast;
  if ('isEmpty' in n) throw new Error('unreachable: is_empty has no AST form');
  if ('not' in n) return { not: toAst(n.not) };
  return 'and' in n ? { and: n.and.map(toAst) } : { or: n.or.map(toAst) };
}

function normalizeLeaves(n: Node): Node {
  if ('ast' in n) return { ast: normalizeFilter(n.ast, 'filters') };
  if ('isEmpty' in n) return n;
  if ('not' in n) return { not: normalizeLeaves(n.not) };
  return 'and' in n ? { and: n.and.map(normalizeLeaves) } : { or: n.or.map(normalizeLeaves) };
}

function evaluate(n: Node, payload: Payload): boolean {
  if ('ast' in n) return matchesFilter(payload, n.ast);
  if ('isEmpty' in n) {
    const v = readField(payload, n.isEmpty);
    return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  }
  if ('not' in n) return !evaluate(n.not, payload);
  return 'and' in n ? n.and.every((c) => evaluate(c, payload)) : n.or.some((c) => evaluate(c, payload));
}

const MAX_DEPTH = 16;

function translateGroup(group: unknown, path: string, depth: number): Node | undefined {
  if (depth > MAX_DEPTH) throw new InvalidInputError(`invalid filter at ${path}: nested deeper than ${MAX_DEPTH}`);
  if (typeof group !== 'object' || group === null || Array.isArray(group)) {
    throw new InvalidInputError(`invalid filter at ${path}: expected MetadataFilters ({ filters, condition? }), got ${describe(group)}`);
  }
  const { filters, condition } = group as { filters?: unknown; condition?: unknown };
  if (!Array.isArray(filters)) {
    throw new InvalidInputError(`invalid filter at ${path}.filters: expected an array, got ${describe(filters)}`);
  }
  const cond = condition ?? 'and';
  if (cond !== 'and' && cond !== 'or' && cond !== 'not') {
    throw new InvalidInputError(`invalid filter at ${path}.condition: expected "and", "or" or "not", got ${describe(condition)}`);
  }
  const children: Node[] = [];
  filters.forEach((f: unknown, i) => {
    const at = `${path}.filters[${i}]`;
    const child = isGroup(f) ? translateGroup(f, at, depth + 1) : translateOne(f, at);
    if (child !== undefined) children.push(child);
  });
  if (children.length === 0) return undefined;
  if (cond === 'not') return { not: children.length === 1 ? children[0]! : { or: children } };
  if (children.length === 1) return children[0];
  return cond === 'and' ? { and: children } : { or: children };
}

function isGroup(f: unknown): boolean {
  return typeof f === 'object' && f !== null && Object.hasOwn(f, 'filters');
}

function translateOne(f: unknown, path: string): Node {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) {
    throw new InvalidInputError(`invalid filter at ${path}: expected { key, operator, value }, got ${describe(f)}`);
  }
  const { key, operator, value } = f as Partial<MetadataFilter> & { operator?: unknown };
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidInputError(`invalid filter at ${path}.key: expected a non-empty string, got ${describe(key)}`);
  }
  const op = operator ?? '==';
  if (op === IS_EMPTY) {
    if (value !== undefined && value !== null) {
      throw new InvalidInputError(`invalid filter at ${path}.value: operator "is_empty" on key "${key}" takes no value, got ${describe(value)}`);
    }
    return { isEmpty: key };
  }
  if (typeof op !== 'string' || !(Object.hasOwn(DIRECT_OPS, op) || ARRAY_OPS.has(op))) {
    throw new InvalidInputError(
      `invalid filter at ${path}.operator: unknown operator ${typeof op === 'string' ? JSON.stringify(op) : describe(op)} on key "${key}"; supported: ${SUPPORTED_FILTER_OPERATORS.join(', ')}`,
    );
  }
  if (value === undefined) {
    throw new InvalidInputError(`invalid filter at ${path}.value: operator "${op}" on key "${key}" needs a value`);
  }
  if (ARRAY_OPS.has(op)) {
    if (!Array.isArray(value) || value.length === 0) {
      throw new InvalidInputError(`invalid filter at ${path}.value: operator "${op}" needs a non-empty array, got ${describe(value)}`);
    }
    const conds = (value as FilterScalar[]).map((v): FieldCondition => ({ field: key, op: 'contains', value: v }));
    return { ast: op === 'any' ? { or: conds } : { and: conds } };
  }
  const mapped = DIRECT_OPS[op]!;
  if ((mapped === 'in' || mapped === 'nin') && !Array.isArray(value)) {
    throw new InvalidInputError(`invalid filter at ${path}.value: operator "${op}" needs an array, got ${describe(value)}`);
  }
  if (mapped !== 'in' && mapped !== 'nin' && Array.isArray(value)) {
    throw new InvalidInputError(`invalid filter at ${path}.value: operator "${op}" needs a single value, got an array`);
  }
  return { ast: { field: key, op: mapped, value: value as FilterScalar | FilterScalar[] } };
}

function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${JSON.stringify(x)}`;
}
