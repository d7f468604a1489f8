/**
 * Hostile input to SemanticMemory, property-based: random sequences of
 * memorize / memorizeMany / recall / get / forget / forgetMany / listAll /
 * entryCount whose keys, values, aliases, categories, agent ids and options
 * are lone surrogates, control characters, separators ("::", "/", ".."),
 * NUL, SQL fragments, prototype keys, 1 MB texts, empty strings or not
 * strings at all. Each call either works or throws an SRMError; a rejected
 * call changes nothing; accepted entries read back exactly; counts match the
 * lists; no prototype is polluted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { expectGlossaryInvariants, expectNoPollution, expectTyped, outcome, prototypeSnapshot } from '@srm/testkit/reliability/helpers';
import { BIG_TEXTS, hostileId, hostileK, hostileString } from '@srm/testkit/reliability/hostile-arbitraries';

/** Agent ids the property keeps coming back to, so that writes and reads meet; some are invalid. */
const AGENT_POOL = ['alice', 'Alice', 'a:b', 'a', 'a::b', 'a:', '../bob', 'nul\u0000', '\uD800', '__proto__', 'constructor', 'ß', 'SS', '%', "' OR 1=1 --"];
const agentId: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AGENT_POOL) }, { weight: 1, arbitrary: hostileId });
const KEY_POOL = ['JWT', 'jwt', ' jwt ', 'Jwt', 'b::c', '::', '../x', '__proto__', 'constructor', 'prototype', 'ß', 'SS', 'ss', 'K', 'k', 'İ', 'ı'];
const key: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEY_POOL) }, { weight: 2, arbitrary: hostileId });
const text: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('', '   ', BIG_TEXTS.oneMiB, 'z'.repeat(65_536), 'z'.repeat(65_537), null, 3, ['a'], {}) },
);
const entry = fc.record(
  {
    key,
    value: text,
    agentId,
    category: fc.oneof(fc.constant(undefined), key),
    aliases: fc.oneof(
      fc.constant(undefined),
      fc.array(key, { maxLength: 3 }),
      fc.constantFrom<unknown>(
        'alias',
        null,
        Array.from({ length: 257 }, (_, i) => `a${i}`),
      ),
    ),
    description: fc.oneof(fc.constant(undefined), text),
  },
  { requiredKeys: [] },
);

type Cmd =
  | { kind: 'memorize'; entry: unknown }
  | { kind: 'memorizeMany'; entries: unknown[] }
  | { kind: 'recall'; query: unknown; options: unknown }
  | { kind: 'get'; key: unknown; agentId: unknown }
  | { kind: 'forget'; key: unknown; agentId: unknown }
  | { kind: 'forgetMany'; keys: unknown[]; agentId: unknown }
  | { kind: 'list'; agentId: unknown; category: unknown };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: entry.map((e) => ({ kind: 'memorize' as const, entry: e })) },
  { weight: 2, arbitrary: fc.array(entry, { maxLength: 4 }).map((entries) => ({ kind: 'memorizeMany' as const, entries })) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('recall' as const),
      query: text,
      options: fc.oneof(
        fc.record({ agentId, topK: fc.oneof(fc.constant(undefined), hostileK) }),
        fc.record({ agentId, minRelevance: fc.constantFrom<unknown>(0, 0.5, 1, -1, 2, NaN, '0.5'), withRelevance: fc.boolean() }),
        fc.record({ agentId, scoreThreshold: fc.constantFrom<unknown>(0, 1e9, -Infinity, Infinity, NaN) }),
        // Attempts to widen the scope: extra fields must be ignored, never obeyed.
        fc.constantFrom<unknown>(
          { agentId: 'alice', agentIds: ['Alice', 'bob'], filter: {} },
          { agentId: ['alice', 'bob'] },
          { agentId: '*' },
          { agentId: '%' },
          null,
          'alice',
          undefined,
        ),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key, agentId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('forget' as const), key, agentId }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forgetMany' as const), keys: fc.array(key, { maxLength: 3 }), agentId }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      agentId,
      category: fc.oneof(fc.constant(undefined), key, fc.constantFrom<unknown>(1, null, '%')),
    }),
  },
);

/** What the glossary must hold: "agent \u0000 lowercased trimmed key" -> { key, value }. */
type Model = Map<string, { agentId: string; key: string; value: string }>;
const idOf = (agentId: string, k: string) => `${agentId}\u0000${k.trim().toLowerCase()}`;

