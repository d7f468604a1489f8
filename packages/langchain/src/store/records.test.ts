import { describe, expect, it } from 'vitest';
import { encodeNamespace } from './namespace.js';
import { extraRecordId, mainRecordId, mainRecordIdOf, placeholderVector, recordPayload } from './records.js';

describe('mainRecordId', () => {
  it('is deterministic and the same from an encoded namespace', () => {
    expect(mainRecordId(['users', 'a'], 'k')).toBe(mainRecordId(['users', 'a'], 'k'));
    expect(mainRecordIdOf(encodeNamespace(['users', 'a']), 'k')).toBe(mainRecordId(['users', 'a'], 'k'));
    expect(mainRecordId(['users', 'a'], 'k')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs for namespace and key splits that a separator join would confuse', () => {
    const ids = new Set([
      mainRecordId(['a'], 'b:c'),
      mainRecordId(['a', 'b'], 'c'),
      mainRecordId(['a:b'], 'c'),
      mainRecordId(['a', 'b:c'], ''),
      mainRecordId(['a"', 'b'], 'c'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('numbers extra records after the main id', () => {
    expect(extraRecordId('abc', 2)).toBe('abc#2');
  });
});

describe('recordPayload', () => {
  it('carries the item, its namespace prefixes and its role', () => {
    const p = recordPayload({ namespace: ['a', 'b'], key: 'k', value: { x: 1 }, createdAt: 1, updatedAt: 2 }, { main: true, indexed: false, vectors: 0 });
    expect(p).toEqual({
      v: 1,
      ns: '["a","b"]',
      nsPrefixes: ['["a"]', '["a","b"]'],
      key: 'k',
      value: { x: 1 },
      createdAt: 1,
      updatedAt: 2,
      main: true,
      indexed: false,
      vectors: 0,
    });
  });
});

describe('placeholderVector', () => {
  it('is a unit vector of the given dimension', () => {
    const v = placeholderVector(5);
    expect(Array.from(v)).toEqual([1, 0, 0, 0, 0]);
  });
});
