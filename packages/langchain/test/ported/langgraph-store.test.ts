/**
 * LangGraph's own tests of InMemoryStore and AsyncBatchedStore (langgraphjs
 * libs/checkpoint/src/tests/store.test.ts), rewritten for SRMStore. The BaseStore cases
 * there test LangGraph's base class on a mock and are not about a store; the
 * AsyncBatchedStore case runs here on SRMStore itself. Differences are named where they
 * occur (docs/langchain.md, "Ported tests").
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncBatchedStore, InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { SRMStore } from '../../src/store/srm-store.js';

describe('AsyncBatchedStore over SRMStore (LangGraph store.test.ts)', () => {
  it('batches concurrent calls into one SRMStore.batch', async () => {
    const store = new SRMStore();
    await store.put(['a'], 'k', { value: 1 });
    await store.put(['c'], 'k', { value: 2 });
    const batch = vi.spyOn(store, 'batch');
    const batched = new AsyncBatchedStore(store);
    await batched.start();
    const results = await Promise.all([batched.search(['a']), batched.search(['c'])]);
    await batched.stop();
    expect(results.map((items) => items.map((it) => [it.namespace, it.key, it.value]))).toEqual([[[['a'], 'k', { value: 1 }]], [[['c'], 'k', { value: 2 }]]]);
    expect(batch.mock.calls).toEqual([
      [
        [
          { namespacePrefix: ['a'], limit: 10, offset: 0 },
          { namespacePrefix: ['c'], limit: 10, offset: 0 },
        ],
      ],
    ]);
    await store.close();
  });
});

describe('SRMStore (LangGraph store.test.ts, InMemoryStore cases)', () => {
  let store: SRMStore;
  beforeEach(() => {
    store = new SRMStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('gets an item with its dates', async () => {
    await store.put(['test'], '123', { value: 1 });
    expect(await store.get(['test'], '123')).toEqual({
      value: { value: 1 },
      key: '123',
      namespace: ['test'],
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    });
  });

  it('searches a namespace', async () => {
    await store.put(['test'], '123', { value: 1 });
    await store.put(['test'], '456', { value: 2 });
    const result = await store.search(['test']);
    expect(result).toHaveLength(2);
    // Difference: without a query, items come newest first (PostgresStore's order), ties in insertion order;
    // InMemoryStore returns insertion order. Both puts here may share a millisecond, so check the set.
    expect(result.map((r) => [r.key, r.value, r.namespace]).sort()).toEqual([
      ['123', { value: 1 }, ['test']],
      ['456', { value: 2 }, ['test']],
    ]);
  });

  it('puts an item', async () => {
    await store.put(['test'], '123', { value: 1 });
    expect(await store.get(['test'], '123')).toMatchObject({ value: { value: 1 }, key: '123', namespace: ['test'] });
  });

  it('deletes an item', async () => {
    await store.put(['test'], '123', { value: 1 });
    await store.delete(['test'], '123');
    expect(await store.get(['test'], '123')).toBeNull();
  });

  it('lists, filters by prefix and truncates namespaces', async () => {
    await store.put(['a', 'b', 'c'], '1', { value: 1 });
    await store.put(['a', 'b', 'd'], '2', { value: 2 });
    await store.put(['x', 'y', 'z'], '3', { value: 3 });
    expect(await store.listNamespaces({})).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
      ['x', 'y', 'z'],
    ]);
    expect(await store.listNamespaces({ prefix: ['a'] })).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
    ]);
    expect(await store.listNamespaces({ maxDepth: 2 })).toEqual([
      ['a', 'b'],
      ['x', 'y'],
    ]);
  });

  it('blocks invalid namespaces in put', async () => {
    const doc = { foo: 'bar' };
    await expect(store.put([], 'foo', doc)).rejects.toThrow(InvalidNamespaceError);
    await expect(store.put(['the', 'thing.about'], 'foo', doc)).rejects.toThrow(InvalidNamespaceError);
    await expect(store.put(['some', 'fun', ''], 'foo', doc)).rejects.toThrow(InvalidNamespaceError);
    await expect(store.put(['langgraph', 'foo'], 'bar', doc)).rejects.toThrow(InvalidNamespaceError);

    await store.put(['foo', 'langgraph', 'foo'], 'bar', doc);
    expect((await store.get(['foo', 'langgraph', 'foo'], 'bar'))?.value).toEqual(doc);
    expect((await store.search(['foo', 'langgraph', 'foo']))[0]!.value).toEqual(doc);
    await store.delete(['foo', 'langgraph', 'foo'], 'bar');
    expect(await store.get(['foo', 'langgraph', 'foo'], 'bar')).toBeNull();

    // Difference: InMemoryStore checks namespaces in put() only, so its batch() and delete() accept the
    // reserved root "langgraph". SRMStore checks every write, however it comes.
    await expect(store.batch([{ namespace: ['langgraph', 'foo'], key: 'bar', value: doc }])).rejects.toThrow(InvalidNamespaceError);
    await expect(store.delete(['langgraph', 'foo'], 'bar')).rejects.toThrow(InvalidNamespaceError);
    expect(await store.search(['langgraph', 'foo'])).toEqual([]);
  });
});
