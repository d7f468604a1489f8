/**
 * BM25 as sparse vectors, split the way Qdrant splits it.
 *
 * For a query q and an entry d, with term frequencies tf, entry length dl:
 *
 *   score(q, d) = Σ_{t ∈ q}  qw(t) · w(t, d) · idf(t)
 *   w(t, d)     = tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl))      (document side, stored)
 *   qw(t)       = count of t in the query                                    (query side, sent)
 *   idf(t)      = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))                      (applied by the store)
 *
 * N is the number of entries in the whole collection and n_t the number that
 * contain t. `avgdl` is a fixed setting, not a live average (as in fastembed's
 * `Bm25`), so a stored `w(t, d)` never has to be recomputed when the glossary
 * grows; only idf moves, and the store computes it at query time exactly like
 * Qdrant's `modifier: "idf"`. Field weights scale a field's term counts (and
 * its share of dl), which is BM25F with one shared length normalisation, as in
 * `wink-bm25-text-search`.
 */
import { InvalidConfigError } from '../errors.js';
import type { SparseVector } from '../vocabulary.js';
import { idf } from '../sparse/idf.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { termId } from './term-hash.js';

/** Tunables of the BM25 weights. All optional; see {@link defaultBm25Options}. */
export interface Bm25Options {
  /**
   * Term-frequency saturation. Default 1.2; sensible 0.5–2. Higher lets repeated terms keep adding
   * score; 0 makes BM25 binary (presence only).
   */
  k1?: number;
  /**
   * Length normalisation in [0, 1]. Default 0.75. 0 ignores entry length; 1 fully divides by it, so
   * long definitions are penalised more.
   */
  b?: number;
  /**
   * The fixed average entry length (weighted tokens) that `b` normalises against. Default 64 (the
   * FOLDOC mean with default field weights is about 80; glossary entries are short). Stored weights
   * depend on it: changing it on an existing glossary needs {@link SemanticMemory.reindex}.
   */
  avgdl?: number;
  /**
   * Weight of each token of the key, relative to the value and description (1). Default 3. Higher makes
   * a query that names the term find it first; see docs/glossary.md for the measured effect.
   */
  keyWeight?: number;
  /** Weight of each token of an alias. Default 3, like the key: an alias is another name of the term. */
  aliasWeight?: number;
  /**
   * Index the key and each alias also as one whole "name token" (its tokens joined), and add the
   * whole query as one name token to the query. A query that is exactly a key or an alias then
   * matches a term that (almost) no other entry has, so the named entry ranks first even when
   * other entries' keys contain the same words ("abstract syntax tree" vs "syntax tree").
   * Default true. Costs one term per key and alias.
   */
  nameTokens?: boolean;
  /**
   * Tokens left out of a query (not of entries) before it is weighted, unless the query has no
   * other token. Compared with the tokenizer's output, so lower case for {@link WordTokenizer}.
   * Default {@link ENGLISH_STOP_WORDS} (33 function words); `[]` keeps every token. Measured on
   * FOLDOC: Jargon-definition MRR@10 0.555 → 0.579, headword and alias MRR unchanged (see
   * docs/glossary.md). Only queries change, so changing it needs no reindex.
   */
  queryStopWords?: readonly string[];
}

/** Defaults of {@link Bm25Options}. */
export const defaultBm25Options: Readonly<Required<Bm25Options>> = Object.freeze({
  k1: 1.2,
  b: 0.75,
  avgdl: 64,
  keyWeight: 3,
  aliasWeight: 3,
  nameTokens: true,
  queryStopWords: ENGLISH_STOP_WORDS,
});

