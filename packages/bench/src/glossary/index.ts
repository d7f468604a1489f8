/**
 * The glossary benchmark: our SemanticMemory against wink-bm25-text-search and
 * minisearch on FOLDOC (with Jargon File and V.E.R.A.), on the same entries,
 * tokens and queries:
 *
 * - memorize / forget latency at ~11k entries (median, p95);
 * - recall latency p50 / p99 for headword queries and for 20-word queries;
 * - MRR@10 on the three label-free query sets (headword, unstated alias, Jargon definition);
 * - an ablation of our levers, one at a time from the defaults: query stop words, stemming, name
 *   tokens, field weights, and the BM25 parameters k1, b and avgdl;
 * - where the Jargon targets rank: first, behind another entry named by the same headword (an
 *   acronym's expansion), at 2–10, or not in the top 10; and MRR@10 when any entry whose key or
 *   alias is the headword counts;
 * - MRR@10 of engines with their own tokenizers and scoring (SQLite FTS5, Xapian): what lexical
 *   retrieval reaches on this data when nothing of ours is in the way;
 * - threshold drift: the same queries in a 300-entry and an 11k-entry glossary, raw score vs
 *   normalised relevance.
 *
 * Fixed seeds; ratios are against the peers measured in the same run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticMemory, type MemorizeInput } from '@srm/core';
import { WordTokenizer } from '@srm/core/glossary';
import { headwordQueries, jargonQueries, loadFoldocGlossary, meanReciprocalRank, Rng, unstatedAliasQueries, type LabeledQuery } from '@srm/core/datasets';
import { markdownTable } from '../report/format.js';
import { sampleIndices } from '../rng.js';
import { median, percentile } from '../stats.js';
import { runFts5, runXapian } from './own-analyzers.js';
import { MiniSearchEngine, OursEngine, WinkEngine, type GlossaryEngine } from './peers.js';

/** Options of {@link runGlossaryBench}. */
export interface GlossaryBenchOptions {
  /** `quick`: samples (a minute or two); `full`: every query, more writes. */
  size: 'quick' | 'full';
  /** Where `glossary.json` and `glossary.md` go. */
  outDir: string;
  /** Prints progress and the table. Default `console.log`. */
  log?: (line?: string) => void;
}

const SEED = 20240611;

interface Latency {
  n: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
}

function latency(samples: number[]): Latency {
  return { n: samples.length, medianMs: median(samples), p95Ms: percentile(samples, 95), p99Ms: percentile(samples, 99) };
}

async function timeEach<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const item of items) {
    const t = performance.now();
    await fn(item);
    out.push(performance.now() - t);
  }
  return out;
}

/** Each query's top-10 keys from an engine. */
async function topKeys(engine: GlossaryEngine, queries: readonly LabeledQuery[]): Promise<string[][]> {
  const out: string[][] = [];
  for (const q of queries) out.push(await engine.recall(q.query, 10));
  return out;
}

function mrrOf(keys: readonly string[][], queries: readonly LabeledQuery[]): number {
  return meanReciprocalRank(
    queries.map((q, i) => keys[i]!.indexOf(q.targetKey) + 1),
    10,
  );
}

/** Where each Jargon query's target ranks in an engine's top 10, and MRR@10 if any entry named by the headword counted. */
function jargonTargets(keys: readonly string[][], queries: readonly LabeledQuery[], entries: readonly MemorizeInput[]): Record<string, number> {
  const names = new Map(entries.map((e) => [e.key, new Set([e.key, ...(e.aliases ?? [])].map((n) => n.toLowerCase()))]));
  const counts = { first: 0, sameNameAbove: 0, second10th: 0, notInTop10: 0 };
  const named: number[] = [];
  queries.forEach((q, i) => {
    const top = keys[i]!;
    const rank = top.indexOf(q.targetKey) + 1;
    const head = q.targetKey.toLowerCase();
    const namedRank = top.findIndex((k) => names.get(k)?.has(head) ?? false) + 1;
    named.push(namedRank);
    if (rank === 1) counts.first++;
    else if (namedRank >= 1 && (rank === 0 || namedRank < rank)) counts.sameNameAbove++;
    else if (rank >= 2) counts.second10th++;
    else counts.notInTop10++;
  });
  return { ...counts, mrrAnyNamedEntry: meanReciprocalRank(named, 10) };
}

