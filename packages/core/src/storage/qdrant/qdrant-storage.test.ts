import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosedError, InvalidConfigError } from '../../errors.js';
import { defaultQdrantStorageOptions, resolveQdrantOptions } from './options.js';
import { QdrantStorage } from './qdrant-storage.js';
import { srmRecord } from '@srm/testkit/qdrant/fixtures';
import { QdrantEmulator } from '@srm/testkit/qdrant/emulator';

let emu: QdrantEmulator;
beforeAll(async () => {
  emu = await QdrantEmulator.start();
});
afterAll(async () => {
  await emu.close();
});

describe('resolveQdrantOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveQdrantOptions({ url: 'http://localhost:6333' });
    expect(o).toMatchObject(defaultQdrantStorageOptions);
    expect(o.collectionSettings).toEqual({});
  });

  it('names the offending field', () => {
    expect(() => resolveQdrantOptions({})).toThrow(InvalidConfigError);
    expect(() => resolveQdrantOptions({ url: 'localhost:6333' })).toThrow(/"url"/);
    expect(() => resolveQdrantOptions({ url: 'http://x', collectionPrefix: 'a-b' })).toThrow(/"collectionPrefix"/);
    expect(() => resolveQdrantOptions({ url: 'http://x', retries: 11 })).toThrow(/"retries"/);
    expect(() => resolveQdrantOptions({ url: 'http://x', backoffMs: 500, maxBackoffMs: 100 })).toThrow(/"maxBackoffMs"/);
    expect(() => resolveQdrantOptions({ url: 'http://x', collectionSettings: { replicationFactor: 0 } })).toThrow(/replicationFactor/);
  });
});

describe('QdrantStorage', () => {
  describe('connect', () => {
    it('uses an injected client instead of a url', async () => {
      const client = new QdrantClient({ url: emu.url, checkCompatibility: false });
      const storage = await QdrantStorage.connect({ client, collectionPrefix: 'inj' });
      await storage.openGlossaryStore('g');
      expect((await storage.listStores()).glossary).toEqual(['g']);
      await storage.close();
    });

    it('applies collectionSettings when it creates a collection', async () => {
      const storage = await QdrantStorage.connect({
        url: emu.url,
        collectionPrefix: 'scale',
        collectionSettings: { shardNumber: 4, replicationFactor: 2, writeConsistencyFactor: 2, onDiskVectors: true, onDiskPayload: true, hnswM: 0 },
      });
      await storage.openSrmStore({ name: 'big', dim: 3, metric: 'dot' });
      expect(emu.collectionSetup('scale-srm-big')?.create).toEqual({
        vectors: { size: 3, distance: 'Dot', on_disk: true, hnsw_config: { m: 0 } },
        shard_number: 4,
        replication_factor: 2,
        write_consistency_factor: 2,
        on_disk_payload: true,
      });
      await storage.close();
    });
  });

  describe('listStores, describeSrmStore and dropStores', () => {
    it('lists only the stores of its prefix, describes them, and drops them with their state', async () => {
      const a = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'pa' });
      const b = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'pa_b' });
      const store = await a.openSrmStore({ name: 'docs', dim: 3, metric: 'cosine' });
      await store.write({ upserts: [srmRecord(1, 3)] });
      await store.writeState(new Uint8Array([1]));
      await a.openGlossaryStore('terms');
      await b.openSrmStore({ name: 'other', dim: 3, metric: 'dot' });
      expect(await a.listStores()).toEqual({ srm: ['docs'], glossary: ['terms'] });
      expect(await a.describeSrmStore('docs')).toEqual({ name: 'docs', dim: 3, metric: 'cosine' });
      expect(await a.describeSrmStore('ghost')).toBeUndefined();

      await a.dropStores({ srm: ['docs'], glossary: ['terms'] });
      expect(await a.listStores()).toEqual({ srm: [], glossary: [] });
      expect(emu.storedPoints('pa-srmstate')).toEqual([]);
      expect((await b.listStores()).srm).toEqual(['other']);
      const fresh = await a.openSrmStore({ name: 'docs', dim: 5, metric: 'dot' });
      expect(await fresh.readState()).toBeNull();
      await a.close();
      await b.close();
    });

    it('refuses store names that cannot be part of a collection name', async () => {
      const s = await QdrantStorage.connect({ url: emu.url });
      await expect(s.openGlossaryStore('a b')).rejects.toThrow(InvalidConfigError);
      await expect(s.openSrmStore({ name: 'x/y', dim: 3, metric: 'dot' })).rejects.toThrow(InvalidConfigError);
      await s.close();
    });
  });

  describe('close', () => {
    it('makes the backend and its stores throw ClosedError, idempotently', async () => {
      const s = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'cl' });
      const g = await s.openGlossaryStore('g');
      await s.close();
      await s.close();
      await expect(g.count('a')).rejects.toThrow(ClosedError);
      await expect(s.listStores()).rejects.toThrow(ClosedError);
    });
  });
});
