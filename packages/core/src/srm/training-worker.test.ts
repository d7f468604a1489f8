/** The refit's worker thread: the same layer as in-process, the fallback, and its failures. */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackgroundWorkError, ClosedError } from '../errors.js';
import { resolveConfig } from './config.js';
import { gloveSample } from '../../test/helpers/glove.js';
import type { LayerTrainer } from './layer-trainer.js';
import { InProcessTrainer } from './train.js';
import { openTrainer, startWorkerTrainer } from './training-worker.js';

const CRASHING = fileURLToPath(new URL('../../test/reliability/fixtures/crashing-refit-worker.mjs', import.meta.url));
const PHASES = { kmeans: 'k', quantizer: 'q' };

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(3000, 1);
});

/** A copy of the first `n` rows (a trainer may take its input's buffer over). */
const rows = (n: number) => ({ data: glove.data.slice(0, n * glove.d), n });

async function trainAndRoute(trainer: LayerTrainer, seed: number) {
  try {
    const parts = await trainer.train(rows(2000), seed, PHASES);
    const pages = [];
    for (let start = 0; start < 3000; start += 1000) pages.push(await trainer.route(glove.data.slice(start * glove.d, (start + 1000) * glove.d), 1000));
    return { centroids: parts.codebook.centroids, params: parts.codec.paramsToBytes(), inertia: parts.inertia, shares: parts.shares, pages };
  } finally {
    trainer.close();
  }
}

describe('the refit worker thread', () => {
  it.each(['sq4', 'pq4', 'int8', 'float32'] as const)('trains and routes exactly as in-process for the same seed (%s)', async (rerank) => {
    const config = resolveConfig({ d: glove.d, K: 16, rerank });
    const worker = await startWorkerTrainer(config);
    expect(worker?.inWorker).toBe(true);
    const inWorker = await trainAndRoute(worker!, 11);
    const inProcess = await trainAndRoute(new InProcessTrainer(config), 11);
    expect(inWorker).toEqual(inProcess);
    // The seed matters: another one gives another codebook, so the equality above is not vacuous.
    const other = await trainAndRoute(new InProcessTrainer(config), 12);
    expect(other.centroids).not.toEqual(inProcess.centroids);
  });

  it('falls back to the in-process trainer, with the same result, where no worker can start', async () => {
    const config = resolveConfig({ d: glove.d, K: 16 });
    expect(await startWorkerTrainer(config, '/nonexistent/refit-worker.js')).toBeNull();
    const fallback = await openTrainer(config, { entry: '/nonexistent/refit-worker.js' });
    expect(fallback.inWorker).toBe(false);
    expect(await trainAndRoute(fallback, 3)).toEqual(await trainAndRoute((await openTrainer(config))!, 3));
    expect((await openTrainer(config, { worker: false })).inWorker).toBe(false);
  });

  it('rejects with BackgroundWorkError when the worker thread dies, and on every call after', async () => {
    const trainer = await startWorkerTrainer(resolveConfig({ d: glove.d, K: 16 }), CRASHING);
    expect(trainer).not.toBeNull();
    await expect(trainer!.train(rows(100), 1, PHASES)).rejects.toThrow(BackgroundWorkError);
    await expect(trainer!.route(rows(10).data, 10)).rejects.toThrow(/exited with code 7/);
    trainer!.close();
  });

  it('rejects with BackgroundWorkError when the work throws in the worker', async () => {
    const trainer = await startWorkerTrainer(resolveConfig({ d: glove.d, K: 16 }));
    try {
      await expect(trainer!.route(rows(10).data, 10)).rejects.toThrow(BackgroundWorkError);
      await expect(trainer!.route(rows(10).data, 10)).rejects.toThrow(/route before train/);
    } finally {
      trainer!.close();
    }
  });

  it('close() ends the thread: a pending call rejects with ClosedError, and so does every later one', async () => {
    const trainer = await startWorkerTrainer(resolveConfig({ d: glove.d, K: 64, kmeansIterations: 50 }));
    const training = trainer!.train(rows(3000), 1, PHASES);
    trainer!.close();
    await expect(training).rejects.toThrow(ClosedError);
    await expect(trainer!.route(rows(10).data, 10)).rejects.toThrow(ClosedError);
    const inProcess = new InProcessTrainer(resolveConfig({ d: glove.d, K: 16 }));
    inProcess.close();
    await expect(inProcess.train(rows(100), 1, PHASES)).rejects.toThrow(ClosedError);
  });
});
