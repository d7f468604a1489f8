/**
 * What the adapters' selection operations cost at 100k items, before and after the core
 * features that replaced their scans, in one run:
 *
 * - delete by ref doc (LlamaIndex `delete(refDocId)`): before, a scan of every item with its
 *   vector and a match in JS, then `delete(ids)`; after, `deleteWhere({ ref_doc_id })`;
 * - replaceDocuments add (LlamaIndex `add` of a new version of a document): `add` of its nodes,
 *   then the superseded nodes found by the same full scan (before) or by
 *   `items({ filter: ref_doc_id in [...], withVectors: false })` (after), then `delete(ids)`;
 * - listNamespaces (LangGraph `SRMStore`, the first call, which loads its namespace index):
 *   before, a scan of every record with its vector, main records kept in JS; after,
 *   `items({ filter: { main: true }, withVectors: false })`;
 * - search past unindexed items (LangGraph `SRMStore.search` where half of the items were put
 *   with `index: false`): a query filtered on `indexed: true`, on a memory whose unindexed
 *   records hold the placeholder vector the store used to give them (before) or no vector (after).
 *
 * The "before" paths are the adapters' old algorithms, kept here as baselines (not in product
 * code). Each repetition runs both, in alternating order, on the same embedded directory
 * memory (default options but K = 64, auto-fitted during the first batch of adds, and no
 * background refit, so that none runs while the operations are timed), and checks that they select the same items.
 * Payloads are shaped like the adapters' (a LlamaIndex node's `_node_content` and text; a
 * LangGraph record's namespace fields and value); vectors are seeded Gaussian.
 *
 *   npx tsx packages/bench/src/adapter-ops.ts
 *   npx tsx packages/bench/src/adapter-ops.ts --items 20000 --repeats 5
 *
 * Writes docs/benchmarks/adapter-ops.json, adapter-ops.md and adapter-ops.svg.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SemanticRoutingMemory, type FilterInput, type Payload } from '@srm/core';
import { Rng } from '@srm/core/datasets';
import type { TopLevelSpec } from 'vega-lite';
import { defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { fixed, markdownTable } from './report/format.js';
import { baseConfig, writeSvg } from './report/plot.js';
import { median, percentile } from './stats.js';

const COMMAND = 'npx tsx packages/bench/src/adapter-ops.ts';
const NODES_PER_DOC = 10;
const PAGE = 1024;
const ADD_BATCH = 10_000;
/** Filtered queries timed together as one sample of "search past unindexed items" (one query is too short to time alone). */
const QUERIES_PER_SAMPLE = 50;

function gaussianVectors(rng: Rng, n: number, d: number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => rng.normal()));
}

/** A LlamaIndex node's payload (nodeToMetadata's fields), `version` in its source hash. */
function nodePayload(doc: number, chunk: number, version: number): Payload {
  const ref = `doc-${doc}`;
  const text = `chunk ${chunk} of document ${doc}: `.padEnd(320, 'lorem ipsum dolor sit amet ');
  const content = {
    id_: `${ref}#${chunk}`,
    hash: `h-${doc}-${chunk}-${version}`,
    relationships: { SOURCE: { nodeId: ref, hash: `s-${doc}-${version}` } },
    text: '',
  };
  return { ref_doc_id: ref, document_id: ref, doc_id: ref, _node_type: 'TextNode', _node_content: JSON.stringify(content), text, file_name: `${ref}.md` };
}

/** A LangGraph SRMStore record's payload: half of the items have a second (non-main) record. */
function recordPayload(item: number, main: boolean): Payload {
  const ns = ['users', `user-${item % 2000}`, item % 3 === 0 ? 'profile' : 'memories'];
  const encoded = ns.join('\u0000');
  const prefixes = ns.map((_, i) => ns.slice(0, i + 1).join('\u0000'));
  return {
    v: 2,
    ns: encoded,
    key: `k-${item}`,
    main,
    indexed: true,
    nsPrefixes: prefixes,
    value: { note: `remembered fact ${item}`.padEnd(120, '.') },
    updatedAt: 1_700_000_000_000 + item,
  };
}

/** The vector LangGraph's SRMStore gave an unindexed item before items without a vector: one unit vector for all. */
function placeholderVector(d: number): Float32Array {
  const v = new Float32Array(d);
  v[0] = 1;
  return v;
}

/**
 * Two memories of `n` LangGraph records, every other one unindexed: with the placeholder vector
 * (before) or without a vector (after). Times `QUERIES_PER_SAMPLE` filtered queries per sample
 * and checks that they return only indexed records. Returns each memory's hot bytes.
 */
