/**
 * docs/llamaindex.md, "Memory blocks": a LlamaIndex `Memory` with the glossary
 * block and the stock vector block over an SRMVectorStore, and the messages it
 * hands to an LLM. Offline (GloVe embeddings). Run from examples/:
 * `npx tsx src/snippets/llamaindex-memory-blocks.ts`.
 */
import { Settings } from 'llamaindex';
import { SemanticMemory } from '@srm/core';
import { GloveEmbedding } from '@srm/llamaindex';
import { createMemory, vectorBlock } from 'llamaindex';
import { glossaryBlock, SRMVectorStore } from '@srm/llamaindex';

Settings.embedModel = await GloveEmbedding.load();
const glossary = await SemanticMemory.open(); // in memory
await glossary.memorize({
  key: 'JWT',
  value: 'JSON Web Token',
  description: 'Our API signs JWTs with RS256; clients send them in the Authorization header.',
  agentId: 'support-bot',
});
await glossary.memorize({ key: 'RS256', value: 'RSA signature with SHA-256', agentId: 'support-bot' });

const memory = createMemory({
  tokenLimit: 4000,
  memoryBlocks: [
    glossaryBlock({ memory: glossary, agentId: 'support-bot' }),
    vectorBlock({ vectorStore: new SRMVectorStore(), priority: 2, retrievalContextWindow: 2 }), // uses Settings.embedModel
  ],
});
await memory.add({ role: 'user', content: 'How long may a JWT for the billing API live?' });
const messages = await memory.getLLM(); // with an LLM: getLLM(llm) sizes the context to llm.metadata.contextWindow

for (const message of messages) console.log(`--- ${message.role}\n${typeof message.content === 'string' ? message.content : JSON.stringify(message.content)}`);
await glossary.close();
