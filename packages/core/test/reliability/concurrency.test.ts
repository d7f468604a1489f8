/**
 * Many concurrent async writes and reads in one process, on both memories
 * sharing one embedded storage: interleaved add / upsert / delete / get /
 * query / refit and memorize / memorizeMany / forget / forgetMany / recall /
 * listAll, with random delays so that they really interleave, across the
 * automatic fit. Every read made during the writes must return whole entries
 * (all fields of one write), and afterwards:
 * - the memory's size equals the number of distinct stored ids;
 * - every id routes to exactly one bucket (`verify()`);
 * - every stored payload is one that was written and acknowledged;
 * - each agent's glossary count equals the entries listed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import type { QueryHit } from '../../src/srm/types.js';
import { expectGlossaryInvariants, expectSrmInvariants, pick, prng, TempDirs } from '@srm/testkit/reliability/helpers';

const D = 16;
const K = 8;
const BASE = 100; // never deleted, so refit always has >= K items; below autoFitAt, so the fit happens mid-run
const ID_SPACE = 200;
const OPS = 900;
const AGENTS = ['agent-1', 'agent-2'];
const SEEDS = [4242, 77, 2025];

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

function vectorOf(id: string, gen: number): Float32Array {
  const random = prng(gen * 7 + id.length * 13 + [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0));
  return Float32Array.from({ length: D }, () => random() * 2 - 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('concurrent writes and reads in one process', () => {
  it.each(SEEDS)('keep every invariant, and reads see only whole entries (seed %i)', async (seed) => {
    const storage = await EmbeddedStorage.open(dirs.make('srm-concurrency-'));
    const srm = await SemanticRoutingMemory.open({ d: D, K, m: 3, autoFitAt: 150, rerank: 'int8', storage });
    const glossary = await SemanticMemory.open({ storage });
    try {
      const random = prng(seed);
      let gen = 0;
      /** Acknowledged (id, gen) writes, as "id@gen". */
      const acked = new Set<string>();
      /** Every (id, gen) ever attempted, so that a read of an in-flight write is recognised as whole. */
      const attempted = new Map<string, string>();
      const deletedOnce = new Set<string>();
      const reads = { hits: 0, entries: 0 };

      const baseIds = Array.from({ length: BASE }, (_, i) => `base-${i}`);
      await srm.add(
        baseIds.map((id) => vectorOf(id, 0)),
        { ids: baseIds, payloads: baseIds.map((id) => ({ id, gen: 0, check: `${id}@0`, parity: 'even' })) },
      );
      for (const id of baseIds) acked.add(`${id}@0`);
      expect(srm.isFitted).toBe(false);

      const checkHit = (h: { id: string; payload: Record<string, unknown> }) => {
        const p = h.payload as { id: string; gen: number; check: string; parity: string };
        expect(p.id).toBe(h.id);
        expect(p.check).toBe(`${h.id}@${p.gen}`);
        expect(p.parity).toBe(p.gen % 2 === 0 ? 'even' : 'odd');
        expect(h.id.startsWith('base-') || attempted.has(`${h.id}@${p.gen}`)).toBe(true);
        reads.hits++;
      };
      const checkEntry = (e: { key: string; value: string; description: string }) => {
        // value and description are written together with the key's casing: a torn entry would mix operations.
        const m = /^(.*)\|(\d+)$/.exec(e.value);
        expect(m, `entry value ${JSON.stringify(e.value)}`).not.toBeNull();
        expect(m![1]!.toLowerCase()).toBe(e.key.toLowerCase());
        expect(e.description).toBe(`written by ${m![2]}`);
        reads.entries++;
      };

      const ops: (() => Promise<void>)[] = [];
      for (let n = 0; n < OPS; n++) {
        const delay = pick(random, 40);
        const r = random();
        const id = () => `item-${pick(random, ID_SPACE)}`;
        const agent = AGENTS[pick(random, AGENTS.length)]!;
        const key = `${['jwt', 'JWT', 'Jwt'][pick(random, 3)]}-${pick(random, 30)}`;
        if (r < 0.3) {
          const ids = [...new Set(Array.from({ length: 1 + pick(random, 6) }, id))];
          const g = ++gen;
          for (const i of ids) attempted.set(`${i}@${g}`, i);
          ops.push(async () => {
            await sleep(delay);
            await srm.add(
              ids.map((i) => vectorOf(i, g)),
              { ids, payloads: ids.map((i) => ({ id: i, gen: g, check: `${i}@${g}`, parity: g % 2 === 0 ? 'even' : 'odd' })) },
            );
            for (const i of ids) acked.add(`${i}@${g}`);
          });
        } else if (r < 0.4) {
          const ids = [...new Set(Array.from({ length: 1 + pick(random, 3) }, id))];
          ops.push(async () => {
            await sleep(delay);
            await srm.delete(ids, { ignoreMissing: true });
            for (const i of ids) deletedOnce.add(i);
          });
        } else if (r < 0.55) {
          const q = vectorOf('query', n);
          const filtered = random() < 0.4;
          ops.push(async () => {
            await sleep(delay);
            const hits: QueryHit[] = await srm.query(q, { k: 10, ...(filtered ? { filter: { parity: 'odd' } } : {}) });
            for (const h of hits) {
              checkHit(h);
              if (filtered) expect(h.payload.parity).toBe('odd');
            }
            for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
          });
        } else if (r < 0.62) {
          const ids = [...new Set(Array.from({ length: 1 + pick(random, 4) }, id))];
          ops.push(async () => {
            await sleep(delay);
            for (const item of await srm.get(ids, { ignoreMissing: true })) {
              if (!item) continue;
              checkHit(item);
              const v = vectorOf(item.id, (item.payload as { gen: number }).gen);
              let dot = 0;
              let vv = 0;
              for (let j = 0; j < D; j++) {
                dot += item.vector![j]! * v[j]!;
                vv += v[j]! * v[j]!;
              }
              expect(dot / Math.sqrt(vv)).toBeGreaterThan(0.9999); // stored vectors are unit length
            }
          });
        } else if (r < 0.64) {
          ops.push(async () => {
            await sleep(delay);
            await srm.refit();
          });
        } else if (r < 0.76) {
          const g = ++gen;
          ops.push(async () => {
            await sleep(delay);
            await glossary.memorize({ agentId: agent, key, value: `${key}|${g}`, description: `written by ${g}` });
          });
        } else if (r < 0.8) {
          const g = ++gen;
          const keys = [...new Set(Array.from({ length: 1 + pick(random, 4) }, () => `term-${pick(random, 30)}`))];
          ops.push(async () => {
            await sleep(delay);
            await glossary.memorizeMany(keys.map((k) => ({ agentId: agent, key: k, value: `${k}|${g}`, description: `written by ${g}` })));
          });
        } else if (r < 0.86) {
          ops.push(async () => {
            await sleep(delay);
            if (random() < 0.5) await glossary.forget(key, agent);
            else await glossary.forgetMany([key, key.toUpperCase(), 'never-stored'], agent);
          });
        } else if (r < 0.95) {
          ops.push(async () => {
            await sleep(delay);
            const hits = await glossary.recall(`what is ${key} or term-${pick(random, 30)}`, { agentId: agent, topK: 8 });
            for (const h of hits) checkEntry(h);
          });
        } else {
          ops.push(async () => {
            await sleep(delay);
            const [list, count] = await Promise.all([glossary.listAll(agent), glossary.entryCount(agent)]);
            for (const e of list) {
              checkEntry(e);
              expect(e.agentId).toBe(agent);
            }
            // Both are synchronous SQLite reads started in the same tick: no write can fall between them.
            expect(count).toBe(list.length);
          });
        }
      }
      await Promise.all(ops.map((op) => op()));

      const items = await expectSrmInvariants(srm);
      expect(srm.isFitted).toBe(true);
      for (const [id, payload] of items) {
        const p = payload as { id: string; gen: number };
        expect(acked.has(`${id}@${p.gen}`), `stored ${id}@${p.gen} was never acknowledged`).toBe(true);
      }
      for (const id of baseIds) expect(items.has(id)).toBe(true);
      // An attempted id that is absent must have been deleted by some operation.
      for (const id of new Set(attempted.values())) if (!items.has(id)) expect(deletedOnce.has(id), id).toBe(true);
      await expectGlossaryInvariants(glossary, AGENTS);
      for (const a of AGENTS) for (const e of await glossary.listAll(a)) checkEntry(e);
      // The run must have read a lot while writing, or it proves little.
      expect(reads.hits).toBeGreaterThan(500);
      expect(reads.entries).toBeGreaterThan(100);
    } finally {
      await srm.close();
      await glossary.close();
      await storage.close();
    }
  });
});
