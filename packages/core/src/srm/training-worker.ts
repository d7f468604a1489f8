/**
 * The refit's compute in a worker thread (entry: refit-worker.ts): k-means, quantizer training
 * and the routing of every item run there, so the main thread only reads vectors from the store,
 * hands them over (transferred, not copied) and applies the routed pages. Where no worker can
 * start (a bundle without the entry file, a runtime without worker threads) {@link openTrainer}
 * falls back to the in-process trainer, which gives the same layer.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BackgroundWorkError, ClosedError } from '../errors.js';
import { Codebook } from './codebook.js';
import type { SRMConfig } from './config.js';
import type { LayerTrainer, RoutedPage, TrainedParts, TrainPhases } from './layer-trainer.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './refit-worker.js';
import type { Sample } from './layer-trainer.js';
import { codecFromParams, InProcessTrainer } from './train.js';
import type { ProgressCallback } from './types.js';

/** How a refit gets its trainer. */
export interface TrainerChoice {
  /** Run in a worker thread when one starts (default true); false runs in-process. */
  worker?: boolean;
  /** The worker's entry script (default: refit-worker next to this module). */
  entry?: string;
}

/** A trainer in a worker thread when one starts, else in-process. */
export async function openTrainer(config: SRMConfig, choice: TrainerChoice = {}): Promise<LayerTrainer> {
  if (choice.worker === false) return new InProcessTrainer(config);
  return (await startWorkerTrainer(config, choice.entry)) ?? new InProcessTrainer(config);
}

/** The file of this module: a file URL in ESM, a path in CommonJS (it is built as both), a .ts path under a TS runner. */
function thisModuleFile(): string | null {
  const previous = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_err, callSites) => callSites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder);
    const file = holder.stack?.[0]?.getFileName();
    if (!file) return null;
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } catch {
    return null;
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** The worker for `entry`; a .ts entry (tests run the sources) loads through tsx, registered in the worker first. */
function spawn(entry: string, setup: WorkerSetup): Worker {
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData: setup });
  const tsx = createRequire(entry).resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); })`;
  return new Worker(boot, { eval: true, workerData: setup });
}

/** The default entry: refit-worker with this module's extension, in this module's folder. */
function defaultEntry(): string | null {
  const file = thisModuleFile();
  const match = file ? /training-worker(\.[cm]?[jt]s)$/.exec(file) : null;
  return file && match ? file.slice(0, match.index) + 'refit-worker' + match[1] : null;
}

/** A worker trainer once its thread has started and loaded, or null when it cannot start. */
export function startWorkerTrainer(config: SRMConfig, entry: string | null = defaultEntry()): Promise<WorkerTrainer | null> {
  if (!entry) return Promise.resolve(null);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = spawn(entry, { config: { ...config } });
    } catch {
      resolve(null);
      return;
    }
    const ready = (message: WorkerReply) => {
      if (message?.type !== 'ready') return;
      stopWaiting();
      resolve(new WorkerTrainer(worker, config));
    };
    const failed = () => {
      stopWaiting();
      void worker.terminate();
      resolve(null);
    };
    const stopWaiting = () => {
      worker.off('message', ready);
      worker.off('error', failed);
      worker.off('exit', failed);
    };
    worker.on('message', ready);
    worker.on('error', failed);
    worker.on('exit', failed);
  });
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
  onProgress?: ProgressCallback | undefined;
}

/** A {@link LayerTrainer} whose work runs in a worker thread. */
export class WorkerTrainer implements LayerTrainer {
  readonly inWorker = true;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Set once the worker failed or was closed: every call since rejects with it. */
  private failure: Error | null = null;

  constructor(
    private readonly worker: Worker,
    private readonly config: SRMConfig,
  ) {
    worker.on('message', (reply: WorkerReply) => this.receive(reply));
    worker.on('error', (err) => this.fail(new BackgroundWorkError(`the refit's worker thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.fail(new BackgroundWorkError(`the refit's worker thread exited with code ${code}`)));
  }

  async train(sample: Sample, seed: number, phases: TrainPhases, onProgress?: ProgressCallback): Promise<TrainedParts> {
    const data = owned(sample.data);
    const reply = await this.request({ type: 'train', id: 0, sample: data, n: sample.n, seed, phases }, [data.buffer as ArrayBuffer], onProgress);
    if (reply.type !== 'trained') throw new BackgroundWorkError(`the refit's worker thread answered ${reply.type} to train`);
    const { d, K } = this.config;
    return {
      codebook: new Codebook(K, d, reply.centroids),
      codec: codecFromParams(this.config, reply.codecParams, "the refit's worker thread"),
      inertia: reply.inertia,
      shares: reply.shares,
    };
  }

  async route(vectors: Float32Array, n: number): Promise<RoutedPage> {
    const data = owned(vectors);
    const reply = await this.request({ type: 'route', id: 0, vectors: data, n }, [data.buffer as ArrayBuffer]);
    if (reply.type !== 'routed') throw new BackgroundWorkError(`the refit's worker thread answered ${reply.type} to route`);
    return { buckets: reply.buckets, rows: reply.rows };
  }

  close(): void {
    this.fail(new ClosedError('memory'));
    void this.worker.terminate();
  }

  private request(req: WorkerRequest, transfer: ArrayBuffer[], onProgress?: ProgressCallback): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  private receive(reply: WorkerReply): void {
    if (reply.type === 'ready') return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    if (reply.type === 'progress') {
      waiting.onProgress?.({ phase: reply.phase, done: reply.done, total: reply.total });
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'failed') waiting.reject(new BackgroundWorkError(`the refit's worker thread failed: ${reply.message}`));
    else waiting.resolve(reply);
  }

  /** Rejects every pending and later call with `err` (the first failure wins). */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}

/** `v` on a buffer of its own, so handing the buffer over hands over nothing else. */
function owned(v: Float32Array): Float32Array {
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();
}
