/**
 * Live tests against a real Qdrant server: the shared storage contract, and
 * server-side scoring against brute force. Skipped, with the reason printed,
 * unless QDRANT_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glossaryStoreContract } from '@srm/testkit/contract/glossary-store';
import { srmStoreContract } from '@srm/testkit/contract/srm-store';
import type { QdrantStorage } from './qdrant-storage.js';
import { srmRecord, unitVectorOf } from '@srm/testkit/qdrant/fixtures';
import { announceSkip, connectLive, dropPrefix, liveFactory, QDRANT_URL, runPrefix } from '@srm/testkit/qdrant/live';

announceSkip('qdrant.int.test.ts');

describe.skipIf(!QDRANT_URL)('Qdrant live server', () => {
  srmStoreContract('qdrant (live)', liveFactory('s'));
  glossaryStoreContract('qdrant (live)', liveFactory('g'));

  describe('searchBuckets', () => {
    const prefix = runPrefix('b');
    const dim = 16;
    let storage: QdrantStorage;
    beforeAll(async () => {
      storage = await connectLive(prefix);
    });
    afterAll(async () => {
      await storage.close();
      await dropPrefix(prefix);
    });

    it('returns the exact top-k by cosine among the probed buckets and the filter', async () => {
      const store = await storage.openSrmStore({ name: 'scored', dim, metric: 'cosine' });
      const records = Array.from({ length: 400 }, (_, n) => srmRecord(n, dim));
      await store.write({ upserts: records });
      const query = unitVectorOf(10_001, dim);
      const buckets = [1, 3];
      const hits = await store.searchBuckets(query, buckets, 10, { field: 'lang', op: 'eq', value: 'en' });
      const expected = records
        .filter((r) => buckets.includes(r.bucket) && r.payload.lang === 'en')
        .map((r) => ({ slot: r.slot, score: r.vector.reduce((s, x, j) => s + x * query[j]!, 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10);
      expect(hits.map((h) => h.slot)).toEqual(expected.map((h) => h.slot));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 4));
    });
  });
});
