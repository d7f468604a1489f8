/**
 * Properties over the public entry points: a bad input gives an SRMError
 * subclass and leaves the stored state exactly as it was.
 * SemanticRoutingMemory open/add/addAndDelete/fit/query/get/has/delete/items/
 * verify and SemanticMemory memorize/memorizeMany/recall/forget/forgetMany/
 * get/listAll/entryCount each get inputs that are bad by construction (one
 * poisoned value in an otherwise good call: NaN, 1e39, a Date, a Map,
 * undefined, null options, bad ids, contradictory options), and after each
 * call the memory's items, payloads, answers and stores are compared with a
 * snapshot taken before the run.
 *
 * Runs per property: SRM_PROPERTY_RUNS (default 150; the long run sets 10000).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SRMError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { countFromEnv, outcome } from '@srm/testkit/reliability/helpers';
import { withOwnKey } from '@srm/testkit/reliability/hostile-arbitraries';

const RUNS = countFromEnv('SRM_PROPERTY_RUNS', 150);
/** Long runs take minutes; the suite's bounded run takes seconds. */
const TIMEOUT_MS = Math.max(60_000, RUNS * 60);

const D = 6;
const ITEMS = 12;

/** A value JSON would change or cannot store. */
const poison = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  undefined,
  new Date(0),
  new Map([['a', 1]]),
  new Set([1]),
  () => 1,
  10n,
  Symbol('s'),
  new (class Custom {
    x = 1;
  })(),
  { toJSON: () => 'x' },
);
/** A number that is not a finite float32, or not a number. */
const badNumber = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 1e39, -3.5e38, '1', null, undefined, {}, true);
/** Options that are not an object. */
const badOptions = fc.constantFrom<unknown>(null, 'options', 7, true, [], [{ k: 1 }]);
/** Ids the memory refuses. */
const badId = fc.constantFrom<unknown>('', 'i'.repeat(513), '\uD800', 'a\uDC00', 1, null, undefined, {}, ['a'], Symbol.for('id'));
/** Result counts the memory refuses (null and undefined mean "the default"). */
const badK = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, '3', 10_001, {}, true);
/** Filters the filter language refuses. */
const badFilter = fc.constantFrom<unknown>(
  7,
  'tag = a',
  [],
  { field: 'tag', op: 'like', value: 'a' },
  { field: '', op: 'eq', value: 'a' },
  { field: 'tag', op: 'in', value: 'a' },
  { field: 'tag', op: 'eq', value: { nested: 1 } },
  { field: 'tag', op: 'gt', value: NaN },
  { and: 'x' },
  { not: null },
  { tag: new Date(0) },
);
/** Page sizes and options `items` refuses. */
const badPageSize = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, '10', null, { pageSize: 0 }, { filter: 7 }, { withVectors: 'yes' });

const goodRow = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: D, maxLength: D }).filter((r) => r.some((x) => Math.abs(x) > 1e-3));
const goodPayload = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

/** A good payload with one poisoned value at a random depth and key. */
const poisonedPayload = fc
  .tuple(goodPayload, fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }), fc.string({ minLength: 1, maxLength: 4 }), poison, fc.boolean())
  .map(([base, path, key, bad, inArray]) => {
    let v: unknown = inArray ? [1, bad] : bad;
    for (const k of [...path].reverse()) v = withOwnKey(k, v);
    const out: Record<string, unknown> = { ...base };
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });

/** A row with one bad value, a row of the wrong length, or not a row. */
const badRow = fc.oneof(
  fc.tuple(goodRow, fc.integer({ min: 0, max: D - 1 }), badNumber).map(([row, j, bad]) => row.map((x, i) => (i === j ? bad : x))),
  fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 2 * D }).filter((r) => r.length !== D),
  fc.constantFrom<unknown>(
    null,
    'vector',
    7,
    {},
    new Array(D),
    Array.from({ length: D }, () => 0),
  ),
);