/** Checks and completes {@link Bm25Options}. @throws InvalidConfigError naming the bad field. */
export function resolveBm25Options(options: Bm25Options = {}): Required<Bm25Options> {
  const r = { ...defaultBm25Options, ...stripUndefined(options) };
  check('k1', r.k1, 0, 100, true);
  check('b', r.b, 0, 1, true);
  check('avgdl', r.avgdl, 0, 1e9, false);
  check('keyWeight', r.keyWeight, 0, 1000, false);
  check('aliasWeight', r.aliasWeight, 0, 1000, false);
  if (typeof r.nameTokens !== 'boolean') throw new InvalidConfigError('nameTokens', `expected a boolean, got ${String(r.nameTokens)}`);
  const stop: unknown = r.queryStopWords;
  if (!Array.isArray(stop)) throw new InvalidConfigError('queryStopWords', `expected an array of strings, got ${String(stop)}`);
  const bad = stop.findIndex((w) => typeof w !== 'string' || w.length === 0);
  if (bad >= 0)
    throw new InvalidConfigError('queryStopWords', `expected non-empty strings, got ${JSON.stringify(stop[bad]) ?? String(stop[bad])} at index ${bad}`);
  return { ...r, queryStopWords: Object.freeze([...(stop as string[])]) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function check(field: string, v: unknown, min: number, max: number, minInclusive: boolean): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && (minInclusive ? v >= min : v > min) && v <= max;
  if (!ok) throw new InvalidConfigError(field, `expected a number in ${minInclusive ? '[' : '('}${min}, ${max}], got ${String(v)}`);
}

/** One weighted field of an entry: its tokens and how much each counts. */
export interface WeightedTokens {
  tokens: readonly string[];
  weight: number;
}

/**
 * Document side of BM25: per-term saturated TF weights, term ids ascending,
 * values rounded to float32 (what both backends store).
 */
export function documentVector(fields: readonly WeightedTokens[], options: Required<Bm25Options>): SparseVector {
  const tf = new Map<number, number>();
  let dl = 0;
  for (const { tokens, weight } of fields) {
    if (weight === 0) continue;
    dl += tokens.length * weight;
    for (const token of tokens) {
      const id = termId(token);
      tf.set(id, (tf.get(id) ?? 0) + weight);
    }
  }
  const { k1, b, avgdl } = options;
  const norm = k1 * (1 - b + (b * dl) / avgdl);
  const indices = [...tf.keys()].sort((x, y) => x - y);
  const values = indices.map((id) => {
    const f = tf.get(id)!;
    return Math.fround((f * (k1 + 1)) / (f + norm));
  });
  return { indices, values };
}

/**
 * The name token of a key, alias or whole query: its tokens joined by spaces, behind a
 * U+0001 prefix that no tokenizer emits, so it never equals an ordinary token. Undefined when
 * there are no tokens.
 */
export function nameToken(tokens: readonly string[]): string | undefined {
  return tokens.length === 0 ? undefined : `\u0001${tokens.join(' ')}`;
}

/**
 * Query side of BM25: each distinct term weighs its count in the query (Robertson's BM25 with
 * k3 → ∞, as wink-bm25-text-search scores). Term ids ascending. A word that a long query repeats
 * is what the query is about; measured on FOLDOC, counting it lifts MRR@10 of long
 * (definition-sized) queries by about 0.05 over weight 1, and changes nothing for short ones.
 */
export function queryVector(tokens: readonly string[]): SparseVector {
  const counts = new Map<number, number>();
  for (const token of tokens) {
    const id = termId(token);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const indices = [...counts.keys()].sort((x, y) => x - y);
  return { indices, values: indices.map((id) => counts.get(id)!) };
}

/**
 * The highest score any entry could reach for `query`: every term that occurs
 * in the collection (n_t > 0) at saturation, `Σ qw · idf · (k1 + 1)`. Terms no
 * entry contains cannot be matched by anything and are left out, so words the
 * glossary has never seen do not dilute the normalised relevance. 0 when no
 * query term occurs at all.
 */
export function maxAttainableScore(query: SparseVector, stats: { docCount: number; docFreqs: readonly number[] }, k1: number): number {
  let max = 0;
  for (let i = 0; i < query.indices.length; i++) {
    const n = stats.docFreqs[i] ?? 0;
    const qw = query.values[i]!;
    if (n > 0 && qw > 0) max += qw * idf(stats.docCount, n) * (k1 + 1);
  }
  return max;
}
