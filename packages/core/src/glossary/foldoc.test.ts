/**
 * Real-data tests on Debian's FOLDOC, Jargon File and V.E.R.A. dictionaries:
 * label-free MRR@10 of the three query sets, and our ranking against
 * wink-bm25-text-search (the design's reference engine) on the same tokens.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DICTD_DIR } from '../datasets/dictd.js';
import { Rng } from '../util/rng.js';
import {
  headwordQueries,
  jargonQueries,
  loadFoldocGlossary,
  meanReciprocalRank,
  shingleOverlap,
  unstatedAliasQueries,
  type FoldocGlossary,
  type LabeledQuery,
} from './foldoc.js';
import { SemanticMemory } from './semantic-memory.js';
import { ENGLISH_STOP_WORDS, withoutStopWords } from './stop-words.js';
import { WordTokenizer } from './tokenizer.js';

const HAVE_DICTS = ['foldoc', 'jargon', 'vera'].every((d) => existsSync(`${DICTD_DIR}/${d}.index`));
if (!HAVE_DICTS)
  console.warn(`[skip] FOLDOC real-data tests: ${DICTD_DIR}/{foldoc,jargon,vera}.index missing; apt-get install dict-foldoc dict-jargon dict-vera`);

/** A fixed sample of `n` items: the first `n` of a seeded shuffle. */
function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  return new Rng(seed).shuffle([...items]).slice(0, n);
}

async function mrr(memory: SemanticMemory, queries: readonly LabeledQuery[]): Promise<number> {
  const ranks: number[] = [];
  for (const q of queries) {
    const hits = await memory.recall(q.query, { agentId: 'foldoc', topK: 10 });
    ranks.push(hits.findIndex((h) => h.key === q.targetKey) + 1);
  }
  return meanReciprocalRank(ranks, 10);
}

