/**
 * Runs the LlamaIndex examples as child processes against the built packages
 * (`npx turbo run build --filter=@srm/llamaindex...` first) and checks what
 * they print.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(examplesDir, '..');
const tsxCli = createRequire(join(examplesDir, 'noop.js')).resolve('tsx/cli');

const builtEntries = ['packages/core/dist/esm/index.js', 'packages/llamaindex/dist/esm/index.js'].map((p) => join(repoRoot, p));
const missing = builtEntries.filter((p) => !existsSync(p));
if (missing.length > 0) {
  console.warn(
    `skipping the LlamaIndex examples: the packages are not built (missing ${missing.join(', ')}); run npx turbo run build --filter=@srm/llamaindex...`,
  );
}

async function runExample(file: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, [tsxCli, join('src', file), ...args], {
    cwd: examplesDir,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe.skipIf(missing.length > 0)('LlamaIndex examples', () => {
  it('llamaindex-query-engine.ts indexes, filters, answers, deletes and reopens', async () => {
    const out = await runExample('llamaindex-query-engine.ts');
    const lines = out.split('\n');
    const indexed = /^indexed (\d+) documents as (\d+) nodes$/.exec(lines.find((l) => l.startsWith('indexed')) ?? '');
    expect(indexed).not.toBeNull();
    const [docs, nodes] = [Number(indexed![1]), Number(indexed![2])];
    expect(docs).toBeGreaterThan(2000);
    expect(nodes).toBeGreaterThanOrEqual(docs);

    // The plain retrieval ranks the magic smoke entry first.
    const retrieve = lines.indexOf('retrieve: What is the magic smoke inside integrated circuits?');
    expect(retrieve).toBeGreaterThanOrEqual(0);
    expect(lines[retrieve + 1]).toMatch(/^ {2}0\.\d{3} {2}magic smoke$/);

    // Every filtered hit has "bug" in its headword.
    const filtered = lines.findIndex((l) => l.startsWith('retrieve, short entries'));
    const hits = lines.slice(filtered + 1, filtered + 4);
    expect(hits).toHaveLength(3);
    for (const h of hits) expect(h).toMatch(/^ {2}0\.\d{3} {2}.*bug/);

    // The query engine quotes the definition and cites its source.
    expect(out).toMatch(/^answer: magic smoke: A substance trapped inside IC packages/m);
    expect(out).toContain('source: magic smoke');

    // One document fewer after the delete, and the reopened store no longer returns it.
    const after = /^after delete and reopen: (\d+) nodes; top hit (.*)$/m.exec(out);
    expect(after).not.toBeNull();
    expect(Number(after![1])).toBe(nodes - 1);
    expect(after![2]).not.toBe('magic smoke');
  }, 180_000);

  it('llamaindex-agent-memory.ts puts the glossary entry and the relevant old messages into the LLM context', async () => {
    const out = await runExample('llamaindex-agent-memory.ts');
    expect(out).toMatch(/^glossary: 2001 entries for support-bot$/m);
    expect(out).toMatch(/^vector block: 2 batches of older messages stored in SRM$/m);
    const sections = out.split(/^--- /m).slice(1);
    const glossary = sections.find((s) => s.startsWith('memory\nGlossary entries relevant to the conversation:'));
    // Exactly the JWT entry: minRelevance keeps out acronyms that share only a common word.
    expect(glossary!.trimEnd().split('\n').slice(2)).toEqual([
      '- JWT: JSON Web Token. Our API signs JWTs with RS256; clients send them in the Authorization header.',
    ]);
    const recalled = sections.filter((s) => s.startsWith('memory\nContext information'));
    expect(recalled).toHaveLength(1);
    expect(recalled[0]).toContain('fifteen minutes');
    expect(recalled[0]).not.toContain('chocolate');
    // The latest question is in the short-term part, and the stand-in LLM answers from the recalled message.
    const [last, answer] = sections.at(-1)!.split(/^=== answer\n/m);
    expect(last).toBe('user\nHow long may a JWT for the billing API live before it expires?\n');
    expect(answer).toMatch(/expire after fifteen minutes\.\n$/);
  }, 180_000);
});
