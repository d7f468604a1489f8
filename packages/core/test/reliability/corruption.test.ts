/**
 * Damaged files: every kind of damage to a memory directory gives a typed
 * CorruptDataError whose `.file` names the damaged file, never a crash and
 * never a memory that silently opens empty. A failed open leaves the files as
 * they were, so the recovery path (restore the directory from a copy) works;
 * see docs/reliability.md.
 */
import { cpSync, existsSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptDataError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { expectSrmInvariants, prng, TempDirs } from '@srm/testkit/reliability/helpers';

const D = 8;
const ITEMS = 300;
const ENTRIES = 150;
const DB = 'memory.sqlite';

const dirs = new TempDirs();
let srmOriginal: string;
let glossaryOriginal: string;

function vectors(n: number): number[][] {
  const random = prng(99);
  return Array.from({ length: n }, () => Array.from({ length: D }, () => random() * 2 - 1));
}

beforeAll(async () => {
  srmOriginal = dirs.make('srm-corrupt-dense-');
  const srm = await SemanticRoutingMemory.open({ d: D, K: 4, autoFitAt: 100, path: srmOriginal });
  const vs = vectors(ITEMS);
  await srm.add(vs, { ids: vs.map((_, i) => `doc-${i}`), payloads: vs.map((_, i) => ({ i, text: `item ${i} `.repeat(20) })) });
  await srm.close();
  glossaryOriginal = dirs.make('srm-corrupt-gloss-');
  const glossary = await SemanticMemory.open({ path: glossaryOriginal });
  await glossary.memorizeMany(
    Array.from({ length: ENTRIES }, (_, i) => ({ agentId: 'ops', key: `TERM${i}`, value: `meaning of term ${i} `.repeat(5), aliases: [`t${i}`] })),
  );
  await glossary.close();
});
afterAll(() => dirs.cleanup());

/** A copy of `original` to damage. */
function copyOf(original: string): { dir: string; file: string } {
  const dir = dirs.make('srm-corrupt-copy-');
  cpSync(original, dir, { recursive: true });
  return { dir, file: join(dir, DB) };
}

const openSrm = (dir: string) => SemanticRoutingMemory.open({ d: D, path: dir });
const openGlossary = (dir: string) => SemanticMemory.open({ path: dir });

/** Byte-level damage to the database file. */
const FILE_DAMAGE: [string, (file: string) => void][] = [
  ['truncated to half', (f) => truncateSync(f, Math.floor(statSync(f).size / 2))],
  ['truncated to one page', (f) => truncateSync(f, 4096)],
  ['truncated inside the header', (f) => truncateSync(f, 60)],
  ['truncated to zero bytes', (f) => truncateSync(f, 0)],
  ['overwritten with garbage', (f) => writeFileSync(f, Buffer.alloc(statSync(f).size, 0x5a))],
  [
    'header zeroed',
    (f) => {
      const b = readFileSync(f);
      b.fill(0, 0, 100);
      writeFileSync(f, b);
    },
  ],
  [
    'second page overwritten',
    (f) => {
      const b = readFileSync(f);
      b.fill(0xa5, 4096, 8192);
      writeFileSync(f, b);
    },
  ],
  [
    'last page overwritten',
    (f) => {
      const b = readFileSync(f);
      b.fill(0xa5, b.length - 4096);
      writeFileSync(f, b);
    },
  ],
  [
    'random bytes flipped all over',
    (f) => {
      const b = readFileSync(f);
      const random = prng(7);
      for (let i = 0; i < 400; i++) b[100 + Math.floor(random() * (b.length - 100))] ^= 0xff;
      writeFileSync(f, b);
    },
  ],
];

/** Tampering through SQL with what the stores keep (the file stays valid SQLite). */
function tamper(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describe.each([
  ['SemanticRoutingMemory', () => srmOriginal, openSrm],
  ['SemanticMemory', () => glossaryOriginal, openGlossary],
] as const)('%s on a damaged file', (_name, original, open) => {
  it.each(FILE_DAMAGE)('%s: CorruptDataError naming the file, files left as they were', async (_what, damage) => {
    const { dir, file } = copyOf(original());
    damage(file);
    const before = readFileSync(file);
    const error = await open(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as CorruptDataError).file).toBe(file);
    expect((error as CorruptDataError).message).toContain(file);
    // No repair, no re-initialisation: the damaged bytes are still there for a forensic copy.
    expect(readFileSync(file).equals(before)).toBe(true);
    // The lock was released: once the copy is restored, the same process opens the directory.
    cpSync(join(original(), DB), file);
    const memory = await open(dir);
    await memory.close();
  });

  it('database missing while its write-ahead log exists: CorruptDataError, not a new empty memory', async () => {
    const { dir, file } = copyOf(original());
    writeFileSync(`${file}-wal`, Buffer.alloc(8192, 1));
    renameSync(file, join(dir, 'moved-away.sqlite'));
    await expect(open(dir)).rejects.toThrow(CorruptDataError);
    expect(existsSync(file)).toBe(false);
  });

  it('unknown format version: CorruptDataError naming the version', async () => {
    const { dir, file } = copyOf(original());
    tamper(file, "UPDATE meta SET value = '99' WHERE key = 'format_version'");
    await expect(open(dir)).rejects.toThrow(/format version "99"/);
    await expect(open(dir)).rejects.toThrow(CorruptDataError);
  });

  it('another program’s SQLite file: CorruptDataError, never read as an empty memory', async () => {
    const dir = dirs.make('srm-corrupt-foreign-');
    const db = new Database(join(dir, DB));
    db.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
    db.close();
    await expect(open(dir)).rejects.toThrow(/not an SRM memory database/);
  });
});

describe('SemanticRoutingMemory: damage inside valid SQLite', () => {
  it('index state with a flipped byte: CorruptDataError (checksum), naming the file', async () => {
    const { dir, file } = copyOf(srmOriginal);
    const db = new Database(file);
    const row = db.prepare('SELECT store_id, state FROM srm_state').get() as { store_id: number; state: Buffer };
    row.state[row.state.length - 3] ^= 0x01;
    db.prepare('UPDATE srm_state SET state = ? WHERE store_id = ?').run(row.state, row.store_id);
    db.close();
    await expect(openSrm(dir)).rejects.toThrow(CorruptDataError);
    await expect(openSrm(dir)).rejects.toThrow(/checksum/);
    await expect(openSrm(dir)).rejects.toThrow(file);
  });

  it('index state truncated: CorruptDataError', async () => {
    const { dir, file } = copyOf(srmOriginal);
    tamper(file, 'UPDATE srm_state SET state = substr(state, 1, 10)');
    await expect(openSrm(dir)).rejects.toThrow(CorruptDataError);
  });

  it('an item whose vector blob is cut short: CorruptDataError naming the file', async () => {
    const { dir, file } = copyOf(srmOriginal);
    tamper(file, "UPDATE srm_items_1 SET vector = substr(vector, 1, 5) WHERE id = 'doc-17'");
    await expect(openSrm(dir)).rejects.toThrow(CorruptDataError);
    await expect(openSrm(dir)).rejects.toThrow(file);
  });

  it('an item whose payload is not JSON: CorruptDataError when it is read, the other items intact', async () => {
    const { dir, file } = copyOf(srmOriginal);
    tamper(file, "UPDATE srm_items_1 SET payload = '{\"i\": 3, ' WHERE id = 'doc-3'");
    const memory = await openSrm(dir);
    try {
      await expect(memory.get(['doc-3'])).rejects.toThrow(CorruptDataError);
      const [other] = await memory.get(['doc-4']);
      expect(other!.payload.i).toBe(4);
    } finally {
      await memory.close();
    }
  });

  it('with the integrity check off, damage is still a CorruptDataError from the operation that meets it', async () => {
    const { dir, file } = copyOf(srmOriginal);
    // Damage the root page of the items table only: meta and schema stay readable, so only the integrity check could catch it.
    const db = new Database(file, { readonly: true });
    const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'srm_items_1'").get() as { rootpage: number };
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const b = readFileSync(file);
    b.fill(0xa5, (rootpage - 1) * pageSize, rootpage * pageSize);
    writeFileSync(file, b);
    await expect(openSrm(dir)).rejects.toThrow(CorruptDataError);
    // Even with a routing checkpoint, opening the store reads the items table (its last slot
    // vouches for the rerank's vector file), and meets the damage there.
    for (const checkpoint of [true, false]) {
      if (!checkpoint) tamper(file, 'DELETE FROM srm_checkpoint_head');
      const storage = await EmbeddedStorage.open(dir, { integrityCheck: false });
      try {
        await expect(SemanticRoutingMemory.open({ d: D, storage })).rejects.toThrow(CorruptDataError);
      } finally {
        await storage.close();
      }
    }
  });

  it('recovery: a copy taken while the memory was closed opens with every item and answers queries', async () => {
    const { dir } = copyOf(srmOriginal);
    const memory = await openSrm(dir);
    try {
      const items = await expectSrmInvariants(memory);
      expect(items.size).toBe(ITEMS);
      const [hit] = await memory.query(vectors(ITEMS)[42]!, { k: 1 });
      expect(hit!.id).toBe('doc-42');
    } finally {
      await memory.close();
    }
  });
});

describe('SemanticMemory: damage inside valid SQLite', () => {
  it('an entry whose BM25 terms blob is cut short: CorruptDataError at open, naming the file', async () => {
    const { dir, file } = copyOf(glossaryOriginal);
    tamper(file, "UPDATE glossary_entries_1 SET terms = substr(terms, 1, 6) WHERE key = 'TERM7'");
    await expect(openGlossary(dir)).rejects.toThrow(CorruptDataError);
    await expect(openGlossary(dir)).rejects.toThrow(file);
  });

  it('an entry whose aliases are not JSON: CorruptDataError when listed, never a silently shorter list', async () => {
    const { dir, file } = copyOf(glossaryOriginal);
    tamper(file, "UPDATE glossary_entries_1 SET aliases = '[\"t1' WHERE key = 'TERM1'");
    const glossary = await openGlossary(dir);
    try {
      await expect(glossary.listAll('ops')).rejects.toThrow(CorruptDataError);
      await expect(glossary.get('term1', 'ops')).rejects.toThrow(CorruptDataError);
      expect((await glossary.get('term2', 'ops'))!.aliases).toEqual(['t2']);
    } finally {
      await glossary.close();
    }
  });

  it('an unknown glossary store format version: CorruptDataError', async () => {
    const { dir, file } = copyOf(glossaryOriginal);
    tamper(file, 'UPDATE glossary_stores SET format_version = 7');
    await expect(openGlossary(dir)).rejects.toThrow(CorruptDataError);
  });

  it('recovery: a copy taken while the glossary was closed opens with every entry', async () => {
    const { dir } = copyOf(glossaryOriginal);
    const glossary = await openGlossary(dir);
    try {
      expect(await glossary.entryCount('ops')).toBe(ENTRIES);
      const [hit] = await glossary.recall('what is term42', { agentId: 'ops', topK: 1 });
      expect(hit!.key).toBe('TERM42');
    } finally {
      await glossary.close();
    }
  });
});
