/**
 * Where a serving process's RSS goes, against hnswlib in the same run. Fresh
 * processes open a GloVe index (SRM with the default config, SRM with rerank
 * `pq4`, or hnswlib at the dense suite's headline point) and serve the same
 * 2 x 1,000 queries; the SRM processes also differ in Node, allocator or SQLite
 * cache settings. Each row is the median of three processes: RSS (anonymous
 * and file-backed) after the open and after each round, and the p50 latency
 * of the second round. A second table measures what importing each library
 * costs a fresh process, which the serving baseline excludes.
 *
 *   npx tsx packages/bench/src/serve-rss.ts
 *
 * The indexes are built once (about a minute each for SRM, a few minutes for
 * hnswlib) and kept under node_modules/.cache/srm-bench/. Writes
 * docs/benchmarks/serve-rss.json and docs/benchmarks/serve-rss.md.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedStorage, SemanticRoutingMemory } from '@srm/core';
import { loadGloveDataset } from './data/glove.js';
import { benchCacheDir, defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { fixed, formatBytes, markdownTable, ratio } from './report/format.js';
import { median } from './stats.js';
import { HnswlibSystem } from './systems/hnswlib.js';
import { addAll, settle } from './systems/srm.js';

const COMMAND = 'npx tsx packages/bench/src/serve-rss.ts';
/** The bench package, where every measured library resolves. */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 2;
/** Processes per row; each figure is the median over them (RSS varies by a few MiB between processes). */
const RUNS = 3;
const D = 100;

/** The SRM memories served, by name: options on top of `{ d }`. */
const MEMORIES = { default: {}, pq4: { rerank: 'pq4' } } as const;
type MemoryName = keyof typeof MEMORIES;
type Served = MemoryName | 'hnswlib';

/** hnswlib as in the dense suite (M 16, efConstruction 200) at its headline point there: ef 160, recall@10 0.953 on GloVe. */
const HNSW = { M: 16, efConstruction: 200, ef: 160 } as const;

interface Variant {
  served: Served;
  label: string;
  why: string;
  flags: string[];
  env: Record<string, string>;
  cacheSizeMiB?: number;
}

/** A process that loaded more (an agent framework, a server) has grown its young generation to the ceiling already. */
const YOUNG_AT_CEILING = "V8's young generation at its 16 MiB ceiling from the start, as in a process that loaded more";
const SEMI_AND_ARENAS = { flags: ['--max-semi-space-size=4'], env: { MALLOC_ARENA_MAX: '2' } };

const VARIANTS: Variant[] = [
  { served: 'default', label: 'defaults', why: 'what `node app.js` gets (2 MiB SQLite page cache)', flags: [], env: {} },
  { served: 'default', label: 'cacheSizeMiB: 8', why: 'the SQLite page cache of earlier releases', flags: [], env: {}, cacheSizeMiB: 8 },
  { served: 'default', label: '--max-semi-space-size=4', why: "V8's young generation held at 4 MiB semi-spaces", flags: ['--max-semi-space-size=4'], env: {} },
  { served: 'default', label: 'MALLOC_ARENA_MAX=2', why: "glibc's per-thread malloc arenas capped at 2", flags: [], env: { MALLOC_ARENA_MAX: '2' } },
  { served: 'default', label: 'semi-spaces 4 MiB, arenas 2', why: 'young generation and arenas capped', ...SEMI_AND_ARENAS },
  { served: 'default', label: '--min-semi-space-size=16', why: YOUNG_AT_CEILING, flags: ['--min-semi-space-size=16'], env: {} },
  { served: 'pq4', label: 'defaults', why: 'rerank `pq4`: half the hot bytes of sq4', flags: [], env: {} },
  { served: 'pq4', label: '--min-semi-space-size=16', why: YOUNG_AT_CEILING, flags: ['--min-semi-space-size=16'], env: {} },
  { served: 'pq4', label: 'semi-spaces 4 MiB, arenas 2', why: 'rerank `pq4` with the two process settings', ...SEMI_AND_ARENAS },
  { served: 'hnswlib', label: 'defaults', why: `the peer: HNSW M ${HNSW.M}, ef ${HNSW.ef}, read from its saved index`, flags: [], env: {} },
];

/**
 * Libraries whose import cost is measured: ours, the dense suite's peers, and the Qdrant REST
 * client, which `@srm/core` loads only on the first `QdrantStorage.connect`.
 */
const IMPORTS = ['@srm/core', '@qdrant/js-client-rest', 'hnswlib-node', 'usearch', '@lancedb/lancedb'];

/** A fresh process imports one library and prints its RSS growth (after a full GC) and the import time. */
const IMPORT_PROBE = `
import { readFileSync } from 'node:fs';
const status = () => {
  globalThis.gc(); globalThis.gc();
  const out = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\\n')) {
    const m = /^(VmRSS|RssAnon|RssFile):\\s+(\\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
};
const before = status();
const t0 = performance.now();
await import(process.argv[1]);
const ms = performance.now() - t0;
const after = status();
console.log(JSON.stringify({ ms, rss: after.VmRSS - before.VmRSS, anon: after.RssAnon - before.RssAnon, file: after.RssFile - before.RssFile }));
`;

