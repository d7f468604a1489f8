import { describe, expect, it } from 'vitest';
import { murmur3, termId } from './term-hash.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur3', () => {
  it('matches the published MurmurHash3 x86_32 vectors (seed 0)', () => {
    expect(murmur3(utf8(''))).toBe(0);
    expect(murmur3(utf8('hello'))).toBe(0x248bfa47);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
  });

  it('honours the seed', () => {
    expect(murmur3(utf8(''), 0, 1)).toBe(0x514e28b7);
  });
});

describe('termId', () => {
  it('is abs(int32(murmur3)) like fastembed / python mmh3.hash', () => {
    // mmh3.hash("foo") == -156908512 (signed); fastembed takes abs.
    expect(termId('foo')).toBe(156908512);
    expect(termId('hello')).toBe(613153351);
  });

  it('hashes the UTF-8 bytes, so non-ASCII tokens are stable and distinct', () => {
    expect(termId('ключ')).toBe(Math.abs(murmur3(utf8('ключ')) | 0));
    expect(termId('ключ')).not.toBe(termId('ключи'));
    expect(termId('🔑')).toBe(Math.abs(murmur3(utf8('🔑')) | 0));
  });

  it('stays within [0, 2^31] for many tokens', () => {
    for (let i = 0; i < 5000; i++) {
      const id = termId(`token-${i}`);
      expect(Number.isInteger(id) && id >= 0 && id <= 2 ** 31).toBe(true);
    }
  });
});
