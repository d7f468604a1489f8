/**
 * SRMVectorStore through real LlamaIndex objects: VectorStoreIndex,
 * storageContextFromDefaults, retrievers with filters, a query engine, delete
 * by ref doc id, and reopening from disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getResponseSynthesizer, MetadataMode, ModalityType, SentenceSplitter, Settings, storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import type { NodeWithScore } from 'llamaindex';
import { InvalidInputError } from '@srm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextQuoteLLM, dictionaryDocuments } from '../test/fixtures.js';
import { GloveEmbedding } from './glove-embedding.js';
import { SRMVectorStore } from './vector-store.js';

/** Queries and the document each is about (GloVe averages words: the wording matters). */
const QUERIES = [
  'uncertainty principle in quantum physics applied to bugs',
  'the substance inside chips that makes them work',
  'protocol for reliable delivery of packets',
  'local area network invented at Xerox',
];

let dir: string;
let store: SRMVectorStore;
let index: VectorStoreIndex;
const docs = dictionaryDocuments();

function refDocs(hits: NodeWithScore[]): (string | undefined)[] {
  return hits.map((h) => h.node.sourceNode?.nodeId);
}

async function answers(idx: VectorStoreIndex): Promise<{ ids: string[]; scores: number[] }[]> {
  const retriever = idx.asRetriever({ similarityTopK: 4 });
  const out = [];
  for (const q of QUERIES) {
    const hits = await retriever.retrieve(q);
    out.push({ ids: hits.map((h) => h.node.id_), scores: hits.map((h) => h.score ?? Number.NaN) });
  }
  return out;
}

beforeAll(async () => {
  Settings.embedModel = await GloveEmbedding.load();
  dir = mkdtempSync(join(tmpdir(), 'srm-llamaindex-'));
  store = await SRMVectorStore.open({ path: dir });
  const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: store } });
  // Small chunks, so that most documents give several nodes. (Setting Settings.nodeParser would not
  // reach fromDocuments: llamaindex 0.12 bundles a separate Settings.nodeParser into its indices module.)
  const nodes = new SentenceSplitter({ chunkSize: 96, chunkOverlap: 0 }).getNodesFromDocuments(docs);
  index = await VectorStoreIndex.init({ nodes, storageContext });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
  Settings.embedModel = undefined as never;
});

describe('SRMVectorStore under VectorStoreIndex', () => {
  it('indexes documents through storageContextFromDefaults({ vectorStores })', () => {
    expect(store.memory.size).toBeGreaterThan(docs.length);
  });

  it('retrieves the document a query is about', async () => {
    const retriever = index.asRetriever({ similarityTopK: 3 });
    expect(refDocs(await retriever.retrieve(QUERIES[0]!))[0]).toBe('jargon:heisenbug');
    expect(refDocs(await retriever.retrieve(QUERIES[1]!))[0]).toBe('jargon:magic smoke');
    expect(refDocs(await retriever.retrieve(QUERIES[2]!))[0]).toBe('foldoc:tcp');
    expect(refDocs(await retriever.retrieve(QUERIES[3]!))[0]).toBe('foldoc:ethernet');
  });

  it('retrieves with metadata filters', async () => {
    const foldocOnly = index.asRetriever({ similarityTopK: 5, filters: { filters: [{ key: 'source', operator: '==', value: 'foldoc' }] } });
    const hits = await foldocOnly.retrieve(QUERIES[0]!);
    expect(hits.length).toBe(5);
    for (const h of hits) expect(h.node.metadata.source).toBe('foldoc');

    const either = index.asRetriever({
      similarityTopK: 20,
      filters: {
        condition: 'or',
        filters: [
          { key: 'headword', operator: '==', value: 'dns' },
          { key: 'headword', operator: 'in', value: ['spam'] },
        ],
      },
    });
    expect(new Set(refDocs(await either.retrieve('internet names and mail')))).toEqual(new Set(['foldoc:dns', 'jargon:spam']));
  });

  it('rejects an unknown filter operator and an empty query with InvalidInputError', async () => {
    const bad = index.asRetriever({ filters: { filters: [{ key: 'source', operator: 'like' as never, value: 'fol%' }] } });
    await expect(bad.retrieve('network')).rejects.toThrow(InvalidInputError);
    await expect(index.asRetriever().retrieve('')).rejects.toThrow(/query is empty/);
  });

  it('answers through a query engine with the retrieved text', async () => {
    const llm = new ContextQuoteLLM();
    const engine = index.asQueryEngine({ similarityTopK: 2, responseSynthesizer: getResponseSynthesizer('compact', { llm }) });
    const response = await engine.query({ query: 'What is the magic smoke inside integrated circuits?' });
    expect(refDocs(response.sourceNodes ?? [])[0]).toBe('jargon:magic smoke');
    const best = response.sourceNodes![0]!.node.getContent(MetadataMode.NONE);
    expect(llm.prompts).toHaveLength(1);
    expect(llm.prompts[0]).toContain(best);
    expect(best).toContain(response.toString());
    expect(response.toString().toLowerCase()).toContain('smoke');
  });

  it('serves the same answers from VectorStoreIndex.fromVectorStore (the store alone)', async () => {
    const fromStore = await VectorStoreIndex.fromVectorStore(store);
    expect(await answers(fromStore)).toEqual(await answers(index));
  });

  it('reopens from disk with the same answers', async () => {
    const before = await answers(index);
    await store.close();
    store = await SRMVectorStore.open({ path: dir });
    index = await VectorStoreIndex.fromVectorStore(store);
    const after = await answers(index);
    expect(after.map((a) => a.ids)).toEqual(before.map((b) => b.ids));
    after.forEach((a, i) => a.scores.forEach((s, j) => expect(s).toBeCloseTo(before[i]!.scores[j]!, 5)));
  });

  it('deletes by ref doc id, durably', async () => {
    const size = store.memory.size;
    const retriever = index.asRetriever({ similarityTopK: 50 });
    const heisenbugNodes = refDocs(await retriever.retrieve(QUERIES[0]!)).filter((r) => r === 'jargon:heisenbug').length;
    expect(heisenbugNodes).toBeGreaterThan(0);
    // deleteFromDocStore=false: LlamaIndex's in-memory doc store throws on a document it never held,
    // which is every document when the vector store keeps the text.
    await index.deleteRefDoc('jargon:heisenbug', false);
    expect(store.memory.size).toBe(size - heisenbugNodes);
    expect(refDocs(await retriever.retrieve(QUERIES[0]!))).not.toContain('jargon:heisenbug');

    await store.close();
    store = await SRMVectorStore.open({ path: dir });
    const reopened = await VectorStoreIndex.fromVectorStore(store);
    expect(store.memory.size).toBe(size - heisenbugNodes);
    expect(refDocs(await reopened.asRetriever({ similarityTopK: 50 }).retrieve(QUERIES[0]!))).not.toContain('jargon:heisenbug');
  });
});

describe('SRMVectorStore under VectorStoreIndex.fromDocuments', () => {
  it('splits, embeds and stores documents with the default node parser', async () => {
    const memoryStore = new SRMVectorStore();
    const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: memoryStore } });
    const idx = await VectorStoreIndex.fromDocuments(docs, { storageContext });
    expect(memoryStore.memory.size).toBeGreaterThanOrEqual(docs.length);
    expect(refDocs(await idx.asRetriever({ similarityTopK: 1 }).retrieve(QUERIES[2]!))).toEqual(['foldoc:tcp']);
    await memoryStore.close();
  });
});
