/**
 * Adaptive update (off by default): an item farther than `tau` (squared L2) from its centroid
 * pulls that centroid by `eta`; unit norm is kept when normalising. The items of the moved buckets
 * are then re-routed, so none is left in a bucket whose centroid is no longer its nearest.
 */
import type { SRMItemStore } from '../storage/types.js';
import { normalizeInPlace } from '../util/vector-math.js';
import { Codebook } from './codebook.js';
import type { SRMConfig } from './config.js';
import { RoutingLayer } from './routing-layer.js';
import { vectorsOfSlots } from './train.js';

/** The layer after the update, and the items whose stored bucket it changes (to commit); null when no centroid moves. */
export interface AdaptedLayer {
  layer: RoutingLayer;
  placed: { slots: Uint32Array; buckets: Int32Array };
}

/**
 * Builds the layer that `n` new rows of `data` (routed to `buckets` by the current layer) make,
 * off to the side: the current layer is left as it is, so a failed commit changes nothing.
 */
export async function adaptLayer(
  config: SRMConfig,
  current: RoutingLayer,
  store: SRMItemStore,
  data: Float32Array,
  n: number,
  buckets: Int32Array,
): Promise<AdaptedLayer | null> {
  const cb = current.codebook!;
  const { d, tau, eta, normalize } = config;
  const centroids = cb.centroids.slice();
  const moved = new Set<number>();
  const dist = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    const b = buckets[i]!;
    cb.assign(data, i * d, dist);
    if (dist[0]! <= tau) continue;
    for (let j = 0; j < d; j++) centroids[b * d + j] = centroids[b * d + j]! + eta * (data[i * d + j]! - centroids[b * d + j]!);
    if (normalize) normalizeInPlace(centroids, b * d, d);
    moved.add(b);
  }
  if (moved.size === 0) return null;
  const next = new Codebook(cb.K, d, centroids);
  // Re-route the items of the moved buckets against the new centroids.
  const affected: number[] = [];
  const from: number[] = [];
  for (const b of moved) {
    for (const s of current.buckets.slotsOf(b)) {
      affected.push(s);
      from.push(b);
    }
  }
  const vectors = await vectorsOfSlots(config, current, store, affected);
  const to = Int32Array.from(affected, (_, i) => next.assign(vectors, i * d));
  // Their centroid moved, so residual rows must be re-encoded even when the bucket stays: every
  // affected item leaves its list and is placed again under the new codebook, in copies of the
  // lists it leaves and joins.
  const lists = current.buckets.copyLists(new Set([...moved, ...to]));
  for (const b of moved) lists.clear(b);
  const layer = new RoutingLayer(d, next, current.codec, lists, current.slots, current.fit);
  affected.forEach((slot, i) => layer.place(slot, to[i]!, vectors, i * d));
  const rerouted = affected.map((_, i) => i).filter((i) => to[i] !== from[i]);
  return {
    layer,
    placed: { slots: Uint32Array.from(rerouted, (i) => affected[i]!), buckets: Int32Array.from(rerouted, (i) => to[i]!) },
  };
}
