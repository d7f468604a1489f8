// Child process of the checkpoint tests. Usage (run with `node --import tsx`):
//   add-then-hang.mjs <dir>
// Opens the memory in <dir> (d = 100), adds 200 GloVe rows with ids "late-0".."late-199", prints
// "added" once the add is acknowledged, then "ready", and hangs until it is killed: it never
// closes the memory, so it never writes a checkpoint.
import { writeSync } from 'node:fs';
import { SemanticRoutingMemory } from '../memory.ts';
import { gloveSample } from '../glove.test-helper.ts';

const [dir] = process.argv.slice(2);
const { d, data } = await gloveSample(200, 1, 20_000);
const memory = await SemanticRoutingMemory.open({ path: dir, d });
await memory.add(data, { ids: Array.from({ length: 200 }, (_, i) => `late-${i}`) });
writeSync(1, 'added\nready\n');
setInterval(() => undefined, 1000);
