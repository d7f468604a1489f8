/**
 * docs/backends.md, "Connecting": both memories on a Qdrant server, at
 * QDRANT_URL (default http://localhost:6333), under the collection prefix
 * "myapp". Offline data: GloVe embeddings and the Jargon File (Debian
 * dict-jargon). Run from examples/, with a server:
 * `QDRANT_URL=http://localhost:6333 npx tsx src/snippets/backends-qdrant.ts`.
 * The test runs it against the in-process emulator of the core tests too.
 */
import { join } from 'node:path';
import { DICTD_DIR, GloveEmbedder, readDictd } from '@srm/core/datasets';
import { QdrantStorage, SemanticMemory, SemanticRoutingMemory } from '@srm/core';

const storage = await QdrantStorage.connect({
  url: process.env.QDRANT_URL ?? 'http://localhost:6333',
  apiKey: process.env.QDRANT_API_KEY, // optional
  collectionPrefix: 'myapp', // default "srm"
});

const docs = await SemanticRoutingMemory.open({ d: 100, storage, name: 'docs' }); // d: the embedder's dimension (GloVe: 100)
const glossary = await SemanticMemory.open({ storage, name: 'glossary' });

const embedder = await GloveEmbedder.load();
const jargon = readDictd(join(DICTD_DIR, 'jargon')).slice(0, 200);
await docs.add(
  jargon.map((e) => embedder.embed(`${e.headwords[0]}: ${e.body}`)),
  {
    ids: jargon.map((e) => e.headwords[0]!),
    payloads: jargon.map((e) => ({ chars: e.body.length })),
  },
);
const hits = await docs.query(embedder.embed('a notional black hole into which lost data goes'), { k: 3 });
console.log(`docs: ${docs.size} items; nearest: ${hits.map((h) => `${h.id} (${h.score.toFixed(3)})`).join(', ')}`);
await glossary.memorize({ key: 'JWT', value: 'JSON Web Token', category: 'acronym', agentId: 'support-bot' });
const [term] = await glossary.recall('When does the JWT expire?', { agentId: 'support-bot' });
console.log(`glossary: ${term?.key} = ${term?.value}`);

await docs.close();
await glossary.close();
await storage.close(); // you opened it, you close it
