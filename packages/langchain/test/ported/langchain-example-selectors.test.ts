/**
 * LangChain's own tests of SemanticSimilarityExampleSelector over a vector store (langchainjs
 * libs/langchain-classic/src/prompts/tests/selectors.test.ts, which use MemoryVectorStore),
 * with SRMVectorStore in its place and LangChain's FakeEmbeddings, as there. FakeEmbeddings
 * gives every text the same vector, so every score ties and the expected order is the
 * insertion order; SRMVectorStore breaks exact ties that way too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SemanticSimilarityExampleSelector } from '@langchain/core/example_selectors';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { SRMVectorStore } from '../../src/vectorstore.js';

const open: SRMVectorStore[] = [];
async function greetings(): Promise<SRMVectorStore> {
  const s = await SRMVectorStore.fromTexts(
    ['Hello world', 'Bye bye', 'hello nice world', 'bye', 'hi'],
    [{ id: 2 }, { id: 1 }, { id: 3 }, { id: 4 }, { id: 5 }],
    new FakeEmbeddings(),
  );
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('SemanticSimilarityExampleSelector over SRMVectorStore (LangChain selectors.test.ts)', () => {
  it('selects the 4 nearest examples', async () => {
    const selector = new SemanticSimilarityExampleSelector({ vectorStore: await greetings() });
    expect(await selector.selectExamples({ id: 1 })).toEqual([{ id: 2 }, { id: 1 }, { id: 3 }, { id: 4 }]);
  });

  it('selects with a metadata filter function', async () => {
    const selector = new SemanticSimilarityExampleSelector({ vectorStore: await greetings(), filter: (doc) => doc.metadata.id === 2 });
    expect(await selector.selectExamples({ id: 1 })).toEqual([{ id: 2 }]);
  });

  it('selects through a retriever passed in', async () => {
    const selector = new SemanticSimilarityExampleSelector({ vectorStoreRetriever: (await greetings()).asRetriever({ k: 5 }) });
    expect(await selector.selectExamples({ id: 1 })).toEqual([{ id: 2 }, { id: 1 }, { id: 3 }, { id: 4 }, { id: 5 }]);
  });

  it('adds examples through the selector and finds them after the first ones', async () => {
    const vectorStore = await greetings();
    const selector = new SemanticSimilarityExampleSelector({ vectorStore, k: 7 });
    await selector.addExample({ id: '6' });
    expect(await selector.selectExamples({ id: 1 })).toEqual([{ id: 2 }, { id: 1 }, { id: 3 }, { id: 4 }, { id: 5 }, { id: '6' }]);
  });
});