/** A bad row of `add`: there a `null` row is an item without a vector, which is valid. */
const badAddRow = badRow.filter((r) => r !== null);

const freshIds = (n: number) => Array.from({ length: n }, (_, i) => `new-${i}`);

type SrmCall = { name: string; run: (m: SemanticRoutingMemory, storage: EmbeddedStorage) => Promise<unknown> };
/** Types a call's callback from its context. */
const srm = (c: SrmCall): SrmCall => c;

const srmCall: fc.Arbitrary<SrmCall> = fc.oneof(
  fc.tuple(fc.array(goodRow, { maxLength: 3 }), badAddRow, fc.nat()).map(([rows, bad, at]) => {
    const vectors = [...rows];
    vectors.splice(at % (rows.length + 1), 0, bad as number[]);
    return srm({
      name: `add(vectors with ${JSON.stringify(String(bad)).slice(0, 40)})`,
      run: (m) => m.add(vectors as number[][], { ids: freshIds(vectors.length) }),
    });
  }),
  fc.tuple(fc.array(goodRow, { minLength: 1, maxLength: 3 }), poisonedPayload, fc.nat()).map(([rows, bad, at]) => {
    const payloads: unknown[] = rows.map(() => ({ fine: true }));
    payloads[at % rows.length] = bad;
    return srm({ name: 'add(a poisoned payload)', run: (m) => m.add(rows, { ids: freshIds(rows.length), payloads: payloads as never }) });
  }),
  fc.tuple(goodRow, badId).map(([row, id]) => srm({ name: `add(id ${String(id).slice(0, 20)})`, run: (m) => m.add([row], { ids: [id as string] }) })),
  fc.tuple(goodRow, badOptions).map(([row, o]) => srm({ name: `add(options ${JSON.stringify(o)})`, run: (m) => m.add([row], o as never) })),
  fc
    .tuple(goodRow, badOptions)
    .map(([row, o]) => srm({ name: 'add(onProgress not a function)', run: (m) => m.add([row], { ids: ['new-0'], onProgress: o as never }) })),
  goodRow.map((row) => srm({ name: 'add(duplicate ids)', run: (m) => m.add([row, row], { ids: ['dup', 'dup'] }) })),
  badRow.map((v) => srm({ name: 'query(bad vector)', run: (m) => m.query(v as number[]) })),
  fc.tuple(goodRow, badOptions).map(([row, o]) => srm({ name: `query(options ${JSON.stringify(o)})`, run: (m) => m.query(row, o as never) })),
  fc.tuple(goodRow, badK).map(([row, k]) => srm({ name: `query(k ${String(k)})`, run: (m) => m.query(row, { k: k as number }) })),
  badId.map((id) => srm({ name: `get(${String(id).slice(0, 20)})`, run: (m) => m.get(['item-0', id as string]) })),
  badOptions.map((o) => srm({ name: `get(options ${JSON.stringify(o)})`, run: (m) => m.get(['item-0'], o as never) })),
  badId.map((id) => srm({ name: `delete(${String(id).slice(0, 20)})`, run: (m) => m.delete(['item-1', id as string]) })),
  badOptions.map((o) => srm({ name: `delete(options ${JSON.stringify(o)})`, run: (m) => m.delete(['item-1'], o as never) })),
  fc.constant(srm({ name: 'delete(an unknown id among known ones)', run: (m: SemanticRoutingMemory) => m.delete(['item-2', 'never-stored']) })),
  fc.tuple(goodRow, badFilter).map(([row, f]) => srm({ name: `query(filter ${JSON.stringify(f)})`, run: (m) => m.query(row, { filter: f as never }) })),
  fc.tuple(goodRow, badK).map(([row, v]) => srm({ name: `query(m ${String(v)})`, run: (m) => m.query(row, { m: v as number }) })),
  badId.map((id) => srm({ name: `has(${String(id).slice(0, 20)})`, run: (m) => m.has(id as string) })),
  fc.tuple(fc.array(goodRow, { minLength: 1, maxLength: 3 }), badId).map(([rows, id]) =>
    srm({
      name: `addAndDelete(deleteIds with ${String(id).slice(0, 20)})`,
      run: (m) => m.addAndDelete(rows, { ids: freshIds(rows.length), deleteIds: ['item-4', id as string] }),
    }),
  ),
  fc.tuple(fc.array(goodRow, { maxLength: 3 }), badAddRow).map(([rows, bad]) =>
    srm({
      name: 'addAndDelete(a bad vector)',
      run: (m) => m.addAndDelete([...rows, bad as number[]], { ids: freshIds(rows.length + 1), deleteIds: ['item-4'] }),
    }),
  ),
  badOptions.map((o) => srm({ name: `addAndDelete(options ${JSON.stringify(o)})`, run: (m) => m.addAndDelete([[1, 0, 0, 0, 0, 0]], o as never) })),
  fc
    .tuple(fc.array(goodRow, { minLength: 4, maxLength: 6 }), badRow)
    .map(([rows, bad]) => srm({ name: 'fit(a bad vector)', run: (m) => m.fit([...rows, bad as number[]]) })),
  badPageSize.map((n) =>
    srm({
      name: `items(${JSON.stringify(n) ?? String(n)})`,
      run: async (m) => {
        for await (const _page of m.items(n as number)) {
          /* drained */
        }
      },
    }),
  ),
  fc
    .oneof(badOptions, fc.constantFrom<unknown>({ deep: 'yes' }, { deep: 1 }))
    .map((o) => srm({ name: `verify(options ${JSON.stringify(o)})`, run: (m) => m.verify(o as never) })),
  fc.oneof(
    badOptions.map((o) => srm({ name: `open(${JSON.stringify(o)})`, run: () => SemanticRoutingMemory.open(o as never) })),
    fc.constant(
      srm({ name: 'open(the same store again)', run: (_m: SemanticRoutingMemory, storage: EmbeddedStorage) => SemanticRoutingMemory.open({ storage, d: D }) }),
    ),
    fc.integer({ min: 1, max: 15 }).map((autoFitAt) =>
      srm({
        name: `open(autoFitAt ${autoFitAt} < K 16)`,
        run: (_m: SemanticRoutingMemory, storage: EmbeddedStorage) => SemanticRoutingMemory.open({ storage, name: 'other', d: D, K: 16, autoFitAt }),
      }),
    ),
    badNumber.map((d) =>
      srm({
        name: `open(d ${String(d)})`,
        run: (_m: SemanticRoutingMemory, storage: EmbeddedStorage) => SemanticRoutingMemory.open({ storage, name: 'other', d: d as number }),
      }),
    ),
    fc.constant(
      srm({
        name: 'open(d of another dimension)',
        run: (_m: SemanticRoutingMemory, storage: EmbeddedStorage) => SemanticRoutingMemory.open({ storage, name: 'default', d: D + 1 }),
      }),
    ),
  ),
);

