import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AsyncBatchedStore, InMemoryStore } from '@langchain/langgraph-checkpoint';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { DimensionMismatchError, InvalidConfigError, InvalidInputError, LimitExceededError, SemanticRoutingMemory } from '@srm/core';
import { GloveEmbeddings } from '../glove-embeddings.js';
import { SRMStore } from './srm-store.js';

const glove = new GloveEmbeddings();
const open: SRMStore[] = [];
const dirs: string[] = [];

function semanticStore(fields = ['text']): SRMStore {
  const store = new SRMStore({ index: { dims: 100, embeddings: glove, fields } });
  open.push(store);
  return store;
}

function plainStore(): SRMStore {
  const store = new SRMStore();
  open.push(store);
  return store;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'srm-store-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await glove.load();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('put and get', () => {
  it('stores a value under a namespace and key', async () => {
    const store = plainStore();
    await store.put(['users', 'alice'], 'prefs', { theme: 'dark', n: 1 });
    const item = await store.get(['users', 'alice'], 'prefs');
    expect(item).toMatchObject({ namespace: ['users', 'alice'], key: 'prefs', value: { theme: 'dark', n: 1 } });
    expect(item!.createdAt).toBeInstanceOf(Date);
    expect(await store.get(['users', 'bob'], 'prefs')).toBeNull();
    expect(await store.get(['users', 'alice'], 'other')).toBeNull();
  });

  it('overwrites a key, keeping createdAt and moving updatedAt', async () => {
    const store = plainStore();
    await store.put(['ns'], 'k', { v: 1 });
    const first = (await store.get(['ns'], 'k'))!;
    await new Promise((r) => setTimeout(r, 5));
    await store.put(['ns'], 'k', { v: 2 });
    const second = (await store.get(['ns'], 'k'))!;
    expect(second.value).toEqual({ v: 2 });
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
  });

  it('returns fresh objects: mutating a result or an input changes nothing stored', async () => {
    const store = plainStore();
    const value = { list: [1, 2] };
    await store.put(['ns'], 'k', value);
    value.list.push(3);
    const item = (await store.get(['ns'], 'k'))!;
    (item.value.list as number[]).push(4);
    expect((await store.get(['ns'], 'k'))!.value).toEqual({ list: [1, 2] });
  });

  it('rejects bad namespaces, keys and values with InvalidInputError', async () => {
    const store = plainStore();
    await expect(store.batch([{ namespace: [], key: 'k', value: {} }])).rejects.toThrow(InvalidInputError);
    await expect(store.batch([{ namespace: ['a.b'], key: 'k', value: {} }])).rejects.toThrow(InvalidInputError);
    await expect(store.batch([{ namespace: ['langgraph'], key: 'k', value: {} }])).rejects.toThrow(InvalidInputError);
    await expect(store.put(['ns'], '', {})).rejects.toThrow(InvalidInputError);
    await expect(store.put(['ns'], 'k', 'text' as never)).rejects.toThrow(InvalidInputError);
    await expect(store.put(['ns'], 'k', [1] as never)).rejects.toThrow(InvalidInputError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.put(['ns'], 'k', cyclic)).rejects.toThrow(InvalidInputError);
    await expect(store.put(['ns'], 'k', { big: 'x'.repeat(1_000_001) })).rejects.toThrow(LimitExceededError);
    expect((await store.memory()).size).toBe(0);
  });
});

describe('delete', () => {
  it('removes an item and ignores missing ones', async () => {
    const store = plainStore();
    await store.put(['ns'], 'a', { v: 1 });
    await store.delete(['ns'], 'a');
    await store.delete(['ns'], 'never-there');
    expect(await store.get(['ns'], 'a')).toBeNull();
    expect((await store.memory()).size).toBe(0);
  });

  it('removes every record of an item indexed on several texts', async () => {
    const store = semanticStore(['title', 'tags[*]']);
    await store.put(['docs'], 'd1', { title: 'coffee brewing', tags: ['espresso', 'grinder', 'kettle'] });
    expect((await store.memory()).size).toBe(4);
    await store.delete(['docs'], 'd1');
    expect((await store.memory()).size).toBe(0);
  });
});

