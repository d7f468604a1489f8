/**
 * Where `srm export --out` writes: through symbolic links (the link stays a
 * link), into devices in place, to stdout with `-`, and a clear error for a
 * folder that does not exist.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMAT } from './export-format.js';
import { buildMemoryDir, removeTemps, runCli, tempDir } from '../../test/helpers/cli.js';

const ITEMS = 1000;
let source: string;

beforeAll(async () => {
  source = tempDir();
  await buildMemoryDir(source, { glossary: false, items: ITEMS, rerank: 'int8' });
});
afterAll(removeTemps);

function exportLines(text: string): string[] {
  return text.trimEnd().split('\n');
}

describe('srm export --out', () => {
  it('writes through a symbolic link to a file: the link stays, the file it names gets the export', async () => {
    const folder = tempDir();
    const real = join(folder, 'real.jsonl');
    writeFileSync(real, 'old content\n', { mode: 0o640 });
    const link = join(folder, 'latest.jsonl');
    symlinkSync('real.jsonl', link);
    const r = await runCli(['export', source, '--out', link]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.jsonl');
    const lines = exportLines(readFileSync(real, 'utf8'));
    expect(JSON.parse(lines[0]!).format).toBe(EXPORT_FORMAT);
    expect(lines).toHaveLength(1 + ITEMS);
    expect(lstatSync(real).mode & 0o777).toBe(0o640);
  });

  it('creates the file a dangling link names, and keeps the link', async () => {
    const folder = tempDir();
    const link = join(folder, 'next.jsonl');
    symlinkSync('made-by-export.jsonl', link);
    expect((await runCli(['export', source, '--out', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(exportLines(readFileSync(join(folder, 'made-by-export.jsonl'), 'utf8'))).toHaveLength(1 + ITEMS);
  });

  it('writes into a device in place and leaves a link to it alone', async () => {
    const link = join(tempDir(), 'sink');
    symlinkSync('/dev/null', link);
    const r = await runCli(['export', source, '--out', link]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`exported ${ITEMS} SRM items`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('/dev/null');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes to standard output with -, and the summary to stderr', async () => {
    const r = await runCli(['export', source, '--out', '-']);
    expect(r.code).toBe(0);
    const lines = exportLines(r.stdout);
    expect(lines).toHaveLength(1 + ITEMS);
    expect(JSON.parse(lines[0]!).format).toBe(EXPORT_FORMAT);
    expect(r.stderr).toBe(`exported ${ITEMS} SRM items (1 store(s)) and 0 glossary entries (0 store(s)) to standard output\n`);
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
  });

  it('says which folder is missing instead of a raw ENOENT, and writes nothing', async () => {
    const missing = join(tempDir(), 'no-such-folder');
    const r = await runCli(['export', source, '--out', join(missing, 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^srm: InvalidInputError: --out ".*out\.jsonl": the directory ".*no-such-folder" does not exist; create it first\n$/);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a folder as the output, and leaves no temporary file behind', async () => {
    const folder = tempDir();
    mkdirSync(join(folder, 'sub'));
    const r = await runCli(['export', source, '--out', join(folder, 'sub')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/InvalidInputError: --out ".*sub" is a directory/);
    expect(readdirSync(folder)).toEqual(['sub']);
  });
});
