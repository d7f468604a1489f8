// The smoke app of the pack-and-install check: what a user writes after `npm install`ing our
// tarballs next to LangChain and LlamaIndex, offline (GloVe embeddings, the frameworks' own fake
// or mock models). Run it twice on the same directory, each time as a new process:
//
//   node smoke.mjs <dir> write   # builds the memories, prints the answers as JSON
//   node smoke.mjs <dir> read    # only reopens them (a restart), prints the same answers
//
// The script that runs it compares the two outputs; this file also checks each answer itself.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAgent } from 'langchain';
import { Document as LcDocument } from '@langchain/core/documents';
import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { StringOutputParser } from '@langchain/core/output_parsers';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { MemorySaver } from '@langchain/langgraph';
import { MockLLM } from '@llamaindex/core/llms/mock';
import { Document as LiDocument, getResponseSynthesizer, ModalityType, Settings, storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import { QdrantStorage, SemanticMemory, StorageUnavailableError } from '@srm/core';
import { createGlossaryTools, GloveEmbeddings, SRMStore, SRMVectorStore } from '@srm/langchain';
import { GloveEmbedding, SRMVectorStore as LlamaVectorStore } from '@srm/llamaindex';
import { z } from 'zod';

const [dir, mode] = process.argv.slice(2);
if (!dir || (mode !== 'write' && mode !== 'read')) throw new Error('usage: node smoke.mjs <dir> write|read');
const writing = mode === 'write';
mkdirSync(dir, { recursive: true });
const AGENT = 'ops-bot';
const NOTES = [
  ['n-coffee', 'The user drinks two espressos before the morning stand-up.', 'personal'],
  ['n-staging', 'The staging database is wiped every Sunday night.', 'infra'],
  ['n-deploys', 'Deploys to production need a second reviewer on Fridays.', 'process'],
  ['n-backups', 'Backups of the billing service are kept for ninety days.', 'infra'],
  ['n-weather', 'Our team calls the flaky integration suite the weather report.', 'team'],
];
const answers = {};

// LangChain: a vector store on disk, built with `{ path }` as the docs show.
const embeddings = new GloveEmbeddings();
const notes = new SRMVectorStore(embeddings, { path: join(dir, 'notes') });
if (writing) {
  await notes.addDocuments(
    NOTES.map(([id, text, topic]) => new LcDocument({ id, pageContent: text, metadata: { topic } })),
    { ids: NOTES.map(([id]) => id) },
  );
}
answers.noteCount = await notes.count();
answers.notes = {};
for (const question of ['coffee habits', 'when is the staging database reset?', 'how long are billing backups kept?']) {
  answers.notes[question] = (await notes.similaritySearch(question, 1)).map((d) => d.id);
}
answers.infraOnly = (await notes.similaritySearch('database', 2, { topic: 'infra' })).map((d) => d.id).sort();

// The glossary and its tools.
const glossary = await SemanticMemory.open({ path: join(dir, 'glossary') });
if (writing) {
  await glossary.memorizeMany([
    { agentId: AGENT, key: 'bit bucket', value: 'where lost data goes', category: 'jargon', aliases: ['/dev/null'] },
    { agentId: AGENT, key: 'RTFM', value: 'read the manual first', category: 'jargon' },
    { agentId: AGENT, key: 'yak shaving', value: 'a chain of side tasks before the real one', category: 'jargon' },
  ]);
}

// An agent (createAgent, a LangGraph graph) with the glossary tools and a tool over the notes.
// The chat model is @langchain/core's scripted fake: it asks for the tools, then answers with their output.
const searchNotes = tool(async ({ query }) => (await notes.similaritySearch(query, 1)).map((d) => d.pageContent).join('\n') || 'No notes.', {
  name: 'search_notes',
  description: 'Search notes from earlier conversations by meaning.',
  schema: z.object({ query: z.string().min(1) }),
});
const model = fakeModel()
  .respondWithTools([
    { name: 'recall_terms', args: { query: 'my mail went to the bit bucket' }, id: 'c1' },
    { name: 'search_notes', args: { query: 'when is staging reset' }, id: 'c2' },
  ])
  .respond(
    (messages) =>
      new AIMessage(
        messages
          .filter((m) => ToolMessage.isInstance(m))
          .map((m) => String(m.content))
          .join('\n'),
      ),
  );
const agent = createAgent({ model, tools: [...createGlossaryTools(glossary, { agentId: AGENT }), searchNotes], checkpointer: new MemorySaver() });
const run = await agent.invoke(
  { messages: [{ role: 'user', content: 'Where did my mail go, and when is staging reset?' }] },
  { configurable: { thread_id: 't1' } },
);
answers.agent = String(run.messages.at(-1).content);
assert.match(answers.agent, /bit bucket/);
assert.match(answers.agent, /staging database is wiped/);

// A retrieval chain: retriever -> prompt -> model -> parser. The model echoes the prompt's context lines.
const prompt = ChatPromptTemplate.fromMessages([['human', 'Context:\n{context}\n\nQuestion: {question}']]);
const echo = RunnableLambda.from((value) => new AIMessage(value.toChatMessages()[0].content.split('\n\nQuestion:')[0].replace('Context:\n', '')));
const chain = RunnableSequence.from([
  { context: notes.asRetriever({ k: 2 }).pipe((docs) => docs.map((d) => d.pageContent).join('\n')), question: new RunnablePassthrough() },
  prompt,
  echo,
  new StringOutputParser(),
]);
answers.chain = await chain.invoke('who reviews deploys to production?');
assert.match(answers.chain, /second reviewer/);

// The LangGraph long-term store.
const store = new SRMStore({ path: join(dir, 'langgraph'), index: { dims: GloveEmbeddings.dimensions, embeddings, fields: ['text'] } });
if (writing) {
  await store.put(['users', 'u1'], 'likes', { text: 'The user likes dark roast coffee.' });
  await store.put(['users', 'u1'], 'team', { text: 'The user works on the billing team.' });
}
answers.storeGet = (await store.get(['users', 'u1'], 'team'))?.value.text ?? null;
answers.storeSearch = (await store.search(['users'], { query: 'espresso', limit: 1 })).map((i) => i.key);

// LlamaIndex: the vector store on disk behind a VectorStoreIndex and a query engine. The LLM is
// @llamaindex/core's MockLLM: the answer text is canned, the retrieved sources are ours.
Settings.embedModel = await GloveEmbedding.load();
const liStore = await LlamaVectorStore.open({ path: join(dir, 'llamaindex') });
const index = writing
  ? await VectorStoreIndex.fromDocuments(
      NOTES.map(([id, text, topic]) => new LiDocument({ id_: id, text, metadata: { topic } })),
      { storageContext: await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: liStore } }) },
    )
  : await VectorStoreIndex.fromVectorStore(liStore);
