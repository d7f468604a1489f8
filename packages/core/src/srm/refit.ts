/**
 * The background refit and the policy that starts it. A refit trains a new codebook and quantizer
 * on a sample of the stored items and routes every item into a new layer, without the lock, while queries and
 * writes go on against the live layer. Writes made meanwhile are noted and routed into the new
 * layer too before the swap, so none is lost or orphaned.
 */
import { ClosedError, InvalidInputError } from '../errors.js';
import type { SRMItemStore } from '../storage/types.js';
import { Yielder } from '../util/rw-lock.js';
import { encodeLayerState } from './commit.js';
import type { SRMConfig } from './config.js';
import { RoutingLayer } from './routing-layer.js';
import type { LayerTrainer } from './layer-trainer.js';
import type { MemoryLock } from './memory-lock.js';
import { layerConfig } from './layer-shape.js';
import { presizedLists, routeInto, sampleStored, type RouteSource } from './train.js';
import { openTrainer, type TrainerChoice } from './training-worker.js';
import { WORK_SLICE_MS } from './work-slice.js';
import type { ProgressCallback } from './types.js';

/** Options that control one refit. */
export interface RefitOptions {
  onProgress?: ProgressCallback;
  /**
   * Run the training and routing in a worker thread, so queries never wait for them (true), or
   * on the main thread in slices (false). Default: in a worker unless the refit is so small that
   * starting a thread costs more than the few slices it takes. Where no worker can start, the
   * refit runs in-process either way, with the same result.
   */
  worker?: boolean;
}

/**
 * Multiply-adds (k-means on the sample, then routing every item) below which a refit runs
 * in-process by default: a few tens of milliseconds of work, two or three slices, less than a
 * worker thread takes to start.
 */
const WORKER_MIN_WORK = 5e7;

/** Whether a refit of `items` items is worth a worker thread. */
function worthAWorker(config: SRMConfig, items: number): boolean {
  const { K, d, trainSize, kmeansIterations } = config;
  return (Math.min(items, trainSize) * kmeansIterations + items) * K * d >= WORKER_MIN_WORK;
}

/** Progress phases of a refit's training. */
const REFIT_PHASES = { kmeans: 'refit:kmeans', quantizer: 'refit:quantizer' } as const;

/**
 * A refit catches up on the writes made while it routed, without the lock, until at most this
 * many are left for its last round (which holds writes off), in at most this many rounds.
 */
const REFIT_CATCH_UP_DONE = 1024;
const REFIT_CATCH_UP_ROUNDS = 8;
/**
 * After the swap, a refit writes its items' buckets to the store this many at a time, each step
 * under the read lock (writes wait for it, queries do not; a synchronous store still holds the
 * event loop for one step, which a query that arrives meanwhile waits for: a few milliseconds).
 */
const WRITE_BACK_STEP = 256;

/** What a refit needs of its memory. */
export interface RefitHost {
  readonly config: SRMConfig;
  readonly store: SRMItemStore;
  readonly lock: MemoryLock;
  /** The live layer. */
  readonly layer: RoutingLayer;
  /** Changes whenever a fit or refit installs a layer: a refit that sees it change was superseded. */
  readonly epoch: number;
  /** Set when the memory begins to close: no refit may start after that. */
  readonly closing: boolean;
  /**
   * Commits `next` to the store and makes it the live layer (see `commitLayer`; with `placed`
   * null the buckets are written afterwards by the caller). Caller holds the write lock.
   */
  install(next: RoutingLayer, placed: { slots: Uint32Array; buckets: Int32Array } | null): Promise<void>;
  /** Fits a memory that has no codebook yet, on its stored items. Caller holds the write lock. */
  fitStored(onProgress?: ProgressCallback): Promise<void>;
}

/**
 * When to refit: when the memory has grown `growthRefitRatio` times since the last fit, or when
 * recent items sit much farther from their centroids than the fitted ones did (drift).
 */
export class RefitPolicy {
  /** Exponential moving average of new items' squared distance to their centroid (null: none since the fit). */
  recentError: number | null = null;
  private addsSinceFit = 0;

  /** Notes `n` items added with squared centroid distances summing to `errSum` (window ~1000 items). */
  track(errSum: number, n: number): void {
    const mean = errSum / n;
    const alpha = Math.min(1, n / 1000);
    this.recentError = this.recentError === null ? mean : (1 - alpha) * this.recentError + alpha * mean;
    this.addsSinceFit += n;
  }

