import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError } from '../../errors.js';
import type { StoredGlossaryEntry } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import { GLOSSARY_STORE_FORMAT_VERSION } from './glossary-store.js';

const FIXTURE_V1 = fileURLToPath(new URL('../../../test/fixtures/glossary/glossary-v1', import.meta.url));
let dir: string;
const opened: EmbeddedStorage[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-gloss-crc-'));
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

async function closeAll(): Promise<void> {
  for (const s of opened.splice(0)) await s.close();
}

function entry(n: number): StoredGlossaryEntry {
  return {
    id: `e${n}`,
    agentId: 'bot',
    key: `TERM${n}`,
    value: `meaning ${n}`,
    category: 'jargon',
    aliases: [`t${n}`],
    description: `what term ${n} means`,
    updatedAt: 1_700_000_000_000 + n,
    terms: { indices: [n + 1, n + 10], values: [1, 0.5] },
  };
}

/** A closed directory holding a glossary store "g" with entries e0..e3. */
async function populated(): Promise<void> {
  await (await (await open()).openGlossaryStore('g')).upsert([0, 1, 2, 3].map(entry));
  await closeAll();
}

/** Changes the entries table behind the store's back, as damage would (the checksums stay). */
function tamper(sql: string, ...params: unknown[]): void {
  const raw = new Database(join(dir, 'memory.sqlite'));
  raw.prepare(sql).run(...params);
  raw.close();
}

describe('checksums of glossary entries', () => {
  it('turn a changed text column into CorruptDataError on get, list and search, and spare the other entries', async () => {
    await populated();
    tamper("UPDATE glossary_entries_1 SET value = 'meaning 9' WHERE id = 'e2'");
    const store = await (await open()).openGlossaryStore('g');
    await expect(store.get(['e2'])).rejects.toThrow(CorruptDataError);
    await expect(store.list('bot')).rejects.toThrow(CorruptDataError);
    await expect(store.search({ indices: [3], values: [1] }, { agentId: 'bot', limit: 5 })).rejects.toThrow(CorruptDataError);
    expect((await store.get(['e1']))[0]?.value).toBe('meaning 1');
    expect((await store.search({ indices: [2], values: [1] }, { agentId: 'bot', limit: 5 })).map((h) => h.entry.id)).toEqual(['e1']);
  });

  it('turn a changed or moved terms blob into CorruptDataError at open', async () => {
    await populated();
    // e1's blob is well formed, so only the checksum can tell that it is not e2's.
    tamper("UPDATE glossary_entries_1 SET terms = (SELECT terms FROM glossary_entries_1 WHERE id = 'e1') WHERE id = 'e2'");
    const storage = await open();
    await expect(storage.openGlossaryStore('g')).rejects.toThrow(CorruptDataError);
  });

  it('are added to every row of a format version 1 store, which then answers as before and detects damage', async () => {
    cpSync(FIXTURE_V1, dir, { recursive: true });
    const raw = new Database(join(dir, 'memory.sqlite'), { readonly: true });
    const { name, table_id: tableId } = raw.prepare('SELECT name, table_id FROM glossary_stores').get() as { name: string; table_id: number };
    const before = raw.prepare(`SELECT id, value FROM glossary_entries_${tableId} ORDER BY id`).all() as { id: string; value: string }[];
    raw.close();
    expect(before.length).toBeGreaterThan(0);

    const store = await (await open()).openGlossaryStore(name);
    const got = await store.get(before.map((r) => r.id));
    expect(got.map((e) => e?.value)).toEqual(before.map((r) => r.value));
    await closeAll();

    const migrated = new Database(join(dir, 'memory.sqlite'), { readonly: true });
    expect((migrated.prepare('SELECT format_version FROM glossary_stores WHERE name = ?').get(name) as { format_version: number }).format_version).toBe(
      GLOSSARY_STORE_FORMAT_VERSION,
    );
    expect(
      (migrated.prepare(`SELECT COUNT(*) AS n FROM glossary_entries_${tableId} WHERE text_crc IS NULL OR terms_crc IS NULL`).get() as { n: number }).n,
    ).toBe(0);
    migrated.close();

    tamper(`UPDATE glossary_entries_${tableId} SET description = 'changed' WHERE id = ?`, before[0]!.id);
    const reopened = await (await open()).openGlossaryStore(name);
    await expect(reopened.get([before[0]!.id])).rejects.toThrow(CorruptDataError);
  });
});
