/**
 * Opening a memory on its store: the stored state against the options, then the routing layer,
 * restored from the store's routing checkpoint when a current one exists, else rebuilt from a scan
 * of every stored item. Also the counterpart of the restore: saving a checkpoint.
 */
import { CorruptDataError, InvalidConfigError } from '../errors.js';
import { NO_VECTOR_BUCKET, type SRMItemStore, type StorageBackend } from '../storage/types.js';
import { InvertedBuckets } from './buckets.js';
import { CheckpointRejected, CHECKPOINTS_SUPPORTED, checkpointOf, restoreCheckpoint } from './checkpoint.js';
import { Codebook } from './codebook.js';
import { encodeLayerState } from './commit.js';
import { createCodec } from './codecs/index.js';
import { checkDependentOptions, type SRMConfig } from './config.js';
import { prepareStored, RoutingLayer, SlotAllocator } from './routing-layer.js';
import { decodeState } from './state.js';
import { STORE_PAGE } from './train.js';
import type { SRMOptions, SRMStats } from './types.js';

/** Options fixed when a memory is created: reopening with another value is an error. */
export const STRUCTURAL_KEYS = ['K', 'metric', 'normalize', 'rerank', 'pqSubvectors', 'seed'] as const;
/** Options a reopen may change (per-query defaults and refit settings). */
export const TUNABLE_KEYS = [
  'm',
  'topK',
  'maxCandidates',
  'refine',
  'refineEarlyStop',
  'driftRefitRatio',
  'growthRefitRatio',
  'adaptiveUpdate',
  'tau',
  'eta',
  'autoFitAt',
  'trainSize',
  'kmeansIterations',
] as const;

/** A memory's store, configuration and routing layer, as opened. */
export interface Opened {
  store: SRMItemStore;
  config: SRMConfig;
  layer: RoutingLayer;
  openedFrom: SRMStats['openedFrom'];
  /** Checksums of the bucket lists the store's checkpoint holds (null: none known). */
  checkpointChecksums: Uint32Array | null;
}

/** A new memory's layer: no codebook, one flat list of float32 rows. */
export function emptyLayer(config: SRMConfig): RoutingLayer {
  const codec = createCodec('float32', config.d, config.pqSubvectors);
  return new RoutingLayer(config.d, null, codec, new InvertedBuckets(1, codec), new SlotAllocator(), { fitError: null, sizeAtFit: 0 });
}

/**
 * Opens memory `name` in `backend` with the `resolved` options: restores the state and the
 * routing layer (from a checkpoint unless `rebuild`, else from a scan).
 */
export async function openMemory(backend: StorageBackend, name: string, resolved: SRMConfig, options: SRMOptions, rebuild: boolean): Promise<Opened> {
  let config = resolved;
  const store = await backend.openSrmStore({ name, dim: config.d, metric: config.metric });
  const raw = await store.readState();
  let layer = emptyLayer(config);
  let pendingReroute = false;
  let sizeAtFit: number | null = null;
  if (raw) {
    const state = decodeState(raw, store.location);
    if (state.config.d !== config.d) {
      throw new InvalidConfigError('d', `the memory at ${store.location} has d=${state.config.d}, the options say d=${config.d}`);
    }
    // Structural fields come from the stored state: asking for other values is an error, not a silent override.
    for (const key of STRUCTURAL_KEYS) {
      if (options[key] !== undefined && options[key] !== state.config[key]) {
        throw new InvalidConfigError(
          key,
          `the memory at ${store.location} was created with ${key}=${JSON.stringify(state.config[key])}; reopen without ${key} or with that value (or refit into a new memory)`,
        );
      }
    }
    // Per-query defaults may be overridden by the options.
    const merged = { ...state.config };
    for (const key of TUNABLE_KEYS) {
      if (options[key] !== undefined) (merged as Record<string, unknown>)[key] = options[key];
    }
    // An m given at the reopen is the probe count of every layer from now on.
    if (options.m !== undefined) merged.growM = false;
    checkDependentOptions(merged);
    config = merged;
    sizeAtFit = state.sizeAtFit;
    pendingReroute = state.pendingReroute;
    const fit = { fitError: state.fitError, sizeAtFit: 0 };
    if (state.codebook) {
      const codebook = Codebook.fromBytes(state.codebook, store.location);
      const codec = createCodec(config.rerank, config.d, config.pqSubvectors);
      codec.paramsFromBytes(state.quantizer, store.location);
      layer = new RoutingLayer(config.d, codebook, codec, new InvertedBuckets(codebook.K, codec), layer.slots, fit);
    } else layer = new RoutingLayer(config.d, null, layer.codec, layer.buckets, layer.slots, fit);
  } else {
    await store.writeState(encodeLayerState(config, layer, false));
  }
  let opened: Omit<Opened, 'store' | 'config'> | null = null;
  if (rebuild) opened = await rebuildFromStore(store, config, layer, pendingReroute, { source: 'scan', reason: 'rebuild was asked for' });
  else {
    const restored = await restoreFromCheckpoint(store, layer, raw, pendingReroute);
    opened = 'layer' in restored ? restored : await rebuildFromStore(store, config, layer, pendingReroute, restored.openedFrom);
  }
  const fit = { fitError: opened.layer.fit.fitError, sizeAtFit: sizeAtFit ?? opened.layer.slots.routed };
  const final = new RoutingLayer(config.d, opened.layer.codebook, opened.layer.codec, opened.layer.buckets, opened.layer.slots, fit);
  // Every item is routed against the stored codebook again: the interrupted change is done.
  if (pendingReroute) await store.writeState(encodeLayerState(config, final, false));
  return { ...opened, store, config, layer: final };
}

