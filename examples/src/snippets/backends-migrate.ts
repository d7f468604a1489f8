/**
 * docs/backends.md, "Migrating": the dense memory of an embedded directory (a
 * fitted memory of the Jargon File, GloVe embeddings) copied to a
 * Qdrant server at QDRANT_URL (default http://localhost:6333), prefix
 * "myapp", then opened there without re-embedding. Run from examples/, with
 * a server: `QDRANT_URL=http://localhost:6333 npx tsx src/snippets/backends-migrate.ts`.
 * The test runs it against the in-process emulator of the core tests too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SemanticMemory, SemanticRoutingMemory } from '@srm/core';
import { DICTD_DIR, GloveEmbedder, readDictd } from '@srm/core/datasets';
import { EmbeddedStorage, QdrantStorage } from '@srm/core';
import { migrateStorage } from '@srm/core/storage';

// The docs use relative paths: work in a fresh folder under examples/.data (gitignored),
// from where node_modules (and the GloVe vectors in it) still resolve.
const data = fileURLToPath(new URL('../../.data', import.meta.url));
mkdirSync(data, { recursive: true });
const scratch = mkdtempSync(join(data, 'backends-migrate-'));
process.chdir(scratch);

// The memory to move: 400 Jargon entries in a fitted SRM store "docs" (a codebook of K=8 buckets, fitted at 400 items).
const embedder = await GloveEmbedder.load();
const jargon = readDictd(join(DICTD_DIR, 'jargon')).slice(0, 400);
const local = await EmbeddedStorage.open('./agent-memory');
const before = await SemanticRoutingMemory.open({ d: 100, K: 8, autoFitAt: 400, storage: local, name: 'docs' });
await before.add(
  jargon.map((e) => embedder.embed(`${e.headwords[0]}: ${e.body}`)),
  { ids: jargon.map((e) => e.headwords[0]!) },
);
console.log(`embedded: ${before.size} items, fitted: ${before.stats().fitted}`);
const terms = await SemanticMemory.open({ storage: local });
await terms.memorize({ key: 'JWT', value: 'JSON Web Token', agentId: 'support-bot', aliases: ['json web token'] });
await terms.close();
await before.close();
await local.close();

const from = await EmbeddedStorage.open('./agent-memory');
const to = await QdrantStorage.connect({ url: process.env.QDRANT_URL ?? 'http://localhost:6333', collectionPrefix: 'myapp' });
const report = await migrateStorage({
  from,
  to,
  srm: ['docs'], // store names; the spec (dimension, metric) is read from the source
  glossary: ['glossary'], // every entry of every agent
  onProgress: (e) => console.log(e.phase, `${e.done}/${e.total}`),
});
console.log(report); // { srm: [{ name: 'docs', items, stateBytes }], glossary: [{ name: 'glossary', entries, agents }] }
await from.close();
await to.close();

// Open it on Qdrant: the routing layer comes from the stored codebook; nothing is re-embedded.
const storage = await QdrantStorage.connect({ url: process.env.QDRANT_URL ?? 'http://localhost:6333', collectionPrefix: 'myapp' });
const docs = await SemanticRoutingMemory.open({ d: 100, storage, name: 'docs' });
const [hit] = await docs.query(embedder.embed('a notional black hole into which lost data goes'), { k: 1 });
console.log(`on qdrant: ${docs.size} items, fitted: ${docs.stats().fitted}, nearest "${hit?.id}"`);
const glossary = await SemanticMemory.open({ storage });
const [term] = await glossary.recall('is the jwt expired?', { agentId: 'support-bot' });
console.log(`on qdrant: recall finds ${term?.key} = ${term?.value}`);
await glossary.close();
await docs.close();
await storage.close();
rmSync(scratch, { recursive: true, force: true });
