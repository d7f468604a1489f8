/**
 * What a memory says about itself: `verify` (the routing layer against the store) and `stats`
 * (sizes, bucket distribution, quantisation error, hot bytes).
 */
import { NO_VECTOR_BUCKET, type SRMItemStore } from '../storage/types.js';
import type { SRMConfig } from './config.js';
import type { RoutingLayer } from './routing-layer.js';
import { STORE_PAGE } from './train.js';
import type { SRMStats } from './types.js';

/** The result of {@link verifyLayer}. */
export interface Verdict {
  ok: boolean;
  items: number;
  problems: string[];
}

/**
 * Checks `layer` against the store: every stored item is in exactly one bucket list (the one its
 * routing code names), or in none when it has no vector; no list holds a slot twice or a slot
 * without an item, and the size matches.
 */
export async function verifyLayer(layer: RoutingLayer, store: SRMItemStore, deep = false): Promise<Verdict> {
  // The store's own deep check (embedded: integrity_check and every checksum) reads everything.
  const problems: string[] = deep && store.verifyStorage ? (await store.verifyStorage()).problems : [];
  const listOfSlot = new Map<number, number>();
  const { buckets, codebook } = layer;
  for (let b = 0; b < buckets.K; b++) {
    for (const s of buckets.slotsOf(b)) {
      const other = listOfSlot.get(s);
      if (other !== undefined) problems.push(`slot ${s} is in buckets ${other} and ${b}`);
      listOfSlot.set(s, b);
    }
  }
  let items = 0;
  const unrouted = new Set(layer.slots.unrouted);
  for await (const page of store.scan({ id: true, bucket: true }, STORE_PAGE)) {
    for (const r of page) {
      items++;
      const b = listOfSlot.get(r.slot);
      if (r.bucket === NO_VECTOR_BUCKET || unrouted.has(r.slot)) {
        if (r.bucket !== NO_VECTOR_BUCKET) problems.push(`item ${JSON.stringify(r.id)} (slot ${r.slot}) has a vector but is held as one without`);
        else if (!unrouted.has(r.slot)) problems.push(`item ${JSON.stringify(r.id)} (slot ${r.slot}) has no vector but is not held as one without`);
        if (b !== undefined) problems.push(`item ${JSON.stringify(r.id)} (slot ${r.slot}) has no vector but is listed in bucket ${b}`);
        unrouted.delete(r.slot);
      } else if (b === undefined) problems.push(`item ${JSON.stringify(r.id)} (slot ${r.slot}) is in no bucket`);
      else if (codebook && b !== r.bucket) problems.push(`item ${JSON.stringify(r.id)} is listed in bucket ${b} but stored with bucket ${r.bucket}`);
      listOfSlot.delete(r.slot);
    }
  }
  for (const [s, b] of listOfSlot) problems.push(`bucket ${b} lists slot ${s}, which no stored item has`);
  for (const s of unrouted) problems.push(`slot ${s} is held as an item without a vector, which no stored item has`);
  const live = layer.slots.live;
  if (items !== live) problems.push(`size says ${live} items, the store holds ${items}`);
  return { ok: problems.length === 0, items, problems: problems.slice(0, 100) };
}

/** What `stats()` reports beyond the layer itself. */
export interface StatsContext {
  config: SRMConfig;
  refitting: boolean;
  recentError: number | null;
  openedFrom: SRMStats['openedFrom'];
  lastRefitError: unknown;
}

/** Item counts, bucket-size distribution, quantisation error and hot bytes by part. */
export function layerStats(layer: RoutingLayer, ctx: StatsContext): SRMStats {
  const { codebook, buckets } = layer;
  const live = layer.slots.live;
  const routed = layer.slots.routed;
  const sizes = codebook ? Array.from(buckets.sizes()).sort((a, b) => a - b) : [];
  const pick = (p: number) => (sizes.length ? sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]! : 0);
  return {
    items: live,
    withoutVector: layer.slots.unrouted.size,
    d: ctx.config.d,
    K: codebook?.K ?? ctx.config.K,
    m: layer.defaultProbes(ctx.config),
    fitted: codebook !== null,
    rerank: ctx.config.rerank,
    refitting: ctx.refitting,
    buckets: {
      count: codebook?.K ?? 1,
      empty: sizes.filter((s) => s === 0).length,
      min: sizes[0] ?? routed,
      max: sizes[sizes.length - 1] ?? routed,
      mean: codebook ? routed / codebook.K : routed,
      p50: codebook ? pick(0.5) : routed,
      p95: codebook ? pick(0.95) : routed,
    },
    quantizationError: { fit: layer.fit.fitError, recent: ctx.recentError },
    hotBytes: layer.hotBytes(),
    denseFloat32Bytes: routed * ctx.config.d * 4,
    openedFrom: { ...ctx.openedFrom },
    ...(ctx.lastRefitError ? { lastRefitError: String(ctx.lastRefitError) } : {}),
  };
}
