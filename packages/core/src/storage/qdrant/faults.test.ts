/**
 * Fault handling against a local server that misbehaves on purpose: every
 * failure becomes a StorageUnavailableError naming the operation and the
 * collection; transient failures are retried a bounded number of times;
 * client errors are not retried; nothing half-written is reported as done.
 */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidConfigError, StorageUnavailableError } from '../../errors.js';
import { SemanticRoutingMemory } from '../../srm/memory.js';
import { QdrantStorage } from './qdrant-storage.js';
import { entry, openApiContract, srmRecord } from '@srm/testkit/qdrant/fixtures';
import { QdrantEmulator, type FaultAction, type RecordedRequest } from '@srm/testkit/qdrant/emulator';

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

/** An HTTP 200 whose body is `result` in Qdrant's envelope. */
const ok = (result: unknown): FaultAction => ({ kind: 'status', status: 200, body: { result, status: 'ok', time: 0 } });
const STATE = 'faults-srmstate';

describe('replies of the wrong shape (HTTP 200)', () => {
  it("refuses to connect to a server whose collection list is not Qdrant's, naming the operation, without retrying", async () => {
    for (const result of [{ names: ['a'] }, { collections: [{ id: 1 }] }, 'ok']) {
      emu.injectFault(is('get_collections'), ok(result), 1);
      const before = emu.requests.length;
      const attempt = QdrantStorage.connect({ url: emu.url, retries: 2, backoffMs: 1 });
      await expect(attempt).rejects.toThrow(StorageUnavailableError);
      await expect(attempt).rejects.toMatchObject({ operation: 'connect', message: expect.stringMatching(/reply does not look like Qdrant's/) });
      expect(emu.requests.slice(before).filter(is('get_collections'))).toHaveLength(1);
    }
  });

  it('refuses a body that is not JSON, or has no result, with a typed error', async () => {
    emu.injectFault(is('get_collections'), { kind: 'status', status: 200, body: '<html>proxy login</html>' }, 1);
    await expect(QdrantStorage.connect({ url: emu.url, retries: 0 })).rejects.toThrow(StorageUnavailableError);
    emu.injectFault(is('get_collections'), { kind: 'status', status: 200, body: { status: 'ok', time: 0 } }, 1);
    await expect(QdrantStorage.connect({ url: emu.url, retries: 0 })).rejects.toThrow(StorageUnavailableError);
  });

  it('checks every read and write reply of the stores before use', async () => {
    const srm = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await srm.write({ upserts: [srmRecord(1, DIM), srmRecord(2, DIM)] });
    const glossary = await storage.openGlossaryStore('terms');
    const cases: [string, string, unknown, () => Promise<unknown>][] = [
      ['get_points', 'srm.fetchSlots', [{ payload: {} }], () => srm.fetchSlots([1], { id: true })],
      ['get_points', 'srm.fetchSlots', { points: [] }, () => srm.fetchSlots([1], { id: true })],
      ['scroll_points', 'srm.fetchIds', { points: 'none' }, () => srm.fetchIds(['1'], { vector: true })],
      ['scroll_points', 'srm.fetchIds', { points: [], next_page_offset: { at: 1 } }, () => srm.fetchIds(['1'], { vector: true })],
      ['count_points', 'srm.count', { count: '2' }, () => srm.count()],
      ['count_points', 'glossary.count', { count: -1 }, () => glossary.count('bot')],
      ['query_points', 'srm.searchBuckets', { points: [{ id: 1 }] }, () => srm.searchBuckets(new Float32Array(DIM).fill(1), [0], 5)],
      ['batch_update', 'srm.write', { status: 'completed' }, () => srm.write({ upserts: [srmRecord(3, DIM)] })],
      ['upsert_points', 'glossary.upsert', [], () => glossary.upsert([entry('bot', 'JWT', [[1, 1]])])],
      ['get_collection', 'get_collection', { status: 'green' }, () => storage.openSrmStore({ name: 'other', dim: DIM, metric: 'dot' })],
    ];
    for (const [op, operation, result, run] of cases) {
      emu.injectFault(is(op), ok(result), 1);
      await expect(run(), `${op} -> ${JSON.stringify(result)}`).rejects.toMatchObject({
        name: 'StorageUnavailableError',
        operation,
        message: expect.stringMatching(/reply does not look like Qdrant's/),
      });
      emu.clearFaults();
    }
    // Nothing was half-applied by the refused replies' requests beyond what the server did.
    expect(await srm.count()).toBeGreaterThanOrEqual(2);
  });

  it('turns a bad reply under a whole memory into a typed error, not a TypeError', async () => {
    emu.injectFault(is('collection_exists'), ok({ exists: 'yes' }), 1);
    await expect(SemanticRoutingMemory.open({ storage, name: 'mem', d: DIM, K: 1 })).rejects.toThrow(StorageUnavailableError);
  });

  it("accepts only what Qdrant's OpenAPI description accepts: each refused result is invalid there too", () => {
    const contract = openApiContract();
    const refused: [string, unknown][] = [
      ['get_collections', { names: ['a'] }],
      ['get_points', [{ payload: {} }]],
      ['scroll_points', { points: 'none' }],
      ['count_points', { count: '2' }],
      ['query_points', { points: [{ id: 1 }] }],
      ['batch_update', { status: 'completed' }],
      ['collection_exists', { exists: 'yes' }],
    ];
    for (const [op, result] of refused) {
      expect(contract.checkResponse(op, 200, { result, status: 'ok', time: 0 }), op).not.toEqual([]);
    }
  });
});

describe('remote numbers that size allocations', () => {
  async function headOf(srm: { readState(): Promise<Uint8Array | null> }): Promise<{ id: unknown; payload: Record<string, unknown> }> {
    const before = emu.requests.length;
    await srm.readState();
    const ask = emu.requests.slice(before).find(is('get_points', STATE))!;
    const id = (ask.body as { ids: unknown[] }).ids[0];
    return { id, payload: emu.storedPoints(STATE).find((p) => p.id === id)!.payload as Record<string, unknown> };
  }

  it('refuses a state head that claims 2^31 chunks with a CorruptDataError, without allocating for them', async () => {
    const srm = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await srm.writeState(new Uint8Array(1000).fill(7));
    const head = await headOf(srm);
    for (const lie of [{ chunks: 2 ** 31 }, { chunks: 2 ** 31, bytes: 2 ** 31 * 4 * 1024 * 1024 }, { bytes: 2 ** 40 }, { chunks: 0 }]) {
      emu.injectFault(is('get_points', STATE), ok([{ id: head.id, payload: { ...head.payload, ...lie } }]), 1);
      await expect(srm.readState(), JSON.stringify(lie)).rejects.toThrow(CorruptDataError);
    }
    expect(Array.from((await srm.readState())!)).toEqual(Array.from(new Uint8Array(1000).fill(7)));
  });

  it('refuses a chunk whose size disagrees with the head, and a server that pages forever', async () => {
    const srm = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await srm.writeState(new Uint8Array(1000).fill(7));
    const head = await headOf(srm);
    const chunk = {
      id: 'c0',
      payload: { store: 'items', kind: 'chunk', generation: head.payload.generation, index: 0, data: Buffer.alloc(5000).toString('base64') },
    };
    emu.injectFault(is('scroll_points', STATE), ok({ points: [chunk], next_page_offset: null }), 1);
    await expect(srm.readState()).rejects.toThrow(/has 6668 base64 characters, expected 1336/);
    for (const next of ['p1', 'p2', 'p3']) emu.injectFault(is('scroll_points', STATE), ok({ points: [], next_page_offset: next }), 1);
    await expect(srm.readState()).rejects.toThrow(/did not end after 2 pages/);
    emu.clearFaults();
    emu.injectFault(is('scroll_points', STATE), ok({ points: [], next_page_offset: 'again' }), 1000);
    await expect(srm.readState()).rejects.toThrow(/handed out the scroll offset "again" twice/);
  });
});

describe('remote point ids', () => {
  it("refuses a point id beyond any slot (it would size the memory's slot tables) with a CorruptDataError", async () => {
    const store = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await store.write({ upserts: [srmRecord(1, DIM)] });
    const [point] = emu.storedPoints(SRM);
    emu.injectFault(is('scroll_points', SRM), ok({ points: [{ ...point, id: 3_000_000_000 }], next_page_offset: null }), 1);
    const scan = async () => {
      for await (const page of store.scan({ id: true, bucket: true }, 10)) void page;
    };
    await expect(scan()).rejects.toThrow(CorruptDataError);
    emu.injectFault(is('scroll_points', SRM), ok({ points: [{ ...point, id: 3_000_000_000 }], next_page_offset: null }), 1);
    await expect(scan()).rejects.toThrow(/point id 3000000000 is beyond any slot/);
  });
});

describe('endless paging', () => {
  it('stops a scan and a listing whose server hands out the same offset again, with a CorruptDataError', async () => {
    const srm = await storage.openSrmStore({ name: 'items', dim: DIM, metric: 'dot' });
    await srm.write({ upserts: [srmRecord(1, DIM), srmRecord(2, DIM)] });
    const glossary = await storage.openGlossaryStore('terms');
    await glossary.upsert([entry('bot', 'JWT', [[1, 1]])]);
    const [point] = emu.storedPoints(SRM);
    emu.injectFault(is('scroll_points', SRM), ok({ points: [point], next_page_offset: 2 }), 1000);
    const scan = async () => {
      for await (const page of srm.scan({ id: true }, 1)) void page;
    };
    await expect(scan()).rejects.toThrow(CorruptDataError);
    emu.clearFaults();
    emu.injectFault(is('scroll_points', GLOSSARY), ok({ points: [], next_page_offset: 'ffffffff-0000-4000-8000-000000000000' }), 1000);
    await expect(glossary.list('bot')).rejects.toThrow(/handed out the scroll offset .* twice/);
  });
});

describe('a server that fails every time', () => {
  it('ends each fault in a typed error after retries + 1 attempts: reset connections, 500s, no answer', async () => {
    const store = await storage.openGlossaryStore('terms');
    for (const action of [{ kind: 'destroy' }, { kind: 'status', status: 500 }, { kind: 'hang' }] as FaultAction[]) {
      emu.injectFault(is('count_points', GLOSSARY), action, 100);
      const before = emu.requests.length;
      await expect(store.count('bot'), action.kind).rejects.toMatchObject({ name: 'StorageUnavailableError', operation: 'glossary.count' });
      expect(emu.requests.slice(before).filter(is('count_points'))).toHaveLength(3);
      emu.clearFaults();
    }
  });
});
