/**
 * Checks on everything a caller hands to {@link SemanticMemory}. Each check
 * runs before any state changes and throws a typed error that names the field.
 */
import { InvalidInputError, LimitExceededError } from '../errors.js';
import { Limits } from '../limits.js';
import { describe } from '../util/describe.js';
import { hasLoneSurrogate } from '../util/unicode.js';
import type { GlossaryEntry } from '../vocabulary.js';

/** What `memorize` accepts: a {@link GlossaryEntry} whose category, aliases and description are optional. */
export interface MemorizeInput {
  /** The term. Trimmed; kept in its original casing for display; case-insensitive for identity. */
  key: string;
  /** Its meaning (an expansion, a short definition). */
  value: string;
  /** Owner of the entry. No `"::"`, no trailing `":"`, no control characters. */
  agentId: string;
  /** Free-form grouping used by `listAll`. Default `"general"`. */
  category?: string;
  /** Other names of the term; each is indexed like the key. Default none. */
  aliases?: string[];
  /** Longer explanation; indexed with weight 1. Default `""`. */
  description?: string;
}

/** Category given to entries memorized without one. */
export const DEFAULT_CATEGORY = 'general';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/u;

function requireString(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new InvalidInputError(`${field} must be a string, got ${describe(v)}`);
  return v;
}

function requireWellFormed(field: string, v: string): void {
  if (hasLoneSurrogate(v)) throw new InvalidInputError(`${field} contains a lone UTF-16 surrogate, which cannot be stored faithfully`);
}

function requireMax(limit: string, v: string, max: number): void {
  if (v.length > max) throw new LimitExceededError(limit, max, v.length);
}

/** A valid agent id, unchanged. @throws InvalidInputError / LimitExceededError */
export function checkAgentId(v: unknown): string {
  const agentId = requireString('agentId', v);
  if (agentId.length === 0) throw new InvalidInputError('agentId must be a non-empty string, got ""');
  requireMax('agentId length', agentId, Limits.maxAgentIdLength);
  if (agentId.includes('::')) throw new InvalidInputError(`agentId must not contain "::" (the id separator), got ${describe(agentId)}`);
  if (agentId.endsWith(':')) throw new InvalidInputError(`agentId must not end with ":" (it would merge with the "::" separator), got ${describe(agentId)}`);
  if (CONTROL.test(agentId)) throw new InvalidInputError(`agentId must not contain control characters, got ${describe(agentId)}`);
  requireWellFormed('agentId', agentId);
  return agentId;
}

/** A valid key (or alias), trimmed. @throws InvalidInputError / LimitExceededError */
export function checkKey(v: unknown, field = 'key'): string {
  const key = requireString(field, v).trim();
  if (key.length === 0) throw new InvalidInputError(`${field} must contain a non-space character, got ${describe(v)}`);
  requireMax(`${field} length`, key, Limits.maxKeyLength);
  if (CONTROL.test(key)) throw new InvalidInputError(`${field} must not contain control characters, got ${describe(key)}`);
  requireWellFormed(field, key);
  return key;
}

function checkText(field: string, v: unknown, allowEmpty: boolean): string {
  const text = requireString(field, v);
  if (!allowEmpty && text.trim().length === 0) throw new InvalidInputError(`${field} must contain a non-space character, got ${describe(v)}`);
  requireMax(`${field} length`, text, Limits.maxTextLength);
  requireWellFormed(field, text);
  return text;
}

/** A complete, normalised entry from a caller's input. @throws InvalidInputError / LimitExceededError */
export function checkEntry(input: unknown, where = 'entry'): GlossaryEntry {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidInputError(`${where} must be an object { key, value, agentId, ... }, got ${describe(input)}`);
  }
  const e = input as Record<string, unknown>;
  const agentId = checkAgentId(e.agentId);
  const key = checkKey(e.key, `${where}.key`);
  const value = checkText(`${where}.value`, e.value, false);
  const description = e.description === undefined ? '' : checkText(`${where}.description`, e.description, true);
  const category = e.category === undefined ? DEFAULT_CATEGORY : checkKey(e.category, `${where}.category`);
  let aliases: string[] = [];
  if (e.aliases !== undefined) {
    if (!Array.isArray(e.aliases)) throw new InvalidInputError(`${where}.aliases must be an array of strings, got ${describe(e.aliases)}`);
    if (e.aliases.length > Limits.maxAliases) throw new LimitExceededError(`${where}.aliases count`, Limits.maxAliases, e.aliases.length);
    aliases = e.aliases.map((a, i) => checkKey(a, `${where}.aliases[${i}]`));
  }
  return { key, value, category, aliases, description, agentId };
}

/** A query text. @throws InvalidInputError / LimitExceededError */
export function checkQuery(v: unknown): string {
  const query = requireString('query', v);
  requireMax('query length', query, Limits.maxQueryLength);
  return query;
}

/** A positive integer `topK` ≤ {@link Limits.maxK}. */
export function checkTopK(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InvalidInputError(`topK must be a positive integer, got ${describe(v)}${typeof v === 'number' ? ` (${v})` : ''}`);
  }
  if (v > Limits.maxK) throw new LimitExceededError('topK', Limits.maxK, v);
  return v;
}

/** An optional finite number (a raw BM25 threshold). */
export function checkOptionalFinite(field: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidInputError(`${field} must be a finite number, got ${describe(v)}${typeof v === 'number' ? ` (${v})` : ''}`);
  return v;
}

/** An optional number in [0, 1] (a normalised relevance). */
export function checkOptionalUnit(field: string, v: unknown): number | undefined {
  const n = checkOptionalFinite(field, v);
  if (n !== undefined && (n < 0 || n > 1)) throw new InvalidInputError(`${field} must be in [0, 1], got ${n}`);
  return n;
}

/** A batch array within {@link Limits.maxBatchSize}. */
export function checkBatch<T>(field: string, v: unknown): T[] {
  if (!Array.isArray(v)) throw new InvalidInputError(`${field} must be an array, got ${describe(v)}`);
  if (v.length > Limits.maxBatchSize) throw new LimitExceededError(`${field} batch size`, Limits.maxBatchSize, v.length);
  return v as T[];
}
