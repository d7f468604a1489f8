/**
 * `SemanticMemoryRetriever`: one agent's BM25 glossary as a LlamaIndex retriever.
 */
import type { QueryBundle } from '@llamaindex/core/query-engine';
import { BaseRetriever } from '@llamaindex/core/retriever';
import type { NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import { InvalidInputError } from '@srm/core';
import type { SemanticMemory } from '@srm/core';
import { glossaryHitToNode } from './glossary-node.js';

/** Options of {@link SemanticMemoryRetriever}. */
export interface SemanticMemoryRetrieverOptions {
  /** The glossary to read. */
  memory: SemanticMemory;
  /** Whose entries to search; no other agent's entry is ever returned. */
  agentId: string;
  /** Most entries per query. Default 4; 1 to `Limits.maxK`. */
  topK?: number;
  /** Drop hits whose recall score is below this (see `SemanticMemory.recall`). Default: none. */
  scoreThreshold?: number;
  /** Drop hits whose relevance relative to the best possible match is below this, in [0, 1] (see `SemanticMemory.recall`). Default: none. */
  minRelevance?: number;
}

/** Defaults of {@link SemanticMemoryRetrieverOptions}. */
export const defaultSemanticMemoryRetrieverOptions = { topK: 4 } as const;

/**
 * Returns one agent's glossary entries matching a query as `NodeWithScore`s,
 * best first. Each node reads `"JWT: JSON Web Token. <description>"`, has the
 * entry id as node id, and carries `key`, `value`, `category`, `aliases`,
 * `description` and `agentId` as metadata; the score is the BM25 recall score.
 *
 * @example
 * ```ts
 * const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: 'support-bot' });
 * const [best] = await retriever.retrieve('what is a JWT?');
 * best.node.getContent(MetadataMode.NONE); // "JWT: JSON Web Token. ..."
 * ```
 */
export class SemanticMemoryRetriever extends BaseRetriever {
  readonly memory: SemanticMemory;
  readonly agentId: string;
  readonly topK: number;
  readonly scoreThreshold: number | undefined;
  readonly minRelevance: number | undefined;

  /** @throws InvalidInputError for a missing memory, an empty agentId or a bad topK. */
  constructor(options: SemanticMemoryRetrieverOptions) {
    super();
    if (typeof options !== 'object' || options === null || typeof options.memory !== 'object' || options.memory === null) {
      throw new InvalidInputError('SemanticMemoryRetriever needs { memory: SemanticMemory, agentId }');
    }
    if (typeof options.agentId !== 'string' || options.agentId.length === 0) {
      throw new InvalidInputError(`agentId must be a non-empty string, got ${JSON.stringify(options.agentId)}`);
    }
    const topK = options.topK ?? defaultSemanticMemoryRetrieverOptions.topK;
    if (!Number.isInteger(topK) || topK < 1) throw new InvalidInputError(`topK must be an integer >= 1, got ${topK}`);
    this.memory = options.memory;
    this.agentId = options.agentId;
    this.topK = topK;
    this.scoreThreshold = options.scoreThreshold;
    this.minRelevance = options.minRelevance;
  }

  /**
   * @throws InvalidInputError for a query without text; core errors from `recall` pass through.
   */
  async _retrieve(params: QueryBundle): Promise<NodeWithScore[]> {
    const text = extractText(params.query);
    if (text.trim().length === 0) throw new InvalidInputError('query is empty: expected a non-blank text to recall glossary entries');
    const hits = await this.memory.recall(text, {
      agentId: this.agentId,
      topK: this.topK,
      ...(this.scoreThreshold !== undefined ? { scoreThreshold: this.scoreThreshold } : {}),
      ...(this.minRelevance !== undefined ? { minRelevance: this.minRelevance } : {}),
    });
    return hits.map((hit) => glossaryHitToNode(hit, this.agentId));
  }
}
