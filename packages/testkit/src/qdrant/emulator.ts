/**
 * A small in-process stand-in for the Qdrant REST API, for offline tests only.
 *
 * It plays the operations the Qdrant backend sends (collections, payload
 * indexes, upsert, retrieve, scroll, count, query, delete, set payload,
 * batch) with Qdrant's semantics where they matter to us: cosine vectors are
 * stored normalised, scroll pages in point-id order (integers before UUIDs),
 * filters walk dotted keys into arrays, sparse scores use the `idf` modifier
 * (`ln(1 + (N - n + 0.5) / (n + 0.5))`). It records every request, can check
 * each body through a `validate` hook (the tests plug in the OpenAPI schema),
 * and can misbehave on purpose (faults).
 *
 * It is not Qdrant: a green test here says the backend's logic and wire format
 * are right, not that a real server agrees. The `*.int.test.ts` files run the
 * same suites against a real server when `QDRANT_URL` is set.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the emulator received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/collections/srm-srm-a/points/scroll`. */
  path: string;
  /** Operation id of the OpenAPI description (`upsert_points`, ...), or `undefined` for an unknown route. */
  operationId: string | undefined;
  /** Path parameter `collection_name`, when the route has one. */
  collection: string | undefined;
  query: Record<string, string>;
  body: unknown;
}

/** What a fault does to a request it matches. */
export type FaultAction =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Accept the request and never answer (until the emulator closes). */
  | { kind: 'hang' }
  /** Close the socket without an answer. */
  | { kind: 'destroy' };

interface Fault {
  match: (req: RecordedRequest) => boolean;
  action: FaultAction;
  remaining: number;
}

/** Hooks that check what goes over the wire; each returns a list of problems (empty when fine). */
export interface EmulatorValidators {
  request?: (req: RecordedRequest) => string[];
  response?: (operationId: string, status: number, body: unknown) => string[];
}

type Json = unknown;
type PointId = number | string;
interface SparseVec {
  indices: number[];
  values: number[];
}
interface Point {
  id: PointId;
  dense: number[] | undefined;
  sparse: Map<string, SparseVec>;
  payload: Record<string, Json>;
}
interface Collection {
  dense: { size: number; distance: string } | undefined;
  sparse: Record<string, { modifier?: string | null }>;
  createBody: Record<string, Json>;
  points: Map<string, Point>;
  payloadSchema: Record<string, { data_type: string; params?: Json }>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (ctx: { collection: string; body: any; query: Record<string, string>; params: string[] }) => Json;

interface Route {
  method: string;
  pattern: RegExp;
  operationId: string;
  handler: Handler;
}

const pointKey = (id: PointId) => (typeof id === 'number' ? `n:${id}` : `u:${id.toLowerCase()}`);

function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits a Qdrant key (`a.b."c.d"[]`) into segments; `[]` marks are dropped (arrays are walked anyway). */
function parseKey(key: string): string[] {
  const out: string[] = [];
  const re = /"([^"\\]*)"|([\p{L}\p{N}_-]+)|\[\]|\./guy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(key)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2]);
    last = re.lastIndex;
  }
  if (last !== key.length || out.length === 0) throw new HttpError(400, `Bad Request: invalid payload key ${JSON.stringify(key)}`);
  return out;
}

/** Values at a key, Qdrant style: arrays on the way are walked, a final array is flattened. */
function valuesAt(payload: Record<string, Json>, key: string): Json[] {
  let cur: Json[] = [payload];
  for (const seg of parseKey(key)) {
    const next: Json[] = [];
    for (const v of cur.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
      if (v && typeof v === 'object' && Object.hasOwn(v, seg)) next.push((v as Record<string, Json>)[seg]);
    }
    cur = next;
  }
  return cur.flatMap((x) => (Array.isArray(x) ? x : [x]));
}

