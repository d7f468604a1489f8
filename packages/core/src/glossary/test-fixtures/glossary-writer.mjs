// Child process of the glossary durability test. Usage (run with `node --import tsx`):
//   glossary-writer.mjs <dir> <first>
// Streams operations first, first+1, ... to a SemanticMemory at <dir> and prints each operation
// number to stdout once it resolved (acknowledged), until it is killed. Operation n memorizes
// key `term-n` (and, every 5th, forgets `term-(n-3)`); see glossary-model.mjs.
import { writeSync } from 'node:fs';
import { SemanticMemory } from '../semantic-memory.ts';
import { AGENT, operationOf } from './glossary-model.mjs';

const [dir, first] = process.argv.slice(2);
const memory = await SemanticMemory.open({ path: dir });
writeSync(1, 'ready\n');
for (let n = Number(first); ; n++) {
  const op = operationOf(n);
  if (op.forget !== undefined) await memory.forget(op.forget, AGENT);
  await memory.memorize(op.memorize);
  writeSync(1, `${n}\n`);
}