describe('search', () => {
  it('ranks items by meaning within a namespace prefix', async () => {
    const store = semanticStore();
    await store.put(['users', 'alice', 'memories'], 'm1', { text: 'I drink espresso every morning' });
    await store.put(['users', 'alice', 'memories'], 'm2', { text: 'My dog is called Rex' });
    await store.put(['users', 'alice', 'memories'], 'm3', { text: 'I play tennis on weekends' });
    await store.put(['users', 'bob', 'memories'], 'm1', { text: 'Bob loves coffee' });
    const hits = await store.search(['users', 'alice'], { query: 'coffee', limit: 2 });
    expect(hits.map((h) => h.key)).toEqual(['m1', expect.any(String)]);
    expect(hits[0]!.namespace).toEqual(['users', 'alice', 'memories']);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score!);
    expect(hits.every((h) => h.namespace[1] === 'alice')).toBe(true);
  });

  it('scores an item by its best text and returns it once', async () => {
    const store = semanticStore(['title', 'tags[*]']);
    await store.put(['docs'], 'coffee', { title: 'morning routine', tags: ['espresso', 'coffee beans'] });
    await store.put(['docs'], 'pets', { title: 'dogs and cats', tags: ['puppy'] });
    const hits = await store.search(['docs'], { query: 'espresso coffee', limit: 10 });
    expect(hits.map((h) => h.key)).toEqual(['coffee', 'pets']);
  });

  it('shrinks an item from several texts to one without leaving stale records', async () => {
    const store = semanticStore(['title', 'tags[*]']);
    await store.put(['docs'], 'd', { title: 'coffee', tags: ['espresso', 'latte'] });
    await store.put(['docs'], 'd', { title: 'tennis', tags: [] });
    expect((await store.memory()).size).toBe(1);
    const [hit] = await store.search(['docs'], { query: 'espresso' });
    expect(hit!.value).toEqual({ title: 'tennis', tags: [] });
  });

  it('applies value filters, with LangGraph operators', async () => {
    const store = semanticStore();
    await store.put(['notes'], 'a', { text: 'espresso machine manual', kind: 'doc', year: 2019 });
    await store.put(['notes'], 'b', { text: 'espresso tasting notes', kind: 'note', year: 2023 });
    await store.put(['notes'], 'c', { text: 'tennis racket review', kind: 'note', year: 2024 });
    expect((await store.search(['notes'], { query: 'espresso', filter: { kind: 'note' } })).map((h) => h.key)).toEqual(['b', 'c']);
    expect((await store.search(['notes'], { filter: { year: { $gte: 2023 }, kind: { $in: ['note'] } } })).map((h) => h.key).sort()).toEqual(['b', 'c']);
    expect((await store.search(['notes'], { filter: { kind: { $ne: 'note' } } })).map((h) => h.key)).toEqual(['a']);
  });

  it('lists newest first without a query, with limit and offset', async () => {
    const store = semanticStore();
    for (const k of ['a', 'b', 'c', 'd']) {
      await store.put(['ns'], k, { text: `item ${k}` });
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await store.search(['ns'])).map((h) => h.key)).toEqual(['d', 'c', 'b', 'a']);
    expect((await store.search(['ns'], { limit: 2, offset: 1 })).map((h) => h.key)).toEqual(['c', 'b']);
    expect((await store.search(['ns'], { limit: 0 })).length).toBe(0);
    expect((await store.search([])).length).toBe(4);
  });

  it('paginates semantic results without repeats', async () => {
    const store = semanticStore();
    const texts = ['espresso', 'coffee beans', 'latte art', 'green tea', 'tennis', 'football'];
    for (const [i, text] of texts.entries()) await store.put(['ns'], `k${i}`, { text });
    const all = (await store.search(['ns'], { query: 'coffee', limit: 6 })).map((h) => h.key);
    const page1 = (await store.search(['ns'], { query: 'coffee', limit: 3 })).map((h) => h.key);
    const page2 = (await store.search(['ns'], { query: 'coffee', limit: 3, offset: 3 })).map((h) => h.key);
    expect([...page1, ...page2]).toEqual(all);
    expect(new Set(all).size).toBe(6);
  });

  it('keeps items put with index: false, ranking them after every scored item', async () => {
    const store = semanticStore();
    await store.put(['ns'], 'scored', { text: 'espresso' });
    await store.put(['ns'], 'unscored', { text: 'espresso' }, false);
    expect((await store.get(['ns'], 'unscored'))!.value).toEqual({ text: 'espresso' });
    const hits = await store.search(['ns'], { query: 'espresso' });
    expect(hits.map((h) => [h.key, h.score === undefined])).toEqual([
      ['scored', false],
      ['unscored', true],
    ]);
    // The unindexed item is stored without a vector: in no bucket of the memory.
    expect((await store.memory()).stats()).toMatchObject({ items: 2, withoutVector: 1 });
  });

  it('embeds the fields a put names instead of the configured ones', async () => {
    const store = semanticStore(['text']);
    await store.put(['ns'], 'a', { text: 'tennis', other: 'espresso' }, ['other']);
    await store.put(['ns'], 'b', { text: 'espresso', other: 'tennis' });
    const hits = await store.search(['ns'], { query: 'espresso', limit: 2 });
    expect(hits.map((h) => h.score! > 0.99)).toEqual([true, true]);
  });

  it('without an index config stores and lists items and ignores the query', async () => {
    const store = plainStore();
    await store.put(['ns'], 'a', { text: 'espresso' });
    const hits = await store.search(['ns'], { query: 'espresso' });
    expect(hits.map((h) => [h.key, h.score])).toEqual([['a', undefined]]);
    expect((await store.memory()).stats()).toMatchObject({ items: 1, withoutVector: 1 });
  });

  it('rejects a filter of the wrong type and bad paging with InvalidInputError', async () => {
    const store = semanticStore();
    await store.put(['ns'], 'a', { text: 'espresso' });
    await expect(store.search(['ns'], { filter: 'kind = note' as never })).rejects.toThrow(InvalidInputError);
    await expect(store.search(['ns'], { filter: { kind: { $regex: 'n.*' } } })).rejects.toThrow(/\$regex/);
    await expect(store.search(['ns'], { limit: -1 })).rejects.toThrow(InvalidInputError);
    await expect(store.search(['ns'], { limit: 20_000 })).rejects.toThrow(LimitExceededError);
    await expect(store.search('ns' as never)).rejects.toThrow(InvalidInputError);
  });
});

