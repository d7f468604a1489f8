/**
 * Which texts of a LangGraph item get embedded. Paths follow LangGraph's
 * index config: `"$"` is the whole value (as pretty JSON), `"a.b"` a nested
 * field, `"a[0]"`, `"a[-1]"` and `"a[*]"` array elements, `"a.*"` every
 * property of an object.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { InvalidConfigError, InvalidInputError, Limits } from '@srm/core';

/** One text to embed and the path it came from (`"tags.1"` for the second of many). */
/**
 * The store's `index` option, checked: `dims` within the limits, an Embeddings object, and field
 * paths that parse (default `["$"]`, the whole value).
 * @throws InvalidConfigError naming the bad field.
 */
export function checkIndexConfig<T extends { dims: number; embeddings: EmbeddingsInterface; fields?: string[] }>(index: T): T & { fields: string[] } {
  if (!Number.isInteger(index.dims) || index.dims < 1 || index.dims > Limits.maxDimension) {
    throw new InvalidConfigError('index.dims', `expected an integer in [1, ${Limits.maxDimension}], got ${JSON.stringify(index.dims)}`);
  }
  if (typeof index.embeddings?.embedDocuments !== 'function' || typeof index.embeddings?.embedQuery !== 'function') {
    throw new InvalidConfigError('index.embeddings', 'expected an Embeddings object with embedDocuments and embedQuery');
  }
  const fields = index.fields ?? ['$'];
  if (!Array.isArray(fields)) throw new InvalidConfigError('index.fields', 'expected an array of field paths');
  fields.forEach((f) => tokenizeFieldPath(f));
  return { ...index, fields: [...fields] };
}

export interface IndexText {
  path: string;
  text: string;
}

/** Splits `"a.b[0].c"` into `["a", "b", "[0]", "c"]`. */
export function tokenizeFieldPath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidInputError(`an index field path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  if (path === '$') return ['$'];
  const tokens: string[] = [];
  const re = /\[[^\]]*\]|[^.[\]]+/g;
  for (const match of path.matchAll(re)) tokens.push(match[0]);
  if (tokens.length === 0) throw new InvalidInputError(`index field path ${JSON.stringify(path)} has no field names`);
  return tokens;
}

function leafText(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (typeof x === 'number' || typeof x === 'boolean') return [String(x)];
  if (x !== null && typeof x === 'object') return [JSON.stringify(x, null, 2)];
  return [];
}

function walk(x: unknown, tokens: readonly string[], pos: number): string[] {
  if (pos === tokens.length) return leafText(x);
  const token = tokens[pos]!;
  if (token.startsWith('[')) {
    if (!Array.isArray(x)) return [];
    const inner = token.slice(1, -1);
    if (inner === '*') return x.flatMap((el) => walk(el, tokens, pos + 1));
    const n = Number(inner);
    if (!Number.isInteger(n)) return [];
    const i = n < 0 ? x.length + n : n;
    return i >= 0 && i < x.length ? walk(x[i], tokens, pos + 1) : [];
  }
  if (token === '*') {
    if (Array.isArray(x)) return x.flatMap((el) => walk(el, tokens, pos + 1));
    if (x !== null && typeof x === 'object') return Object.values(x).flatMap((el) => walk(el, tokens, pos + 1));
    return [];
  }
  // Own properties only: a path never reaches an object's prototype.
  if (x === null || typeof x !== 'object' || Array.isArray(x) || !Object.hasOwn(x, token)) return [];
  return walk((x as Record<string, unknown>)[token], tokens, pos + 1);
}

/**
 * The texts of `value` at each of `fields`, in order. A path that matches
 * several texts yields `path.0`, `path.1`, ...; blank texts are skipped,
 * since no embedding model can give them a meaning.
 */
export function extractIndexTexts(value: Record<string, unknown>, fields: readonly string[]): IndexText[] {
  const out: IndexText[] = [];
  for (const path of fields) {
    const tokens = tokenizeFieldPath(path);
    const texts = tokens[0] === '$' ? [JSON.stringify(value, null, 2)] : walk(value, tokens, 0);
    texts.forEach((text, i) => {
      if (text.trim().length > 0) out.push({ path: texts.length > 1 ? `${path}.${i}` : path, text });
    });
  }
  return out;
}
