import { describe, expect, it } from 'vitest';
import { WordTokenizer } from './tokenizer.js';

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
    expect(parts.tokenize('802.11a /dev/null e-mail C++11 C++')).toEqual(['802.11a', '802', '11a', '/dev/null', 'dev', 'null', 'e-mail', 'e', 'mail', 'c++11', 'c++', 'c++']);
  });

  it('returns nothing for text without letters or digits', () => {
    expect(parts.tokenize(' !? -- ')).toEqual([]);
  });
});
