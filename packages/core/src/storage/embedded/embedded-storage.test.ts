import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, CorruptDataError, DimensionMismatchError, InvalidConfigError, InvalidInputError, StorageLockedError } from '../../errors.js';
import type { SRMRecord } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';

const FIXTURE_V1 = fileURLToPath(new URL('../../../test/fixtures/embedded/v1', import.meta.url));

let dir: string;
const opened: EmbeddedStorage[] = [];

async function open(path = dir, options = {}): Promise<EmbeddedStorage> {
  const s = await EmbeddedStorage.open(path, options);
  opened.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-embedded-'));
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

function rec(n: number, dim = 4): SRMRecord {
  const vector = new Float32Array(dim);
  for (let i = 0; i < dim; i++) vector[i] = Math.cos(n + i);
  return { id: `r${n}`, slot: n, bucket: n % 3, vector, payload: { n, text: `record number ${n} `.repeat(4) } };
}

/** A closed memory directory holding `n` records of dimension `dim` in store "s". */
async function populated(n: number, dim = 4): Promise<string> {
  const storage = await EmbeddedStorage.open(dir);
  const store = await storage.openSrmStore({ name: 's', dim, metric: 'cosine' });
  const batch: SRMRecord[] = [];
  for (let i = 0; i < n; i++) batch.push(rec(i, dim));
  await store.write({ upserts: batch });
  await storage.close();
  return join(dir, 'memory.sqlite');
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The connection inside a backend, to read the pragmas it set. */
const dbOf = (s: EmbeddedStorage) => (s as unknown as { db: Database.Database }).db;

describe('EmbeddedStorage.open', () => {
  it('creates the directory, the database file and the lock', async () => {
    const path = join(dir, 'nested', 'memory-dir');
    const storage = await open(path);
    expect(storage.path).toBe(path);
    expect(storage.file).toBe(join(path, 'memory.sqlite'));
    expect(existsSync(join(path, 'memory.sqlite'))).toBe(true);
    expect(JSON.parse(readFileSync(join(path, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('opens the database in WAL mode with synchronous=NORMAL by default', async () => {
    const db = dbOf(await open());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('uses synchronous=FULL for durability "power"', async () => {
    const storage = await open(dir, { durability: 'power' });
    expect(storage.options.durability).toBe('power');
    expect(dbOf(storage).pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('is an in-memory database without a path', async () => {
    const storage = await EmbeddedStorage.open();
    opened.push(storage);
    expect(storage.path).toBeUndefined();
    expect(storage.file).toBe(':memory:');
    const store = await storage.openSrmStore({ name: 'm', dim: 4, metric: 'dot' });
    await store.write({ upserts: [rec(1)] });
    expect(await store.count()).toBe(1);
  });

  it('rejects a path that is a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(EmbeddedStorage.open(file)).rejects.toThrow(InvalidInputError);
  });

  it('rejects invalid options, naming the field', async () => {
    await expect(EmbeddedStorage.open(dir, { durability: 'disk' as 'power' })).rejects.toThrow(/durability/);
    await expect(EmbeddedStorage.open(dir, { cacheSizeMiB: 0 })).rejects.toThrow(InvalidConfigError);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('refuses a second open of the same directory in one process', async () => {
    await open();
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(StorageLockedError);
    await expect(EmbeddedStorage.open(join(dir, '.', ''))).rejects.toThrow(/already open in this process/);
  });

  it('persists stores across close and reopen', async () => {
    await populated(10);
    const storage = await open();
    const store = await storage.openSrmStore({ name: 's', dim: 4, metric: 'cosine' });
    expect(await store.count()).toBe(10);
    expect(await store.fetchIds(['r3'], { vector: true, payload: true })).toEqual([{ slot: 3, vector: rec(3).vector, payload: rec(3).payload }]);
  });
});

describe('EmbeddedStorage.inMemory', () => {
  it('returns a working backend synchronously, each one separate', async () => {
    const a = EmbeddedStorage.inMemory();
    const b = EmbeddedStorage.inMemory();
    opened.push(a, b);
    await (await a.openSrmStore({ name: 'x', dim: 4, metric: 'cosine' })).write({ upserts: [rec(0)] });
    expect(await (await b.openSrmStore({ name: 'x', dim: 4, metric: 'cosine' })).count()).toBe(0);
  });
});

describe('format version', () => {
  it('opens the version 1 fixture and reads its records and state', async () => {
    cpSync(FIXTURE_V1, dir, { recursive: true });
    const storage = await open();
    expect(await storage.listStores()).toEqual({ srm: ['fixture'], glossary: [] });
    const store = await storage.openSrmStore({ name: 'fixture', dim: 4, metric: 'cosine' });
    expect(await store.count()).toBe(3);
    expect(await store.readState()).toEqual(new Uint8Array([83, 82, 77, 1, 0, 255]));
    const all = { id: true, bucket: true, vector: true, payload: true };
    expect(await store.fetchSlots([0, 1, 7], all)).toEqual([
      { slot: 0, id: 'alpha', bucket: 1, vector: new Float32Array([1, 0, 0, 0]), payload: { word: 'alpha', n: 1 } },
      { slot: 1, id: 'beta', bucket: 0, vector: new Float32Array([0, 0.5, -0.5, 0.25]), payload: { word: 'beta', tags: ['b'] } },
      { slot: 7, id: 'gamma::δ', bucket: -1, vector: new Float32Array([0.125, 2, 3, -4]), payload: {} },
    ]);
  });

  it('refuses an unknown format version with CorruptDataError naming the file', async () => {
    const file = await populated(2);
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '3' WHERE key = 'format_version'").run();
    raw.close();
    const err = await EmbeddedStorage.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err).toMatchObject({ file, message: expect.stringMatching(/unknown format version "3".*reads versions 1 and 2/) });
  });

  it('refuses a SQLite database that is not an SRM memory', async () => {
    const file = join(dir, 'memory.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE unrelated (x)');
    raw.close();
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/not an SRM memory database/);
    await expect(EmbeddedStorage.open(dir)).rejects.toMatchObject({ file });
  });
});

describe('damaged files', () => {
  /** Asserts that opening `dir` fails with CorruptDataError naming `file`, leaves `file` untouched and the directory unlocked. */
  async function expectCorrupt(file: string, options = {}): Promise<void> {
    const before = existsSync(file) ? sha(file) : undefined;
    const err = await EmbeddedStorage.open(dir, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDataError);
    expect((err as CorruptDataError).file).toBe(file);
    expect((err as CorruptDataError).message).toMatch(/restore/);
    if (before !== undefined) expect(sha(file)).toBe(before);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  }

  it('refuses a file that is not SQLite', async () => {
    const file = join(dir, 'memory.sqlite');
    writeFileSync(file, 'this is a text file, not a database\n'.repeat(200));
    await expectCorrupt(file);
  });

  it('refuses an empty database file instead of starting an empty memory', async () => {
    const file = await populated(3);
    truncateSync(file, 0);
    await expectCorrupt(file);
  });

  it('refuses a database truncated in the middle', async () => {
    const file = await populated(400, 64);
    truncateSync(file, Math.floor(statSync(file).size / 2) + 100);
    await expectCorrupt(file);
  });

  it('refuses a database truncated to its header', async () => {
    const file = await populated(400, 64);
    truncateSync(file, 100);
    await expectCorrupt(file);
  });

  it('refuses a database whose pages were overwritten, found by the integrity check', async () => {
    const file = await populated(400, 64);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(6000, 0xab), 0, 6000, 4096 * 4 + 300);
    closeSync(fd);
    await expectCorrupt(file);
  });

  it('reports damage met later as CorruptDataError when the open-time check is off', async () => {
    const file = await populated(400, 64);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 8, 0xab), 0, 4096 * 8, 4096 * 6);
    closeSync(fd);
    // Opening reads the commit counter, and opening the store reads every vector (it builds the
    // rerank's vector file), so the damage may be met there already, or else by the scan.
    const scanAll = async () => {
      const storage = await open(dir, { integrityCheck: false });
      const store = await storage.openSrmStore({ name: 's', dim: 64, metric: 'cosine' });
      for await (const page of store.scan({ vector: true, payload: true })) void page;
    };
    await expect(scanAll()).rejects.toThrow(CorruptDataError);
    await expect(scanAll()).rejects.toMatchObject({ file });
  });

  it('refuses a missing database whose WAL is still there', async () => {
    const file = join(dir, 'memory.sqlite');
    writeFileSync(`${file}-wal`, Buffer.alloc(4096, 1));
    await expectCorrupt(file);
    expect(existsSync(file)).toBe(false);
  });
});

describe('openSrmStore', () => {
  it('returns the same instance for the same name', async () => {
    const storage = await open();
    const spec = { name: 'a', dim: 4, metric: 'cosine' } as const;
    expect(await storage.openSrmStore(spec)).toBe(await storage.openSrmStore(spec));
  });

  it('refuses another dimension or metric for an existing store', async () => {
    const storage = await open();
    await storage.openSrmStore({ name: 'a', dim: 4, metric: 'cosine' });
    await expect(storage.openSrmStore({ name: 'a', dim: 5, metric: 'cosine' })).rejects.toThrow(DimensionMismatchError);
    await expect(storage.openSrmStore({ name: 'a', dim: 4, metric: 'dot' })).rejects.toThrow(/metric/);
  });

  it('rejects an invalid spec, naming the field', async () => {
    const storage = await open();
    await expect(storage.openSrmStore({ name: '', dim: 4, metric: 'cosine' })).rejects.toThrow(/"name"/);
    await expect(storage.openSrmStore({ name: 'a', dim: 0, metric: 'cosine' })).rejects.toThrow(/"dim"/);
    await expect(storage.openSrmStore({ name: 'a', dim: 4, metric: 'l2' as 'dot' })).rejects.toThrow(/"metric"/);
    expect((await storage.listStores()).srm).toEqual([]);
  });

  it('stores names that look like SQL as plain data', async () => {
    const storage = await open();
    const names = ["x'); DROP TABLE stores; --", 'srm_items_1', '"quoted" name', 'ünï/cödé::..'];
    for (const [i, name] of names.entries()) {
      const store = await storage.openSrmStore({ name, dim: 4, metric: 'cosine' });
      await store.write({ upserts: [rec(i)] });
    }
    expect((await storage.listStores()).srm).toEqual([...names].sort());
    for (const name of names) expect(await (await storage.openSrmStore({ name, dim: 4, metric: 'cosine' })).count()).toBe(1);
  });
});

describe('listStores', () => {
  it('is empty for a new directory', async () => {
    expect(await (await open()).listStores()).toEqual({ srm: [], glossary: [] });
  });

  it('lists SRM and glossary stores by kind, sorted', async () => {
    const storage = await open();
    await storage.openSrmStore({ name: 'zeta', dim: 4, metric: 'cosine' });
    await storage.openSrmStore({ name: 'alpha', dim: 4, metric: 'cosine' });
    await storage.openGlossaryStore('terms');
    expect(await storage.listStores()).toEqual({ srm: ['alpha', 'zeta'], glossary: ['terms'] });
  });
});

describe('close', () => {
  it('releases the lock so that the directory can be opened again', async () => {
    const storage = await EmbeddedStorage.open(dir);
    await storage.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    expect(existsSync(join(dir, 'memory.sqlite-wal'))).toBe(false);
    await expect(open()).resolves.toBeInstanceOf(EmbeddedStorage);
  });

  it('is idempotent and makes later calls fail with ClosedError', async () => {
    const storage = await EmbeddedStorage.open(dir);
    const store = await storage.openSrmStore({ name: 'a', dim: 4, metric: 'cosine' });
    const glossary = await storage.openGlossaryStore('g');
    await storage.close();
    await storage.close();
    expect(storage.closed).toBe(true);
    await expect(storage.listStores()).rejects.toThrow(ClosedError);
    await expect(storage.openGlossaryStore('g')).rejects.toThrow(ClosedError);
    await expect(store.readState()).rejects.toThrow(ClosedError);
    await expect(store.fetchSlots([0], {})).rejects.toThrow(ClosedError);
    await expect(glossary.count('agent')).rejects.toThrow(ClosedError);
  });
});
