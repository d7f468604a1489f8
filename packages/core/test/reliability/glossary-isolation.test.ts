/**
 * Isolation between agents in one glossary store: agent A never reads,
 * counts, lists, overwrites or deletes agent B's entries. The pairs of agents
 * are chosen to collide under careless handling: ids that differ only in case
 * or under Unicode case folding ("ß"/"SS", Turkish dotted and dotless i, the
 * Kelvin sign), ids that embed the "::" separator of the entry id, path-like
 * and SQL-like ids, and keys crafted so that "agent::key" strings would
 * collide. Runs on an embedded store, and again after a reopen.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { expectGlossaryInvariants, TempDirs } from '@srm/testkit/reliability/helpers';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

/** Pairs of distinct agents that a lowercasing, case-folding or string-joining bug would merge. */
const AGENT_PAIRS: [string, string][] = [
  ['bot', 'Bot'],
  ['bot', 'BOT'],
  ['straße', 'STRASSE'],
  ['straße', 'strasse'],
  ['\u212A', 'K'], // Kelvin sign vs Latin K: "\u212A".toLowerCase() === "k"
  ['\u212A', 'k'],
  ['i', 'I'],
  ['ı', 'i'], // Turkish dotless i
  ['İ', 'i'], // Turkish dotted capital I: lowercases to "i\u0307"
  ['İ', 'i\u0307'],
  ['é', 'e\u0301'], // composed vs decomposed
  ['a:b', 'a'],
  ['a', 'a:b'],
  [':a', 'a'],
  ['a/b', 'a'],
  ['..', '.'],
  ['../alice', 'alice'],
  ['%', 'alice'],
  ['_', 'a'],
  ['*', 'alice'],
  ["alice' OR '1'='1", 'alice'],
  ['alice ', 'alice'],
  ['__proto__', 'constructor'],
];

/** Keys that one agent writes; the other agent writes the same spellings with its own values. */
const KEYS = ['JWT', 'jwt', 'b::c', '::', ':x', 'x:', 'K', '\u212A', 'ß', 'SS', 'İ', 'ı', '../etc', '__proto__', '%', 'key with spaces'];

async function openStore(dir: string) {
  return SemanticMemory.open({ path: dir });
}

interface Snapshot {
  count: number;
  list: { key: string; value: string; agentId: string }[];
}

async function snapshot(g: SemanticMemory, agentId: string): Promise<Snapshot> {
  const list = (await g.listAll(agentId)).map((e) => ({ key: e.key, value: e.value, agentId: e.agentId }));
  return { count: await g.entryCount(agentId), list };
}

