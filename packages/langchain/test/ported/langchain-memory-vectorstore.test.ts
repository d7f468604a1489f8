/**
 * LangChain's own tests of MemoryVectorStore (langchainjs
 * libs/langchain-classic/src/vectorstores/tests/memory.test.ts), rewritten for SRMVectorStore,
 * with LangChain's SyntheticEmbeddings. Differences are named where they occur
 * (docs/langchain.md, "Ported tests").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Document } from '@langchain/core/documents';
import type { DocumentInterface } from '@langchain/core/documents';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { cosineSimilarity } from '@langchain/core/utils/math';
import { SRMVectorStore } from '../../src/vectorstore.js';

const open: SRMVectorStore[] = [];
function store(): SRMVectorStore {
  const s = new SRMVectorStore(new SyntheticEmbeddings({ vectorSize: 1536 }));
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const GREETINGS = [
  { pageContent: 'hello', metadata: { a: 1 } },
  { pageContent: 'hi', metadata: { a: 1 } },
  { pageContent: 'bye', metadata: { a: 1 } },
  { pageContent: "what's this", metadata: { a: 1 } },
];
/** Difference: our returned documents carry their id, generated when none was given; compared without it. */
const withoutId = (docs: DocumentInterface[]) => docs.map((d) => new Document({ pageContent: d.pageContent, metadata: d.metadata }));
const onlyLowNamespaces = (doc: DocumentInterface): boolean => doc.metadata.namespace <= 2;

describe('SRMVectorStore (LangChain memory.test.ts)', () => {
  it('finds a document added without ids', async () => {
    const s = store();
    await s.addDocuments(GREETINGS);
    const results = await s.similaritySearch('hello', 1);
    expect(results).toHaveLength(1);
    expect(withoutId(results)).toEqual([new Document({ metadata: { a: 1 }, pageContent: 'hello' })]);
    expect(results[0]!.id).toEqual(expect.any(String));
  });

  it('stores and returns document ids, through a retriever with a filter function', async () => {
    const retriever = store().asRetriever({ k: 2, filter: onlyLowNamespaces });
    await retriever.addDocuments([1, 2, 3, 4].map((n) => ({ pageContent: 'hello', metadata: { namespace: n }, id: String(n) })));
    const results = await retriever.invoke('hello');
    // Four documents tie exactly: they come in insertion order, as from MemoryVectorStore.
    expect(results).toEqual([
      new Document({ metadata: { namespace: 1 }, pageContent: 'hello', id: '1' }),
      new Document({ metadata: { namespace: 2 }, pageContent: 'hello', id: '2' }),
    ]);
  });

  it('filters metadata as a retriever', async () => {
    const retriever = store().asRetriever({ k: 2, filter: onlyLowNamespaces });
    await retriever.addDocuments([1, 2, 3, 4].map((n) => ({ pageContent: 'hello', metadata: { namespace: n } })));
    expect(withoutId(await retriever.invoke('hello'))).toEqual([
      new Document({ metadata: { namespace: 1 }, pageContent: 'hello' }),
      new Document({ metadata: { namespace: 2 }, pageContent: 'hello' }),
    ]);
  });

  it('scores by cosine similarity', async () => {
    // Difference: MemoryVectorStore takes a `similarity` function; our scores are the memory's metric
    // (cosine by default), so the port checks them against LangChain's own cosine.
    const s = store();
    await s.addDocuments(GREETINGS);
    const results = await s.similaritySearchWithScore('hello', 3);
    expect(results).toHaveLength(3);
    const embeddings = new SyntheticEmbeddings({ vectorSize: 1536 });
    const query = await embeddings.embedQuery('hello');
    for (const [doc, score] of results) {
      const expected = cosineSimilarity([query], [await embeddings.embedQuery(doc.pageContent)])[0]![0]!;
      expect(score).toBeCloseTo(expected, 5);
    }
  });

  it('runs max marginal relevance search', async () => {
    const s = store();
    await s.addDocuments(GREETINGS);
    expect(await s.maxMarginalRelevanceSearch('hello', { k: 3 })).toHaveLength(3);
  });

  it('sorts results by descending similarity, whatever the insertion order', async () => {
    // Difference: LangChain's case fakes both the embeddings and the similarity function; ours gives the
    // vectors directly, chosen so that the cosines to D order the documents A, C, B as there.
    const vectors: Record<string, number[]> = { 'Document A': [1, 0.2], 'Document B': [1, 2], 'Document C': [1, 0.8] };
    const d = [1, 0];
    const orderings = [
      ['Document A', 'Document B', 'Document C'],
      ['Document A', 'Document C', 'Document B'],
      ['Document B', 'Document A', 'Document C'],
      ['Document B', 'Document C', 'Document A'],
      ['Document C', 'Document A', 'Document B'],
      ['Document C', 'Document B', 'Document A'],
    ];
    for (const ordering of orderings) {
      const s = store();
      for (const text of ordering) await s.addVectors([vectors[text]!], [new Document({ pageContent: text, metadata: { a: 1 } })]);
      const results = await s.similaritySearchVectorWithScore(d, 3);
      expect(results.map(([doc]) => doc.pageContent)).toEqual(['Document A', 'Document C', 'Document B']);
      expect(results[0]![1]).toBeGreaterThan(results[1]![1]);
      expect(results[1]![1]).toBeGreaterThan(results[2]![1]);
    }
  });
});
