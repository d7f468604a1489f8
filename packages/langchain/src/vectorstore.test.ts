import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { Document } from '@langchain/core/documents';
import { RecordManager, index } from '@langchain/core/indexing';
import type { ListKeyOptions, UpdateOptions } from '@langchain/core/indexing';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { FakeEmbeddings, FakeListChatModel, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import type { BaseMessage } from '@langchain/core/messages';
import {
  CorruptDataError,
  DimensionMismatchError,
  EmbeddedStorage,
  InvalidConfigError,
  InvalidInputError,
  NotFoundError,
  SemanticRoutingMemory,
} from '@srm/core';
import { SRMStore } from './store/srm-store.js';
import { GloveEmbeddings } from './glove-embeddings.js';
import { SRMVectorStore } from './vectorstore.js';
import { MANIFEST_FILE } from './vectorstore-manifest.js';

const stores: SRMVectorStore[] = [];
const dirs: string[] = [];
const track = <T extends SRMVectorStore>(s: T): T => {
  stores.push(s);
  return s;
};
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'srm-vs-'));
  dirs.push(d);
  return d;
};

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * LangChain's `InMemoryRecordManager` lives in `@langchain/classic`, which this
 * repository does not install; this is the same bookkeeping on LangChain's own
 * abstract `RecordManager`, so `index()` runs unchanged.
 */
class MapRecordManager extends RecordManager {
  override lc_namespace = ['srm', 'tests', 'record_manager'];
  records = new Map<string, { updatedAt: number; groupId: string | null }>();
  async createSchema(): Promise<void> {}
  private last = 0;
  /** A strictly increasing clock, so that two runs in the same millisecond stay ordered. */
  async getTime(): Promise<number> {
    this.last = Math.max(Date.now(), this.last + 1);
    return this.last;
  }
  async update(keys: string[], options: UpdateOptions = {}): Promise<void> {
    const now = await this.getTime();
    if (options.timeAtLeast && now < options.timeAtLeast) throw new Error('clock went backwards');
    keys.forEach((k, i) => this.records.set(k, { updatedAt: now, groupId: options.groupIds?.[i] ?? null }));
  }
  async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((k) => this.records.has(k));
  }
  async listKeys(options: ListKeyOptions = {}): Promise<string[]> {
    const out: string[] = [];
    for (const [k, r] of this.records) {
      if (options.before !== undefined && r.updatedAt >= options.before) continue;
      if (options.after !== undefined && r.updatedAt <= options.after) continue;
      if (options.groupIds && !options.groupIds.includes(r.groupId)) continue;
      out.push(k);
    }
    return options.limit ? out.slice(0, options.limit) : out;
  }
  async deleteKeys(keys: string[]): Promise<void> {
    for (const k of keys) this.records.delete(k);
  }
}

function errorCollector() {
  const errors: unknown[] = [];
  const handler = BaseCallbackHandler.fromMethods({
    handleRetrieverError(err) {
      errors.push(err);
    },
  });
  return { errors, handler };
}

const docsWithMetadata = () => [
  new Document({ pageContent: 'foo', metadata: { lang: 'en', year: 2019, tags: ['a'] } }),
  new Document({ pageContent: 'bar', metadata: { lang: 'de', year: 2021, tags: ['b'] } }),
  new Document({ pageContent: 'baz', metadata: { lang: 'en', year: 2023, tags: ['a', 'b'] } }),
];

describe('construction', () => {
  it('reports its type without touching instance fields', () => {
    expect(SRMVectorStore.prototype._vectorstoreType.call(undefined as never)).toBe('srm');
    const store = track(new SRMVectorStore(new SyntheticEmbeddings()));
    expect(store.lc_namespace).toEqual(['langchain', 'vectorstores', 'srm']);
  });

  it('uses an injected memory and leaves it open on close', async () => {
    const memory = new SemanticRoutingMemory({ d: 4 });
    const store = new SRMVectorStore(new SyntheticEmbeddings(), { memory });
    await store.addDocuments([new Document({ pageContent: 'foo' })]);
    await store.close();
    expect(memory.size).toBe(1);
    await memory.close();
  });
});

