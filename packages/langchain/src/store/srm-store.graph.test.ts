/**
 * SRMStore inside a real LangGraph graph, where LangGraph wraps it in
 * AsyncBatchedStore and sends mixed batches.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import type { Operation } from '@langchain/langgraph-checkpoint';
import { GloveEmbeddings } from '../glove-embeddings.js';
import { SRMStore } from './srm-store.js';

const stores: SRMStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const State = Annotation.Root({
  userId: Annotation<string>,
  message: Annotation<string>,
  recalled: Annotation<string[]>,
  seenBefore: Annotation<boolean>,
});

function buildGraph(store: SRMStore) {
  return new StateGraph(State)
    .addNode('remember', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
      const ns = ['users', state.userId, 'memories'];
      // Issued together, so AsyncBatchedStore hands them to SRMStore.batch as one mixed batch.
      const [, previous, hits] = await Promise.all([
        config.store!.put(ns, `m-${state.message.length}-${state.message.slice(0, 8)}`, { text: state.message }),
        config.store!.get(ns, 'profile'),
        config.store!.search(ns, { query: state.message, limit: 3 }),
      ]);
      return { seenBefore: previous !== null, recalled: hits.map((h) => String(h.value.text)) };
    })
    .addNode('profile', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
      await config.store!.put(['users', state.userId, 'memories'], 'profile', { text: `profile of ${state.userId}` }, false);
      return {};
    })
    .addEdge(START, 'remember')
    .addEdge('remember', 'profile')
    .addEdge('profile', END)
    .compile({ store, checkpointer: new MemorySaver() });
}

describe('SRMStore in graph.compile({ store })', () => {
  it('keeps memories across threads and serves the mixed batches LangGraph sends', async () => {
    const store = new SRMStore({ index: { dims: 100, embeddings: new GloveEmbeddings(), fields: ['text'] } });
    stores.push(store);
    const batchSpy = vi.spyOn(store, 'batch');
    const graph = buildGraph(store);

    const first = await graph.invoke({ userId: 'alice', message: 'I drink espresso every morning' }, { configurable: { thread_id: 'thread-1' } });
    expect(first.seenBefore).toBe(false);

    await graph.invoke({ userId: 'alice', message: 'My dog is called Rex' }, { configurable: { thread_id: 'thread-2' } });
    const third = await graph.invoke({ userId: 'alice', message: 'coffee' }, { configurable: { thread_id: 'thread-3' } });
    expect(third.seenBefore).toBe(true);
    // Puts and reads of one batch run in order: the new message is found, then the older coffee one.
    expect(third.recalled[0]).toBe('coffee');
    expect(third.recalled).toContain('I drink espresso every morning');

    const bob = await graph.invoke({ userId: 'bob', message: 'coffee' }, { configurable: { thread_id: 'thread-4' } });
    expect(bob.recalled).toEqual(['coffee']);

    const mixed = batchSpy.mock.calls.some(([ops]) => {
      const kinds = new Set((ops as Operation[]).map((op) => ('namespacePrefix' in op ? 'search' : 'value' in op ? 'put' : 'get')));
      return kinds.size === 3;
    });
    expect(mixed).toBe(true);
    expect(await store.listNamespaces()).toEqual([
      ['users', 'alice', 'memories'],
      ['users', 'bob', 'memories'],
    ]);
  });
});