/** MRR@10 of each query set and where the Jargon targets rank, from each query's top-10 keys. */
function quality(keys: Record<keyof QuerySets, string[][]>, sets: QuerySets, entries: readonly MemorizeInput[]) {
  return {
    mrrAt10: { headword: mrrOf(keys.headword, sets.headword), alias: mrrOf(keys.alias, sets.alias), jargon: mrrOf(keys.jargon, sets.jargon) },
    jargonTargets: jargonTargets(keys.jargon, sets.jargon, entries),
  };
}

async function engineKeys(engine: GlossaryEngine, sets: QuerySets): Promise<Record<keyof QuerySets, string[][]>> {
  return { headword: await topKeys(engine, sets.headword), alias: await topKeys(engine, sets.alias), jargon: await topKeys(engine, sets.jargon) };
}

interface QuerySets {
  headword: LabeledQuery[];
  alias: LabeledQuery[];
  jargon: LabeledQuery[];
}

function pick<T>(items: readonly T[], count: number, seed: number): T[] {
  const idx = sampleIndices(items.length, Math.min(count, items.length), new Rng(seed));
  return Array.from(idx, (i) => items[i]!);
}

/** Runs the benchmark, prints a table, writes `glossary.json` and `glossary.md` to `outDir`, and returns the result. */
export async function runGlossaryBench(opts: GlossaryBenchOptions): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((line?: string) => console.log(line ?? ''));
  const full = opts.size === 'full';
  const sizes = { writes: full ? 1000 : 200, headwordQueries: full ? Infinity : 1500, winkRebuilds: full ? 5 : 2 };

  const glossary = loadFoldocGlossary();
  const entries = glossary.entries;
  const hw = headwordQueries(glossary);
  const alias = unstatedAliasQueries(glossary);
  const jargon = jargonQueries(glossary);
  const sets: QuerySets = {
    headword: Number.isFinite(sizes.headwordQueries) ? pick(hw, sizes.headwordQueries, SEED + 1) : hw,
    alias: alias,
    jargon: jargon.queries,
  };
  // 20-word queries: the first 20 words of each Jargon definition (natural, long, common words).
  const long20 = jargon.queries.map((q) => q.query.split(' ').slice(0, 20).join(' '));
  log(
    `glossary bench (${opts.size}): FOLDOC ${entries.length} entries; queries: ${sets.headword.length} headword, ${sets.alias.length} unstated alias, ${sets.jargon.length} jargon (of ${jargon.pairs} pairs), ${long20.length} x 20 words`,
  );

  // Held-out entries are memorized live (then forgotten) at ~11k entries.
  const heldIdx = new Set(sampleIndices(entries.length, sizes.writes, new Rng(SEED)));
  const base = entries.filter((_, i) => !heldIdx.has(i));
  const held = entries.filter((_, i) => heldIdx.has(i));

  const dir = mkdtempSync(join(tmpdir(), 'srm-glossary-bench-'));
  const engines: GlossaryEngine[] = [
    new OursEngine('SemanticMemory (embedded, on disk)', { path: join(dir, 'ours') }),
    new WinkEngine(),
    new MiniSearchEngine(),
  ];
  const results: Record<string, Record<string, unknown>> = {};
  try {
    for (const engine of engines) {
      log(`- ${engine.name}`);
      const t0 = performance.now();
      await engine.load(base);
      const loadMs = performance.now() - t0;
      const isWink = engine instanceof WinkEngine;
      // wink rebuilds on every write: a few are enough to measure it.
      const writes = isWink ? held.slice(0, sizes.winkRebuilds) : held;
      const memorize = latency(await timeEach(writes, (e) => engine.memorize(e)));
      const forget = latency(await timeEach(writes, (e) => engine.forget(e.key)));
      await engine.load(held); // back to the whole glossary for recall (one bulk write)
      const recallHeadword = latency(await timeEach(sets.headword, (q) => engine.recall(q.query, 10)));
      const recallLong = latency(await timeEach(long20, (q) => engine.recall(q, 10)));
      results[engine.name] = {
        loadMs,
        entriesAtWrite: base.length,
        memorize,
        forget,
        recallHeadword,
        recallLong20: recallLong,
        ...quality(await engineKeys(engine, sets), sets, entries),
      };
      await engine.close();
    }

    // Each lever on or off from the defaults (ours, in memory).
    const ablation: Record<string, Record<string, number>> = {};
    const variants: [string, ConstructorParameters<typeof OursEngine>[1]][] = [
      ['default (query stop words, no stemming, name tokens, key/alias x3, k1 1.2, b 0.75, avgdl 64)', {}],
      ['no query stop words', { queryStopWords: [] }],
      ['stemming (WordTokenizer stem: true)', { tokenizer: new WordTokenizer({ stem: true }) }],
      ['stemming, no query stop words', { tokenizer: new WordTokenizer({ stem: true }), queryStopWords: [] }],
      ['no name tokens', { nameTokens: false }],
      ['key/alias x1', { keyWeight: 1, aliasWeight: 1 }],
      ['key/alias x1, no name tokens', { keyWeight: 1, aliasWeight: 1, nameTokens: false }],
      ['k1 0.9', { k1: 0.9 }],
      ['k1 2', { k1: 2 }],
      ['b 0.5', { b: 0.5 }],
      ['b 1', { b: 1 }],
      ['avgdl 32', { avgdl: 32 }],
      ['avgdl 128', { avgdl: 128 }],
    ];
    for (const [label, options] of variants) {
      const engine = new OursEngine(label, options);
      await engine.load(entries);
      ablation[label] = quality(await engineKeys(engine, sets), sets, entries).mrrAt10;
      await engine.close();
    }

    // What mature engines reach with their own tokenizers, stemmers and scoring (quality only).
    log('- independent lexical engines (own analyzers)');
    const texts = { headword: sets.headword.map((q) => q.query), alias: sets.alias.map((q) => q.query), jargon: sets.jargon.map((q) => q.query) };
    const ownAnalyzers: Record<string, unknown> = {};
    for (const run of [runFts5(entries, texts), ...runXapian(entries, texts)]) {
      if ('skipped' in run) log(`  skipped ${run.name}: ${run.skipped}`);
      ownAnalyzers[run.name] = 'skipped' in run ? { skipped: run.skipped } : quality(run.keys as Record<keyof QuerySets, string[][]>, sets, entries);
    }

    const drift = await measureDrift(entries);
    const ours = results[engines[0]!.name]!;
    const ratios: Record<string, Record<string, number>> = {};
    for (const peer of engines.slice(1)) {
      const p = results[peer.name]!;
      const r = (path: [string, string]) => (p[path[0]] as Record<string, number>)[path[1]]! / (ours[path[0]] as Record<string, number>)[path[1]]!;
      ratios[peer.name] = {
        memorizeMedian: r(['memorize', 'medianMs']),
        forgetMedian: r(['forget', 'medianMs']),
        recallHeadwordP50: r(['recallHeadword', 'medianMs']),
        recallLong20P50: r(['recallLong20', 'medianMs']),
      };
    }

    const payload = {
      suite: 'glossary',
      size: opts.size,
      seed: SEED,
      node: process.version,
      dataset: {
        entries: entries.length,
        stats: glossary.stats,
        queries: {
          headword: sets.headword.length,
          alias: sets.alias.length,
          jargon: sets.jargon.length,
          jargonPairs: jargon.pairs,
          jargonCopies: jargon.copies,
          long20: long20.length,
        },
      },
      engines: results,
      peerOverOursLatency: ratios,
      ablation,
      ownAnalyzers,
      thresholdDrift: drift,
    };
    const table = renderTable(payload);
    log(table);
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, 'glossary.json'), JSON.stringify(payload, null, 2) + '\n');
    writeFileSync(join(opts.outDir, 'glossary.md'), `# Glossary benchmark (${opts.size})\n\n${table}\n`);
    return payload;
  } finally {
    for (const e of engines) await e.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same headword queries in a 300-entry and in the whole glossary: ratio (small / large) of
 * the target entry's raw score and of its normalised relevance.
 */
async function measureDrift(entries: readonly MemorizeInput[]): Promise<Record<string, unknown>> {
  const small = pick(entries, 300, SEED + 2);
  const queries = small.map((e) => e.key);
  const scoresIn = async (glossaryEntries: readonly MemorizeInput[]) => {
    const m = await SemanticMemory.open();
    await m.memorizeMany(glossaryEntries.map((e) => ({ ...e, agentId: 'drift' })));
    const out = new Map<string, { score: number; relevance: number }>();
    for (const q of queries) {
      const hit = (await m.recall(q, { agentId: 'drift', topK: 10, withRelevance: true })).find((h) => h.key === q);
      if (hit) out.set(q, { score: hit.score, relevance: hit.relevance! });
    }
    await m.close();
    return out;
  };
  const inSmall = await scoresIn(small);
  const inLarge = await scoresIn(entries);
  const raw: number[] = [];
  const rel: number[] = [];
  for (const [q, s] of inSmall) {
    const l = inLarge.get(q);
    if (!l) continue;
    raw.push(s.score / l.score);
    rel.push(s.relevance / l.relevance);
  }
  const summary = (xs: number[]) => ({ median: median(xs), p10: percentile(xs, 10), p90: percentile(xs, 90) });
  return { queries: raw.length, smallEntries: small.length, largeEntries: entries.length, rawScoreRatio: summary(raw), relevanceRatio: summary(rel) };
}

function f(x: unknown, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

function renderTable(p: {
  engines: Record<string, Record<string, unknown>>;
  peerOverOursLatency: Record<string, Record<string, number>>;
  ablation: Record<string, Record<string, number>>;
  ownAnalyzers: Record<string, unknown>;
  thresholdDrift: Record<string, unknown>;
}): string {
  const rows = Object.entries(p.engines).map(([name, r]) => {
    const m = r.memorize as Latency;
    const fo = r.forget as Latency;
    const h = r.recallHeadword as Latency;
    const l = r.recallLong20 as Latency;
    const q = r.mrrAt10 as Record<string, number>;
    return [
      name,
      `${f(m.medianMs)} / ${f(m.p95Ms)}`,
      `${f(fo.medianMs)} / ${f(fo.p95Ms)}`,
      `${f(h.medianMs)} / ${f(h.p99Ms)}`,
      `${f(l.medianMs)} / ${f(l.p99Ms)}`,
      f(q.headword),
      f(q.alias),
      f(q.jargon),
    ];
  });
  const main = markdownTable(
    [
      'engine',
      'memorize ms (median / p95)',
      'forget ms (median / p95)',
      'recall headword ms (p50 / p99)',
      'recall 20 words ms (p50 / p99)',
      'MRR@10 headword',
      'MRR@10 unstated alias',
      'MRR@10 jargon',
    ],
    rows,
  );
  const ratioRows = Object.entries(p.peerOverOursLatency).map(([name, r]) => [
    name,
    f(r.memorizeMedian, 1),
    f(r.forgetMedian, 1),
    f(r.recallHeadwordP50, 2),
    f(r.recallLong20P50, 2),
  ]);
  const ratios = markdownTable(['peer / ours (median latency)', 'memorize', 'forget', 'recall headword', 'recall 20 words'], ratioRows);
  const targets = markdownTable(
    [
      'Jargon target (of the queries)',
      'ranked first',
      'behind an entry of the same name',
      'ranked 2-10',
      'not in top 10',
      'MRR@10 if any entry of that name counts',
    ],
    Object.entries(p.engines).map(([name, r]) => {
      const t = r.jargonTargets as Record<string, number>;
      return [name, String(t.first), String(t.sameNameAbove), String(t.second10th), String(t.notInTop10), f(t.mrrAnyNamedEntry)];
    }),
  );
  const ablation = markdownTable(
    ['SemanticMemory variant', 'MRR@10 headword', 'MRR@10 unstated alias', 'MRR@10 jargon'],
    Object.entries(p.ablation).map(([name, q]) => [name, f(q.headword), f(q.alias), f(q.jargon)]),
  );
  const own = markdownTable(
    ['independent engine (own tokenizer and scoring)', 'MRR@10 headword', 'MRR@10 unstated alias', 'MRR@10 jargon', 'jargon, if any entry of that name counts'],
    Object.entries(p.ownAnalyzers).map(([name, r]) => {
      if ('skipped' in (r as object)) return [name, `skipped: ${(r as { skipped: string }).skipped}`, '', '', ''];
      const { mrrAt10: q, jargonTargets: t } = r as { mrrAt10: Record<string, number>; jargonTargets: Record<string, number> };
      return [name, f(q.headword), f(q.alias), f(q.jargon), f(t.mrrAnyNamedEntry)];
    }),
  );
  const d = p.thresholdDrift as { queries: number; rawScoreRatio: Record<string, number>; relevanceRatio: Record<string, number> };
  const drift = markdownTable(
    ['score of the same headword query, 300 / 11k entries', 'median', 'p10', 'p90'],
    [
      ['raw BM25 score (scoreThreshold)', f(d.rawScoreRatio.median), f(d.rawScoreRatio.p10), f(d.rawScoreRatio.p90)],
      ['normalised relevance (minRelevance)', f(d.relevanceRatio.median), f(d.relevanceRatio.p10), f(d.relevanceRatio.p90)],
    ],
  );
  return `${main}\n\n${ratios}\n\n${targets}\n\n${ablation}\n\n${own}\n\n${drift} (${d.queries} queries)\n`;
}
