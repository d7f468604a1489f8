/**
 * What a memory directory answers, in a form that compares exactly across builds: every item of
 * each dense store, the hits of fixed queries, and the glossary's entries and recalls. The
 * fixture generator records it with the build that wrote the directory; the test recomputes it
 * with this build.
 */
import type { EmbeddedStorage, SemanticMemory, SemanticRoutingMemory } from '../../src/index.js';

/** The subset of `@srm/core` the answers need, so that another build's module can be passed in. */
export interface CoreModule {
  EmbeddedStorage: { open(path: string): Promise<EmbeddedStorage> };
  SemanticRoutingMemory: { open(options: Record<string, unknown>): Promise<SemanticRoutingMemory> };
  SemanticMemory: { open(options: Record<string, unknown>): Promise<SemanticMemory> };
}

export const D = 8;
/** The dense stores of the fixture and their options at creation. */
export const STORES = { default: { K: 4, autoFitAt: 100 }, flat: { K: 4, autoFitAt: 1000 } } as const;
export const AGENTS = ['support-bot', 'ops-bot'] as const;
export const RECALLS = ['json web token', 'service level', 'widget 7', 'latency budget', 'TTL'];

/** A seeded row generator (no dependency on the build under test). */
export function rows(n: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => Array.from({ length: D }, next));
}

export const QUERIES = rows(12, 99);

export interface Answers {
  stores: Record<string, { size: number; items: [string, number[] | null, unknown][]; hits: [string, number][][] }>;
  glossary: { counts: number[]; entries: unknown[][]; recalls: unknown[][] };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Opens `dir` with `core` and records everything it answers; closes what it opened. */
export async function answersOf(core: CoreModule, dir: string): Promise<Answers> {
  const storage = await core.EmbeddedStorage.open(dir);
  try {
    const stores: Answers['stores'] = {};
    for (const name of Object.keys(STORES)) {
      const memory = await core.SemanticRoutingMemory.open({ storage, name, d: D });
      try {
        const items: [string, number[] | null, unknown][] = [];
        for await (const page of memory.items()) for (const it of page) items.push([it.id, it.vector && Array.from(it.vector, round), it.payload]);
        items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const hits: [string, number][][] = [];
        for (const q of QUERIES) hits.push((await memory.query(q, { k: 5 })).map((h) => [h.id, round(h.score)]));
        stores[name] = { size: memory.size, items, hits };
      } finally {
        await memory.close();
      }
    }
    const glossary = await core.SemanticMemory.open({ storage });
    try {
      const counts: number[] = [];
      const entries: unknown[][] = [];
      for (const agentId of AGENTS) {
        counts.push(await glossary.entryCount(agentId));
        entries.push((await glossary.listAll(agentId)).map((e) => [e.key, e.value, e.category, e.aliases, e.description]));
      }
      const recalls: unknown[][] = [];
      for (const q of RECALLS) recalls.push((await glossary.recall(q, { agentId: AGENTS[0], topK: 5 })).map((h) => [h.key, round(h.score)]));
      return { stores, glossary: { counts, entries, recalls } };
    } finally {
      await glossary.close();
    }
  } finally {
    await storage.close();
  }
}
