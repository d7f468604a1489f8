import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolMessage } from '@langchain/core/messages';
import { InvalidConfigError, InvalidInputError, SemanticMemory } from '@srm/core';
import { createGlossaryTools } from './glossary-tools.js';

let memory: SemanticMemory;
beforeEach(async () => {
  memory = await SemanticMemory.open();
});
afterEach(async () => {
  await memory.close();
});

describe('createGlossaryTools', () => {
  it('names the tools and gives them zod schemas', () => {
    const tools = createGlossaryTools(memory, { agentId: 'a' });
    expect(tools.map((t) => t.name)).toEqual(['memorize_term', 'recall_terms', 'forget_term']);
    expect(createGlossaryTools(memory, { agentId: 'a', namePrefix: 'support_' }).map((t) => t.name)).toEqual([
      'support_memorize_term',
      'support_recall_terms',
      'support_forget_term',
    ]);
    for (const t of tools) expect(typeof (t.schema as { safeParse?: unknown }).safeParse).toBe('function');
  });

  it('memorizes, recalls and forgets a term', async () => {
    const [memorize, recall, forget] = createGlossaryTools(memory, { agentId: 'a' });
    expect(await memorize.invoke({ key: 'PII', value: 'Personally Identifiable Information', aliases: ['private data'], category: 'compliance' })).toBe(
      'Memorized "PII": Personally Identifiable Information',
    );
    expect(await memory.get('pii', 'a')).toMatchObject({ key: 'PII', category: 'compliance', aliases: ['private data'] });
    expect(await recall.invoke({ query: 'how do we store private data?' })).toBe(
      '- PII: Personally Identifiable Information. [compliance; aliases: private data]',
    );
    expect(await forget.invoke({ key: 'pii' })).toBe('Forgot "pii".');
    expect(await forget.invoke({ key: 'pii' })).toBe('There was no entry "pii" to forget.');
    expect(await recall.invoke({ query: 'private data' })).toBe('No glossary entry matches "private data".');
  });

  it('returns the recalled entries as the artifact of a tool call', async () => {
    const [memorize, recall] = createGlossaryTools(memory, { agentId: 'a' });
    await memorize.invoke({ key: 'JWT', value: 'JSON Web Token' });
    const message = await recall.invoke({ name: 'recall_terms', args: { query: 'jwt' }, id: 'call-1', type: 'tool_call' });
    expect(message).toBeInstanceOf(ToolMessage);
    expect(message.artifact).toEqual([expect.objectContaining({ key: 'JWT', value: 'JSON Web Token' })]);
  });

  it("binds the agent: one agent's tools never read or forget another's terms", async () => {
    const [memorizeA] = createGlossaryTools(memory, { agentId: 'a' });
    const [, recallB, forgetB] = createGlossaryTools(memory, { agentId: 'b' });
    await memorizeA.invoke({ key: 'KYC', value: 'Know Your Customer' });
    expect(await recallB.invoke({ query: 'KYC' })).toBe('No glossary entry matches "KYC".');
    expect(await forgetB.invoke({ key: 'KYC' })).toBe('There was no entry "KYC" to forget.');
    expect(await memory.entryCount('a')).toBe(1);
  });

  it('rejects arguments that break the schema before touching the memory', async () => {
    const [memorize, recall] = createGlossaryTools(memory, { agentId: 'a' });
    await expect(memorize.invoke({ key: '', value: 'x' })).rejects.toThrow(/schema/i);
    await expect(memorize.invoke({ key: 'K' } as never)).rejects.toThrow(/schema/i);
    await expect(recall.invoke({ query: 'x', topK: 0 })).rejects.toThrow(/schema/i);
    expect(await memory.entryCount('a')).toBe(0);
  });

  it('passes core errors through unchanged', async () => {
    const [memorize] = createGlossaryTools(memory, { agentId: 'a' });
    await expect(memorize.invoke({ key: 'K', value: '   ' })).rejects.toThrow(InvalidInputError);
  });

  it('validates its options', () => {
    expect(() => createGlossaryTools(memory, { agentId: '' })).toThrow(InvalidConfigError);
    expect(() => createGlossaryTools(memory, { agentId: 'a', topK: 0 })).toThrow(InvalidConfigError);
    expect(() => createGlossaryTools(memory, { agentId: 'a', minRelevance: -1 })).toThrow(InvalidConfigError);
    expect(() => createGlossaryTools(memory, { agentId: 'a', namePrefix: 'bad prefix' })).toThrow(InvalidConfigError);
  });
});
