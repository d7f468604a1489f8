/**
 * Fault handling against a local server that misbehaves on purpose: every
 * failure becomes a StorageUnavailableError naming the operation and the
 * collection; transient failures are retried a bounded number of times;
 * client errors are not retried; nothing half-written is reported as done.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError, StorageUnavailableError } from '../../errors.js';
import { QdrantStorage } from './qdrant-storage.js';
import { entry, srmRecord } from './test-support/fixtures.test-helper.js';
import { QdrantEmulator, type RecordedRequest } from './test-support/qdrant-emulator.test-helper.js';

const DIM = 4;
const SRM = 'faults-srm-items';
const GLOSSARY = 'faults-glossary-terms';

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const is = (op: string, collection?: string) => (r: RecordedRequest) => r.operationId === op && (collection === undefined || r.collection === collection);

let emu: QdrantEmulator;
let storage: QdrantStorage;

beforeEach(async () => {
  emu = await QdrantEmulator.start();
  storage = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'faults', retries: 2, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 300 });
});

afterEach(async () => {
  await storage.close();
  await emu.close();
});

describe('server down', () => {
  it('refuses to connect to a closed port with a typed error naming the operation', async () => {
    const port = await closedPort();
    const attempt = QdrantStorage.connect({ url: `http://127.0.0.1:${port}`, retries: 1, backoffMs: 1 });
    await expect(attempt).rejects.toThrow(StorageUnavailableError);
    await expect(attempt).rejects.toMatchObject({
      operation: 'connect',
      message: expect.stringMatching(/ECONNREFUSED.*after 2 attempts/),
    });
  });

  it('names the collection and the operation when the server goes away after opening', async () => {
    const store = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await emu.close();
    await expect(store.count()).rejects.toThrow(StorageUnavailableError);
    await expect(store.fetchSlots([1], { id: true })).rejects.toMatchObject({ operation: 'srm.fetchSlots', collection: SRM });
  });
});

describe('timeouts', () => {
  it('aborts a request that hangs past timeoutMs, retries it, then gives up with a typed error', async () => {
    const store = await storage.openGlossaryStore('terms');
    emu.injectFault(is('count_points', GLOSSARY), { kind: 'hang' }, 10);
    const before = emu.requests.length;
    await expect(store.count('bot')).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      operation: 'glossary.count',
      collection: GLOSSARY,
      message: expect.stringMatching(/timed out after 3 attempts/),
    });
    expect(emu.requests.slice(before).filter(is('count_points'))).toHaveLength(3);
  });

  it('rejects a timeout below the documented range', async () => {
    await expect(QdrantStorage.connect({ url: emu.url, timeoutMs: 5 })).rejects.toThrow(InvalidConfigError);
  });
});

describe('5xx and retries', () => {
  it('retries a write that failed with 500 and stores it exactly once', async () => {
    const store = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    emu.injectFault(is('batch_update', SRM), { kind: 'status', status: 500 }, 1);
    await store.write({ upserts: [srmRecord(1, DIM), srmRecord(2, DIM)] });
    expect(emu.requests.filter(is('batch_update', SRM))).toHaveLength(2);
    expect(await store.count()).toBe(2);
    expect(emu.storedPoints(SRM).map((p) => p.id)).toEqual([1, 2]);
  });

  it('retries a read after a reset connection', async () => {
    const store = await storage.openGlossaryStore('terms');
    await store.upsert([entry('bot', 'JWT', [[1, 1]])]);
    emu.injectFault(is('scroll_points', GLOSSARY), { kind: 'destroy' }, 1);
    expect((await store.list('bot')).map((e) => e.key)).toEqual(['JWT']);
  });

  it('honours 429 with Retry-After as a transient failure', async () => {
    const store = await storage.openGlossaryStore('terms');
    emu.injectFault(is('count_points', GLOSSARY), { kind: 'status', status: 429, headers: { 'retry-after': '0' } }, 1);
    expect(await store.count('bot')).toBe(0);
  });

  it('gives up on 503 after retries + 1 attempts with the status in the error', async () => {
    const store = await storage.openGlossaryStore('terms');
    emu.injectFault(is('upsert_points', GLOSSARY), { kind: 'status', status: 503 }, 100);
    const before = emu.requests.length;
    await expect(store.upsert([entry('bot', 'JWT', [[1, 1]])])).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      operation: 'glossary.upsert',
      collection: GLOSSARY,
      status: 503,
      message: expect.stringMatching(/HTTP 503.*after 3 attempts/),
    });
    expect(emu.requests.slice(before).filter(is('upsert_points'))).toHaveLength(3);
    emu.clearFaults();
    expect(await store.count('bot')).toBe(0);
  });
});

describe('4xx', () => {
  it('does not retry a 400 and reports it with the server message', async () => {
    const store = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    emu.injectFault(is('query_points', SRM), { kind: 'status', status: 400, body: { status: { error: 'Bad request: broken filter' }, time: 0 } }, 5);
    const before = emu.requests.length;
    await expect(store.searchBuckets(new Float32Array(DIM).fill(1), [0], 5)).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      operation: 'srm.searchBuckets',
      collection: SRM,
      status: 400,
      message: expect.stringMatching(/HTTP 400: Bad request: broken filter/),
    });
    expect(emu.requests.slice(before).filter(is('query_points'))).toHaveLength(1);
  });

  it('reports a write split over several requests as failed when a later one fails, and completes when repeated', async () => {
    const small = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'faults', retries: 0, writeBatchSize: 2 });
    const store = await small.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    const batch = { upserts: [0, 1, 2, 3, 4].map((n) => srmRecord(n, DIM)) };
    let calls = 0;
    emu.injectFault((r) => is('batch_update', SRM)(r) && ++calls === 2, { kind: 'status', status: 400 }, 1);
    await expect(store.write(batch)).rejects.toThrow(StorageUnavailableError);
    expect(await store.count()).toBeLessThan(5);
    await store.write(batch);
    expect(await store.count()).toBe(5);
    await small.close();
  });
});
