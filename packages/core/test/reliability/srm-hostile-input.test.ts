/**
 * Hostile input to SemanticRoutingMemory, property-based: random sequences of
 * add / query / get / has / delete with NaN, ±Infinity, huge and denormal
 * values, wrong lengths, empty and non-array vectors, ids with "::", "/",
 * "..", NUL or lone surrogates, payloads with __proto__ / constructor /
 * prototype keys or 1 MB texts, and filters of the wrong shape. Each call
 * either works or throws an SRMError; a rejected call changes nothing; what
 * was accepted reads back exactly; the invariants hold afterwards, and no
 * prototype is polluted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { expectNoPollution, expectSrmInvariants, expectTyped, outcome, prototypeSnapshot } from '@srm/testkit/reliability/helpers';
import { hostileFilter, hostileId, hostileK, hostilePayload, hostileVector, withOwnKey } from '@srm/testkit/reliability/hostile-arbitraries';

const D = 6;

/** JSON objects, prototype-polluting keys included, that the memory must accept and return as they were. */
const wellFormedPayload = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.constantFrom(JSON.parse('{"__proto__": {"polluted": "yes"}}'), { constructor: { prototype: { polluted: 1 } } }, { prototype: { isAdmin: true } }),
);

type Cmd =
  | { kind: 'add'; vectors: unknown[]; ids: unknown[] | undefined; payloads: unknown[] | undefined }
  | { kind: 'addFlat'; data: Float32Array }
  | { kind: 'query'; vector: unknown; k: unknown; filter: unknown }
  | { kind: 'get'; ids: unknown[]; ignoreMissing: boolean }
  | { kind: 'has'; id: unknown }
  | { kind: 'delete'; ids: unknown[]; ignoreMissing: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      vectors: fc.array(hostileVector(D), { minLength: 0, maxLength: 4 }),
      ids: fc.option(fc.array(hostileId, { maxLength: 4 }), { nil: undefined }),
      payloads: fc.option(fc.array(hostilePayload, { maxLength: 4 }), { nil: undefined }),
    }),
  },
  // Well-formed adds, so that the memory holds items for the reads and crosses the auto-fit.
  {
    weight: 3,
    arbitrary: fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        kind: fc.constant('add' as const),
        vectors: fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: D, maxLength: D }), { minLength: n, maxLength: n }),
        ids: fc.uniqueArray(
          fc.oneof(fc.constantFrom('a::b', '../x', 'a/b', 'nul\u0000id', '__proto__', 'constructor'), fc.string({ minLength: 1, maxLength: 8 })),
          { minLength: n, maxLength: n },
        ),
        payloads: fc.option(fc.array(wellFormedPayload, { minLength: n, maxLength: n }), { nil: undefined }),
      }),
    ),
  },
  { weight: 1, arbitrary: fc.float32Array({ maxLength: 3 * D + 1 }).map((data) => ({ kind: 'addFlat' as const, data })) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('query' as const), vector: hostileVector(D), k: hostileK, filter: fc.option(hostileFilter, { nil: undefined }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), ids: fc.array(hostileId, { maxLength: 3 }), ignoreMissing: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('has' as const), id: hostileId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.array(hostileId, { maxLength: 3 }), ignoreMissing: fc.boolean() }) },
);

/** What the memory must hold: id -> JSON of the payload it was given. */
type Model = Map<string, string>;

/** Accepted and rejected calls over the whole property run: a run that rejects everything proves nothing. */
const tally = { accepted: 0, rejected: 0, fitted: 0 };

async function run(memory: SemanticRoutingMemory, c: Cmd, model: Model): Promise<void> {
  const before = memory.size;
  switch (c.kind) {
    case 'add': {
      const o = await outcome(() =>
        memory.add(c.vectors as number[][], {
          ...(c.ids ? { ids: c.ids as string[] } : {}),
          ...(c.payloads ? { payloads: c.payloads as Record<string, unknown>[] } : {}),
        }),
      );
      expectTyped(o, `add(${c.vectors.length} vectors)`);
      if (o.ok) o.value.forEach((id, i) => model.set(id, JSON.stringify(c.payloads?.[i] ?? {})));
      break;
    }
    case 'addFlat': {
      const o = await outcome(() => memory.add(c.data));
      expectTyped(o, `add(Float32Array(${c.data.length}))`);
      if (o.ok) o.value.forEach((id) => model.set(id, '{}'));
      break;
    }
    case 'query': {
      const o = await outcome(() => memory.query(c.vector as number[], { k: c.k as number, filter: c.filter as never }));
      expectTyped(o, 'query');
      if (o.ok) for (const h of o.value) expect(JSON.stringify(h.payload)).toBe(model.get(h.id));
      break;
    }
    case 'get': {
      const o = await outcome(() => memory.get(c.ids as string[], { ignoreMissing: c.ignoreMissing }));
      expectTyped(o, 'get');
      if (o.ok) o.value.forEach((it, i) => expect(it === undefined ? undefined : JSON.stringify(it.payload)).toBe(model.get(c.ids[i] as string)));
      break;
    }
    case 'has': {
      const o = await outcome(() => memory.has(c.id as string));
      expectTyped(o, 'has');
      if (o.ok) expect(o.value).toBe(model.has(c.id as string));
      break;
    }
    case 'delete': {
      const o = await outcome(() => memory.delete(c.ids as string[], { ignoreMissing: c.ignoreMissing }));
      expectTyped(o, 'delete');
      if (o.ok) for (const id of c.ids) model.delete(id as string);
      break;
    }
  }
  tally[memory.size === before && c.kind.startsWith('add') ? 'rejected' : 'accepted']++;
  // Accepted or not, the size is the model's: a rejected call changed nothing.
  expect(memory.size, `${c.kind} moved size from ${before}`).toBe(model.size);
}

