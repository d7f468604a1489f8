/**
 * `@srm/llamaindex`: LlamaIndex.TS adapters for Semantic Routing Memory (a
 * vector store) and the BM25 glossary (a retriever and a memory block), plus
 * an offline GloVe embedding model.
 *
 * @packageDocumentation
 */

export { SRMVectorStore } from './vector-store.js';
export type { SRMVectorStoreOptions, SRMVectorStoreOpenOptions, SRMQueryParams } from './vector-store.js';
export { toPayloadFilter, SUPPORTED_FILTER_OPERATORS } from './filters.js';
export type { QueryFilter } from './filters.js';
export { nodeToPayload, payloadToNode, refDocOf, REF_DOC_ID_KEY, NODE_CONTENT_KEY } from './node-payload.js';
export { ONE_CORE_FIX } from './one-core.js';
export { SemanticMemoryRetriever, defaultSemanticMemoryRetrieverOptions } from './retriever.js';
export type { SemanticMemoryRetrieverOptions } from './retriever.js';
export { GlossaryMemoryBlock, glossaryBlock, defaultGlossaryMemoryBlockOptions } from './glossary-block.js';
export type { GlossaryMemoryBlockOptions } from './glossary-block.js';
export { glossaryEntryText, glossaryHitToNode } from './glossary-node.js';
export { GloveEmbedding } from './glove-embedding.js';
