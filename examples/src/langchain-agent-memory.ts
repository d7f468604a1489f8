/**
 * LangChain agent memory with SRM, offline: two long-term memories side by side.
 * - The jargon glossary: a BM25 SemanticMemory of the Jargon File (Debian dict-jargon),
 *   exact on terms and acronyms ("RTFM", "bit bucket").
 * - Dense memory: an SRMVectorStore of earlier conversation notes, embedded with
 *   GloVe, found by meaning ("coffee" finds "espresso").
 * Then an agent (createAgent) uses both through tools, and saves a new term that a
 * later conversation recalls. The chat model is LangChain's scripted fakeModel,
 * standing in for a real one so that the example runs offline; the tools, memories
 * and agent loop are the real ones.
 *
 *   npx tsx examples/src/langchain-agent-memory.ts
 */
import { createAgent } from 'langchain';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MemorySaver } from '@langchain/langgraph';
import { SemanticMemory } from '@srm/core';
import { createGlossaryTools, GloveEmbeddings, SemanticMemoryRetriever, SRMVectorStore } from '@srm/langchain';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { jargonGlossaryEntries } from './langchain-jargon.js';

const AGENT = 'hacker-bot';
const started = Date.now();

// 1. The glossary: every Jargon File term, for this agent.
const glossary = await SemanticMemory.open();
await glossary.memorizeMany(jargonGlossaryEntries(AGENT));
console.log(`glossary: ${await glossary.entryCount(AGENT)} jargon terms for ${AGENT}`);

// 2. Dense memory: notes from earlier conversations.
const embeddings = new GloveEmbeddings();
const notes = await SRMVectorStore.fromTexts(
  [
    'The user drinks two espressos before the morning stand-up.',
    'The staging database is wiped every Sunday night.',
    'Deploys to production need a second reviewer on Fridays.',
    'The user prefers answers with short code samples.',
    'Our team calls the flaky integration suite "the weather report".',
    'Backups of the billing service are kept for ninety days.',
  ],
  [{ topic: 'personal' }, { topic: 'infra' }, { topic: 'process' }, { topic: 'personal' }, { topic: 'team' }, { topic: 'infra' }],
  embeddings,
);
console.log(`notes: ${await notes.count()} dense memories (d=${GloveEmbeddings.dimensions})`);

// 3. Both memories as LangChain retrievers: BM25 for exact terms, dense for meaning.
const jargon = new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 1 });
for (const question of ['my mail went to the bit bucket', 'FUD from the sales team', 'grok']) {
  const [term] = await jargon.invoke(question);
  console.log(`glossary: ${JSON.stringify(question)} -> ${term ? term.pageContent.slice(0, 100) : '(no term)'}`);
}
const recallNotes = notes.asRetriever({ k: 1 });
for (const question of ['coffee habits', 'when is the staging database reset?', 'how long are billing backups kept?']) {
  const [note] = await recallNotes.invoke(question);
  console.log(`notes:    ${JSON.stringify(question)} -> ${note?.pageContent}`);
}

// 4. An agent that uses both memories through tools.
const searchNotes = tool(async ({ query }) => (await notes.similaritySearch(query, 1)).map((d) => d.pageContent).join('\n') || 'No notes.', {
  name: 'search_notes',
  description: 'Search notes from earlier conversations by meaning.',
  schema: z.object({ query: z.string().min(1) }),
});
const answerFromTools = (messages: BaseMessage[]) =>
  new AIMessage(
    messages
      .filter((m) => ToolMessage.isInstance(m))
      .map((m) => String(m.content))
      .join('\n'),
  );
const model = fakeModel()
  // Conversation 1: the user teaches a new term; the model saves it.
  .respondWithTools([
    {
      name: 'memorize_term',
      args: {
        key: 'weather report',
        value: 'our flaky integration suite',
        category: 'team',
        aliases: ['flaky suite'],
        description: 'It fails on Mondays for no reason.',
      },
      id: 'c1',
    },
  ])
  .respond(new AIMessage('Got it, I will remember that.'))
  // Conversation 2: the model looks things up in both memories.
  .respondWithTools([
    { name: 'recall_terms', args: { query: 'is the weather report green?' }, id: 'c2' },
    { name: 'recall_terms', args: { query: 'bit bucket' }, id: 'c3' },
    { name: 'search_notes', args: { query: 'when is staging reset' }, id: 'c4' },
  ])
  .respond(answerFromTools);

const agent = createAgent({ model, tools: [...createGlossaryTools(glossary, { agentId: AGENT }), searchNotes], checkpointer: new MemorySaver() });
await agent.invoke(
  { messages: [{ role: 'user', content: 'FYI: "the weather report" is what we call the flaky integration suite.' }] },
  { configurable: { thread_id: 'monday' } },
);
const later = await agent.invoke(
  { messages: [{ role: 'user', content: 'Is the weather report green, where did my mail go (bit bucket?), and when is staging reset?' }] },
  { configurable: { thread_id: 'tuesday' } },
);
console.log('\nagent, in a later conversation (a new thread):');
for (const m of later.messages as BaseMessage[]) {
  if (ToolMessage.isInstance(m)) console.log(`  tool ${m.name}: ${String(m.content).split('\n')[0]!.slice(0, 120)}`);
}
console.log(`  answer: ${String(later.messages.at(-1)!.content).split('\n')[0]}`);

await notes.close();
await glossary.close();
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