describe('namespace isolation', () => {
  const adversarial: string[][] = [['a'], ['a:b'], ['a', 'b'], ['ab'], ['a/b'], ['a', '/b'], ['a","b'], ['a\\', 'b'], ['a', 'b', 'c'], ['*']];

  it("never lets one namespace read another's items", async () => {
    const store = semanticStore();
    for (const ns of adversarial) await store.put(ns, 'secret', { text: `secret of ${JSON.stringify(ns)}`, owner: JSON.stringify(ns) });
    for (const ns of adversarial) {
      expect((await store.get(ns, 'secret'))!.value.owner).toBe(JSON.stringify(ns));
      // An exact-namespace search only returns items of that namespace or of its true descendants.
      const hits = await store.search(ns, { query: 'secret', limit: 50 });
      for (const h of hits) expect(h.namespace.slice(0, ns.length)).toEqual(ns);
      const listed = await store.search(ns, { limit: 50 });
      for (const h of listed) expect(h.namespace.slice(0, ns.length)).toEqual(ns);
    }
    expect((await store.search(['a'], { limit: 50 })).map((h) => JSON.stringify(h.namespace)).sort()).toEqual(
      [['a'], ['a', 'b'], ['a', '/b'], ['a', 'b', 'c']].map((n) => JSON.stringify(n)).sort(),
    );
  });

  it('keeps filters inside the item value, so they cannot widen the namespace scope', async () => {
    const store = semanticStore();
    await store.put(['tenant', 'A'], 'k', { text: 'espresso', v: 1 });
    await store.put(['tenant', 'B'], 'k', { text: 'espresso', v: 1 });
    const widening = [
      { $or: [{ v: 1 }, { v: { $ne: 1 } }] },
      { ns: '["tenant","B"]' },
      { nsPrefixes: { $contains: '["tenant","B"]' } },
      { field: 'nsPrefixes', op: 'contains', value: '["tenant","B"]' },
      { or: [{ field: 'v', op: 'eq', value: 1 }, { not: { field: 'v', op: 'eq', value: 1 } }] },
    ];
    for (const filter of widening) {
      const hits = await store.search(['tenant', 'A'], { query: 'espresso', filter, limit: 10 });
      expect(hits.every((h) => h.namespace[1] === 'A')).toBe(true);
    }
  });

  it('keeps keys apart across namespaces', async () => {
    const store = plainStore();
    await store.put(['a'], 'b:c', { v: 1 });
    await store.put(['a', 'b'], 'c', { v: 2 });
    await store.put(['a:b'], 'c', { v: 3 });
    expect((await store.get(['a'], 'b:c'))!.value).toEqual({ v: 1 });
    expect((await store.get(['a', 'b'], 'c'))!.value).toEqual({ v: 2 });
    expect((await store.get(['a:b'], 'c'))!.value).toEqual({ v: 3 });
  });
});