async function searchPastUnindexed(dir: string, n: number, d: number, K: number, repeats: number, rng: Rng, samples: Samples, log: (what: string) => void) {
  const ids = Array.from({ length: n }, (_, i) => `rec-${i}`);
  const payloads = ids.map((_, i) => ({ ...recordPayload(i, true), indexed: i % 2 === 0 }));
  const vectors = gaussianVectors(rng, n, d);
  const memories = {
    before: await SemanticRoutingMemory.open(memoryOptions(d, K, join(dir, 'placeholder'))),
    after: await SemanticRoutingMemory.open(memoryOptions(d, K, join(dir, 'bare'))),
  };
  for (const [side, memory] of Object.entries(memories)) {
    for (let i = 0; i < n; i += ADD_BATCH) {
      const rows = vectors.slice(i, i + ADD_BATCH).map((v, j) => ((i + j) % 2 === 0 ? v : side === 'before' ? placeholderVector(d) : null));
      await memory.add(rows, { ids: ids.slice(i, i + ADD_BATCH), payloads: payloads.slice(i, i + ADD_BATCH) });
    }
    log(`unindexed (${side}): ${memory.size} items, ${memory.stats().withoutVector} without a vector`);
  }
  const queries = gaussianVectors(rng, QUERIES_PER_SAMPLE * repeats, d);
  for (let r = 0; r < repeats; r++) {
    for (const side of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      const t = await timed(async () => {
        let hits = 0;
        for (let q = r * QUERIES_PER_SAMPLE; q < (r + 1) * QUERIES_PER_SAMPLE; q++) {
          const found = await memories[side].query(queries[q]!, { k: 10, filter: { indexed: true } });
          if (found.length !== 10 || found.some((h) => h.payload.indexed !== true))
            throw new Error(`search past unindexed items (${side}): a query returned an unindexed record or fewer than 10`);
          hits += found.length;
        }
        return hits;
      });
      samples[side].push(t.ms / QUERIES_PER_SAMPLE);
    }
  }
  const hot = { before: memories.before.stats().hotBytes.total, after: memories.after.stats().hotBytes.total };
  await memories.before.close();
  await memories.after.close();
  return hot;
}

/** Adds the items in batches; the memory fits itself at its `autoFitAt`, during the first batch. */
async function fill(memory: SemanticRoutingMemory, ids: string[], payloads: Payload[], rng: Rng, d: number): Promise<void> {
  for (let i = 0; i < ids.length; i += ADD_BATCH) {
    const n = Math.min(ADD_BATCH, ids.length - i);
    await memory.add(gaussianVectors(rng, n, d), { ids: ids.slice(i, i + n), payloads: payloads.slice(i, i + n) });
  }
}

/** Default options but K, and no background refit (none may run while the operations are timed). */
function memoryOptions(d: number, K: number, path: string) {
  return { d, K, path, growthRefitRatio: 0, driftRefitRatio: 0 };
}

/** The old adapter algorithm: every item with its vector, matched in JS. */
async function scanIds(memory: SemanticRoutingMemory, match: (p: Payload) => boolean): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of memory.items(PAGE)) for (const it of page) if (match(it.payload)) ids.push(it.id);
  return ids;
}

/** The new adapter path: the items the store selects with `filter`, without vectors, matched in JS. */
async function filteredIds(memory: SemanticRoutingMemory, filter: FilterInput, match: (p: Payload) => boolean): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of memory.items({ filter, withVectors: false, pageSize: PAGE })) for (const it of page) if (match(it.payload)) ids.push(it.id);
  return ids;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

interface Samples {
  before: number[];
  after: number[];
}

