import { describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidInputError, NotFoundError } from '../errors.js';
import type { ProgressEvent } from '../srm/types.js';
import { EmbeddedStorage } from './embedded/embedded-storage.js';
import { migrateStorage } from './migrate.js';
import { QdrantStorage } from './qdrant/qdrant-storage.js';
import { entry, srmRecord, useValidatingEmulator, vectorOf } from '@srm/testkit/qdrant/fixtures';
import type { SRMRecordView, SRMItemStore, SRMItemStoreSpec, StorageBackend, StoredGlossaryEntry } from './types.js';

const DIM = 5;
const docs: SRMItemStoreSpec = { name: 'docs', dim: DIM, metric: 'cosine' };
const raw: SRMItemStoreSpec = { name: 'raw', dim: DIM, metric: 'dot' };

async function everything(store: SRMItemStore): Promise<SRMRecordView[]> {
  const out: SRMRecordView[] = [];
  for await (const page of store.scan({ id: true, bucket: true, vector: true, payload: true }, 7)) out.push(...page);
  return out;
}

/** An SRM store of 25 records (awkward payload included) and a state blob. */
async function seedSrm(backend: StorageBackend, spec: SRMItemStoreSpec, n = 25): Promise<SRMItemStore> {
  const store = await backend.openSrmStore(spec);
  const payload = JSON.parse('{"__proto__": {"p": 1}, "tags": ["a", null]}') as Record<string, unknown>;
  await store.write({
    upserts: Array.from({ length: n }, (_, i) => srmRecord(i * 3, DIM, { vector: vectorOf(i, DIM), payload: i === 4 ? payload : { i } })),
  });
  await store.writeState(new Uint8Array([7, 7, spec.dim]));
  return store;
}

function glossaryCorpus(): StoredGlossaryEntry[] {
  return [
    entry('alice', 'JWT', [
      [1, 1.5],
      [2, 0.5],
    ]),
    entry('alice', 'k8s', [[3, 2]], { aliases: ['kubernetes'], category: 'infra' }),
    entry('bob', 'JWT', [[1, 1.25]]),
  ];
}

