/** The public entry point: what it exports, and type-level checks of the main signatures. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Document } from '@langchain/core/documents';
import type { BaseRetriever } from '@langchain/core/retrievers';
import type { DynamicStructuredTool } from '@langchain/core/tools';
import type { VectorStore } from '@langchain/core/vectorstores';
import type { BaseStore, InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import type { Embeddings } from '@langchain/core/embeddings';
import * as api from './index.js';
import type { GlossaryTools, MetadataFilter, SRMVectorStoreFilter } from './index.js';

describe('@srm/langchain entry point', () => {
  it('exports the adapters and helpers by name', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'GloveEmbeddings',
        'MANIFEST_FILE',
        'MANIFEST_VERSION',
        'MAX_PUT_BYTES',
        'SRMInvalidNamespaceError',
        'SRMStore',
        'SRMVectorStore',
        'SemanticMemoryRetriever',
        'createGlossaryTools',
        'formatRecalledEntries',
        'glossaryDocument',
        'glossaryPageContent',
        'toQueryFilter',
        'translateMetadataFilter',
      ].sort(),
    );
  });

  it('has the LangChain base classes and signatures it claims', () => {
    expectTypeOf<api.SRMVectorStore>().toMatchTypeOf<VectorStore>();
    expectTypeOf<api.SRMStore>().toMatchTypeOf<BaseStore>();
    expectTypeOf<api.SemanticMemoryRetriever>().toMatchTypeOf<BaseRetriever>();
    expectTypeOf<api.GloveEmbeddings>().toMatchTypeOf<Embeddings>();
    expectTypeOf<api.SRMVectorStore['FilterType']>().toEqualTypeOf<SRMVectorStoreFilter>();
    expectTypeOf<(doc: Document) => boolean>().toMatchTypeOf<SRMVectorStoreFilter>();
    expectTypeOf<{ source: string; year: { $gte: number } }>().toMatchTypeOf<MetadataFilter>();
    expectTypeOf<GlossaryTools[0]>().toMatchTypeOf<DynamicStructuredTool>();
    expectTypeOf(api.SRMVectorStore.fromTexts).returns.resolves.toEqualTypeOf<api.SRMVectorStore>();
    expectTypeOf(api.SRMVectorStore.load).returns.resolves.toEqualTypeOf<api.SRMVectorStore>();
    expectTypeOf<api.SRMVectorStore['addDocuments']>().returns.resolves.toEqualTypeOf<string[]>();
    expectTypeOf<api.SRMInvalidNamespaceError>().toMatchTypeOf<InvalidNamespaceError>();
    expectTypeOf<Parameters<api.SRMStore['put']>[4]>().toEqualTypeOf<{ ttl?: number | null } | undefined>();
    expectTypeOf<Parameters<api.SRMStore['get']>[2]>().toEqualTypeOf<{ refreshTtl?: boolean } | undefined>();
    expectTypeOf<api.SRMStoreTtlConfig>().toEqualTypeOf<{ defaultTtl?: number; refreshOnRead?: boolean; sweepIntervalMinutes?: number }>();
  });
});
