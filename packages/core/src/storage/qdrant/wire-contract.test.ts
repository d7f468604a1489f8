/**
 * The wire contract, offline: everything the Qdrant backend sends must
 * validate against the schema of its operation in Qdrant's own OpenAPI
 * description (`@srm/testkit`'s fixtures/qdrant/openapi.json, Qdrant 1.19.0), and must mean what
 * we rely on (idf modifier, tenant index, agent filters, waiting writes).
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DimensionMismatchError, InvalidConfigError } from '../../errors.js';
import { QdrantStorage } from './qdrant-storage.js';
import { entry, openApiContract, srmRecord, startValidatingEmulator, unitVectorOf } from '@srm/testkit/qdrant/fixtures';
import type { QdrantEmulator, RecordedRequest } from '@srm/testkit/qdrant/emulator';

const WRITES = new Set(['upsert_points', 'delete_points', 'batch_update', 'set_payload', 'create_field_index']);

let emu: QdrantEmulator;
let storage: QdrantStorage;

beforeAll(async () => {
  emu = await startValidatingEmulator();
  storage = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'wire', retries: 0 });
});

afterAll(async () => {
  await storage.close();
  await emu.close();
});

afterEach(() => {
  expect(emu.violations).toEqual([]);
});

/** The requests sent while `fn` ran. */
async function during(fn: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const start = emu.requests.length;
  await fn();
  return emu.requests.slice(start);
}

/** The agentId that a filter pins with `must: [{ key: 'agentId', match: { value } }]`, if any. */
function pinnedAgent(filter: any): string | undefined {
  const must = Array.isArray(filter?.must) ? filter.must : [];
  const c = must.find((x: any) => x?.key === 'agentId' && typeof x?.match?.value === 'string');
  return c?.match.value;
}

describe('the OpenAPI validator', () => {
  it('maps every emulated route to an operation of the description with the same method', () => {
    const { operations } = openApiContract();
    for (const route of emu.routeTable()) {
      const op = operations.get(route.operationId);
      expect(op, route.operationId).toBeDefined();
      expect(op!.method).toBe(route.method);
      expect(route.pattern.test(op!.path.replace('{collection_name}', 'some-collection'))).toBe(true);
    }
  });

  it('rejects bodies and query parameters that break the schema', () => {
    const { checkRequest } = openApiContract();
    const req = (operationId: string, body: unknown, query: Record<string, string> = {}): RecordedRequest => ({
      method: 'X',
      path: '/',
      operationId,
      collection: 'c',
      query,
      body,
    });
    expect(checkRequest(req('create_collection', { sparse_vectors: { bm25: { modifier: 'tf' } } }))).not.toEqual([]);
    expect(checkRequest(req('create_field_index', { field_schema: 'keyword' }))).not.toEqual([]);
    expect(checkRequest(req('upsert_points', { points: [{ id: 'not-a-uuid', vector: [1] }] }))).not.toEqual([]);
    expect(checkRequest(req('upsert_points', { points: [{ id: 1, vector: [1] }] }, { wait: 'soon' }))).not.toEqual([]);
    expect(checkRequest(req('count_points', { exact: true }, { bogus: '1' }))).not.toEqual([]);
    expect(checkRequest(req('upsert_points', { points: [{ id: 1, vector: [1] }] }, { wait: 'true' }))).toEqual([]);
  });
});

