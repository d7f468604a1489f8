import { BaseMemoryBlock, createMemory, Settings, vectorBlock } from 'llamaindex';
import type { ChatMessage, MemoryMessage } from 'llamaindex';
import { InvalidInputError, SemanticMemory } from '@srm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextQuoteLLM, veraEntries, veraEntry } from '../test/fixtures.js';
import { glossaryBlock, GlossaryMemoryBlock } from './glossary-block.js';
import { GloveEmbedding } from './glove-embedding.js';
import { SRMVectorStore } from './vector-store.js';

const AGENT = 'support-bot';
const JWT = { ...veraEntry('jwt'), aliases: ['json web token'], description: 'A compact signed token that carries claims between a client and a server.' };

let glossary: SemanticMemory;
let embedModel: GloveEmbedding;

beforeAll(async () => {
  embedModel = await GloveEmbedding.load();
  Settings.embedModel = embedModel;
  glossary = await SemanticMemory.open();
  const background = veraEntries(300).filter((e) => !['JWT', 'DNS', 'SSL'].includes(e.key));
  await glossary.memorizeMany([...background, JWT, veraEntry('dns'), veraEntry('ssl')].map((e) => ({ ...e, agentId: AGENT })));
  await glossary.memorize({ key: 'JWT', value: 'Java Web Toolkit', category: 'framework', agentId: 'billing-bot' });
});

afterAll(async () => {
  await glossary?.close();
  Settings.embedModel = undefined as never;
});

function msg(role: 'user' | 'assistant', content: string, id: string): MemoryMessage {
  return { id, role, content };
}

describe('GlossaryMemoryBlock', () => {
  it('is a LlamaIndex memory block that is not long-term', () => {
    const block = glossaryBlock({ memory: glossary, agentId: AGENT });
    expect(block).toBeInstanceOf(BaseMemoryBlock);
    expect(block).toBeInstanceOf(GlossaryMemoryBlock);
    expect(block.isLongTerm).toBe(false);
    expect(block.priority).toBe(1);
    expect(block.id).toBe(`glossary-${AGENT}`);
  });

  describe('get', () => {
    it('injects the entries matching the latest messages as one memory message', async () => {
      const block = glossaryBlock({ memory: glossary, agentId: AGENT, topK: 2 });
      const out = await block.get([msg('user', 'Our login returns a JWT. How long should it stay valid?', '1')]);
      expect(out).toHaveLength(1);
      expect(out[0]!.role).toBe('memory');
      expect(out[0]!.id).toBe(block.id);
      const lines = (out[0]!.content as string).split('\n');
      expect(lines[0]).toBe('Glossary entries relevant to the conversation:');
      expect(lines[1]).toBe('- JWT: JSON Web Token. A compact signed token that carries claims between a client and a server.');
      expect(lines.length).toBeLessThanOrEqual(3);
    });

    it("shows only the agent's own entries", async () => {
      const out = await glossaryBlock({ memory: glossary, agentId: AGENT, topK: 50 }).get([msg('user', 'JWT java web toolkit', '1')]);
      expect(out[0]!.content).not.toContain('Java Web Toolkit');
    });

    it('reads only the last retrievalContextWindow messages', async () => {
      const block = glossaryBlock({ memory: glossary, agentId: AGENT, retrievalContextWindow: 1, topK: 1 });
      const out = await block.get([msg('user', 'We sign a JWT at login.', '1'), msg('user', 'And the domain name system record?', '2')]);
      expect(out[0]!.content).toContain('- DNS: Domain Name System');
      expect(out[0]!.content).not.toContain('JWT');
    });

    it('adds nothing when no entry matches or there is no text', async () => {
      const block = glossaryBlock({ memory: glossary, agentId: AGENT });
      expect(await block.get([msg('user', 'zzzqqq xyzzy', '1')])).toEqual([]);
      expect(await block.get([])).toEqual([]);
      expect(await block.get([msg('user', '   ', '1')])).toEqual([]);
    });
  });

  it('put stores nothing in the glossary', async () => {
    const before = await glossary.entryCount(AGENT);
    await glossaryBlock({ memory: glossary, agentId: AGENT }).put([msg('user', 'KLUDGE means a quick hack', '1')]);
    expect(await glossary.entryCount(AGENT)).toBe(before);
  });

  it('rejects bad options', () => {
    expect(() => glossaryBlock({ memory: glossary, agentId: '' })).toThrow(InvalidInputError);
    expect(() => glossaryBlock({ memory: glossary, agentId: AGENT, topK: 0 })).toThrow(InvalidInputError);
    expect(() => glossaryBlock({ memory: glossary, agentId: AGENT, retrievalContextWindow: 0 })).toThrow(InvalidInputError);
    expect(() => glossaryBlock({ memory: glossary, agentId: AGENT, priority: -1 })).toThrow(InvalidInputError);
    expect(() => glossaryBlock({ agentId: AGENT } as never)).toThrow(InvalidInputError);
  });
});

describe('createMemory with a glossary block and an SRM vector block', () => {
  it('returns the glossary entry and the relevant past message', async () => {
    const store = new SRMVectorStore({ embedModel });
    const memory = createMemory({
      // A small short-term budget, so that older messages move into the vector block.
      tokenLimit: 80,
      shortTermTokenLimitRatio: 0.5,
      memoryBlocks: [
        glossaryBlock({ memory: glossary, agentId: AGENT }),
        vectorBlock({ vectorStore: store, priority: 2, retrievalContextWindow: 2, queryOptions: { similarityTopK: 1 } }),
      ],
    });
    const past: ChatMessage[] = [
      { role: 'user', content: 'Access tokens for the billing API must expire after fifteen minutes.' },
      { role: 'assistant', content: 'Noted: billing API access tokens expire after fifteen minutes.' },
      { role: 'user', content: 'Refresh tokens for the billing API last seven days.' },
      { role: 'assistant', content: 'Understood, seven days for billing refresh tokens.' },
      { role: 'user', content: 'Lunch today is pasta with tomato sauce and basil.' },
      { role: 'assistant', content: 'Pasta with tomato sauce and fresh basil sounds delicious.' },
      { role: 'user', content: 'For dessert we bake a chocolate cake in the oven.' },
      { role: 'assistant', content: 'A chocolate cake baked in the oven is a fine dessert.' },
    ];
    for (const m of past) await memory.add(m);
    // Older messages went to the vector block: at least two batches, on two topics.
    expect(store.memory.size).toBeGreaterThanOrEqual(2);

    // The vector block queries with the last two messages (retrievalContextWindow: 2).
    await memory.add({ role: 'user', content: 'Back to the billing API and its tokens.' });
    await memory.add({ role: 'user', content: 'How long may a JWT for the billing API live before it expires?' });
    const messages = await memory.getLLM(new ContextQuoteLLM());
    const texts = messages.map((m) => (typeof m.content === 'string' ? m.content : ''));
    const glossaryText = texts.find((t) => t.startsWith('Glossary entries relevant to the conversation:'));
    expect(glossaryText).toContain('- JWT: JSON Web Token.');
    const recalled = messages.filter((m) => m.role === 'memory' && !String(m.content).startsWith('Glossary'));
    expect(recalled).toHaveLength(1);
    expect(recalled[0]!.content).toContain('fifteen minutes');
    expect(recalled[0]!.content).not.toContain('chocolate');
    await store.close();
  });
});
