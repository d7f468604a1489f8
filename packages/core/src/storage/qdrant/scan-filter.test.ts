/**
 * Where the Qdrant store evaluates a scan's filter: on the server (a scroll with Qdrant's filter)
 * when the translation selects a superset of the matches, in process otherwise. The contract
 * suite checks the results; this checks what is sent.
 */
import { describe, expect, it } from 'vitest';
import type { FilterInput } from '../../filter.js';
import { QdrantStorage } from './qdrant-storage.js';
import { srmRecord, useValidatingEmulator } from '@srm/testkit/qdrant/fixtures';

const emulator = useValidatingEmulator();
const DIM = 4;
let run = 0;

async function scrollFilters(filter: FilterInput): Promise<{ filters: unknown[]; slots: number[] }> {
  const emu = emulator();
  const storage = await QdrantStorage.connect({ url: emu.url, collectionPrefix: `scan${++run}`, retries: 0 });
  try {
    const store = await storage.openSrmStore({ name: 'docs', dim: DIM, metric: 'cosine' });
    await store.write({ upserts: Array.from({ length: 10 }, (_, n) => srmRecord(n, DIM)) });
    const before = emu.requests.length;
    const slots: number[] = [];
    for await (const page of store.scan({ id: true }, { filter })) slots.push(...page.map((v) => v.slot));
    const scrolls = emu.requests.slice(before).filter((r) => r.operationId === 'scroll_points');
    return { filters: scrolls.map((r) => (r.body as { filter?: unknown }).filter), slots };
  } finally {
    await storage.close();
  }
}

describe('QdrantItemStore.scan with a filter', () => {
  it('sends an equality as a Qdrant filter on the user payload', async () => {
    const { filters, slots } = await scrollFilters({ lang: 'en' });
    expect(filters).toEqual([{ must: [{ key: 'user.lang', match: { value: 'en' } }] }]);
    expect(slots).toEqual([1, 3, 5, 7, 9]);
  });

  it('filters in process what a negation would make a subset on the server', async () => {
    const { filters, slots } = await scrollFilters({ field: 'lang', op: 'ne', value: 'en' });
    expect(filters).toEqual([undefined]);
    expect(slots).toEqual([0, 2, 4, 6, 8]);
  });

  it('sends no request when the filter matches nothing', async () => {
    const { filters, slots } = await scrollFilters({ or: [] });
    expect(filters).toEqual([]);
    expect(slots).toEqual([]);
  });
});