  /** A new layer was installed: its fit is the new baseline. */
  reset(): void {
    this.recentError = null;
    this.addsSinceFit = 0;
  }

  /** Whether `layer` calls for a refit. */
  due(config: SRMConfig, layer: RoutingLayer): boolean {
    if (!layer.codebook) return false;
    const { driftRefitRatio, growthRefitRatio } = config;
    const { fitError, sizeAtFit } = layer.fit;
    const grown = growthRefitRatio !== 0 && layer.slots.routed >= growthRefitRatio * Math.max(sizeAtFit, 1);
    const drifted =
      driftRefitRatio !== 0 &&
      fitError !== null &&
      this.recentError !== null &&
      this.addsSinceFit >= Math.max(1000, 0.1 * sizeAtFit) &&
      this.recentError > driftRefitRatio * Math.max(fitError, 1e-12);
    return grown || drifted;
  }
}

/** One background refit at a time, and the policy that starts them. */
export class BackgroundRefit {
  readonly policy = new RefitPolicy();
  /** The last background refit's failure, for stats. */
  lastError: unknown = null;
  private task: Promise<void> | null = null;
  /** Slots written since the running refit took its snapshot. */
  private dirty: Set<number> | null = null;
  /** The running refit's trainer, which {@link abort} closes. */
  private trainer: LayerTrainer | null = null;
  /**
   * While a refit writes its buckets back after the swap: each slot's bucket in the live layer
   * where the store's still lags it, else -1; valid while the epoch is `laggingEpoch`.
   */
  private lagging: Int32Array | null = null;
  private laggingEpoch = -1;
  /** Settles once the buckets of the last swap are written back. */
  private writingBack: Promise<void> = Promise.resolve();

  /** @param trainers - how a refit gets its trainer (a worker thread when one starts). */
  constructor(
    private readonly host: RefitHost,
    private readonly trainers: (config: SRMConfig, choice: TrainerChoice) => Promise<LayerTrainer> = openTrainer,
  ) {}

  /** Whether a refit is running. */
  get running(): boolean {
    return this.task !== null;
  }

  /** Notes a write to `slot`, which a running refit must route again (and whose stored bucket the write itself made current). */
  noteWrite(slot: number): void {
    this.dirty?.add(slot);
    if (this.lagging && slot < this.lagging.length) this.lagging[slot] = -1;
  }

  /**
   * The bucket of `slot` in the live layer, given the one the store gave: they differ only while a
   * refit writes its buckets back after its swap. Deletes and upserts find an item's list by it.
   */
  liveBucket(slot: number, stored: number | undefined): number | undefined {
    const lagging = this.host.epoch === this.laggingEpoch ? this.lagging : null;
    const live = lagging && slot < lagging.length ? lagging[slot]! : -1;
    return live >= 0 ? live : stored;
  }

  /** Records with their item's bucket in the live layer (see {@link liveBucket}). */
  withLiveBuckets<R extends { slot: number; bucket?: number }>(recs: (R | undefined)[]): (R | undefined)[] {
    return recs.map((r) => (r ? { ...r, bucket: this.liveBucket(r.slot, r.bucket) } : r));
  }

  /** Whether stored buckets lag the live layer (a refit is writing them back). */
  get bucketsLag(): boolean {
    return this.lagging !== null && this.host.epoch === this.laggingEpoch;
  }

  /** Resolves once the buckets of the last refit are written back to the store (or their write failed). */
  bucketsWritten(): Promise<void> {
    return this.writingBack;
  }

  /** Starts a refit, or joins the running one. */
  start(opts: RefitOptions = {}): Promise<void> {
    if (this.task) return this.task;
    const task = this.run(opts).finally(() => {
      this.task = null;
      this.dirty = null;
    });
    this.task = task;
    // Items that arrived while it trained may already call for the next one.
    task.then(
      () => this.maybeStart(),
      () => undefined,
    );
    return task;
  }

  /** Starts a background refit when the policy calls for one. */
  maybeStart(): void {
    if (this.task || this.host.closing || !this.policy.due(this.host.config, this.host.layer)) return;
    this.start().catch((err: unknown) => {
      this.lastError = err;
    });
  }