describe('glossary collection', () => {
  const name = 'terms';
  const collection = 'wire-glossary-terms';

  it('is created with no dense vector, a sparse vector with the idf modifier, and the agent as tenant', async () => {
    const sent = await during(() => storage.openGlossaryStore(name));
    const create = sent.find((r) => r.operationId === 'create_collection');
    expect(create?.collection).toBe(collection);
    expect(create?.body).toMatchObject({ vectors: {}, sparse_vectors: { bm25: { modifier: 'idf' } } });
    const indexes = sent.filter((r) => r.operationId === 'create_field_index').map((r) => r.body);
    expect(indexes).toContainEqual({ field_name: 'agentId', field_schema: { type: 'keyword', is_tenant: true } });
    expect(indexes).toContainEqual({ field_name: 'terms.indices', field_schema: { type: 'integer', lookup: true, range: false } });
    expect(emu.collectionSetup(collection)?.payloadSchema.agentId).toEqual({ data_type: 'keyword', params: { type: 'keyword', is_tenant: true } });
  });

  it('creates nothing twice when opened again, by this or another client', async () => {
    const again = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'wire', retries: 0 });
    const sent = await during(async () => {
      await storage.openGlossaryStore(name);
      await again.openGlossaryStore(name);
    });
    expect(sent.map((r) => r.operationId)).toEqual(['collection_exists', 'get_collection']);
    await again.close();
  });

  it('stores UUID5 point ids, waits for writes, and filters every search, list and count by agentId', async () => {
    const store = await storage.openGlossaryStore(name);
    const a = [
      entry('bot-a', 'JWT', [
        [1, 1.2],
        [2, 0.8],
      ]),
      entry('bot-a', 'k8s', [[3, 1]], { category: 'infra' }),
    ];
    const b = [entry('bot-b', 'JWT', [[1, 1.1]])];
    const writes = await during(() => store.upsert([...a, ...b]));
    const upsert = writes.find((r) => r.operationId === 'upsert_points')!;
    expect(upsert.query.wait).toBe('true');
    expect((upsert.body as any).points.map((p: any) => p.id)).toEqual([...a, ...b].map((e) => e.id));
    expect((upsert.body as any).points[0].vector).toEqual({ bm25: { indices: [1, 2], values: [1.2, 0.8] } });

    const reads = await during(async () => {
      expect((await store.search({ indices: [1], values: [1] }, { agentId: 'bot-a', limit: 5, scoreThreshold: 0.01 })).map((h) => h.entry.key)).toEqual([
        'JWT',
      ]);
      expect((await store.list('bot-a')).map((e) => e.key)).toEqual(['JWT', 'k8s']);
      expect((await store.list('bot-a', { category: 'infra' })).map((e) => e.key)).toEqual(['k8s']);
      expect(await store.count('bot-b')).toBe(1);
    });
    const query = reads.filter((r) => r.operationId === 'query_points');
    const scroll = reads.filter((r) => r.operationId === 'scroll_points');
    const count = reads.filter((r) => r.operationId === 'count_points');
    expect(query.length + scroll.length + count.length).toBe(reads.length);
    expect(query.map((r) => pinnedAgent((r.body as any).filter))).toEqual(['bot-a']);
    expect(scroll.map((r) => pinnedAgent((r.body as any).filter))).toEqual(['bot-a', 'bot-a']);
    expect(count.map((r) => pinnedAgent((r.body as any).filter))).toEqual(['bot-b']);
    expect(query[0]!.body).toMatchObject({ using: 'bm25', query: { indices: [1], values: [1] }, score_threshold: 0.01, limit: 5 });
    expect(count[0]!.body).toMatchObject({ exact: true });
  });

  it('scores with BM25 over the whole collection: IDF counts every agent, hits stay within one', async () => {
    const store = await storage.openGlossaryStore(name);
    // Term 1 is in 2 of 3 entries, so idf(1) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)).
    const [hit] = await store.search({ indices: [1], values: [2] }, { agentId: 'bot-b', limit: 10 });
    expect(hit!.entry.agentId).toBe('bot-b');
    expect(hit!.score).toBeCloseTo(2 * 1.1 * Math.log(1 + 1.5 / 2.5), 5);
    const sent = await during(async () => expect(await store.termStats([1, 3, 1, 99])).toEqual({ docCount: 3, docFreqs: [2, 1, 2, 0] }));
    const bodies = sent.map((r) => r.body as any);
    expect(sent.every((r) => r.operationId === 'count_points')).toBe(true);
    expect(bodies.every((b) => b.exact === true)).toBe(true);
    expect(bodies.filter((b) => b.filter === undefined)).toHaveLength(1);
    expect(bodies.filter((b) => b.filter).map((b) => b.filter.must[0].key)).toEqual(['terms.indices', 'terms.indices', 'terms.indices']);
  });

  it('counts what a delete removes with a retrieve, then deletes by id with wait', async () => {
    const store = await storage.openGlossaryStore(name);
    const gone = entry('bot-a', 'k8s', []).id;
    const sent = await during(async () => expect(await store.delete([gone, entry('bot-a', 'never', []).id, 'not-a-uuid'])).toBe(1));
    expect(sent.map((r) => r.operationId)).toEqual(['get_points', 'delete_points']);
    expect(sent[1]!.query.wait).toBe('true');
    expect(sent[1]!.body).toEqual({ points: [gone] });
    expect(await store.get([gone])).toEqual([undefined]);
  });
});

