/**
 * TTL of SRMStore items, as LangGraph's PostgresStore has it: `defaultTtl`, a per-put `ttl`,
 * `refreshOnRead` and a read's `refreshTtl`, `sweepExpiredItems` and the sweeper. Time comes
 * from an injected clock; the sweeper's interval from vitest's fake timers. No sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { InvalidConfigError, InvalidInputError } from '@srm/core';
import { SRMStore } from './srm-store.js';
import type { SRMStoreOptions } from './srm-store.js';

const MINUTE = 60_000;
const open: SRMStore[] = [];
const dirs: string[] = [];

/** A store whose clock the test moves; `advance(minutes)` moves it. */
function clockedStore(options: SRMStoreOptions = {}) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = new SRMStore({
    index: { dims: 8, embeddings: new SyntheticEmbeddings({ vectorSize: 8 }), fields: ['text'] },
    clock: () => clock.now,
    ...options,
  });
  open.push(store);
  return { store, clock, advance: (minutes: number) => void (clock.now += minutes * MINUTE) };
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What a reader sees of `['users', 'alice'] / key`: through get, search with and without a query, and listNamespaces. */
async function visible(store: SRMStore, key: string) {
  return {
    get: (await store.get(['users', 'alice'], key, { refreshTtl: false })) !== null,
    listed: (await store.search(['users'], { refreshTtl: false })).some((it) => it.key === key),
    ranked: (await store.search(['users'], { query: `note ${key}`, refreshTtl: false })).some((it) => it.key === key),
    namespace: (await store.listNamespaces()).length > 0,
  };
}
const SEEN = { get: true, listed: true, ranked: true, namespace: true };
const UNSEEN = { get: false, listed: false, ranked: false, namespace: false };

