/**
 * docs/concepts.md: per-query options (probes, candidate budget, filter),
 * drift and a refit while queries keep answering, the adaptive update, and
 * persistence. Offline, on GloVe word vectors. Run from examples/:
 * `npx tsx src/snippets/query-and-refit.ts`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SemanticRoutingMemory } from '@srm/core';
import { loadGloveVectors } from '@srm/core/datasets';

const glove = await loadGloveVectors();
const d = glove.dim;
const rows = (from: number, to: number) => glove.vectors.slice(from * d, to * d);
const words = (from: number, to: number) => glove.words.slice(from, to);
const dir = join(process.cwd(), '.data', 'query-and-refit');
rmSync(dir, { recursive: true, force: true });

// Frequent words first; the memory fits its 16-bucket codebook at 1,000 items.
const memory = await SemanticRoutingMemory.open({ path: dir, d, K: 16, m: 4, autoFitAt: 1000 });
await memory.add(rows(1000, 4000), {
  ids: words(1000, 4000),
  payloads: words(1000, 4000).map((word, i) => ({ word, rank: 1000 + i })),
});
const q = rows(glove.index.get('guitar')!, glove.index.get('guitar')! + 1);

// Per-query options override the config: more probes, a candidate budget, a payload filter.
const wide = await memory.query(q, { k: 5, m: 8 });
const budget = await memory.query(q, { k: 5, maxCandidates: 200 });
const filtered = await memory.query(q, { k: 5, filter: { field: 'rank', op: 'gte', value: 3000 } });
console.log('m=8:      ', wide.map((h) => h.id).join(' '));
console.log('budget:   ', budget.map((h) => h.id).join(' '));
console.log('rank>=3000', filtered.map((h) => `${h.id}(${h.payload.rank})`).join(' '));

// Drift: rare words sit farther from centroids trained on frequent ones. Past
// driftRefitRatio (default 1.5) a background refit starts on its own.
await memory.add(rows(60_000, 63_000), { ids: words(60_000, 63_000) });
const drifted = memory.stats();
console.log(`quantization error: fit ${drifted.quantizationError.fit?.toFixed(3)}, recent ${drifted.quantizationError.recent?.toFixed(3)}`);
console.log(`refitting in the background: ${drifted.refitting}`);
const during = await memory.query(q, { k: 3 }); // queries keep answering during a refit
await memory.idle(); // resolves when the background refit is done
console.log('during refit:', during.map((h) => h.id).join(' '), '| after:', memory.stats().quantizationError.fit?.toFixed(3));

// refit() by hand: new codebook, every item re-routed, with progress.
const phases = new Set<string>();
await memory.refit({ onProgress: (p) => phases.add(p.phase) });
console.log('refit phases:', [...phases].join(', '));

// Persistence: close, reopen (no retraining), same answers, consistent routing layer.
const before = await memory.query(q, { k: 5 });
await memory.close();
const reopened = await SemanticRoutingMemory.open({ path: dir, d });
const after = await reopened.query(q, { k: 5 });
console.log('same after reopen:', JSON.stringify(after) === JSON.stringify(before));
console.log('verify:', (await reopened.verify()).ok);
console.log('opened from:', reopened.stats().openedFrom.source); // "checkpoint": close() saved the routing layer
await reopened.close();

// The adaptive update (off by default) moves centroids as items arrive.
const adaptive = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 1000, adaptiveUpdate: true, tau: 0.5, eta: 0.05 });
await adaptive.add(rows(1000, 2500));
await adaptive.add(rows(60_000, 61_000));
console.log('adaptive verify:', (await adaptive.verify()).ok);
await adaptive.close();
