/**
 * Per-store metadata of SRM stores, kept in the shared `{prefix}-srmstate`
 * collection (payload-only points): the store's spec (format version, dim,
 * metric; written on first open, checked on every open) and the persisted
 * index state (config, codebook, quantizer: an opaque blob).
 *
 * A blob may be megabytes (K x d float32 centroids plus PQ tables), more than
 * is wise in one payload, so it is cut into base64 chunks. Each write uses a
 * fresh generation: chunks first, then the head point that names the
 * generation, then the old generation's chunks are deleted. The head upsert is
 * the commit point, so a reader sees the old state or the new one, never a mix.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { CorruptDataError, DimensionMismatchError, InvalidConfigError, LimitExceededError } from '../../errors.js';
import type { SRMItemStoreSpec } from '../types.js';
import type { QdrantConnection } from './connection.js';

/** Namespace of state point ids: fixed forever (ids of existing states depend on it). */
const STATE_NAMESPACE = '2df78ca7-b78d-4815-8a90-b9527b10fad5';
/** Format version of the head point's payload. */
const STATE_FORMAT = 1;
/** Format version of the SRM collection layout described by the spec point. */
const LAYOUT_FORMAT = 1;
/** Raw bytes per chunk (about 5.3 MB of base64, well under Qdrant's 32 MiB request limit). */
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Largest state blob written or read: 1 GiB, 256 chunks. A state holds the config, the codebook
 * (K x d float32: 256 MiB at K = 16 384 and d = 4096) and the quantizer tables. The bound keeps a
 * damaged or hostile head (say 2^31 chunks) from sizing an allocation.
 */
export const MAX_STATE_BYTES = 1024 * 1024 * 1024;
/** Chunks read per scroll page. */
const CHUNKS_PER_PAGE = 4;

/** Chunks a blob of `bytes` bytes is cut into. */
const chunkCount = (bytes: number) => Math.max(1, Math.ceil(bytes / CHUNK_BYTES));
/** Raw size of chunk `index` of a blob of `bytes` bytes. */
const chunkSize = (bytes: number, index: number) => Math.min(CHUNK_BYTES, bytes - index * CHUNK_BYTES);

interface HeadPayload {
  store: string;
  kind: 'head';
  format: number;
  generation: string;
  chunks: number;
  bytes: number;
}

interface SpecPayload {
  store: string;
  kind: 'spec';
  format: number;
  dim: number;
  metric: SRMItemStoreSpec['metric'];
}

const specId = (store: string) => uuidv5(`spec:${store}`, STATE_NAMESPACE);
const headId = (store: string) => uuidv5(`head:${store}`, STATE_NAMESPACE);
const chunkId = (store: string, generation: string, index: number) => uuidv5(`chunk:${store}:${generation}:${index}`, STATE_NAMESPACE);

const storeIs = (store: string) => ({ key: 'store', match: { value: store } });

/** Reads and writes the spec and the state of one SRM store. */
export class SrmStateStore {
  constructor(
    private readonly conn: QdrantConnection,
    private readonly collection: string,
    private readonly store: string,
  ) {}

  /** The spec recorded when the store was created, or `undefined` for a store never opened. */
  async readSpec(): Promise<SRMItemStoreSpec | undefined> {
    const c = this.collection;
    const [point] = await this.conn.call('srm.open', c, (cl) => cl.retrieve(c, { ids: [specId(this.store)], with_payload: true, with_vector: false }));
    if (!point) return undefined;
    const p = point.payload as Partial<SpecPayload> | null | undefined;
    if (!p || p.kind !== 'spec' || !Number.isInteger(p.dim) || (p.metric !== 'cosine' && p.metric !== 'dot')) {
      throw new CorruptDataError(c, `spec of SRM store "${this.store}" is malformed`);
    }
    if (p.format !== LAYOUT_FORMAT) {
      throw new CorruptDataError(c, `SRM store "${this.store}" has layout format ${String(p.format)}; this version reads format ${LAYOUT_FORMAT}`);
    }
    return { name: this.store, dim: p.dim!, metric: p.metric };
  }

