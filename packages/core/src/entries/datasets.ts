/**
 * `@srm/core/datasets`: offline data and evaluation helpers for examples,
 * tests and benchmarks. GloVe word vectors and an embedder built on them, dictd
 * dictionaries, the FOLDOC glossary with its labeled query sets, retrieval
 * metrics, and a seeded random number generator.
 *
 * @packageDocumentation
 */

export { GloveEmbedder, loadGloveVectors } from '../embeddings/glove.js';
export type { GloveVectors, GloveLoadOptions, GloveEmbedderOptions } from '../embeddings/glove.js';
export { readDictd, DICTD_DIR } from '../datasets/dictd.js';
export type { DictdEntry } from '../datasets/dictd.js';
export {
  loadFoldocGlossary,
  headwordQueries,
  unstatedAliasQueries,
  jargonQueries,
  shingleOverlap,
  plainDictText,
  meanReciprocalRank,
} from '../glossary/foldoc.js';
export type { FoldocGlossary, FoldocGlossaryOptions, LabeledQuery, JargonQueryOptions } from '../glossary/foldoc.js';
export { Rng } from '../util/rng.js';
