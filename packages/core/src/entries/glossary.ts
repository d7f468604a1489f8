/**
 * `@srm/core/glossary`: the building blocks of `SemanticMemory`'s BM25 search,
 * for who tunes or replaces them: tokenizers, stop words, BM25 weighting, term
 * hashing, glossary ids, the sparse index, and the text an entry renders to.
 *
 * @packageDocumentation
 */

export { WordTokenizer, defaultWordTokenizerOptions } from '../glossary/tokenizer.js';
export type { GlossaryTokenizer, WordTokenizerOptions } from '../glossary/tokenizer.js';
export { HfTokenizer } from '../glossary/hf-tokenizer.js';
export { ENGLISH_STOP_WORDS, withoutStopWords } from '../glossary/stop-words.js';
export { defaultBm25Options, resolveBm25Options, documentVector, queryVector, nameToken, maxAttainableScore } from '../glossary/bm25.js';
export { idf } from '../sparse/idf.js';
export type { Bm25Options, WeightedTokens } from '../glossary/bm25.js';
export { termId, murmur3 } from '../glossary/term-hash.js';
export { GLOSSARY_NAMESPACE, glossaryId, glossaryIdName } from '../glossary/ids.js';
export { SparseIndex, packSparse } from '../sparse/sparse-index.js';
export type { PackedSparse, IndexHit } from '../sparse/sparse-index.js';
export { formatGlossaryEntry } from '../glossary/entry-text.js';
export type { GlossaryEntryTextOptions } from '../glossary/entry-text.js';
