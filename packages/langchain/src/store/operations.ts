/**
 * Validation of LangGraph store operations, done for a whole batch before
 * anything is embedded or written, so that bad input changes no state.
 */
import { InvalidInputError, Limits, LimitExceededError } from '@srm/core';
import type { PayloadFilter } from '@srm/core';
import type { MatchCondition, Operation } from '@langchain/langgraph-checkpoint';
import { translateMetadataFilter } from '../metadata-filter.js';
import { tokenizeFieldPath } from './index-fields.js';
import { validateNamespacePath, validateWriteNamespace } from './namespace.js';
import { checkPutTtl } from './ttl.js';

/** A validated `get`. */
export interface PreparedGet {
  kind: 'get';
  namespace: string[];
  key: string;
  /** Refresh the item's TTL: true / false, or undefined for the store's `refreshOnRead`. */
  refreshTtl: boolean | undefined;
}

/** A validated `search`; `filter` is already translated to the payload layout. */
export interface PreparedSearch {
  kind: 'search';
  prefix: string[];
  filter: PayloadFilter | undefined;
  limit: number;
  offset: number;
  /** A non-empty query text, or undefined for a plain listing. */
  query: string | undefined;
  /** Refresh the TTL of the returned items: true / false, or undefined for the store's `refreshOnRead`. */
  refreshTtl: boolean | undefined;
}

/** A validated `put` (`value: null` deletes). */
export interface PreparedPut {
  kind: 'put';
  namespace: string[];
  key: string;
  value: Record<string, unknown> | null;
  /** `false`: never embedded; an array: these fields instead of the index config's. */
  index: false | string[] | undefined;
  /** TTL in minutes, null for "never expires", undefined for the store's `defaultTtl`. */
  ttl: number | null | undefined;
}

/** A validated `listNamespaces`. */
export interface PreparedList {
  kind: 'list';
  conditions: MatchCondition[];
  maxDepth: number | undefined;
  limit: number;
  offset: number;
}

export type PreparedOperation = PreparedGet | PreparedSearch | PreparedPut | PreparedList;

/** Most results one search or listing may return. */
export const MAX_LIMIT = Limits.maxK;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function checkKey(key: unknown, where: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > Limits.maxIdLength) {
    throw new InvalidInputError(`${where}: key must be a string of 1 to ${Limits.maxIdLength} characters, got ${JSON.stringify(key)}`);
  }
  return key;
}

function checkCount(value: unknown, name: string, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(`${where}: ${name} must be an integer >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkRefresh(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new InvalidInputError(`${where}: refreshTtl must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

function checkValue(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new InvalidInputError(
      `${where}: value must be a plain object (or null to delete), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new InvalidInputError(`${where}: value is not JSON-serialisable`, { cause });
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  // Leave room for the namespace, key and bookkeeping stored next to the value.
  const max = Limits.maxPayloadBytes - 16_384;
  if (bytes > max) throw new LimitExceededError(`${where}: value size in bytes`, max, bytes);
  return value;
}

function prepareOne(op: unknown, i: number): PreparedOperation {
  const where = `operation ${i}`;
  if (!isPlainObject(op)) throw new InvalidInputError(`${where} must be an object, got ${op === null ? 'null' : typeof op}`);
  if ('namespacePrefix' in op) {
    validateNamespacePath(op.namespacePrefix, `${where}: namespacePrefix`);
    const limit = checkCount(op.limit, 'limit', where, 10);
    const offset = checkCount(op.offset, 'offset', where, 0);
    if (offset + limit > MAX_LIMIT) throw new LimitExceededError(`${where}: offset + limit`, MAX_LIMIT, offset + limit);
    if (op.query !== undefined && op.query !== null && typeof op.query !== 'string') {
      throw new InvalidInputError(`${where}: query must be a string, got ${typeof op.query}`);
    }
    const filter = op.filter === undefined || op.filter === null ? undefined : translateMetadataFilter(op.filter, 'value');
    const query = typeof op.query === 'string' && op.query.length > 0 ? op.query : undefined;
    const refreshTtl = checkRefresh(op.refreshTtl, where);
    return { kind: 'search', prefix: [...op.namespacePrefix], filter, limit, offset, query, refreshTtl };
  }
  if ('matchConditions' in op || (!('namespace' in op) && 'limit' in op)) {
    const conditions = op.matchConditions ?? [];
    if (!Array.isArray(conditions)) throw new InvalidInputError(`${where}: matchConditions must be an array`);
    conditions.forEach((c: unknown, j) => {
      if (!isPlainObject(c) || (c.matchType !== 'prefix' && c.matchType !== 'suffix')) {
        throw new InvalidInputError(`${where}: matchConditions[${j}] must be { matchType: "prefix" | "suffix", path }`);
      }
      validateNamespacePath(c.path, `${where}: matchConditions[${j}].path`);
    });
    const maxDepth = op.maxDepth === undefined ? undefined : checkCount(op.maxDepth, 'maxDepth', where, 0);
    if (maxDepth === 0) throw new InvalidInputError(`${where}: maxDepth must be >= 1, got 0`);
    const limit = checkCount(op.limit, 'limit', where, 100);
    const offset = checkCount(op.offset, 'offset', where, 0);
    return { kind: 'list', conditions: conditions as MatchCondition[], maxDepth, limit, offset };
  }
  if ('value' in op) {
    validateWriteNamespace(op.namespace);
    const key = checkKey(op.key, where);
    const value = op.value === null ? null : checkValue(op.value, where);
    let index: false | string[] | undefined;
    if (op.index === undefined || op.index === null) index = undefined;
    else if (op.index === false) index = false;
    else if (Array.isArray(op.index)) {
      index = op.index.map((p: unknown) => {
        tokenizeFieldPath(p as string);
        return p as string;
      });
    } else throw new InvalidInputError(`${where}: index must be false or an array of field paths, got ${JSON.stringify(op.index)}`);
    const ttl = checkPutTtl(op.ttl, where);
    return { kind: 'put', namespace: [...op.namespace], key, value, index, ttl };
  }
  if ('namespace' in op && 'key' in op) {
    validateNamespacePath(op.namespace, `${where}: namespace`);
    return { kind: 'get', namespace: [...op.namespace], key: checkKey(op.key, where), refreshTtl: checkRefresh(op.refreshTtl, where) };
  }
  throw new InvalidInputError(`${where} is not a get, search, put or listNamespaces operation (keys: ${Object.keys(op).join(', ') || 'none'})`);
}

/**
 * Validates every operation of a batch.
 * @throws InvalidInputError or LimitExceededError naming the operation's index and the problem.
 */
export function prepareOperations(operations: readonly Operation[]): PreparedOperation[] {
  if (!Array.isArray(operations)) throw new InvalidInputError(`batch expects an array of operations, got ${typeof operations}`);
  return operations.map((op, i) => prepareOne(op, i));
}
