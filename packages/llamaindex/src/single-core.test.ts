/**
 * Two copies of `@llamaindex/core` give two `Settings` singletons: an
 * embedding model set through `llamaindex` is then invisible to this package,
 * and LlamaIndex fails at runtime. The root `overrides` force one copy; these
 * tests fail when an install brings a second one back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Settings as CoreSettings } from '@llamaindex/core/global';
import { Settings } from 'llamaindex';
import { afterEach, describe, expect, it } from 'vitest';
import { GloveEmbedding } from './glove-embedding.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '../..');

/** The package.json of the package that contains `file`, with the given name. */
function packageRootOf(file: string, name: string): string {
  let dir = dirname(file);
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return pj;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json named ${name} above ${file}`);
    dir = up;
  }
}

/** Where `@llamaindex/core` resolves from `fromDir` (its package.json; the package does not export that path). */
function coreFrom(fromDir: string): string {
  const req = createRequire(join(fromDir, 'noop.js'));
  return packageRootOf(req.resolve('@llamaindex/core/global'), '@llamaindex/core');
}

/** Every installed `@llamaindex/core/package.json` under `dir`'s node_modules trees. */
function installedCores(dir: string, depth = 0): string[] {
  const nm = join(dir, 'node_modules');
  if (depth > 6 || !existsSync(nm)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(nm, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const scoped = entry.name.startsWith('@')
      ? readdirSync(join(nm, entry.name), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(nm, entry.name, e.name))
      : [join(nm, entry.name)];
    for (const pkg of scoped) {
      if (pkg.endsWith(join('@llamaindex', 'core')) && existsSync(join(pkg, 'package.json'))) found.push(join(pkg, 'package.json'));
      found.push(...installedCores(pkg, depth + 1));
    }
  }
  return found;
}

describe('one copy of @llamaindex/core', () => {
  const llamaindexDir = dirname(packageRootOf(createRequire(join(packageDir, 'noop.js')).resolve('llamaindex'), 'llamaindex'));

  it('resolves to the same file, version 0.6.23, from llamaindex, from this package and from the examples', () => {
    const fromUs = coreFrom(packageDir);
    expect(coreFrom(llamaindexDir)).toBe(fromUs);
    expect(coreFrom(join(repoRoot, 'examples'))).toBe(fromUs);
    expect((JSON.parse(readFileSync(fromUs, 'utf8')) as { version: string }).version).toBe('0.6.23');
  });

  it("resolves to that file from each of llamaindex's own @llamaindex dependencies", () => {
    const fromUs = coreFrom(packageDir);
    const nested = join(llamaindexDir, 'node_modules', '@llamaindex');
    const deps = existsSync(nested) ? readdirSync(nested).map((d) => join(nested, d)) : [];
    for (const dep of deps) {
      if (!existsSync(join(dep, 'package.json'))) continue;
      const pj = JSON.parse(readFileSync(join(dep, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      if (!pj.dependencies?.['@llamaindex/core'] && !pj.peerDependencies?.['@llamaindex/core']) continue;
      expect(coreFrom(dep), dep).toBe(fromUs);
    }
  });

  it('is installed exactly once in the workspace', () => {
    expect(installedCores(repoRoot)).toEqual([join(repoRoot, 'node_modules', '@llamaindex', 'core', 'package.json')]);
  });

  describe('Settings', () => {
    afterEach(() => {
      Settings.embedModel = undefined as never;
    });

    it('is one singleton: a model set through llamaindex is the one @llamaindex/core sees', async () => {
      const model = await GloveEmbedding.load();
      Settings.embedModel = model;
      expect(CoreSettings.embedModel).toBe(model);
    });
  });
});
