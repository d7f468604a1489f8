/**
 * The README's quick start, runnable: both memories in one directory, offline.
 * Run: `npx tsx src/quickstart.ts` from examples/ (after `npm run build`).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedStorage, SemanticMemory, SemanticRoutingMemory } from '@srm/core';
import { GloveEmbedder } from '@srm/core/datasets';

const dir = join(process.cwd(), '.data', 'quickstart');
rmSync(dir, { recursive: true, force: true });

// One directory, one embedded store, both memories.
const storage = await EmbeddedStorage.open(dir);
const embedder = await GloveEmbedder.load(); // offline GloVe sentence embeddings, d=100

// Dense memory: small in RAM, exact rerank of the probed buckets.
const memory = await SemanticRoutingMemory.open({ storage, d: embedder.dim });
await memory.add(
  ['The deploy failed because the database migration timed out.', 'Alice prefers short answers with code examples.'].map((t) => embedder.embed(t)),
  { ids: ['incident-42', 'pref-alice'], payloads: [{ kind: 'incident' }, { kind: 'preference' }] },
);
const hits = await memory.query(embedder.embed('why did the release break?'), { k: 1 });
console.log(hits[0]?.id, hits[0]?.score.toFixed(3)); // incident-42

// Glossary: BM25 only, one agent's jargon, exact terms.
const glossary = await SemanticMemory.open({ storage });
await glossary.memorize({ key: 'JWT', value: 'JSON Web Token', agentId: 'support-bot', aliases: ['json web token'] });
const terms = await glossary.recall('how long is a JWT valid?', { agentId: 'support-bot' });
console.log(terms[0]?.key, terms[0]?.value); // JWT JSON Web Token

await glossary.close();
await memory.close();
await storage.close();