function matchCondition(p: Point, c: any): boolean {
  if ('must' in c || 'should' in c || 'must_not' in c) return matchFilter(p, c);
  if ('has_id' in c) return (c.has_id as PointId[]).some((id) => pointKey(id) === pointKey(p.id));
  if ('is_empty' in c) return valuesAt(p.payload, c.is_empty.key).filter((v) => v !== null).length === 0;
  if ('is_null' in c) {
    const vs = valuesAt(p.payload, c.is_null.key);
    return vs.length > 0 && vs.every((v) => v === null);
  }
  if ('key' in c) {
    const vs = valuesAt(p.payload, c.key).filter((v) => v !== null);
    if (c.match) {
      const m = c.match;
      if ('value' in m) return vs.some((v) => v === m.value);
      if ('any' in m) return vs.some((v) => (m.any as Json[]).includes(v));
      if ('except' in m) return vs.length > 0 && vs.every((v) => !(m.except as Json[]).includes(v));
      if ('text' in m) return vs.some((v) => typeof v === 'string' && v.includes(m.text));
      throw new HttpError(400, `Bad Request: unsupported match ${JSON.stringify(m)}`);
    }
    if (c.range) {
      const r = c.range;
      return vs.some(
        (v) =>
          typeof v === 'number' && (r.gt == null || v > r.gt) && (r.gte == null || v >= r.gte) && (r.lt == null || v < r.lt) && (r.lte == null || v <= r.lte),
      );
    }
  }
  throw new HttpError(400, `Bad Request: unsupported condition ${JSON.stringify(c)}`);
}

function asList(x: any): any[] {
  if (x == null) return [];
  return Array.isArray(x) ? x : [x];
}

function matchFilter(p: Point, f: any): boolean {
  if (f == null) return true;
  const must = asList(f.must);
  const should = asList(f.should);
  const mustNot = asList(f.must_not);
  return (
    must.every((c) => matchCondition(p, c)) && (should.length === 0 || should.some((c) => matchCondition(p, c))) && !mustNot.some((c) => matchCondition(p, c))
  );
}

/** Whether a payload satisfies a Qdrant filter, as the emulator evaluates it (for property tests of the translation). */
export function qdrantFilterMatches(payload: Record<string, unknown>, filter: unknown): boolean {
  return matchFilter({ id: 0, dense: undefined, sparse: new Map(), payload }, filter);
}

function selectPayload(payload: Record<string, Json>, sel: any): Record<string, Json> | undefined {
  if (sel === false || sel == null) return undefined;
  if (sel === true) return structuredClone(payload);
  const include: string[] | undefined = Array.isArray(sel) ? sel : sel.include;
  const exclude: string[] | undefined = sel.exclude;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (include && !include.includes(k)) continue;
    if (exclude && exclude.includes(k)) continue;
    out[k] = structuredClone(v);
  }
  return out;
}

function selectVector(p: Point, sel: any): Json {
  if (sel === false || sel == null) return undefined;
  if (p.dense !== undefined && p.sparse.size === 0) return [...p.dense];
  const out: Record<string, Json> = {};
  for (const [name, v] of p.sparse) {
    if (sel === true || (Array.isArray(sel) && sel.includes(name))) out[name] = { indices: [...v.indices], values: [...v.values] };
  }
  return out;
}

function f32(x: number): number {
  return Math.fround(x);
}

