/**
 * End-to-end wiring with LangChain's createAgent: a scripted tool-calling chat
 * model (LangChain's fakeModel) memorizes a term through the glossary tools and
 * a note through the LangGraph store in one thread, then recalls both in a
 * second thread, which shares no messages with the first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from 'langchain';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { MemorySaver } from '@langchain/langgraph';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { z } from 'zod';
import { SemanticMemory } from '@srm/core';
import { createGlossaryTools } from './glossary-tools.js';
import { GloveEmbeddings } from './glove-embeddings.js';
import { SRMStore } from './store/srm-store.js';

const AGENT = 'support-bot';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** Notes in the LangGraph store, under the agent's namespace. */
const noteTools = [
  tool(
    async ({ text }, config) => {
      const store = (config as LangGraphRunnableConfig).store!;
      await store.put(['agents', AGENT, 'notes'], `note-${text.length}-${text.slice(0, 12)}`, { text });
      return `Saved note: ${text}`;
    },
    { name: 'save_note', description: 'Save a note to long-term memory.', schema: z.object({ text: z.string().min(1) }) },
  ),
  tool(
    async ({ query }, config) => {
      const store = (config as LangGraphRunnableConfig).store!;
      const hits = await store.search(['agents', AGENT, 'notes'], { query, limit: 2 });
      return hits.length ? hits.map((h) => String(h.value.text)).join('\n') : 'No notes.';
    },
    { name: 'search_notes', description: 'Search long-term notes by meaning.', schema: z.object({ query: z.string().min(1) }) },
  ),
];

/** The final answer quotes the tool results it was given, so the test sees what flowed back. */
const answerFromTools = (messages: BaseMessage[]) =>
  new AIMessage(
    messages
      .filter((m) => ToolMessage.isInstance(m))
      .map((m) => String(m.content))
      .join(' | '),
  );

describe('createAgent with SRM memory', () => {
  it('memorizes through the tools in one thread and recalls in another through the store', async () => {
    const glossary = await SemanticMemory.open();
    const store = new SRMStore({ index: { dims: 100, embeddings: new GloveEmbeddings(), fields: ['text'] } });
    cleanup.push(
      () => store.close(),
      () => glossary.close(),
    );

    const model = fakeModel()
      // Thread 1: save the term and a note, then answer.
      .respondWithTools([
        {
          name: 'memorize_term',
          args: { key: 'JWT', value: 'JSON Web Token', category: 'security', aliases: ['bearer token'], description: 'Signed with RS256 by our API.' },
          id: 'call-1',
        },
        { name: 'save_note', args: { text: 'Billing API access tokens expire after fifteen minutes.' }, id: 'call-2' },
      ])
      .respond(answerFromTools)
      // Thread 2: recall both, then answer from what came back.
      .respondWithTools([
        { name: 'recall_terms', args: { query: 'what is a jwt?' }, id: 'call-3' },
        { name: 'search_notes', args: { query: 'when do billing tokens expire' }, id: 'call-4' },
      ])
      .respond(answerFromTools);

    const agent = createAgent({
      model,
      tools: [...createGlossaryTools(glossary, { agentId: AGENT }), ...noteTools],
      store,
      checkpointer: new MemorySaver(),
    });

    const first = await agent.invoke(
      { messages: [{ role: 'user', content: 'Remember: JWT means JSON Web Token, and billing tokens expire after 15 minutes.' }] },
      { configurable: { thread_id: 'thread-1' } },
    );
    const firstAnswer = String(first.messages.at(-1)!.content);
    expect(firstAnswer).toContain('Memorized "JWT": JSON Web Token');
    expect(firstAnswer).toContain('Saved note');
    expect(await glossary.entryCount(AGENT)).toBe(1);

    const second = await agent.invoke(
      { messages: [{ role: 'user', content: 'What is a JWT, and when do billing tokens expire?' }] },
      { configurable: { thread_id: 'thread-2' } },
    );
    // The second thread starts fresh: nothing of thread 1 is in its messages.
    expect(second.messages.some((m: BaseMessage) => String(m.content).includes('Remember:'))).toBe(false);
    const toolResults = second.messages.filter((m: BaseMessage) => ToolMessage.isInstance(m)) as ToolMessage[];
    expect(toolResults.map((m) => m.name)).toEqual(['recall_terms', 'search_notes']);
    expect(String(toolResults[0]!.content)).toContain('JWT: JSON Web Token. Signed with RS256 by our API.');
    expect(toolResults[0]!.artifact).toEqual([expect.objectContaining({ key: 'JWT', category: 'security', aliases: ['bearer token'] })]);
    expect(String(toolResults[1]!.content)).toContain('expire after fifteen minutes');
    expect(String(second.messages.at(-1)!.content)).toContain('JSON Web Token');
    expect(model.callCount).toBe(4);
  });
});
