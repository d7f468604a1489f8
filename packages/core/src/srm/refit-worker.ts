/**
 * The entry of a refit's worker thread, started by training-worker.ts. It trains the codebook and
 * the quantizer, then routes the pages the main thread sends, with the very functions the main
 * thread would run (train.ts), so a refit gives the same layer in either place.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Codebook } from './codebook.js';
import type { VectorCodec } from './codecs/codec.js';
import type { SRMConfig } from './config.js';
import type { TrainPhases } from './layer-trainer.js';
import { encodeRoutedRows, trainCodebook, trainCodec } from './train.js';

/** What the main thread asks. */
export type WorkerRequest =
  | { type: 'train'; id: number; sample: Float32Array; n: number; seed: number; phases: TrainPhases }
  | { type: 'route'; id: number; vectors: Float32Array; n: number };

/** What the worker answers; `failed` carries an error thrown by a request's work. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; id: number; phase: string; done: number; total: number }
  | { type: 'trained'; id: number; centroids: Float32Array; inertia: number; shares: Float64Array; codecParams: Uint8Array }
  | { type: 'routed'; id: number; buckets: Int32Array; rows: Uint8Array }
  | { type: 'failed'; id: number; message: string };

/** What the worker is started with. */
export interface WorkerSetup {
  config: SRMConfig;
}

const port = parentPort;
if (port) {
  const { config } = workerData as WorkerSetup;
  let trained: { codebook: Codebook; codec: VectorCodec } | null = null;
  const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

  const train = async (req: Extract<WorkerRequest, { type: 'train' }>) => {
    const sample = { data: req.sample, n: req.n };
    const onProgress = ({ phase, done, total }: { phase: string; done: number; total: number }) => reply({ type: 'progress', id: req.id, phase, done, total });
    const { codebook, inertia, shares } = await trainCodebook(config, sample, req.seed, onProgress, req.phases.kmeans);
    const codec = await trainCodec(config, codebook, sample, onProgress, req.phases.quantizer);
    trained = { codebook, codec };
    const centroids = codebook.centroids.slice();
    const codecParams = codec.paramsToBytes().slice();
    reply({ type: 'trained', id: req.id, centroids, inertia, shares, codecParams }, [centroids.buffer, shares.buffer as ArrayBuffer, codecParams.buffer]);
  };

  const route = (req: Extract<WorkerRequest, { type: 'route' }>) => {
    if (!trained) throw new Error('route before train');
    const { codebook, codec } = trained;
    const out = { buckets: new Int32Array(req.n), rows: new Uint8Array(codec.bytesFor(req.n)) };
    encodeRoutedRows(codebook, codec, req.vectors, 0, req.n, out);
    reply({ type: 'routed', id: req.id, ...out }, [out.buckets.buffer, out.rows.buffer]);
  };

  port.on('message', (req: WorkerRequest) => {
    // Routes are answered synchronously, so pages come back in the order they were sent.
    const fail = (err: unknown) => reply({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
    try {
      if (req.type === 'train') train(req).catch(fail);
      else route(req);
    } catch (err) {
      fail(err);
    }
  });
  reply({ type: 'ready' });
}