interface ImportCost {
  library: string;
  /** Medians over {@link RUNS} fresh processes. */
  rssBytes: number;
  anonBytes: number;
  fileBytes: number;
  ms: number;
}

function importCost(library: string): ImportCost {
  const runs: { ms: number; rss: number; anon: number; file: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', IMPORT_PROBE, library], { cwd: packageDir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`importing ${library} failed (${run.status ?? run.signal}):\n${run.stderr}`);
    runs.push(JSON.parse(run.stdout) as (typeof runs)[number]);
  }
  const mid = (key: keyof (typeof runs)[number]) => median(runs.map((r) => r[key]));
  return { library, rssBytes: mid('rss'), anonBytes: mid('anon'), fileBytes: mid('file'), ms: mid('ms') };
}

/** RSS growth over the child's baseline, in bytes. */
interface Growth {
  afterOpen: number;
  afterRounds: number[];
  anonAtEnd: number;
}

interface ChildReport {
  baseline: Record<string, number>;
  afterOpen: Record<string, number>;
  afterRounds: Record<string, number>[];
  p50Ms: number;
}

/** Resident memory by kind, from /proc (bytes), after a full GC. */
function rss(): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

/** What a child serves: open, one query, close. */
interface Server {
  query(q: number): Promise<unknown> | unknown;
  close(): Promise<void>;
}

async function openServer(served: Served, dir: string, queries: Float32Array, cacheSizeMiB: number | undefined): Promise<() => Promise<Server>> {
  if (served === 'hnswlib') {
    const hnsw = new HnswlibSystem({ kind: 'hnswlib', label: 'hnswlib', M: HNSW.M, efConstruction: HNSW.efConstruction, sweep: [] });
    // Its queries are plain arrays, converted before the baseline like SRM's typed arrays.
    hnsw.prepareQueries(queries, D);
    return async () => {
      await hnsw.open(dir, D);
      hnsw.configure({ label: `ef=${HNSW.ef}`, params: { ef: HNSW.ef } });
      return { query: (q) => hnsw.search(q, 10), close: () => hnsw.close() };
    };
  }
  return async () => {
    const storage = cacheSizeMiB === undefined ? undefined : await EmbeddedStorage.open(dir, { cacheSizeMiB });
    const memory = await SemanticRoutingMemory.open(storage ? { d: D, storage } : { d: D, path: dir });
    return {
      query: (q) => memory.query(queries.subarray(q * D, (q + 1) * D), { k: 10 }),
      close: async () => {
        await memory.close();
        await storage?.close();
      },
    };
  };
}

async function child(served: Served, dir: string, queriesFile: string, cacheSizeMiB: number | undefined): Promise<void> {
  const queries = new Float32Array(new Uint8Array(readFileSync(queriesFile)).buffer);
  const nq = queries.length / D;
  const open = await openServer(served, dir, queries, cacheSizeMiB);
  const baseline = rss();
  const server = await open();
  const afterOpen = rss();
  const afterRounds: Record<string, number>[] = [];
  let last: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    last = [];
    for (let q = 0; q < nq; q++) {
      const t0 = performance.now();
      await server.query(q);
      last.push(performance.now() - t0);
    }
    afterRounds.push(rss());
  }
  const report: ChildReport = { baseline, afterOpen, afterRounds, p50Ms: median(last) };
  await server.close();
  process.stdout.write(JSON.stringify(report));
}

