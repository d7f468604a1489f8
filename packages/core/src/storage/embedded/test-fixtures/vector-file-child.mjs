// Child process of the vector-file test. Usage (run with `node --import tsx`):
//   vector-file-child.mjs <dir> [checkpoint]
// Writes the records of store "vf" (3-d, slots 0..9 with vector [slot, 1, -1]), with `checkpoint`
// then writes a routing checkpoint, and prints `ready` without closing the storage, then waits to
// be killed: an unclean exit after acknowledged writes.
import { writeSync } from 'node:fs';
import { EmbeddedStorage } from '../embedded-storage.ts';

const [dir] = process.argv.slice(2);
const storage = await EmbeddedStorage.open(dir);
const store = await storage.openSrmStore({ name: 'vf', dim: 3, metric: 'cosine' });
const upserts = Array.from({ length: 10 }, (_, slot) => ({ id: `k${slot}`, slot, bucket: 0, vector: new Float32Array([slot, 1, -1]), payload: {} }));
await store.write({ upserts });
if (process.argv[3] === 'checkpoint') await store.checkpoints.write(new Uint8Array([1]), 0, []);
writeSync(1, 'ready\n');
setInterval(() => {}, 1000);