describe('glossary isolation between agents', () => {
  it.each(AGENT_PAIRS)('agent %j and agent %j never see or touch each other’s entries', async (a, b) => {
    const dir = dirs.make('srm-isolation-');
    let g = await openStore(dir);
    try {
      // B writes first, then A writes the same key spellings: A's writes must not overwrite B's.
      for (const key of KEYS) await g.memorize({ agentId: b, key, value: `B's ${key}`, description: `secret of ${b}` });
      const bBefore = await snapshot(g, b);
      for (const key of KEYS) await g.memorize({ agentId: a, key, value: `A's ${key}`, aliases: [`alias of ${key}`] });
      expect(await snapshot(g, b)).toEqual(bBefore);

      for (const [self, other] of [
        [a, b],
        [b, a],
      ] as const) {
        const mine = await snapshot(g, self);
        expect(mine.list.every((e) => e.agentId === self)).toBe(true);
        expect(mine.list.every((e) => e.value.startsWith(self === a ? "A's" : "B's"))).toBe(true);
        expect(mine.count).toBe(mine.list.length);
        for (const key of KEYS) {
          const got = await g.get(key, self);
          expect(got?.agentId).toBe(self);
        }
        // Recall with every kind of query only ever returns the asking agent's entries.
        for (const q of [...KEYS, `secret of ${other}`, other, 'alias of JWT', `A's B's`]) {
          for (const hit of await g.recall(q, { agentId: self, topK: 50 })) {
            expect(hit.value.startsWith(self === a ? "A's" : "B's"), `${self} recalled ${JSON.stringify(hit)}`).toBe(true);
          }
        }
      }

      // A forgets every key: B keeps all of its entries.
      for (const key of KEYS) await g.forget(key, a);
      expect(await g.forgetMany(KEYS, a)).toBe(0);
      expect(await g.entryCount(a)).toBe(0);
      expect(await snapshot(g, b)).toEqual(bBefore);

      // Isolation survives a reopen (identity is in the stored ids, not in process state).
      await g.close();
      g = await openStore(dir);
      expect(await snapshot(g, b)).toEqual(bBefore);
      expect(await g.listAll(a)).toEqual([]);
      await expectGlossaryInvariants(g, [a, b]);
    } finally {
      await g.close();
    }
  });

  it('agent ids that embed the "::" separator or end with ":" are refused, so "agent::key" stays unambiguous', async () => {
    const g = await SemanticMemory.open();
    try {
      await g.memorize({ agentId: 'a', key: 'b::c', value: 'belongs to a' });
      // "a::b" + "c" and "a:" + ":b::c" would both spell "a::b::c" / "a:::b::c" if they were allowed.
      for (const agentId of ['a::b', 'a:', 'a::', '::a', 'x::y::z']) {
        await expect(g.memorize({ agentId, key: 'c', value: 'intruder' })).rejects.toThrow(InvalidInputError);
        await expect(g.memorize({ agentId, key: ':b::c', value: 'intruder' })).rejects.toThrow(InvalidInputError);
        await expect(g.get('c', agentId)).rejects.toThrow(InvalidInputError);
        await expect(g.forget('c', agentId)).rejects.toThrow(InvalidInputError);
        await expect(g.listAll(agentId)).rejects.toThrow(InvalidInputError);
        await expect(g.entryCount(agentId)).rejects.toThrow(InvalidInputError);
        await expect(g.recall('c', { agentId })).rejects.toThrow(InvalidInputError);
      }
      expect((await g.listAll('a')).map((e) => e.value)).toEqual(['belongs to a']);
    } finally {
      await g.close();
    }
  });

  it('attempts to widen the scope are refused or ignored', async () => {
    const g = await SemanticMemory.open();
    try {
      await g.memorize({ agentId: 'alice', key: 'PII', value: "alice's definition", category: 'compliance' });
      await g.memorize({ agentId: 'bob', key: 'PII', value: "bob's secret", category: 'compliance' });
      for (const agentId of [['alice', 'bob'], { toString: () => 'alice' }, '', null, undefined, 42]) {
        await expect(g.recall('PII', { agentId: agentId as string })).rejects.toThrow(InvalidInputError);
        await expect(g.listAll(agentId as string)).rejects.toThrow(InvalidInputError);
        await expect(g.entryCount(agentId as string)).rejects.toThrow(InvalidInputError);
      }
      for (const agentId of ['*', '%', '_', '.*', "' OR '1'='1", 'alice%', 'ALICE']) {
        expect(await g.recall('PII', { agentId })).toEqual([]);
        expect(await g.listAll(agentId)).toEqual([]);
        expect(await g.entryCount(agentId)).toBe(0);
      }
      // Extra option fields (a filter, a list of agents) are not part of the API and change nothing.
      const widened = await g.recall('PII', { agentId: 'alice', agentIds: ['bob'], filter: {}, scope: 'all' } as never);
      expect(widened.map((h) => h.value)).toEqual(["alice's definition"]);
      for (const category of ["compliance' OR '1'='1", '%', 'COMPLIANCE']) expect(await g.listAll('alice', { category })).toEqual([]);
      expect((await g.listAll('alice', { category: 'compliance' })).map((e) => e.value)).toEqual(["alice's definition"]);
    } finally {
      await g.close();
    }
  });

  it('property: for any agents and keys, each agent reads back exactly what it wrote', async () => {
    const agents = fc.constantFrom('bot', 'Bot', 'a:b', 'a', 'ß', 'SS', '\u212A', 'K', 'ı', 'I', '..', '/', 'x y');
    const keys = fc.oneof(
      fc.constantFrom(...KEYS),
      fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim().length > 0 && !/[\u0000-\u001f\u007f\uD800-\uDFFF]/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(agents, keys, fc.boolean()), { minLength: 1, maxLength: 40 }), async (writes) => {
        const g = await SemanticMemory.open();
        const model = new Map<string, Map<string, string>>();
        try {
          for (const [agentId, key, forget] of writes) {
            const mine = model.get(agentId) ?? new Map<string, string>();
            model.set(agentId, mine);
            if (forget) {
              await g.forget(key, agentId);
              mine.delete(key.trim().toLowerCase());
            } else {
              await g.memorize({ agentId, key, value: `${agentId}|${key}` });
              mine.set(key.trim().toLowerCase(), `${agentId}|${key}`);
            }
          }
          for (const [agentId, mine] of model) {
            const listed = await g.listAll(agentId);
            expect(new Map(listed.map((e) => [e.key.toLowerCase(), e.value]))).toEqual(mine);
            expect(await g.entryCount(agentId)).toBe(mine.size);
          }
        } finally {
          await g.close();
        }
      }),
      { numRuns: 60, seed: 31_337 },
    );
  });
});
