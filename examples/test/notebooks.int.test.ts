/**
 * Executes every notebook in examples/notebooks headless with the tslab kernel
 * (scripts/run-notebooks.sh) and fails if a cell errors. Needs Jupyter, the tslab
 * kernel (bash scripts/setup.sh) and the built packages; skipped, with the reason,
 * when one is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(repoRoot, 'scripts', 'run-notebooks.sh');
const notebooksDir = join(repoRoot, 'examples', 'notebooks');

function missingPrerequisite(): string | undefined {
  try {
    execFileSync('jupyter', ['nbconvert', '--version'], { stdio: 'ignore' });
  } catch {
    return 'jupyter nbconvert is not installed (bash scripts/setup.sh)';
  }
  try {
    execFileSync(
      '/usr/bin/python3',
      ['-c', 'from jupyter_client.kernelspec import KernelSpecManager as K; import sys; sys.exit(0 if "tslab" in K().find_kernel_specs() else 1)'],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    return 'the tslab kernel is not registered (bash scripts/setup.sh)';
  }
  const unbuilt = ['core', 'langchain', 'llamaindex'].filter((p) => !existsSync(join(repoRoot, 'packages', p, 'dist', 'cjs', 'index.js')));
  if (unbuilt.length > 0) return `packages not built: ${unbuilt.join(', ')} (npx turbo run build)`;
  return undefined;
}

const reason = missingPrerequisite();
if (reason) console.warn(`skipping the notebook checks: ${reason}`);

interface Notebook {
  cells: { cell_type: string; source: string[] | string; outputs?: { output_type: string; text?: string[] | string }[] }[];
}

function streamText(nb: Notebook): string {
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
}

const outDir = mkdtempSync(join(tmpdir(), 'srm-notebooks-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.skipIf(reason !== undefined)('notebooks (tslab, headless)', () => {
  it(
    'runs every notebook in examples/notebooks without a cell error',
    async () => {
      const notebooks = readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb'));
      expect(notebooks).toContain('langchain-agent-memory.ipynb');
      const { stdout } = await run('bash', [script], {
        cwd: repoRoot,
        env: { ...process.env, NOTEBOOK_OUT_DIR: outDir },
        timeout: 15 * 60_000,
        maxBuffer: 32 * 1024 * 1024,
      });
      expect(stdout).toContain(`all ${notebooks.length} notebook(s) ran without errors`);
      for (const nb of notebooks) expect(existsSync(join(outDir, nb))).toBe(true);

      // The committed notebooks carry their outputs (scripts/run-notebooks.sh --write), so they read
      // well on GitHub: every cell that printed something in this run has output in the committed copy.
      for (const nb of notebooks) {
        const committed = JSON.parse(readFileSync(join(notebooksDir, nb), 'utf8')) as Notebook;
        const fresh = JSON.parse(readFileSync(join(outDir, nb), 'utf8')) as Notebook;
        const blank = fresh.cells
          .map((cell, i) => ({ i, printed: (cell.outputs ?? []).length > 0, saved: (committed.cells[i]?.outputs ?? []).length > 0 }))
          .filter((c) => c.printed && !c.saved)
          .map((c) => c.i);
        expect({ notebook: nb, cellsWithoutSavedOutput: blank }).toEqual({ notebook: nb, cellsWithoutSavedOutput: [] });
      }

      // The LangChain notebook printed what its cells compute.
      const executed = JSON.parse(readFileSync(join(outDir, 'langchain-agent-memory.ipynb'), 'utf8')) as Notebook;
      const text = streamText(executed);
      expect(text).toMatch(/^\d{4} terms$/m);
      expect(text).toMatch(/^bit bucket: The universal data sink/m);
      expect(text).toContain('coffee habits -> The user drinks two espressos before the morning stand-up.');
      expect(text).toContain('recall_terms: - weather report: our flaky integration suite.');
      expect(text).toContain('search_notes: The flaky suite fails on Mondays.');
    },
    16 * 60_000,
  );

  it(
    'fails when a cell errors',
    async () => {
      const broken = join(outDir, 'broken.ipynb');
      const nb = {
        cells: [
          { cell_type: 'code', execution_count: null, id: 'ok', metadata: {}, outputs: [], source: ['const x: number = 1;'] },
          { cell_type: 'code', execution_count: null, id: 'bad', metadata: {}, outputs: [], source: ["throw new Error('boom');"] },
        ],
        metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      writeFileSync(broken, JSON.stringify(nb));
      await expect(
        run('bash', [script, broken], { cwd: repoRoot, env: { ...process.env, NOTEBOOK_OUT_DIR: join(outDir, 'broken-out') }, timeout: 5 * 60_000 }),
      ).rejects.toMatchObject({ code: 1 });
    },
    6 * 60_000,
  );
});
