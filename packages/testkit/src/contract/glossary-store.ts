/**
 * The GlossaryStore half of the storage backend contract: what every
 * backend's {@link GlossaryStore} must do, as vitest suites. A backend's test
 * file calls {@link glossaryStoreContract} with the same {@link BackendFactory}
 * as the SRMItemStore half.
 *
 * The suite talks to the store only, with hand-made sparse vectors, and checks
 * every score against the BM25 formula documented on `GlossaryStore` (`@srm/core/storage`) computed here by
 * brute force, so "a score means the same on every backend" is tested, not assumed.
 *
 * Run by `@srm/core`'s backend tests; any other backend's tests can run it the same way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, type StorageBackend } from '@srm/core';
import type { GlossaryStore, SparseVector, StoredGlossaryEntry } from '@srm/core/storage';
import type { BackendFactory } from './srm-store.js';

const f32 = Math.fround;

/** A stored entry with float32-exact weights (what every backend keeps). */
function entry(agentId: string, key: string, terms: Record<number, number>, over: Partial<StoredGlossaryEntry> = {}): StoredGlossaryEntry {
  const indices = Object.keys(terms)
    .map(Number)
    .sort((a, b) => a - b);
  return {
    // A UUID-shaped id derived from agent and key, so that Qdrant (UUID point ids) can run the suite.
    id: fakeUuid(`${agentId}::${key.toLowerCase()}`),
    agentId,
    key,
    value: `value of ${key}`,
    category: 'general',
    aliases: [],
    description: '',
    terms: { indices, values: indices.map((t) => f32(terms[t]!)) },
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

/** Deterministic UUID-formatted string of `name` (FNV-1a based; only uniqueness matters here). */
function fakeUuid(name: string): string {
  const words: string[] = [];
  for (let seed = 0; seed < 4; seed++) {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    words.push(h.toString(16).padStart(8, '0'));
  }
  const hex = words.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function idf(N: number, n: number): number {
  return Math.log(1 + (N - n + 0.5) / (n + 0.5));
}

/** Brute-force BM25 over `all` (the whole collection), scoped to `agentId`. */
function expectedHits(all: readonly StoredGlossaryEntry[], query: SparseVector, agentId: string): { id: string; score: number }[] {
  const N = all.length;
  const df = new Map<number, number>();
  for (const e of all) for (const t of e.terms.indices) df.set(t, (df.get(t) ?? 0) + 1);
  const out: { id: string; score: number }[] = [];
  for (const e of all) {
    if (e.agentId !== agentId) continue;
    let score = 0;
    let matched = false;
    query.indices.forEach((t, i) => {
      const at = e.terms.indices.indexOf(t);
      if (at >= 0) {
        matched = true;
        score += query.values[i]! * e.terms.values[at]! * idf(N, df.get(t)!);
      }
    });
    if (matched) out.push({ id: e.id, score });
  }
  return out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

const q = (terms: Record<number, number>): SparseVector => {
  const indices = Object.keys(terms)
    .map(Number)
    .sort((a, b) => a - b);
  return { indices, values: indices.map((t) => terms[t]!) };
};

/** A small two-agent collection with shared and private terms. */
function corpus(): StoredGlossaryEntry[] {
  return [
    entry('alice', 'JWT', { 1: 1.8, 2: 0.9, 10: 0.5 }),
    entry('alice', 'JSON', { 2: 1.5, 10: 0.7 }),
    entry('alice', 'k8s', { 3: 2.0, 10: 0.4 }),
    entry('alice', 'Kafka', { 4: 1.1, 10: 0.6, 11: 0.3 }),
    entry('alice', 'YAML', { 2: 0.4, 5: 1.9 }),
    entry('bob', 'JWT', { 1: 2.1, 2: 1.2 }),
    entry('bob', 'OAuth', { 1: 0.6, 6: 1.7, 10: 0.9 }),
    entry('bob', 'SAML', { 7: 1.3, 10: 0.2 }),
  ];
}

/**
 * Declares the GlossaryStore contract suites for one backend.
 * @param label shown in the suite names, e.g. `"embedded"` or `"qdrant"`.
 */
export function glossaryStoreContract(label: string, factory: BackendFactory): void {
  describe(`GlossaryStore contract: ${label}`, () => {
    let backends: StorageBackend[] = [];
    let backend: StorageBackend;
    let testNo = 0;
    let name: string;

    beforeEach(async () => {
      testNo++;
      name = `glossary-contract-${testNo}`;
      backend = await factory.open();
      backends = [backend];
    });

    afterEach(async () => {
      for (const b of backends) await b.close();
      await factory.cleanup();
    });

    const openStore = (n: string = name): Promise<GlossaryStore> => backend.openGlossaryStore(n);

    async function reopenStore(): Promise<GlossaryStore> {
      await backend.close();
      backend = await factory.reopen!();
      backends.push(backend);
      return backend.openGlossaryStore(name);
    }

    async function seeded(): Promise<{ store: GlossaryStore; all: StoredGlossaryEntry[] }> {
      const store = await openStore();
      const all = corpus();
      await store.upsert(all);
      return { store, all };
    }

    describe('openGlossaryStore', () => {
      it('creates an empty store that the backend lists', async () => {
        const store = await openStore();
        expect(await store.count('alice')).toBe(0);
        expect((await backend.listStores()).glossary).toContain(name);
      });

      it('keeps stores of different names apart', async () => {
        const a = await openStore();
        const b = await openStore(`${name}-other`);
        await a.upsert([entry('alice', 'JWT', { 1: 1 })]);
        expect(await a.count('alice')).toBe(1);
        expect(await b.count('alice')).toBe(0);
        expect(await b.search(q({ 1: 1 }), { agentId: 'alice', limit: 5 })).toEqual([]);
      });
    });

    describe('upsert and get', () => {
      it('stores entries that get returns field for field, aligned with the ids asked', async () => {
        const { store, all } = await seeded();
        const special = entry('alice', 'Ünïcode ключ 🔑', { 8: 1.25 }, { aliases: ['a', 'b::c'], description: 'd\nline', category: 'tech' });
        await store.upsert([special]);
        const got = await store.get([all[0]!.id, 'missing-id', special.id]);
        expect(got[0]).toEqual(all[0]);
        expect(got[1]).toBeUndefined();
        expect(got[2]).toEqual(special);
      });

      it('replaces an entry whose id is upserted again, in search too', async () => {
        const { store, all } = await seeded();
        const replaced = { ...all[0]!, key: 'jwt', value: 'replaced', terms: { indices: [9], values: [f32(1.5)] } };
        await store.upsert([replaced]);
        expect(await store.count('alice')).toBe(5);
        expect((await store.get([replaced.id]))[0]).toEqual(replaced);
        const hits = await store.search(q({ 1: 1 }), { agentId: 'alice', limit: 10 });
        expect(hits.map((h) => h.entry.id)).not.toContain(replaced.id);
        expect((await store.search(q({ 9: 1 }), { agentId: 'alice', limit: 10 })).map((h) => h.entry.id)).toEqual([replaced.id]);
      });

      it('refuses a malformed sparse vector and stores nothing of the batch', async () => {
        const store = await openStore();
        const good = entry('alice', 'good', { 1: 1 });
        const bad = entry('alice', 'bad', { 2: 1 }, { terms: { indices: [2, 3], values: [1] } });
        await expect(store.upsert([good, bad])).rejects.toThrow(InvalidInputError);
        expect(await store.count('alice')).toBe(0);
      });
    });

    describe('delete', () => {
      it('resolves to how many of the ids existed and removes them from get, list, count and search', async () => {
        const { store, all } = await seeded();
        expect(await store.delete([all[0]!.id, all[1]!.id, 'missing-id'])).toBe(2);
        expect(await store.delete([all[0]!.id])).toBe(0);
        expect(await store.get([all[0]!.id])).toEqual([undefined]);
        expect(await store.count('alice')).toBe(3);
        expect((await store.list('alice')).map((e) => e.key)).toEqual(['k8s', 'Kafka', 'YAML']);
        const hits = await store.search(q({ 1: 1, 2: 1 }), { agentId: 'alice', limit: 10 });
        expect(hits.map((h) => h.entry.key)).toEqual(['YAML']);
      });

      it('counts an id given twice once', async () => {
        const { store, all } = await seeded();
        expect(await store.delete([all[2]!.id, all[2]!.id])).toBe(1);
      });
    });

    describe('list', () => {
      it("returns one agent's entries sorted by lowercased key, then key", async () => {
        const store = await openStore();
        const keys = ['beta', 'Alpha', 'alpha2', 'ALPHA1', 'Zulu', 'éclair', '_under', '10'];
        await store.upsert(keys.map((k) => entry('alice', k, { 1: 1 })));
        await store.upsert([entry('bob', 'aaa', { 1: 1 })]);
        const expected = [...keys].sort((a, b) => {
          const la = a.toLowerCase();
          const lb = b.toLowerCase();
          return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
        });
        expect((await store.list('alice')).map((e) => e.key)).toEqual(expected);
      });

      it('filters by category', async () => {
        const store = await openStore();
        await store.upsert([
          entry('alice', 'a', { 1: 1 }, { category: 'x' }),
          entry('alice', 'b', { 1: 1 }, { category: 'y' }),
          entry('alice', 'c', { 1: 1 }, { category: 'x' }),
          entry('bob', 'd', { 1: 1 }, { category: 'x' }),
        ]);
        expect((await store.list('alice', { category: 'x' })).map((e) => e.key)).toEqual(['a', 'c']);
        expect(await store.list('alice', { category: 'none' })).toEqual([]);
      });
    });

    describe('count', () => {
      it('is exact per agent after mixed upserts, replacements and deletes', async () => {
        const { store, all } = await seeded();
        await store.upsert([all[0]!, entry('alice', 'new', { 1: 1 })]);
        await store.delete([all[5]!.id, all[1]!.id]);
        expect(await store.count('alice')).toBe(5);
        expect(await store.count('bob')).toBe(2);
        expect(await store.count('carol')).toBe(0);
      });
    });

    describe('search', () => {
      it('scores Σ qw · w · idf with idf over the whole collection, best first', async () => {
        const { store, all } = await seeded();
        for (const query of [q({ 1: 1 }), q({ 2: 1, 10: 1 }), q({ 1: 2, 2: 1, 3: 1, 10: 1, 11: 1 }), q({ 4: 0.5, 10: 3 })]) {
          for (const agentId of ['alice', 'bob']) {
            const hits = await store.search(query, { agentId, limit: 10 });
            const expected = expectedHits(all, query, agentId);
            expect(hits.map((h) => h.entry.id)).toEqual(expected.map((h) => h.id));
            hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 4));
          }
        }
      });

      it("never returns another agent's entry, even one that matches better", async () => {
        const { store } = await seeded();
        const hits = await store.search(q({ 1: 1, 6: 1, 7: 1 }), { agentId: 'alice', limit: 10 });
        expect(hits.length).toBeGreaterThan(0);
        for (const h of hits) expect(h.entry.agentId).toBe('alice');
        expect(await store.search(q({ 6: 1, 7: 1 }), { agentId: 'alice', limit: 10 })).toEqual([]);
        expect(await store.search(q({ 1: 1 }), { agentId: 'nobody', limit: 10 })).toEqual([]);
      });

      it("shifts an agent's scores, not its results, when another agent adds entries (collection-wide idf)", async () => {
        const { store } = await seeded();
        const before = await store.search(q({ 2: 1 }), { agentId: 'alice', limit: 10 });
        await store.upsert([entry('bob', 'extra1', { 2: 1 }), entry('bob', 'extra2', { 2: 1 }), entry('bob', 'extra3', { 12: 1 })]);
        const after = await store.search(q({ 2: 1 }), { agentId: 'alice', limit: 10 });
        expect(after.map((h) => h.entry.id)).toEqual(before.map((h) => h.entry.id));
        expect(after[0]!.score).not.toBeCloseTo(before[0]!.score, 6);
      });

      it('returns at most limit hits', async () => {
        const { store, all } = await seeded();
        const expected = expectedHits(all, q({ 10: 1 }), 'alice');
        expect(expected.length).toBe(4);
        const hits = await store.search(q({ 10: 1 }), { agentId: 'alice', limit: 2 });
        expect(hits.map((h) => h.entry.id)).toEqual(expected.slice(0, 2).map((h) => h.id));
      });

      it('returns only hits scoring at least scoreThreshold', async () => {
        const { store, all } = await seeded();
        const expected = expectedHits(all, q({ 10: 1 }), 'alice');
        const cut = (expected[1]!.score + expected[2]!.score) / 2;
        const hits = await store.search(q({ 10: 1 }), { agentId: 'alice', limit: 10, scoreThreshold: cut });
        expect(hits.map((h) => h.entry.id)).toEqual(expected.slice(0, 2).map((h) => h.id));
        expect(await store.search(q({ 10: 1 }), { agentId: 'alice', limit: 10, scoreThreshold: expected[0]!.score * 2 })).toEqual([]);
      });

      it('breaks score ties by id', async () => {
        const store = await openStore();
        const tied = ['t1', 't2', 't3', 't4'].map((k) => entry('alice', k, { 1: 1 }));
        await store.upsert(tied);
        const hits = await store.search(q({ 1: 1 }), { agentId: 'alice', limit: 10 });
        expect(hits.map((h) => h.entry.id)).toEqual(tied.map((e) => e.id).sort());
      });

      it("returns each hit's entry as stored, without its term vector", async () => {
        const { store, all } = await seeded();
        const hits = await store.search(q({ 10: 1 }), { agentId: 'alice', limit: 10 });
        expect(hits.length).toBeGreaterThan(0);
        for (const h of hits) {
          const { terms: _terms, ...rest } = all.find((e) => e.id === h.entry.id)!;
          expect(h.entry).toEqual(rest);
          expect(h.entry).not.toHaveProperty('terms');
        }
      });

      it('returns nothing when no query term occurs', async () => {
        const { store } = await seeded();
        expect(await store.search(q({ 999: 1 }), { agentId: 'alice', limit: 5 })).toEqual([]);
        expect(await store.search({ indices: [], values: [] }, { agentId: 'alice', limit: 5 })).toEqual([]);
      });
    });

    describe('termStats', () => {
      it('reports N and n_t over the whole collection, all agents', async () => {
        const { store, all } = await seeded();
        expect(await store.termStats([1, 2, 10, 999])).toEqual({ docCount: 8, docFreqs: [3, 4, 6, 0] });
        await store.delete([all[0]!.id]);
        expect(await store.termStats([1])).toEqual({ docCount: 7, docFreqs: [2] });
      });
    });

    describe('clear', () => {
      it('deletes every entry of every agent', async () => {
        const { store } = await seeded();
        await store.clear();
        expect(await store.count('alice')).toBe(0);
        expect(await store.count('bob')).toBe(0);
        expect(await store.termStats([1])).toEqual({ docCount: 0, docFreqs: [0] });
        expect(await store.search(q({ 1: 1 }), { agentId: 'alice', limit: 5 })).toEqual([]);
      });
    });

    describe.skipIf(factory.reopen === undefined)('persistence', () => {
      it('answers get, list, count, termStats and search the same after a reopen', async () => {
        const { store, all } = await seeded();
        await store.delete([all[3]!.id]);
        await store.upsert([{ ...all[4]!, value: 'updated' }]);
        const query = q({ 1: 1, 2: 1, 10: 2 });
        const before = {
          get: await store.get(all.map((e) => e.id)),
          list: await store.list('alice'),
          count: await store.count('alice'),
          stats: await store.termStats([1, 2, 10]),
          search: await store.search(query, { agentId: 'alice', limit: 10 }),
        };
        const reopened = await reopenStore();
        expect(await reopened.get(all.map((e) => e.id))).toEqual(before.get);
        expect(await reopened.list('alice')).toEqual(before.list);
        expect(await reopened.count('alice')).toBe(before.count);
        expect(await reopened.termStats([1, 2, 10])).toEqual(before.stats);
        expect(await reopened.search(query, { agentId: 'alice', limit: 10 })).toEqual(before.search);
      });
    });
  });
}
