/**
 * The glossary's tokenizers. BM25 counts tokens, so a tokenizer decides what
 * "the same word" is. The built-in {@link WordTokenizer} is made for jargon:
 * it case-folds, and keeps tokens such as `C++`, `C#`, `802.11a`, `k8s`,
 * `i18n`, `TCP/IP` and `/dev/null` whole. A HuggingFace `tokenizer.json` can
 * replace it (see `hf-tokenizer.ts`).
 */
import { stem as porter2 } from 'porter2';
import { InvalidConfigError } from '../errors.js';

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
  /**
   * Also emit the English (Porter2, Snowball) stem of each plain word, right after it, when the stem
   * differs: `routers` adds `router`, `compiling` adds `compil`. The word itself stays, so an exact
   * form still matches one token more and ranks first; the stem lets `routers` find `router` and
   * `compiled` find `compiler`. Only words of the letters a–z are stemmed (also compound parts), so
   * `C++`, `k8s`, `802.11a`, `/dev/null`, `TCP/IP` and words of other scripts stay as they are.
   * Default `false`: measured on FOLDOC it changes Jargon-definition MRR@10 within noise and costs
   * headword and unstated-alias MRR a little (see docs/glossary.md). Stored entries depend on it:
   * turning it on for an existing glossary needs {@link SemanticMemory.reindex}. It adds a stemming
   * step per word and the stems to each entry's terms.
   */
  stem?: boolean;
}

/** Defaults of {@link WordTokenizerOptions}. */
export const defaultWordTokenizerOptions: Readonly<Required<WordTokenizerOptions>> = Object.freeze({
  compoundParts: true,
  stem: false,
});

// A token is, after NFKC and lower-casing, one of:
//  - a path: one or more "/segment" (segments of word characters, inner dots): `/dev/null`;
//  - a word: word characters joined by single inner connectors . _ - / ' ’ (`802.11a`, `tcp/ip`,
//    `e-mail`), optionally led by a dot at a word start (`.net`) and ended by `++` (with an
//    optional version, `c++11`), `#` or `+` when no word character follows (`c++`, `c#`, `f#`).
const W = '[\\p{L}\\p{N}\\p{M}]';
const SEGMENT = `${W}+(?:[._+\\-]${W}+)*`;
const TOKEN = new RegExp(
  `(?<!${W})(?:/${SEGMENT})+` + `|(?:(?<![\\p{L}\\p{N}.])\\.(?=\\p{L}))?${W}+(?:[._\\-/'\u2019]${W}+)*(?:(?:\\+\\+\\d*|#|\\+)(?![\\p{L}\\p{N}+#]))?`,
  'gu',
);
const PART_SPLIT = /[^\p{L}\p{N}\p{M}]+/u;
const HAS_CONNECTOR = /[._\-/'\u2019]/u;
const VERSIONED_PLUS = /^(.+\+\+)\d+$/u;
/** What Porter2 is made for: an English word, lower case. */
const STEMMABLE = /^[a-z]+$/;

/**
 * The built-in tokenizer: NFKC, lower case, then the token pattern above; optionally the parts of
 * compound tokens and the stems of plain words.
 *
 * @example
 * new WordTokenizer().tokenize('Use C++ or C# on 802.11a; see /dev/null')
 * // ['use', 'c++', 'or', 'c#', 'on', '802.11a', '802', '11a', 'see', '/dev/null', 'dev', 'null']
 * new WordTokenizer({ stem: true }).tokenize('Routers compiled C++')
 * // ['routers', 'router', 'compiled', 'compil', 'c++']
 */
export class WordTokenizer implements GlossaryTokenizer {
  /** `word`, with the options that differ from the defaults in brackets: `word(no-parts,stem)`. */
  readonly name: string;
  private readonly parts: boolean;
  private readonly stem: boolean;

  /** @throws InvalidConfigError when an option is not a boolean. */
  constructor(options: WordTokenizerOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidConfigError('tokenizer options', `expected an object, got ${String(options)}`);
    this.parts = flag('compoundParts', options.compoundParts);
    this.stem = flag('stem', options.stem);
    const differ = [...(this.parts ? [] : ['no-parts']), ...(this.stem ? ['stem'] : [])];
    this.name = differ.length === 0 ? 'word' : `word(${differ.join(',')})`;
  }

  tokenize(text: string): string[] {
    const folded = text.normalize('NFKC').toLowerCase();
    const out: string[] = [];
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(folded); m !== null; m = TOKEN.exec(folded)) {
      const token = m[0];
      this.emit(out, token);
      if (!this.parts) continue;
      if (HAS_CONNECTOR.test(token)) {
        for (const part of token.split(PART_SPLIT)) if (part.length > 0 && part !== token) this.emit(out, part);
      } else {
        const versioned = VERSIONED_PLUS.exec(token);
        if (versioned) out.push(versioned[1]!);
      }
    }
    return out;
  }

  /** Pushes `token`, then its stem when stemming is on, `token` is a plain English word and the stem differs. */
  private emit(out: string[], token: string): void {
    out.push(token);
    if (!this.stem || !STEMMABLE.test(token)) return;
    const stem = porter2(token);
    if (stem !== token) out.push(stem);
  }
}

function flag(field: keyof WordTokenizerOptions, v: unknown): boolean {
  if (v === undefined) return defaultWordTokenizerOptions[field];
  if (typeof v !== 'boolean') throw new InvalidConfigError(field, `expected a boolean, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return v;
}
