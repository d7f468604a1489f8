/**
 * SemanticMemory: an agent's living glossary of jargon, acronyms and company
 * terms, searched with BM25 only (no embeddings), so "JWT" comes back for
 * "jwt" and not for "session token".
 */
import { ClosedError, InvalidConfigError, InvalidInputError } from '../errors.js';
import { openDefaultBackend } from '../storage/default-backend.js';
import type { GlossaryEntry, GlossaryHitEntry, GlossaryStore, SparseVector, StorageBackend, StoredGlossaryEntry } from '../storage/types.js';
import { documentVector, maxAttainableScore, nameToken, queryVector, resolveBm25Options, type Bm25Options } from './bm25.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { glossaryId } from './ids.js';
import { withoutStopWords } from './stop-words.js';
import { WordTokenizer, type GlossaryTokenizer } from './tokenizer.js';
import {
  checkAgentId,
  checkBatch,
  checkEntry,
  checkKey,
  checkOptionalFinite,
  checkOptionalUnit,
  checkQuery,
  checkTopK,
  type MemorizeInput,
} from './validation.js';

/** Options of {@link SemanticMemory.open}. Everything is optional. */
export interface SemanticMemoryOptions extends Bm25Options {
  /**
   * Memory directory of an embedded (SQLite) backend, opened and owned by this memory (closed by
   * {@link SemanticMemory.close}). Exclusive with `storage`. Without both, the glossary is in memory.
   */
  path?: string;
  /** A backend the caller opened and owns (embedded or Qdrant). Exclusive with `path`. */
  storage?: StorageBackend;
  /** Name of the glossary store inside the backend. Default `"glossary"`. */
  name?: string;
  /**
   * A HuggingFace `tokenizer.json` to tokenize with instead of the built-in {@link WordTokenizer}.
   * Loaded at open; a missing or corrupt file throws {@link TokenizerError} there.
   */
  tokenizerPath?: string;
  /** A tokenizer object to use instead (takes precedence over `tokenizerPath`). */
  tokenizer?: GlossaryTokenizer;
}

/** Per-call options of {@link SemanticMemory.recall}. */
export interface RecallOptions {
  /** Whose glossary to search. Required. */
  agentId: string;
  /** How many entries at most. Default 5; 1 to `Limits.maxK`. */
  topK?: number;
  /**
   * Raw BM25 cut-off: only entries scoring at least this. Like Qdrant's `score_threshold` and the
   * reference's `score_threshold`; its meaning drifts as the glossary grows (idf grows with N).
   */
  scoreThreshold?: number;
  /**
   * Normalised cut-off in [0, 1]: only entries whose {@link RecalledEntry.relevance} is at least this.
   * Relevance is the score divided by the best score any entry could reach for this query, so it
   * barely moves as the glossary grows (see docs/glossary.md). Can be combined with `scoreThreshold`.
   */
  minRelevance?: number;
  /** Return {@link RecalledEntry.relevance} even without `minRelevance` (one more store call). Default false. */
  withRelevance?: boolean;
}

/** An entry as `get` and `listAll` return it. */
export interface MemorizedEntry extends GlossaryEntry {
  /** UUID5 of `"{agentId}::{key.toLowerCase()}"` (see `ids.ts`). */
  id: string;
  /** Milliseconds since the epoch of the last write. */
  updatedAt: number;
}

/** An entry as `recall` returns it. */
export interface RecalledEntry {
  id: string;
  key: string;
  value: string;
  category: string;
  aliases: string[];
  description: string;
  /** Raw BM25 score (same formula on every backend). */
  score: number;
  /** `score` / the query's maximum attainable score, in [0, 1]; present with `minRelevance` or `withRelevance`. */
  relevance?: number;
}

