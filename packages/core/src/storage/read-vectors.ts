/**
 * Reading stored vectors by slot into one matrix: through the store's batched
 * `readVectors` when it has one, else row by row through `fetchSlots`. The
 * one place both the rerank and the fit/refit read vectors.
 */
import type { SRMItemStore } from './types.js';

/** `fetchSlots(slots, { vector: true })` into row i of `out` for `slots[i]`; returns a mask, 1 where the slot holds an item. */
export async function readVectorsByRow(store: Pick<SRMItemStore, 'fetchSlots'>, slots: Uint32Array, out: Float32Array): Promise<Uint8Array> {
  const found = new Uint8Array(slots.length);
  const dim = slots.length === 0 ? 0 : out.length / slots.length;
  (await store.fetchSlots(slots, { vector: true })).forEach((r, i) => {
    if (!r?.vector) return;
    out.set(r.vector, i * dim);
    found[i] = 1;
  });
  return found;
}

/** The vectors of `slots` into `out` (`slots.length` x dim), by the store's fastest read; a mask of the slots found. */
export function readStoredVectors(store: SRMItemStore, slots: Uint32Array, out: Float32Array): Promise<Uint8Array> {
  return store.readVectors ? store.readVectors(slots, out) : readVectorsByRow(store, slots, out);
}
