import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const script = join(repo, 'scripts/check-layers.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'check-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A source folder shaped like core's: a few rooms, each with the given files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  const all: Record<string, string> = {
    'vocabulary.ts': 'export type Payload = Record<string, unknown>;\n',
    'storage/types.ts': "import type { Payload } from '../vocabulary.js';\nexport interface Store { put(p: Payload): void }\n",
    'srm/memory.ts': "import type { Store } from '../storage/types.js';\nexport class Memory { constructor(readonly store: Store) {} }\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const run = (dir: string) => spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });

describe('scripts/check-layers.mjs', () => {
  it('passes a folder whose imports all point down, tests and test helpers left aside', () => {
    const result = run(
      folder('downward', {
        'srm/memory.test.ts': "import { Memory } from './memory.js';\nimport '../cli/main.js';\n",
        'storage/qdrant/test-support/fixtures.test-helper.ts': "import '../../../srm/memory.js';\n",
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    ['a type-only import', "import type { Memory } from '../srm/memory.js';\nexport type M = Memory;\n"],
    ['a dynamic import', "export const load = () => import('../srm/memory.js');\n"],
    ['a re-export', "export { Memory } from '../srm/memory.js';\n"],
  ])('fails on %s from storage up to srm', (what, text) => {
    const result = run(folder(`up-${what.replace(/\W/g, '')}`, { 'storage/migrate.ts': text }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('storage/migrate.ts');
  });

  it('fails on an import between two rooms of the same floor', () => {
    const result = run(folder('sideways', { 'glossary/memory.ts': "import { Memory } from '../srm/memory.js';\nexport const m = Memory;\n" }));
    expect(result.status).toBe(1);
  });

  it('fails on a room that has no floor', () => {
    const result = run(folder('unranked', { 'extras/thing.ts': 'export const x = 1;\n' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('extras');
  });

  it('passes the source of @srm/core', () => {
    const result = run(join(repo, 'packages/core/src'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
