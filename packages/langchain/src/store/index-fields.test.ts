import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@srm/core';
import { extractIndexTexts, tokenizeFieldPath } from './index-fields.js';

describe('tokenizeFieldPath', () => {
  it('splits dotted paths and array indices', () => {
    expect(tokenizeFieldPath('a.b[0].c')).toEqual(['a', 'b', '[0]', 'c']);
    expect(tokenizeFieldPath('tags[*]')).toEqual(['tags', '[*]']);
    expect(tokenizeFieldPath('$')).toEqual(['$']);
  });

  it('rejects empty and non-string paths', () => {
    expect(() => tokenizeFieldPath('')).toThrow(InvalidInputError);
    expect(() => tokenizeFieldPath(3 as unknown as string)).toThrow(InvalidInputError);
    expect(() => tokenizeFieldPath('...')).toThrow(InvalidInputError);
  });
});

describe('extractIndexTexts', () => {
  const value = {
    text: 'dark roast coffee',
    meta: { title: 'Coffee', rating: 5 },
    tags: ['morning', 'bitter', ''],
    nested: [{ note: 'first' }, { note: 'second' }],
  };

  it('reads "$" as the whole value in JSON', () => {
    expect(extractIndexTexts(value, ['$'])).toEqual([{ path: '$', text: JSON.stringify(value, null, 2) }]);
  });

  it('reads nested fields and turns numbers into text', () => {
    expect(extractIndexTexts(value, ['text', 'meta.title', 'meta.rating'])).toEqual([
      { path: 'text', text: 'dark roast coffee' },
      { path: 'meta.title', text: 'Coffee' },
      { path: 'meta.rating', text: '5' },
    ]);
  });

  it('expands wildcards into numbered paths and skips blank texts', () => {
    expect(extractIndexTexts(value, ['tags[*]'])).toEqual([
      { path: 'tags[*].0', text: 'morning' },
      { path: 'tags[*].1', text: 'bitter' },
    ]);
    expect(extractIndexTexts(value, ['nested[*].note']).map((t) => t.text)).toEqual(['first', 'second']);
    expect(extractIndexTexts(value, ['meta.*']).map((t) => t.text)).toEqual(['Coffee', '5']);
  });

  it('reads indices from either end', () => {
    expect(extractIndexTexts(value, ['tags[0]'])).toEqual([{ path: 'tags[0]', text: 'morning' }]);
    expect(extractIndexTexts(value, ['nested[-1].note'])).toEqual([{ path: 'nested[-1].note', text: 'second' }]);
    expect(extractIndexTexts(value, ['tags[9]'])).toEqual([]);
  });

  it('finds nothing at missing paths and never walks into prototypes', () => {
    expect(extractIndexTexts(value, ['missing', 'text.length', 'constructor', '__proto__'])).toEqual([]);
  });
});