  /**
   * Stops the running refit's training or routing (its worker thread is terminated): the refit
   * rejects with `ClosedError` and the live layer stays as it is. For close().
   */
  abort(): void {
    this.trainer?.close();
  }

  /** Resolves when no refit is running. */
  async idle(): Promise<void> {
    // A finished refit may start the next one (growth); wait for that too.
    while (this.task) await this.task.catch(() => undefined);
  }

  private async run(opts: RefitOptions): Promise<void> {
    const host = this.host;
    const { config, lock } = host;
    if (!host.layer.codebook) {
      const routed = host.layer.slots.routed;
      if (routed < config.K) throw new InvalidInputError(`refit needs at least K=${config.K} items with a vector, the memory has ${routed}`);
      // An add may have made the first fit while this waited for the lock: then refit as usual.
      const fitted = await lock.write(async () => {
        if (host.layer.codebook) return false;
        await host.fitStored(opts.onProgress);
        return true;
      });
      if (fitted) return;
    }
    const shaped = layerConfig(config, host.layer.slots.routed);
    const trainer = await this.trainers(shaped, { worker: opts.worker ?? worthAWorker(shaped, host.layer.slots.routed) });
    this.trainer = trainer;
    try {
      // close() may have begun while the worker started: it aborted nothing then.
      if (host.closing) throw new ClosedError('memory');
      await this.refitWith(trainer, shaped.trainSize, opts);
    } finally {
      this.trainer = null;
      trainer.close();
    }
  }

  /** Refits with `trainer`, which trains the new layer's K (see layer-shape.ts) on at most `trainSize` stored items. */
  private async refitWith(trainer: LayerTrainer, trainSize: number, opts: RefitOptions): Promise<void> {
    const host = this.host;
    const { config, lock } = host;
    const epoch = host.epoch;
    const source = (): RouteSource => ({ config, layer: host.layer, store: host.store });
    this.dirty = new Set();
    // 1. The training sample, read without holding the lock.
    const slots = await lock.read(() => host.layer.allSlots());
    const sample = await sampleStored(config, host.layer, host.store, slots, trainSize);
    // The quantizer learnt the residuals of the old codebook on the items of its time: it is
    // retrained with the codebook, on the same sample.
    const { codebook, codec, inertia, shares } = await trainer.train(sample, config.seed + 1, REFIT_PHASES, opts.onProgress);
    // 2. Route every item with the new codebook into new lists, encoding its row with the new
    //    codec, while queries go on.
    const allocator = host.layer.slots;
    const next = new RoutingLayer(config.d, codebook, codec, presizedLists(codebook, codec, shares, slots.length), allocator, {
      fitError: inertia,
      // The baseline is what the codebook was trained on, not what arrived while it was trained.
      sizeAtFit: slots.length,
    });
    // Sized by the snapshot too: a delete of the highest slot since it lowers the allocator's end
    // below a slot this pass still routes, whose bucket must be recorded to be withdrawn.
    const routed = { bucketOf: new Int32Array(Math.max(allocator.end, (slots.at(-1) ?? -1) + 1)).fill(-1) };
    await routeInto(next, source(), slots, 'refit:route', trainer, opts.onProgress, routed.bucketOf);
    // 3. Catch up, still without the lock, on what was written meanwhile, so that the last round
    //    (step 4) re-routes only the last writes: writes wait for it, not for every write made
    //    during the refit (at a steady write rate, most of them).
    let backlog = slots.length;
    for (let round = 0; round < REFIT_CATCH_UP_ROUNDS && host.epoch === epoch; round++) {
      // A round pays only while writes come slower than the routing: it must at least halve the
      // backlog. Writes as fast as the routing are left to the last round, which makes them wait.
      const pending = this.dirty.size;
      if (pending <= REFIT_CATCH_UP_DONE || pending > backlog / 2) break;
      backlog = pending;
      const written = this.dirty;
      this.dirty = new Set();
      const { changed } = this.withdraw(written, next, routed);
      await routeInto(next, source(), changed, 'refit:catch-up', trainer, opts.onProgress, routed.bucketOf);
    }
    // Trimming the lists copies every one of them: done before the last round, a list at a time in
    // slices, so queries do not wait for it (the few items re-routed then may grow a list again).
    const yielder = new Yielder(WORK_SLICE_MS);
    for (let b = 0; b < next.buckets.K; b++) {
      next.buckets.shrink(b);
      await yielder.maybe();
    }
    // 4. Route what was written since with writes held off, while queries go on against the live
    //    layer, then swap under the write lock. The stored buckets are written after it, so
    //    queries do not wait for a write of every item.
    const swapped = await lock.pausingWrites(
      async () => {
        // An explicit fit() that ran meanwhile replaced the layer; it supersedes this refit.
        if (host.epoch !== epoch) return null;
        const { changed, live } = this.withdraw(this.dirty!, next, routed);
        // Every write since the snapshot is in dirty; this only guards the swap against a slot missed.
        const { bucketOf } = routed;
        for (let s = 0; s < bucketOf.length; s++) {
          if (bucketOf[s]! >= 0 && !live[s]) next.buckets.remove(bucketOf[s]!, s);
        }
        await routeInto(next, source(), changed, 'refit:reroute', trainer, opts.onProgress);
        // Each item's bucket in the new layer, until the store has it: made here, where queries
        // do not wait for it (no write can place an item until the swap).
        const placed = next.buckets.assignments();
        const lagging = new Int32Array(next.slots.end).fill(-1);
        placed.slots.forEach((slot, i) => (lagging[slot] = placed.buckets[i]!));
        return lagging;
      },
      async (lagging) => {
        if (!lagging) return false;
        await host.install(next, null);
        this.lagging = lagging;
        this.laggingEpoch = host.epoch;
        opts.onProgress?.({ phase: 'refit:route', done: slots.length, total: slots.length });
        return true;
      },
    );
    if (!swapped) return;
    // A failed write leaves the lag in place (deletes still find their lists) and the store's
    // pending mark, so the next open re-routes: the refit rejects with its error.
    const writing = this.writeBack(next);
    this.writingBack = writing.catch(() => undefined);
    await writing;
  }

