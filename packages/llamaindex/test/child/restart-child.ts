/**
 * One side of a restart, in its own process: `index <dir> <how>` indexes the
 * dictionary documents through `VectorStoreIndex.fromDocuments` into a store
 * built the way `how` names; `answer <dir> <how>` reopens it that way and
 * answers through `VectorStoreIndex.fromVectorStore`. Both print one JSON line:
 * the node count and the answers. The embedding model sets no dimension.
 */
import { ModalityType, Settings, storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import { EmbeddedStorage, SemanticRoutingMemory } from '@srm/core';
import { dictionaryDocuments, WordHashEmbedding } from '../fixtures.js';
import { SRMVectorStore } from '../../src/index.js';
import { answersOf, type Construction } from './restart-shared.js';

const [mode, dir, how] = process.argv.slice(2) as ['index' | 'answer', string, Construction];
Settings.embedModel = new WordHashEmbedding();
const storage = how.endsWith('storage') ? await EmbeddedStorage.open(dir) : undefined;
const where = storage ? { storage, name: 'dictionary' } : { path: dir };
// The app's own memory needs d to be created; reopened, it reads d from the store.
const memory =
  how === 'memory' ? await SemanticRoutingMemory.open(mode === 'index' ? { path: dir, d: WordHashEmbedding.dimensions } : { path: dir }) : undefined;
const store = memory ? new SRMVectorStore({ memory }) : how.startsWith('open') ? await SRMVectorStore.open(where) : new SRMVectorStore(where);
let index: VectorStoreIndex;
if (mode === 'index') {
  const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: store } });
  index = await VectorStoreIndex.fromDocuments(dictionaryDocuments(), { storageContext });
} else {
  index = await VectorStoreIndex.fromVectorStore(store);
}
const answers = await answersOf(index);
console.log(JSON.stringify({ count: store.memory.size, d: store.memory.config.d, answers }));
await store.close();
await memory?.close();
await storage?.close();
