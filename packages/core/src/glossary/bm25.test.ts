import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { idf } from '../sparse/idf.js';
import { defaultBm25Options, documentVector, maxAttainableScore, nameToken, queryVector, resolveBm25Options } from './bm25.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { termId } from './term-hash.js';

const opts = resolveBm25Options({ k1: 1.2, b: 0.75, avgdl: 10 });

function weightOf(v: { indices: number[]; values: number[] }, token: string): number | undefined {
  const at = v.indices.indexOf(termId(token));
  return at < 0 ? undefined : v.values[at];
}

describe('documentVector', () => {
  it('stores tf·(k1+1)/(tf + k1·(1−b+b·dl/avgdl)) per term, ascending term ids, float32', () => {
    const v = documentVector([{ tokens: ['jwt', 'token', 'jwt', 'web'], weight: 1 }], opts);
    const norm = 1.2 * (1 - 0.75 + (0.75 * 4) / 10);
    expect(weightOf(v, 'jwt')).toBe(Math.fround((2 * 2.2) / (2 + norm)));
    expect(weightOf(v, 'web')).toBe(Math.fround(2.2 / (1 + norm)));
    expect([...v.indices]).toEqual([...v.indices].sort((a, b) => a - b));
    expect(v.indices.length).toBe(3);
  });

  it('scales a field’s counts and its share of the length by the field weight (BM25F)', () => {
    const v = documentVector(
      [
        { tokens: ['jwt'], weight: 3 },
        { tokens: ['json', 'web', 'token'], weight: 1 },
      ],
      opts,
    );
    const norm = 1.2 * (1 - 0.75 + (0.75 * 6) / 10);
    expect(weightOf(v, 'jwt')).toBe(Math.fround((3 * 2.2) / (3 + norm)));
    expect(weightOf(v, 'json')).toBe(Math.fround(2.2 / (1 + norm)));
  });

  it('never reaches k1+1, the bound the normalised relevance relies on', () => {
    const v = documentVector([{ tokens: Array(1000).fill('x'), weight: 1000 }], opts);
    expect(v.values[0]).toBeLessThan(2.2);
  });

  it('ignores fields of weight 0', () => {
    expect(documentVector([{ tokens: ['a'], weight: 0 }], opts)).toEqual({ indices: [], values: [] });
  });
});

describe('queryVector', () => {
  it('weighs each distinct term by its count in the query', () => {
    const v = queryVector(['jwt', 'auth', 'jwt']);
    expect(v.indices.length).toBe(2);
    expect(v.values[v.indices.indexOf(termId('jwt'))]).toBe(2);
    expect(v.values[v.indices.indexOf(termId('auth'))]).toBe(1);
  });
});

describe('idf', () => {
  it("is Qdrant's ln(1 + (N − n + 0.5)/(n + 0.5))", () => {
    expect(idf(100, 10)).toBeCloseTo(Math.log(1 + 90.5 / 10.5), 12);
    expect(idf(1, 1)).toBeCloseTo(Math.log(1 + 0.5 / 1.5), 12);
    expect(idf(10, 10)).toBeGreaterThan(0);
  });
});

describe('maxAttainableScore', () => {
  it('sums qw·idf·(k1+1) over the query terms that occur, skipping unseen ones', () => {
    const q = { indices: [1, 2, 3], values: [1, 2, 1] };
    const max = maxAttainableScore(q, { docCount: 100, docFreqs: [10, 1, 0] }, 1.2);
    expect(max).toBeCloseTo(2.2 * (idf(100, 10) + 2 * idf(100, 1)), 10);
    expect(maxAttainableScore(q, { docCount: 100, docFreqs: [0, 0, 0] }, 1.2)).toBe(0);
  });
});

describe('nameToken', () => {
  it('joins tokens behind a prefix no tokenizer emits', () => {
    expect(nameToken(['abstract', 'syntax', 'tree'])).toBe('\u0001abstract syntax tree');
    expect(nameToken([])).toBeUndefined();
  });
});

describe('resolveBm25Options', () => {
  it('fills the defaults', () => {
    expect(resolveBm25Options({})).toEqual(defaultBm25Options);
    expect(resolveBm25Options({ k1: undefined, b: 0.5 }).b).toBe(0.5);
  });

  it.each([
    ['k1', { k1: -1 }],
    ['b', { b: 1.5 }],
    ['avgdl', { avgdl: 0 }],
    ['keyWeight', { keyWeight: Number.NaN }],
    ['aliasWeight', { aliasWeight: -2 }],
    ['nameTokens', { nameTokens: 'yes' as unknown as boolean }],
    ['queryStopWords', { queryStopWords: 'the' as unknown as string[] }],
    ['queryStopWords', { queryStopWords: ['the', 3] as unknown as string[] }],
    ['queryStopWords', { queryStopWords: ['the', ''] }],
  ])('refuses a bad %s', (field, bad) => {
    expect(() => resolveBm25Options(bad)).toThrow(InvalidConfigError);
    expect(() => resolveBm25Options(bad)).toThrow(field);
  });

  it('drops the English stop words from queries by default, and keeps its own frozen copy of a given list', () => {
    expect(defaultBm25Options.queryStopWords).toBe(ENGLISH_STOP_WORDS);
    const mine = ['foo'];
    const resolved = resolveBm25Options({ queryStopWords: mine });
    mine.push('bar');
    expect(resolved.queryStopWords).toEqual(['foo']);
    expect(Object.isFrozen(resolved.queryStopWords)).toBe(true);
  });
});
