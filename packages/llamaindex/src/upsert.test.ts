/**
 * Upsert by source document, as LlamaIndex's doc-store strategies expect:
 * re-indexing the same documents adds no node, a changed document leaves no
 * stale node, and this holds when LlamaIndex's document store has forgotten
 * the documents (a fresh storage context, as after a restart). Compared with
 * SimpleVectorStore whose document store remembers them.
 */
import {
  Document,
  IngestionPipeline,
  ModalityType,
  SentenceSplitter,
  Settings,
  SimpleDocumentStore,
  SimpleVectorStore,
  storageContextFromDefaults,
  TextNode,
  VectorStoreIndex,
} from 'llamaindex';
import type { BaseNode } from 'llamaindex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dictionaryDocuments, WordHashEmbedding } from '../test/fixtures.js';
import { SRMVectorStore } from './vector-store.js';
import type { SRMVectorStoreOptions } from './vector-store.js';

let model: WordHashEmbedding;
beforeAll(() => {
  model = new WordHashEmbedding();
  Settings.embedModel = model;
});
afterAll(() => {
  Settings.embedModel = undefined as never;
});

/** Small chunks, so that most documents give several nodes. */
const splitter = () => new SentenceSplitter({ chunkSize: 96, chunkOverlap: 0 });

/** Indexes `docs` through VectorStoreIndex with a new storage context (an empty document store). */
async function indexWithFreshContext(store: SRMVectorStore, docs: Document[]): Promise<void> {
  const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: store } });
  await VectorStoreIndex.init({ nodes: await model(splitter().getNodesFromDocuments(docs)), storageContext });
}

async function texts(store: SRMVectorStore): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.memory.items(1024)) for (const item of page) out.push(JSON.parse(item.payload._node_content as string).text as string);
  return out.sort();
}

function storeWith(options: SRMVectorStoreOptions = {}): SRMVectorStore {
  return new SRMVectorStore(options);
}

describe('re-indexing through VectorStoreIndex', () => {
  it('adds no node for the same documents, where replaceDocuments: false duplicates them', async () => {
    const docs = dictionaryDocuments();
    const store = storeWith();
    await indexWithFreshContext(store, docs);
    const once = store.memory.size;
    const before = await texts(store);
    expect(once).toBeGreaterThan(docs.length);
    await indexWithFreshContext(store, dictionaryDocuments());
    expect(store.memory.size).toBe(once);
    expect(await texts(store)).toEqual(before);

    const appending = storeWith({ replaceDocuments: false });
    await indexWithFreshContext(appending, docs);
    await indexWithFreshContext(appending, dictionaryDocuments());
    expect(appending.memory.size).toBe(2 * once);
    await store.close();
    await appending.close();
  });

  it('replaces every node of a changed document and keeps the others', async () => {
    const docs = dictionaryDocuments();
    const store = storeWith();
    await indexWithFreshContext(store, docs);
    const changed = dictionaryDocuments().map((d) =>
      d.id_ === 'jargon:cruft' ? new Document({ id_: d.id_, text: 'Cruft, rewritten: leftover code nobody dares to delete.', metadata: d.metadata }) : d,
    );
    const cruftBefore = splitter().getNodesFromDocuments(docs.filter((d) => d.id_ === 'jargon:cruft')).length;
    const sizeBefore = store.memory.size;
    await indexWithFreshContext(store, changed);
    expect(cruftBefore).toBeGreaterThan(1);
    expect(store.memory.size).toBe(sizeBefore - cruftBefore + 1);
    const all = await texts(store);
    expect(all).toContain('Cruft, rewritten: leftover code nobody dares to delete.');
    expect(all.filter((t) => t.toLowerCase().includes('cruft'))).toHaveLength(1);
    await store.close();
  });

  it('keeps every node of a document given in several adds, and nodes without a source document', async () => {
    const store = storeWith();
    const [doc] = dictionaryDocuments().filter((d) => d.id_ === 'jargon:heisenbug');
    const nodes = await model(splitter().getNodesFromDocuments([doc!]));
    expect(nodes.length).toBeGreaterThan(1);
    const loose: BaseNode[] = [new TextNode({ text: 'a chat message batch' }), new TextNode({ text: 'another batch' })];
    for (const n of loose) n.embedding = await model.getTextEmbedding((n as TextNode).text);
    await store.add(loose);
    await store.add(nodes.slice(0, 1));
    await store.add(nodes.slice(1));
    await store.add([loose[0]!]);
    expect(store.memory.size).toBe(nodes.length + loose.length);
    await store.close();
  });
});

describe('re-running an IngestionPipeline (UPSERTS) like SimpleVectorStore', () => {
  async function run(vectorStore: SRMVectorStore | SimpleVectorStore, docStore: SimpleDocumentStore, docs: Document[]): Promise<void> {
    const pipeline = new IngestionPipeline({ transformations: [splitter(), model], docStore, vectorStore });
    await pipeline.run({ documents: docs });
  }

  it('stores as many nodes with a forgotten document store as SimpleVectorStore with a remembered one', async () => {
    const simple = new SimpleVectorStore({ embedModel: model });
    const simpleDocStore = new SimpleDocumentStore();
    await run(simple, simpleDocStore, dictionaryDocuments());
    await run(simple, simpleDocStore, dictionaryDocuments());
    const simpleCount = Object.keys(simple.toDict().embeddingDict).length;

    const ours = storeWith();
    await run(ours, new SimpleDocumentStore(), dictionaryDocuments());
    await run(ours, new SimpleDocumentStore(), dictionaryDocuments());
    expect(ours.memory.size).toBe(simpleCount);
    await ours.close();
  });
});
