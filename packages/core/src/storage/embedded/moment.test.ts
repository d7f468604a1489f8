import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidConfigError } from '../../errors.js';
import type { SRMRecord } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import { WATERMARK_FILE } from './moment.js';
import { vectorFileName } from './vector-file.js';

const DIM = 4;
const SPEC = { name: 'm', dim: DIM, metric: 'cosine' as const };
let dir: string;
const opened: EmbeddedStorage[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-moment-'));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(path = dir, options = {}): Promise<EmbeddedStorage> {
  const s = await EmbeddedStorage.open(path, options);
  opened.push(s);
  return s;
}

async function close(s: EmbeddedStorage): Promise<void> {
  opened.splice(opened.indexOf(s), 1);
  await s.close();
}

/** Record `n` in version `v`: the vector says which version it is. */
function rec(n: number, v: number): SRMRecord {
  return { id: `r${n}`, slot: n, bucket: 0, vector: new Float32Array([v, n, 1, -1]), payload: { v } };
}

/** Writes records 0..n-1 in version `v`, one commit per record. */
async function writeVersion(s: EmbeddedStorage, n: number, v: number): Promise<void> {
  const store = await s.openSrmStore(SPEC);
  for (let i = 0; i < n; i++) await store.write({ upserts: [rec(i, v)] });
}

async function versions(s: EmbeddedStorage, n: number): Promise<number[]> {
  const store = await s.openSrmStore(SPEC);
  const out = new Float32Array(n * DIM);
  await store.readVectors(
    Uint32Array.from({ length: n }, (_, i) => i),
    out,
  );
  return Array.from({ length: n }, (_, i) => out[i * DIM]!);
}

describe('the acknowledged-commit watermark', () => {
  it('refuses an older copy of memory.sqlite put back, saying how many commits it lost, and opens it with acceptRollback', async () => {
    await writeVersion(await open(), 3, 1).then(() => close(opened[0]!));
    const backup = join(dir, 'backup.sqlite');
    copyFileSync(join(dir, 'memory.sqlite'), backup);
    const s = await open();
    await writeVersion(s, 3, 2);
    await close(s);
    copyFileSync(backup, join(dir, 'memory.sqlite'));
    const refused = await EmbeddedStorage.open(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CorruptDataError);
    expect((refused as Error).message).toMatch(/3 acknowledged commit\(s\) behind its watermark/);
    const accepted = await open(dir, { acceptRollback: true });
    // The older database as it was, and the newer vector file next to it was not trusted.
    expect(await versions(accepted, 3)).toEqual([1, 1, 1]);
    await close(accepted);
    expect(await versions(await open(), 3)).toEqual([1, 1, 1]);
  });

  it('refuses a database that lost its write-ahead log after acknowledging writes', async () => {
    const s = await open();
    await writeVersion(s, 2, 1);
    // Copied while open: the acknowledged commits are in the WAL, which the copy leaves behind.
    const copy = mkdtempSync(join(tmpdir(), 'srm-moment-copy-'));
    try {
      copyFileSync(join(dir, 'memory.sqlite'), join(copy, 'memory.sqlite'));
      copyFileSync(join(dir, WATERMARK_FILE), join(copy, WATERMARK_FILE));
      await expect(EmbeddedStorage.open(copy)).rejects.toThrow(/behind its watermark/);
      await expect(EmbeddedStorage.open(copy)).rejects.toThrow(CorruptDataError);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("refuses another database's watermark and a damaged one, unless the rollback is accepted", async () => {
    await close(await open());
    const other = mkdtempSync(join(tmpdir(), 'srm-moment-other-'));
    try {
      await (await EmbeddedStorage.open(other)).close();
      copyFileSync(join(other, WATERMARK_FILE), join(dir, WATERMARK_FILE));
      await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/not the database its watermark/);
      writeFileSync(join(dir, WATERMARK_FILE), 'garbage');
      await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/watermark is damaged/);
      await close(await open(dir, { acceptRollback: true }));
      await close(await open());
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('opens a directory without a watermark (written before watermarks existed) and creates one', async () => {
    await writeVersion(await open(), 2, 1).then(() => close(opened[0]!));
    rmSync(join(dir, WATERMARK_FILE));
    expect(await versions(await open(), 2)).toEqual([1, 1]);
  });

  it('checks acceptRollback with the other options', async () => {
    await expect(EmbeddedStorage.open(dir, { acceptRollback: 'yes' as unknown as boolean })).rejects.toThrow(InvalidConfigError);
  });
});

describe('the vector file of another moment', () => {
  it('is rebuilt when an older copy of it is put back', async () => {
    await writeVersion(await open(), 3, 1).then(() => close(opened[0]!));
    const file = join(dir, vectorFileName(1));
    copyFileSync(file, `${file}.old`);
    const s = await open();
    await writeVersion(s, 3, 2);
    await close(s);
    copyFileSync(`${file}.old`, file);
    expect(await versions(await open(), 3)).toEqual([2, 2, 2]);
  });

  it('is rebuilt when it is newer than the database next to it', async () => {
    await writeVersion(await open(), 3, 1).then(() => close(opened[0]!));
    const db = join(dir, 'memory.sqlite');
    copyFileSync(db, `${db}.old`);
    copyFileSync(join(dir, WATERMARK_FILE), `${db}.ack-old`);
    const s = await open();
    await writeVersion(s, 3, 2);
    await close(s);
    // The whole older moment of the database, watermark included, next to the newer file.
    copyFileSync(`${db}.old`, db);
    copyFileSync(`${db}.ack-old`, join(dir, WATERMARK_FILE));
    expect(await versions(await open(), 3)).toEqual([1, 1, 1]);
  });
});