describe('listNamespaces', () => {
  async function seeded(): Promise<SRMStore> {
    const store = plainStore();
    for (const ns of [
      ['users', 'alice', 'memories'],
      ['users', 'alice', 'prefs'],
      ['users', 'bob', 'memories'],
      ['orgs', 'acme'],
    ]) {
      await store.put(ns, 'k', { v: 1 });
    }
    return store;
  }

  it('lists every namespace in order', async () => {
    const store = await seeded();
    expect(await store.listNamespaces()).toEqual([
      ['orgs', 'acme'],
      ['users', 'alice', 'memories'],
      ['users', 'alice', 'prefs'],
      ['users', 'bob', 'memories'],
    ]);
  });

  it('filters by prefix and suffix, with wildcards', async () => {
    const store = await seeded();
    expect(await store.listNamespaces({ prefix: ['users', 'alice'] })).toEqual([
      ['users', 'alice', 'memories'],
      ['users', 'alice', 'prefs'],
    ]);
    expect(await store.listNamespaces({ suffix: ['memories'] })).toEqual([
      ['users', 'alice', 'memories'],
      ['users', 'bob', 'memories'],
    ]);
    expect(await store.listNamespaces({ prefix: ['users', '*', 'memories'] })).toHaveLength(2);
  });

  it('truncates to maxDepth and pages with limit and offset', async () => {
    const store = await seeded();
    expect(await store.listNamespaces({ maxDepth: 2 })).toEqual([
      ['orgs', 'acme'],
      ['users', 'alice'],
      ['users', 'bob'],
    ]);
    expect(await store.listNamespaces({ limit: 1, offset: 1 })).toEqual([['users', 'alice', 'memories']]);
  });

  it('follows puts and deletes after the first listing', async () => {
    const store = await seeded();
    await store.listNamespaces();
    await store.put(['new'], 'k', { v: 1 });
    await store.delete(['orgs', 'acme'], 'k');
    expect(await store.listNamespaces({ maxDepth: 1 })).toEqual([['new'], ['users']]);
  });
});

describe('batch', () => {
  it('runs mixed operations in order and returns results in place', async () => {
    const store = semanticStore();
    const results = await store.batch([
      { namespace: ['ns'], key: 'a', value: { text: 'espresso' } },
      { namespace: ['ns'], key: 'a' },
      { namespace: ['ns'], key: 'a', value: { text: 'tennis' } },
      { namespace: ['ns'], key: 'b', value: { text: 'coffee' } },
      { namespacePrefix: ['ns'], query: 'coffee', limit: 1, offset: 0 },
      { matchConditions: undefined, limit: 10, offset: 0 },
      { namespace: ['ns'], key: 'a', value: null },
      { namespace: ['ns'], key: 'a' },
    ]);
    expect(results[0]).toBeUndefined();
    expect((results[1] as unknown as { value: unknown }).value).toEqual({ text: 'espresso' });
    expect((results[4] as unknown as { key: string }[]).map((h) => h.key)).toEqual(['b']);
    expect(results[5]).toEqual([['ns']]);
    expect(results[7]).toBeNull();
    expect((await store.memory()).size).toBe(1);
  });

  it('writes nothing when any operation of the batch is invalid', async () => {
    const store = semanticStore();
    await expect(
      store.batch([
        { namespace: ['ns'], key: 'a', value: { text: 'espresso' } },
        { namespacePrefix: ['ns'], filter: 42 as never, limit: 10, offset: 0 },
      ]),
    ).rejects.toThrow(InvalidInputError);
    await expect(store.batch([{ namespace: ['ns'], key: 'a', value: { text: 'espresso' } }, { bogus: true } as never])).rejects.toThrow(/operation 1/);
    expect((await store.memory()).size).toBe(0);
  });

  it('rejects embeddings of the wrong dimension before writing anything', async () => {
    const store = new SRMStore({ index: { dims: 8, embeddings: new SyntheticEmbeddings({ vectorSize: 4 }), fields: ['text'] } });
    open.push(store);
    await store.put(['ns'], 'kept', { text: 'x' }, false);
    await expect(store.put(['ns'], 'a', { text: 'espresso' })).rejects.toThrow(DimensionMismatchError);
    await expect(store.search(['ns'], { query: 'espresso' })).rejects.toThrow(DimensionMismatchError);
    expect((await store.memory()).size).toBe(1);
    expect(await store.get(['ns'], 'kept')).not.toBeNull();
  });

  it("serves concurrent operations through LangGraph's AsyncBatchedStore", async () => {
    const store = semanticStore();
    const batched = new AsyncBatchedStore(store);
    batched.start();
    try {
      await Promise.all(['espresso', 'latte', 'tennis', 'football'].map((text, i) => batched.put(['ns'], `k${i}`, { text })));
      const [got, hits, missing] = await Promise.all([
        batched.get(['ns'], 'k1'),
        batched.search(['ns'], { query: 'coffee', limit: 2 }),
        batched.get(['ns'], 'nope'),
      ]);
      expect(got!.value).toEqual({ text: 'latte' });
      expect(hits.map((h) => h.key).sort()).toEqual(['k0', 'k1']);
      expect(missing).toBeNull();
    } finally {
      await batched.stop();
    }
  });
});