describe('SRM collection', () => {
  const spec = { name: 'docs', dim: 6, metric: 'cosine' as const };
  const collection = 'wire-srm-docs';

  it('is created with a Dot vector of size dim, an id keyword index and a bucket integer index', async () => {
    const sent = await during(() => storage.openSrmStore(spec));
    const creates = sent.filter((r) => r.operationId === 'create_collection');
    expect(creates.map((r) => r.collection).sort()).toEqual([collection, 'wire-srmstate']);
    expect(creates.find((r) => r.collection === collection)!.body).toEqual({ vectors: { size: 6, distance: 'Dot' } });
    const indexes = sent.filter((r) => r.operationId === 'create_field_index' && r.collection === collection).map((r) => r.body);
    expect(indexes).toEqual([
      { field_name: 'srm_id', field_schema: { type: 'keyword' } },
      { field_name: 'srm_bucket', field_schema: { type: 'integer', lookup: true, range: false } },
    ]);
  });

  it('stores slot as point id and keeps the user payload whole, reserved-looking keys included', async () => {
    const store = await storage.openSrmStore(spec);
    const payload = JSON.parse('{"__proto__": {"x": 1}, "srm_id": "not mine", "user": {"deep": [1, null]}}') as Record<string, unknown>;
    const sent = await during(() => store.write({ upserts: [srmRecord(3, 6, { payload }), srmRecord(4, 6)] }));
    const batch = sent.find((r) => r.operationId === 'batch_update')!;
    expect(batch.query.wait).toBe('true');
    const ops = (batch.body as any).operations;
    expect(ops[0]).toEqual({ delete: { filter: { must: [{ key: 'srm_id', match: { any: ['item-3', 'item-4'] } }] } } });
    expect(ops[1].upsert.points[0]).toMatchObject({ id: 3, payload: { srm_id: 'item-3', srm_bucket: 3, user: payload } });
    const [view] = await store.fetchSlots([3], { id: true, payload: true });
    expect(view).toEqual({ slot: 3, id: 'item-3', payload });
    expect(Object.getOwnPropertyNames(view!.payload)).toContain('__proto__');
  });

  it('asks Qdrant to score the candidates of the given buckets, with the user filter under "user"', async () => {
    const store = await storage.openSrmStore(spec);
    await store.write({ upserts: Array.from({ length: 12 }, (_, i) => srmRecord(10 + i, 6)) });
    const query = unitVectorOf(12, 6);
    let hits: { slot: number; score: number }[] = [];
    const sent = await during(async () => {
      hits = await store.searchBuckets(query, [0, 2], 3, {
        and: [
          { field: 'lang', op: 'eq', value: 'fr' },
          { field: 'n', op: 'gte', value: 12 },
        ],
      });
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.operationId).toBe('query_points');
    expect((sent[0]!.body as any).filter).toEqual({
      must: [
        { key: 'srm_bucket', match: { any: [0, 2] } },
        {
          must: [
            { key: 'user.lang', match: { value: 'fr' } },
            { key: 'user.n', range: { gte: 12 } },
          ],
        },
      ],
    });
    // Slot 12 is the query itself (bucket 0, "fr", n = 12): the best hit, with cosine 1.
    expect(hits[0]!.slot).toBe(12);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits.every((h) => [12, 14, 16, 18, 20].includes(h.slot))).toBe(true);
  });

  it('rewrites buckets with set_payload filtered by has_id, so missing slots are skipped', async () => {
    const store = await storage.openSrmStore(spec);
    const sent = await during(() => store.setBuckets(new Uint32Array([3, 4, 999]), new Int32Array([7, 7, 8])));
    const ops = (sent[0]!.body as any).operations;
    expect(sent[0]!.query.wait).toBe('true');
    expect(ops).toEqual([
      { set_payload: { payload: { srm_bucket: 7 }, filter: { must: [{ has_id: [3, 4] }] } } },
      { set_payload: { payload: { srm_bucket: 8 }, filter: { must: [{ has_id: [999] }] } } },
    ]);
    expect((await store.fetchSlots([3, 4], { bucket: true })).map((v) => v?.bucket)).toEqual([7, 7]);
  });

  it('stores a large state in chunks behind a head point, and reads it back', async () => {
    const store = await storage.openSrmStore(spec);
    const state = new Uint8Array(4 * 1024 * 1024 + 3);
    for (let i = 0; i < state.length; i++) state[i] = (i * 31) & 0xff;
    const sent = await during(() => store.writeState(state));
    expect(sent.map((r) => r.operationId)).toEqual(['upsert_points', 'upsert_points', 'upsert_points', 'delete_points']);
    expect(sent.every((r) => r.query.wait === 'true' && r.collection === 'wire-srmstate')).toBe(true);
    const back = await store.readState();
    // Buffer.equals: vitest's deep equality takes seconds on 4 MiB.
    expect(back && Buffer.from(back).equals(Buffer.from(state))).toBe(true);
    await store.writeState(new Uint8Array([1, 2]));
    expect(await store.readState()).toEqual(new Uint8Array([1, 2]));
    const chunks = emu.storedPoints('wire-srmstate').filter((p) => p.payload.store === 'docs' && p.payload.kind === 'chunk');
    expect(chunks).toHaveLength(1);
  });

  it('reads by id with a scroll filtered on srm_id, and scans in slot order', async () => {
    const store = await storage.openSrmStore(spec);
    const sent = await during(async () => {
      expect(await store.slotsOf(['item-3', 'nope'])).toEqual(new Map([['item-3', 3]]));
      const pages: number[][] = [];
      for await (const page of store.scan({}, 5)) pages.push(page.map((v) => v.slot));
      expect(pages.flat()).toEqual([3, 4, ...Array.from({ length: 12 }, (_, i) => 10 + i)]);
      expect(pages.map((p) => p.length)).toEqual([5, 5, 4]);
    });
    expect((sent[0]!.body as any).filter).toEqual({ must: [{ key: 'srm_id', match: { any: ['item-3', 'nope'] } }] });
    expect(sent.slice(1).every((r) => r.operationId === 'scroll_points')).toBe(true);
  });
});

