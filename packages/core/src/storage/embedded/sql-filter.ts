/**
 * A {@link PayloadFilter} as a SQLite condition on the items table's JSON `payload` column, so that a
 * filtered scan reads only the rows that can match instead of decoding every row.
 *
 * Each condition is written with `json_type` / `json_extract` / `json_each`; values and JSON paths
 * are bound parameters, never SQL text. Where SQLite cannot say exactly what `matchesFilter` says
 * (case-insensitive `text`, whose lowercasing is Unicode in JS and ASCII in SQLite; string ranges,
 * which JS orders by UTF-16 code units and SQLite by UTF-8 bytes; a field path through an array
 * index), the condition becomes "true": the SQL then selects a superset, and the caller re-checks
 * each row it returns with `matchesFilter`. `exact` says whether that re-check is needed.
 */
import type { FieldCondition, FilterScalar, PayloadFilter } from '../../filter.js';

/** A SQL boolean expression over `payload`, its parameters in order, and whether it is exact. */
export interface SqlFilter {
  sql: string;
  params: (string | number)[];
  /** False when the SQL may select rows that do not match (never the other way round). */
  exact: boolean;
}

const TRUE: SqlFilter = { sql: '1', params: [], exact: false };

/** The SQLite condition of a normalised filter (see the module comment). */
export function toSqlFilter(filter: PayloadFilter): SqlFilter {
  if ('and' in filter) return combine(filter.and.map(toSqlFilter), 'AND', '1');
  if ('or' in filter) return combine(filter.or.map(toSqlFilter), 'OR', '0');
  if ('not' in filter) {
    const inner = toSqlFilter(filter.not);
    // The negation of a superset is not a superset: only an exact condition may be negated.
    return inner.exact ? { sql: `NOT (${inner.sql})`, params: inner.params, exact: true } : TRUE;
  }
  return condition(filter);
}

function combine(parts: SqlFilter[], op: 'AND' | 'OR', empty: string): SqlFilter {
  if (parts.length === 0) return { sql: empty, params: [], exact: true };
  return {
    sql: parts.map((p) => `(${p.sql})`).join(` ${op} `),
    params: parts.flatMap((p) => p.params),
    exact: parts.every((p) => p.exact),
  };
}

/**
 * The JSON path of a dotted field, each segment quoted; undefined when SQLite would read it
 * otherwise than `readField` (a quote or backslash in a segment, or a segment that an array
 * answers as an own property: an index or `length`).
 */
function jsonPath(field: string): string | undefined {
  const segments = field.split('.');
  if (segments.some((s) => /["\\]/.test(s) || /^\d+$/.test(s) || s === 'length')) return undefined;
  return '$' + segments.map((s) => `."${s}"`).join('');
}

/** `json_each` row types of a scalar's JSON value. */
function typeTest(value: FilterScalar): { sql: string; params: (string | number)[] } {
  if (typeof value === 'string') return { sql: "type = 'text' AND value = ?", params: [value] };
  if (typeof value === 'number') return { sql: "type IN ('integer', 'real') AND value = ?", params: [value] };
  return { sql: value ? "type = 'true'" : "type = 'false'", params: [] };
}

/**
 * `v === value`, or `v` an array holding `value` (the `eq` of `matchesFilter`): `json_each` of a
 * scalar is that one scalar, of an array its elements; an object is excluded.
 */
function equals(path: string, value: FilterScalar): SqlFilter {
  const t = typeTest(value);
  return {
    sql: `coalesce(json_type(payload, ?), 'object') <> 'object' AND EXISTS (SELECT 1 FROM json_each(payload, ?) WHERE ${t.sql})`,
    params: [path, path, ...t.params],
    exact: true,
  };
}

/** Values of one `in` list bound as parameters; a longer list selects a superset (checked in process). */
const MAX_IN_VALUES = 10_000;

/**
 * `equals(path, v)` for any `v` of `values`, as one `json_each` scan with an `IN` list per type:
 * an `OR` per value would nest one expression level per value, and SQLite refuses trees deeper
 * than 1000. Undefined when the list is too long to bind.
 */
function equalsAny(path: string, values: readonly FilterScalar[]): { sql: string; params: (string | number)[] } | undefined {
  if (values.length > MAX_IN_VALUES) return undefined;
  const texts = values.filter((v): v is string => typeof v === 'string');
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const tests: string[] = [];
  if (texts.length > 0) tests.push(`(type = 'text' AND value IN (${texts.map(() => '?').join(', ')}))`);
  if (numbers.length > 0) tests.push(`(type IN ('integer', 'real') AND value IN (${numbers.map(() => '?').join(', ')}))`);
  if (values.includes(true)) tests.push("type = 'true'");
  if (values.includes(false)) tests.push("type = 'false'");
  if (tests.length === 0) return { sql: '0', params: [] };
  return {
    sql: `coalesce(json_type(payload, ?), 'object') <> 'object' AND EXISTS (SELECT 1 FROM json_each(payload, ?) WHERE ${tests.join(' OR ')})`,
    params: [path, path, ...texts, ...numbers],
  };
}

function condition(c: FieldCondition): SqlFilter {
  const path = jsonPath(c.field);
  if (path === undefined) return TRUE;
  const exact = (sql: string, params: (string | number)[]): SqlFilter => ({ sql: `coalesce((${sql}), 0)`, params, exact: true });
  switch (c.op) {
    case 'eq': {
      const e = equals(path, c.value as FilterScalar);
      return exact(e.sql, e.params);
    }
    case 'ne': {
      const e = equals(path, c.value as FilterScalar);
      return exact(`NOT (coalesce((${e.sql}), 0))`, e.params);
    }
    case 'in':
    case 'nin': {
      const any = equalsAny(path, c.value as FilterScalar[]);
      if (any === undefined) return TRUE;
      return exact(c.op === 'in' ? any.sql : `NOT (coalesce((${any.sql}), 0))`, any.params);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof c.value !== 'number') return TRUE;
      const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op];
      return exact(`json_type(payload, ?) IN ('integer', 'real') AND json_extract(payload, ?) ${cmp} ?`, [path, path, c.value]);
    }
    case 'contains': {
      const value = c.value as FilterScalar;
      const t = typeTest(value);
      const inArray = `json_type(payload, ?) = 'array' AND EXISTS (SELECT 1 FROM json_each(payload, ?) WHERE ${t.sql})`;
      if (typeof value !== 'string') return exact(inArray, [path, path, ...t.params]);
      const inText = `json_type(payload, ?) = 'text' AND instr(json_extract(payload, ?), ?) > 0`;
      return exact(`(${inArray}) OR (${inText})`, [path, path, ...t.params, path, path, value]);
    }
    case 'text':
      return TRUE;
    case 'exists': {
      const present = `coalesce(json_type(payload, ?), 'null') <> 'null'`;
      return exact(c.value ? present : `NOT (${present})`, [path]);
    }
  }
}
