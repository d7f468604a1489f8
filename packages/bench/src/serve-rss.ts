/**
 * Where a serving process's RSS goes. The dense suite's restart measurement
 * shows an opened SRM process near a tenth of hnswlib's RSS, and a process
 * that then ran a tight query loop at about a fifth. This script opens a
 * GloVe memory (the default config, or rerank `pq4`) in fresh processes that differ
 * only in Node, allocator or SQLite cache settings, serves the same 2 x 1,000 queries,
 * and reports RSS (anonymous and file-backed) after the open and after
 * each round, with the p50 latency of the second round.
 *
 *   npx tsx packages/bench/src/serve-rss.ts
 *
 * The memories are built once (about a minute each) and kept under
 * node_modules/.cache/srm-bench/. Writes docs/benchmarks/serve-rss.json and
 * docs/benchmarks/serve-rss.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedStorage, SemanticRoutingMemory } from '@srm/core';
import { loadGloveDataset } from './data/glove.js';
import { benchCacheDir, defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { fixed, formatBytes, markdownTable } from './report/format.js';
import { median } from './stats.js';
import { addAll, settle } from './systems/srm.js';

const COMMAND = 'npx tsx packages/bench/src/serve-rss.ts';
const ROUNDS = 2;

/** The process settings compared: Node flags and environment. */
/** The memories served: SRM options by name. */
const MEMORIES = { default: {}, pq4: { rerank: 'pq4' } } as const;
type MemoryName = keyof typeof MEMORIES;

const VARIANTS: { label: string; why: string; flags: string[]; env: Record<string, string>; cacheSizeMiB?: number; memory?: MemoryName }[] = [
  { label: 'defaults', why: 'what `node app.js` gets (2 MiB SQLite page cache)', flags: [], env: {} },
  { label: 'cacheSizeMiB: 8', why: 'the SQLite page cache of earlier releases', flags: [], env: {}, cacheSizeMiB: 8 },
  { label: '--max-semi-space-size=4', why: "V8's young generation held at 4 MiB semi-spaces", flags: ['--max-semi-space-size=4'], env: {} },
  { label: 'MALLOC_ARENA_MAX=2', why: "glibc's per-thread malloc arenas capped at 2", flags: [], env: { MALLOC_ARENA_MAX: '2' } },
  {
    label: 'semi-spaces 4 MiB, arenas 2',
    why: 'young generation and arenas capped',
    flags: ['--max-semi-space-size=4'],
    env: { MALLOC_ARENA_MAX: '2' },
  },
  { label: 'defaults', why: 'rerank `pq4`: half the hot bytes of sq4', flags: [], env: {}, memory: 'pq4' },
  {
    label: 'semi-spaces 4 MiB, arenas 2',
    why: 'rerank `pq4` with the two process settings',
    flags: ['--max-semi-space-size=4'],
    env: { MALLOC_ARENA_MAX: '2' },
    memory: 'pq4',
  },
];

interface ChildReport {
  baseline: Record<string, number>;
  afterOpen: Record<string, number>;
  afterRounds: Record<string, number>[];
  p50Ms: number;
  openedFrom: unknown;
}

/** Resident memory by kind, from /proc (bytes). */
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

async function child(dir: string, queriesFile: string, cacheSizeMiB: number | undefined): Promise<void> {
  const bytes = readFileSync(queriesFile);
  const queries = new Float32Array(new Uint8Array(bytes).buffer);
  const d = 100;
  const nq = queries.length / d;
  const baseline = rss();
  const storage = cacheSizeMiB === undefined ? undefined : await EmbeddedStorage.open(dir, { cacheSizeMiB });
  const memory = await SemanticRoutingMemory.open(storage ? { d, storage } : { d, path: dir });
  const afterOpen = rss();
  const afterRounds: Record<string, number>[] = [];
  let last: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    last = [];
    for (let q = 0; q < nq; q++) {
      const t0 = performance.now();
      await memory.query(queries.subarray(q * d, (q + 1) * d), { k: 10 });
      last.push(performance.now() - t0);
    }
    afterRounds.push(rss());
  }
  const report: ChildReport = { baseline, afterOpen, afterRounds, p50Ms: median(last), openedFrom: memory.stats().openedFrom };
  await memory.close();
  await storage?.close();
  process.stdout.write(JSON.stringify(report));
}

/** Builds each GloVe memory once, with its routing checkpoint, and the query file. */
async function prepare(): Promise<{ dirs: Record<MemoryName, string>; queriesFile: string; n: number }> {
  const root = join(benchCacheDir(), 'serve-rss-glove');
  const queriesFile = join(root, 'queries.f32');
  const data = await loadGloveDataset('full');
  const n = data.base.length / data.d;
  mkdirSync(root, { recursive: true });
  writeFileSync(queriesFile, new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
  const dirs = {} as Record<MemoryName, string>;
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
  return { dirs, queriesFile, n };
}

async function main(): Promise<void> {
  const { dirs, queriesFile, n } = await prepare();
  const script = fileURLToPath(import.meta.url);
  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const v of VARIANTS) {
    const run = spawnSync(process.execPath, [...v.flags, '--expose-gc', '--import', 'tsx', script, '--child', dirs[v.memory ?? 'default'], queriesFile, ...(v.cacheSizeMiB === undefined ? [] : [String(v.cacheSizeMiB)])], {
      env: { ...process.env, ...v.env },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`${v.label}: child failed (${run.status ?? run.signal}):\n${run.stderr}`);
    const r = JSON.parse(run.stdout) as ChildReport;
    const grow = (at: Record<string, number>, key: string) => at[key]! - r.baseline[key]!;
    results.push({ ...v, ...r });
    rows.push([
      v.memory ?? 'default',
      v.label,
      formatBytes(grow(r.afterOpen, 'VmRSS')),
      ...r.afterRounds.map((a) => formatBytes(grow(a, 'VmRSS'))),
      formatBytes(grow(r.afterRounds.at(-1)!, 'RssAnon')),
      fixed(r.p50Ms, 3),
      v.why,
    ]);
    console.log(`- ${v.label}: done`);
  }
  const table = markdownTable(
    ['memory', 'process setting', 'RSS after open', ...Array.from({ length: ROUNDS }, (_, i) => `after ${(i + 1) * 1000} queries`), 'of which anonymous', 'p50 ms (round 2)', 'what it changes'],
    rows,
  );
  const title = `Serving RSS of SRM memories on GloVe (${n.toLocaleString('en-US')} x 100), the default config and rerank \`pq4\`, opened from their routing checkpoints; growth over each process's baseline (library loaded, queries in memory), after a full GC`;
  console.log(`\n${title}\n\n${table}`);
  const outDir = defaultOutDir();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'serve-rss.json'), JSON.stringify({ suite: 'serve-rss', run: { ...runInfo('full', process.argv.slice(2)), command: COMMAND }, n, rounds: ROUNDS, variants: results }, null, 2) + '\n');
  writeFileSync(join(outDir, 'serve-rss.md'), `<!-- generated by \`${COMMAND}\`; do not edit -->\n\nCommand: \`${COMMAND}\`\n\n${title}\n\n${table}\n`);
  console.log(`\nwrote ${join(outDir, 'serve-rss.json')}`);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, process.argv[5] === undefined ? undefined : Number(process.argv[5]));
else await main();