describe('fromTexts and fromDocuments', () => {
  it('builds a store with one metadata object per text or one for all', async () => {
    const perText = track(await SRMVectorStore.fromTexts(['foo', 'bar'], [{ n: 1 }, { n: 2 }], new SyntheticEmbeddings()));
    expect((await perText.similaritySearch('bar', 1))[0]!.metadata).toEqual({ n: 2 });
    const shared = track(await SRMVectorStore.fromTexts(['foo', 'bar'], { source: 's' }, new SyntheticEmbeddings()));
    expect((await shared.similaritySearch('foo', 2)).map((d) => d.metadata)).toEqual([{ source: 's' }, { source: 's' }]);
  });

  it('keeps the ids of documents', async () => {
    const store = track(await SRMVectorStore.fromDocuments([new Document({ id: 'x', pageContent: 'foo' })], new SyntheticEmbeddings()));
    expect((await store.similaritySearch('foo', 1))[0]!.id).toBe('x');
  });
});

describe('similaritySearchVectorWithScore filters', () => {
  const setup = async () => track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
  const contents = (r: [Document, number][]) => r.map(([d]) => d.pageContent).sort();

  it('returns scores, best first', async () => {
    const store = await setup();
    const results = await store.similaritySearchWithScore('bar', 3);
    expect(results[0]![0].pageContent).toBe('bar');
    expect(results[0]![1]).toBeCloseTo(1, 5);
    expect(results.map(([, s]) => s)).toEqual([...results.map(([, s]) => s)].sort((a, b) => b - a));
  });

  it('accepts equality shorthand, Mongo-like operators and the core AST on metadata', async () => {
    const store = await setup();
    const q = await store.embeddings.embedQuery('foo');
    expect(contents(await store.similaritySearchVectorWithScore(q, 3, { lang: 'en' }))).toEqual(['baz', 'foo']);
    expect(contents(await store.similaritySearchVectorWithScore(q, 3, { year: { $gte: 2020 } }))).toEqual(['bar', 'baz']);
    expect(contents(await store.similaritySearchVectorWithScore(q, 3, { $or: [{ lang: 'de' }, { year: { $lt: 2020 } }] }))).toEqual(['bar', 'foo']);
    expect(contents(await store.similaritySearchVectorWithScore(q, 3, { tags: { $contains: 'b' } }))).toEqual(['bar', 'baz']);
    expect(contents(await store.similaritySearchVectorWithScore(q, 3, { field: 'year', op: 'in', value: [2019, 2023] }))).toEqual(['baz', 'foo']);
    expect(await store.similaritySearchVectorWithScore(q, 3, { lang: 'fr' })).toEqual([]);
  });

  it('accepts a predicate over documents', async () => {
    const store = await setup();
    const seen: Document[] = [];
    const found = await store.similaritySearch('foo', 3, (doc) => {
      seen.push(doc);
      return doc.pageContent.startsWith('ba');
    });
    expect(found.map((d) => d.pageContent).sort()).toEqual(['bar', 'baz']);
    expect(seen.every((d) => d instanceof Document && typeof d.metadata.lang === 'string')).toBe(true);
  });

  it('never reads other payload fields through a metadata filter', async () => {
    const store = await setup();
    expect(await store.similaritySearch('foo', 3, { pageContent: 'foo' })).toEqual([]);
  });

  it.each([
    ['a string', 'lang = en'],
    ['a number', 7],
    ['an array', [{ lang: 'en' }]],
    ['an unknown operator', { lang: { $regex: 'e.' } }],
  ])('rejects a filter that is %s with InvalidInputError', async (_, filter) => {
    const store = await setup();
    await expect(store.similaritySearch('foo', 1, filter as never)).rejects.toThrow(InvalidInputError);
    await expect(store.similaritySearchVectorWithScore([1, 0, 0, 0], 1, filter as never)).rejects.toThrow(InvalidInputError);
  });

  it('rejects a bad k', async () => {
    const store = await setup();
    await expect(store.similaritySearch('foo', -1)).rejects.toThrow(InvalidInputError);
    await expect(store.similaritySearch('foo', 1.5)).rejects.toThrow(InvalidInputError);
    expect(await store.similaritySearch('foo', 0)).toEqual([]);
  });
});