/**
 * A BM25 glossary, scoped per agent, on the embedded or the Qdrant backend.
 *
 * Entries are identified by `UUID5("{agentId}::{key.toLowerCase()}")`: memorizing a key again in
 * any case overwrites it (the latest casing is kept for display), and forgetting needs no search.
 * Key, value, aliases and description are indexed; key and alias tokens weigh `keyWeight` /
 * `aliasWeight` times more. IDF statistics are collection-wide (all agents of the store), as in
 * Qdrant; results, lists and counts are always one agent's.
 *
 * @example
 * ```ts
 * const glossary = await SemanticMemory.open({ path: './memory' });
 * await glossary.memorize({ key: 'PII', value: 'Personally Identifiable Information',
 *   agentId: 'compliance_bot', aliases: ['private data'], category: 'abbreviation' });
 * const hits = await glossary.recall('How do we handle private data?', { agentId: 'compliance_bot', minRelevance: 0.2 });
 * await glossary.close();
 * ```
 */
export class SemanticMemory {
  /** The tokenizer in use. */
  readonly tokenizer: GlossaryTokenizer;
  /** BM25 settings in force (defaults applied). */
  readonly bm25: Readonly<Required<Bm25Options>>;
  /** The glossary store (embedded or Qdrant). */
  readonly store: GlossaryStore;

  private readonly storage: StorageBackend;
  private readonly ownsStorage: boolean;
  private readonly stopWords: ReadonlySet<string>;
  private closed = false;

  private constructor(store: GlossaryStore, storage: StorageBackend, ownsStorage: boolean, tokenizer: GlossaryTokenizer, bm25: Required<Bm25Options>) {
    this.store = store;
    this.storage = storage;
    this.ownsStorage = ownsStorage;
    this.tokenizer = tokenizer;
    this.bm25 = Object.freeze({ ...bm25 });
    this.stopWords = new Set(bm25.queryStopWords);
  }

  /**
   * Opens a glossary: on `storage`, else on an embedded backend at `path`, else in memory.
   * @throws InvalidConfigError on a bad option (or both `path` and `storage`).
   * @throws TokenizerError when `tokenizerPath` is missing or not a valid tokenizer.json.
   * @throws StorageLockedError / CorruptDataError / StorageUnavailableError from the backend.
   */
  static async open(options: SemanticMemoryOptions = {}): Promise<SemanticMemory> {
    if (options === null || typeof options !== 'object') throw new InvalidConfigError('options', `expected an object, got ${String(options)}`);
    const bm25 = resolveBm25Options(options);
    if (options.path !== undefined && options.storage !== undefined) {
      throw new InvalidConfigError('storage', 'give either `path` (an embedded backend this memory owns) or `storage`, not both');
    }
    const name = options.name ?? 'glossary';
    if (typeof name !== 'string' || name.length === 0) throw new InvalidConfigError('name', `expected a non-empty string, got ${JSON.stringify(name)}`);
    // The tokenizer first: a bad tokenizer file must fail before any storage is touched.
    const tokenizer = options.tokenizer ?? (options.tokenizerPath !== undefined ? await HfTokenizer.load(options.tokenizerPath) : new WordTokenizer());
    const owns = options.storage === undefined;
    const storage = options.storage ?? (await openDefaultBackend({ path: options.path }));
    let store: GlossaryStore;
    try {
      store = await storage.openGlossaryStore(name);
    } catch (err) {
      if (owns) await storage.close();
      throw err;
    }
    return new SemanticMemory(store, storage, owns, tokenizer, bm25);
  }

  /**
   * Stores (or overwrites) one entry and resolves to its id once it is durable and searchable.
   * @throws InvalidInputError / LimitExceededError naming the bad field; nothing is written.
   */
  async memorize(entry: MemorizeInput): Promise<string> {
    this.assertOpen();
    const stored = this.toStored(checkEntry(entry), Date.now());
    await this.store.upsert([stored]);
    return stored.id;
  }

