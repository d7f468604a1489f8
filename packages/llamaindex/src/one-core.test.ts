/**
 * A second copy of @llamaindex/core, loaded for real: the installed package
 * folder is copied into a temporary app directory, next to a copy of
 * `llamaindex` that loads it. Nodes and embeddings of that copy, and a
 * `Settings.embedModel` set through that `llamaindex`, give an
 * InvalidConfigError that names the override, not LlamaIndex's "Cannot find
 * Embedding" a line after the model was set.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Settings, TextNode } from 'llamaindex';
import { InvalidConfigError } from '@srm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WordHashEmbedding } from '../test/fixtures.js';
import { ONE_CORE_FIX, secondCoreOnDisk } from './one-core.js';
import { SRMVectorStore } from './vector-store.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const APP_SCRIPT = fileURLToPath(new URL('../test/child/two-cores-app.ts', import.meta.url));
const CHILD_TSCONFIG = fileURLToPath(new URL('../test/child/tsconfig.json', import.meta.url));
const ENTRY = fileURLToPath(new URL('./index.ts', import.meta.url));
const OVERRIDE = '"overrides": { "@llamaindex/core": "$@llamaindex/core" }';

/** The installed package folder that `specifier` resolves to from this package. */
function installedFolder(specifier: string, name: string): string {
  let dir = dirname(realpathSync(createRequire(join(PACKAGE_DIR, 'noop.js')).resolve(specifier)));
  while (!dir.endsWith(join('node_modules', name))) dir = dirname(dir);
  return dir;
}

let app: string;
/** Exports of the second copy's modules. */
let copy: { schema: typeof import('@llamaindex/core/schema'); embeddings: typeof import('@llamaindex/core/embeddings') };

beforeAll(async () => {
  const core = installedFolder('@llamaindex/core/global', join('@llamaindex', 'core'));
  const llamaindex = installedFolder('llamaindex', 'llamaindex');
  const modules = dirname(llamaindex);
  app = mkdtempSync(join(tmpdir(), 'srm-li-two-cores-'));
  const nm = join(app, 'node_modules');
  mkdirSync(join(nm, '@llamaindex'), { recursive: true });
  mkdirSync(join(nm, '@srm'), { recursive: true });
  // Every other package is the installed one (a link); llamaindex and @llamaindex/core are copies.
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.') || entry === 'llamaindex' || entry === '@llamaindex' || entry === '@srm') continue;
    symlinkSync(join(modules, entry), join(nm, entry));
  }
  for (const entry of readdirSync(join(modules, '@llamaindex'))) {
    if (entry !== 'core') symlinkSync(join(modules, '@llamaindex', entry), join(nm, '@llamaindex', entry));
  }
  symlinkSync(PACKAGE_DIR, join(nm, '@srm', 'llamaindex'));
  cpSync(core, join(nm, '@llamaindex', 'core'), { recursive: true });
  cpSync(llamaindex, join(nm, 'llamaindex'), { recursive: true });
  const copied = (sub: string) => pathToFileURL(join(nm, '@llamaindex', 'core', sub, 'dist', 'index.js')).href;
  copy = { schema: await import(copied('schema')), embeddings: await import(copied('embeddings')) };
}, 120_000);

afterAll(() => {
  if (app && existsSync(app)) rmSync(app, { recursive: true, force: true });
});

describe('two copies of @llamaindex/core', () => {
  it('really are two: the copy has its own classes', () => {
    expect(copy.schema.TextNode).not.toBe(TextNode);
    expect(new copy.schema.TextNode({ text: 'x' })).not.toBeInstanceOf(TextNode);
  });

  it('a node made by the other copy is refused with the fix, and nothing is stored', async () => {
    const store = new SRMVectorStore({ embedModel: new WordHashEmbedding() });
    const node = new copy.schema.TextNode({ text: 'a node of the other copy' });
    node.embedding = [0.5, 0.5];
    await expect(store.add([node as never])).rejects.toThrow(InvalidConfigError);
    await expect(store.add([node as never])).rejects.toThrow(OVERRIDE);
    expect(store.client()).toBeUndefined();
    await store.close();
  });

  it('an embedding model of the other copy is refused at construction', () => {
    class OtherCopyEmbedding extends copy.embeddings.BaseEmbedding {
      constructor() {
        super();
      }
      override async getTextEmbedding(text: string): Promise<number[]> {
        return [text.length];
      }
    }
    expect(() => new SRMVectorStore({ embedModel: new OtherCopyEmbedding() as never })).toThrow(InvalidConfigError);
    expect(() => new SRMVectorStore({ embedModel: new OtherCopyEmbedding() as never })).toThrow(ONE_CORE_FIX);
  });

  it('are found on disk from the app directory, and not from this workspace', () => {
    const found = secondCoreOnDisk(app);
    expect(found).toBeDefined();
    expect(found!.ours).not.toBe(found!.theirs);
    expect(found!.theirs.startsWith(realpathSync(app))).toBe(true);
    expect(secondCoreOnDisk(PACKAGE_DIR)).toBeUndefined();
  });

  it('an app that set Settings.embedModel through its llamaindex gets the InvalidConfigError naming the override', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const appScript = join(app, 'app.mts');
      cpSync(APP_SCRIPT, appScript);
      const proc = spawn(process.execPath, ['--import', 'tsx', appScript], {
        cwd: app,
        env: { ...process.env, TSX_TSCONFIG_PATH: CHILD_TSCONFIG, SRM_LLAMAINDEX_ENTRY: pathToFileURL(ENTRY).href },
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      proc.on('error', reject);
      proc.on('exit', (code) => (code === 0 ? resolve(stdout.trim().split('\n').pop() ?? '') : reject(new Error(`app exited ${code}: ${stderr}`))));
    });
    const result = JSON.parse(out) as { ok: boolean; name?: string; code?: string; field?: string; message?: string };
    expect(result).toMatchObject({ ok: false, name: 'InvalidConfigError', code: 'SRM_INVALID_CONFIG', field: '@llamaindex/core' });
    expect(result.message).toContain(OVERRIDE);
    expect(result.message).toContain('Settings.embedModel is unset');
  }, 180_000);
});

describe('one copy of @llamaindex/core', () => {
  it("without any embedding model, LlamaIndex's own error stands", () => {
    Settings.embedModel = undefined as never;
    expect(() => new SRMVectorStore()).toThrow(/Cannot find Embedding/);
  });
});
