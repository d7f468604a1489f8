/**
 * LangChain's own vector-store cases (Python `langchain_tests`
 * `VectorStoreIntegrationTests`), run against SRMVectorStore with LangChain's
 * SyntheticEmbeddings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Document } from '@langchain/core/documents';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { SRMVectorStore } from './vectorstore.js';

let store: SRMVectorStore;

beforeEach(() => {
  store = new SRMVectorStore(new SyntheticEmbeddings({ vectorSize: 4 }));
});

afterEach(async () => {
  await store.close();
});

const plain = (docs: Document[]) => docs.map((d) => ({ id: d.id, pageContent: d.pageContent, metadata: d.metadata }));

describe('VectorStoreIntegrationTests on SRMVectorStore', () => {
  it('test_vectorstore_is_empty: an empty store returns []', async () => {
    expect(await store.similaritySearch('foo', 1)).toEqual([]);
    expect(await store.count()).toBe(0);
  });

  it('test_add_documents: searching "bar" with k=2 returns [bar, foo], with ids', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    const ids = await store.addDocuments(docs);
    expect(ids).toHaveLength(2);
    const found = await store.similaritySearch('bar', 2);
    expect(plain(found)).toEqual([
      { id: ids[1], pageContent: 'bar', metadata: { id: 2 } },
      { id: ids[0], pageContent: 'foo', metadata: { id: 1 } },
    ]);
  });

  it('test_add_documents: inputs are not mutated', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    const before = structuredClone(plain(docs));
    await store.addDocuments(docs, { ids: ['a', 'b'] });
    expect(plain(docs)).toEqual(before);
    expect(docs[0]!.id).toBeUndefined();
  });

  it('test_vectorstore_still_empty: a store emptied by delete returns []', async () => {
    const ids = await store.addDocuments([new Document({ pageContent: 'foo', metadata: { id: 1 } })]);
    await store.delete({ ids });
    expect(await store.similaritySearch('foo', 1)).toEqual([]);
  });

  it('test_deleting_documents: a deleted document is no longer found', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    expect(await store.addDocuments(docs, { ids: ['1', '2'] })).toEqual(['1', '2']);
    await store.delete({ ids: ['1'] });
    expect(plain(await store.similaritySearch('foo', 1))).toEqual([{ id: '2', pageContent: 'bar', metadata: { id: 2 } }]);
  });

  it('test_deleting_bulk_documents: several ids are deleted at once', async () => {
    const docs = ['foo', 'bar', 'baz'].map((t, i) => new Document({ pageContent: t, metadata: { id: i + 1 } }));
    await store.addDocuments(docs, { ids: ['1', '2', '3'] });
    await store.delete({ ids: ['1', '2'] });
    expect(plain(await store.similaritySearch('foo', 1))).toEqual([{ id: '3', pageContent: 'baz', metadata: { id: 3 } }]);
  });

  it('test_delete_missing_content: deleting missing ids does not throw', async () => {
    await expect(store.delete({ ids: ['1'] })).resolves.toBeUndefined();
    await store.addDocuments([new Document({ pageContent: 'foo' })], { ids: ['present'] });
    await expect(store.delete({ ids: ['1', '2', '3'] })).resolves.toBeUndefined();
    expect(await store.count()).toBe(1);
  });

  it('test_add_documents_with_ids_is_idempotent: re-adding never duplicates', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    await store.addDocuments(docs, { ids: ['1', '2'] });
    await store.addDocuments(docs, { ids: ['1', '2'] });
    expect(await store.count()).toBe(2);
    expect(plain(await store.similaritySearch('bar', 2))).toEqual([
      { id: '2', pageContent: 'bar', metadata: { id: 2 } },
      { id: '1', pageContent: 'foo', metadata: { id: 1 } },
    ]);
  });

  it('test_add_documents_by_id_with_mutation: re-adding overwrites content and metadata', async () => {
    await store.addDocuments([new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })], {
      ids: ['1', '2'],
    });
    await store.addDocuments([new Document({ pageContent: 'new foo', metadata: { id: 1, some_other_field: 'foo' } })], { ids: ['1'] });
    expect(await store.count()).toBe(2);
    expect(plain(await store.similaritySearch('new foo', 2))).toEqual([
      { id: '1', pageContent: 'new foo', metadata: { id: 1, some_other_field: 'foo' } },
      { id: '2', pageContent: 'bar', metadata: { id: 2 } },
    ]);
  });

  it('test_get_by_ids: added documents come back by id', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    const ids = await store.addDocuments(docs, { ids: ['1', '2'] });
    expect(plain(await store.getByIds(ids))).toEqual([
      { id: '1', pageContent: 'foo', metadata: { id: 1 } },
      { id: '2', pageContent: 'bar', metadata: { id: 2 } },
    ]);
  });

  it('test_get_by_ids_missing: missing ids are skipped', async () => {
    expect(await store.getByIds(['1', '2', '3'])).toEqual([]);
    await store.addDocuments([new Document({ pageContent: 'foo' })], { ids: ['2'] });
    expect((await store.getByIds(['1', '2', '3'])).map((d) => d.id)).toEqual(['2']);
  });

  it('test_add_documents_documents: the returned ids are the given ids', async () => {
    const docs = [new Document({ pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    expect(await store.addDocuments(docs, { ids: ['x', 'y'] })).toEqual(['x', 'y']);
  });

  it('test_add_documents_with_existing_ids: Document.id on an input is honoured', async () => {
    const docs = [new Document({ id: 'foo', pageContent: 'foo', metadata: { id: 1 } }), new Document({ pageContent: 'bar', metadata: { id: 2 } })];
    const ids = await store.addDocuments(docs);
    expect(ids[0]).toBe('foo');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(plain(await store.getByIds(['foo']))).toEqual([{ id: 'foo', pageContent: 'foo', metadata: { id: 1 } }]);
    expect(docs[1]!.id).toBeUndefined();
  });

  it('options.ids take precedence over Document.id', async () => {
    const ids = await store.addDocuments([new Document({ id: 'doc-id', pageContent: 'foo' })], { ids: ['option-id'] });
    expect(ids).toEqual(['option-id']);
    expect(await store.getByIds(['doc-id'])).toEqual([]);
  });
});