/** Everything a caller can observe of the memory and its storage. */
async function srmSnapshot(m: SemanticRoutingMemory, storage: EmbeddedStorage, probe: number[]): Promise<string> {
  const ids = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
  const items = await m.get(ids, { ignoreMissing: true });
  const hits = await m.query(probe, { k: 5 });
  return JSON.stringify({
    size: m.size,
    items: items.map((it) => it && { id: it.id, payload: it.payload, vector: it.vector && Array.from(it.vector) }),
    hits,
    stores: await storage.listStores(),
    unexpected: await m.get(['new-0', 'dup'], { ignoreMissing: true }),
  });
}

describe('SemanticRoutingMemory: a bad input is an SRMError and changes nothing (property)', () => {
  let storage: EmbeddedStorage;
  let memory: SemanticRoutingMemory;
  let probe: number[];
  let before: string;

  beforeAll(async () => {
    storage = EmbeddedStorage.inMemory();
    memory = await SemanticRoutingMemory.open({ storage, d: D, K: 2, autoFitAt: 8 });
    const rows = Array.from({ length: ITEMS }, (_, i) => Array.from({ length: D }, (_, j) => Math.cos(i * 2.1 + j)));
    await memory.add(rows, { ids: rows.map((_, i) => `item-${i}`), payloads: rows.map((_, i) => ({ i, tag: i % 3 === 0 ? 'a' : 'b' })) });
    probe = rows[3]!;
    before = await srmSnapshot(memory, storage, probe);
  });
  afterAll(async () => {
    await memory.close();
    await storage.close();
  });

  it(
    'holds for open, add, addAndDelete, fit, query, get, has, delete, items and verify',
    async () => {
      await fc.assert(
        fc.asyncProperty(srmCall, async (call) => {
          const result = await outcome(() => call.run(memory, storage));
          if (result.ok) {
            // An open that succeeded would leave a memory behind: close it before failing the property.
            if (result.value instanceof SemanticRoutingMemory) await result.value.close();
            throw new Error(`${call.name} was accepted`);
          }
          expect(result.error, `${call.name} threw ${(result.error as Error)?.name}: ${(result.error as Error)?.message}`).toBeInstanceOf(SRMError);
          expect(await srmSnapshot(memory, storage, probe), call.name).toBe(before);
        }),
        { numRuns: RUNS, seed: 23_0007 },
      );
    },
    TIMEOUT_MS,
  );
});

