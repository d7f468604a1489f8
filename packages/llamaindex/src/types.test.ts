/**
 * Type-level tests of the public API: the adapters fit where LlamaIndex
 * expects its own base classes. Checked by `tsc` (lint); the runtime part
 * only confirms the exports exist.
 */
import type { BaseEmbedding, BaseMemoryBlock, BaseRetriever, BaseVectorStore, MetadataFilters, NodeWithScore, VectorStoreQueryResult } from 'llamaindex';
import { ModalityType } from 'llamaindex';
import type { storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import type { InvalidInputError, Payload, PayloadFilter, SemanticRoutingMemory } from '@srm/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from './index.js';
import type { GloveEmbedding, GlossaryMemoryBlock, SemanticMemoryRetriever, SRMQueryParams, SRMVectorStore } from './index.js';

describe('public API types', () => {
  it('SRMVectorStore is a BaseVectorStore usable by VectorStoreIndex and storageContextFromDefaults', () => {
    expectTypeOf<SRMVectorStore>().toMatchTypeOf<BaseVectorStore>();
    expectTypeOf<SRMVectorStore>().toMatchTypeOf<Parameters<typeof VectorStoreIndex.fromVectorStore>[0]>();
    type VectorStores = NonNullable<Parameters<typeof storageContextFromDefaults>[0]['vectorStores']>;
    const asVectorStores = (store: SRMVectorStore): VectorStores => ({ [ModalityType.TEXT]: store });
    expectTypeOf(asVectorStores).returns.toEqualTypeOf<VectorStores>();
    expectTypeOf<ReturnType<SRMVectorStore['query']>>().toEqualTypeOf<Promise<VectorStoreQueryResult>>();
    expectTypeOf<ReturnType<SRMVectorStore['client']>>().toEqualTypeOf<SemanticRoutingMemory | undefined>();
    expectTypeOf<SRMQueryParams>().toEqualTypeOf<{ m?: number; maxCandidates?: number; refine?: number }>();
  });

  it('the retriever, the block and the embedding extend the LlamaIndex base classes', () => {
    expectTypeOf<SemanticMemoryRetriever>().toMatchTypeOf<BaseRetriever>();
    expectTypeOf<ReturnType<SemanticMemoryRetriever['retrieve']>>().toEqualTypeOf<Promise<NodeWithScore[]>>();
    expectTypeOf<GlossaryMemoryBlock>().toMatchTypeOf<BaseMemoryBlock>();
    expectTypeOf<GloveEmbedding>().toMatchTypeOf<BaseEmbedding>();
  });

  it('toPayloadFilter maps LlamaIndex filters to the core filter AST, or a predicate for is_empty', () => {
    expectTypeOf(api.toPayloadFilter).parameter(0).toEqualTypeOf<MetadataFilters | undefined | null>();
    expectTypeOf(api.toPayloadFilter).returns.toEqualTypeOf<PayloadFilter | ((payload: Payload) => boolean) | undefined>();
    expectTypeOf<InvalidInputError>().toMatchTypeOf<Error>();
  });

  it('exports exactly the documented values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'GloveEmbedding',
        'GlossaryMemoryBlock',
        'NODE_CONTENT_KEY',
        'ONE_CORE_FIX',
        'REF_DOC_ID_KEY',
        'SRMVectorStore',
        'SUPPORTED_FILTER_OPERATORS',
        'SemanticMemoryRetriever',
        'defaultGlossaryMemoryBlockOptions',
        'defaultSemanticMemoryRetrieverOptions',
        'glossaryBlock',
        'glossaryEntryText',
        'glossaryHitToNode',
        'nodeToPayload',
        'payloadToNode',
        'refDocOf',
        'toPayloadFilter',
      ].sort(),
    );
  });
});
