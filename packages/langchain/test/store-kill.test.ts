/**
 * One transaction per SRMStore put, under SIGKILL: a child process streams puts that change
 * how many records an item has (most drop records), and is killed at seeded moments; after
 * each kill the store is reopened and every item must be whole, as one put left it: its main
 * record names as many embedded records as exist, all of the same put, with no record left
 * over from an earlier put; every acknowledged put is there (or a later one of its key).
 * The suite runs a few rounds; scripts/reliability-long-run.mjs runs many more (SRM_KILL_ROUNDS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import { Rng } from '@srm/core/datasets';
import type { StoreRecordPayload } from '../src/store/records.js';
import { mainRecordIdOf } from '../src/store/records.js';
import { PUT_KEYS, openKillStore, textCount } from './fixtures/put-cases.js';

const WRITER = fileURLToPath(new URL('./fixtures/put-writer.ts', import.meta.url));
const CHILD_TSCONFIG = fileURLToPath(new URL('./fixtures/tsconfig.child.json', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = (() => {
  const raw = process.env.SRM_KILL_ROUNDS ?? '5';
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`SRM_KILL_ROUNDS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
})();
const SEED = 2323;

/** Every item's stored sequence number, after checking that each item is whole. */
async function readWholeItems(dir: string): Promise<Map<string, number>> {
  const store = openKillStore(dir);
  try {
    const memory = await store.memory();
    const records = new Map<string, StoreRecordPayload>();
    for await (const page of memory.items(1024)) for (const it of page) records.set(it.id, it.payload as StoreRecordPayload);
    const seqs = new Map<string, number>();
    let expectedRecords = 0;
    for (const key of PUT_KEYS) {
      const main = records.get(mainRecordIdOf(JSON.stringify(['kill']), key));
      if (!main) continue;
      const seq = (main.value as { seq: number }).seq;
      expect(main.vectors, `item ${key}`).toBe(textCount(seq));
      for (let j = 1; j < main.vectors; j++) {
        const extra = records.get(`${mainRecordIdOf(main.ns, key)}#${j}`);
        expect((extra?.value as { seq: number } | undefined)?.seq, `record ${j} of item ${key}`).toBe(seq);
      }
      expectedRecords += main.vectors;
      seqs.set(key, seq);
    }
    // No record outlives its put: every record belongs to a whole item above.
    expect(records.size).toBe(expectedRecords);
    expect((await memory.verify()).ok).toBe(true);
    return seqs;
  } finally {
    await store.close();
  }
}

describe('SRMStore puts under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srm-store-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    `leaves every item whole and keeps every acknowledged put, over ${ROUNDS} kills`,
    async () => {
      process.env.TSX_TSCONFIG_PATH = CHILD_TSCONFIG;
      const rng = new Rng(SEED);
      let next = 0;
      const acked = new Map<string, number>();
      let totalAcked = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const killAfterMs = 50 + Math.floor(rng.next() * 400);
        const lines = await runUntilKilled(WRITER, [dir, String(next)], PACKAGE_DIR, killAfterMs);
        const seqs = lines.map(Number);
        for (const seq of seqs) acked.set(PUT_KEYS[seq % PUT_KEYS.length]!, seq);
        totalAcked += seqs.length;
        // The put in flight may have committed before the kill.
        const inFlight = (seqs.at(-1) ?? next - 1) + 1;
        const stored = await readWholeItems(dir);
        for (const [key, seq] of acked) {
          const inFlightKey = PUT_KEYS[inFlight % PUT_KEYS.length];
          expect([seq, ...(key === inFlightKey ? [inFlight] : [])], `item ${key} after round ${round}`).toContain(stored.get(key));
          if (key === inFlightKey && stored.get(key) === inFlight) acked.set(key, inFlight);
        }
        next = inFlight + 1;
      }
      // The kills landed while puts were running, not before the first.
      expect(totalAcked).toBeGreaterThan(ROUNDS);
      console.info(`store kill test: ${ROUNDS} kills, ${totalAcked} acknowledged puts, ${acked.size} items checked whole after each`);
    },
    60_000 * ROUNDS,
  ); // each round starts a child under tsx, which takes seconds on a loaded machine
});
