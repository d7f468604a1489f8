/**
 * LlamaIndex.TS agent memory with two SRM-backed blocks, offline:
 * - a glossary block: the agent's BM25 glossary (acronyms from Debian's
 *   dict-vera) injects the entries that match the conversation;
 * - LlamaIndex's stock vector block over an SRMVectorStore: older messages
 *   move there and come back when they are relevant again.
 *
 *   npx tsx examples/src/llamaindex-agent-memory.ts
 */
import { BaseLLM, createMemory, Settings, vectorBlock } from 'llamaindex';
import type { ChatMessage, ChatResponse, ChatResponseChunk, LLMChatParamsNonStreaming, LLMChatParamsStreaming, LLMMetadata } from 'llamaindex';
import { SemanticMemory } from '@srm/core';
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import { glossaryBlock, GloveEmbedding, SRMVectorStore } from '@srm/llamaindex';

const AGENT = 'support-bot';

/**
 * Stands in for a real LLM so that the example runs offline: it answers the
 * last message with the earlier sentence that shares the most words with it.
 */
class ExtractiveLLM extends BaseLLM {
  metadata: LLMMetadata = { model: 'extractive', temperature: 0, topP: 1, contextWindow: 8192, tokenizer: undefined, structuredOutput: false };

  chat(params: LLMChatParamsStreaming): Promise<AsyncIterable<ChatResponseChunk>>;
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  async chat(params: LLMChatParamsStreaming | LLMChatParamsNonStreaming): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse> {
    const texts = params.messages.map((m) => (typeof m.content === 'string' ? m.content : ''));
    // Words of four letters or more, with a plural or third-person "s" dropped.
    const words = (s: string) => new Set((s.toLowerCase().match(/[a-z]{4,}/g) ?? []).map((w) => w.replace(/s$/, '')));
    const asked = words(texts.at(-1) ?? '');
    let answer = 'I do not know.';
    let best = 0;
    for (const sentence of texts
      .slice(0, -1)
      .join('\n')
      .split(/(?<=[.!?])\s+|\n+/)) {
      const overlap = [...words(sentence)].filter((w) => asked.has(w)).length;
      if (overlap > best) [answer, best] = [sentence.replace(/<[^>]+>/g, '').trim(), overlap];
    }
    if (params.stream)
      return (async function* () {
        yield { delta: answer, raw: null };
      })();
    return { message: { role: 'assistant', content: answer }, raw: null };
  }
}

// Embeddings for the vector block (LlamaIndex wants Settings.embedModel set as well).
const embedModel = await GloveEmbedding.load();
Settings.embedModel = embedModel;

// 1. The agent's glossary: 2,000 acronyms from V.E.R.A., plus one the team wrote itself.
const glossary = await SemanticMemory.open();
const seen = new Set<string>(['jwt']);
const acronyms = readDictd(`${DICTD_DIR}/vera`)
  .filter((e) => e.titleLines.length === 2 && /^[A-Z][A-Z0-9]{1,7}$/.test(e.titleLines[0]!))
  .filter((e) => !seen.has(e.titleLines[0]!.toLowerCase()) && seen.add(e.titleLines[0]!.toLowerCase()))
  .slice(0, 2000)
  .map((e) => {
    // "Domain Name System (Internet, RFC 1034/1035, DNS)": the expansion, then tags.
    const [, value = e.titleLines[1]!, tags = ''] = /^(.*?)\s*(?:\(([^)]*)\))?\s*$/.exec(e.titleLines[1]!) ?? [];
    return { key: e.titleLines[0]!, value, category: tags.split(',')[0]?.trim() || 'acronym', description: tags, agentId: AGENT };
  });
await glossary.memorizeMany(acronyms);
await glossary.memorize({
  key: 'JWT',
  value: 'JSON Web Token',
  category: 'security',
  aliases: ['json web token', 'bearer token'],
  description: 'Our API signs JWTs with RS256; clients send them in the Authorization header.',
  agentId: AGENT,
});
console.log(`glossary: ${await glossary.entryCount(AGENT)} entries for ${AGENT}`);

// 2. The memory: a small short-term window, the glossary block, and the stock vector block over SRM.
const vectorStore = new SRMVectorStore({ embedModel });
const memory = createMemory({
  tokenLimit: 80,
  shortTermTokenLimitRatio: 0.5,
  memoryBlocks: [
    // minRelevance drops entries that share only a common word with the conversation.
    glossaryBlock({ memory: glossary, agentId: AGENT, topK: 2, minRelevance: 0.2 }),
    vectorBlock({ vectorStore, priority: 2, retrievalContextWindow: 2, queryOptions: { similarityTopK: 1 } }),
  ],
});

// 3. An earlier conversation, on two topics.
const earlier: ChatMessage[] = [
  { role: 'user', content: 'Access tokens for the billing API must expire after fifteen minutes.' },
  { role: 'assistant', content: 'Noted: billing API access tokens expire after fifteen minutes.' },
  { role: 'user', content: 'Refresh tokens for the billing API last seven days.' },
  { role: 'assistant', content: 'Understood, seven days for billing refresh tokens.' },
  { role: 'user', content: 'Lunch today is pasta with tomato sauce and basil.' },
  { role: 'assistant', content: 'Pasta with tomato sauce and fresh basil sounds delicious.' },
  { role: 'user', content: 'For dessert we bake a chocolate cake in the oven.' },
  { role: 'assistant', content: 'A chocolate cake baked in the oven is a fine dessert.' },
];
for (const message of earlier) await memory.add(message);
console.log(`vector block: ${vectorStore.memory.size} batches of older messages stored in SRM`);

// 4. A new question: the context for the LLM now carries the glossary entry and the relevant old messages.
// The vector block queries with the last two messages (retrievalContextWindow: 2).
await memory.add({ role: 'user', content: 'Back to the billing API and its tokens.' });
await memory.add({ role: 'user', content: 'How long may a JWT for the billing API live before it expires?' });
// getLLM sizes the context for the model: blocks first, then the recent messages.
const llm = new ExtractiveLLM();
const context = await memory.getLLM(llm);
for (const message of context) {
  const text = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  console.log(`--- ${message.role}\n${text}`);
}
const reply = await llm.chat({ messages: context });
console.log(`=== answer\n${reply.message.content}`);

await vectorStore.close();
await glossary.close();
