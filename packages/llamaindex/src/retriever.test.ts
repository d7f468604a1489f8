import { BaseRetriever, getResponseSynthesizer, MetadataMode, RetrieverQueryEngine, TextNode } from 'llamaindex';
import { InvalidInputError, SemanticMemory } from '@srm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextQuoteLLM, veraEntries, veraEntry } from '../test/fixtures.js';
import { SemanticMemoryRetriever } from './retriever.js';

const AGENT = 'support-bot';
const OTHER = 'billing-bot';
const JWT = {
  ...veraEntry('jwt'),
  aliases: ['json web token'],
  description: 'A compact signed token that carries claims between a client and a server.',
};

let glossary: SemanticMemory;

beforeAll(async () => {
  glossary = await SemanticMemory.open();
  // A few hundred real acronyms (V.E.R.A.), then the ones the tests ask about.
  const background = veraEntries(400).filter((e) => !['JWT', 'DNS', 'HTTP', 'SSL'].includes(e.key));
  await glossary.memorizeMany(background.map((e) => ({ ...e, agentId: AGENT })));
  await glossary.memorizeMany([JWT, veraEntry('dns'), veraEntry('http'), veraEntry('ssl')].map((e) => ({ ...e, agentId: AGENT })));
  // Another agent's entry under the same key must never show up for AGENT.
  await glossary.memorize({ key: 'JWT', value: 'Java Web Toolkit', category: 'framework', agentId: OTHER });
});

afterAll(async () => {
  await glossary?.close();
});

describe('SemanticMemoryRetriever', () => {
  it('is a LlamaIndex BaseRetriever', () => {
    expect(new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT })).toBeInstanceOf(BaseRetriever);
  });

  describe('retrieve', () => {
    it('returns the matching entry as a node that reads naturally', async () => {
      const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT });
      const [best] = await retriever.retrieve('How long should a JWT stay valid?');
      expect(best!.node).toBeInstanceOf(TextNode);
      expect(best!.node.getContent(MetadataMode.NONE)).toBe('JWT: JSON Web Token. A compact signed token that carries claims between a client and a server.');
      expect(best!.node.id_).toBe((await glossary.get('JWT', AGENT))!.id);
      expect(best!.score).toBeGreaterThan(0);
      expect(best!.node.metadata).toMatchObject({ key: 'JWT', value: 'JSON Web Token', category: 'JSON', aliases: ['json web token'], agentId: AGENT });
    });

    it('finds an entry by its value and aliases, not only its key', async () => {
      const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 1 });
      expect((await retriever.retrieve('the domain name system'))[0]!.node.metadata.key).toBe('DNS');
      expect((await retriever.retrieve('is this a json web token?'))[0]!.node.metadata.key).toBe('JWT');
    });

    it("never returns another agent's entry", async () => {
      const mine = await new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 50 }).retrieve('JWT java web toolkit');
      expect(mine.map((h) => h.node.metadata.value)).not.toContain('Java Web Toolkit');
      const theirs = await new SemanticMemoryRetriever({ memory: glossary, agentId: OTHER, topK: 50 }).retrieve('JWT');
      expect(theirs.map((h) => h.node.getContent(MetadataMode.NONE))).toEqual(['JWT: Java Web Toolkit']);
    });

    it('returns at most topK entries, best first', async () => {
      const hits = await new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 3 }).retrieve('protocol for the web and the internet');
      expect(hits.length).toBe(3);
      const scores = hits.map((h) => h.score!);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });

    it('drops weak matches with minRelevance and reports the relevance', async () => {
      const all = await new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 20 }).retrieve('secure token for the web');
      const strict = await new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 20, minRelevance: 0.3 }).retrieve('secure token for the web');
      expect(strict.length).toBeGreaterThan(0);
      expect(strict.length).toBeLessThan(all.length);
      for (const h of strict) expect(h.node.metadata.relevance).toBeGreaterThanOrEqual(0.3);
    });

    it('returns nothing when no entry matches', async () => {
      expect(await new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT }).retrieve('zzzqqq xyzzy')).toEqual([]);
    });

    it('rejects an empty query', async () => {
      const retriever = new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT });
      await expect(retriever.retrieve('   ')).rejects.toThrow(InvalidInputError);
      await expect(retriever.retrieve({ query: [] })).rejects.toThrow(/query is empty/);
    });
  });

  it('feeds a query engine that answers from the glossary', async () => {
    const llm = new ContextQuoteLLM();
    const engine = new RetrieverQueryEngine(
      new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 2 }),
      getResponseSynthesizer('compact', { llm }),
    );
    const response = await engine.query({ query: 'What does JWT stand for?' });
    expect(response.toString()).toContain('JWT: JSON Web Token');
    expect(llm.prompts[0]).toContain('JWT: JSON Web Token');
  });

  it('rejects bad options', () => {
    expect(() => new SemanticMemoryRetriever({ memory: glossary, agentId: '' })).toThrow(InvalidInputError);
    expect(() => new SemanticMemoryRetriever({ memory: glossary, agentId: AGENT, topK: 0 })).toThrow(InvalidInputError);
    expect(() => new SemanticMemoryRetriever({ agentId: AGENT } as never)).toThrow(InvalidInputError);
  });
});