describe.skipIf(!HAVE_DICTS)('FOLDOC glossary', () => {
  let glossary: FoldocGlossary;
  let memory: SemanticMemory;

  beforeAll(async () => {
    glossary = loadFoldocGlossary();
    memory = await SemanticMemory.open();
    await memory.memorizeMany(glossary.entries);
  });
  afterAll(async () => {
    await memory?.close();
  });

  describe('loadFoldocGlossary', () => {
    it('builds about 11.4k entries, thousands with aliases from synonyms, redirects, short forms and V.E.R.A.', async () => {
      const { stats, entries } = glossary;
      expect(entries.length).toBeGreaterThan(11_000);
      expect(entries.length).toBeLessThan(12_000);
      expect(await memory.entryCount('foldoc')).toBe(entries.length);
      expect(stats.entriesWithAliases).toBeGreaterThan(3000);
      expect(stats.redirectsFolded).toBeGreaterThan(100);
      expect(stats.parentheticalAliases).toBeGreaterThan(1000);
      expect(stats.veraAliases).toBeGreaterThan(100);
      const hscsd = entries.find((e) => e.key === 'High Speed Circuit Switched Data');
      expect(hscsd?.aliases).toContain('HSCSD');
      expect(new Set(entries.map((e) => e.key.toLowerCase())).size).toBe(entries.length);
    });
  });

  describe('MRR@10 (label-free)', () => {
    it('headword → its own entry ≥ 0.94 (seeded sample of 2000)', async () => {
      const value = await mrr(memory, sample(headwordQueries(glossary), 2000, 7));
      console.log(`FOLDOC headword MRR@10 = ${value.toFixed(4)}`);
      expect(value).toBeGreaterThanOrEqual(0.94);
    });

    it('an alias the entry text never states → the entry ≥ 0.70', async () => {
      const queries = unstatedAliasQueries(glossary);
      expect(queries.length).toBeGreaterThan(300);
      const value = await mrr(memory, queries);
      console.log(`FOLDOC unstated-alias MRR@10 = ${value.toFixed(4)} over ${queries.length} queries`);
      expect(value).toBeGreaterThanOrEqual(0.7);
    });

    it('a Jargon File definition → the FOLDOC entry of the same headword (independent wording)', async () => {
      const { queries, pairs, copies } = jargonQueries(glossary);
      expect(pairs).toBeGreaterThan(1000);
      expect(queries.length).toBe(pairs - copies);
      for (const q of queries.slice(0, 50)) {
        const target = glossary.entries.find((e) => e.key === q.targetKey)!;
        expect(shingleOverlap(q.query, target.value)).toBeLessThan(0.1);
      }
      const value = await mrr(memory, queries);
      console.log(`Jargon→FOLDOC MRR@10 = ${value.toFixed(4)} over ${queries.length} independent pairs (of ${pairs})`);
      // The 0.68 is not reached under this strict copy filter (see docs/glossary.md); this
      // floor guards against regressions of the measured 0.58 (0.555 without query stop words).
      expect(value).toBeGreaterThanOrEqual(0.565);
    });

    it('with stemming on, headword and unstated-alias MRR@10 stay above 0.94 and 0.70', async () => {
      const stemmed = await SemanticMemory.open({ tokenizer: new WordTokenizer({ stem: true }) });
      await stemmed.memorizeMany(glossary.entries);
      const headword = await mrr(stemmed, sample(headwordQueries(glossary), 2000, 7));
      const alias = await mrr(stemmed, unstatedAliasQueries(glossary));
      console.log(`with stemming: headword MRR@10 = ${headword.toFixed(4)}, unstated alias = ${alias.toFixed(4)}`);
      expect(headword).toBeGreaterThanOrEqual(0.94);
      expect(alias).toBeGreaterThanOrEqual(0.7);
      await stemmed.close();
    });
  });

  describe('ranking against wink-bm25-text-search on the same tokens', () => {
    // Ours drops the default query stop words; wink is given the same query tokens.
    it('gives the same top-10 and the same scores on a FOLDOC sample', async () => {
      const require = createRequire(import.meta.url);
      const winkFactory = require('wink-bm25-text-search') as () => WinkEngine;
      const tokenizer = new WordTokenizer();
      const entries = sample(glossary.entries, 1500, 11).map((e) => ({ ...e, agentId: 'wink' }));
      const weights = { key: 3, aliases: 3, value: 1, description: 1 };
      const wink = winkFactory();
      wink.defineConfig({ fldWeights: weights, bm25Params: { k1: 1.2, b: 0.75, k: 1 } });
      wink.definePrepTasks([(s: string) => s.split(' ').filter((t) => t.length > 0)]);
      const join = (text: string) => tokenizer.tokenize(text).join(' ');
      entries.forEach((e) =>
        wink.addDoc(
          { key: join(e.key), aliases: join((e.aliases ?? []).join(' ')), value: join(e.value), description: join(e.description ?? '') },
          e.key.toLowerCase(),
        ),
      );
      wink.consolidate(4);
      const avgdl = wink.getTotalCorpusLength() / wink.getTotalDocs();

      const ours = await SemanticMemory.open({ avgdl, k1: 1.2, b: 0.75, keyWeight: 3, aliasWeight: 3, nameTokens: false });
      await ours.memorizeMany(entries);
      const r = new Rng(3);
      const queries = [
        ...sample(entries, 60, 5).map((e) => e.key),
        ...sample(entries, 60, 6).map((e) => {
          const words = e.value.split(' ');
          const start = r.int(Math.max(1, words.length - 12));
          return words.slice(start, start + 12).join(' ');
        }),
      ];
      const stopWords = new Set(ENGLISH_STOP_WORDS);
      let sameOrder = 0;
      let compared = 0;
      for (const query of queries) {
        const expected = wink.search(withoutStopWords(tokenizer.tokenize(query), stopWords).join(' '), 10) as [string, number][];
        const got = await ours.recall(query, { agentId: 'wink', topK: 10 });
        expect(got.length).toBe(expected.length);
        const terms = new Set(tokenizer.tokenize(query)).size;
        // wink rounds each stored weight to 4 decimals; ours keeps float32.
        const tol = 1e-4 * (tokenizer.tokenize(query).length + 1);
        for (let i = 0; i < expected.length; i++) {
          compared++;
          expect(got[i]!.score).toBeCloseTo(expected[i]![1], 3);
          if (got[i]!.key.toLowerCase() === expected[i]![0]) sameOrder++;
          else {
            // Only a tie (within rounding) may swap two entries.
            // An entry beyond wink's top 10 may only come in through a tie with wink's last one.
            const winkScoreOfOurs = expected.find(([id]) => id === got[i]!.key.toLowerCase())?.[1] ?? expected[expected.length - 1]![1];
            expect(Math.abs(winkScoreOfOurs - expected[i]![1]), `query ${JSON.stringify(query)} rank ${i + 1} (${terms} terms)`).toBeLessThan(tol);
          }
        }
      }
      expect(sameOrder / compared).toBeGreaterThan(0.95);
      await ours.close();
    });
  });
});

interface WinkEngine {
  defineConfig(cfg: object): void;
  definePrepTasks(tasks: ((s: string) => string[])[]): void;
  addDoc(doc: Record<string, string>, id: string): void;
  consolidate(precision?: number): void;
  search(text: string, limit?: number): [string, number][];
  getTotalCorpusLength(): number;
  getTotalDocs(): number;
}
