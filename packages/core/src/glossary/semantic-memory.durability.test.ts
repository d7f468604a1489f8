/**
 * Durability of SemanticMemory on the embedded backend: a child process streams
 * memorize / forget operations and prints each acknowledged one; the test kills it
 * with SIGKILL at seeded moments, reopens the directory and checks that every
 * acknowledged operation is there (the one in flight may or may not be), that
 * nothing is half-present, and that recall answers the same as a glossary built
 * from scratch with the same entries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import { SemanticMemory } from './semantic-memory.js';
import { AGENT, keysAfter, operationOf } from '../../test/fixtures/glossary/glossary-model.mjs';

const WRITER = fileURLToPath(new URL('../../test/fixtures/glossary/glossary-writer.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const KILL_DELAYS_MS = [300, 700, 450];

/** Runs the writer from operation `first` and kills it `killAfterMs` after it is ready; returns the acknowledged operation numbers. */
async function writeUntilKilled(dir: string, first: number, killAfterMs: number): Promise<number[]> {
  return (await runUntilKilled(WRITER, [dir, String(first)], PACKAGE_DIR, killAfterMs)).map(Number);
}

describe('SemanticMemory durability (embedded backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srm-glossary-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged memorize and forget across SIGKILLs, and answers the same after reopening', async () => {
    let next = 0;
    for (const delay of KILL_DELAYS_MS) {
      const acked = await writeUntilKilled(dir, next, delay);
      expect(acked.length).toBeGreaterThan(0);
      const last = acked[acked.length - 1]!;
      const memory = await SemanticMemory.open({ path: dir });
      const keys = new Set((await memory.listAll(AGENT)).map((e) => e.key.toLowerCase()));
      // Exactly the acknowledged prefix, or it plus the operation in flight at the kill (whose forget
      // and memorize are two writes, so the forget alone may have landed).
      const acknowledged = keysAfter(last);
      const inFlight = operationOf(last + 1);
      const forgetOnly = new Set(acknowledged);
      if (inFlight.forget !== undefined) forgetOnly.delete(inFlight.forget);
      const valid = [acknowledged, forgetOnly, keysAfter(last + 1)];
      const sameSet = (want: Set<string>) => want.size === keys.size && [...want].every((k) => keys.has(k));
      expect(valid.some(sameSet), `after op ${last}: ${[...keys].sort().join(',')}`).toBe(true);
      const done = keys.has(`term-${last + 1}`) ? last + 1 : last;
      for (const key of keys) {
        const entry = await memory.get(key, AGENT);
        expect(entry).toMatchObject({ value: operationOf(Number(key.slice(5))).memorize.value }); // whole, never half
      }
      expect(await memory.entryCount(AGENT)).toBe(keys.size);

      // A glossary built from scratch with the same entries answers the same.
      const fresh = await SemanticMemory.open();
      await fresh.memorizeMany([...keys].map((k) => operationOf(Number(k.slice(5))).memorize));
      for (const query of ['kernel packet', 'socket daemon definition', `t${done}`, 'buffer']) {
        const got = (await memory.recall(query, { agentId: AGENT, topK: 5 })).map(({ id, key, score }) => ({ id, key, score }));
        const want = (await fresh.recall(query, { agentId: AGENT, topK: 5 })).map(({ id, key, score }) => ({ id, key, score }));
        expect(got).toEqual(want);
      }
      await fresh.close();
      await memory.close();
      next = done + 1;
    }
  });
});
