/**
 * The glossary engines compared: our SemanticMemory and two peers,
 * wink-bm25-text-search and minisearch, behind one small interface. Every
 * engine gets the same entries, the same tokens (our WordTokenizer), the same
 * query tokens (less our default query stop words) and the same field
 * weights, so the comparison is of engines, not of tokenizers.
 */
import { createRequire } from 'node:module';
import MiniSearch from 'minisearch';
import { SemanticMemory, type MemorizeInput, type SemanticMemoryOptions } from '@srm/core';
import { defaultBm25Options, withoutStopWords, WordTokenizer } from '@srm/core/glossary';

const require = createRequire(import.meta.url);

/** What the benchmark does with an engine. Keys identify entries (FOLDOC keys are unique, case-insensitively). */
export interface GlossaryEngine {
  readonly name: string;
  /** Adds entries in bulk (untimed); the first call creates the engine. */
  load(entries: readonly MemorizeInput[]): Promise<void>;
  /** One live write at the current size. */
  memorize(entry: MemorizeInput): Promise<void>;
  /** One live delete at the current size. */
  forget(key: string): Promise<void>;
  /** Keys of the top `k`, best first. */
  recall(query: string, k: number): Promise<string[]>;
  close(): Promise<void>;
}

const tokenizer = new WordTokenizer();
/** Field weights of every engine of the benchmark (key and aliases count 3 times, as in SemanticMemory's defaults). */
export const FIELD_WEIGHTS = { key: 3, aliases: 3, value: 1, description: 1 };
/** SemanticMemory's default query stop words, dropped from every engine's queries. */
export const STOP_WORDS: ReadonlySet<string> = new Set(defaultBm25Options.queryStopWords);
/** A query's tokens as our SemanticMemory weighs them by default: less the stop words. */
const queryTokens = (query: string) => withoutStopWords(tokenizer.tokenize(query), STOP_WORDS);

/** Our engine, in memory or on disk. */
export class OursEngine implements GlossaryEngine {
  readonly name: string;
  private memory: SemanticMemory | undefined;
  constructor(
    name: string,
    private readonly options: SemanticMemoryOptions,
    private readonly agentId = 'bench',
  ) {
    this.name = name;
  }
  async load(entries: readonly MemorizeInput[]): Promise<void> {
    this.memory ??= await SemanticMemory.open(this.options);
    await this.memory.memorizeMany(entries.map((e) => ({ ...e, agentId: this.agentId })));
  }
  async memorize(entry: MemorizeInput): Promise<void> {
    await this.glossary.memorize({ ...entry, agentId: this.agentId });
  }
  async forget(key: string): Promise<void> {
    await this.glossary.forget(key, this.agentId);
  }
  async recall(query: string, k: number): Promise<string[]> {
    return (await this.glossary.recall(query, { agentId: this.agentId, topK: k })).map((h) => h.key);
  }
  /** The underlying memory. */
  get glossary(): SemanticMemory {
    if (this.memory === undefined) throw new Error(`${this.name}: load() first`);
    return this.memory;
  }
  async close(): Promise<void> {
    await this.memory?.close();
    this.memory = undefined;
  }
}

interface WinkEngineApi {
  defineConfig(cfg: object): void;
  definePrepTasks(tasks: ((s: string) => string[])[]): void;
  addDoc(doc: Record<string, string>, id: string): void;
  consolidate(precision?: number): void;
  search(text: string, limit?: number): [string, number][];
}

/**
 * wink-bm25-text-search: it cannot add after `consolidate()` and has no delete, so a live write or
 * delete is a full rebuild of the engine over the current entries.
 */
export class WinkEngine implements GlossaryEngine {
  readonly name = 'wink-bm25-text-search';
  private entries = new Map<string, MemorizeInput>();
  private engine!: WinkEngineApi;
  async load(entries: readonly MemorizeInput[]): Promise<void> {
    for (const e of entries) this.entries.set(e.key.toLowerCase(), e);
    this.rebuild();
  }
  async memorize(entry: MemorizeInput): Promise<void> {
    this.entries.set(entry.key.toLowerCase(), entry);
    this.rebuild();
  }
  async forget(key: string): Promise<void> {
    this.entries.delete(key.toLowerCase());
    this.rebuild();
  }
  async recall(query: string, k: number): Promise<string[]> {
    const text = queryTokens(query).join(' ');
    if (text.length === 0) return [];
    return this.engine.search(text, k).map(([id]) => this.entries.get(id)!.key);
  }
  async close(): Promise<void> {}
  private rebuild(): void {
    const factory = require('wink-bm25-text-search') as () => WinkEngineApi;
    const engine = factory();
    engine.defineConfig({ fldWeights: FIELD_WEIGHTS, bm25Params: { k1: 1.2, b: 0.75, k: 1 } });
    engine.definePrepTasks([(s: string) => s.split(' ').filter((t) => t.length > 0)]);
    const join = (text: string) => tokenizer.tokenize(text).join(' ');
    for (const [id, e] of this.entries) {
      engine.addDoc({ key: join(e.key), aliases: join((e.aliases ?? []).join(' ')), value: join(e.value), description: join(e.description ?? '') }, id);
    }
    engine.consolidate(4);
    this.engine = engine;
  }
}

interface MiniDoc {
  id: string;
  key: string;
  aliases: string;
  value: string;
  description: string;
}

/** minisearch (BM25+), with live `add` and `discard`; prefix and fuzzy search off. */
export class MiniSearchEngine implements GlossaryEngine {
  readonly name = 'minisearch';
  private index = new MiniSearch<MiniDoc>({
    fields: ['key', 'aliases', 'value', 'description'],
    storeFields: ['key'],
    tokenize: (text) => tokenizer.tokenize(text),
    processTerm: (term) => term,
    searchOptions: {
      boost: { key: FIELD_WEIGHTS.key, aliases: FIELD_WEIGHTS.aliases },
      prefix: false,
      fuzzy: false,
      tokenize: (text) => [...queryTokens(text)],
    },
  });
  private toDoc(e: MemorizeInput): MiniDoc {
    return { id: e.key.toLowerCase(), key: e.key, aliases: (e.aliases ?? []).join(' ; '), value: e.value, description: e.description ?? '' };
  }
  async load(entries: readonly MemorizeInput[]): Promise<void> {
    this.index.addAll(entries.map((e) => this.toDoc(e)));
  }
  async memorize(entry: MemorizeInput): Promise<void> {
    const doc = this.toDoc(entry);
    if (this.index.has(doc.id)) this.index.replace(doc);
    else this.index.add(doc);
  }
  async forget(key: string): Promise<void> {
    if (this.index.has(key.toLowerCase())) this.index.discard(key.toLowerCase());
  }
  async recall(query: string, k: number): Promise<string[]> {
    return this.index
      .search(query)
      .slice(0, k)
      .map((r) => r.key as string);
  }
  async close(): Promise<void> {}
}
