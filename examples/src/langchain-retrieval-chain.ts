/**
 * A LangChain retrieval chain on SRM, offline: the Jargon File's definitions in an
 * SRMVectorStore (GloVe embeddings, a small codebook so that queries are routed),
 * then `retriever -> prompt -> model -> parser`. The model is a stand-in that
 * answers with the best definition in its prompt, so the example runs without an
 * API key; swap in any LangChain chat model. Also: MMR and a metadata filter.
 *
 *   npx tsx examples/src/langchain-retrieval-chain.ts
 */
import type { Document } from '@langchain/core/documents';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import type { ChatPromptValue } from '@langchain/core/prompt_values';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { GloveEmbeddings, SRMVectorStore } from '@srm/langchain';
import { jargonDocuments } from './langchain-jargon.js';

const started = Date.now();
const docs = jargonDocuments();
// K=32 buckets: the memory fits its codebook once it holds 40·K items, then probes m=4 buckets per query.
const store = new SRMVectorStore(new GloveEmbeddings(), { srm: { K: 32, m: 4, rerank: 'float32' } });
await store.addDocuments(docs);
const stats = (await store.memory())!.stats();
console.log(`indexed ${stats.items} Jargon File definitions: d=${stats.d}, fitted=${stats.fitted}, buckets=${stats.buckets.count}`);

const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'You explain hacker slang. Use only these definitions:\n{context}'],
  ['human', '{question}'],
]);
// Stand-in for a chat model: answers with the first definition of its context.
const model = RunnableLambda.from((value: ChatPromptValue) => {
  const system = String(value.messages[0]!.content);
  return system.split('\n')[1] ?? 'I do not know.';
});
const format = (found: Document[]) => found.map((d) => d.pageContent.slice(0, 160)).join('\n');
const chain = RunnableSequence.from([
  { context: store.asRetriever({ k: 3 }).pipe(format), question: new RunnablePassthrough() },
  prompt,
  model,
  new StringOutputParser(),
]);

for (const question of ['Where does lost or discarded data go?', 'What do you call a clumsy workaround for a bug?', 'Who is an expert programmer?']) {
  console.log(`\nQ: ${question}\nA: ${await chain.invoke(question)}`);
}

// Similarity vs maximal marginal relevance: MMR trades a near-duplicate for a different angle.
const query = 'a very bad piece of code';
const similar = await store.similaritySearch(query, 4);
const diverse = await store.maxMarginalRelevanceSearch(query, { k: 4, fetchK: 20, lambda: 0.5 }, undefined);
console.log(`\nsimilarity: ${similar.map((d) => d.metadata.term).join(', ')}`);
console.log(`mmr:        ${diverse.map((d) => d.metadata.term).join(', ')}`);

// A metadata filter (Mongo-like syntax): verbs only.
const verbs = await store.similaritySearch('to understand something deeply', 3, { kind: { $in: ['vt.', 'vi.', 'v.'] } });
console.log(`verbs:      ${verbs.map((d) => `${d.metadata.term} (${d.metadata.kind})`).join(', ')}`);

await store.close();
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
