/**
 * Query stop words. A long, natural query ("what does it mean when the build
 * is red?") repeats function words that say nothing about which entry it
 * wants. IDF discounts them, but a query weighs each term by its count, so
 * ten "the"s still add up. Dropping them from the query (entries keep them)
 * is the classic remedy; measured on FOLDOC it lifts Jargon-definition
 * MRR@10 by about 0.02 and leaves headword and alias queries unchanged
 * (docs/glossary.md).
 */

/**
 * The classic minimal English stop set (33 words, the one Lucene's and
 * Elasticsearch's English analyzers use): articles, conjunctions,
 * prepositions, pronouns and forms of "be". A key spelled like one of them
 * (`IT`, `OR`) is still found by a query that is just that key, through the
 * query's name token and the all-stop-words rule below, but not inside a
 * longer query: leave it out of the list if your agents ask "what is IT?".
 */
export const ENGLISH_STOP_WORDS: readonly string[] = Object.freeze([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

/**
 * `tokens` without those in `stopWords`, in order. When every token is a stop word the query is
 * kept whole, so a query for the key `IT` or `The` still searches.
 */
export function withoutStopWords(tokens: readonly string[], stopWords: ReadonlySet<string>): readonly string[] {
  if (stopWords.size === 0) return tokens;
  const kept = tokens.filter((t) => !stopWords.has(t));
  return kept.length === 0 ? tokens : kept;
}
