import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { Document } from '@langchain/core/documents';
import { RunnableLambda } from '@langchain/core/runnables';
import { InvalidConfigError, InvalidInputError, SemanticMemory } from '@srm/core';
import { SemanticMemoryRetriever, glossaryDocument, glossaryPageContent } from './semantic-memory-retriever.js';

let memory: SemanticMemory;

beforeAll(async () => {
  memory = await SemanticMemory.open();
  await memory.memorizeMany([
    { key: 'JWT', value: 'JSON Web Token', agentId: 'a', category: 'security', aliases: ['bearer token'], description: 'A signed token that carries claims' },
    { key: 'KYC', value: 'Know Your Customer', agentId: 'a', category: 'compliance' },
    { key: 'k8s', value: 'Kubernetes', agentId: 'a', category: 'infra', description: 'Container orchestration.' },
    // Agent b has a colliding key (after lowercasing) with a different meaning.
    { key: 'jwt', value: 'Just Wait Typing', agentId: 'b', category: 'slang' },
  ]);
});

afterAll(async () => {
  await memory.close();
});

describe('glossaryPageContent', () => {
  it('reads "KEY: value. description."', () => {
    expect(glossaryPageContent({ key: 'JWT', value: 'JSON Web Token', description: 'A signed token' })).toBe('JWT: JSON Web Token. A signed token.');
  });

  it('adds no second full stop and omits an empty description', () => {
    expect(glossaryPageContent({ key: 'k8s', value: 'Kubernetes.', description: '' })).toBe('k8s: Kubernetes.');
    expect(glossaryPageContent({ key: 'Q', value: 'Why?', description: 'Ask (often).' })).toBe('Q: Why? Ask (often).');
  });
});

describe('SemanticMemoryRetriever', () => {
  it('returns matching entries as Documents that read naturally', async () => {
    const retriever = new SemanticMemoryRetriever({ memory, agentId: 'a' });
    const [doc] = await retriever.invoke('how long is a JWT valid?');
    expect(doc).toBeInstanceOf(Document);
    expect(doc!.pageContent).toBe('JWT: JSON Web Token. A signed token that carries claims.');
    expect(doc!.metadata).toMatchObject({ key: 'JWT', category: 'security', aliases: ['bearer token'], value: 'JSON Web Token' });
    expect(doc!.metadata.score).toBeGreaterThan(0);
    expect(doc!.id).toBe(doc!.metadata.id);
    expect(doc!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('finds entries by alias', async () => {
    const docs = await new SemanticMemoryRetriever({ memory, agentId: 'a' }).invoke('where does the bearer token go?');
    expect(docs[0]!.metadata.key).toBe('JWT');
  });

  it("never returns another agent's entries, even with a key that collides after lowercasing", async () => {
    const a = await new SemanticMemoryRetriever({ memory, agentId: 'a', topK: 10 }).invoke('jwt');
    const b = await new SemanticMemoryRetriever({ memory, agentId: 'b', topK: 10 }).invoke('jwt');
    expect(a.map((d) => d.metadata.value)).toEqual(['JSON Web Token']);
    expect(b.map((d) => d.metadata.value)).toEqual(['Just Wait Typing']);
    expect(await new SemanticMemoryRetriever({ memory, agentId: 'c' }).invoke('jwt')).toEqual([]);
  });

  it('limits results with topK, scoreThreshold and minRelevance', async () => {
    const query = 'jwt kyc k8s';
    expect(await new SemanticMemoryRetriever({ memory, agentId: 'a', topK: 2 }).invoke(query)).toHaveLength(2);
    const all = await new SemanticMemoryRetriever({ memory, agentId: 'a', topK: 10 }).invoke(query);
    expect(all).toHaveLength(3);
    const best = all[0]!.metadata.score;
    expect(await new SemanticMemoryRetriever({ memory, agentId: 'a', scoreThreshold: best + 1 }).invoke(query)).toEqual([]);
    const relevant = await new SemanticMemoryRetriever({ memory, agentId: 'a', minRelevance: 0.01 }).invoke(query);
    expect(relevant.every((d) => d.metadata.relevance! >= 0.01 && d.metadata.relevance! <= 1)).toBe(true);
  });

  it('reports an empty query through handleRetrieverError as InvalidInputError', async () => {
    const errors: unknown[] = [];
    const handler = BaseCallbackHandler.fromMethods({
      handleRetrieverError(err) {
        errors.push(err);
      },
    });
    await expect(new SemanticMemoryRetriever({ memory, agentId: 'a' }).invoke('', { callbacks: [handler] })).rejects.toThrow(InvalidInputError);
    expect(errors[0]).toBeInstanceOf(InvalidInputError);
    expect(await memory.entryCount('a')).toBe(3);
  });

  it('composes in a chain', async () => {
    const chain = new SemanticMemoryRetriever({ memory, agentId: 'a' }).pipe(RunnableLambda.from((docs: Document[]) => docs.map((d) => d.metadata.key)));
    expect(await chain.invoke('what does KYC stand for')).toEqual(['KYC']);
  });

  it('validates its options', () => {
    expect(() => new SemanticMemoryRetriever({ memory, agentId: '' })).toThrow(InvalidConfigError);
    expect(() => new SemanticMemoryRetriever({ memory, agentId: 'a', topK: 0 })).toThrow(InvalidConfigError);
    expect(() => new SemanticMemoryRetriever({ memory, agentId: 'a', minRelevance: 2 })).toThrow(InvalidConfigError);
    expect(() => new SemanticMemoryRetriever({ memory, agentId: 'a', scoreThreshold: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => new SemanticMemoryRetriever({ memory: {} as never, agentId: 'a' })).toThrow(InvalidConfigError);
  });

  it('defines lc_namespace', () => {
    expect(new SemanticMemoryRetriever({ memory, agentId: 'a' }).lc_namespace).toEqual(['srm', 'retrievers', 'semantic_memory']);
  });
});

describe('glossaryDocument', () => {
  it('copies the aliases, so mutating a document never reaches the entry', () => {
    const entry = { id: 'x', key: 'K', value: 'V', category: 'c', aliases: ['a'], description: '', score: 1 };
    const doc = glossaryDocument(entry);
    doc.metadata.aliases.push('b');
    expect(entry.aliases).toEqual(['a']);
  });
});
