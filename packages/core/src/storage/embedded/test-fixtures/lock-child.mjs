// Child process for the directory-lock tests. Usage (run with `node --import tsx`):
//   lock-child.mjs hold <dir>   open <dir>, print "ready", then obey stdin lines:
//                               "close" -> close the storage and exit 0; "exit" -> process.exit(0) without closing
//   lock-child.mjs try <dir>    try to open <dir>, print one JSON line {ok} or {name, code, message}, exit
import { createInterface } from 'node:readline';
import { writeSync } from 'node:fs';
import { EmbeddedStorage } from '../embedded-storage.ts';

const [mode, dir] = process.argv.slice(2);
const say = (line) => writeSync(1, `${line}\n`);

if (mode === 'try') {
  try {
    const storage = await EmbeddedStorage.open(dir);
    await storage.close();
    say(JSON.stringify({ ok: true }));
  } catch (err) {
    say(JSON.stringify({ ok: false, name: err.name, code: err.code, message: err.message }));
  }
} else if (mode === 'hold') {
  const storage = await EmbeddedStorage.open(dir);
  const store = await storage.openSrmStore({ name: 'held', dim: 2, metric: 'dot' });
  await store.write({ upserts: [{ id: 'from-child', slot: 0, bucket: -1, vector: new Float32Array([1, 2]), payload: { pid: process.pid } }] });
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'close') {
      await storage.close();
      process.exit(0);
    }
    if (line === 'exit') process.exit(0);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