describe('migrateStorage', () => {
  describe('embedded → embedded', () => {
    it('copies every SRM record (slot, bucket, vector, payload) and the state, without re-embedding', async () => {
      const from = EmbeddedStorage.inMemory();
      const to = EmbeddedStorage.inMemory();
      const srcDocs = await seedSrm(from, docs);
      const srcRaw = await seedSrm(from, raw, 9);
      const events: ProgressEvent[] = [];
      const report = await migrateStorage({ from, to, srm: [docs, raw], glossary: [], batchSize: 4, onProgress: (e) => events.push(e) });

      expect(report).toEqual({
        srm: [
          { name: 'docs', items: 25, stateBytes: 3 },
          { name: 'raw', items: 9, stateBytes: 3 },
        ],
        glossary: [],
      });
      for (const [spec, src] of [
        [docs, srcDocs],
        [raw, srcRaw],
      ] as const) {
        const dst = await to.openSrmStore(spec);
        expect(await everything(dst)).toEqual(await everything(src));
        expect(await dst.readState()).toEqual(await src.readState());
      }
      const docEvents = events.filter((e) => e.phase === 'migrate:srm:docs');
      expect(docEvents.map((e) => e.done)).toEqual([0, 4, 8, 12, 16, 20, 24, 25]);
      expect(docEvents.every((e) => e.total === 25)).toBe(true);
    });

    it('refuses a destination that holds data, and replaces it with overwrite', async () => {
      const from = EmbeddedStorage.inMemory();
      const to = EmbeddedStorage.inMemory();
      await seedSrm(from, docs);
      const stale = await to.openSrmStore(docs);
      await stale.write({ upserts: [srmRecord(1000, DIM)] });
      await expect(migrateStorage({ from, to, srm: [docs], glossary: [] })).rejects.toThrow(InvalidInputError);
      expect(await stale.count()).toBe(1);
      await migrateStorage({ from, to, srm: [docs], glossary: [], overwrite: true });
      expect(await stale.count()).toBe(25);
      expect(await stale.fetchIds(['item-1000'], {})).toEqual([undefined]);
    });

    it('throws CorruptDataError when the counts differ after copying (the source changed meanwhile)', async () => {
      const from = EmbeddedStorage.inMemory();
      const to = EmbeddedStorage.inMemory();
      const src = await seedSrm(from, docs);
      let removed = false;
      const onProgress = (e: ProgressEvent) => {
        if (e.done > 0 && !removed) {
          removed = true;
          void src.write({ deleteIds: ['item-0'] });
        }
      };
      await expect(migrateStorage({ from, to, srm: [docs], glossary: [], batchSize: 10, onProgress })).rejects.toThrow(CorruptDataError);
    });

    it('names stores the source lacks with NotFoundError, and checks its options', async () => {
      const from = EmbeddedStorage.inMemory();
      const to = EmbeddedStorage.inMemory();
      await expect(migrateStorage({ from, to, srm: [{ ...docs, name: 'ghost' }] })).rejects.toThrow(NotFoundError);
      await expect(migrateStorage({ from, to, srm: [], glossary: ['ghost'] })).rejects.toThrow(NotFoundError);
      await expect(migrateStorage({ from, to, batchSize: 0 })).rejects.toThrow(InvalidInputError);
      await expect(migrateStorage({ from, to: from })).rejects.toThrow(InvalidInputError);
    });

    it('copies glossary entries of every agent', async () => {
      const from = EmbeddedStorage.inMemory();
      const to = EmbeddedStorage.inMemory();
      await (await from.openGlossaryStore('terms')).upsert(glossaryCorpus());
      const report = await migrateStorage({ from, to, srm: [] });
      expect(report.glossary).toEqual([{ name: 'terms', entries: 3, agents: 2 }]);
      const dst = await to.openGlossaryStore('terms');
      expect(await dst.get(glossaryCorpus().map((e) => e.id))).toEqual(glossaryCorpus());
    });
  });

  describe('with Qdrant (offline emulator)', () => {
    const emulator = useValidatingEmulator();

    it('moves an SRM store from embedded to Qdrant, where server-side scoring then works', async () => {
      const from = EmbeddedStorage.inMemory();
      const src = await seedSrm(from, docs);
      const to = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mig1', retries: 0 });
      const report = await migrateStorage({ from, to, srm: [docs], glossary: [] });
      expect(report.srm).toEqual([{ name: 'docs', items: 25, stateBytes: 3 }]);
      const dst = await to.openSrmStore(docs);
      expect(await everything(dst)).toEqual(await everything(src));
      const hits = await dst.searchBuckets!(vectorOf(2, DIM), [0, 1, 2, 3], 1);
      expect(hits[0]!.slot).toBe(6);
      await to.close();
    });

    it('moves every store of a Qdrant prefix back to embedded, by name, glossaries included', async () => {
      const from = await QdrantStorage.connect({ url: emulator().url, collectionPrefix: 'mig2', retries: 0 });
      const srcSrm = await seedSrm(from, raw);
      const srcGlossary = await from.openGlossaryStore('terms');
      await srcGlossary.upsert(glossaryCorpus());
      const to = EmbeddedStorage.inMemory();

      const report = await migrateStorage({ from, to });
      expect(report).toEqual({ srm: [{ name: 'raw', items: 25, stateBytes: 3 }], glossary: [{ name: 'terms', entries: 3, agents: 2 }] });
      expect(await everything(await to.openSrmStore(raw))).toEqual(await everything(srcSrm));
      const dst = await to.openGlossaryStore('terms');
      expect(await dst.get(glossaryCorpus().map((e) => e.id))).toEqual(glossaryCorpus());
      const query = { indices: [1], values: [1] };
      const [a, b] = [await srcGlossary.search(query, { agentId: 'alice', limit: 5 }), await dst.search(query, { agentId: 'alice', limit: 5 })];
      expect(b.map((h) => h.entry.id)).toEqual(a.map((h) => h.entry.id));
      b.forEach((h, i) => expect(h.score).toBeCloseTo(a[i]!.score, 5));
      await from.close();
    });
  });
});
