/**
 * docs/llamaindex.md, "SRMVectorStore": a LlamaIndex index whose vectors live in
 * an SRM memory on disk, then reopened from the store alone. Offline: GloVe
 * embeddings and the Jargon File (Debian dict-jargon). Run from examples/:
 * `npx tsx src/snippets/llamaindex-vector-store.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import { Document, ModalityType, Settings, storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import { GloveEmbedding, SRMVectorStore } from '@srm/llamaindex';

// The docs use relative paths: work in a fresh folder under examples/.data (gitignored),
// from where node_modules (and the GloVe vectors in it) still resolve.
const data = fileURLToPath(new URL('../../.data', import.meta.url));
mkdirSync(data, { recursive: true });
const scratch = mkdtempSync(join(data, 'llamaindex-vector-store-'));
process.chdir(scratch);

// The first 500 entries of the Jargon File, one document each.
const documents = readDictd(join(DICTD_DIR, 'jargon'))
  .slice(0, 500)
  .map((entry, i) => new Document({ id_: `jargon-${i}`, text: `${entry.headwords[0]}: ${entry.body}`, metadata: { headword: entry.headwords[0] ?? '' } }));

Settings.embedModel = await GloveEmbedding.load();
const vectorStore = await SRMVectorStore.open({ path: './memory' });
const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: vectorStore } });
const index = await VectorStoreIndex.fromDocuments(documents, { storageContext });

const question = 'a notional black hole into which lost data goes';
const show = async (label: string, idx: VectorStoreIndex) => {
  const hits = await idx.asRetriever({ similarityTopK: 3 }).retrieve(question);
  console.log(`${label}: ${hits.map((h) => h.node.metadata.headword).join(', ')}`);
};
await show(`indexed ${documents.length} documents as ${vectorStore.memory.size} nodes`, index);
await vectorStore.close();

// storesText: the node text lives in the store, so a reopened store alone rebuilds the index.
const reopened = await SRMVectorStore.open({ path: './memory' });
await show(`reopened with ${reopened.memory.size} nodes`, await VectorStoreIndex.fromVectorStore(reopened));
await reopened.close();
rmSync(scratch, { recursive: true, force: true });