/**
 * The layer restored from the store's routing checkpoint when there is a current, valid one;
 * else why a scan must rebuild it.
 */
async function restoreFromCheckpoint(
  store: SRMItemStore,
  layer: RoutingLayer,
  state: Uint8Array | null,
  reroute: boolean,
): Promise<Omit<Opened, 'store' | 'config'> | { openedFrom: SRMStats['openedFrom'] }> {
  const checkpoints = store.checkpoints;
  const codebook = layer.codebook;
  if (!checkpoints || !state || !codebook || reroute || !CHECKPOINTS_SUPPORTED) {
    const reason = !checkpoints
      ? 'the backend keeps no checkpoints'
      : !state
        ? 'new memory'
        : !codebook
          ? 'not fitted'
          : reroute
            ? 'a refit was interrupted'
            : 'big-endian host';
    return { openedFrom: { source: 'scan', reason } };
  }
  try {
    const checkpoint = await checkpoints.read();
    if (!checkpoint) return { openedFrom: { source: 'scan', reason: 'no current checkpoint (a write came after the last one, or none was taken)' } };
    const restored = restoreCheckpoint(checkpoint, { state, K: codebook.K, layout: layer.codec, storedItems: await store.count() });
    const slots = new SlotAllocator();
    slots.live = restored.items;
    slots.end = restored.slotEnd;
    slots.free = restored.freeSlots;
    slots.unrouted = new Set(restored.unrouted);
    return { layer: layer.withBuckets(restored.buckets, slots), checkpointChecksums: restored.checksums, openedFrom: { source: 'checkpoint' } };
  } catch (err) {
    // The checkpoint is a cache of what the scan rebuilds: a bad one costs a scan, not an error.
    if (!(err instanceof CheckpointRejected || err instanceof CorruptDataError)) throw err;
    return { openedFrom: { source: 'scan', reason: `checkpoint refused: ${err.message}` } };
  }
}

/**
 * Rebuilds slots, buckets and codes of `layer` from a scan of the store, placing each row straight
 * into its list; with `reroute`, every item is routed again and the store's buckets corrected.
 */
async function rebuildFromStore(
  store: SRMItemStore,
  config: SRMConfig,
  layer: RoutingLayer,
  reroute: boolean,
  openedFrom: SRMStats['openedFrom'],
): Promise<Omit<Opened, 'store' | 'config'>> {
  const { codebook } = layer;
  const target = layer.withBuckets(new InvertedBuckets(codebook?.K ?? 1, layer.codec));
  const fixes: { slot: number; bucket: number }[] = [];
  const unrouted: number[] = [];
  let live = 0;
  let slotEnd = 0;
  for await (const page of store.scan({ bucket: true, vector: true }, STORE_PAGE)) {
    for (const rec of page) {
      live++;
      if (rec.slot >= slotEnd) slotEnd = rec.slot + 1;
      if (rec.bucket === NO_VECTOR_BUCKET) {
        unrouted.push(rec.slot);
        continue;
      }
      const v = rec.vector!;
      prepareStored(config.normalize, config.d, v, 0);
      let b = rec.bucket ?? -1;
      if (codebook && (reroute || b < 0 || b >= codebook.K)) {
        const nb = codebook.assign(v, 0);
        if (nb !== b) fixes.push({ slot: rec.slot, bucket: nb });
        b = nb;
      }
      target.place(rec.slot, b, v, 0);
    }
  }
  target.buckets.shrinkToFit();
  const rebuilt = target.withBuckets(target.buckets, SlotAllocator.ofLists(target.buckets, slotEnd, live, unrouted));
  if (fixes.length > 0) {
    await store.setBuckets(
      Uint32Array.from(fixes, (f) => f.slot),
      Int32Array.from(fixes, (f) => f.bucket),
    );
  }
  return { layer: rebuilt, checkpointChecksums: null, openedFrom };
}

/**
 * Saves `layer` as the store's routing checkpoint unless the current one is fresh; returns the
 * checksums of the lists now saved, or null when nothing was written.
 */
export async function saveCheckpoint(store: SRMItemStore, layer: RoutingLayer, savedChecksums: Uint32Array | null): Promise<Uint32Array | null> {
  const checkpoints = store.checkpoints;
  if (!checkpoints || !layer.codebook || !CHECKPOINTS_SUPPORTED) return null;
  if (await checkpoints.isCurrent()) return null;
  const state = await store.readState();
  if (!state) return null;
  const next = checkpointOf(layer.buckets, layer.codec, state, layer.slots.unrouted, savedChecksums);
  await checkpoints.write(next.header, layer.buckets.K + 1, next.lists);
  layer.buckets.markUnchanged();
  return next.checksums;
}

/**
 * The dimension of the memory `name` that exists in `backend`, for an open without `d`.
 * @throws InvalidConfigError when there is no such memory (creating one needs `d`).
 */
export async function storedDimension(backend: StorageBackend | undefined, name: string): Promise<number> {
  const spec = await backend?.describeSrmStore(name);
  if (!spec) {
    const where = backend ? `no memory named ${JSON.stringify(name)} exists in this ${backend.kind} storage` : 'an in-memory memory is always new';
    throw new InvalidConfigError('d', `is required to create a memory (${where}); it can be left out only to reopen an existing one`);
  }
  return spec.dim;
}
