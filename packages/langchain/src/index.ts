/**
 * `@srm/langchain`: LangChain.js and LangGraph adapters for Semantic Routing
 * Memory (dense) and SemanticMemory (BM25 glossary).
 *
 * @packageDocumentation
 */

// --- vector store ---
export { SRMVectorStore, toQueryFilter } from './vectorstore.js';
export type { SRMVectorStoreArgs, SRMVectorStoreFilter } from './vectorstore.js';
export { MANIFEST_FILE, MANIFEST_VERSION } from './vectorstore-manifest.js';
export { translateMetadataFilter } from './metadata-filter.js';
export type { MetadataFilter, MetadataCondition, MetadataOperator, MongoStyleFilter } from './metadata-filter.js';

// --- glossary retriever and tools ---
export { SemanticMemoryRetriever, glossaryDocument, glossaryPageContent } from './semantic-memory-retriever.js';
export type { SemanticMemoryRetrieverInput, GlossaryDocumentMetadata } from './semantic-memory-retriever.js';
export { createGlossaryTools, formatRecalledEntries } from './glossary-tools.js';
export type { GlossaryTools, GlossaryToolsOptions } from './glossary-tools.js';

// --- LangGraph store ---
export { SRMStore } from './store/srm-store.js';
export type { SRMStoreOptions, SRMStoreIndexConfig, SRMGetOperation, SRMPutOperation, SRMSearchOperation } from './store/srm-store.js';
export type { SRMStoreTtlConfig, ResolvedTtlConfig } from './store/ttl.js';
export { MAX_PUT_BYTES } from './store/put-plan.js';
export { SRMInvalidNamespaceError } from './store/namespace-error.js';

// --- embeddings ---
export { GloveEmbeddings } from './glove-embeddings.js';
export type { GloveEmbeddingsOptions } from './glove-embeddings.js';