const AGENTS = ['support-bot', 'ops-bot'];
const goodEntry = {
  key: 'JWT',
  value: 'JSON Web Token',
  agentId: AGENTS[0]!,
  category: 'acronym',
  aliases: ['json web token'],
  description: 'A signed token.',
};
/** A field of an entry and a value it must refuse. */
const badField = fc.oneof(
  fc.tuple(fc.constantFrom('key', 'value', 'agentId'), fc.constantFrom<unknown>(undefined, null, NaN, 7, new Date(0), new Map(), ['x'], {}, '', '\uD800')),
  fc.tuple(fc.constantFrom('category', 'description'), fc.constantFrom<unknown>(null, NaN, 7, new Date(0), new Map(), ['x'], {}, '\uDC00')),
  fc.tuple(fc.constant('aliases'), fc.constantFrom<unknown>(null, 'jwt', new Map(), new Set(['jwt']), [undefined], [NaN], ['ok', new Date(0)], {})),
  fc.tuple(fc.constant('value'), fc.constantFrom<unknown>('   ', 'v'.repeat(65_537))),
);

type GlossaryCall = { name: string; run: (g: SemanticMemory) => Promise<unknown> };
const gl = (c: GlossaryCall): GlossaryCall => c;
const glossaryCall: fc.Arbitrary<GlossaryCall> = fc.oneof(
  badField.map(([field, v]) => gl({ name: `memorize(${field}: ${String(v).slice(0, 20)})`, run: (g) => g.memorize({ ...goodEntry, [field]: v } as never) })),
  badField.map(([field, v]) =>
    gl({ name: `memorizeMany(one bad ${field})`, run: (g) => g.memorizeMany([{ ...goodEntry, key: 'NEW' }, { ...goodEntry, [field]: v } as never]) }),
  ),
  badOptions.map((e) => gl({ name: `memorize(${JSON.stringify(e)})`, run: (g) => g.memorize(e as never) })),
  fc
    .constantFrom<unknown>(undefined, null, 7, {}, ['jwt'], 'q'.repeat(65_537))
    .map((q) => gl({ name: `recall(query ${String(q).slice(0, 20)})`, run: (g) => g.recall(q as string, { agentId: AGENTS[0]! }) })),
  badOptions.map((o) => gl({ name: `recall(options ${JSON.stringify(o)})`, run: (g) => g.recall('token', o as never) })),
  fc
    .constantFrom<unknown>(undefined, null, '', 7, 'a::b', '\uD800')
    .map((a) => gl({ name: `recall(agentId ${String(a)})`, run: (g) => g.recall('token', { agentId: a as string }) })),
  badK.map((k) => gl({ name: `recall(topK ${String(k)})`, run: (g) => g.recall('token', { agentId: AGENTS[0]!, topK: k as number }) })),
  fc
    .constantFrom<unknown>(undefined, null, '', 7, {}, '\uD800')
    .map((key) => gl({ name: `forget(key ${String(key)})`, run: (g) => g.forget(key as string, AGENTS[0]!) })),
  fc.constantFrom<unknown>(undefined, null, '', 7, 'a::b').map((a) => gl({ name: `forget(agentId ${String(a)})`, run: (g) => g.forget('JWT', a as string) })),
  fc
    .constantFrom<unknown>(undefined, null, 'JWT', [7], ['JWT', null], ['JWT', ''])
    .map((keys) => gl({ name: `forgetMany(keys ${String(keys)})`, run: (g) => g.forgetMany(keys as string[], AGENTS[0]!) })),
  fc
    .constantFrom<unknown>(undefined, null, '', 7, 'a::b')
    .map((a) => gl({ name: `forgetMany(agentId ${String(a)})`, run: (g) => g.forgetMany(['JWT'], a as string) })),
  fc
    .constantFrom<unknown>(undefined, null, '', 7, 'a::b', '\uD800')
    .map((a) => gl({ name: `listAll(agentId ${String(a)})`, run: (g) => g.listAll(a as string) })),
  fc
    .constantFrom<unknown>(null, 7, {}, ['x'])
    .map((c) => gl({ name: `listAll(category ${String(c)})`, run: (g) => g.listAll(AGENTS[0]!, { category: c as string }) })),
  fc.constantFrom<unknown>(undefined, null, '', 7, 'a::b').map((a) => gl({ name: `entryCount(agentId ${String(a)})`, run: (g) => g.entryCount(a as string) })),
  fc
    .constantFrom<unknown>(undefined, null, '', 7, {}, '\uD800')
    .map((key) => gl({ name: `get(key ${String(key)})`, run: (g) => g.get(key as string, AGENTS[0]!) })),
);

