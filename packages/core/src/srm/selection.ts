/**
 * The memory's reads and deletes by selection rather than by nearness: items by payload filter
 * (pushed down into the store's scan), a query scored exactly within a set of ids, and the
 * checks of their options. `SemanticRoutingMemory` calls these under its lock.
 */
import { InvalidInputError } from '../errors.js';
import { matchesFilter, normalizeFilter, type PayloadFilter } from '../filter.js';
import { NO_VECTOR_BUCKET, type Payload, type SRMItemStore, type SRMRecordView } from '../storage/types.js';
import { dot } from '../util/vector-math.js';
import type { SRMConfig } from './config.js';
import { prepareStored, type RoutingLayer } from './routing-layer.js';
import type { ItemsOptions, MemoryItem, PayloadItem, QueryHit, QueryOptions } from './types.js';
import type { SearchParams } from './search.js';
import { checkIds, checkK, checkOptions } from './validate.js';

/** Default page size of `items`. */
const ITEMS_PAGE = 1000;

/** Checked options of `items`. */
export interface CheckedItemsOptions {
  pageSize: number;
  filter: PayloadFilter | undefined;
  withVectors: boolean;
}

/** Checks the options of `items`: a page size, or {@link ItemsOptions}. */
export function checkItemsOptions(opts: number | ItemsOptions | undefined): CheckedItemsOptions {
  if (typeof opts === 'number' || opts === undefined) return { pageSize: checkPageSize(opts ?? ITEMS_PAGE), filter: undefined, withVectors: true };
  const { pageSize = ITEMS_PAGE, filter, withVectors = true, ...rest } = checkOptions(opts, 'items');
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new InvalidInputError(`items: unknown option ${JSON.stringify(unknown[0])}; expected pageSize, filter or withVectors`);
  if (typeof withVectors !== 'boolean') throw new InvalidInputError(`items: withVectors must be a boolean, got ${JSON.stringify(withVectors)}`);
  return { pageSize: checkPageSize(pageSize), filter: filter === undefined ? undefined : normalizeFilter(filter), withVectors };
}

function checkPageSize(pageSize: unknown): number {
  if (typeof pageSize !== 'number' || !Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new InvalidInputError(`items: pageSize must be a positive integer, got ${JSON.stringify(pageSize)}`);
  }
  return pageSize;
}

/** A stored record (read with its id, bucket, vector and payload) as `get` and `items` return it: `vector` null for an item without one. */
export function memoryItemOf(r: SRMRecordView): MemoryItem {
  return { id: r.id!, vector: r.bucket === NO_VECTOR_BUCKET ? null : r.vector!, payload: r.payload ?? {} };
}

/** The stored items matching `opts.filter`, in pages, ascending slot order; the filter runs in the store. */
export async function* scanItems(store: SRMItemStore, opts: CheckedItemsOptions): AsyncIterable<(MemoryItem | PayloadItem)[]> {
  const want = { id: true, payload: true, vector: opts.withVectors, bucket: opts.withVectors };
  for await (const page of store.scan(want, { pageSize: opts.pageSize, ...(opts.filter ? { filter: opts.filter } : {}) })) {
    yield page.map((r) => (opts.withVectors ? memoryItemOf(r) : { id: r.id!, payload: r.payload ?? {} }));
  }
}

/** The ids, slots and live buckets (`liveBucket` maps a stored one) of the stored items matching `filter` (for `deleteWhere`). */
export async function selectForDelete(
  store: SRMItemStore,
  filter: PayloadFilter,
  liveBucket: (slot: number, stored: number) => number | undefined,
): Promise<{ id: string; slot: number; bucket: number }[]> {
  const out: { id: string; slot: number; bucket: number }[] = [];
  for await (const page of store.scan({ id: true, bucket: true }, { filter })) {
    for (const r of page) out.push({ id: r.id!, slot: r.slot, bucket: liveBucket(r.slot, r.bucket!) ?? r.bucket! });
  }
  return out;
}

/** A query's checked parameters (what `runQuery` and {@link queryWithin} take). */
export function resolveQueryParams(opts: QueryOptions, config: Readonly<SRMConfig>, layer: RoutingLayer): SearchParams {
  const k = checkK(opts.k ?? config.topK, 'k');
  const K = layer.codebook?.K;
  const m = opts.m === undefined ? layer.defaultProbes(config) : checkK(opts.m, 'm');
  if (K !== undefined && m > K) throw new InvalidInputError(`m must be <= K (${K}), got ${m}`);
  const maxCandidates = opts.maxCandidates === undefined ? config.maxCandidates : checkK(opts.maxCandidates, 'maxCandidates');
  const refine = opts.refine === undefined ? config.refine : checkK(opts.refine, 'refine');
  const { withVectors = false, refineEarlyStop = config.refineEarlyStop } = opts;
  if (typeof withVectors !== 'boolean') throw new InvalidInputError(`query: withVectors must be a boolean, got ${JSON.stringify(withVectors)}`);
  if (typeof refineEarlyStop !== 'boolean') throw new InvalidInputError(`query: refineEarlyStop must be a boolean, got ${JSON.stringify(refineEarlyStop)}`);
  const shared = { k, m, maxCandidates, refine, withVectors, refineEarlyStop };
  const input = opts.filter;
  if (input === undefined || typeof input === 'function') return { ...shared, filter: input, filterAst: undefined };
  // An AST (not a function) can also be evaluated by a server.
  const filterAst = normalizeFilter(input);
  return { ...shared, filter: (payload) => matchesFilter(payload, filterAst), filterAst };
}

/** The `ids` of a query, checked and deduplicated; undefined when not given. */
export function checkQueryIds(ids: QueryOptions['ids']): string[] | undefined {
  return ids === undefined ? undefined : [...new Set(checkIds(ids, 'query: ids', false))];
}

/**
 * The query within `ids`: every stored item among them that has a vector and passes `filter`,
 * scored exactly from its stored vector (prepared as the memory prepares its inputs), best first,
 * ties by id, cut to `k`. Ids that are not stored, or stored without a vector, are left out.
 */
export async function queryWithin(
  store: SRMItemStore,
  config: Readonly<SRMConfig>,
  q: Float32Array,
  ids: readonly string[],
  params: Pick<SearchParams, 'k' | 'filter' | 'withVectors'>,
): Promise<QueryHit[]> {
  const { d, normalize } = config;
  const recs = await store.fetchIds(ids, { id: true, bucket: true, vector: true, payload: true });
  const hits: QueryHit[] = [];
  const row = new Float32Array(d);
  for (const r of recs) {
    if (r === undefined || r.bucket === NO_VECTOR_BUCKET) continue;
    const payload = r.payload ?? {};
    if (params.filter && !params.filter(payload)) continue;
    row.set(r.vector!);
    prepareStored(normalize, d, row, 0);
    const hit: QueryHit = { id: r.id!, score: dot(q, 0, row, 0, d), payload };
    if (params.withVectors) hit.vector = r.vector!;
    hits.push(hit);
  }
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.slice(0, params.k);
}
