/**
 * Attacks on the files of a memory directory (issue 23): files from another moment put back,
 * seeded byte flips over `memory.sqlite`, its WAL and the vector file, and WAL damage after a
 * SIGKILL. Every trial gives a typed error or the correct answer, never a wrong one. A bounded
 * version of `scripts/attack-run.ts`, which runs hundreds of trials and writes the figures into
 * docs/reliability.md.
 */
import { copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptDataError } from '../../src/errors.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { flipTrial, judge, killTrial, makeReference, type FileKind, type Reference } from './fixtures/attacks.js';
import { prng, TempDirs } from '@srm/testkit/reliability/helpers';

const dirs = new TempDirs();
let ref: Reference;

beforeAll(async () => {
  ref = await makeReference(dirs.make('srm-attack-'));
});
afterAll(() => dirs.cleanup());

/** A copy of the closed reference with `file` taken from the open one (a later moment). */
function mixed(file: string, from: string, to: string): string {
  const dir = dirs.make('srm-attack-mix-');
  cpSync(to, dir, { recursive: true });
  copyFileSync(join(from, file), join(dir, file));
  return dir;
}

describe('files from another moment', () => {
  it('an older vector file next to a newer database is rebuilt: the answers are the newer ones', async () => {
    const newer = dirs.make('srm-attack-newer-');
    cpSync(ref.open, newer, { recursive: true });
    // Close the newer copy once, so that its own file is vouched for, then put the older file back.
    await (await SemanticRoutingMemory.open({ d: 8, path: newer })).close();
    copyFileSync(join(ref.closed, 'vectors-1.f32'), join(newer, 'vectors-1.f32'));
    expect(await judge(newer, ref.openAnswers)).toEqual({ verdict: 'correct', detail: '' });
  });

  it('a newer vector file next to an older database is rebuilt: the answers are the older ones', async () => {
    const newer = dirs.make('srm-attack-newer-');
    cpSync(ref.open, newer, { recursive: true });
    await (await SemanticRoutingMemory.open({ d: 8, path: newer })).close();
    const older = mixed('vectors-1.f32', newer, ref.closed);
    expect(await judge(older, ref.closedAnswers)).toEqual({ verdict: 'correct', detail: '' });
  });

  it('an older memory.sqlite put back is refused, and with acceptRollback answers as that older moment', async () => {
    const newer = dirs.make('srm-attack-newer-');
    cpSync(ref.open, newer, { recursive: true });
    await (await SemanticRoutingMemory.open({ d: 8, path: newer })).close();
    const restored = mixed('memory.sqlite', ref.closed, newer);
    await expect(SemanticRoutingMemory.open({ d: 8, path: restored })).rejects.toThrow(CorruptDataError);
    await (await EmbeddedStorage.open(restored, { acceptRollback: true })).close();
    expect(await judge(restored, ref.closedAnswers)).toEqual({ verdict: 'correct', detail: '' });
  });

  it('a newer memory.sqlite next to an older watermark and vector file answers as the newer moment', async () => {
    const newer = dirs.make('srm-attack-newer-');
    cpSync(ref.open, newer, { recursive: true });
    await (await SemanticRoutingMemory.open({ d: 8, path: newer })).close();
    const dir = mixed('memory.sqlite', newer, ref.closed);
    expect(await judge(dir, ref.openAnswers)).toEqual({ verdict: 'correct', detail: '' });
  });
});

describe('seeded byte flips', () => {
  const TRIALS = 6;
  for (const kind of ['sqlite', 'wal', 'vectors'] as FileKind[]) {
    it(`over ${kind === 'vectors' ? 'the vector file' : kind === 'wal' ? 'the WAL' : 'memory.sqlite'}: each gives a typed error or the correct answer`, async () => {
      const random = prng(kind.length * 1000 + 23);
      const wrong: string[] = [];
      for (let t = 0; t < TRIALS; t++) {
        const out = await flipTrial(ref, kind, Math.floor(random() * 2 ** 31));
        if (out.verdict === 'wrong') wrong.push(out.detail);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe('WAL damage after a kill', () => {
  it('opens with every acknowledged batch or refuses with a typed error, never older in silence', async () => {
    const random = prng(4242);
    const outcomes: string[] = [];
    for (let t = 0; t < 3; t++) {
      const out = await killTrial(Math.floor(random() * 2 ** 31), 150 + Math.floor(random() * 300), true);
      expect(out.verdict, out.detail).not.toBe('wrong');
      outcomes.push(out.verdict);
    }
    expect(outcomes).toHaveLength(3);
  });
});
