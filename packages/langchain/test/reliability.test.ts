/**
 * Reliability of the LangChain adapters under hostile input, and isolation of
 * LangGraph namespaces in the real SRMStore.
 *
 * - SRMVectorStore (with LangChain's SyntheticEmbeddings / FakeEmbeddings):
 *   random sequences of addDocuments / addVectors / similaritySearch /
 *   similaritySearchVectorWithScore / maxMarginalRelevanceSearch / getByIds /
 *   delete with NaN and wrong-length vectors, ill-formed and 1 MB texts,
 *   __proto__ / constructor / prototype metadata keys, ids with "::", "/",
 *   "..", NUL, and filters of the wrong shape. Each call works or throws an
 *   SRMError; the memory's invariants hold; no prototype is polluted.
 * - SRMStore: a namespace never reads, lists or deletes another's items,
 *   whatever its labels contain (separators, quotes, JSON, prefixes of
 *   other namespaces) and whatever filter a search adds.
 */
import { Document } from '@langchain/core/documents';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SRMError } from '@srm/core';
import type { SemanticRoutingMemory } from '@srm/core';
import { SRMStore, SRMVectorStore } from '../src/index.js';
import { expectNoPollution, expectSrmInvariants, expectTyped, outcome, prototypeSnapshot } from '@srm/testkit/reliability/helpers';
import { withOwnKey } from '@srm/testkit/reliability/hostile-arbitraries';

/** Cases per property: SRM_PROPERTY_RUNS when set (scripts/reliability-long-run.mjs), else the bounded count. */
const runs = (bounded: number): number => (process.env.SRM_PROPERTY_RUNS ? Number(process.env.SRM_PROPERTY_RUNS) : bounded);
/** The long run's properties take minutes each. */
const PROPERTY_TIMEOUT = process.env.SRM_PROPERTY_RUNS ? 3_600_000 : 60_000;

const D = 8;

// ---------- hostile arbitraries ----------

const ONE_MIB = 'lorem ipsum '.repeat(87_382);
/** Stands for ONE_MIB inside generated values, so that a failing case prints a token, not a megabyte. */
const BIG = '<1 MiB of text>';
const expand = (x: unknown): unknown => (x === BIG ? ONE_MIB : x);
/** A constant payload that fast-check prints by its label. */
function labelled<T extends object>(label: string, value: T): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => label, enumerable: false });
  return value;
}
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '::',
    'a::b',
    '/',
    'a/b',
    '..',
    '../..',
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDC00',
    '__proto__',
    'constructor',
    'prototype',
    "' OR 1=1 --",
  ),
);
const hostileText = fc.oneof(
  { weight: 3, arbitrary: fc.lorem({ maxCount: 6 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(BIG, '\uD800 lone surrogate', '\u0000\u0007\u001b[2J control') },
);
const hostileMetadata: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      JSON.parse('{"__proto__": {"polluted": "yes"}}'),
      withOwnKey('__proto__', { isAdmin: true }),
      { constructor: { prototype: { polluted: 'yes' } } },
      { prototype: { polluted: 'yes' } },
      labelled('{ big: <1 MiB> }', { big: ONE_MIB }),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'meta', [1, 2], { n: 1n }) },
);
const hostileId: fc.Arbitrary<unknown> = fc.oneof(hostileString, fc.constantFrom<unknown>(undefined, 1, null, 'i'.repeat(513)));
const hostileNumber = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e308, 5e-324, -0, 3.5e38));
const hostileVector: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: D, maxLength: D }),
  fc.array(hostileNumber, { minLength: D, maxLength: D }),
  fc.array(fc.double(), { maxLength: D + 2 }),
  fc.constantFrom<unknown>(
    [],
    null,
    'v',
    new Array(D),
    Array.from({ length: D }, () => 0),
  ),
);
const hostileFilter: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { tag: 'a' },
    { tag: { $in: ['a', 'b'] } },
    { $or: [{ tag: 'a' }, { tag: { $ne: 'a' } }] },
    { $and: 'x' },
    { tag: { $regex: '.*' } },
    { tag: { $in: 'a' } },
    { $where: 'return true' },
    [],
    'tag = a',
    7,
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { '__proto__.polluted': true },
    { field: 'metadata', op: 'exists', value: true },
    (doc: Document) => doc.pageContent.length > 0,
    new Map(),
  ),
  fc.anything({ maxDepth: 2 }),
);
const hostileK: fc.Arbitrary<unknown> = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom<unknown>(1.5, NaN, Infinity, 10_001, '4', null));

