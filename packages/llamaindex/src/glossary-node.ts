/**
 * How a glossary entry reads as a LlamaIndex node: `"JWT: JSON Web Token. <description>"`.
 */
import { TextNode } from '@llamaindex/core/schema';
import type { NodeWithScore } from '@llamaindex/core/schema';
import { formatGlossaryEntry } from '@srm/core/glossary';
import type { RecalledEntry } from '@srm/core';

/** Metadata keys of a glossary node that an LLM does not need to see again (the text already says them). */
const HIDDEN_FROM_LLM = ['key', 'value', 'description', 'agentId', 'score', 'relevance'];
/** Every metadata key of a glossary node: none of them is embedded (the node is never re-embedded anyway). */
const ALL_KEYS = ['key', 'value', 'category', 'aliases', 'description', 'agentId', 'score', 'relevance'];

/**
 * The sentence a glossary entry reads as: the key, the value, then the
 * description; a full stop separates value and description where none is,
 * and the end is left as written (`formatGlossaryEntry` of `@srm/core`).
 */
export function glossaryEntryText(entry: Pick<RecalledEntry, 'key' | 'value' | 'description'>): string {
  return formatGlossaryEntry(entry, { finalStop: false });
}

/**
 * A recalled glossary entry as a `NodeWithScore` (node id = entry id; score = the raw BM25 recall
 * score; metadata `relevance` when recall computed it).
 */
export function glossaryHitToNode(hit: RecalledEntry, agentId: string): NodeWithScore {
  const node = new TextNode({
    id_: hit.id,
    text: glossaryEntryText(hit),
    metadata: {
      key: hit.key,
      value: hit.value,
      category: hit.category,
      aliases: [...hit.aliases],
      description: hit.description,
      agentId,
      score: hit.score,
      ...(hit.relevance !== undefined ? { relevance: hit.relevance } : {}),
    },
    excludedLlmMetadataKeys: [...HIDDEN_FROM_LLM],
    excludedEmbedMetadataKeys: [...ALL_KEYS],
  });
  return { node, score: hit.score };
}
