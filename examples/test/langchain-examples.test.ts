/**
 * Runs the LangChain / LangGraph examples as child processes against the built
 * packages (`npx turbo run build --filter=@srm/langchain...` first) and checks
 * what they print.
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

const builtEntries = ['packages/core/dist/esm/index.js', 'packages/langchain/dist/esm/index.js'].map((p) => join(repoRoot, p));
const missing = builtEntries.filter((p) => !existsSync(p));
if (missing.length > 0) {
  console.warn(
    `skipping the LangChain examples: the packages are not built (missing ${missing.join(', ')}); run npx turbo run build --filter=@srm/langchain...`,
  );
}

async function runExample(file: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [tsxCli, join('src', file)], {
    cwd: examplesDir,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.split('\n');
}

const line = (lines: string[], prefix: string) => lines.find((l) => l.startsWith(prefix));

describe.skipIf(missing.length > 0)('LangChain examples', () => {
  it('langchain-agent-memory.ts loads the jargon glossary and uses both memories, directly and through an agent', async () => {
    const lines = await runExample('langchain-agent-memory.ts');
    const loaded = /^glossary: (\d+) jargon terms for hacker-bot$/.exec(line(lines, 'glossary: ') ?? '');
    expect(loaded).not.toBeNull();
    expect(Number(loaded![1])).toBeGreaterThan(2000);
    expect(line(lines, 'notes: ')).toBe('notes: 6 dense memories (d=100)');

    // BM25 finds exact jargon terms.
    expect(line(lines, 'glossary: "my mail went to the bit bucket"')).toMatch(/-> bit bucket: The universal data sink/);
    expect(line(lines, 'glossary: "FUD from the sales team"')).toMatch(/-> FUD: /);
    expect(line(lines, 'glossary: "grok"')).toMatch(/-> grok: To understand\./);
    // Dense memory finds notes by meaning, without shared words ("coffee" -> "espressos").
    expect(line(lines, 'notes:    "coffee habits"')).toMatch(/-> The user drinks two espressos/);
    expect(line(lines, 'notes:    "when is the staging database reset?"')).toMatch(/-> The staging database is wiped every Sunday night\.$/);
    expect(line(lines, 'notes:    "how long are billing backups kept?"')).toMatch(/-> Backups of the billing service are kept for ninety days\.$/);

    // In a new thread the agent recalls the term it memorized in the first one.
    const tools = lines.filter((l) => l.startsWith('  tool '));
    expect(tools[0]).toMatch(
      /^ {2}tool recall_terms: - weather report: our flaky integration suite\. It fails on Mondays for no reason\. \[team; aliases: flaky suite\]$/,
    );
    expect(tools[1]).toMatch(/^ {2}tool recall_terms: - bit bucket: /);
    expect(tools[2]).toBe('  tool search_notes: The staging database is wiped every Sunday night.');
    expect(line(lines, '  answer: ')).toContain('weather report: our flaky integration suite');
  });

  it('langgraph-store.ts keeps memories across threads and across reopening', async () => {
    const lines = await runExample('langgraph-store.ts');
    const recalledAfter = (prefix: string) => lines[lines.findIndex((l) => l.startsWith(prefix)) + 1] ?? '';
    // The first thread has nothing to recall; later threads recall by meaning, per user.
    expect(lines[lines.findIndex((l) => l.startsWith('[thread-0]')) + 1]).toMatch(/^\[thread-1\]/);
    expect(recalledAfter('[thread-4] alice: What coffee')).toMatch(/^ {3}recalled: I drink espresso every morning before work\. \(0\.\d\d\)/);
    expect(recalledAfter('[thread-5] bob:')).toMatch(/^ {3}recalled: I am allergic to coffee, I only drink green tea\. \(0\.\d\d\)$/);
    expect(recalledAfter('[thread-5] bob:')).not.toContain('espresso');
    expect(line(lines, 'namespaces: ')).toBe('namespaces: [["users","alice","memories"],["users","bob","memories"]]');
    expect(line(lines, 'alice has ')).toBe('alice has 4 memories; newest: What coffee should I buy for the office?');
    expect(line(lines, "after reopening: alice's memory about pets")).toBe(
      "after reopening: alice's memory about pets -> My dog Rex loves chasing tennis balls.",
    );
    expect(line(lines, 'memory: ')).toMatch(/^memory: 6 records, d=100, /);
  });

  it('langchain-retrieval-chain.ts answers through retriever -> prompt -> model, with MMR and a filter', async () => {
    const lines = await runExample('langchain-retrieval-chain.ts');
    const indexed = /^indexed (\d+) Jargon File definitions: d=100, fitted=true, buckets=32$/.exec(line(lines, 'indexed ') ?? '');
    expect(indexed).not.toBeNull();
    expect(Number(indexed![1])).toBeGreaterThan(2000);
    const answerTo = (q: string) => lines[lines.indexOf(`Q: ${q}`) + 1] ?? '';
    expect(answerTo('Where does lost or discarded data go?')).toMatch(/^A: bit bucket: /);
    expect(answerTo('What do you call a clumsy workaround for a bug?')).toMatch(/^A: kluge: /);
    expect(answerTo('Who is an expert programmer?')).toMatch(/^A: \S.*: /);

    const similar = line(lines, 'similarity: ')!.slice('similarity: '.length).split(', ');
    const mmr = line(lines, 'mmr:        ')!.slice('mmr:        '.length).split(', ');
    expect(similar).toHaveLength(4);
    expect(mmr).toHaveLength(4);
    expect(mmr[0]).toBe(similar[0]);
    expect(mmr).not.toEqual(similar);
    const verbs = line(lines, 'verbs:      ')!.slice('verbs:      '.length).split(', ');
    expect(verbs).toHaveLength(3);
    for (const v of verbs) expect(v).toMatch(/\((vt|vi|v)\.\)$/);
  });
});
