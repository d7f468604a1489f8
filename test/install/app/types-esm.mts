// Type-checked by the pack-and-install check with skipLibCheck false: our published
// declarations must compile in a strict ESM (NodeNext) app that has none of our devDependencies.
import { SemanticMemory, SemanticRoutingMemory, StorageUnavailableError, type QdrantStorageOptions } from '@srm/core';
import type { SRMItemStore, MigrationReport } from '@srm/core/storage';
import { WordTokenizer, type GlossaryTokenizer } from '@srm/core/glossary';
import { GloveEmbedder, type DictdEntry } from '@srm/core/datasets';
import { GloveEmbeddings, SRMStore, SRMVectorStore } from '@srm/langchain';
import { GloveEmbedding, SRMVectorStore as LlamaVectorStore } from '@srm/llamaindex';

const memory: Promise<SemanticRoutingMemory> = SemanticRoutingMemory.open({ d: 100 });
const glossary: Promise<SemanticMemory> = SemanticMemory.open();
const store: SRMVectorStore = new SRMVectorStore(new GloveEmbeddings(), { path: './notes' });
const graphStore: SRMStore = new SRMStore({ path: './graph' });
const llamaStore: Promise<LlamaVectorStore> = LlamaVectorStore.open({ path: './li' });
const embedding: Promise<GloveEmbedding> = GloveEmbedding.load();
const qdrant: QdrantStorageOptions = { url: 'http://127.0.0.1:6333', timeoutMs: 1000 };
const failure: StorageUnavailableError | undefined = undefined;
const backend: SRMItemStore | undefined = undefined;
const report: MigrationReport | undefined = undefined;
const tokenizer: GlossaryTokenizer = new WordTokenizer();
const embedder: Promise<GloveEmbedder> = GloveEmbedder.load();
const entry: DictdEntry | undefined = undefined;
export { memory, glossary, store, graphStore, llamaStore, embedding, qdrant, failure, backend, report, tokenizer, embedder, entry };