describe('maxMarginalRelevanceSearch', () => {
  // FakeEmbeddings embeds every query as [0.1, 0.2, 0.3, 0.4]; the stored vectors are chosen around it.
  const q = [0.1, 0.2, 0.3, 0.4];
  const near = [0.1, 0.2, 0.3, 0.41];
  const setup = async () => {
    const store = track(new SRMVectorStore(new FakeEmbeddings()));
    await store.addVectors(
      [q, near, [0, 0, 1, 1], [1, 0, 0, 0]],
      ['exact', 'near-duplicate', 'related', 'different'].map((t) => new Document({ pageContent: t, metadata: { t } })),
      { ids: ['e', 'n', 'r', 'd'] },
    );
    return store;
  };

  it('trades relevance for diversity', async () => {
    const store = await setup();
    expect((await store.similaritySearch('anything', 2)).map((d) => d.id)).toEqual(['e', 'n']);
    const mmr = await store.maxMarginalRelevanceSearch('anything', { k: 2, fetchK: 4, lambda: 0.25 }, undefined);
    expect(mmr[0]!.id).toBe('e');
    expect(mmr[1]!.id).not.toBe('n');
    expect(mmr[1]!.metadata.t).toBe(mmr[1]!.pageContent);
  });

  it('with lambda 1 is plain similarity search', async () => {
    const store = await setup();
    expect((await store.maxMarginalRelevanceSearch('anything', { k: 2, fetchK: 4, lambda: 1 }, undefined)).map((d) => d.id)).toEqual(['e', 'n']);
  });

  it('respects filters', async () => {
    const store = await setup();
    const docs = await store.maxMarginalRelevanceSearch('anything', { k: 4, filter: { t: { $in: ['related', 'different'] } } }, undefined);
    expect(docs.map((d) => d.id).sort()).toEqual(['d', 'r']);
  });

  it('backs asRetriever with searchType "mmr"', async () => {
    const store = await setup();
    const retriever = store.asRetriever({ k: 2, searchType: 'mmr', searchKwargs: { fetchK: 4, lambda: 0.25 } });
    const docs = await retriever.invoke('anything');
    expect(docs.map((d) => d.id)).toEqual((await store.maxMarginalRelevanceSearch('anything', { k: 2, fetchK: 4, lambda: 0.25 }, undefined)).map((d) => d.id));
    expect(docs.map((d) => d.id)).not.toEqual(['e', 'n']);
  });

  it('rejects a lambda outside [0, 1]', async () => {
    const store = await setup();
    await expect(store.maxMarginalRelevanceSearch('anything', { k: 2, lambda: 2 }, undefined)).rejects.toThrow(InvalidInputError);
  });
});

describe('asRetriever', () => {
  it('retrieves with k and a filter', async () => {
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
    const docs = await store.asRetriever({ k: 2, filter: { lang: 'en' } }).invoke('foo');
    expect(docs.map((d) => d.pageContent).sort()).toEqual(['baz', 'foo']);
    expect(docs.every((d) => typeof d.id === 'string')).toBe(true);
  });
});