  /**
   * Records `spec` for a new store, or checks it against the recorded one:
   * another dimension is a {@link DimensionMismatchError}, another metric an
   * {@link InvalidConfigError}.
   */
  async ensureSpec(spec: SRMItemStoreSpec): Promise<void> {
    const existing = await this.readSpec();
    if (existing) {
      if (existing.dim !== spec.dim) throw new DimensionMismatchError(existing.dim, spec.dim, `SRM store "${this.store}" (Qdrant) opened with dim`);
      if (existing.metric !== spec.metric) {
        throw new InvalidConfigError('metric', `SRM store "${this.store}" was created with metric "${existing.metric}", opened with "${spec.metric}"`);
      }
      return;
    }
    const c = this.collection;
    const payload: SpecPayload = { store: this.store, kind: 'spec', format: LAYOUT_FORMAT, dim: spec.dim, metric: spec.metric };
    await this.conn.call('srm.open', c, (cl) => cl.upsert(c, { wait: true, points: [{ id: specId(this.store), vector: {}, payload: { ...payload } }] }));
  }

  async read(): Promise<Uint8Array | null> {
    const c = this.collection;
    const [head] = await this.conn.call('srm.readState', c, (cl) => cl.retrieve(c, { ids: [headId(this.store)], with_payload: true, with_vector: false }));
    if (!head) return null;
    const h = head.payload as Partial<HeadPayload> | null | undefined;
    if (!h || h.kind !== 'head' || typeof h.generation !== 'string' || !Number.isInteger(h.chunks) || !Number.isInteger(h.bytes)) {
      throw new CorruptDataError(c, `state head of SRM store "${this.store}" is malformed`);
    }
    if (h.format !== STATE_FORMAT) {
      throw new CorruptDataError(c, `state of SRM store "${this.store}" has format ${String(h.format)}; this version reads format ${STATE_FORMAT}`);
    }
    // Every size below depends on these two remote numbers: check them before any allocation.
    const { bytes, chunks } = h as HeadPayload;
    if (bytes < 0 || bytes > MAX_STATE_BYTES || chunks !== chunkCount(bytes)) {
      throw new CorruptDataError(
        c,
        `state head of SRM store "${this.store}" claims ${chunks} chunk(s) of ${bytes} bytes; expected at most ${MAX_STATE_BYTES} bytes in ${CHUNK_BYTES}-byte chunks`,
      );
    }
    const parts = new Array<Buffer | undefined>(chunks).fill(undefined);
    // A server that keeps handing out pages must not keep this loop going.
    const maxPages = Math.ceil(chunks / CHUNKS_PER_PAGE) + 1;
    let pages = 0;
    let offset: string | number | undefined;
    const seen = new Set<string | number>();
    do {
      if (++pages > maxPages) {
        throw new CorruptDataError(c, `state of SRM store "${this.store}" did not end after ${maxPages} pages of ${CHUNKS_PER_PAGE} chunks`);
      }
      const page = await this.conn.call('srm.readState', c, (cl) =>
        cl.scroll(c, {
          filter: { must: [storeIs(this.store), { key: 'generation', match: { value: h.generation! } }] },
          limit: CHUNKS_PER_PAGE,
          with_payload: true,
          with_vector: false,
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      for (const p of page.points) {
        const pl = p.payload as { kind?: unknown; index?: unknown; data?: unknown } | null | undefined;
        if (pl?.kind !== 'chunk') continue;
        if (typeof pl.index !== 'number' || !Number.isInteger(pl.index) || typeof pl.data !== 'string' || pl.index < 0 || pl.index >= parts.length) {
          throw new CorruptDataError(c, `state chunk of SRM store "${this.store}" is malformed`);
        }
        // base64 is 4 characters per 3 bytes: check the length before decoding.
        const size = chunkSize(bytes, pl.index);
        if (pl.data.length !== 4 * Math.ceil(size / 3)) {
          throw new CorruptDataError(
            c,
            `state chunk ${pl.index} of SRM store "${this.store}" has ${pl.data.length} base64 characters, expected ${4 * Math.ceil(size / 3)}`,
          );
        }
        parts[pl.index] = Buffer.from(pl.data, 'base64');
      }
      offset = nextOffset(page.next_page_offset, seen, c);
    } while (offset !== undefined);
    const missing = parts.findIndex((p) => p === undefined);
    if (missing >= 0) {
      throw new CorruptDataError(c, `state of SRM store "${this.store}" lacks chunk ${missing} of ${parts.length}`);
    }
    const joined = Buffer.concat(parts as Buffer[]);
    if (joined.byteLength !== bytes) {
      throw new CorruptDataError(c, `state of SRM store "${this.store}" has ${joined.byteLength} bytes, expected ${bytes}`);
    }
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  }

  async write(state: Uint8Array): Promise<void> {
    const c = this.collection;
    if (state.byteLength > MAX_STATE_BYTES) throw new LimitExceededError('SRM state size on Qdrant (bytes)', MAX_STATE_BYTES, state.byteLength);
    const generation = randomUUID();
    const chunks = chunkCount(state.byteLength);
    for (let i = 0; i < chunks; i++) {
      const bytes = state.subarray(i * CHUNK_BYTES, Math.min(state.byteLength, (i + 1) * CHUNK_BYTES));
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      await this.conn.call('srm.writeState', c, (cl) =>
        cl.upsert(c, {
          wait: true,
          points: [{ id: chunkId(this.store, generation, i), vector: {}, payload: { store: this.store, kind: 'chunk', generation, index: i, data } }],
        }),
      );
    }
    const head: HeadPayload = { store: this.store, kind: 'head', format: STATE_FORMAT, generation, chunks, bytes: state.byteLength };
    await this.conn.call('srm.writeState', c, (cl) => cl.upsert(c, { wait: true, points: [{ id: headId(this.store), vector: {}, payload: { ...head } }] }));
    // Older generations are garbage now; removing them is idempotent.
    await this.conn.call('srm.writeState', c, (cl) =>
      cl.delete(c, {
        wait: true,
        filter: {
          must: [storeIs(this.store), { key: 'kind', match: { value: 'chunk' } }],
          must_not: [{ key: 'generation', match: { value: generation } }],
        },
      }),
    );
  }

  /** Deletes the index state (the spec stays: the store still exists). */
  async clear(): Promise<void> {
    const c = this.collection;
    await this.conn.call('srm.clear', c, (cl) =>
      cl.delete(c, { wait: true, filter: { must: [storeIs(this.store)], must_not: [{ key: 'kind', match: { value: 'spec' } }] } }),
    );
  }

  /** Deletes everything recorded about the store, spec included. */
  async drop(): Promise<void> {
    const c = this.collection;
    await this.conn.call('srm.drop', c, (cl) => cl.delete(c, { wait: true, filter: { must: [storeIs(this.store)] } }));
  }
}

/**
 * The scroll cursor to continue from, or `undefined` at the end. `seen` holds the offsets of
 * this scroll so far: an offset handed out twice would make the paging loop run forever.
 * @throws CorruptDataError when the server repeats an offset.
 */
export function nextOffset(next: unknown, seen: Set<string | number>, collection: string): string | number | undefined {
  const offset = typeof next === 'string' || typeof next === 'number' ? next : undefined;
  if (offset === undefined) return undefined;
  if (seen.has(offset))
    throw new CorruptDataError(collection, `the server handed out the scroll offset ${JSON.stringify(offset)} twice; paging would never end`);
  seen.add(offset);
  return offset;
}
