/**
 * The write path of a batch: slots and buckets for each item, one acknowledged store write,
 * then the rows placed in the live layer, all at once so no query sees half a batch.
 */
import { randomUUID } from 'node:crypto';
import { NO_VECTOR_BUCKET, type Payload, type SRMRecord, type SRMItemStore } from '../storage/types.js';
import type { SRMConfig } from './config.js';
import type { RoutingLayer, SlotAllocator } from './routing-layer.js';
import type { ProgressCallback } from './types.js';

/** A validated batch: `n` rows of `data` with their ids, payloads and the stored items they replace. */
export interface Batch {
  data: Float32Array;
  n: number;
  /** 1 where row i has a vector; null when every row has one. A row without one is all zeros in `data`. */
  present: Uint8Array | null;
  ids: string[];
  payloads: Payload[];
  existing: ({ slot: number; bucket?: number } | undefined)[];
  /** Stored items deleted in the same store write (`addAndDelete`). */
  removals: readonly { id: string; slot: number; bucket?: number }[];
}

/**
 * Stores `batch` and places it in `layer`; `written` hears of every slot written. Returns each
 * row's bucket (-1 before the fit, {@link NO_VECTOR_BUCKET} for a row without a vector) and the sum
 * of their squared distances to their centroids.
 * A failed store write changes nothing.
 */
export async function insertBatch(
  store: SRMItemStore,
  config: SRMConfig,
  layer: RoutingLayer,
  batch: Batch,
  written: (slot: number) => void,
  onProgress?: ProgressCallback,
): Promise<{ buckets: Int32Array; errSum: number }> {
  const { d } = config;
  const { data, n, ids, payloads, existing, removals, present } = batch;
  const { codebook, slots: allocator } = layer;
  const slots = new Uint32Array(n);
  const buckets = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  codebook?.route(data, 0, n, buckets, dist);
  onProgress?.({ phase: 'add:route', done: n, total: n });
  let errSum = 0;
  const newSlots: number[] = [];
  for (let i = 0; i < n; i++) {
    const prev = existing[i];
    if (prev) slots[i] = prev.slot;
    else {
      const s = allocator.take();
      slots[i] = s;
      newSlots.push(s);
    }
    if (present && !present[i]) buckets[i] = NO_VECTOR_BUCKET;
    else errSum += dist[i]!;
  }
  const records: SRMRecord[] = Array.from({ length: n }, (_, i) => ({
    id: ids[i]!,
    slot: slots[i]!,
    bucket: buckets[i]!,
    vector: data.subarray(i * d, (i + 1) * d),
    payload: payloads[i]!,
  }));
  try {
    await store.write(removals.length > 0 ? { upserts: records, deleteIds: removals.map((r) => r.id) } : { upserts: records });
  } catch (err) {
    // Nothing was acknowledged: hand the slots back.
    for (const s of newSlots) allocator.release(s);
    throw err;
  }
  // The store acknowledged: apply to RAM synchronously, so no query sees half a batch.
  layer.reserveFor(buckets, n);
  for (let i = 0; i < n; i++) {
    const prev = existing[i];
    if (prev) layer.unplace(slots[i]!, prev.bucket ?? -1);
    layer.place(slots[i]!, buckets[i]!, data, i * d);
    written(slots[i]!);
  }
  // Removed slots are freed only now, so none was reused by this batch's upserts.
  for (const r of removals) {
    layer.unplace(r.slot, r.bucket ?? -1);
    allocator.release(r.slot);
    written(r.slot);
  }
  allocator.live += newSlots.length - removals.length;
  onProgress?.({ phase: 'add', done: n, total: n });
  return { buckets, errSum };
}

/**
 * The item counts after a batch whose upserts find `existing` and whose deletes find `doomed`:
 * items stored, those with a vector (not counting replaced ones that gain one: what the automatic
 * fit counts), and how many the deletes remove.
 */
export function countsAfter(
  slots: SlotAllocator,
  existing: readonly (object | undefined)[],
  doomed: readonly (object | undefined)[],
  present: Uint8Array | null,
): { live: number; routed: number; deleted: number } {
  const added = existing.filter((e) => e === undefined).length;
  const deleted = doomed.filter((e) => e !== undefined).length;
  const addedRouted = existing.filter((e, i) => e === undefined && (!present || present[i])).length;
  return { live: slots.live + added - deleted, routed: slots.routed + addedRouted, deleted };
}

/** `n` UUID v4 ids that are not in `store` (a collision is astronomically rare, but checked). */
export async function freshIds(store: SRMItemStore, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const clash = await store.fetchIds(ids, {});
  return clash.some((c) => c !== undefined) ? freshIds(store, n) : ids;
}