/** Builds each index once (SRM with its routing checkpoint, hnswlib saved to a file) and the query file. */
async function prepare(): Promise<{ dirs: Record<Served, string>; queriesFile: string; n: number }> {
  const root = join(benchCacheDir(), 'serve-rss-glove');
  const queriesFile = join(root, 'queries.f32');
  const data = await loadGloveDataset('full');
  const n = data.base.length / data.d;
  mkdirSync(root, { recursive: true });
  writeFileSync(queriesFile, new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
  const dirs = {} as Record<Served, string>;
  for (const name of Object.keys(MEMORIES) as MemoryName[]) {
    const dir = (dirs[name] = join(root, `memory-${name}`));
    if (existsSync(join(root, `${name}.done`))) continue;
    console.log(`building the ${name} memory of ${n} GloVe vectors in ${dir} (once)...`);
    const memory = await SemanticRoutingMemory.open({ d: data.d, path: dir, ...MEMORIES[name] });
    await addAll(memory, data.base, data.d, () => undefined);
    await settle(memory);
    await memory.close();
    writeFileSync(join(root, `${name}.done`), '');
  }
  const hnswDir = (dirs.hnswlib = join(root, `hnswlib-M${HNSW.M}-efc${HNSW.efConstruction}`));
  if (!existsSync(join(root, 'hnswlib.done'))) {
    console.log(`building the hnswlib index of ${n} GloVe vectors in ${hnswDir} (once, a few minutes)...`);
    const hnsw = new HnswlibSystem({ kind: 'hnswlib', label: 'hnswlib', M: HNSW.M, efConstruction: HNSW.efConstruction, sweep: [] });
    await hnsw.build(data.base, data.d, () => undefined);
    const saved = await hnsw.persist();
    mkdirSync(hnswDir, { recursive: true });
    for (const file of readdirSync(saved)) copyFileSync(join(saved, file), join(hnswDir, file));
    rmSync(saved, { recursive: true, force: true });
    await hnsw.close();
    writeFileSync(join(root, 'hnswlib.done'), '');
  }
  return { dirs, queriesFile, n };
}

function runChild(v: Variant, dir: string, queriesFile: string): ChildReport {
  const script = fileURLToPath(import.meta.url);
  const args = [...v.flags, '--expose-gc', '--import', 'tsx', script, '--child', v.served, dir, queriesFile];
  if (v.cacheSizeMiB !== undefined) args.push(String(v.cacheSizeMiB));
  const run = spawnSync(process.execPath, args, { env: { ...process.env, ...v.env }, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${v.served} ${v.label}: child failed (${run.status ?? run.signal}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as ChildReport;
}

/** Median growth over {@link RUNS} processes, figure by figure. */
function medianGrowth(reports: ChildReport[]): Growth {
  const grow = (pick: (r: ChildReport) => Record<string, number>, key: string) => median(reports.map((r) => pick(r)[key]! - r.baseline[key]!));
  return {
    afterOpen: grow((r) => r.afterOpen, 'VmRSS'),
    afterRounds: Array.from({ length: ROUNDS }, (_, i) => grow((r) => r.afterRounds[i]!, 'VmRSS')),
    anonAtEnd: grow((r) => r.afterRounds.at(-1)!, 'RssAnon'),
  };
}

async function main(): Promise<void> {
  const { dirs, queriesFile, n } = await prepare();
  const measured = VARIANTS.map((v) => {
    const reports = Array.from({ length: RUNS }, () => runChild(v, dirs[v.served], queriesFile));
    console.log(`- ${v.served} ${v.label}: done`);
    return { ...v, growth: medianGrowth(reports), p50Ms: median(reports.map((r) => r.p50Ms)), reports };
  });
  const serving = (g: Growth) => Math.max(g.afterOpen, ...g.afterRounds);
  const peer = measured.find((m) => m.served === 'hnswlib')!;
  const table = markdownTable(
    [
      'index',
      'process setting',
      'RSS after open',
      ...Array.from({ length: ROUNDS }, (_, i) => `after ${(i + 1) * 1000} queries`),
      'of which anonymous',
      'serving vs hnswlib',
      'p50 ms (round 2)',
      'what it changes',
    ],
    measured.map((m) => [
      m.served === 'hnswlib' ? 'hnswlib' : `SRM ${m.served}`,
      m.label,
      formatBytes(m.growth.afterOpen),
      ...m.growth.afterRounds.map(formatBytes),
      formatBytes(m.growth.anonAtEnd),
      ratio(serving(m.growth), serving(peer.growth)),
      fixed(m.p50Ms, 3),
      m.why,
    ]),
  );
  const title = `Serving RSS on GloVe (${n.toLocaleString('en-US')} x 100): SRM (the default config and rerank \`pq4\`, opened from their routing checkpoints) and hnswlib; growth over each process's baseline (library loaded, queries in memory), after a full GC; medians of ${RUNS} processes per row`;
  const imports = IMPORTS.map(importCost);
  const importTable = markdownTable(
    ['library', 'RSS after import', 'anonymous', 'file-backed', 'import ms'],
    imports.map((c) => [c.library, formatBytes(c.rssBytes), formatBytes(c.anonBytes), formatBytes(c.fileBytes), fixed(c.ms, 0)]),
  );
  const importTitle = `What importing each library costs a fresh \`node\` process: RSS growth over the bare process after a full GC, and import time; medians of ${RUNS} processes`;
  const text = `${title}\n\n${table}\n\n${importTitle}\n\n${importTable}`;
  console.log(`\n${text}`);
  const outDir = defaultOutDir();
  mkdirSync(outDir, { recursive: true });
  const results = measured.map(({ reports, ...m }) => ({ ...m, servingBytes: serving(m.growth), runs: reports }));
  writeFileSync(
    join(outDir, 'serve-rss.json'),
    JSON.stringify(
      {
        suite: 'serve-rss',
        run: { ...runInfo('full', process.argv.slice(2)), command: COMMAND },
        n,
        rounds: ROUNDS,
        runsPerRow: RUNS,
        hnswlib: HNSW,
        variants: results,
        imports,
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(join(outDir, 'serve-rss.md'), `<!-- generated by \`${COMMAND}\`; do not edit -->\n\nCommand: \`${COMMAND}\`\n\n${text}\n`);
  console.log(`\nwrote ${join(outDir, 'serve-rss.json')}`);
}

if (process.argv[2] === '--child') {
  const [served, dir, queriesFile, cache] = process.argv.slice(3);
  await child(served as Served, dir!, queriesFile!, cache === undefined ? undefined : Number(cache));
} else {
  await main();
}
