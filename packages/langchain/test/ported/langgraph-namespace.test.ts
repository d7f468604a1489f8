/**
 * LangGraph's own tests of InMemoryStore's namespaces (langgraphjs
 * libs/checkpoint/src/tests/namespace.test.ts), rewritten for SRMStore. Same data, same
 * expectations; the one difference is named where it occurs (docs/langchain.md, "Ported tests").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { SRMStore } from '../../src/store/srm-store.js';

const padded = (i: number) => i.toString().padStart(2, '0');
const sorted = (namespaces: string[][]) => [...namespaces].sort();

describe('SRMStore namespaces (LangGraph namespace.test.ts)', () => {
  let store: SRMStore;
  beforeEach(() => {
    store = new SRMStore();
  });
  afterEach(async () => {
    await store.close();
  });

  async function putAll(namespaces: string[][]) {
    for (const [i, ns] of namespaces.entries()) await store.put(ns, `id_${i}`, { data: `value_${padded(i)}` });
  }

  it('lists by prefix, suffix, both, maxDepth, limit and offset', async () => {
    await putAll([
      ['a', 'b', 'c'],
      ['a', 'b', 'd', 'e'],
      ['a', 'b', 'd', 'i'],
      ['a', 'b', 'f'],
      ['a', 'c', 'f'],
      ['b', 'a', 'f'],
      ['users', '123'],
      ['users', '456', 'settings'],
      ['admin', 'users', '789'],
    ]);
    const underAB = [
      ['a', 'b', 'c'],
      ['a', 'b', 'd', 'e'],
      ['a', 'b', 'd', 'i'],
      ['a', 'b', 'f'],
    ];
    expect(sorted(await store.listNamespaces({ prefix: ['a', 'b'] }))).toEqual(sorted(underAB));
    expect(sorted(await store.listNamespaces({ suffix: ['f'] }))).toEqual(
      sorted([
        ['a', 'b', 'f'],
        ['a', 'c', 'f'],
        ['b', 'a', 'f'],
      ]),
    );
    expect(sorted(await store.listNamespaces({ prefix: ['a'], suffix: ['f'] }))).toEqual(
      sorted([
        ['a', 'b', 'f'],
        ['a', 'c', 'f'],
      ]),
    );
    expect(sorted(await store.listNamespaces({ prefix: ['a', 'b'], maxDepth: 3 }))).toEqual(
      sorted([
        ['a', 'b', 'c'],
        ['a', 'b', 'd'],
        ['a', 'b', 'f'],
      ]),
    );
    expect(await store.listNamespaces({ prefix: ['a', 'b'], limit: 2 })).toEqual(underAB.slice(0, 2));
    expect(await store.listNamespaces({ prefix: ['a', 'b'], offset: 2 })).toEqual(underAB.slice(2));
  });

  it('matches "*" as any one label in prefixes and suffixes', async () => {
    await putAll([
      ['users', '123'],
      ['users', '456'],
      ['users', '789', 'settings'],
      ['admin', 'users', '789'],
      ['guests', '123'],
      ['guests', '456', 'preferences'],
    ]);
    expect(sorted(await store.listNamespaces({ prefix: ['users', '*'] }))).toEqual(
      sorted([
        ['users', '123'],
        ['users', '456'],
        ['users', '789', 'settings'],
      ]),
    );
    expect(await store.listNamespaces({ suffix: ['*', 'preferences'] })).toEqual([['guests', '456', 'preferences']]);
    expect(await store.listNamespaces({ prefix: ['*', 'users'], suffix: ['*', 'settings'] })).toEqual([]);
    await store.put(['admin', 'users', 'settings', '789'], 'foo', { data: 'some_val' });
    expect(await store.listNamespaces({ prefix: ['*', 'users'], suffix: ['settings', '*'] })).toEqual([['admin', 'users', 'settings', '789']]);
  });

  it('pages through 20 namespaces in order', async () => {
    for (let i = 0; i < 20; i += 1) await store.put(['namespace', `sub_${padded(i)}`], `id_${padded(i)}`, { data: `value_${padded(i)}` });
    for (const offset of [0, 5, 15]) {
      expect(await store.listNamespaces({ prefix: ['namespace'], limit: 5, offset })).toEqual(
        Array.from({ length: 5 }, (_, i) => ['namespace', `sub_${padded(i + offset)}`]),
      );
    }
  });

  it('truncates to maxDepth', async () => {
    await putAll([
      ['a', 'b', 'c', 'd'],
      ['a', 'b', 'c', 'e'],
      ['a', 'b', 'f'],
      ['a', 'g'],
      ['h', 'i', 'j', 'k'],
    ]);
    expect(sorted(await store.listNamespaces({ maxDepth: 2 }))).toEqual(
      sorted([
        ['a', 'b'],
        ['a', 'g'],
        ['h', 'i'],
      ]),
    );
  });

  it('lists nothing in an empty store', async () => {
    expect(await store.listNamespaces({})).toEqual([]);
  });

  it('blocks invalid namespaces with InvalidNamespaceError, and takes "langgraph" below the root', async () => {
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

    await store.batch([{ namespace: ['valid', 'namespace'], key: 'key', value: doc }]);
    expect((await store.get(['valid', 'namespace'], 'key'))?.value).toEqual(doc);
    expect((await store.search(['valid', 'namespace']))[0]!.value).toEqual(doc);
    await store.delete(['valid', 'namespace'], 'key');
    expect(await store.get(['valid', 'namespace'], 'key')).toBeNull();
  });
});