describe('bad input through LangChain callbacks', () => {
  it('reports a filter of the wrong type to handleRetrieverError and keeps the data', async () => {
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
    const { errors, handler } = errorCollector();
    const retriever = store.asRetriever({ k: 2, filter: 'lang = en' as never });
    await expect(retriever.invoke('foo', { callbacks: [handler] })).rejects.toThrow(InvalidInputError);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidInputError);
    expect((errors[0] as Error).message).toMatch(/filter must be a metadata filter object or a function/);
    expect(await store.count()).toBe(3);
  });

  it('reports an empty query to handleRetrieverError', async () => {
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
    const { errors, handler } = errorCollector();
    await expect(store.asRetriever().invoke('   ', { callbacks: [handler] })).rejects.toThrow(/query text is empty/);
    expect(errors[0]).toBeInstanceOf(InvalidInputError);
  });

  it('rejects an empty document text before embedding, storing nothing of the batch', async () => {
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
    await expect(store.addDocuments([new Document({ pageContent: 'ok' }), new Document({ pageContent: '' })])).rejects.toThrow(
      /document 1 has an empty pageContent/,
    );
    expect(await store.count()).toBe(3);
  });

  it('reports wrong-dimension embeddings to handleRetrieverError and loses no data', async () => {
    const memory = new SemanticRoutingMemory({ d: 4 });
    const good = track(new SRMVectorStore(new SyntheticEmbeddings({ vectorSize: 4 }), { memory }));
    await good.addDocuments(docsWithMetadata(), { ids: ['1', '2', '3'] });
    const bad = track(new SRMVectorStore(new SyntheticEmbeddings({ vectorSize: 8 }), { memory }));
    const { errors, handler } = errorCollector();
    await expect(bad.asRetriever().invoke('foo', { callbacks: [handler] })).rejects.toThrow(DimensionMismatchError);
    expect(errors[0]).toBeInstanceOf(DimensionMismatchError);
    await expect(bad.addDocuments([new Document({ pageContent: 'new' })], { ids: ['1'] })).rejects.toThrow(DimensionMismatchError);
    expect(memory.size).toBe(3);
    expect((await good.getByIds(['1']))[0]!.pageContent).toBe('foo');
    expect((await good.similaritySearch('bar', 1))[0]!.id).toBe('2');
    await memory.close();
  });

  it('rejects mixed vector lengths before a lazily created memory fixes d', async () => {
    const store = track(new SRMVectorStore(new FakeEmbeddings()));
    await expect(
      store.addVectors(
        [
          [1, 2, 3, 4],
          [1, 2],
        ],
        [new Document({ pageContent: 'a' }), new Document({ pageContent: 'b' })],
      ),
    ).rejects.toThrow(DimensionMismatchError);
    expect(await store.memory()).toBeUndefined();
    await store.addVectors([[1, 2]], [new Document({ pageContent: 'a' })]);
    expect((await store.memory())!.config.d).toBe(2);
  });

  it('deletes by metadata filter (an object runs in the store, a function reads every document), and refuses ids with a filter', async () => {
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), new SyntheticEmbeddings()));
    const contents = (r: [Document, number][]) => r.map(([d]) => d.pageContent).sort();
    await store.delete({ filter: { year: { $lt: 2020 } } });
    const q = await store.embeddings.embedQuery('foo');
    expect(contents(await store.similaritySearchVectorWithScore(q, 3))).toEqual(['bar', 'baz']);
    await store.delete({ filter: (doc: Document) => doc.metadata.lang === 'de' });
    expect(contents(await store.similaritySearchVectorWithScore(q, 3))).toEqual(['baz']);
    await expect(store.delete({ ids: ['x'], filter: { lang: 'en' } })).rejects.toThrow(InvalidInputError);
    await expect(store.delete({ filter: { lang: { $like: 'e' } } as never })).rejects.toThrow(InvalidInputError);
    expect(await store.count()).toBe(1);
  });

  it('rejects mismatched counts and bad ids', async () => {
    const store = track(new SRMVectorStore(new FakeEmbeddings()));
    await expect(store.addVectors([[1, 2, 3, 4]], [])).rejects.toThrow(InvalidInputError);
    await expect(store.addDocuments([new Document({ pageContent: 'a' })], { ids: ['x', 'y'] })).rejects.toThrow(InvalidInputError);
    await expect(store.addDocuments([new Document({ pageContent: 'a' }), new Document({ pageContent: 'b' })], { ids: ['x', 'x'] })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(store.delete({} as never)).rejects.toThrow(InvalidInputError);
    await expect(store.delete({ ids: [1] as never })).rejects.toThrow(InvalidInputError);
    expect(await store.count()).toBe(0);
  });
});

