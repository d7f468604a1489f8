/**
 * SRMStore behaves as LangGraph's stores do: LangGraph's InvalidNamespaceError for bad
 * namespaces, exact score ties in insertion order, one transaction per put, and a bound on
 * what one put may write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryStore, InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { EmbeddedStorage, ErrorCodes, InvalidInputError, LimitExceededError, SRMError } from '@srm/core';
import { EmbeddedItemStore } from '@srm/core/storage';
import { SRMInvalidNamespaceError } from './namespace-error.js';
import { MAX_PUT_BYTES } from './put-plan.js';
import { SRMStore } from './srm-store.js';

const open: SRMStore[] = [];
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'srm-store-parity-'));
  dirs.push(d);
  return d;
};
function store(options: ConstructorParameters<typeof SRMStore>[0] = {}): SRMStore {
  const s = new SRMStore({ index: { dims: 8, embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), fields: ['text'] }, ...options });
  open.push(s);
  return s;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BAD_NAMESPACES: unknown[] = [[], [''], ['a', ''], ['a.b'], ['langgraph', 'x'], [1], ['ok', null], 'users', null];

describe('bad namespaces', () => {
  it("throw LangGraph's InvalidNamespaceError wherever InMemoryStore throws it, also an SRMError", async () => {
    const ours = store();
    const theirs = new InMemoryStore();
    for (const ns of BAD_NAMESPACES.filter(Array.isArray)) {
      await expect(theirs.put(ns as string[], 'k', { text: 'x' })).rejects.toThrow(InvalidNamespaceError);
      await expect(ours.put(ns as string[], 'k', { text: 'x' })).rejects.toThrow(InvalidNamespaceError);
      await expect(ours.batch([{ namespace: ns as string[], key: 'k', value: { text: 'x' } }])).rejects.toThrow(InvalidNamespaceError);
      await expect(ours.delete(ns as string[], 'k')).rejects.toThrow(InvalidNamespaceError);
    }
    for (const ns of BAD_NAMESPACES) await expect(ours.put(ns as string[], 'k', { text: 'x' })).rejects.toThrow(SRMError);
    expect((await ours.memory()).size).toBe(0);
  });

  it("are one error that is LangGraph's class, SRMError and InvalidInputError, with our code and LangGraph's name", async () => {
    const ours = store();
    const err = await ours.put(['a.b'], 'k', { text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SRMInvalidNamespaceError);
    expect(err).toBeInstanceOf(InvalidNamespaceError);
    expect(err).toBeInstanceOf(SRMError);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: ErrorCodes.INVALID_INPUT, name: 'InvalidNamespaceError' });
    expect((err as Error).message).toMatch(/contains "."/);
  });

  it('in a read (a prefix that is not an array of strings) are the same error', async () => {
    const ours = store();
    await expect(ours.search('users' as never)).rejects.toThrow(InvalidNamespaceError);
    await expect(ours.get([1] as never, 'k')).rejects.toThrow(InvalidNamespaceError);
    await expect(ours.listNamespaces({ prefix: [null] as never })).rejects.toThrow(SRMError);
  });
});

describe('exact score ties', () => {
  const keys = ['m', 'c', 'x', 'a', 'q', 'b', 'z', 'k'];

  it('come back in insertion order, as from InMemoryStore, across pages and a restart', async () => {
    const dir = tempDir();
    const ours = store({ path: dir });
    const theirs = new InMemoryStore({ index: { dims: 8, embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), fields: ['text'] } });
    for (const key of keys) {
      await ours.put(['docs'], key, { text: 'the same words' });
      await theirs.put(['docs'], key, { text: 'the same words' });
    }
    await ours.put(['docs'], 'other', { text: 'something else entirely' });
    const expected = (await theirs.search(['docs'], { query: 'the same words', limit: 8 })).map((it) => it.key);
    expect(expected).toEqual(keys);
    expect((await ours.search(['docs'], { query: 'the same words', limit: 8 })).map((it) => it.key)).toEqual(keys);
    const pages = [];
    for (let offset = 0; offset < 8; offset += 3)
      pages.push(...(await ours.search(['docs'], { query: 'the same words', limit: Math.min(3, 8 - offset), offset })).map((it) => it.key));
    expect(pages).toEqual(keys);
    // Overwriting an item keeps its place, as a Map keeps a key's.
    await ours.put(['docs'], 'c', { text: 'the same words' });
    expect((await ours.search(['docs'], { query: 'the same words', limit: 2 })).map((it) => it.key)).toEqual(['m', 'c']);
    await ours.close();
    const reopened = store({ path: dir });
    expect((await reopened.search(['docs'], { query: 'the same words', limit: 8 })).map((it) => it.key)).toEqual(keys);
    expect((await reopened.search(['docs'], { query: 'the same words', limit: 1, offset: 7 })).map((it) => it.key)).toEqual(['k']);
  });

  it('with FakeEmbeddings (every text the same vector) follow insertion order at any limit', async () => {
    const ours = new SRMStore({ index: { dims: 4, embeddings: new FakeEmbeddings(), fields: ['text'] } });
    open.push(ours);
    const many = Array.from({ length: 40 }, (_, i) => `k${(i * 17) % 40}`);
    for (const key of many) await ours.put(['docs'], key, { text: key });
    for (const limit of [1, 5, 13, 40]) {
      expect((await ours.search(['docs'], { query: 'anything', limit })).map((it) => it.key)).toEqual(many.slice(0, limit));
    }
  });
});

describe('one transaction per put', () => {
  it('writes the upserts and the removals of a put that drops texts in one store write', async () => {
    const storage = EmbeddedStorage.inMemory();
    const ours = store({ storage, index: { dims: 8, embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), fields: ['tags[*]'] } });
    await ours.put(['docs'], 'k', { tags: ['a', 'b', 'c', 'd'] });
    expect((await ours.memory()).size).toBe(4);
    const write = vi.spyOn(EmbeddedItemStore.prototype, 'write');
    await ours.put(['docs'], 'k', { tags: ['e'] });
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]![0].upserts).toHaveLength(1);
    expect(write.mock.calls[0]![0].deleteIds).toHaveLength(3);
    expect((await ours.memory()).size).toBe(1);
    write.mockClear();
    await ours.batch([
      { namespace: ['docs'], key: 'k', value: null },
      { namespace: ['docs'], key: 'j', value: { tags: ['x', 'y'] } },
    ]);
    expect(write).toHaveBeenCalledTimes(1);
    expect((await ours.memory()).size).toBe(2);
    await ours.close();
    await storage.close();
  });
});

describe('the bound on one put', () => {
  it(`refuses a put whose records would exceed ${MAX_PUT_BYTES} bytes before embedding, changing nothing`, async () => {
    const embeddings = new SyntheticEmbeddings({ vectorSize: 8 });
    const embed = vi.spyOn(embeddings, 'embedDocuments');
    const ours = store({ index: { dims: 8, embeddings, fields: ['tags[*]'] } });
    await ours.put(['docs'], 'k', { tags: ['kept'] });
    embed.mockClear();
    // The reliability report's case: a 0.4 MB value indexed on 200 texts (80 MB of records).
    const big = { blob: 'x'.repeat(400_000), tags: Array.from({ length: 200 }, (_, i) => `tag ${i}`) };
    await expect(ours.put(['docs'], 'k', big)).rejects.toThrow(LimitExceededError);
    await expect(
      ours.batch([
        { namespace: ['docs'], key: 'other', value: { tags: ['fine'] } },
        { namespace: ['docs'], key: 'k', value: big },
      ]),
    ).rejects.toThrow(/operation 1/);
    expect(embed).not.toHaveBeenCalled();
    expect(await ours.get(['docs'], 'k')).toMatchObject({ value: { tags: ['kept'] } });
    expect(await ours.get(['docs'], 'other')).toBeNull();
    // The same value indexed on few texts, and many small texts, fit.
    await ours.put(['docs'], 'k', { ...big, tags: big.tags.slice(0, 5) });
    await ours.put(['docs'], 'small', { tags: Array.from({ length: 500 }, (_, i) => `t${i}`) });
    expect((await ours.memory()).size).toBe(505);
  });
});
