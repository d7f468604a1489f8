import { cpSync, mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError } from '../../errors.js';
import type { SRMRecord } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import { HEADER_BYTES, vectorFileName } from './vector-file.js';

const FIXTURE_V1 = fileURLToPath(new URL('../../../test/fixtures/embedded/v1', import.meta.url));
const DIM = 4;
const SPEC = { name: 'c', dim: DIM, metric: 'cosine' as const };
const N = 6;
let dir: string;
const opened: EmbeddedStorage[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-crc-'));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<EmbeddedStorage> {
  const s = await EmbeddedStorage.open(dir);
  opened.push(s);
  return s;
}

function rec(n: number): SRMRecord {
  return { id: `item-${n}`, slot: n, bucket: 0, vector: new Float32Array([n, 1, -n, 0.5]), payload: { n, text: `payload ${n}` } };
}

/** A closed directory holding records 0..N-1. */
async function populated(): Promise<void> {
  const s = await open();
  await (await s.openSrmStore(SPEC)).write({ upserts: Array.from({ length: N }, (_, i) => rec(i)) });
  opened.splice(opened.indexOf(s), 1);
  await s.close();
}

/** Changes a column of slot 2 behind the store's back, as damage would (the checksums stay). */
function tamper(sql: string, ...params: unknown[]): void {
  const raw = new Database(join(dir, 'memory.sqlite'));
  raw.prepare(sql).run(...params);
  raw.close();
}

const ALL = { id: true, payload: true, vector: true };

describe('checksums of the items table', () => {
  it('turn a damaged vector into CorruptDataError, on the rerank read and on fetchSlots', async () => {
    await populated();
    const damaged = Buffer.from(new Float32Array([2, 1, -2, 0.25]).buffer);
    tamper('UPDATE srm_items_1 SET vector = ? WHERE slot = 2', damaged);
    const store = await (await open()).openSrmStore(SPEC);
    await expect(store.fetchSlots([2], { vector: true })).rejects.toThrow(CorruptDataError);
    await expect(store.readVectors(Uint32Array.from([0, 2]), new Float32Array(2 * DIM))).rejects.toThrow(/slot 2/);
    // The other records read as they were.
    expect((await store.fetchSlots([1], ALL))[0]).toEqual({ ...rec(1), bucket: undefined });
  });

  it('turn a renamed id or a changed payload into CorruptDataError', async () => {
    await populated();
    tamper("UPDATE srm_items_1 SET id = 'item-9' WHERE slot = 2");
    let store = await (await open()).openSrmStore(SPEC);
    await expect(store.fetchSlots([2], { id: true })).rejects.toThrow(CorruptDataError);
    await expect(store.fetchIds(['item-9'], { payload: true })).rejects.toThrow(CorruptDataError);
    await opened.pop()!.close();
    tamper('UPDATE srm_items_1 SET id = \'item-2\', payload = \'{"n":7,"text":"payload 2"}\' WHERE slot = 2');
    store = await (await open()).openSrmStore(SPEC);
    await expect(store.fetchSlots([2], { payload: true })).rejects.toThrow(CorruptDataError);
  });

  it('are written for rows of a format version 1 directory once they are rewritten', async () => {
    cpSync(FIXTURE_V1, dir, { recursive: true });
    const store = await (await open()).openSrmStore({ name: 'fixture', dim: 4, metric: 'cosine' });
    expect((await store.verifyStorage()).unchecked).toBe(3);
    const [alpha] = await store.fetchSlots([0], ALL);
    await store.write({ upserts: [{ id: alpha!.id!, slot: 0, bucket: 1, vector: alpha!.vector!, payload: alpha!.payload! }] });
    expect(await store.verifyStorage()).toEqual({ problems: [], unchecked: 2 });
  });
});

describe('checks of vector file rows', () => {
  /** Overwrites bytes of slot `slot`'s row in the vector file (at `offset` within the row). */
  function patchRow(slot: number, offset: number, bytes: Buffer): void {
    const fd = openSync(join(dir, vectorFileName(1)), 'r+');
    writeSync(fd, bytes, 0, bytes.length, HEADER_BYTES + slot * (4 + 4 * DIM) + offset);
    closeSync(fd);
  }

  function row(slot: number): Buffer {
    const fd = openSync(join(dir, vectorFileName(1)), 'r');
    const out = Buffer.alloc(4 + 4 * DIM);
    readSync(fd, out, 0, out.length, HEADER_BYTES + slot * out.length);
    closeSync(fd);
    return out;
  }

  async function readAll(): Promise<Float32Array> {
    const store = await (await open()).openSrmStore(SPEC);
    const out = new Float32Array(N * DIM);
    await store.readVectors(
      Uint32Array.from({ length: N }, (_, i) => i),
      out,
    );
    return out;
  }

  const expected = Float32Array.from(Array.from({ length: N }, (_, i) => Array.from(rec(i).vector)).flat());

  it('serve the database vector when a row holds a flipped byte, NaN or Infinity', async () => {
    await populated();
    patchRow(1, 6, Buffer.from([0x5a]));
    patchRow(3, 4, Buffer.from(new Float32Array([Number.NaN]).buffer));
    patchRow(4, 8, Buffer.from(new Float32Array([Number.POSITIVE_INFINITY]).buffer));
    expect(await readAll()).toEqual(expected);
  });

  it('serve the database vector when two rows were swapped, tags and all', async () => {
    await populated();
    const [a, b] = [row(1), row(2)];
    patchRow(1, 0, b);
    patchRow(2, 0, a);
    expect(await readAll()).toEqual(expected);
  });

  it('are all compared with the database by the deep check', async () => {
    await populated();
    const s = await open();
    const store = await s.openSrmStore(SPEC);
    expect(await store.verifyStorage()).toEqual({ problems: [], unchecked: 0 });
    patchRow(5, 4, Buffer.from(new Float32Array([9]).buffer));
    expect((await store.verifyStorage()).problems).toEqual(['vector file row of slot 5 is damaged']);
  });
});
