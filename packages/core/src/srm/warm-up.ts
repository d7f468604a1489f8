/**
 * The first fit warms the query path. Before the fit a query scores the exact rows held in RAM;
 * after it, queries run code that never ran before (the code scan, the refine's reads from the
 * store), and V8 runs such code unoptimised, several times slower, until it has run often enough
 * to be compiled. The fit runs a few queries of its own on the new layer before it is swapped
 * in, so that users' first queries do not pay for it (docs/benchmarks.md, Growth).
 */
import type { SRMItemStore } from '../storage/types.js';
import type { SRMConfig } from './config.js';
import type { Sample } from './layer-trainer.js';
import type { RoutingLayer } from './routing-layer.js';
import { ScratchPool } from './search-index.js';
import { runQuery } from './search.js';
import { resolveQueryParams } from './selection.js';

/** Queries a first fit runs: a few more than ran slowly after a fit that did not warm up. */
export const WARM_UP_QUERIES = 24;

/**
 * Runs up to {@link WARM_UP_QUERIES} default queries of `sample` rows on `layer` (not yet live)
 * and drops their answers. Only on a store read locally (`readVectors`): a query to a server
 * costs a round trip and warms nothing here.
 */
export async function warmUpQueries(layer: RoutingLayer, store: SRMItemStore, config: SRMConfig, sample: Sample): Promise<void> {
  if (!store.readVectors) return;
  const { d } = config;
  const index = layer.searchIndex(config.normalize, store, new ScratchPool(), true);
  // A user's query without options: the same defaults, probes and refine.
  const params = resolveQueryParams({}, config, layer);
  for (let i = 0; i < Math.min(WARM_UP_QUERIES, sample.n); i++) await runQuery(index, sample.data.subarray(i * d, (i + 1) * d), params);
}
