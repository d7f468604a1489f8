import { describe, expect, it } from 'vitest';
import { ENGLISH_STOP_WORDS, withoutStopWords } from './stop-words.js';

const stop = new Set(ENGLISH_STOP_WORDS);

describe('ENGLISH_STOP_WORDS', () => {
  it('is a frozen list of 33 distinct lower-case words', () => {
    expect(ENGLISH_STOP_WORDS).toHaveLength(33);
    expect(stop.size).toBe(33);
    for (const w of ENGLISH_STOP_WORDS) expect(w).toMatch(/^[a-z]+$/);
    expect(Object.isFrozen(ENGLISH_STOP_WORDS)).toBe(true);
  });
});

describe('withoutStopWords', () => {
  it('drops the stop words and keeps the other tokens in order, repeats included', () => {
    expect(withoutStopWords(['the', 'router', 'of', 'the', 'lan', 'router'], stop)).toEqual(['router', 'lan', 'router']);
  });

  it('keeps every token when all of them are stop words', () => {
    expect(withoutStopWords(['it'], stop)).toEqual(['it']);
    expect(withoutStopWords(['to', 'be', 'or', 'not', 'to', 'be'], stop)).toEqual(['to', 'be', 'or', 'not', 'to', 'be']);
  });

  it('keeps everything with an empty list', () => {
    expect(withoutStopWords(['the', 'router'], new Set())).toEqual(['the', 'router']);
  });
});
