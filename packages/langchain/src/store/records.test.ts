import { describe, expect, it } from 'vitest';
import { encodeNamespace } from './namespace.js';
import { extraRecordId, mainRecordId, mainRecordIdOf, orderOf, recordPayload } from './records.js';

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
    const item = { namespace: ['a', 'b'], key: 'k', value: { x: 1 }, createdAt: 1, updatedAt: 2, ttl: 5, expiresAt: 300_002, order: 7 };
    const p = recordPayload(item, { main: true, indexed: false, vectors: 0 });
    expect(p).toEqual({
      v: 2,
      ns: '["a","b"]',
      nsPrefixes: ['["a"]', '["a","b"]'],
      key: 'k',
      value: { x: 1 },
      createdAt: 1,
      updatedAt: 2,
      main: true,
      indexed: false,
      vectors: 0,
      ttl: 5,
      expiresAt: 300_002,
      order: 7,
    });
  });

  it('orders version 1 records, which have no order, by creation time', () => {
    const p = recordPayload(
      { namespace: ['a'], key: 'k', value: {}, createdAt: 5, updatedAt: 5, ttl: null, expiresAt: null, order: 9 },
      { main: true, indexed: true, vectors: 1 },
    );
    expect(orderOf(p)).toBe(9);
    const { order: _order, ttl: _ttl, expiresAt: _expiresAt, ...v1 } = { ...p, v: 1 as const };
    expect(orderOf(v1)).toBe(5000);
  });
});