const engine = index.asQueryEngine({
  similarityTopK: 1,
  responseSynthesizer: getResponseSynthesizer('compact', { llm: new MockLLM({ responseMessage: 'mock answer' }) }),
});
const response = await engine.query({ query: 'how long are billing backups kept?' });
assert.equal(response.toString(), 'mock answer');
answers.queryEngine = response.sourceNodes.map((n) => n.node.sourceNode?.nodeId ?? n.node.id_);
answers.llamaRetrieve = (await index.asRetriever({ similarityTopK: 1 }).retrieve('espresso before stand-up')).map((n) => n.node.sourceNode?.nodeId);

// Qdrant is an optional peer, not installed here: connecting says which package to install.
await assert.rejects(
  QdrantStorage.connect({ url: 'http://127.0.0.1:6333' }),
  (err) => err instanceof StorageUnavailableError && /npm install --save-exact @qdrant\/js-client-rest@/.test(err.message),
);

await notes.close();
await glossary.close();
await store.close();
await liStore.close();

// Each answer must name the note that holds it, not only match the earlier run.
assert.equal(answers.noteCount, NOTES.length);
assert.deepEqual(answers.notes, {
  'coffee habits': ['n-coffee'],
  'when is the staging database reset?': ['n-staging'],
  'how long are billing backups kept?': ['n-backups'],
});
assert.deepEqual(answers.infraOnly, ['n-backups', 'n-staging']);
assert.equal(answers.storeGet, 'The user works on the billing team.');
assert.deepEqual(answers.storeSearch, ['likes']);
assert.deepEqual(answers.queryEngine, ['n-backups']);
assert.deepEqual(answers.llamaRetrieve, ['n-coffee']);
console.log(JSON.stringify(answers, null, 2));
