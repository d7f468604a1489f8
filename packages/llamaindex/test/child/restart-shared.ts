/** What the restart test and its child process share: the construction paths and the answers compared. */
import type { VectorStoreIndex } from 'llamaindex';

/** Every documented way to build a store on disk (`memory`: a SemanticRoutingMemory opened by the app). */
export const CONSTRUCTIONS = ['open-path', 'new-path', 'open-storage', 'new-storage', 'memory'] as const;
export type Construction = (typeof CONSTRUCTIONS)[number];

/** Queries about the dictionary documents. */
export const RESTART_QUERIES = ['uncertainty principle bugs', 'reliable delivery of packets', 'smoke inside chips'];

/** Top-3 node ids and scores for each query. */
export async function answersOf(index: VectorStoreIndex): Promise<{ ids: string[]; scores: number[] }[]> {
  const retriever = index.asRetriever({ similarityTopK: 3 });
  const out = [];
  for (const q of RESTART_QUERIES) {
    const hits = await retriever.retrieve(q);
    out.push({ ids: hits.map((h) => h.node.id_), scores: hits.map((h) => h.score ?? Number.NaN) });
  }
  return out;
}
