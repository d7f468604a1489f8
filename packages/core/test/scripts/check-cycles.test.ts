import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const script = join(repo, 'scripts/check-cycles.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'check-cycles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function run(...dirs: string[]) {
  return spawnSync(process.execPath, [script, ...dirs], { encoding: 'utf8' });
}

describe('scripts/check-cycles.mjs', () => {
  it('fails on a circle made only of type imports', () => {
    const dir = folder('type-cycle', {
      'a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
      'b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
    });
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('a.ts');
    expect(result.stderr).toContain('b.ts');
  });

  it('fails on a circle closed by a multi-line re-export', () => {
    const dir = folder('reexport-cycle', {
      'a.ts': "export {\n  type B,\n} from './sub/b.js';\nexport const a = 1;\n",
      'sub/b.ts': "import { a } from '../a.js';\nexport type B = typeof a;\n",
    });
    expect(run(dir).status).toBe(1);
  });

  it('passes an acyclic folder, and ignores tests and dynamic imports', () => {
    const dir = folder('acyclic', {
      'a.ts': "import type { B } from './b.js';\nexport const load = () => import('./c.js');\nexport type A = B;\n",
      'b.ts': 'export type B = number;\n',
      'c.ts': "import type { A } from './a.js';\nexport const c: A = 1;\n",
      'a.test.ts': "import { load } from './a.js';\nimport './a.test.ts';\n",
    });
    const result = run(dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails when any one of several folders has a circle', () => {
    const clean = folder('clean', { 'x.ts': 'export const x = 1;\n' });
    const cyclic = folder('cyclic', {
      'p.ts': "import type { Q } from './q.js';\nexport type P = Q;\n",
      'q.ts': "import type { P } from './p.js';\nexport type Q = P | 1;\n",
    });
    expect(run(clean).status).toBe(0);
    expect(run(clean, cyclic).status).toBe(1);
  });

  it('finds no circle in the source of any package in the repo', () => {
    const packages = readdirSync(join(repo, 'packages'))
      .map((p) => join(repo, 'packages', p, 'src'))
      .filter((src) => existsSync(src));
    expect(packages.length).toBeGreaterThanOrEqual(4);
    const result = run(...packages);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
