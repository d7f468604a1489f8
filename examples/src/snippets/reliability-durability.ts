/**
 * docs/reliability.md, "Durability": both memories in one directory opened with
 * `durability: 'power'` (one fsync per commit), written, closed and reopened
 * with the default setting. Offline: GloVe embeddings and the Jargon File
 * (Debian dict-jargon). Run from examples/: `npx tsx src/snippets/reliability-durability.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedStorage, SemanticMemory, SemanticRoutingMemory } from '@srm/core';
import { DICTD_DIR, GloveEmbedder, readDictd } from '@srm/core/datasets';

// The docs use relative paths: work in a fresh folder under examples/.data (gitignored),
// from where node_modules (and the GloVe vectors in it) still resolve.
const data = fileURLToPath(new URL('../../.data', import.meta.url));
mkdirSync(data, { recursive: true });
const scratch = mkdtempSync(join(data, 'reliability-durability-'));
process.chdir(scratch);
const embedder = await GloveEmbedder.load();
const jargon = readDictd(join(DICTD_DIR, 'jargon')).slice(0, 200);

const storage = await EmbeddedStorage.open('./agent-memory', { durability: 'power' });
const dense = await SemanticRoutingMemory.open({ d: 100, storage }); // d: the embedder's dimension (GloVe: 100)
const glossary = await SemanticMemory.open({ storage });

// Each call resolves once its transaction is committed and fsynced.
await dense.add(
  jargon.map((e) => embedder.embed(`${e.headwords[0]}: ${e.body}`)),
  {
    ids: jargon.map((e) => e.headwords[0]!),
    payloads: jargon.map((e) => ({ chars: e.body.length })),
  },
);
await glossary.memorize({ key: 'ACK', value: 'acknowledgement', agentId: 'support-bot' });
console.log(`wrote ${dense.size} items and ${await glossary.entryCount('support-bot')} glossary entry with durability "power"`);
await dense.close();
await glossary.close();
await storage.close();

// The durability setting is per open, not stored: a default open reads the same data.
const again = await EmbeddedStorage.open('./agent-memory');
const reopened = await SemanticRoutingMemory.open({ d: 100, storage: again });
const [hit] = await reopened.query(embedder.embed('a notional black hole into which lost data goes'), { k: 1 });
console.log(`reopened: ${reopened.size} items, nearest "${hit?.id}"; verify: ${JSON.stringify(await reopened.verify())}`);
await reopened.close();
await again.close();
rmSync(scratch, { recursive: true, force: true });
