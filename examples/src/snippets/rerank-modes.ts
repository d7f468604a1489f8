/**
 * docs/concepts.md, "rerank modes": the same 5,000 GloVe word vectors in one
 * memory per rerank mode, with the RAM each keeps for reranking and its
 * recall@10 against exact search. Run from examples/:
 * `npx tsx src/snippets/rerank-modes.ts`.
 */
import { SemanticRoutingMemory, type RerankMode } from '@srm/core';
import { loadGloveVectors } from '@srm/core/datasets';

const glove = await loadGloveVectors();
const d = glove.dim;
const n = 5000;
const data = glove.vectors.slice(1000 * d, (1000 + n) * d); // words ranked 1,000 to 5,999
const ids = glove.words.slice(1000, 1000 + n);
const queries = Array.from({ length: 100 }, (_, i) => glove.vectors.slice((20_000 + i * 7) * d, (20_001 + i * 7) * d));

// autoFitAt: 0 never fits a codebook: every query is an exact scan, the ground truth.
const exact = new SemanticRoutingMemory({ d, autoFitAt: 0, rerank: 'float32' });
await exact.add(data, { ids });
const truth = await Promise.all(queries.map(async (q) => new Set((await exact.query(q, { k: 10 })).map((h) => h.id))));
await exact.close();

console.log('mode     rerank KiB  bytes/item  recall@10');
for (const rerank of ['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none'] as RerankMode[]) {
  const memory = new SemanticRoutingMemory({ d, K: 32, m: 8, rerank }); // refine: 64, 256 for pq4
  await memory.add(data, { ids });
  let found = 0;
  for (const [i, q] of queries.entries()) {
    for (const hit of await memory.query(q, { k: 10 })) if (truth[i]!.has(hit.id)) found++;
  }
  const { hotBytes, items } = memory.stats();
  const kib = (hotBytes.rerank / 1024).toFixed(1).padStart(10);
  console.log(`${rerank.padEnd(8)} ${kib}  ${String(Math.round(hotBytes.rerank / items)).padStart(10)}  ${(found / (10 * queries.length)).toFixed(3)}`);
  await memory.close();
}
