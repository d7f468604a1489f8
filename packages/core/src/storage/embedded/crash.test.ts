/**
 * Crash safety at store level: a child process streams write batches to an
 * EmbeddedItemStore and prints each acknowledged batch number; the test kills it
 * with SIGKILL at seeded random moments, reopens, and checks that the store holds
 * exactly the acknowledged batches (plus, at most, the one batch in flight whose
 * commit raced the kill), never part of a batch, and that the rerank's vector reads agree
 * with it. Each round continues the stream
 * on the same directory, so recovery is followed by more writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import { Rng } from '../../util/rng.js';
import type { SRMRecord } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import { CRASH_SPEC, modelAfter } from '../../../test/fixtures/embedded/crash-model.mjs';

const WRITER = fileURLToPath(new URL('../../../test/fixtures/embedded/crash-writer.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const ROUNDS = 8;
const SEED = 20240611;

/** Runs the writer from batch `first`, kills it `killAfterMs` after it is ready, and returns the acknowledged batch numbers. */
async function writeUntilKilled(dir: string, first: number, killAfterMs: number): Promise<number[]> {
  return (await runUntilKilled(WRITER, [dir, String(first)], PACKAGE_DIR, killAfterMs)).map(Number);
}

/** Every record of the crash store, as id -> record, read by a fresh open of `dir`. */
async function readBack(dir: string): Promise<Map<string, SRMRecord>> {
  const storage = await EmbeddedStorage.open(dir); // default open: runs quick_check, no repair step
  try {
    const store = await storage.openSrmStore(CRASH_SPEC);
    const out = new Map<string, SRMRecord>();
    for await (const page of store.scan({ id: true, bucket: true, vector: true, payload: true }, 500)) {
      for (const v of page) out.set(v.id!, { id: v.id!, slot: v.slot, bucket: v.bucket!, vector: v.vector!, payload: v.payload! });
    }
    // The rerank's reads (the vector file, rebuilt after the kill) agree with the database.
    const records = [...out.values()];
    const fromFile = new Float32Array(records.length * CRASH_SPEC.dim);
    const found = await store.readVectors(
      Uint32Array.from(records, (r) => r.slot),
      fromFile,
    );
    records.forEach((r, i) => {
      if (!found[i] || !isDeepStrictEqual(fromFile.subarray(i * CRASH_SPEC.dim, (i + 1) * CRASH_SPEC.dim), r.vector)) {
        throw new Error(`readVectors disagrees with the database on slot ${r.slot} (id ${r.id})`);
      }
    });
    return out;
  } finally {
    await storage.close();
  }
}

describe('crash safety of EmbeddedItemStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srm-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged batch and never part of a batch across repeated SIGKILLs', async () => {
    // Seeded, so that a failing kill schedule can be replayed.
    const random = new Rng(SEED);
    let next = 0;
    let totalAcked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 20 + random.int(250);
      const acked = await writeUntilKilled(dir, next, killAfterMs);
      // Acknowledgements come in order, one per batch, starting where we asked.
      expect(acked).toEqual(acked.map((_, i) => next + i));
      const lastAcked = next + acked.length - 1;
      totalAcked += acked.length;

      const actual = await readBack(dir);
      const withAcked = modelAfter(lastAcked);
      const withInFlight = modelAfter(lastAcked + 1);
      const match = isDeepStrictEqual(actual, withAcked) ? 'acked' : isDeepStrictEqual(actual, withInFlight) ? 'in-flight' : 'none';
      expect(match, `round ${round} (seed ${SEED}, kill after ${killAfterMs} ms, last acked ${lastAcked}): store matches neither batch boundary`).not.toBe(
        'none',
      );
      next = match === 'acked' ? lastAcked + 1 : lastAcked + 2;
    }
    // The kills must land mid-stream, or the test proves nothing.
    expect(totalAcked).toBeGreaterThan(ROUNDS);
  });
});