describe('index() with a record manager', () => {
  it('adds, skips unchanged documents and cleans up replaced ones', async () => {
    const store = track(new SRMVectorStore(new SyntheticEmbeddings()));
    const recordManager = new MapRecordManager();
    const docs = [
      new Document({ pageContent: 'foo', metadata: { source: 'a' } }),
      new Document({ pageContent: 'bar', metadata: { source: 'a' } }),
      new Document({ pageContent: 'baz', metadata: { source: 'b' } }),
    ];
    expect(await index({ docsSource: docs, recordManager, vectorStore: store, options: { cleanup: 'full' } })).toEqual({
      numAdded: 3,
      numDeleted: 0,
      numUpdated: 0,
      numSkipped: 0,
    });
    expect(await index({ docsSource: docs, recordManager, vectorStore: store, options: { cleanup: 'full' } })).toMatchObject({ numAdded: 0, numSkipped: 3 });
    const changed = [docs[0]!, docs[1]!, new Document({ pageContent: 'qux', metadata: { source: 'b' } })];
    expect(await index({ docsSource: changed, recordManager, vectorStore: store, options: { cleanup: 'full' } })).toMatchObject({
      numAdded: 1,
      numDeleted: 1,
      numSkipped: 2,
    });
    expect(await store.count()).toBe(3);
    expect((await store.similaritySearch('qux', 1))[0]!.pageContent).toBe('qux');
    expect(docs[0]!.id).toBeUndefined();
  });

  it('cleans up incrementally by source', async () => {
    const store = track(new SRMVectorStore(new SyntheticEmbeddings()));
    const recordManager = new MapRecordManager();
    const options = { cleanup: 'incremental' as const, sourceIdKey: 'source' };
    await index({
      docsSource: [new Document({ pageContent: 'foo', metadata: { source: 'a' } }), new Document({ pageContent: 'bar', metadata: { source: 'b' } })],
      recordManager,
      vectorStore: store,
      options,
    });
    await new Promise((r) => setTimeout(r, 5));
    const result = await index({
      docsSource: [new Document({ pageContent: 'foo v2', metadata: { source: 'a' } })],
      recordManager,
      vectorStore: store,
      options,
    });
    expect(result).toMatchObject({ numAdded: 1, numDeleted: 1 });
    expect((await store.similaritySearch('bar', 5)).map((d) => d.pageContent).sort()).toEqual(['bar', 'foo v2']);
  });
});

describe('a retrieval chain', () => {
  it('runs retriever -> prompt -> chat model with the retrieved text in the prompt', async () => {
    const glove = new GloveEmbeddings();
    const store = track(
      await SRMVectorStore.fromTexts(
        [
          'The espresso machine must be descaled every two months.',
          'Our office dog is called Rex and loves tennis balls.',
          'Invoices are paid on the last Friday of each month.',
        ],
        [{ source: 'kitchen' }, { source: 'office' }, { source: 'finance' }],
        glove,
      ),
    );
    const prompt = ChatPromptTemplate.fromMessages([
      ['system', 'Answer from this context only:\n{context}'],
      ['human', '{question}'],
    ]);
    const model = new FakeListChatModel({ responses: ['Every two months.'] });
    const seenPrompts: BaseMessage[][] = [];
    const recorder = BaseCallbackHandler.fromMethods({
      handleChatModelStart(_llm, messages) {
        seenPrompts.push(...messages);
      },
    });
    const chain = RunnableSequence.from([
      {
        context: store.asRetriever({ k: 1 }).pipe((docs: Document[]) => docs.map((d) => d.pageContent).join('\n')),
        question: new RunnablePassthrough(),
      },
      prompt,
      model,
      new StringOutputParser(),
    ]);
    const answer = await chain.invoke('How often should we clean the coffee maker?', { callbacks: [recorder] });
    expect(answer).toBe('Every two months.');
    expect(String(seenPrompts[0]![0]!.content)).toContain('espresso machine must be descaled');
    expect(String(seenPrompts[0]![0]!.content)).not.toContain('Rex');
  });
});

