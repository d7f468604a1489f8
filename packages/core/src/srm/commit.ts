/**
 * The durable codebook change, written once. A new codebook changes which bucket the store
 * records for each item, and those records cannot all change in the transaction that writes the
 * state. So the state is first written marked "pending reroute", then the buckets, then the state
 * again without the mark. A crash in between leaves the mark, and the next open re-routes every
 * item against the new codebook instead of trusting the stored buckets.
 */
import type { SRMItemStore } from '../storage/types.js';
import type { SRMConfig } from './config.js';
import type { RoutingLayer } from './routing-layer.js';
import { encodeState } from './state.js';

/** The persisted state of `layer` under `config`. */
export function encodeLayerState(config: SRMConfig, layer: RoutingLayer, pendingReroute: boolean): Uint8Array {
  return encodeState({
    config,
    codebook: layer.codebook?.toBytes() ?? null,
    quantizer: layer.codebook ? layer.codec.paramsToBytes() : new Uint8Array(0),
    fitError: layer.fit.fitError,
    sizeAtFit: layer.codebook ? layer.fit.sizeAtFit : null,
    pendingReroute,
  });
}

/**
 * Makes `layer` the store's routing: its state, then the bucket of every item in `placed`, then
 * the state marked done. `swap` makes it the live layer in RAM as soon as the store's buckets are
 * the new layer's, so RAM and the stored buckets (by which deletes and upserts find an item's
 * list) agree whichever step fails: before the buckets are written the old layer stays live;
 * after it, the new one is live even if the last write fails (its open mark then makes the next
 * open re-route every item against the new codebook, which changes nothing).
 *
 * With `placed` null, only the state marked "pending reroute" is written before the swap: the
 * caller writes the buckets afterwards, in short steps, and then the state without the mark
 * ({@link encodeLayerState}); until then it must give the live buckets to whoever reads stored
 * ones (a refit does, see refit.ts). A crash meanwhile leaves the mark, so the next open re-routes.
 */
export async function commitLayer(
  store: SRMItemStore,
  config: SRMConfig,
  layer: RoutingLayer,
  placed: { slots: Uint32Array; buckets: Int32Array } | null,
  swap: () => void,
): Promise<void> {
  await store.writeState(encodeLayerState(config, layer, true));
  if (!placed) {
    swap();
    return;
  }
  if (placed.slots.length > 0) await store.setBuckets(placed.slots, placed.buckets);
  swap();
  await store.writeState(encodeLayerState(config, layer, false));
}
