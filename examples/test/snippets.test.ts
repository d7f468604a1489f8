/**
 * Runs the sources of the docs' code blocks (examples/src/snippets) against
 * the built packages, offline, and checks what they print: the getting-started
 * walk-through and the CLI tour of docs/cli.md. The concepts snippets have
 * their own files (snippets-*.test.ts) to keep each file short.
 * Build first: `npx turbo run build --filter=@srm/core`.
 */
import { describe, expect, it } from 'vitest';
import { built, examplesDir, run, snippet } from './run-snippet.js';

describe.skipIf(!built)('doc snippets', () => {
  it('getting-started.ts finds "magic smoke", fits, and keeps a glossary beside the dense memory', async () => {
    const out = await snippet('getting-started.ts');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^0\.\d{3} magic smoke$/);
    expect(out).toMatch(/^2307 items, fitted: true, hot \d+ B vs dense 922800 B$/m);
    expect(out).toMatch(/^JWT \(0\.\d\d\): JSON Web Token; our API signs them/m);
    expect(out).toMatch(/^reopened with 2307 items$/m);
  });
  it('cli-tour.sh runs every srm command of docs/cli.md', async () => {
    const { stdout } = await run('bash', ['src/snippets/cli-tour.sh'], { cwd: examplesDir, timeout: 180_000, maxBuffer: 16 << 20 });
    expect(stdout).toMatch(/^verify +ok: 2307 items/m);
    expect(stdout).toMatch(/^1 +0\.\d{4} +jargon-\d+ +\{"term":"magic smoke"/m);
    expect(stdout).toMatch(/^JWT +acronym +json web token/m);
    expect(stdout).toMatch(/^imported 2307 SRM items \(1 store\(s\)\) and 1 glossary entries/m);
  });
});