describe('SemanticRoutingMemory under hostile input', () => {
  it('every call works or throws an SRMError; state, invariants and prototypes stay sound', async () => {
    const protos = prototypeSnapshot();
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 4, maxLength: 24, size: 'medium' }), async (cmds) => {
        const memory = new SemanticRoutingMemory({ d: D, K: 2, m: 1, autoFitAt: 8, rerank: 'int8' });
        const model: Model = new Map();
        try {
          for (const c of cmds) await run(memory, c, model);
          const items = await expectSrmInvariants(memory);
          expect(new Map([...items].map(([id, p]) => [id, JSON.stringify(p)]))).toEqual(model);
          expectNoPollution(protos);
          if (memory.isFitted) tally.fitted++;
        } finally {
          await memory.close();
        }
      }),
      { numRuns: 120, seed: 20_240_808 },
    );
    expect(tally.accepted).toBeGreaterThan(300);
    expect(tally.rejected).toBeGreaterThan(100);
    expect(tally.fitted).toBeGreaterThan(5);
  });

  it('prototype-polluting payload keys are stored as plain data and read back as own keys', async () => {
    const protos = prototypeSnapshot();
    const memory = new SemanticRoutingMemory({ d: 2, K: 1 });
    try {
      const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"isAdmin": true}}}');
      await memory.add([[1, 0]], { ids: ['__proto__'], payloads: [evil] });
      const [item] = await memory.get(['__proto__']);
      expect(Object.getPrototypeOf(item!.payload)).toBe(Object.prototype);
      expect(Object.hasOwn(item!.payload, '__proto__')).toBe(true);
      expect((item!.payload as Record<string, unknown>).polluted).toBeUndefined();
      const hits = await memory.query([1, 0], { filter: { field: '__proto__.polluted', op: 'eq', value: 'yes' } });
      expect(hits.map((h) => h.id)).toEqual(['__proto__']);
      const none = await memory.query([1, 0], { filter: withOwnKey('polluted', 'yes') as Record<string, string> });
      expect(none).toEqual([]);
      expectNoPollution(protos);
    } finally {
      await memory.close();
    }
  });
});

describe('SemanticRoutingMemory: inputs JSON and Float32Array cannot represent', () => {
  // Kept out of the random property so that a failure here does not hide the others.
  it.each([
    ['a BigInt element', [[1, 10n]]],
    ['a Symbol element', [[1, Symbol('x')]]],
  ])('a vector with %s is refused with InvalidInputError, nothing stored', async (_what, vectors) => {
    const memory = new SemanticRoutingMemory({ d: 2, K: 1 });
    try {
      await expect(memory.add(vectors as unknown as number[][])).rejects.toThrow(InvalidInputError);
      await expect(memory.query((vectors as unknown as number[][])[0]!)).rejects.toThrow(InvalidInputError);
      expect(memory.size).toBe(0);
    } finally {
      await memory.close();
    }
  });

  it('a payload whose toJSON returns undefined is refused with InvalidInputError, nothing stored', async () => {
    const memory = new SemanticRoutingMemory({ d: 2, K: 1 });
    try {
      await expect(memory.add([[1, 0]], { payloads: [{ toJSON: () => undefined }] })).rejects.toThrow(InvalidInputError);
      expect(memory.size).toBe(0);
    } finally {
      await memory.close();
    }
  });
});

describe('SemanticRoutingMemory: upsert in the batch that triggers the auto-fit (found by the property above)', () => {
  it('leaves the re-added item in exactly one bucket and returns it once', async () => {
    const memory = new SemanticRoutingMemory({ d: 3, K: 2, m: 2, autoFitAt: 8, rerank: 'float32' });
    const v = (t: number) => [Math.cos(t), Math.sin(t), 0.1 * t];
    try {
      await memory.add([0, 1, 2, 3, 4, 5].map(v), { ids: ['a', 'b', 'c', 'd', 'e', 'f'] });
      // 6 stored + 2 new = autoFitAt: this add fits the codebook, and it also replaces "a".
      await memory.add([v(0.5), v(6), v(7)], { ids: ['a', 'g', 'h'] });
      expect(memory.isFitted).toBe(true);
      await expectSrmInvariants(memory);
      const ids = (await memory.query(v(0.5), { k: 8 })).map((h) => h.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await memory.close();
    }
  });
});
