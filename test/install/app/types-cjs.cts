// The same check for a CommonJS consumer: these imports resolve through the "require" condition.
import { SemanticRoutingMemory, type SRMError } from '@srm/core';
import type { SRMItemStore } from '@srm/core/storage';
import { WordTokenizer } from '@srm/core/glossary';
import { Rng } from '@srm/core/datasets';
import { SRMVectorStore, GloveEmbeddings } from '@srm/langchain';
import { SRMVectorStore as LlamaVectorStore } from '@srm/llamaindex';

const memory: Promise<SemanticRoutingMemory> = SemanticRoutingMemory.open({ d: 100 });
const store: SRMVectorStore = new SRMVectorStore(new GloveEmbeddings());
const llamaStore: Promise<LlamaVectorStore> = LlamaVectorStore.open({ path: './li' });
const error: SRMError | undefined = undefined;
const backend: SRMItemStore | undefined = undefined;
const tokenizer = new WordTokenizer();
const rng: Rng = new Rng(1);
export = { memory, store, llamaStore, error, backend, tokenizer, rng };
