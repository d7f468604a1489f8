/**
 * A codebook change (fit, refit, adaptive update) is built off to the side and swapped in only as
 * far as the store took it: a store whose state write fails leaves RAM agreeing with the store.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import type { SRMItemStore, StorageBackend } from '../storage/types.js';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { gloveSample } from '../../test/helpers/glove.js';
import { SemanticRoutingMemory } from './memory.js';

const tempDir = tempDirs('srm-commit-');

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(4000, 10, 500);
});

const rows = (from: number, to: number) => glove.data.slice(from * glove.d, to * glove.d);
const idsFor = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
const codebookOf = (m: SemanticRoutingMemory) => (m as unknown as { layer: { codebook: unknown } }).layer.codebook;

/** What a full disk throws. */
class DiskFull extends Error {}

/** Which state writes fail: none, the one that opens a codebook change (pending), or the one that closes it. */
type Failing = 'none' | 'pending' | 'done';

/** A real backend whose SRM store's `writeState` throws {@link DiskFull} for the chosen kind of state write. */
function failingStates(inner: StorageBackend): { backend: StorageBackend; fail: { next: Failing } } {
  const fail = { next: 'none' as Failing };
  const wrap = (store: SRMItemStore): SRMItemStore =>
    new Proxy(store, {
      get(target, key) {
        if (key === 'writeState') {
          return async (bytes: Uint8Array) => {
            // The header is JSON after 16 bytes; a pending change says so in it.
            const pending = new TextDecoder()
              .decode(bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true)))
              .includes('"pendingReroute":true');
            if (fail.next !== 'none' && pending === (fail.next === 'pending')) {
              fail.next = 'none';
              throw new DiskFull('database or disk is full');
            }
            return target.writeState(bytes);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const backend: StorageBackend = {
    kind: inner.kind,
    openSrmStore: async (spec) => wrap(await inner.openSrmStore(spec)),
    openGlossaryStore: (name) => inner.openGlossaryStore(name),
    listStores: () => inner.listStores(),
    describeSrmStore: (name) => inner.describeSrmStore(name),
    close: () => inner.close(),
  };
  return { backend, fail };
}

async function topIds(memory: SemanticRoutingMemory, from: number, to: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = from; i < to; i += 50) out.push((await memory.query(rows(i, i + 1), { k: 1 }))[0]!.id);
  return out;
}

describe('adaptive update against a failing state write', () => {
  // No background refit: it would commit over the state these tests leave.
  const options = { K: 16, autoFitAt: 0, adaptiveUpdate: true, tau: 0.2, eta: 0.1, driftRefitRatio: 0, growthRefitRatio: 0 };

  it('a state write that fails before the buckets move leaves the live layer, and RAM agrees with the store', async () => {
    const { backend, fail } = failingStates(EmbeddedStorage.inMemory());
    const memory = new SemanticRoutingMemory({ d: glove.d, ...options }, backend);
    await memory.fit(rows(0, 1000));
    await memory.add(rows(0, 2000), { ids: idsFor(0, 2000) });
    const before = codebookOf(memory);
    fail.next = 'pending';
    await expect(memory.add(rows(2000, 3000), { ids: idsFor(2000, 3000) })).rejects.toThrow(DiskFull);
    // The batch itself was acknowledged before the update failed: it is stored and found.
    expect(codebookOf(memory)).toBe(before);
    expect(memory.size).toBe(3000);
    expect((await memory.verify()).problems).toEqual([]);
    expect(await topIds(memory, 2000, 3000)).toEqual(idsFor(2000, 3000).filter((_, i) => i % 50 === 0));
    // Deletes find each item in the list the store names.
    expect(await memory.delete(idsFor(0, 3000).filter((_, i) => i % 3 === 0))).toBe(1000);
    expect((await memory.verify()).problems).toEqual([]);
    await memory.close();
    await backend.close();
  });

  it('a state write that fails after the buckets moved swaps the new layer in, and a reopen re-routes to the same answers', async () => {
    const path = tempDir();
    const { backend, fail } = failingStates(await EmbeddedStorage.open(path));
    const memory = new SemanticRoutingMemory({ d: glove.d, ...options }, backend);
    await memory.fit(rows(0, 1000));
    await memory.add(rows(0, 2000), { ids: idsFor(0, 2000) });
    const before = codebookOf(memory);
    fail.next = 'done';
    await expect(memory.add(rows(2000, 3000), { ids: idsFor(2000, 3000) })).rejects.toThrow(DiskFull);
    expect(codebookOf(memory)).not.toBe(before);
    expect((await memory.verify()).problems).toEqual([]);
    expect(await memory.delete(idsFor(0, 3000).filter((_, i) => i % 3 === 0))).toBe(1000);
    expect((await memory.verify()).problems).toEqual([]);
    const answers = await topIds(memory, 1, 3000);
    await memory.close();
    await backend.close();

    const reopened = await SemanticRoutingMemory.open({ path });
    expect(reopened.stats().openedFrom).toEqual({ source: 'scan', reason: 'a refit was interrupted' });
    expect((await reopened.verify()).problems).toEqual([]);
    expect(await topIds(reopened, 1, 3000)).toEqual(answers);
    await reopened.close();
  });
});

describe('fit and refit against a failing state write', () => {
  it('a failed fit leaves the memory flat and exact; a failed refit keeps the fitted layer; both succeed once the disk has room', async () => {
    const { backend, fail } = failingStates(EmbeddedStorage.inMemory());
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 0, driftRefitRatio: 0, growthRefitRatio: 0 }, backend);
    await memory.add(rows(0, 2000), { ids: idsFor(0, 2000) });
    fail.next = 'pending';
    await expect(memory.refit()).rejects.toThrow(DiskFull);
    expect(memory.isFitted).toBe(false);
    expect((await memory.verify()).problems).toEqual([]);
    await memory.refit();
    const fitted = codebookOf(memory);
    expect(fitted).not.toBeNull();
    fail.next = 'pending';
    await expect(memory.refit()).rejects.toThrow(DiskFull);
    expect(codebookOf(memory)).toBe(fitted);
    expect((await memory.verify()).problems).toEqual([]);
    await memory.refit();
    expect(codebookOf(memory)).not.toBe(fitted);
    expect((await memory.verify()).problems).toEqual([]);
    expect(await topIds(memory, 0, 2000)).toEqual(idsFor(0, 2000).filter((_, i) => i % 50 === 0));
    await memory.close();
    await backend.close();
  });
});
