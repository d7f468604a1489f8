import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@srm/core';
import {
  compareNamespaces,
  decodeNamespace,
  encodeNamespace,
  matchesCondition,
  namespacePrefixes,
  validateNamespacePath,
  validateWriteNamespace,
} from './namespace.js';

describe('encodeNamespace', () => {
  it('round-trips through decodeNamespace', () => {
    const ns = ['users', 'a:b', 'x/y', '"quoted"', '\u0000', 'ü'];
    expect(decodeNamespace(encodeNamespace(ns))).toEqual(ns);
  });

  it('keeps namespaces apart that a separator join would confuse', () => {
    const confusable = [['a:b'], ['a', 'b'], ['a/b'], ['a', '/b'], ['a","b'], ['a\\', 'b']];
    const encoded = new Set(confusable.map(encodeNamespace));
    expect(encoded.size).toBe(confusable.length);
  });
});

describe('namespacePrefixes', () => {
  it('lists the encoding of every prefix, shortest first', () => {
    expect(namespacePrefixes(['a', 'b', 'c'])).toEqual([encodeNamespace(['a']), encodeNamespace(['a', 'b']), encodeNamespace(['a', 'b', 'c'])]);
  });

  it('never lists a prefix of a different namespace that shares a string prefix', () => {
    expect(namespacePrefixes(['ab'])).not.toContain(encodeNamespace(['a']));
    expect(namespacePrefixes(['a:b'])).not.toContain(encodeNamespace(['a']));
  });
});

describe('validateWriteNamespace', () => {
  it('accepts ordinary namespaces', () => {
    expect(() => validateWriteNamespace(['users', 'alice', 'memories'])).not.toThrow();
  });

  it.each([
    ['an empty namespace', []],
    ['a non-array', 'users'],
    ['a non-string label', ['users', 3]],
    ['an empty label', ['users', '']],
    ['a label with a period', ['users.alice']],
    ['the reserved root', ['langgraph', 'x']],
  ])('rejects %s with InvalidInputError', (_, ns) => {
    expect(() => validateWriteNamespace(ns)).toThrow(InvalidInputError);
  });

  it('rejects overlong labels and deep namespaces', () => {
    expect(() => validateWriteNamespace(['x'.repeat(257)])).toThrow(/maximum is 256/);
    expect(() => validateWriteNamespace(Array.from({ length: 33 }, () => 'a'))).toThrow(/maximum is 32/);
  });
});

describe('validateNamespacePath', () => {
  it('accepts the empty prefix', () => {
    expect(() => validateNamespacePath([], 'namespacePrefix')).not.toThrow();
  });

  it('names what is wrong', () => {
    expect(() => validateNamespacePath(['a', null], 'namespacePrefix')).toThrow(/namespacePrefix\[1\] must be a string/);
  });
});

describe('matchesCondition', () => {
  const ns = ['users', 'alice', 'memories'];

  it('matches prefixes and suffixes label by label', () => {
    expect(matchesCondition(ns, { matchType: 'prefix', path: ['users'] })).toBe(true);
    expect(matchesCondition(ns, { matchType: 'prefix', path: ['users', 'bob'] })).toBe(false);
    expect(matchesCondition(ns, { matchType: 'suffix', path: ['memories'] })).toBe(true);
    expect(matchesCondition(ns, { matchType: 'suffix', path: ['alice'] })).toBe(false);
  });

  it('treats "*" as any one label', () => {
    expect(matchesCondition(ns, { matchType: 'prefix', path: ['*', 'alice'] })).toBe(true);
    expect(matchesCondition(ns, { matchType: 'suffix', path: ['*', 'memories'] })).toBe(true);
  });

  it('never matches a path longer than the namespace', () => {
    expect(matchesCondition(['a'], { matchType: 'prefix', path: ['a', '*'] })).toBe(false);
  });

  it('does not match on string prefixes of labels', () => {
    expect(matchesCondition(['user'], { matchType: 'prefix', path: ['us'] })).toBe(false);
  });
});

describe('compareNamespaces', () => {
  it('orders label by label, shorter first on a tie', () => {
    const sorted = [['b'], ['a', 'b'], ['a'], ['a', 'a']].sort(compareNamespaces);
    expect(sorted).toEqual([['a'], ['a', 'a'], ['a', 'b'], ['b']]);
  });
});
