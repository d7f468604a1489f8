/**
 * The built `srm` bin (`dist/esm/cli/main.js`, the package.json `bin`) as a
 * child process, as a user runs it: exit codes, stdout/stderr, and a full
 * export/import cycle. Build first: `npx turbo run build --filter=@srm/core`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, buildMemoryDir, gloveRow, removeTemps, SRM_ITEMS, storedWord, tempDir } from '../../test/helpers/cli.js';

const packageDir = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: { srm: string } };
const bin = join(packageDir, pkg.bin.srm);
const cjsBin = join(packageDir, 'dist/cjs/cli/main.js');
const built = existsSync(bin) && existsSync(cjsBin);
if (!built) console.warn(`skipping the srm bin tests: ${bin} is not built; run npx turbo run build --filter=@srm/core`);

const exec = promisify(execFile);

async function srm(args: string[], file = bin): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [file, ...args], { cwd: packageDir, timeout: 60_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe.skipIf(!built)('the srm bin', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await buildMemoryDir(dir, { rerank: 'int8' });
  });
  afterAll(removeTemps);

  it('is the file package.json names, with a node shebang', () => {
    expect(pkg.bin.srm).toBe('./dist/esm/cli/main.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('prints the stats of a memory directory and exits 0', async () => {
    const r = await srm(['stats', dir, '--verify', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.srm).toMatchObject({ name: 'default', items: SRM_ITEMS, d: 100, fitted: true });
    expect(out.verify.ok).toBe(true);
  });

  it('answers a vector query and lists a glossary', async () => {
    const word = await storedWord(42);
    const q = await srm(['query', dir, '--vector', JSON.stringify(Array.from(await gloveRow(word))), '-k', '3', '--json']);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)[0].id).toBe(word);
    const g = await srm(['glossary', 'recall', dir, '--agent', AGENT, 'json web token']);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^\d+\.\d{3}\s+\d\.\d{3}\s+JWT\s+JSON Web Token/m);
  });

  it('exports SRM items and imports them into a new directory', async () => {
    const source = tempDir();
    await buildMemoryDir(source, { glossary: false, items: 1000, rerank: 'int8' });
    const file = join(tempDir(), 'm.jsonl');
    expect((await srm(['export', source, '--out', file])).code).toBe(0);
    const target = join(tempDir(), 'copy');
    const r = await srm(['import', target, '--in', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('imported 1000 SRM items');
    expect(JSON.parse((await srm(['stats', target, '--json'])).stdout).srm.items).toBe(1000);
  });

  it('ends quietly with exit 0 when the reader of stdout goes away (srm export --out - | head)', async () => {
    const child = spawn(process.execPath, [bin, 'export', dir, '--out', '-'], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    let firstLine = '';
    child.stdout.once('data', (chunk: Buffer) => {
      firstLine = chunk.toString().split('\n')[0]!;
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(JSON.parse(firstLine).type).toBe('header');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits 2 with the usage on stderr for bad arguments', async () => {
    for (const args of [[], ['frobnicate'], ['query', dir], ['glossary', 'list', dir], ['migrate', dir, '--to', 'qdrant']]) {
      const r = await srm(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^srm: .*\n\nUsage: srm /);
    }
  });

  it('exits 1 with the error on stderr when the directory is not a memory', async () => {
    const r = await srm(['stats', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^srm: InvalidInputError: .* is not a memory directory: it has no memory\.sqlite\n$/);
  });

  it('runs from the CommonJS build too', async () => {
    const r = await srm(['--help'], cjsBin);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: srm <command>');
  });
});
