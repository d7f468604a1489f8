/**
 * Real test data (Debian's Jargon File, FOLDOC and V.E.R.A. dictionaries)
 * and the minimal LLM the tests answer with. No network.
 */
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import type { DictdEntry } from '@srm/core/datasets';
import { BaseEmbedding, BaseLLM, Document } from 'llamaindex';
import type { ChatMessage, ChatResponse, ChatResponseChunk, LLMChatParamsNonStreaming, LLMChatParamsStreaming, LLMMetadata } from 'llamaindex';

const cache = new Map<string, DictdEntry[]>();
function dictionary(name: 'jargon' | 'foldoc' | 'vera'): DictdEntry[] {
  let entries = cache.get(name);
  if (!entries) {
    entries = readDictd(`${DICTD_DIR}/${name}`);
    cache.set(name, entries);
  }
  return entries;
}

function entry(name: 'jargon' | 'foldoc' | 'vera', headword: string): DictdEntry {
  const found = dictionary(name).find((e) => e.headwords.includes(headword));
  if (!found) throw new Error(`${name} has no entry "${headword}"`);
  return found;
}

/** Headwords of the documents the tests index, with the dictionary each comes from. */
export const DOCS: readonly { source: 'jargon' | 'foldoc'; headword: string }[] = [
  { source: 'jargon', headword: 'bit bucket' },
  { source: 'jargon', headword: 'heisenbug' },
  { source: 'jargon', headword: 'magic smoke' },
  { source: 'jargon', headword: 'yak shaving' },
  { source: 'jargon', headword: 'cruft' },
  { source: 'jargon', headword: 'spam' },
  { source: 'foldoc', headword: 'ethernet' },
  { source: 'foldoc', headword: 'tcp' },
  { source: 'foldoc', headword: 'dns' },
  { source: 'foldoc', headword: 'kludge' },
];

/** The documents: id `source:headword`, text = the definition, metadata source / headword / words. */
export function dictionaryDocuments(): Document[] {
  return DOCS.map(({ source, headword }) => {
    const e = entry(source, headword);
    const text = `${e.titleLines[0]}: ${e.body}`;
    return new Document({
      id_: `${source}:${headword}`,
      text,
      metadata: { source, headword, words: text.split(/\s+/).length },
    });
  });
}

/**
 * A V.E.R.A. acronym as a glossary entry: key `"DNS"`, value `"Domain Name System"`, category the
 * first tag in the parentheses (`"Internet"`), description every tag (`"Internet, RFC 1034/1035, DNS"`).
 */
export function veraEntry(acronym: string): { key: string; value: string; category: string; description: string } {
  return fromVera(entry('vera', acronym.toLowerCase()));
}

function fromVera(e: DictdEntry): { key: string; value: string; category: string; description: string } {
  const expansion = e.titleLines[1] ?? '';
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(expansion);
  return {
    key: e.titleLines[0]!,
    value: (m ? m[1]! : expansion).trim(),
    category: m ? m[2]!.split(',')[0]!.trim() : 'acronym',
    description: m ? m[2]!.trim() : '',
  };
}

/** The first `n` V.E.R.A. acronyms (distinct keys, one-line expansions) as glossary entries. */
export function veraEntries(n: number): ReturnType<typeof veraEntry>[] {
  const out: ReturnType<typeof veraEntry>[] = [];
  const seen = new Set<string>();
  for (const e of dictionary('vera')) {
    if (out.length >= n) break;
    const key = e.titleLines[0] ?? '';
    if (e.titleLines.length !== 2 || !/^[A-Z0-9]{2,8}$/.test(key) || seen.has(key.toLowerCase())) continue;
    seen.add(key.toLowerCase());
    out.push(fromVera(e));
  }
  return out;
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
}

/**
 * The smallest LLM that reads its prompt: it answers with the sentence of
 * the prompt's context that shares the most words with the query (the
 * query is the line after "Query:"). Enough to show that a query engine
 * passed the retrieved text to the model; no network.
 */
export class ContextQuoteLLM extends BaseLLM {
  metadata: LLMMetadata = {
    model: 'context-quote',
    temperature: 0,
    topP: 1,
    contextWindow: 8192,
    tokenizer: undefined,
    structuredOutput: false,
  };
  /** Every prompt this LLM was asked, for assertions. */
  readonly prompts: string[] = [];

  chat(params: LLMChatParamsStreaming): Promise<AsyncIterable<ChatResponseChunk>>;
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  async chat(params: LLMChatParamsStreaming | LLMChatParamsNonStreaming): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse> {
    const prompt = params.messages.map((m: ChatMessage) => (typeof m.content === 'string' ? m.content : '')).join('\n');
    this.prompts.push(prompt);
    const answer = this.answer(prompt);
    if (params.stream) {
      return (async function* () {
        yield { delta: answer, raw: null };
      })();
    }
    return { message: { role: 'assistant', content: answer }, raw: null };
  }

  private answer(prompt: string): string {
    const query = /Query:\s*(.*)/.exec(prompt)?.[1] ?? '';
    const context = prompt.split(/Query:/)[0] ?? prompt;
    const q = words(query);
    let best = '';
    let bestOverlap = 0;
    for (const sentence of context.split(/(?<=[.!?])\s+|\n+/)) {
      const overlap = [...words(sentence)].filter((w) => q.has(w)).length;
      if (overlap > bestOverlap) {
        best = sentence.trim();
        bestOverlap = overlap;
      }
    }
    return bestOverlap > 0 ? best : 'I do not know.';
  }
}

/**
 * A user's own embedding model, as LlamaIndex lets anyone write one: a real `BaseEmbedding`
 * subclass that does not set `embedInfo` (so no dimension is known before its first vectors).
 * Words are hashed into 64 buckets, then the vector is scaled to unit length. Deterministic,
 * offline and instant, so a child process can use it too.
 */
export class WordHashEmbedding extends BaseEmbedding {
  static readonly dimensions = 64;

  // BaseEmbedding's constructor is protected; a user's model exposes its own.
  constructor() {
    super();
  }

  override async getTextEmbedding(text: string): Promise<number[]> {
    const v = new Array<number>(WordHashEmbedding.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let h = 2166136261;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
      v[(h >>> 0) % WordHashEmbedding.dimensions]! += 1;
    }
    const norm = Math.hypot(...v);
    return norm === 0 ? v : v.map((x) => x / norm);
  }
}