  /**
   * Writes the bucket of every item of the installed layer `next` to the store, a step at a time
   * in slot order (neighbouring slots share the store's pages, so a step rewrites a few pages
   * rather than one per item), skipping items written since the swap (their write stored their
   * bucket), then clears the state's pending mark. Stops when another layer was installed: a fit
   * writes every bucket itself.
   */
  private async writeBack(next: RoutingLayer): Promise<void> {
    const host = this.host;
    const epoch = this.laggingEpoch;
    const lagging = this.lagging!;
    for (let from = 0; from < lagging.length; ) {
      const current = await host.lock.read(async () => {
        if (host.epoch !== epoch) return false;
        const slots: number[] = [];
        for (; from < lagging.length && slots.length < WRITE_BACK_STEP; from++) if (lagging[from]! >= 0) slots.push(from);
        if (slots.length > 0)
          await host.store.setBuckets(
            Uint32Array.from(slots),
            Int32Array.from(slots, (s) => lagging[s]!),
          );
        for (const s of slots) lagging[s] = -1;
        return true;
      });
      if (!current) return;
    }
    await host.lock.read(async () => {
      if (host.epoch === epoch) await host.store.writeState(encodeLayerState(host.config, next, false));
    });
    if (this.lagging === lagging) this.lagging = null;
  }

  /**
   * Takes the items written since they were routed into the refit's `next` layer back out of it,
   * and returns those still stored (sorted by slot), to be routed again, with the live-slot map.
   * `placed.bucketOf` (bucket in `next` by slot, -1 when absent) grows to cover every slot.
   */
  private withdraw(written: ReadonlySet<number>, next: RoutingLayer, placed: { bucketOf: Int32Array }): { changed: number[]; live: Uint8Array } {
    const end = next.slots.end;
    if (placed.bucketOf.length < end) {
      const grown = new Int32Array(end).fill(-1);
      grown.set(placed.bucketOf);
      placed.bucketOf = grown;
    }
    const { bucketOf } = placed;
    const live = this.host.layer.liveMask(end);
    for (const s of written) {
      const b = bucketOf[s] ?? -1; // past the end: never placed
      if (b < 0) continue;
      // A miss would leave an orphan in the layer about to be swapped in: fail the refit instead.
      if (!next.buckets.remove(b, s)) throw new Error(`refit: slot ${s} is not in bucket ${b} of the new layer`);
      bucketOf[s] = -1;
    }
    return { changed: [...written].filter((s) => live[s] === 1).sort((a, b) => a - b), live };
  }
}