describe('existing collections are checked against the expected schema', () => {
  it('refuses a glossary collection whose sparse vector has no idf modifier', async () => {
    const client = new QdrantClient({ url: emu.url, checkCompatibility: false });
    await client.createCollection('wire-glossary-plain', { vectors: {}, sparse_vectors: { bm25: {} } });
    await expect(storage.openGlossaryStore('plain')).rejects.toThrow(InvalidConfigError);
    await expect(storage.openGlossaryStore('plain')).rejects.toThrow(/modifier null, expected "idf"/);
  });

  it('refuses an SRM collection of another dimension', async () => {
    const other = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'wire', retries: 0 });
    await expect(other.openSrmStore({ name: 'docs', dim: 7, metric: 'cosine' })).rejects.toThrow(DimensionMismatchError);
    await other.close();
  });

  it('refuses to reopen an SRM store with another metric', async () => {
    const other = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'wire', retries: 0 });
    await expect(other.openSrmStore({ name: 'docs', dim: 6, metric: 'dot' })).rejects.toThrow(InvalidConfigError);
    await other.close();
  });
});

describe('coverage of the wire contract', () => {
  it('exercised every operation kind the backend relies on', () => {
    const seen = new Set(emu.requests.map((r) => r.operationId));
    for (const op of [
      'create_collection',
      'create_field_index',
      'upsert_points',
      'query_points',
      'scroll_points',
      'count_points',
      'delete_points',
      'get_points',
      'batch_update',
    ]) {
      expect(seen, op).toContain(op);
    }
    const unwaited = emu.requests.filter((r) => WRITES.has(r.operationId ?? '') && r.query.wait !== 'true');
    expect(unwaited).toEqual([]);
  });
});