describe('agreement with InMemoryStore', () => {
  it("gets, lists and filters like LangGraph's own store", async () => {
    const ours = plainStore();
    const theirs = new InMemoryStore();
    const writes: [string[], string, Record<string, unknown>][] = [
      [['docs', 'a'], 'x', { kind: 'note', n: 1 }],
      [['docs', 'a'], 'y', { kind: 'doc', n: 2 }],
      [['docs', 'b'], 'z', { kind: 'note', n: 3 }],
      [['other'], 'w', { kind: 'note', n: 4 }],
    ];
    for (const [ns, k, v] of writes) {
      await ours.put(ns, k, v);
      await theirs.put(ns, k, v);
    }
    const keys = async (s: { search: SRMStore['search'] }, prefix: string[], filter?: Record<string, unknown>) =>
      (await s.search(prefix, filter ? { filter } : {})).map((h) => h.key).sort();
    for (const [prefix, filter] of [
      [['docs'], undefined],
      [['docs'], { kind: 'note' }],
      [[], { n: { $gt: 1 } }],
      [['docs', 'a'], { n: { $in: [2, 3] } }],
    ] as [string[], Record<string, unknown> | undefined][]) {
      expect(await keys(ours, prefix, filter)).toEqual(await keys(theirs, prefix, filter));
    }
    expect((await ours.get(['docs', 'b'], 'z'))!.value).toEqual((await theirs.get(['docs', 'b'], 'z'))!.value);
    expect(await ours.listNamespaces()).toEqual(await theirs.listNamespaces());
  });
});

describe('persistence', () => {
  it('reopens a durable store with its items, vectors and namespaces', async () => {
    const dir = tempDir();
    const first = await SRMStore.open({ path: dir, index: { dims: 100, embeddings: glove, fields: ['text'] } });
    await first.put(['users', 'alice'], 'm1', { text: 'espresso every morning' });
    await first.put(['users', 'alice'], 'm2', { text: 'plays tennis' }, false);
    await first.close();
    const second = await SRMStore.open({ path: dir, index: { dims: 100, embeddings: glove, fields: ['text'] } });
    open.push(second);
    expect((await second.get(['users', 'alice'], 'm1'))!.value).toEqual({ text: 'espresso every morning' });
    expect((await second.search(['users'], { query: 'coffee' })).map((h) => h.key)).toEqual(['m1', 'm2']);
    expect(await second.listNamespaces()).toEqual([['users', 'alice']]);
  });

  it('refuses a memory whose dimension does not match the index', async () => {
    const memory = new SemanticRoutingMemory({ d: 8 });
    expect(() => new SRMStore({ memory, index: { dims: 100, embeddings: glove } })).toThrow(InvalidConfigError);
    await memory.close();
    const dir = tempDir();
    const s = await SRMStore.open({ path: dir, index: { dims: 100, embeddings: glove } });
    await s.close();
    // The core's error comes through unchanged.
    await expect(SRMStore.open({ path: dir, index: { dims: 50, embeddings: glove } })).rejects.toThrow(DimensionMismatchError);
  });

  it('rejects a bad index config at construction', () => {
    expect(() => new SRMStore({ index: { dims: 0, embeddings: glove } })).toThrow(InvalidConfigError);
    expect(() => new SRMStore({ index: { dims: 4, embeddings: {} as never } })).toThrow(InvalidConfigError);
    expect(() => new SRMStore({ index: { dims: 4, embeddings: glove, fields: [''] } })).toThrow(InvalidInputError);
  });
});
