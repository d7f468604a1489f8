/**
 * LlamaIndex.TS retriever and query engine over Semantic Routing Memory.
 * Offline: GloVe embeddings, the Jargon File from Debian's dict-jargon, and a
 * tiny extractive "LLM" defined below (swap in any LlamaIndex LLM).
 *
 *   npx tsx examples/src/llamaindex-query-engine.ts [memory-dir]
 *
 * Without a directory the memory lives in a temporary one, removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseLLM, Document, getResponseSynthesizer, MetadataMode, ModalityType, Settings, storageContextFromDefaults, VectorStoreIndex } from 'llamaindex';
import type { ChatResponse, ChatResponseChunk, LLMChatParamsNonStreaming, LLMChatParamsStreaming, LLMMetadata, NodeWithScore } from 'llamaindex';
import { DICTD_DIR, readDictd } from '@srm/core/datasets';
import { GloveEmbedding, SRMVectorStore } from '@srm/llamaindex';

/**
 * Stands in for a real LLM so that the example runs offline: it answers with
 * the context sentence that shares the most words with the question.
 */
class ExtractiveLLM extends BaseLLM {
  metadata: LLMMetadata = { model: 'extractive', temperature: 0, topP: 1, contextWindow: 8192, tokenizer: undefined, structuredOutput: false };

  chat(params: LLMChatParamsStreaming): Promise<AsyncIterable<ChatResponseChunk>>;
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  async chat(params: LLMChatParamsStreaming | LLMChatParamsNonStreaming): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse> {
    const prompt = params.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
    const [context = '', question = ''] = prompt.split('Query:');
    const words = (s: string) => new Set(s.toLowerCase().match(/[a-z]{4,}/g) ?? []);
    const asked = words(question);
    let answer = 'I do not know.';
    let best = 0;
    for (const sentence of context.split(/(?<=[.!?])\s+|\n+/)) {
      const overlap = [...words(sentence)].filter((w) => asked.has(w)).length;
      if (overlap > best) [answer, best] = [sentence.trim(), overlap];
    }
    if (params.stream)
      return (async function* () {
        yield { delta: answer, raw: null };
      })();
    return { message: { role: 'assistant', content: answer }, raw: null };
  }
}

function show(label: string, hits: NodeWithScore[]): void {
  console.log(label);
  for (const h of hits) console.log(`  ${h.score?.toFixed(3)}  ${h.node.metadata.headword}`);
}

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'srm-llamaindex-example-'));
const temporary = process.argv[2] === undefined;

// 1. Embeddings. LlamaIndex embeds queries with Settings.embedModel, even when the store has its own model.
Settings.embedModel = await GloveEmbedding.load();

// 2. A vector store on disk, plugged into LlamaIndex's storage context.
const vectorStore = await SRMVectorStore.open({ path: dir });
const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: vectorStore } });

// 3. Index the Jargon File: one document per entry, with metadata to filter on.
const documents = readDictd(`${DICTD_DIR}/jargon`).map((entry) => {
  const headword = entry.headwords[0]!;
  return new Document({
    id_: `jargon:${headword}`,
    text: `${entry.titleLines[0]}: ${entry.body}`,
    metadata: { source: 'jargon', headword, words: entry.body.split(/\s+/).length },
  });
});
const index = await VectorStoreIndex.fromDocuments(documents, { storageContext });
console.log(`indexed ${documents.length} documents as ${vectorStore.memory.size} nodes`);

// 4. Retrieve, then retrieve with metadata filters (translated into SRM payload filters).
const question = 'What is the magic smoke inside integrated circuits?';
show(`retrieve: ${question}`, await index.asRetriever({ similarityTopK: 3 }).retrieve(question));
const shortOnly = index.asRetriever({
  similarityTopK: 3,
  filters: {
    condition: 'and',
    filters: [
      { key: 'words', operator: '<', value: 60 },
      { key: 'headword', operator: 'text_match', value: 'bug' },
    ],
  },
});
show('retrieve, short entries whose headword mentions "bug": software errors', await shortOnly.retrieve('software errors'));

// 5. Answer through a query engine.
const engine = index.asQueryEngine({ similarityTopK: 2, responseSynthesizer: getResponseSynthesizer('compact', { llm: new ExtractiveLLM() }) });
const response = await engine.query({ query: question });
console.log(`answer: ${response.toString()}`);
console.log(`source: ${response.sourceNodes?.[0]?.node.metadata.headword}`);

// 6. Delete a document, then reopen the store from disk: the index needs nothing else.
await index.deleteRefDoc('jargon:magic smoke', false);
await vectorStore.close();
const reopened = await SRMVectorStore.open({ path: dir });
const again = await VectorStoreIndex.fromVectorStore(reopened);
const [top] = await again.asRetriever({ similarityTopK: 1 }).retrieve(question);
console.log(`after delete and reopen: ${reopened.memory.size} nodes; top hit ${top?.node.metadata.headword}`);
console.log(`text: ${top?.node.getContent(MetadataMode.NONE).slice(0, 80)}...`);
await reopened.close();
if (temporary) rmSync(dir, { recursive: true, force: true });