// ---------- SRMVectorStore ----------

type VsCmd =
  | { kind: 'addDocuments'; docs: { pageContent: unknown; metadata: unknown; id: unknown }[]; ids: unknown[] | undefined }
  | { kind: 'addVectors'; vectors: unknown[]; metadata: unknown[] }
  | { kind: 'search'; query: unknown; k: unknown; filter: unknown }
  | { kind: 'searchVector'; vector: unknown; k: unknown; filter: unknown }
  | { kind: 'mmr'; query: unknown; k: unknown; fetchK: unknown; lambda: unknown; filter: unknown }
  | { kind: 'getByIds'; ids: unknown }
  | { kind: 'delete'; ids: unknown };

const doc = fc.record({
  pageContent: fc.oneof({ weight: 6, arbitrary: hostileText }, { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 3) }),
  metadata: fc.oneof(
    { weight: 1, arbitrary: hostileMetadata },
    { weight: 2, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) },
  ),
  id: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileId }),
});
const vsCmd: fc.Arbitrary<VsCmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('addDocuments' as const),
      docs: fc.array(doc, { maxLength: 3 }),
      ids: fc.option(fc.array(hostileId, { maxLength: 4 }), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('addVectors' as const),
      vectors: fc.array(hostileVector, { maxLength: 3 }),
      metadata: fc.array(hostileMetadata, { maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('search' as const), query: hostileText, k: hostileK, filter: fc.option(hostileFilter, { nil: undefined }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('searchVector' as const),
      vector: hostileVector,
      k: hostileK,
      filter: fc.option(hostileFilter, { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('mmr' as const),
      query: hostileText,
      k: hostileK,
      fetchK: hostileK,
      lambda: fc.constantFrom<unknown>(0, 0.5, 1, -1, 2, NaN, undefined),
      filter: fc.option(hostileFilter, { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('getByIds' as const),
      ids: fc.oneof(fc.array(hostileId, { maxLength: 3 }), fc.constantFrom<unknown>('id', null)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      ids: fc.oneof(fc.array(hostileId, { maxLength: 3 }), fc.constantFrom<unknown>(undefined, 'id')),
    }),
  },
);

/** Returned documents carry plain metadata: no inherited keys smuggled in through `__proto__`. */
function expectCleanDocument(d: Document): void {
  expect(Object.getPrototypeOf(d.metadata)).toBe(Object.prototype);
  expect((d.metadata as Record<string, unknown>).polluted).toBe(Object.hasOwn(d.metadata, 'polluted') ? d.metadata.polluted : undefined);
  expect((d.metadata as Record<string, unknown>).isAdmin).toBe(Object.hasOwn(d.metadata, 'isAdmin') ? d.metadata.isAdmin : undefined);
}

async function runVs(store: SRMVectorStore, c: VsCmd, model: Map<string, string>): Promise<void> {
  switch (c.kind) {
    case 'addDocuments': {
      const docs = c.docs.map((d) => ({ pageContent: expand(d.pageContent), metadata: d.metadata, ...(d.id === undefined ? {} : { id: d.id }) }));
      const o = await outcome(() => store.addDocuments(docs as Document[], c.ids ? { ids: c.ids as string[] } : undefined));
      expectTyped(o, 'addDocuments');
      if (o.ok) o.value.forEach((id, i) => model.set(id, JSON.stringify({ pageContent: docs[i]!.pageContent, metadata: docs[i]!.metadata ?? {} })));
      break;
    }
    case 'addVectors': {
      const docs = c.metadata.map((m, i) => new Document({ pageContent: `doc ${i}`, metadata: m as Record<string, unknown> }));
      const o = await outcome(() => store.addVectors(c.vectors as number[][], docs));
      expectTyped(o, 'addVectors');
      if (o.ok) o.value.forEach((id, i) => model.set(id, JSON.stringify({ pageContent: docs[i]!.pageContent, metadata: docs[i]!.metadata ?? {} })));
      break;
    }
    case 'search': {
      const o = await outcome(() => store.similaritySearch(expand(c.query) as string, c.k as number, c.filter as never));
      expectTyped(o, 'similaritySearch');
      if (o.ok) for (const d of o.value) expectCleanDocument(d);
      break;
    }
    case 'searchVector': {
      const o = await outcome(() => store.similaritySearchVectorWithScore(c.vector as number[], c.k as number, c.filter as never));
      expectTyped(o, 'similaritySearchVectorWithScore');
      if (o.ok) {
        for (const [d, score] of o.value) {
          expectCleanDocument(d);
          expect(Number.isFinite(score)).toBe(true);
          expect(JSON.stringify({ pageContent: d.pageContent, metadata: d.metadata })).toBe(model.get(d.id!));
        }
      }
      break;
    }
    case 'mmr': {
      const o = await outcome(() =>
        store.maxMarginalRelevanceSearch(expand(c.query) as string, {
          k: c.k as number,
          fetchK: c.fetchK as number,
          lambda: c.lambda as number,
          filter: c.filter as never,
        }),
      );
      expectTyped(o, 'maxMarginalRelevanceSearch');
      break;
    }
    case 'getByIds': {
      const o = await outcome(() => store.getByIds(c.ids as string[]));
      expectTyped(o, 'getByIds');
      if (o.ok) for (const d of o.value) expect(JSON.stringify({ pageContent: d.pageContent, metadata: d.metadata })).toBe(model.get(d.id!));
      break;
    }
    case 'delete': {
      const o = await outcome(() => store.delete({ ids: c.ids as string[] }));
      expectTyped(o, 'delete');
      if (o.ok) for (const id of c.ids as string[]) model.delete(id);
      break;
    }
  }
}

describe('SRMVectorStore under hostile input', () => {
  it.each([
    ['SyntheticEmbeddings', () => new SyntheticEmbeddings({ vectorSize: D })],
    ['FakeEmbeddings (4-d, so every add of a text is a dimension mismatch on a d=8 store)', () => new FakeEmbeddings()],
  ])(
    'with %s: every call works or throws an SRMError, and the memory stays sound',
    async (_name, makeEmbeddings) => {
      const protos = prototypeSnapshot();
      const accepted = { n: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(vsCmd, { minLength: 1, maxLength: 20, size: 'medium' }), async (cmds) => {
          // No auto-fit here: core's own property covers the fit; this one is about the adapter's handling.
          const store = new SRMVectorStore(makeEmbeddings(), { srm: { d: D, K: 2, autoFitAt: 0 } });
          const model = new Map<string, string>();
          try {
            for (const c of cmds) await runVs(store, c, model);
            const memory = (await store.memory())!;
            expect((await expectSrmInvariants(memory)).size).toBe(model.size);
            expect(await store.count()).toBe(model.size);
            accepted.n += model.size;
            expectNoPollution(protos);
          } finally {
            await store.close();
          }
        }),
        { numRuns: runs(80), seed: 424_242 },
      );
      if (makeEmbeddings().constructor === SyntheticEmbeddings) expect(accepted.n).toBeGreaterThan(20);
    },
    PROPERTY_TIMEOUT,
  );
});

// ---------- SRMStore (LangGraph) ----------

/** Namespaces chosen to collide under a careless encoding: joined labels, prefixes, quotes, JSON inside a label. */
const NAMESPACES: string[][] = [
  ['a'],
  ['a', 'b'],
  ['a:b'],
  ['a/b'],
  ['a', 'b', 'c'],
  ['a', 'bc'],
  ['ab'],
  ['A'],
  ['a '],
  ['a', 'b:c'],
  ['a:b', 'c'],
  ['["a","b"]'],
  ['a","b'],
  ['a\\'],
  ['a\\', 'b'],
  ['*'],
  ['users', 'alice'],
  ['users', 'alice2'],
  ['users:alice'],
  ['__proto__'],
  ['constructor', 'prototype'],
];

const enc = (ns: readonly string[]) => JSON.stringify(ns);
const isPrefix = (p: readonly string[], ns: readonly string[]) => p.length <= ns.length && p.every((l, i) => l === ns[i]);

describe('SRMStore namespace isolation', () => {
  const stores: SRMStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a namespace reads, lists, searches and deletes only its own items (and its sub-namespaces through search)', async () => {
    const store = new SRMStore({ index: { dims: D, embeddings: new SyntheticEmbeddings({ vectorSize: D }), fields: ['text'] } });
    stores.push(store);
    for (const ns of NAMESPACES) await store.put(ns, 'k', { text: `secret memory of namespace ${enc(ns)}`, owner: enc(ns) });
    for (const ns of NAMESPACES) await store.put(ns, 'only-here', { text: `private note`, owner: enc(ns) }, false);

    for (const ns of NAMESPACES) {
      const item = await store.get(ns, 'k');
      expect(item?.value.owner).toBe(enc(ns));
      expect(item?.namespace).toEqual(ns);
      const allowed = new Set(NAMESPACES.filter((other) => isPrefix(ns, other)).map(enc));
      const searches = [
        await store.search(ns, { limit: 100 }),
        await store.search(ns, { query: 'secret memory of namespace a b', limit: 100 }),
        // Filters are ANDed with the namespace: an always-true OR cannot widen the scope.
        await store.search(ns, { filter: { $or: [{ owner: enc(['a']) }, { owner: { $ne: enc(['a']) } }] }, limit: 100 }),
        await store.search(ns, { query: 'private note', filter: { owner: { $in: NAMESPACES.map(enc) } }, limit: 100 }),
      ];
      for (const results of searches) {
        for (const r of results) expect(allowed.has(r.value.owner as string), `search ${enc(ns)} returned ${r.value.owner}`).toBe(true);
        expect(new Set(results.map((r) => r.value.owner)).size).toBeLessThanOrEqual(allowed.size);
      }
      // Every item under the prefix is listed: isolation must not be bought by losing items.
      expect(searches[0]!.length).toBe(2 * allowed.size);
      // The stored record layout (ns, nsPrefixes) is not reachable from a filter: fields are relative to the value.
      expect(await store.search(ns, { filter: { ns: enc(NAMESPACES[0]!) }, limit: 100 })).toEqual([]);
      expect(await store.search(ns, { filter: { nsPrefixes: { $contains: enc(['a']) } }, limit: 100 })).toEqual([]);
      // listNamespaces matches LangGraph conditions, where "*" is a wildcard label.
      const listed = await store.listNamespaces({ prefix: ns });
      for (const l of listed) expect(ns.every((label, i) => label === '*' || label === l[i])).toBe(true);
    }

    // Deleting in one namespace leaves every other namespace's item with the same key.
    await store.delete(['a'], 'k');
    await store.delete(['a:b'], 'k');
    for (const ns of NAMESPACES) {
      const gone = enc(ns) === enc(['a']) || enc(ns) === enc(['a:b']);
      expect((await store.get(ns, 'k'))?.value.owner).toBe(gone ? undefined : enc(ns));
    }
    const memory = await store.memory();
    await expectSrmInvariants(memory);
  });

  it(
    'property: for random namespaces with separator-laden labels, get and search see exactly the model',
    async () => {
      const label = fc.constantFrom('a', 'b', 'a:b', 'a/b', ':', '"', '\\', '[', ']', ',', ' ', 'ä', 'A', '*');
      const namespace = fc.array(label, { minLength: 1, maxLength: 3 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(namespace, fc.constantFrom('k1', 'k2'), fc.boolean()), { minLength: 1, maxLength: 25 }),
          namespace,
          async (ops, probe) => {
            const store = new SRMStore();
            const model = new Map<string, { ns: string[]; key: string }>();
            try {
              for (const [ns, key, del] of ops) {
                if (del) {
                  await store.delete(ns, key);
                  model.delete(enc([enc(ns), key]));
                } else {
                  await store.put(ns, key, { owner: enc(ns), key });
                  model.set(enc([enc(ns), key]), { ns, key });
                }
              }
              for (const { ns, key } of model.values()) expect((await store.get(ns, key))?.value).toEqual({ owner: enc(ns), key });
              const want = [...model.values()]
                .filter((m) => isPrefix(probe, m.ns))
                .map((m) => enc([enc(m.ns), m.key]))
                .sort();
              const got = (await store.search(probe, { limit: 1000 })).map((r) => enc([enc(r.namespace), r.key])).sort();
              expect(got).toEqual(want);
              await expectSrmInvariants(await store.memory());
            } finally {
              await store.close();
            }
          },
        ),
        { numRuns: runs(60), seed: 99 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'hostile puts, gets and searches work or throw an SRMError, and change nothing when refused',
    async () => {
      const protos = prototypeSnapshot();
      const store = new SRMStore({ index: { dims: D, embeddings: new SyntheticEmbeddings({ vectorSize: D }), fields: ['text'] } });
      stores.push(store);
      // Non-array namespaces are left to the dedicated test below: BaseStore.put trips over them before SRMStore sees them.
      const hostileNamespace = fc.oneof(
        fc.array(hostileString, { maxLength: 3 }),
        fc.constantFrom<unknown>(
          [],
          ['langgraph'],
          ['a.b'],
          [1],
          Array.from({ length: 40 }, () => 'x'),
        ),
      );
      const hostileValue = fc.oneof(
        hostileMetadata,
        fc.constantFrom<unknown>(labelled('{ text: <1 MiB> }', { text: ONE_MIB }), { text: '\uD800' }, { text: '' }),
      );
      await fc.assert(
        fc.asyncProperty(hostileNamespace, hostileString, hostileValue, hostileFilter, async (ns, key, value, filter) => {
          const memory = await store.memory();
          const before = memory.size;
          // BaseStore.put checks the namespace itself (LangGraph's InvalidNamespaceError) before it reaches SRMStore.batch.
          const put = await outcome(() => store.put(ns as string[], key, value as Record<string, unknown>));
          if (!put.ok && !(put.error instanceof InvalidNamespaceError)) expectTyped(put, 'put');
          if (!put.ok) expect(memory.size).toBe(before);
          // SRMStore.batch, which LangGraph's graph runtime calls directly, refuses the same input with an SRMError.
          const batch = await outcome(() => store.batch([{ namespace: ns as string[], key, value: value as Record<string, unknown> }]));
          expectTyped(batch, 'batch([put])');
          expect(batch.ok).toBe(put.ok);
          expectTyped(await outcome(() => store.get(ns as string[], key)), 'get');
          expectTyped(await outcome(() => store.search(ns as string[], { filter: filter as never, query: key })), 'search');
          expectTyped(await outcome(() => store.listNamespaces({ prefix: ns as string[] })), 'listNamespaces');
          expectTyped(await outcome(() => store.delete(ns as string[], key)), 'delete');
        }),
        { numRuns: runs(150), seed: 5 },
      );
      await expectSrmInvariants(await store.memory());
      expectNoPollution(protos);
    },
    PROPERTY_TIMEOUT,
  );

  it.each([null, undefined, 'users', { 0: 'users', length: 1 }])(
    'put / get / search / delete with a namespace that is not an array (%j) throw a typed error',
    async (ns) => {
      const store = new SRMStore();
      stores.push(store);
      const how = (p: () => Promise<unknown>) =>
        Promise.resolve()
          .then(p)
          .then(
            () => 'ok',
            (e: unknown) => (e instanceof SRMError || e instanceof InvalidNamespaceError ? 'typed' : `${(e as Error).name}: ${(e as Error).message}`),
          );
      const results = {
        put: await how(() => store.put(ns as never, 'k', { v: 1 })),
        get: await how(() => store.get(ns as never, 'k')),
        search: await how(() => store.search(ns as never)),
        delete: await how(() => store.delete(ns as never, 'k')),
      };
      expect(results).toEqual({ put: 'typed', get: 'typed', search: 'typed', delete: 'typed' });
      expect((await store.memory()).size).toBe(0);
    },
  );
});