  /**
   * Stores (or overwrites) many entries in one durable step; resolves to their ids in input order.
   * @throws InvalidInputError when an entry is invalid or two entries have the same agent and key
   *   (in any case); LimitExceededError above `Limits.maxBatchSize`. Nothing is written then.
   */
  async memorizeMany(entries: readonly MemorizeInput[]): Promise<string[]> {
    this.assertOpen();
    const list = checkBatch<MemorizeInput>('entries', entries);
    const now = Date.now();
    const stored = list.map((e, i) => this.toStored(checkEntry(e, `entries[${i}]`), now));
    const seen = new Map<string, number>();
    stored.forEach((s, i) => {
      const first = seen.get(s.id);
      if (first !== undefined) {
        throw new InvalidInputError(`entries[${i}] has the same agentId and key (case-insensitive) as entries[${first}]: ${JSON.stringify(s.key)}`);
      }
      seen.set(s.id, i);
    });
    if (stored.length > 0) await this.store.upsert(stored);
    return stored.map((s) => s.id);
  }

  /**
   * The agent's entries that best match `query`, best first (ties by id).
   * @throws InvalidInputError / LimitExceededError on a bad query or option.
   */
  async recall(query: string, options: RecallOptions): Promise<RecalledEntry[]> {
    this.assertOpen();
    const text = checkQuery(query);
    if (options === null || typeof options !== 'object') throw new InvalidInputError(`recall options must be an object with agentId, got ${String(options)}`);
    const agentId = checkAgentId(options.agentId);
    const topK = checkTopK(options.topK ?? 5);
    const scoreThreshold = checkOptionalFinite('scoreThreshold', options.scoreThreshold);
    const minRelevance = checkOptionalUnit('minRelevance', options.minRelevance);
    const qv = this.queryTermsOf(text);
    if (qv.indices.length === 0) return [];

    let maxScore: number | undefined;
    let threshold = scoreThreshold;
    if (minRelevance !== undefined || options.withRelevance === true) {
      maxScore = await this.maxScore(qv);
      if (maxScore === 0) return []; // no query term occurs in the glossary
      if (minRelevance !== undefined) threshold = Math.max(threshold ?? -Infinity, minRelevance * maxScore);
    }
    const hits = await this.store.search(qv, { agentId, limit: topK, ...(threshold !== undefined ? { scoreThreshold: threshold } : {}) });
    const out: RecalledEntry[] = [];
    for (const { entry, score } of hits) {
      if (entry.agentId !== agentId) continue; // never trust a backend with isolation
      const hit: RecalledEntry = { ...entryFields(entry), score };
      if (maxScore !== undefined) {
        // A remote collection may change between termStats and search; keep relevance in [0, 1].
        hit.relevance = Math.min(1, score / maxScore);
        if (minRelevance !== undefined && hit.relevance < minRelevance) continue;
      }
      out.push(hit);
    }
    return out;
  }

  /** Deletes the agent's entry `key` (any case); resolves to whether it existed. Computes the id, never searches. */
  async forget(key: string, agentId: string): Promise<boolean> {
    this.assertOpen();
    const id = glossaryId(checkAgentId(agentId), checkKey(key));
    return (await this.store.delete([id])) > 0;
  }

  /** Deletes the agent's entries `keys` (any case); resolves to how many existed. Keys that differ only in case count once. */
  async forgetMany(keys: readonly string[], agentId: string): Promise<number> {
    this.assertOpen();
    const list = checkBatch<string>('keys', keys);
    const agent = checkAgentId(agentId);
    const ids = [...new Set(list.map((k, i) => glossaryId(agent, checkKey(k, `keys[${i}]`))))];
    return ids.length === 0 ? 0 : this.store.delete(ids);
  }

  /** Every entry of the agent (optionally of one category), sorted by lowercased key, then key. */
  async listAll(agentId: string, options: { category?: string } = {}): Promise<MemorizedEntry[]> {
    this.assertOpen();
    const agent = checkAgentId(agentId);
    const category = options?.category;
    if (category !== undefined && typeof category !== 'string') throw new InvalidInputError(`category must be a string, got ${typeof category}`);
    const entries = await this.store.list(agent, category === undefined ? {} : { category });
    return entries.filter((e) => e.agentId === agent).map(toMemorized);
  }