async function run(g: SemanticMemory, c: Cmd, model: Model): Promise<void> {
  switch (c.kind) {
    case 'memorize': {
      const o = await outcome(() => g.memorize(c.entry as never));
      expectTyped(o, 'memorize');
      if (o.ok) {
        const e = c.entry as { agentId: string; key: string; value: string };
        model.set(idOf(e.agentId, e.key), { agentId: e.agentId, key: e.key.trim(), value: e.value });
      }
      break;
    }
    case 'memorizeMany': {
      const o = await outcome(() => g.memorizeMany(c.entries as never));
      expectTyped(o, 'memorizeMany');
      if (o.ok) {
        for (const e of c.entries as { agentId: string; key: string; value: string }[]) {
          model.set(idOf(e.agentId, e.key), { agentId: e.agentId, key: e.key.trim(), value: e.value });
        }
      }
      break;
    }
    case 'recall': {
      const o = await outcome(() => g.recall(c.query as string, c.options as never));
      expectTyped(o, 'recall');
      if (o.ok) {
        const agent = (c.options as { agentId: string }).agentId;
        for (const hit of o.value) {
          // Only the asked agent's entries, each exactly as stored.
          expect(model.get(idOf(agent, hit.key))).toEqual({ agentId: agent, key: hit.key, value: hit.value });
        }
      }
      break;
    }
    case 'get': {
      const o = await outcome(() => g.get(c.key as string, c.agentId as string));
      expectTyped(o, 'get');
      if (o.ok) {
        const want = model.get(idOf(c.agentId as string, c.key as string));
        expect(o.value === undefined ? undefined : { agentId: o.value.agentId, key: o.value.key, value: o.value.value }).toEqual(want);
      }
      break;
    }
    case 'forget': {
      const o = await outcome(() => g.forget(c.key as string, c.agentId as string));
      expectTyped(o, 'forget');
      if (o.ok) {
        const id = idOf(c.agentId as string, c.key as string);
        expect(o.value).toBe(model.has(id));
        model.delete(id);
      }
      break;
    }
    case 'forgetMany': {
      const o = await outcome(() => g.forgetMany(c.keys as string[], c.agentId as string));
      expectTyped(o, 'forgetMany');
      if (o.ok) {
        const ids = new Set((c.keys as string[]).map((k) => idOf(c.agentId as string, k)));
        expect(o.value).toBe([...ids].filter((id) => model.has(id)).length);
        for (const id of ids) model.delete(id);
      }
      break;
    }
    case 'list': {
      const o = await outcome(() => g.listAll(c.agentId as string, { category: c.category as string }));
      expectTyped(o, 'listAll');
      if (o.ok && c.category === undefined) {
        const want = [...model.values()].filter((e) => e.agentId === c.agentId);
        expect(o.value.map((e) => ({ agentId: e.agentId, key: e.key, value: e.value })).sort(byKey)).toEqual(want.sort(byKey));
      }
      const n = await outcome(() => g.entryCount(c.agentId as string));
      expectTyped(n, 'entryCount');
      if (o.ok && n.ok && c.category === undefined) expect(n.value).toBe(o.value.length);
      break;
    }
  }
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const tally = { accepted: 0 };

describe('SemanticMemory under hostile input', () => {
  it('every call works or throws an SRMError; the glossary matches its model; prototypes stay clean', async () => {
    const protos = prototypeSnapshot();
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 30, size: 'medium' }), async (cmds) => {
        const g = await SemanticMemory.open();
        const model: Model = new Map();
        try {
          for (const c of cmds) await run(g, c, model);
          tally.accepted += model.size;
          const agents = [...new Set([...model.values()].map((e) => e.agentId))];
          await expectGlossaryInvariants(g, agents);
          for (const a of agents) {
            const listed = (await g.listAll(a)).map((e) => ({ agentId: e.agentId, key: e.key, value: e.value })).sort(byKey);
            expect(listed).toEqual([...model.values()].filter((e) => e.agentId === a).sort(byKey));
          }
          expectNoPollution(protos);
        } finally {
          await g.close();
        }
      }),
      { numRuns: 150, seed: 7_2024 },
    );
    expect(tally.accepted).toBeGreaterThan(100);
  });

  it('stores 64 KiB values and 1 MiB queries are refused with a typed error; empty and blank texts are refused', async () => {
    const g = await SemanticMemory.open();
    try {
      const big = 'word '.repeat(13_107); // 65,535 code units: just under the limit
      await g.memorize({ agentId: 'a', key: 'big', value: big });
      expect((await g.get('BIG', 'a'))!.value).toBe(big);
      await expect(g.recall(BIG_TEXTS.oneMiB, { agentId: 'a' })).rejects.toThrow(/query length/);
      await expect(g.memorize({ agentId: 'a', key: 'k', value: '' })).rejects.toThrow(/value must contain/);
      await expect(g.memorize({ agentId: 'a', key: '   ', value: 'v' })).rejects.toThrow(/key must contain/);
      expect(await g.entryCount('a')).toBe(1);
      expect(await g.recall('', { agentId: 'a' })).toEqual([]);
    } finally {
      await g.close();
    }
  });
});