describe('save, load and open', () => {
  it('saves an in-memory store and loads it with the same answers', async () => {
    const embeddings = new SyntheticEmbeddings();
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), embeddings));
    const dir = tempDir();
    await store.save(dir);
    const loaded = track(await SRMVectorStore.load(dir, embeddings));
    expect(await loaded.count()).toBe(3);
    const ours = await store.similaritySearchWithScore('baz', 3);
    const theirs = await loaded.similaritySearchWithScore('baz', 3);
    expect(theirs.map(([d, s]) => [d.id, d.pageContent, d.metadata, s.toFixed(5)])).toEqual(
      ours.map(([d, s]) => [d.id, d.pageContent, d.metadata, s.toFixed(5)]),
    );
  });

  it('opens a durable store, keeps every write across reopening', async () => {
    const embeddings = new SyntheticEmbeddings();
    const dir = tempDir();
    const first = await SRMVectorStore.open(dir, embeddings);
    expect(await first.count()).toBe(0);
    await first.addDocuments(docsWithMetadata(), { ids: ['1', '2', '3'] });
    await first.delete({ ids: ['2'] });
    await first.save(dir);
    await first.close();
    const second = track(await SRMVectorStore.open(dir, embeddings));
    expect((await second.similaritySearch('foo', 5)).map((d) => d.id).sort()).toEqual(['1', '3']);
  });

  it("reopens a directory without a manifest at the memory's stored d", async () => {
    const embeddings = new SyntheticEmbeddings();
    const dir = tempDir();
    const first = await SRMVectorStore.open(dir, embeddings);
    await first.addDocuments(docsWithMetadata());
    await first.close();
    unlinkSync(join(dir, MANIFEST_FILE));
    const second = track(await SRMVectorStore.open(dir, embeddings));
    expect(await second.count()).toBe(3);
  });

  it('refuses to overwrite another non-empty memory', async () => {
    const embeddings = new SyntheticEmbeddings();
    const dir = tempDir();
    const other = await SRMVectorStore.open(dir, embeddings);
    await other.addDocuments([new Document({ pageContent: 'keep me' })]);
    await other.close();
    const store = track(await SRMVectorStore.fromDocuments(docsWithMetadata(), embeddings));
    await expect(store.save(dir)).rejects.toThrow(/already holds a memory with 1 items/);
    const reopened = track(await SRMVectorStore.open(dir, embeddings));
    expect((await reopened.similaritySearch('keep me', 5)).map((d) => d.pageContent)).toEqual(['keep me']);
  });

  it('reports a missing or unknown manifest with typed errors', async () => {
    const dir = tempDir();
    await expect(SRMVectorStore.load(dir, new SyntheticEmbeddings())).rejects.toThrow(NotFoundError);
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ format: 'srm-langchain-vectorstore', version: 99, srm: { d: 4 } }));
    await expect(SRMVectorStore.load(dir, new SyntheticEmbeddings())).rejects.toThrow(CorruptDataError);
    await expect(SRMVectorStore.load(dir, new SyntheticEmbeddings())).rejects.toThrow(/version 99/);
    writeFileSync(join(dir, MANIFEST_FILE), '{ not json');
    await expect(SRMVectorStore.load(dir, new SyntheticEmbeddings())).rejects.toThrow(CorruptDataError);
  });

  it('saves an empty store and loads it empty', async () => {
    const dir = tempDir();
    const store = track(new SRMVectorStore(new SyntheticEmbeddings()));
    await store.save(dir);
    const loaded = track(await SRMVectorStore.load(dir, new SyntheticEmbeddings()));
    expect(await loaded.similaritySearch('foo', 1)).toEqual([]);
    await loaded.addDocuments([new Document({ pageContent: 'foo' })]);
    expect(await loaded.count()).toBe(1);
  });

  it('shares one storage backend with an SRMStore, each in its own named memory', async () => {
    const dir = tempDir();
    const storage = await EmbeddedStorage.open(dir);
    const embeddings = new SyntheticEmbeddings();
    const docs = track(new SRMVectorStore(embeddings, { storage }));
    const graphStore = new SRMStore({ storage, index: { dims: 4, embeddings, fields: ['text'] } });
    await docs.addDocuments([new Document({ pageContent: 'foo' })], { ids: ['d1'] });
    await graphStore.put(['ns'], 'k', { text: 'bar' });
    expect(await storage.listStores()).toMatchObject({ srm: ['default', 'langgraph-store'] });
    expect(await docs.count()).toBe(1);
    expect((await graphStore.memory()).size).toBe(1);
    await docs.close();
    await graphStore.close();
    await storage.close();
  });

  it('refuses both a path and a storage backend', async () => {
    const storage = EmbeddedStorage.inMemory();
    expect(() => new SRMVectorStore(new SyntheticEmbeddings(), { path: tempDir(), storage })).toThrow(InvalidConfigError);
    expect(() => new SRMStore({ path: tempDir(), storage })).toThrow(InvalidConfigError);
    await storage.close();
  });
});
