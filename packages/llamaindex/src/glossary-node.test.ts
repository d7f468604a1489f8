import { MetadataMode, TextNode } from 'llamaindex';
import { describe, expect, it } from 'vitest';
import { glossaryEntryText, glossaryHitToNode } from './glossary-node.js';

const jwt = {
  id: '6f1c2b1e-7d1a-5c55-9a57-2f4d6f2b8c11',
  key: 'JWT',
  value: 'JSON Web Token',
  category: 'acronym',
  aliases: ['json web token'],
  description: 'A signed token that carries claims between two parties.',
  score: 3.25,
};

describe('glossaryEntryText', () => {
  it('reads "key: value. description"', () => {
    expect(glossaryEntryText(jwt)).toBe('JWT: JSON Web Token. A signed token that carries claims between two parties.');
  });

  it('adds no second full stop after a value that ends a sentence', () => {
    expect(glossaryEntryText({ key: 'RTFM', value: 'Read the manual!', description: 'Said to askers.' })).toBe('RTFM: Read the manual! Said to askers.');
  });

  it('leaves out an empty description', () => {
    expect(glossaryEntryText({ key: 'k8s', value: 'Kubernetes', description: ' ' })).toBe('k8s: Kubernetes');
  });
});

describe('glossaryHitToNode', () => {
  it('gives a TextNode with the entry id, the entry text and the recall score', () => {
    const { node, score } = glossaryHitToNode(jwt, 'support-bot');
    expect(node).toBeInstanceOf(TextNode);
    expect(node.id_).toBe(jwt.id);
    expect(score).toBe(3.25);
    expect(node.getContent(MetadataMode.NONE)).toBe(glossaryEntryText(jwt));
    expect(node.metadata).toMatchObject({ key: 'JWT', category: 'acronym', aliases: ['json web token'], agentId: 'support-bot' });
  });

  it('shows an LLM the category and aliases but not what the text already says', () => {
    const { node } = glossaryHitToNode(jwt, 'support-bot');
    const llmText = node.getContent(MetadataMode.LLM);
    expect(llmText).toContain('category: acronym');
    expect(llmText).toContain(glossaryEntryText(jwt));
    expect(llmText).not.toContain('agentId');
    expect(llmText.match(/JSON Web Token/g)).toHaveLength(1);
  });

  it('does not share the aliases array with the hit', () => {
    const hit = { ...jwt, aliases: ['a'] };
    const { node } = glossaryHitToNode(hit, 'x');
    hit.aliases.push('b');
    expect(node.metadata.aliases).toEqual(['a']);
  });
});
