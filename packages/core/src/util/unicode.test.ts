import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate } from './unicode.js';

describe('hasLoneSurrogate', () => {
  it('accepts plain text and whole surrogate pairs', () => {
    for (const s of ['', 'abc', 'é', '\uD83D\uDE00', 'a\uD83D\uDE00b']) expect(hasLoneSurrogate(s)).toBe(false);
  });

  it('finds a high or low surrogate alone, at either end or in the middle, and a reversed pair', () => {
    for (const s of ['\uD800', 'x\uDC00', '\uDBFFy', 'a\uDFFFb', '\uDE00\uD83D', '\uD83D\uDE00\uD83D']) expect(hasLoneSurrogate(s)).toBe(true);
  });
});
