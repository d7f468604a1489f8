/**
 * LangChain retriever over one agent's BM25 glossary (`SemanticMemory`).
 */
import { BaseRetriever } from '@langchain/core/retrievers';
import type { BaseRetrieverInput } from '@langchain/core/retrievers';
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { InvalidConfigError, InvalidInputError, Limits } from '@srm/core';
import { formatGlossaryEntry } from '@srm/core/glossary';
import type { RecalledEntry, SemanticMemory } from '@srm/core';

/** Metadata of a glossary document: the recalled entry's fields (`relevance` only when recall computed it). */
export interface GlossaryDocumentMetadata extends RecalledEntry, Record<string, unknown> {}

/** Options of {@link SemanticMemoryRetriever}. */
export interface SemanticMemoryRetrieverInput extends BaseRetrieverInput {
  /** The glossary to search. */
  memory: SemanticMemory;
  /** Whose entries to return; the retriever never sees another agent's entries. */
  agentId: string;
  /** Most documents per query. Default 4; 1 to `Limits.maxK`. */
  topK?: number;
  /** Raw BM25 cut-off (drifts as the glossary grows; see SemanticMemory.recall). */
  scoreThreshold?: number;
  /** Normalised cut-off in [0, 1] that means the same at any glossary size. */
  minRelevance?: number;
}

/**
 * How a glossary entry reads as a document: `"JWT: JSON Web Token. A signed token that…"`.
 * The key, its meaning, then the description if there is one, each ending a sentence
 * (`formatGlossaryEntry` of `@srm/core`).
 */
export function glossaryPageContent(entry: Pick<RecalledEntry, 'key' | 'value' | 'description'>): string {
  return formatGlossaryEntry(entry);
}

/** A recalled entry as a LangChain Document (its id is the entry id). */
export function glossaryDocument(entry: RecalledEntry): Document<GlossaryDocumentMetadata> {
  const metadata: GlossaryDocumentMetadata = {
    id: entry.id,
    key: entry.key,
    value: entry.value,
    category: entry.category,
    aliases: [...entry.aliases],
    description: entry.description,
    score: entry.score,
    ...(entry.relevance === undefined ? {} : { relevance: entry.relevance }),
  };
  return new Document({ id: entry.id, pageContent: glossaryPageContent(entry), metadata });
}

/**
 * Retrieves one agent's glossary entries (BM25: exact terms, acronyms,
 * aliases) as Documents, best first. Use it beside a dense retriever, or
 * alone to ground an agent's jargon.
 *
 * @example
 * ```ts
 * const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: 'support-bot', topK: 3, minRelevance: 0.2 });
 * const docs = await retriever.invoke('how long is a JWT valid?');
 * // docs[0].pageContent === 'JWT: JSON Web Token. …'
 * ```
 */
export class SemanticMemoryRetriever extends BaseRetriever<GlossaryDocumentMetadata> {
  static override lc_name(): string {
    return 'SemanticMemoryRetriever';
  }

  lc_namespace = ['srm', 'retrievers', 'semantic_memory'];

  readonly memory: SemanticMemory;
  readonly agentId: string;
  readonly topK: number;
  readonly scoreThreshold: number | undefined;
  readonly minRelevance: number | undefined;

  /** @throws InvalidConfigError for a missing agentId or an out-of-range topK, scoreThreshold or minRelevance. */
  constructor(fields: SemanticMemoryRetrieverInput) {
    super(fields);
    const { memory, agentId, topK = 4, scoreThreshold, minRelevance } = fields;
    if (typeof memory?.recall !== 'function') throw new InvalidConfigError('memory', 'expected a SemanticMemory');
    if (typeof agentId !== 'string' || agentId.length === 0) {
      throw new InvalidConfigError('agentId', `expected a non-empty string, got ${JSON.stringify(agentId)}`);
    }
    if (!Number.isInteger(topK) || topK < 1 || topK > Limits.maxK) {
      throw new InvalidConfigError('topK', `expected an integer in [1, ${Limits.maxK}], got ${JSON.stringify(topK)}`);
    }
    if (scoreThreshold !== undefined && !Number.isFinite(scoreThreshold)) {
      throw new InvalidConfigError('scoreThreshold', `expected a finite number, got ${JSON.stringify(scoreThreshold)}`);
    }
    if (minRelevance !== undefined && !(minRelevance >= 0 && minRelevance <= 1)) {
      throw new InvalidConfigError('minRelevance', `expected a number in [0, 1], got ${JSON.stringify(minRelevance)}`);
    }
    this.memory = memory;
    this.agentId = agentId;
    this.topK = topK;
    this.scoreThreshold = scoreThreshold;
    this.minRelevance = minRelevance;
  }

  /**
   * @throws InvalidInputError for a blank query (as SRMVectorStore does; the core's recall would
   *   answer []). Errors of the memory (closed memory, storage) pass through unchanged.
   */
  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<GlossaryDocumentMetadata>[]> {
    if (typeof query !== 'string') throw new InvalidInputError(`query must be a string, got ${typeof query}`);
    if (query.trim().length === 0) throw new InvalidInputError('query text is empty');
    const entries = await this.memory.recall(query, {
      agentId: this.agentId,
      topK: this.topK,
      ...(this.scoreThreshold === undefined ? {} : { scoreThreshold: this.scoreThreshold }),
      ...(this.minRelevance === undefined ? {} : { minRelevance: this.minRelevance }),
    });
    return entries.map(glossaryDocument);
  }
}