/** The emulator. Start with {@link QdrantEmulator.start}; close in `afterAll`. */
export class QdrantEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Problems the validators reported, one string each, naming the operation. */
  readonly violations: string[] = [];
  private readonly collections = new Map<string, Collection>();
  private readonly faults: Fault[] = [];
  private readonly routes: Route[];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly validators: EmulatorValidators,
  ) {
    this.routes = this.buildRoutes();
  }

  /** Starts on 127.0.0.1 on a random free port. */
  static async start(validators: EmulatorValidators = {}): Promise<QdrantEmulator> {
    let emulator: QdrantEmulator | undefined;
    const server = createServer((req, res) => void emulator!.handle(req, res));
    // Longer than Node's 5 s default, so a test that keeps the event loop busy
    // does not race the server closing an idle keep-alive socket.
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    emulator = new QdrantEmulator(server, `http://127.0.0.1:${port}`, validators);
    return emulator;
  }

  /** Route table: (method, path) → operation id, for checking against the OpenAPI description. */
  routeTable(): { method: string; pattern: RegExp; operationId: string }[] {
    return this.routes.map(({ method, pattern, operationId }) => ({ method, pattern, operationId }));
  }

  /** The next `times` requests that `match` get `action` instead of an answer. */
  injectFault(match: (req: RecordedRequest) => boolean, action: FaultAction, times = 1): void {
    this.faults.push({ match, action, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Points of a collection as stored (normalised vectors, full payloads), in id order. */
  storedPoints(collection: string): { id: PointId; vector: number[] | undefined; payload: Record<string, Json> }[] {
    const c = this.collections.get(collection);
    if (!c) return [];
    return [...c.points.values()].sort((a, b) => compareIds(a.id, b.id)).map((p) => ({ id: p.id, vector: p.dense, payload: p.payload }));
  }

  /** Creation body and payload indexes of a collection as received. */
  collectionSetup(collection: string): { create: Record<string, Json>; payloadSchema: Record<string, { data_type: string; params?: Json }> } | undefined {
    const c = this.collections.get(collection);
    return c ? { create: c.createBody, payloadSchema: c.payloadSchema } : undefined;
  }

  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- HTTP plumbing ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const route = this.routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    const params = route ? (route.pattern.exec(url.pathname)?.slice(1) ?? []).map(decodeURIComponent) : [];
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      operationId: route?.operationId,
      collection: params[0],
      query: Object.fromEntries(url.searchParams),
      body,
    };
    this.requests.push(recorded);

    const fault = this.faults.find((f) => f.remaining > 0 && f.match(recorded));
    if (fault) {
      fault.remaining--;
      if (fault.action.kind === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (fault.action.kind === 'destroy') {
        req.socket.destroy();
        return;
      }
      const errBody = fault.action.body ?? { status: { error: `injected fault: HTTP ${fault.action.status}` }, time: 0 };
      this.send(res, fault.action.status, errBody, fault.action.headers);
      return;
    }

    if (!route) {
      this.send(res, 404, { status: { error: `Not found: ${method} ${url.pathname}` }, time: 0 });
      return;
    }
    const problems = this.validators.request?.(recorded) ?? [];
    if (problems.length > 0) {
      this.violations.push(...problems.map((p) => `${route.operationId}: ${p}`));
      this.send(res, 422, { status: { error: `Validation error in JSON body: ${problems.join('; ')}` }, time: 0 });
      return;
    }
    let status = 200;
    let payload: Json;
    try {
      const result = route.handler({ collection: params[0] ?? '', body, query: recorded.query, params });
      payload = { result, status: 'ok', time: Number(process.hrtime.bigint() - started) / 1e9 };
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      status = err.status;
      payload = { status: { error: err.message }, time: 0 };
    }
    if (status === 200) {
      const bad = this.validators.response?.(route.operationId, status, payload) ?? [];
      if (bad.length > 0) this.violations.push(...bad.map((p) => `response of ${route.operationId}: ${p}`));
    }
    this.send(res, status, payload);
  }

  private send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  // --- Qdrant semantics ---

  private coll(name: string): Collection {
    const c = this.collections.get(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  private buildRoutes(): Route[] {
    const C = '/collections/([^/]+)';
    const r = (method: string, path: string, operationId: string, handler: Handler): Route => ({
      method,
      pattern: new RegExp(`^${path}$`),
      operationId,
      handler,
    });
    const updated = () => ({ operation_id: 0, status: 'completed' });
    return [
      r('GET', '/', 'root', () => ({ title: 'qdrant - vector search engine (emulated)', version: '1.19.0' })),
      r('GET', '/collections', 'get_collections', () => ({ collections: this.collectionNames().map((name) => ({ name })) })),
      r('GET', `${C}/exists`, 'collection_exists', ({ collection }) => ({ exists: this.collections.has(collection) })),
      r('GET', C, 'get_collection', ({ collection }) => this.info(collection)),
      r('PUT', C, 'create_collection', ({ collection, body }) => this.create(collection, body ?? {})),
      r('DELETE', C, 'delete_collection', ({ collection }) => this.collections.delete(collection)),
      r('PUT', `${C}/index`, 'create_field_index', ({ collection, body }) => {
        const c = this.coll(collection);
        const schema = body.field_schema;
        const type = typeof schema === 'string' ? schema : schema.type;
        c.payloadSchema[body.field_name] = typeof schema === 'string' ? { data_type: type } : { data_type: type, params: schema };
        return updated();
      }),
      r('PUT', `${C}/points`, 'upsert_points', ({ collection, body }) => {
        this.upsert(this.coll(collection), body.points);
        return updated();
      }),
      r('POST', `${C}/points`, 'get_points', ({ collection, body }) => {
        const c = this.coll(collection);
        const out: Json[] = [];
        for (const id of body.ids as PointId[]) {
          const p = c.points.get(pointKey(id));
          if (p) out.push(this.record(p, body.with_payload ?? true, body.with_vector ?? false));
        }
        return out;
      }),
      r('POST', `${C}/points/delete`, 'delete_points', ({ collection, body }) => {
        this.deletePoints(this.coll(collection), body);
        return updated();
      }),
      r('POST', `${C}/points/payload`, 'set_payload', ({ collection, body }) => {
        this.setPayload(this.coll(collection), body);
        return updated();
      }),
      r('POST', `${C}/points/batch`, 'batch_update', ({ collection, body }) => {
        const c = this.coll(collection);
        return (body.operations as any[]).map((op) => {
          if (op.upsert) this.upsert(c, op.upsert.points);
          else if (op.delete) this.deletePoints(c, op.delete);
          else if (op.set_payload) this.setPayload(c, op.set_payload);
          else throw new HttpError(400, `Bad Request: unsupported batch operation ${Object.keys(op).join(',')}`);
          return updated();
        });
      }),
      r('POST', `${C}/points/scroll`, 'scroll_points', ({ collection, body }) => this.scroll(this.coll(collection), body ?? {})),
      r('POST', `${C}/points/count`, 'count_points', ({ collection, body }) => {
        const c = this.coll(collection);
        let n = 0;
        for (const p of c.points.values()) if (matchFilter(p, body?.filter)) n++;
        return { count: n };
      }),
      r('POST', `${C}/points/query`, 'query_points', ({ collection, body }) => this.query(this.coll(collection), body)),
    ];
  }

  private create(name: string, body: any): boolean {
    if (this.collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const v = body.vectors;
    const dense = v && typeof v.size === 'number' ? { size: v.size, distance: v.distance } : undefined;
    if (v && !dense && Object.keys(v).length > 0) throw new HttpError(400, 'Bad Request: named dense vectors are not emulated');
    this.collections.set(name, {
      dense,
      sparse: body.sparse_vectors ?? {},
      createBody: structuredClone(body),
      points: new Map(),
      payloadSchema: {},
    });
    return true;
  }

  private info(name: string): Json {
    const c = this.coll(name);
    const payloadSchema: Record<string, Json> = {};
    for (const [field, s] of Object.entries(c.payloadSchema)) {
      let points = 0;
      for (const p of c.points.values()) if (valuesAt(p.payload, field).length > 0) points++;
      payloadSchema[field] = { ...s, points };
    }
    const vectors = c.dense ? { size: c.dense.size, distance: c.dense.distance } : {};
    return {
      status: 'green',
      optimizer_status: 'ok',
      points_count: c.points.size,
      indexed_vectors_count: 0,
      segments_count: 1,
      config: {
        params: {
          vectors,
          ...(Object.keys(c.sparse).length > 0 ? { sparse_vectors: c.sparse } : {}),
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: { default_segment_number: 0, flush_interval_sec: 5 },
      },
      payload_schema: payloadSchema,
    };
  }

  private upsert(c: Collection, points: any[]): void {
    const prepared = points.map((raw) => {
      const p: Point = { id: raw.id, dense: undefined, sparse: new Map(), payload: structuredClone(raw.payload ?? {}) };
      const v = raw.vector;
      if (Array.isArray(v)) {
        if (!c.dense) throw new HttpError(400, 'Wrong input: Not existing vector name error: ');
        if (v.length !== c.dense.size) {
          throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.dense.size}, got ${v.length}`);
        }
        let dense = v.map(f32);
        if (c.dense.distance === 'Cosine') {
          const n = f32(Math.sqrt(dense.reduce((s: number, x: number) => s + x * x, 0)));
          if (n >= 1.1920929e-7) dense = dense.map((x: number) => f32(x / n));
        }
        p.dense = dense;
      } else if (v && typeof v === 'object') {
        for (const [name, sv] of Object.entries(v as Record<string, any>)) {
          if (!(name in c.sparse)) throw new HttpError(400, `Wrong input: Not existing vector name error: ${name}`);
          if (new Set(sv.indices).size !== sv.indices.length) throw new HttpError(422, 'Validation error: indices must be unique');
          // Qdrant keeps sparse vectors sorted by index.
          const order = (sv.indices as number[]).map((_, i) => i).sort((a, b) => sv.indices[a] - sv.indices[b]);
          p.sparse.set(name, { indices: order.map((i) => sv.indices[i]), values: order.map((i) => f32(sv.values[i])) });
        }
      } else if (c.dense) {
        throw new HttpError(400, 'Wrong input: missing vector');
      }
      return p;
    });
    for (const p of prepared) c.points.set(pointKey(p.id), p);
  }

  private selected(c: Collection, body: any): Point[] {
    if (Array.isArray(body.points)) return body.points.map((id: PointId) => c.points.get(pointKey(id))).filter(Boolean);
    if (body.filter) return [...c.points.values()].filter((p) => matchFilter(p, body.filter));
    throw new HttpError(400, 'Bad Request: expected points or filter');
  }

  private deletePoints(c: Collection, body: any): void {
    for (const p of this.selected(c, body)) c.points.delete(pointKey(p.id));
  }

  private setPayload(c: Collection, body: any): void {
    if (Array.isArray(body.points)) {
      const missing = (body.points as PointId[]).find((id) => !c.points.has(pointKey(id)));
      if (missing !== undefined) throw new HttpError(404, `Not found: No point with id ${missing} found`);
    }
    for (const p of this.selected(c, body)) Object.assign(p.payload, structuredClone(body.payload));
  }

  private record(p: Point, withPayload: any, withVector: any): Record<string, Json> {
    const out: Record<string, Json> = { id: p.id };
    const payload = selectPayload(p.payload, withPayload);
    if (payload !== undefined) out.payload = payload;
    const vector = selectVector(p, withVector);
    if (vector !== undefined) out.vector = vector;
    return out;
  }

  private scroll(c: Collection, body: any): Json {
    const limit: number = body.limit ?? 10;
    const sorted = [...c.points.values()].filter((p) => matchFilter(p, body.filter)).sort((a, b) => compareIds(a.id, b.id));
    const start = body.offset == null ? 0 : sorted.findIndex((p) => compareIds(p.id, body.offset) >= 0);
    const from = start < 0 ? sorted.length : start;
    const page = sorted.slice(from, from + limit);
    const next = sorted[from + limit];
    return {
      points: page.map((p) => this.record(p, body.with_payload ?? true, body.with_vector ?? false)),
      next_page_offset: next ? next.id : null,
    };
  }

  private query(c: Collection, body: any): Json {
    const q = body.query;
    const candidates = [...c.points.values()].filter((p) => matchFilter(p, body.filter));
    let scored: { p: Point; score: number }[];
    if (Array.isArray(q)) {
      if (!c.dense || q.length !== c.dense.size) throw new HttpError(400, 'Wrong input: Vector dimension error');
      let query = q.map(f32);
      if (c.dense.distance === 'Cosine') {
        const n = Math.sqrt(query.reduce((s: number, x: number) => s + x * x, 0));
        if (n >= 1.1920929e-7) query = query.map((x: number) => x / n);
      }
      scored = candidates.filter((p) => p.dense).map((p) => ({ p, score: f32(p.dense!.reduce((s, x, j) => s + x * (query[j] as number), 0)) }));
    } else if (q && Array.isArray(q.indices)) {
      const name: string = body.using;
      const conf = c.sparse[name];
      if (!conf) throw new HttpError(400, `Wrong input: Not existing vector name error: ${name}`);
      const all = [...c.points.values()].filter((p) => p.sparse.has(name));
      const idf = new Map<number, number>();
      for (const t of q.indices as number[]) {
        const n = all.filter((p) => p.sparse.get(name)!.indices.includes(t)).length;
        idf.set(t, conf.modifier === 'idf' ? Math.log(1 + (all.length - n + 0.5) / (n + 0.5)) : 1);
      }
      scored = [];
      for (const p of candidates) {
        const doc = p.sparse.get(name);
        if (!doc) continue;
        let score = 0;
        let overlap = false;
        q.indices.forEach((t: number, i: number) => {
          const j = doc.indices.indexOf(t);
          if (j >= 0) {
            overlap = true;
            score += q.values[i] * doc.values[j]! * idf.get(t)!;
          }
        });
        if (overlap) scored.push({ p, score: f32(score) });
      }
    } else {
      throw new HttpError(400, `Bad Request: query kind not emulated: ${JSON.stringify(q).slice(0, 80)}`);
    }
    const threshold = body.score_threshold;
    const hits = scored
      .filter((s) => threshold == null || s.score >= threshold)
      .sort((a, b) => b.score - a.score || compareIds(a.p.id, b.p.id))
      .slice(body.offset ?? 0, (body.offset ?? 0) + (body.limit ?? 10));
    return {
      points: hits.map(({ p, score }) => ({ ...this.record(p, body.with_payload ?? false, body.with_vector ?? false), version: 0, score })),
    };
  }
}
