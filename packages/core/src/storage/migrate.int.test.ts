/**
 * Migration from the embedded backend into a real Qdrant server. Skipped,
 * with the reason printed, unless QDRANT_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from './embedded/embedded-storage.js';
import { migrateStorage } from './migrate.js';
import { entry, srmRecord, vectorOf } from '@srm/testkit/qdrant/fixtures';
import { announceSkip, connectLive, dropPrefix, QDRANT_URL, runPrefix } from '@srm/testkit/qdrant/live';
import type { SRMRecordView, SRMItemStore } from './types.js';

announceSkip('migrate.int.test.ts');

async function everything(store: SRMItemStore): Promise<SRMRecordView[]> {
  const out: SRMRecordView[] = [];
  for await (const page of store.scan({ id: true, bucket: true, vector: true, payload: true }, 100)) out.push(...page);
  return out;
}

describe.skipIf(!QDRANT_URL)('migrateStorage: embedded → live Qdrant', () => {
  const prefix = runPrefix('m');
  let dir: string | undefined;
  afterAll(async () => {
    await dropPrefix(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies records, state and glossary entries, and the counts verify', async () => {
    dir = mkdtempSync(join(tmpdir(), 'srm-migrate-'));
    const from = await EmbeddedStorage.open(dir);
    const spec = { name: 'docs', dim: 12, metric: 'cosine' as const };
    const src = await from.openSrmStore(spec);
    await src.write({ upserts: Array.from({ length: 1500 }, (_, i) => srmRecord(i, 12, { vector: vectorOf(i, 12) })) });
    await src.writeState(new Uint8Array(70_000).fill(3));
    const glossary = await from.openGlossaryStore('terms');
    await glossary.upsert([entry('alice', 'JWT', [[1, 1.5]]), entry('bob', 'JWT', [[1, 1]])]);

    const to = await connectLive(prefix);
    const report = await migrateStorage({ from, to, srm: [spec], glossary: ['terms'], batchSize: 400 });
    expect(report.srm).toEqual([{ name: 'docs', items: 1500, stateBytes: 70_000 }]);
    const dst = await to.openSrmStore(spec);
    expect(await everything(dst)).toEqual(await everything(src));
    expect(await dst.readState()).toEqual(await src.readState());
    expect(await (await to.openGlossaryStore('terms')).count('alice')).toBe(1);
    await to.close();
    await from.close();
  });
});
