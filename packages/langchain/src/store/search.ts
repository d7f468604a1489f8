/**
 * The two reads of SRMStore's search: a listing of live items (no query) and the ranking of
 * items for a query vector.
 */
import { Limits } from '@srm/core';
import type { PayloadFilter, SemanticRoutingMemory } from '@srm/core';
import { mainRecordIdOf, orderOf, readPayload } from './records.js';
import type { StoreRecordPayload } from './records.js';
import { liveAt } from './ttl.js';

/** Page size of full scans (listing without a query, namespace index). */
export const SCAN_PAGE = 1024;

/** The main record of each item (the one that holds its value). */
export const MAIN_RECORDS: PayloadFilter = { field: 'main', op: 'eq', value: true };

/** The AND of the given filters (undefined ones left out). */
export function and(...filters: (PayloadFilter | undefined)[]): PayloadFilter {
  return { and: filters.filter((f): f is PayloadFilter => f !== undefined) };
}

/** Every live main record whose payload matches `filter`, newest first; the memory's store runs the filter. */
export async function listItems(memory: SemanticRoutingMemory, filter: PayloadFilter, now: number): Promise<StoreRecordPayload[]> {
  const live = and(MAIN_RECORDS, filter, liveAt(now));
  const out: StoreRecordPayload[] = [];
  for await (const page of memory.items({ filter: live, withVectors: false, pageSize: SCAN_PAGE })) {
    for (const it of page) out.push(readPayload(it));
  }
  // Newest first (PostgresStore's order), then in insertion order: stable for pagination.
  return out.sort((a, b) => b.updatedAt - a.updatedAt || orderOf(a) - orderOf(b));
}

/**
 * The best `want` items for a query, each once (an item scores as its best record), best
 * first; exact ties in insertion order, as the frameworks' in-memory stores order them.
 */
export async function rankItems(memory: SemanticRoutingMemory, queryVector: Float32Array, filter: PayloadFilter, want: number) {
  // An item may have several records, and ties at the cut-off must all be seen to order them:
  // fetch more until `want` distinct items and a score below the cut-off, or the hits run out.
  let k = Math.min(Limits.maxK, want + 1);
  for (;;) {
    const hits = await memory.query(queryVector, { k, filter });
    const seen = new Set<string>();
    const ranked: { id: string; score: number; order: number }[] = [];
    for (const h of hits) {
      const p = h.payload as StoreRecordPayload;
      const id = mainRecordIdOf(p.ns, p.key);
      if (seen.has(id)) continue;
      seen.add(id);
      ranked.push({ id, score: h.score, order: orderOf(p) });
    }
    const cut = ranked[want - 1]?.score;
    const complete = hits.length < k || k >= Limits.maxK || (cut !== undefined && hits[hits.length - 1]!.score < cut);
    if (complete) return ranked.sort((a, b) => b.score - a.score || a.order - b.order).slice(0, want);
    k = Math.min(Limits.maxK, k * 2);
  }
}
