/**
 * The code blocks of docs/langchain.md, run for real (scripts/check-doc-snippets.mjs
 * checks that the doc's blocks appear verbatim here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from 'langchain';
import { Document } from '@langchain/core/documents';
import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { MemorySaver } from '@langchain/langgraph';
import { EmbeddedStorage, SemanticMemory } from '@srm/core';
import { createGlossaryTools, GloveEmbeddings, SemanticMemoryRetriever, SRMStore, SRMVectorStore } from './index.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'srm-lc-docs-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('docs/langchain.md', () => {
  it('SRMVectorStore', async () => {
    const dir = tempDir();
    // A vector store (durable in `dir`; `new SRMVectorStore(embeddings)` keeps it in memory).
    const embeddings = new GloveEmbeddings();
    const store = await SRMVectorStore.open(dir, embeddings); // durable
    await store.addDocuments([new Document({ pageContent: 'The staging database is wiped on Sundays.', metadata: { topic: 'infra' } })], { ids: ['n1'] });
    const docs = await store.similaritySearch('when is staging reset?', 4, { topic: 'infra' });
    const retriever = store.asRetriever({ k: 4, searchType: 'mmr', searchKwargs: { fetchK: 20, lambda: 0.5 } });

    expect(docs.map((d) => d.id)).toEqual(['n1']);
    expect((await retriever.invoke('staging')).map((d) => d.id)).toEqual(['n1']);
    await store.close();
  });

  it('SRMStore in createAgent', async () => {
    const dir = tempDir();
    const model = fakeModel().respond(new AIMessage('ok'));
    const tools: never[] = [];
    const checkpointer = new MemorySaver();
    // LangGraph long-term memory, for createAgent or graph.compile.
    const store = await SRMStore.open({ path: dir, index: { dims: 100, embeddings: new GloveEmbeddings(), fields: ['text'] } });
    const agent = createAgent({ model, tools, store, checkpointer }); // or: graph.compile({ store, checkpointer })

    await agent.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { configurable: { thread_id: 't' } });
    await store.put(['users', 'u1', 'memories'], 'k', { text: 'espresso every morning' });
    expect((await store.search(['users', 'u1'], { query: 'coffee' }))[0]!.key).toBe('k');
    await store.close();
  });

  it('SemanticMemoryRetriever and the glossary tools', async () => {
    const dir = tempDir();
    // An agent's glossary, as a retriever and as tools.
    const glossary = await SemanticMemory.open({ path: dir });
    await glossary.memorize({ key: 'JWT', value: 'JSON Web Token', description: 'Signed with RS256 by our API.', agentId: 'support-bot' });
    const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: 'support-bot', topK: 3, minRelevance: 0.2 });
    const [doc] = await retriever.invoke('how long is a JWT valid?');
    // doc.pageContent: "JWT: JSON Web Token. Signed with RS256 by our API."
    // doc.metadata: { id, key, value, category, aliases, description, score, relevance? }; doc.id === metadata.id
    expect(doc!.pageContent).toBe('JWT: JSON Web Token. Signed with RS256 by our API.');
    expect(doc!.id).toBe(doc!.metadata.id);

    const model = fakeModel()
      .respondWithTools([{ name: 'recall_terms', args: { query: 'jwt' }, id: 'c1' }])
      .respond(new AIMessage('done'));
    const [memorize, recall, forget] = createGlossaryTools(glossary, { agentId: 'support-bot', topK: 5, minRelevance: 0.1 });
    const agent = createAgent({ model, tools: [memorize, recall, forget] });

    const out = await agent.invoke({ messages: [{ role: 'user', content: 'what is a JWT?' }] });
    expect(out.messages.map((m) => String(m.content))).toContain('- JWT: JSON Web Token. Signed with RS256 by our API. [general]');
    await glossary.close();
  });

  it('one directory for the vector store, the LangGraph store and the glossary', async () => {
    const dir = tempDir();
    const embeddings = new GloveEmbeddings();
    for (const run of ['first', 'after a restart']) {
      // One EmbeddedStorage per directory, shared by every memory, each under its own name.
      const storage = await EmbeddedStorage.open(dir);
      const docs = new SRMVectorStore(embeddings, { storage, name: 'docs' });
      const store = new SRMStore({ storage, name: 'agent-store', index: { dims: 100, embeddings, fields: ['text'] } });
      const glossary = await SemanticMemory.open({ storage, name: 'glossary' });
      // After a restart, the same lines open the same memories with everything in them.
      if (run === 'first') {
        await docs.addDocuments([new Document({ pageContent: 'The staging database is wiped on Sundays.' })], { ids: ['n1'] });
        await store.put(['users', 'u1'], 'k', { text: 'espresso every morning' });
        await glossary.memorize({ key: 'JWT', value: 'JSON Web Token', agentId: 'support-bot' });
      }
      expect((await docs.similaritySearch('staging database', 1)).map((d) => d.id)).toEqual(['n1']);
      expect(await store.get(['users', 'u1'], 'k')).toMatchObject({ value: { text: 'espresso every morning' } });
      expect(await glossary.get('JWT', 'support-bot')).toMatchObject({ value: 'JSON Web Token' });
      await docs.close();
      await store.close();
      await glossary.close();
      await storage.close(); // last: the memories do not close a storage they were given
    }
  });
});
