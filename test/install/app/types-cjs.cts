// The same check for a CommonJS consumer: these imports resolve through the "require" condition.
import { SemanticRoutingMemory, type SrmError } from '@srm/core';
import { SRMVectorStore, GloveEmbeddings } from '@srm/langchain';
import { SRMVectorStore as LlamaVectorStore } from '@srm/llamaindex';

const memory: Promise<SemanticRoutingMemory> = SemanticRoutingMemory.open({ d: 100 });
const store: SRMVectorStore = new SRMVectorStore(new GloveEmbeddings());
const llamaStore: Promise<LlamaVectorStore> = LlamaVectorStore.open({ path: './li' });
const error: SrmError | undefined = undefined;
export = { memory, store, llamaStore, error };