async function glossarySnapshot(g: SemanticMemory): Promise<string> {
  const out: unknown[] = [];
  for (const agentId of AGENTS)
    out.push(
      await g.entryCount(agentId),
      (await g.listAll(agentId)).map(({ updatedAt: _, ...e }) => e),
    );
  out.push(await g.recall('json web token', { agentId: AGENTS[0]!, topK: 3 }));
  return JSON.stringify(out);
}

describe('SemanticMemory: a bad input is an SRMError and changes nothing (property)', () => {
  let glossary: SemanticMemory;
  let before: string;

  beforeAll(async () => {
    glossary = await SemanticMemory.open();
    await glossary.memorize(goodEntry);
    await glossary.memorize({ key: 'TTL', value: 'time to live', agentId: AGENTS[0]! });
    await glossary.memorize({ key: 'SLO', value: 'service level objective', agentId: AGENTS[1]!, aliases: ['objective'] });
    before = await glossarySnapshot(glossary);
  });
  afterAll(() => glossary.close());

  it(
    'holds for memorize, memorizeMany, recall, forget, forgetMany, get, listAll and entryCount',
    async () => {
      await fc.assert(
        fc.asyncProperty(glossaryCall, async (call) => {
          const result = await outcome(() => call.run(glossary));
          if (result.ok) throw new Error(`${call.name} was accepted`);
          expect(result.error, `${call.name} threw ${(result.error as Error)?.name}: ${(result.error as Error)?.message}`).toBeInstanceOf(SRMError);
          expect(await glossarySnapshot(glossary), call.name).toBe(before);
        }),
        { numRuns: RUNS, seed: 23_0008 },
      );
    },
    TIMEOUT_MS,
  );
});