describe('TTL', () => {
  it('hides an item from get, search and listNamespaces once defaultTtl has passed, and the sweep deletes it', async () => {
    const { store, advance } = clockedStore({ ttl: { defaultTtl: 10 } });
    await store.put(['users', 'alice'], 'a', { text: 'note a' });
    advance(9.99);
    expect(await visible(store, 'a')).toEqual(SEEN);
    advance(0.01);
    expect(await visible(store, 'a')).toEqual(UNSEEN);
    expect((await store.memory()).size).toBe(1);
    expect(await store.sweepExpiredItems()).toBe(1);
    expect((await store.memory()).size).toBe(0);
    expect(await store.sweepExpiredItems()).toBe(0);
  });

  it('takes a per-put ttl over defaultTtl, and ttl null never expires', async () => {
    const { store, advance } = clockedStore({ ttl: { defaultTtl: 10 } });
    await store.put(['users', 'alice'], 'short', { text: 'note short' }, undefined, { ttl: 1 });
    await store.put(['users', 'alice'], 'forever', { text: 'note forever' }, undefined, { ttl: null });
    await store.put(['users', 'alice'], 'default', { text: 'note default' });
    advance(2);
    expect((await visible(store, 'short')).get).toBe(false);
    expect((await visible(store, 'default')).get).toBe(true);
    advance(60 * 24 * 365);
    expect(await visible(store, 'forever')).toEqual(SEEN);
    expect(await store.sweepExpiredItems()).toBe(2);
    expect((await store.search(['users'])).map((it) => it.key)).toEqual(['forever']);
  });

  it('never expires items without defaultTtl or ttl', async () => {
    const { store, advance } = clockedStore();
    await store.put(['users', 'alice'], 'a', { text: 'note a' });
    advance(60 * 24 * 365 * 50);
    expect(await visible(store, 'a')).toEqual(SEEN);
    expect(await store.sweepExpiredItems()).toBe(0);
  });

  it('refreshes the TTL of items that get and search return, by default (refreshOnRead)', async () => {
    const { store, advance } = clockedStore({ ttl: { defaultTtl: 10 } });
    await store.put(['users', 'alice'], 'got', { text: 'note got' });
    await store.put(['users', 'alice'], 'found', { text: 'note found' });
    await store.put(['users', 'alice'], 'untouched', { text: 'note untouched' });
    advance(8);
    expect(await store.get(['users', 'alice'], 'got')).not.toBeNull();
    expect((await store.search(['users'], { query: 'note found', limit: 1 })).map((it) => it.key)).toEqual(['found']);
    advance(8); // 16 minutes after the puts, 8 after the reads
    expect((await visible(store, 'got')).get).toBe(true);
    expect((await visible(store, 'found')).get).toBe(true);
    expect((await visible(store, 'untouched')).get).toBe(false);
    advance(2);
    expect((await visible(store, 'got')).get).toBe(false);
  });

  it("follows a read's refreshTtl over refreshOnRead, both ways", async () => {
    const { store, advance } = clockedStore({ ttl: { defaultTtl: 10, refreshOnRead: false } });
    await store.put(['users', 'alice'], 'a', { text: 'note a' });
    await store.put(['users', 'alice'], 'b', { text: 'note b' });
    advance(8);
    await store.get(['users', 'alice'], 'a'); // refreshOnRead false: no refresh
    await store.get(['users', 'alice'], 'b', { refreshTtl: true });
    advance(8);
    expect((await visible(store, 'a')).get).toBe(false);
    expect((await visible(store, 'b')).get).toBe(true);
    const { store: refreshing, advance: later } = clockedStore({ ttl: { defaultTtl: 10 } });
    await refreshing.put(['users', 'alice'], 'c', { text: 'note c' });
    later(8);
    await refreshing.search(['users'], { refreshTtl: false });
    later(8);
    expect((await visible(refreshing, 'c')).get).toBe(false);
  });

  it('keeps the namespace listed while one of its items lives', async () => {
    const { store, advance } = clockedStore();
    await store.put(['users', 'alice'], 'a', { text: 'note a' }, undefined, { ttl: 5 });
    await store.put(['users', 'alice'], 'b', { text: 'note b' }, undefined, { ttl: 20 });
    await store.put(['users', 'bob'], 'c', { text: 'note c' }, undefined, { ttl: 5 });
    expect(await store.listNamespaces()).toEqual([
      ['users', 'alice'],
      ['users', 'bob'],
    ]);
    advance(6);
    expect(await store.listNamespaces()).toEqual([['users', 'alice']]);
    await store.put(['users', 'bob'], 'c', { text: 'note c again' }); // overwriting an expired item revives the namespace
    expect(await store.listNamespaces()).toEqual([
      ['users', 'alice'],
      ['users', 'bob'],
    ]);
    advance(15);
    expect(await store.listNamespaces()).toEqual([['users', 'bob']]);
    expect(await store.sweepExpiredItems()).toBe(2);
    expect(await store.listNamespaces()).toEqual([['users', 'bob']]);
  });

  it('keeps expiries across a restart: expired items stay invisible and the sweep after reopening deletes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srm-store-ttl-'));
    dirs.push(dir);
    const first = clockedStore({ path: dir, ttl: { defaultTtl: 10 } });
    await first.store.put(['users', 'alice'], 'a', { text: 'note a' });
    await first.store.put(['users', 'alice'], 'b', { text: 'note b' }, undefined, { ttl: 30 });
    await first.store.close();
    const second = clockedStore({ path: dir, ttl: { defaultTtl: 10 } });
    second.clock.now = first.clock.now + 15 * MINUTE;
    expect(await visible(second.store, 'a')).toEqual({ ...UNSEEN, namespace: true });
    expect(await visible(second.store, 'b')).toEqual(SEEN);
    expect(await second.store.sweepExpiredItems()).toBe(1);
    await second.store.close();
    const third = clockedStore({ path: dir, ttl: { defaultTtl: 10 } });
    third.clock.now = second.clock.now;
    expect((await third.store.memory()).size).toBe(1);
    expect((await third.store.search(['users'])).map((it) => it.key)).toEqual(['b']);
  });

  it('sweeps every sweepIntervalMinutes once started, and stops with stop()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { store, advance } = clockedStore({ ttl: { defaultTtl: 1, sweepIntervalMinutes: 5 } });
    await store.start();
    await store.put(['users', 'alice'], 'a', { text: 'note a' });
    advance(2);
    expect((await store.memory()).size).toBe(1);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    await store.batch([]); // the sweep runs before this batch
    expect((await store.memory()).size).toBe(0);
    store.stop();
    await store.put(['users', 'alice'], 'b', { text: 'note b' });
    advance(2);
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    await store.batch([]);
    expect((await store.memory()).size).toBe(1);
  });

  it('rejects bad TTL options and a bad per-put ttl, changing nothing', async () => {
    for (const ttl of [
      { defaultTtl: 0 },
      { defaultTtl: -1 },
      { defaultTtl: Number.NaN },
      { sweepIntervalMinutes: Infinity },
      { refreshOnRead: 'yes' },
      'ten',
    ]) {
      expect(() => new SRMStore({ ttl: ttl as never })).toThrow(InvalidConfigError);
    }
    const { store } = clockedStore();
    for (const ttl of [0, -5, Number.NaN, '10', {}]) {
      await expect(store.put(['users', 'alice'], 'a', { text: 'note' }, undefined, { ttl: ttl as never })).rejects.toThrow(InvalidInputError);
    }
    await expect(store.get(['users', 'alice'], 'a', { refreshTtl: 'yes' as never })).rejects.toThrow(InvalidInputError);
    expect((await store.memory()).size).toBe(0);
  });
});
