/**
 * A refit's worker thread failing or being stopped: the refit rejects with a typed error, the
 * live layer keeps serving, the memory stays usable, and close() leaves no thread behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BackgroundWorkError, ClosedError } from '../../src/errors.js';
import { gloveSample } from '../helpers/glove.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import type { SRMConfig } from '../../src/srm/config.js';
import { openTrainer } from '../../src/srm/training-worker.js';
import { expectSrmInvariants, TempDirs } from '@srm/testkit/reliability/helpers';

const CRASHING = fileURLToPath(new URL('./fixtures/crashing-refit-worker.mjs', import.meta.url));
const CLOSER = fileURLToPath(new URL('./fixtures/refit-closer.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

/** Makes every refit of `memory` start its worker from `entry`. */
function refitWorkersFrom(memory: SemanticRoutingMemory, entry: string): void {
  const refits = (memory as unknown as { refits: { trainers: unknown } }).refits;
  refits.trainers = (config: SRMConfig) => openTrainer(config, { entry });
}
const codebookOf = (m: SemanticRoutingMemory) => (m as unknown as { layer: { codebook: unknown } }).layer.codebook;

describe('a refit whose worker thread fails', () => {
  it('rejects with BackgroundWorkError; the live layer serves on, and the memory stays usable', async () => {
    const { d, data, queries } = await gloveSample(3000, 5);
    const ids = Array.from({ length: 3000 }, (_, i) => String(i));
    const memory = await SemanticRoutingMemory.open({ d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0, path: dirs.make() });
    await memory.add(data, { ids });
    const before = codebookOf(memory);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => memory.query(queries.subarray(i * d, (i + 1) * d), { k: 5 })));
    refitWorkersFrom(memory, CRASHING);
    await expect(memory.refit()).rejects.toThrow(BackgroundWorkError);
    expect(codebookOf(memory)).toBe(before);
    expect(memory.stats().refitting).toBe(false);
    for (let i = 0; i < 5; i++) expect(await memory.query(queries.subarray(i * d, (i + 1) * d), { k: 5 })).toEqual(answers[i]);
    await memory.add(queries.subarray(0, d), { ids: ['late'] });
    expect((await memory.query(queries.subarray(0, d), { k: 1 }))[0]!.id).toBe('late');
    await expectSrmInvariants(memory);
    // The next refit, with a sound worker, goes through.
    refitWorkersFrom(memory, fileURLToPath(new URL('../../src/srm/refit-worker.ts', import.meta.url)));
    await memory.refit();
    expect(codebookOf(memory)).not.toBe(before);
    await expectSrmInvariants(memory);
    await memory.close();
  });
});

describe('close() during a refit', () => {
  it('stops the refit (ClosedError), keeps the fitted layer, and the process ends by itself', async () => {
    const dir = dirs.make();
    const child = spawn(process.execPath, ['--import', 'tsx', CLOSER, dir], { cwd: PACKAGE_DIR });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // A worker thread left running would keep the child alive: it must exit on its own.
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 50_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, `child did not exit by itself: ${err}`).toBe(0);
    expect(JSON.parse(out.trim())).toEqual({ refit: new ClosedError('memory').name });
    const memory = await SemanticRoutingMemory.open({ path: dir });
    expect(memory.isFitted).toBe(true);
    expect(memory.size).toBe(20_000);
    await expectSrmInvariants(memory);
    await memory.close();
  }, 90_000);
});
