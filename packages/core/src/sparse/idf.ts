/**
 * Inverse document frequency, shared by the BM25 vectors (glossary/bm25.ts) and the engine that
 * scores them (sparse-index.ts). It sits below both so that the engine, which a storage backend
 * embeds, never reaches up into the glossary.
 */

/** Qdrant's `idf` modifier: `ln(1 + (N − n + 0.5) / (n + 0.5))`. Always > 0. */
export function idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}
