import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { WordTokenizer, defaultWordTokenizerOptions, type WordTokenizerOptions } from './tokenizer.js';

const whole = new WordTokenizer({ compoundParts: false });
const parts = new WordTokenizer();

describe('WordTokenizer.tokenize', () => {
  it.each([
    ['C++', 'c++'],
    ['C#', 'c#'],
    ['802.11a', '802.11a'],
    ['k8s', 'k8s'],
    ['i18n', 'i18n'],
    ['/dev/null', '/dev/null'],
    ['TCP/IP', 'tcp/ip'],
    ['.NET', '.net'],
    ['C++11', 'c++11'],
  ])('keeps %s whole as %s', (text, token) => {
    expect(whole.tokenize(`use ${text} here.`)).toEqual(['use', token, 'here']);
    expect(parts.tokenize(`use ${text} here.`)).toContain(token);
  });

  it('case-folds and applies NFKC', () => {
    expect(whole.tokenize('JWT Jwt jwt ＪＷＴ ﬁle')).toEqual(['jwt', 'jwt', 'jwt', 'jwt', 'file']);
  });

  it('drops punctuation around tokens, including a sentence-final dot', () => {
    expect(whole.tokenize('(HSCSD), "quoted"; end.')).toEqual(['hscsd', 'quoted', 'end']);
  });

  it('does not glue an operator between two words', () => {
    expect(whole.tokenize('a+b x#y')).toEqual(['a', 'b', 'x', 'y']);
  });

  it('keeps letters and digits of any script', () => {
    expect(whole.tokenize('Ключ 東京 café')).toEqual(['ключ', '東京', 'café']);
  });

  it('adds the parts of compound tokens after the whole when compoundParts is on', () => {
    expect(parts.tokenize('802.11a /dev/null e-mail C++11 C++')).toEqual([
      '802.11a',
      '802',
      '11a',
      '/dev/null',
      'dev',
      'null',
      'e-mail',
      'e',
      'mail',
      'c++11',
      'c++',
      'c++',
    ]);
  });

  it('returns nothing for text without letters or digits', () => {
    expect(parts.tokenize(' !? -- ')).toEqual([]);
  });
});

describe('WordTokenizer with stem', () => {
  const stemming = new WordTokenizer({ stem: true });

  it('adds the Porter2 stem right after a plain word when it differs', () => {
    expect(stemming.tokenize('Routers compiled C++')).toEqual(['routers', 'router', 'compiled', 'compil', 'c++']);
    expect(stemming.tokenize('router packet')).toEqual(['router', 'packet']);
  });

  it.each(['C++', 'C#', '802.11a', 'k8s', 'i18n', '/dev/null', '.NET', 'C++11', 'IPv6'])('keeps %s whole and adds no stem of it', (text) => {
    const plain = new WordTokenizer({ compoundParts: false, stem: true });
    expect(plain.tokenize(text)).toEqual(whole.tokenize(text));
  });

  it('stems the plain-word parts of a compound, not the compound', () => {
    expect(stemming.tokenize('file-systems')).toEqual(['file-systems', 'file', 'systems', 'system']);
  });

  it('leaves words outside a–z alone', () => {
    expect(stemming.tokenize('cafés ключи')).toEqual(['cafés', 'ключи']);
  });

  it('names its settings', () => {
    expect(parts.name).toBe('word');
    expect(stemming.name).toBe('word(stem)');
    expect(new WordTokenizer({ compoundParts: false, stem: true }).name).toBe('word(no-parts,stem)');
  });
});

describe('new WordTokenizer', () => {
  it.each([
    ['stem', { stem: 'yes' }],
    ['compoundParts', { compoundParts: 1 }],
    ['tokenizer options', null],
  ])('refuses a bad %s with InvalidConfigError', (field, options) => {
    const make = () => new WordTokenizer(options as unknown as WordTokenizerOptions);
    expect(make).toThrow(InvalidConfigError);
    expect(make).toThrow(field);
  });

  it('defaults to compound parts on and stemming off', () => {
    expect(defaultWordTokenizerOptions).toEqual({ compoundParts: true, stem: false });
    expect(new WordTokenizer().tokenize('routers')).toEqual(['routers']);
  });
});
