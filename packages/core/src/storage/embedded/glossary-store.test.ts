/**
 * What the embedded glossary store does beyond the backend contract
 * (`embedded.contract.test.ts`): its SQL naming, its format version, damage
 * reporting, and the index rebuilt on open.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, CorruptDataError, InvalidInputError } from '../../errors.js';
import type { StoredGlossaryEntry } from '../types.js';
import { EmbeddedGlossaryStore, GLOSSARY_STORE_FORMAT_VERSION } from './glossary-store.js';
import { decodeTerms, encodeTerms } from './glossary-terms.js';
import { CommitLog } from './moment.js';

function entry(key: string, terms: number[], agentId = 'a'): StoredGlossaryEntry {
  return {
    id: `id-${agentId}-${key}`,
    agentId,
    key,
    value: `value ${key}`,
    category: 'general',
    aliases: [],
    description: '',
    terms: { indices: terms, values: terms.map(() => 1) },
    updatedAt: 1,
  };
}

let db: Database.Database;
beforeEach(() => {
  db = new Database(':memory:');
});
afterEach(() => {
  if (db.open) db.close();
});

describe('EmbeddedGlossaryStore.open', () => {
  it('accepts any store name and never puts it in SQL text', async () => {
    const names = ['glossary', 'x"; DROP TABLE glossary_stores; --', 'Ünï 🔑', 'a b.c'];
    for (const name of names) {
      const store = await EmbeddedGlossaryStore.open(db, name, ':memory:', CommitLog.inMemory(db));
      await store.upsert([entry(name, [1])]);
    }
    expect(EmbeddedGlossaryStore.listNames(db)).toEqual([...names].sort());
    for (const name of names) expect(await (await EmbeddedGlossaryStore.open(db, name, ':memory:', CommitLog.inMemory(db))).count('a')).toBe(1);
  });

  it('rebuilds the index from the table', async () => {
    const store = await EmbeddedGlossaryStore.open(db, 'g', ':memory:', CommitLog.inMemory(db));
    await store.upsert([entry('x', [1, 2]), entry('y', [2]), entry('z', [3], 'b')]);
    await store.delete(['id-a-y']);
    const again = await EmbeddedGlossaryStore.open(db, 'g', ':memory:', CommitLog.inMemory(db));
    expect(await again.termStats([1, 2, 3])).toEqual({ docCount: 2, docFreqs: [1, 1, 1] });
    expect((await again.search({ indices: [2], values: [1] }, { agentId: 'a', limit: 5 })).map((h) => h.entry.key)).toEqual(['x']);
  });

  it('refuses a store of another format version with CorruptDataError naming the file', async () => {
    await EmbeddedGlossaryStore.open(db, 'g', '/data/memory.sqlite', CommitLog.inMemory(db));
    db.prepare('UPDATE glossary_stores SET format_version = ?').run(GLOSSARY_STORE_FORMAT_VERSION + 1);
    await expect(EmbeddedGlossaryStore.open(db, 'g', '/data/memory.sqlite', CommitLog.inMemory(db))).rejects.toThrow(CorruptDataError);
    await expect(EmbeddedGlossaryStore.open(db, 'g', '/data/memory.sqlite', CommitLog.inMemory(db))).rejects.toThrow('/data/memory.sqlite');
  });

  it('reports a damaged terms blob as CorruptDataError at open', async () => {
    const store = await EmbeddedGlossaryStore.open(db, 'g', 'file.sqlite', CommitLog.inMemory(db));
    await store.upsert([entry('x', [1, 2])]);
    db.prepare('UPDATE glossary_entries_1 SET terms = ?').run(Buffer.from([1, 2, 3]));
    await expect(EmbeddedGlossaryStore.open(db, 'g', 'file.sqlite', CommitLog.inMemory(db))).rejects.toThrow(CorruptDataError);
  });

  it('refuses an empty name and a closed database', async () => {
    await expect(EmbeddedGlossaryStore.open(db, '', ':memory:', CommitLog.inMemory(db))).rejects.toThrow(InvalidInputError);
    const log = CommitLog.inMemory(db);
    const store = await EmbeddedGlossaryStore.open(db, 'g', ':memory:', log);
    db.close();
    await expect(store.count('a')).rejects.toThrow(ClosedError);
    await expect(EmbeddedGlossaryStore.open(db, 'g', ':memory:', log)).rejects.toThrow(ClosedError);
  });
});

describe('terms blob', () => {
  it('round-trips through encodeTerms / decodeTerms', () => {
    const t = { indices: new Uint32Array([1, 7, 2 ** 31]), values: new Float32Array([0.5, 1.25, 2]) };
    expect(decodeTerms(encodeTerms(t), 'f', 'id')).toEqual(t);
  });

  it('refuses unsorted ids and non-finite weights', () => {
    expect(() => decodeTerms(encodeTerms({ indices: new Uint32Array([2, 1]), values: new Float32Array([1, 1]) }), 'f', 'id')).toThrow(CorruptDataError);
    expect(() => decodeTerms(encodeTerms({ indices: new Uint32Array([1]), values: new Float32Array([Number.NaN]) }), 'f', 'id')).toThrow(CorruptDataError);
  });
});
