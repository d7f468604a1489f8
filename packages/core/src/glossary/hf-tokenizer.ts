/**
 * Loads a HuggingFace `tokenizer.json` (the reference implementation's
 * contract) with `@huggingface/tokenizers`, the maintained pure-JS port of
 * HuggingFace's tokenizers. Special tokens (`[UNK]`, `[CLS]`, ...) are dropped:
 * every unknown word maps to the same `[UNK]`, and counting it would make all
 * out-of-vocabulary words match each other. The library is imported by the first `load`, so a
 * glossary on the built-in tokenizer never loads it.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError } from '../errors.js';
import type { GlossaryTokenizer } from './tokenizer.js';

/** A {@link GlossaryTokenizer} backed by a HuggingFace `tokenizer.json`. */
export class HfTokenizer implements GlossaryTokenizer {
  readonly name: string;
  private readonly tokenizer: Tokenizer;
  private readonly specialIds: Set<number>;

  private constructor(path: string, tokenizer: Tokenizer) {
    this.name = `hf:${path}`;
    this.tokenizer = tokenizer;
    this.specialIds = new Set();
    for (const [id, token] of tokenizer.get_added_tokens_decoder()) if (token.special) this.specialIds.add(id);
  }

  /**
   * Reads and checks `path` (and `tokenizer_config.json` beside it, when present).
   *
   * @throws TokenizerError when the file is missing, is not JSON, is not a tokenizer the library can
   *   build, or cannot tokenize a probe text.
   */
  static async load(path: string): Promise<HfTokenizer> {
    if (typeof path !== 'string' || path.length === 0) {
      throw new TokenizerError(`tokenizerPath must be a non-empty string, got ${JSON.stringify(path)}`);
    }
    const json = await readJson(path, true);
    const config = (await readJson(join(dirname(path), 'tokenizer_config.json'), false)) ?? {};
    const { Tokenizer: TokenizerClass } = await import('@huggingface/tokenizers');
    let tokenizer: Tokenizer;
    try {
      tokenizer = new TokenizerClass(json as object, config as object);
    } catch (cause) {
      throw new TokenizerError(`tokenizer file "${path}" is not a valid HuggingFace tokenizer: ${(cause as Error).message}`, { cause });
    }
    const loaded = new HfTokenizer(path, tokenizer);
    // Fail at open rather than at the first recall: some models only fail when they run.
    try {
      loaded.tokenize('probe text 123');
    } catch (cause) {
      if (cause instanceof TokenizerError) throw cause;
      throw new TokenizerError(`tokenizer file "${path}" cannot tokenize a probe text: ${(cause as Error).message}`, { cause });
    }
    return loaded;
  }

  tokenize(text: string): string[] {
    let encoding: { ids: number[]; tokens: string[] };
    try {
      encoding = this.tokenizer.encode(text, { add_special_tokens: false });
    } catch (cause) {
      throw new TokenizerError(`${this.name} cannot tokenize the text (${text.length} chars): ${(cause as Error).message}`, { cause });
    }
    const out: string[] = [];
    for (let i = 0; i < encoding.ids.length; i++) {
      if (this.specialIds.has(encoding.ids[i]!)) continue;
      out.push(encoding.tokens[i]!);
    }
    return out;
  }
}

async function readJson(path: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerError(`cannot read tokenizer file "${path}": ${(cause as Error).message}`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new TypeError(`expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
    }
    return parsed;
  } catch (cause) {
    throw new TokenizerError(`tokenizer file "${path}" is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
