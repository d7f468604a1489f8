// Child process of the crash-safety test. Usage (run with `node --import tsx`):
//   crash-writer.mjs <dir> <firstBatch>
// Streams write batches firstBatch, firstBatch+1, ... to the SRM store "crash" in <dir> and prints
// each batch number to stdout once its write() has resolved (acknowledged), until it is killed.
// The content of batch b is defined by crash-model.mjs, which the test uses to predict the store.
import { writeSync } from 'node:fs';
import { EmbeddedStorage } from '../embedded-storage.ts';
import { CRASH_SPEC, batchOf } from './crash-model.mjs';

const [dir, first] = process.argv.slice(2);
const storage = await EmbeddedStorage.open(dir);
const store = await storage.openSrmStore(CRASH_SPEC);
writeSync(1, 'ready\n');
for (let b = Number(first); ; b++) {
  await store.write(batchOf(b));
  writeSync(1, `${b}\n`);
}
