/**
 * A LlamaIndex memory block that injects the glossary entries matching the
 * conversation, for `createMemory({ memoryBlocks })`.
 */
import { BaseMemoryBlock } from '@llamaindex/core/memory';
import type { MemoryMessage } from '@llamaindex/core/memory';
import { extractText } from '@llamaindex/core/utils';
import { InvalidInputError, Limits } from '@srm/core';
import type { SemanticMemory } from '@srm/core';
import { glossaryEntryText } from './glossary-node.js';

/** Options of {@link GlossaryMemoryBlock}. */
export interface GlossaryMemoryBlockOptions {
  /** The glossary to read. */
  memory: SemanticMemory;
  /** Whose entries to inject; no other agent's entry is ever shown. */
  agentId: string;
  /** Block id (the id of the message it produces). Default: `glossary-<agentId>`. */
  id?: string;
  /**
   * LlamaIndex block priority. `0`: always included, outside the token budget
   * of long-term blocks; higher numbers are included first among the others.
   * Default 1.
   */
  priority?: number;
  /** Most entries injected. Default 5; 1 to `Limits.maxK`. More costs prompt tokens. */
  topK?: number;
  /** How many of the latest messages form the recall query. Default 3; at least 1. */
  retrievalContextWindow?: number;
  /** Drop entries whose recall score is below this (see `SemanticMemory.recall`). Default: none. */
  scoreThreshold?: number;
  /** Drop entries whose relevance relative to the best possible match is below this, in [0, 1]. Default: none. */
  minRelevance?: number;
  /** First line of the injected message. Default `"Glossary entries relevant to the conversation:"`. */
  header?: string;
}

/** Defaults of {@link GlossaryMemoryBlockOptions}. */
export const defaultGlossaryMemoryBlockOptions = {
  priority: 1,
  topK: 5,
  retrievalContextWindow: 3,
  header: 'Glossary entries relevant to the conversation:',
} as const;

/**
 * Memory block over one agent's glossary. On each `get`, it recalls the
 * entries matching the latest messages and returns them as one `memory`
 * message, one entry per line (`- JWT: JSON Web Token. <description>`); when
 * nothing matches it adds nothing. It is not a long-term block: the glossary
 * is written through `SemanticMemory.memorize` (or the agent's tools), never
 * from the chat transcript, so `put` stores nothing.
 *
 * @example
 * ```ts
 * const memory = createMemory({
 *   memoryBlocks: [glossaryBlock({ memory: glossary, agentId: 'support-bot' })],
 * });
 * await memory.add({ role: 'user', content: 'How long does a JWT live?' });
 * const messages = await memory.getLLM(); // includes "- JWT: JSON Web Token. ..."
 * ```
 */
export class GlossaryMemoryBlock<TAdditionalMessageOptions extends object = object> extends BaseMemoryBlock<TAdditionalMessageOptions> {
  readonly memory: SemanticMemory;
  readonly agentId: string;
  readonly topK: number;
  readonly retrievalContextWindow: number;
  readonly scoreThreshold: number | undefined;
  readonly minRelevance: number | undefined;
  readonly header: string;

  /** @throws InvalidInputError for a missing memory, an empty agentId, or a bad topK / window / priority. */
  constructor(options: GlossaryMemoryBlockOptions) {
    if (typeof options !== 'object' || options === null || typeof options.memory !== 'object' || options.memory === null) {
      throw new InvalidInputError('GlossaryMemoryBlock needs { memory: SemanticMemory, agentId }');
    }
    if (typeof options.agentId !== 'string' || options.agentId.length === 0) {
      throw new InvalidInputError(`agentId must be a non-empty string, got ${JSON.stringify(options.agentId)}`);
    }
    const d = defaultGlossaryMemoryBlockOptions;
    const priority = options.priority ?? d.priority;
    if (!Number.isFinite(priority) || priority < 0) throw new InvalidInputError(`priority must be a number >= 0, got ${priority}`);
    super({ id: options.id ?? `glossary-${options.agentId}`, priority, isLongTerm: false });
    const topK = options.topK ?? d.topK;
    if (!Number.isInteger(topK) || topK < 1 || topK > Limits.maxK) {
      throw new InvalidInputError(`topK must be an integer from 1 to ${Limits.maxK}, got ${topK}`);
    }
    const window = options.retrievalContextWindow ?? d.retrievalContextWindow;
    if (!Number.isInteger(window) || window < 1) throw new InvalidInputError(`retrievalContextWindow must be an integer >= 1, got ${window}`);
    this.memory = options.memory;
    this.agentId = options.agentId;
    this.topK = topK;
    this.retrievalContextWindow = window;
    this.scoreThreshold = options.scoreThreshold;
    this.minRelevance = options.minRelevance;
    this.header = options.header ?? d.header;
  }

  /** The glossary entries matching the latest messages, as one `memory` message (or none). */
  async get(messages: MemoryMessage<TAdditionalMessageOptions>[] = []): Promise<MemoryMessage<TAdditionalMessageOptions>[]> {
    const query = queryText(messages.slice(-this.retrievalContextWindow));
    if (query.length === 0) return [];
    const hits = await this.memory.recall(query, {
      agentId: this.agentId,
      topK: this.topK,
      ...(this.scoreThreshold !== undefined ? { scoreThreshold: this.scoreThreshold } : {}),
      ...(this.minRelevance !== undefined ? { minRelevance: this.minRelevance } : {}),
    });
    if (hits.length === 0) return [];
    const lines = hits.map((hit) => `- ${glossaryEntryText(hit)}`);
    return [{ id: this.id, role: 'memory', content: [this.header, ...lines].join('\n') } as MemoryMessage<TAdditionalMessageOptions>];
  }

  /** Stores nothing: the glossary is curated through `memorize`, not filled from the transcript. */
  async put(_messages: MemoryMessage<TAdditionalMessageOptions>[]): Promise<void> {}
}

/** Creates a {@link GlossaryMemoryBlock}, in the style of LlamaIndex's `staticBlock` / `vectorBlock`. */
export function glossaryBlock<TMessageOptions extends object = object>(options: GlossaryMemoryBlockOptions): GlossaryMemoryBlock<TMessageOptions> {
  return new GlossaryMemoryBlock<TMessageOptions>(options);
}

/** Text of the messages, newest last, cut to the longest query recall accepts (keeping the newest words). */
function queryText(messages: readonly MemoryMessage<object>[]): string {
  const text = messages
    .map((m) => extractText(m.content))
    .filter((t) => t.trim().length > 0)
    .join('\n');
  if (text.trim().length === 0) return '';
  return text.length > Limits.maxQueryLength ? text.slice(text.length - Limits.maxQueryLength) : text;
}