  /** Exact number of the agent's entries. */
  async entryCount(agentId: string): Promise<number> {
    this.assertOpen();
    return this.store.count(checkAgentId(agentId));
  }

  /** The agent's entry `key` (any case), or undefined. */
  async get(key: string, agentId: string): Promise<MemorizedEntry | undefined> {
    this.assertOpen();
    const agent = checkAgentId(agentId);
    const [entry] = await this.store.get([glossaryId(agent, checkKey(key))]);
    return entry !== undefined && entry.agentId === agent ? toMemorized(entry) : undefined;
  }

  /**
   * Recomputes the stored BM25 weights of the agent's entries with this memory's tokenizer and
   * settings. Needed after changing the tokenizer, `k1`, `b`, `avgdl` or a field weight on an
   * existing glossary. Resolves to the number of entries rewritten.
   */
  async reindex(agentId: string): Promise<number> {
    this.assertOpen();
    const entries = await this.store.list(checkAgentId(agentId));
    const now = Date.now();
    const stored = entries.map((e) => this.toStored(e, now));
    if (stored.length > 0) await this.store.upsert(stored);
    return stored.length;
  }

  /** The document sparse vector this memory stores for an entry (exposed for tests and other backends). */
  termsOf(entry: Pick<GlossaryEntry, 'key' | 'value' | 'aliases' | 'description'>): SparseVector {
    const t = this.tokenizer;
    const { keyWeight, aliasWeight, nameTokens } = this.bm25;
    const keyTokens = t.tokenize(entry.key);
    const aliasTokens = entry.aliases.map((a) => t.tokenize(a));
    const fields = [
      { tokens: keyTokens, weight: keyWeight },
      { tokens: aliasTokens.flat(), weight: aliasWeight },
      { tokens: t.tokenize(entry.value), weight: 1 },
      { tokens: t.tokenize(entry.description), weight: 1 },
    ];
    if (nameTokens) {
      fields.push({ tokens: names([keyTokens]), weight: keyWeight }, { tokens: names(aliasTokens), weight: aliasWeight });
    }
    return documentVector(fields, this.bm25);
  }

  /**
   * The query sparse vector this memory sends for `query` (exposed for tests and other backends):
   * its tokens less the `queryStopWords`, plus (with `nameTokens`) the name token of all its tokens.
   */
  queryTermsOf(query: string): SparseVector {
    const tokens = this.tokenizer.tokenize(query);
    const content = withoutStopWords(tokens, this.stopWords);
    return queryVector(this.bm25.nameTokens ? [...content, ...names([tokens])] : content);
  }

  /** Closes the memory, and the backend when the memory opened it (`path` or in-memory). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsStorage) await this.storage.close();
  }

  private async maxScore(qv: SparseVector): Promise<number> {
    const stats = await this.store.termStats(qv.indices);
    return maxAttainableScore(qv, stats, this.bm25.k1);
  }

  private toStored(e: GlossaryEntry, updatedAt: number): StoredGlossaryEntry {
    return {
      id: glossaryId(e.agentId, e.key),
      key: e.key,
      value: e.value,
      category: e.category,
      aliases: [...e.aliases],
      description: e.description,
      agentId: e.agentId,
      terms: this.termsOf(e),
      updatedAt,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('SemanticMemory');
  }
}

function names(tokenLists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const tokens of tokenLists) {
    const name = nameToken(tokens);
    if (name !== undefined) out.push(name);
  }
  return out;
}

/** The fields every entry handed to a caller carries, with its own copy of the aliases. */
function entryFields(e: GlossaryHitEntry): Omit<RecalledEntry, 'score' | 'relevance'> {
  return { id: e.id, key: e.key, value: e.value, category: e.category, aliases: [...e.aliases], description: e.description };
}

function toMemorized(e: StoredGlossaryEntry): MemorizedEntry {
  return { ...entryFields(e), agentId: e.agentId, updatedAt: e.updatedAt };
}
