/**
 * LangGraph long-term memory on SRM, offline: an SRMStore on disk is the `store`
 * of a compiled graph. Each conversation (thread) writes what the user said to
 * the user's namespace and recalls related memories by meaning, across threads.
 * Then the store is closed and reopened from disk, as a new process would.
 *
 *   npx tsx examples/src/langgraph-store.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { GloveEmbeddings, SRMStore } from '@srm/langchain';

const dir = mkdtempSync(join(tmpdir(), 'srm-langgraph-'));
const embeddings = new GloveEmbeddings();
const index = { dims: GloveEmbeddings.dimensions, embeddings, fields: ['text'] };

const State = Annotation.Root({
  user: Annotation<string>,
  message: Annotation<string>,
  recalled: Annotation<string[]>,
});

function buildGraph(store: SRMStore) {
  return new StateGraph(State)
    .addNode('recall', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
      const hits = await config.store!.search(['users', state.user, 'memories'], { query: state.message, limit: 2 });
      return { recalled: hits.map((h) => `${String(h.value.text)} (${h.score?.toFixed(2)})`) };
    })
    .addNode('remember', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
      const key = `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      await config.store!.put(['users', state.user, 'memories'], key, { text: state.message, kind: 'said' });
      return {};
    })
    .addEdge(START, 'recall')
    .addEdge('recall', 'remember')
    .addEdge('remember', END)
    .compile({ store, checkpointer: new MemorySaver() });
}

// 1. Several conversations, each in its own thread, for two users.
const store = await SRMStore.open({ path: dir, index });
const graph = buildGraph(store);
const conversations: [string, string][] = [
  ['alice', 'I drink espresso every morning before work.'],
  ['alice', 'My dog Rex loves chasing tennis balls.'],
  ['bob', 'I am allergic to coffee, I only drink green tea.'],
  ['alice', 'I am learning to play the violin.'],
  ['alice', 'What coffee should I buy for the office?'],
  ['bob', 'Any recommendations for a hot drink?'],
];
for (const [i, [user, message]] of conversations.entries()) {
  const out = await graph.invoke({ user, message }, { configurable: { thread_id: `thread-${i}` } });
  console.log(`[thread-${i}] ${user}: ${message}`);
  if (out.recalled.length > 0) console.log(`   recalled: ${out.recalled.join(' | ')}`);
}

// 2. Listing and filters.
console.log(`\nnamespaces: ${JSON.stringify(await store.listNamespaces())}`);
const alice = await store.search(['users', 'alice'], { filter: { kind: 'said' }, limit: 10 });
console.log(`alice has ${alice.length} memories; newest: ${String(alice[0]?.value.text)}`);
await store.close();

// 3. A new process: reopen the same directory and search again.
const reopened = await SRMStore.open({ path: dir, index });
const [pet] = await reopened.search(['users', 'alice'], { query: 'animals and pets', limit: 1 });
console.log(`\nafter reopening: alice's memory about pets -> ${String(pet?.value.text)}`);
const stats = (await reopened.memory()).stats();
console.log(`memory: ${stats.items} records, d=${stats.d}, fitted=${stats.fitted}, hot bytes=${stats.hotBytes.total}`);
await reopened.close();
rmSync(dir, { recursive: true, force: true });
