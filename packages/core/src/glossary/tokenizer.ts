/**
 * The glossary's tokenizers. BM25 counts tokens, so a tokenizer decides what
 * "the same word" is. The built-in {@link WordTokenizer} is made for jargon:
 * it case-folds, and keeps tokens such as `C++`, `C#`, `802.11a`, `k8s`,
 * `i18n`, `TCP/IP` and `/dev/null` whole. A HuggingFace `tokenizer.json` can
 * replace it (see `hf-tokenizer.ts`).
 */

/** Turns text into the tokens that BM25 counts. Must be deterministic. */
export interface GlossaryTokenizer {
  /** Short description for error messages and docs, e.g. `"word"` or `"hf:/path/tokenizer.json"`. */
  readonly name: string;
  /** Tokens of `text` in order, repeats kept (BM25 counts them). */
  tokenize(text: string): string[];
}

/** Options of the built-in {@link WordTokenizer}. */
export interface WordTokenizerOptions {
  /**
   * Also emit the parts of a compound token (`tcp/ip` adds `tcp` and `ip`;
   * `802.11a` adds `802` and `11a`; `/dev/null` adds `dev` and `null`).
   * The whole token still matches exactly and ranks first; the parts let a
   * query for `null` find `/dev/null`. Default `true` (measured on FOLDOC,
   * see docs/glossary.md). `C++` and `C#` have no parts.
   */
  compoundParts?: boolean;
}

/** Defaults of {@link WordTokenizerOptions}. */
export const defaultWordTokenizerOptions: Required<WordTokenizerOptions> = {
  compoundParts: true,
};

// A token is, after NFKC and lower-casing, one of:
//  - a path: one or more "/segment" (segments of word characters, inner dots): `/dev/null`;
//  - a word: word characters joined by single inner connectors . _ - / ' ’ (`802.11a`, `tcp/ip`,
//    `e-mail`), optionally led by a dot at a word start (`.net`) and ended by `++` (with an
//    optional version, `c++11`), `#` or `+` when no word character follows (`c++`, `c#`, `f#`).
const W = '[\\p{L}\\p{N}\\p{M}]';
const SEGMENT = `${W}+(?:[._+\\-]${W}+)*`;
const TOKEN = new RegExp(
  `(?<!${W})(?:/${SEGMENT})+` +
    `|(?:(?<![\\p{L}\\p{N}.])\\.(?=\\p{L}))?${W}+(?:[._\\-/'\u2019]${W}+)*(?:(?:\\+\\+\\d*|#|\\+)(?![\\p{L}\\p{N}+#]))?`,
  'gu',
);
const PART_SPLIT = /[^\p{L}\p{N}\p{M}]+/u;
const HAS_CONNECTOR = /[._\-/'\u2019]/u;
const VERSIONED_PLUS = /^(.+\+\+)\d+$/u;

/**
 * The built-in tokenizer: NFKC, lower case, then the token pattern above.
 *
 * @example
 * new WordTokenizer().tokenize('Use C++ or C# on 802.11a; see /dev/null')
 * // ['use', 'c++', 'or', 'c#', 'on', '802.11a', '802', '11a', 'see', '/dev/null', 'dev', 'null']
 */
export class WordTokenizer implements GlossaryTokenizer {
  readonly name: string;
  private readonly parts: boolean;

  constructor(options: WordTokenizerOptions = {}) {
    this.parts = options.compoundParts ?? defaultWordTokenizerOptions.compoundParts;
    this.name = this.parts ? 'word' : 'word(no-parts)';
  }

  tokenize(text: string): string[] {
    const folded = text.normalize('NFKC').toLowerCase();
    const out: string[] = [];
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(folded); m !== null; m = TOKEN.exec(folded)) {
      const token = m[0];
      out.push(token);
      if (!this.parts) continue;
      if (HAS_CONNECTOR.test(token)) {
        for (const part of token.split(PART_SPLIT)) if (part.length > 0 && part !== token) out.push(part);
      } else {
        const versioned = VERSIONED_PLUS.exec(token);
        if (versioned) out.push(versioned[1]!);
      }
    }
    return out;
  }
}