function sameSet(a: readonly string[], b: readonly string[], what: string): void {
  const x = [...a].sort();
  const y = [...b].sort();
  if (x.length !== y.length || x.some((v, i) => v !== y[i])) throw new Error(`${what}: before and after selected different items (${x.length} vs ${y.length})`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000' },
      d: { type: 'string', default: '64' },
      repeats: { type: 'string', default: '9' },
      K: { type: 'string', default: '64' },
      seed: { type: 'string', default: '20261207' },
      out: { type: 'string', default: defaultOutDir() },
    },
  });
  const n = Number(values.items);
  const d = Number(values.d);
  const repeats = Number(values.repeats);
  const seed = Number(values.seed);
  const K = Number(values.K);
  const log = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
  const rng = new Rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'srm-adapter-ops-'));
  const samples: Record<string, Samples> = {
    'delete by ref doc': { before: [], after: [] },
    'replaceDocuments add': { before: [], after: [] },
    listNamespaces: { before: [], after: [] },
    'search past unindexed items': { before: [], after: [] },
  };
  let hot: { before: number; after: number } | undefined;
  try {
    // LlamaIndex nodes: n / 10 documents of 10 nodes.
    const nodes = await SemanticRoutingMemory.open(memoryOptions(d, K, join(dir, 'nodes')));
    const docs = Math.floor(n / NODES_PER_DOC);
    const nodeIds = Array.from({ length: docs * NODES_PER_DOC }, (_, i) => `doc-${Math.floor(i / NODES_PER_DOC)}#${i % NODES_PER_DOC}`);
    await fill(
      nodes,
      nodeIds,
      nodeIds.map((_, i) => nodePayload(Math.floor(i / NODES_PER_DOC), i % NODES_PER_DOC, 0)),
      rng,
      d,
    );
    log(`nodes: ${nodes.size} items`);
    const picks = rng.sample(docs, 3 * repeats);
    for (let r = 0; r < repeats; r++) {
      // delete by ref doc: each side deletes its own document.
      const [a, b] = [`doc-${picks[2 * r]}`, `doc-${picks[2 * r + 1]}`];
      const deleteBefore = async () => {
        const ids = await scanIds(nodes, (p) => p.ref_doc_id === a);
        await nodes.delete(ids, { ignoreMissing: true });
        return ids.length;
      };
      const deleteAfter = () => nodes.deleteWhere({ ref_doc_id: b });
      const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        const t = await timed(side === 'before' ? deleteBefore : deleteAfter);
        if (t.value !== NODES_PER_DOC) throw new Error(`delete by ref doc (${side}) deleted ${t.value} nodes, expected ${NODES_PER_DOC}`);
        samples['delete by ref doc']![side as 'before']!.push(t.ms);
      }
      // replaceDocuments add: a new version of one document, both sides in turn.
      const doc = picks[2 * repeats + r]!;
      for (const [i, side] of order.entries()) {
        const version = 2 * r + i + 1;
        const ids = Array.from({ length: NODES_PER_DOC }, (_, c) => `doc-${doc}#v${version}#${c}`);
        const payloads = ids.map((_, c) => nodePayload(doc, c, version));
        const ref = `doc-${doc}`;
        const t = await timed(async () => {
          await nodes.add(gaussianVectors(rng, NODES_PER_DOC, d), { ids, payloads });
          const stale = (p: Payload) => p.ref_doc_id === ref && !(p._node_content as string).includes(`"s-${doc}-${version}"`);
          const doomed = side === 'before' ? await scanIds(nodes, stale) : await filteredIds(nodes, { field: 'ref_doc_id', op: 'in', value: [ref] }, stale);
          await nodes.delete(doomed, { ignoreMissing: true });
          return doomed.length;
        });
        if (t.value !== NODES_PER_DOC) throw new Error(`replaceDocuments add (${side}) replaced ${t.value} nodes, expected ${NODES_PER_DOC}`);
        samples['replaceDocuments add']![side as 'before']!.push(t.ms);
      }
      log(`nodes repetition ${r + 1} of ${repeats}`);
    }
    await nodes.close();

    // LangGraph records: n records, a main record per item and a second record for every other item.
    const records = await SemanticRoutingMemory.open(memoryOptions(d, K, join(dir, 'records')));
    const recIds: string[] = [];
    const recPayloads: Payload[] = [];
    for (let item = 0; recIds.length < n; item++) {
      recIds.push(`main-${item}`);
      recPayloads.push(recordPayload(item, true));
      if (item % 2 === 1 && recIds.length < n) {
        recIds.push(`extra-${item}`);
        recPayloads.push(recordPayload(item, false));
      }
    }
    await fill(records, recIds, recPayloads, rng, d);
    log(`records: ${records.size} items`);
    for (let r = 0; r < repeats; r++) {
      const namespaces: Record<string, string[]> = {};
      for (const side of r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
        const t = await timed(async () => {
          const found = new Set<string>();
          if (side === 'before') {
            for await (const page of records.items(PAGE)) for (const it of page) if (it.payload.main === true) found.add(it.payload.ns as string);
          } else {
            for await (const page of records.items({ filter: { main: true }, withVectors: false, pageSize: PAGE }))
              for (const it of page) found.add(it.payload.ns as string);
          }
          return [...found];
        });
        namespaces[side] = t.value;
        samples.listNamespaces![side as 'before']!.push(t.ms);
      }
      sameSet(namespaces.before!, namespaces.after!, 'listNamespaces');
      log(`listNamespaces repetition ${r + 1} of ${repeats}`);
    }
    await records.close();

    hot = await searchPastUnindexed(dir, n, d, K, repeats, rng, samples['search past unindexed items']!, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const rows = Object.entries(samples).map(([operation, s]) => ({
    operation,
    beforeMedianMs: median(s.before),
    beforeP95Ms: percentile(s.before, 95),
    afterMedianMs: median(s.after),
    afterP95Ms: percentile(s.after, 95),
    speedup: median(s.before) / median(s.after),
    before: s.before,
    after: s.after,
  }));
  const table = markdownTable(
    ['operation', 'before median ms', 'before p95 ms', 'after median ms', 'after p95 ms', 'before / after (medians)'],
    rows.map((r) => [r.operation, fixed(r.beforeMedianMs, 1), fixed(r.beforeP95Ms, 1), fixed(r.afterMedianMs, 1), fixed(r.afterP95Ms, 1), fixed(r.speedup, 1)]),
  );
  console.log(table);
  const params = { items: n, d, K, repeats, seed, nodesPerDocument: NODES_PER_DOC, queriesPerSample: QUERIES_PER_SAMPLE };
  const run = { ...runInfo('full', process.argv.slice(2)), command: `${COMMAND} ${process.argv.slice(2).join(' ')}`.trim() };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'adapter-ops.json'), `${JSON.stringify({ suite: 'adapter-ops', run, params, rows, unindexedHotBytes: hot }, null, 2)}\n`);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Adapter operations at ${n.toLocaleString('en-US')} items: old scan vs core push-down (median ms, log scale)`,
    config: baseConfig,
    width: 420,
    height: 160,
    data: {
      values: rows.flatMap((r) => [
        { operation: r.operation, path: 'before (scan)', ms: r.beforeMedianMs },
        { operation: r.operation, path: 'after (push-down)', ms: r.afterMedianMs },
      ]),
    },
    mark: 'bar',
    encoding: {
      y: { field: 'operation', type: 'nominal', title: null },
      yOffset: { field: 'path' },
      x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'median ms' },
      color: { field: 'path', type: 'nominal', title: null },
    },
  } as TopLevelSpec;
  await writeSvg(join(values.out, 'adapter-ops.svg'), spec);
  writeFileSync(
    join(values.out, 'adapter-ops.md'),
    `<!-- generated by \`${COMMAND}\`; do not edit -->\n\n# Adapter operations: old scans against core push-down\n\nCommand: \`${run.command}\`  \n` +
      `${n.toLocaleString('en-US')} items per memory (embedded directory, d = ${d}, default options but K = ${K}, auto-fitted during the first batch of adds, background refits off so that none runs while the operations are timed), ${repeats} repetitions of each operation, before and after alternating within each repetition, seed ${seed}. ` +
      `The machine was shared with other work while this ran (load average ${run.loadAverageAtStart.map((x) => x.toFixed(1)).join(' / ')} at the start): read the ratios within the run, not the absolute times. ` +
      `p95 of ${repeats} samples is close to their maximum.\n\n${table}\n\n![adapter operations](adapter-ops.svg)\n\n` +
      `- **delete by ref doc**: before, every item read with its vector and matched in JS, then \`delete(ids)\`; after, \`deleteWhere({ ref_doc_id })\`, the filter run as SQL on the payload column.\n` +
      `- **replaceDocuments add**: \`add\` of ${NODES_PER_DOC} nodes of a new version of a document, then its superseded nodes found by the same full scan (before) or by \`items({ filter: ref_doc_id in [...], withVectors: false })\` (after), and deleted.\n` +
      `- **listNamespaces**: the first call of LangGraph's \`SRMStore.listNamespaces\`, which reads every main record once: before, every record with its vector; after, \`items({ filter: { main: true }, withVectors: false })\`.\n` +
      `- **search past unindexed items**: one LangGraph \`SRMStore.search\` query (k = 10, filter \`indexed: true\`, time per query, ${QUERIES_PER_SAMPLE} queries per sample) on ${n.toLocaleString('en-US')} records of which every other one was put with \`index: false\`: before, those records hold the placeholder vector the store used to give them, all in one bucket that a query may probe and must filter out; after, they are stored without a vector, in no bucket. Hot bytes: ${hot!.before.toLocaleString('en-US')} before, ${hot!.after.toLocaleString('en-US')} after.\n`,
  );
}

await main();
