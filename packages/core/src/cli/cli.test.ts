/**
 * The `srm` CLI, run in-process through `main(argv, io)` against memory
 * directories built like an app builds them (real GloVe vectors, real VERA
 * acronyms). Export/import: `transfer.test.ts`; migrate: `migrate.test.ts`;
 * the built bin as a child process: `bin.test.ts`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../embeddings/glove.js';
import { SemanticRoutingMemory } from '../srm/memory.js';
import type { QueryHit } from '../srm/types.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import {
  AGENT,
  buildMemoryDir,
  FIRST_WORD,
  gloveRow,
  OTHER_AGENT,
  removeTemps,
  runCli,
  SRM_ITEMS,
  storedWord,
  tempDir,
  withMemories,
} from '../../test/helpers/cli.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir();
  await buildMemoryDir(dir);
});
afterAll(removeTemps);

function vectorArg(v: Float32Array): string {
  return JSON.stringify(Array.from(v));
}

describe('srm (top level)', () => {
  it('prints the usage on stderr and exits 2 without a command', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing the command');
    expect(r.stderr).toContain('Usage: srm <command>');
    expect(r.stdout).toBe('');
  });

  it('rejects an unknown command with exit 2', async () => {
    const r = await runCli(['statz', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "statz"/);
  });

  it('prints the usage on stdout for --help and for each command', async () => {
    expect((await runCli(['--help'])).stdout).toContain('Commands:');
    for (const cmd of ['stats', 'query', 'export', 'import', 'migrate']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: srm ${cmd}`);
    }
    expect((await runCli(['glossary', '--help'])).stdout).toContain('Usage: srm glossary list');
  });
});

describe('srm stats', () => {
  it('shows the SRM stats and the glossary of a directory made by the two open({ path }) calls', async () => {
    const r = await runCli(['stats', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^items\s+1500$/m);
    expect(r.stdout).toMatch(/^fitted\s+yes$/m);
    expect(r.stdout).toMatch(/^K \/ m\s+16 \/ 16$/m);
    expect(r.stdout).toMatch(/^glossary store "glossary": 61 entries/m);
    expect(r.stdout).toMatch(/support-bot\s+51/);
  });

  it('prints stats() as JSON with --json', async () => {
    const r = await runCli(['stats', dir, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const expected = await withMemories(dir, async (srm) => srm.stats());
    expect(out.srm).toEqual({ name: 'default', ...JSON.parse(JSON.stringify(expected)) });
    expect(out.stores).toEqual({ srm: ['default'], glossary: ['glossary'] });
    expect(out.glossary[0]).toMatchObject({ name: 'glossary', entries: 61 });
  });

  it('verifies the routing layer with --verify', async () => {
    const r = await runCli(['stats', dir, '--verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verify).toEqual({ ok: true, items: SRM_ITEMS, problems: [] });
    expect((await runCli(['stats', dir, '--verify'])).stdout).toMatch(/^verify\s+ok: 1500 items/m);
  });

  it('fails with exit 1 for an SRM store that does not exist', async () => {
    const r = await runCli(['stats', dir, '--name', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotFoundError: SRM store .* not found: "nope"/);
  });

  it('fails with exit 1 for a missing directory, and does not create it', async () => {
    const missing = join(tempDir(), 'typo');
    const r = await runCli(['stats', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`memory directory "${missing}" does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('fails with exit 1 and a CorruptDataError for a damaged database', async () => {
    const broken = tempDir();
    writeFileSync(join(broken, 'memory.sqlite'), Buffer.alloc(8192, 0x5a));
    const r = await runCli(['stats', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CorruptDataError/);
  });

  it('rejects bad arguments with exit 2', async () => {
    for (const argv of [['stats'], ['stats', dir, 'extra'], ['stats', dir, '--bogus'], ['stats', dir, '--name']]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: srm stats');
    }
  });
});

describe('srm query', () => {
  it('finds an item from its own vector first (--vector)', async () => {
    const word = await storedWord(321);
    const r = await runCli(['query', dir, '--vector', vectorArg(await gloveRow(word)), '-k', '5', '--json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout) as QueryHit[];
    expect(hits).toHaveLength(5);
    expect(hits[0]).toMatchObject({ id: word, payload: { word } });
    expect(hits[0]!.score).toBeCloseTo(1, 5);
  });

  it('answers like memory.query, with a payload filter and a probe count', async () => {
    const q = await gloveRow('music');
    const filter = { field: 'rank', op: 'lt', value: FIRST_WORD + 500 };
    const r = await runCli(['query', dir, '--vector', vectorArg(q), '-k', '7', '--m', '4', '--filter', JSON.stringify(filter), '--json']);
    expect(r.code).toBe(0);
    const expected = await withMemories(dir, (srm) => srm.query(q, { k: 7, m: 4, filter: { field: 'rank', op: 'lt', value: FIRST_WORD + 500 } }));
    expect(JSON.parse(r.stdout)).toEqual(expected);
    for (const h of expected) expect(h.payload.rank as number).toBeLessThan(FIRST_WORD + 500);
  });

  it('embeds --text with GloveEmbedder and prints a table', async () => {
    const text = 'computer software';
    const r = await runCli(['query', dir, '--text', text, '-k', '3']);
    expect(r.code).toBe(0);
    const glove = await GloveEmbedder.load();
    const expected = await withMemories(dir, (srm) => srm.query(glove.embed(text), { k: 3 }));
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rank\s+score\s+id\s+payload$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[2])).toEqual(expected.map((h) => h.id));
  });

  it('names the stores that exist when the directory has no "default" store', async () => {
    const other = tempDir();
    const storage = await EmbeddedStorage.open(other);
    const notes = await SemanticRoutingMemory.open({ storage, name: 'notes', d: 3, K: 1 });
    await notes.add(
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      { ids: ['a', 'b'] },
    );
    await notes.close();
    await storage.close();
    const r = await runCli(['query', other, '--vector', '[1, 0, 0]']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotFoundError: SRM store .*the directory has "notes"; choose one with --name.* not found: "default"/);
    expect(JSON.parse((await runCli(['query', other, '--name', 'notes', '--vector', '[1, 0, 0]', '--json'])).stdout)[0].id).toBe('a');
  });

  it('fails with exit 1 and a DimensionMismatchError for a vector of the wrong length', async () => {
    const r = await runCli(['query', dir, '--vector', '[0.1, 0.2, 0.3]']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DimensionMismatchError: .*dimension 3, expected d=100/);
  });

  it('rejects bad arguments with exit 2', async () => {
    const v = vectorArg(await gloveRow('music'));
    const cases = [
      ['query', dir],
      ['query', dir, '--vector', v, '--text', 'music'],
      ['query', dir, '--vector', '[0.1, 0.2'],
      ['query', dir, '--vector', '["a"]'],
      ['query', dir, '--vector', '[]'],
      ['query', dir, '--vector', v, '-k', '0'],
      ['query', dir, '--vector', v, '-k', 'ten'],
      ['query', dir, '--vector', v, '--filter', '[1]'],
      ['query', dir, '--text', '  '],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.slice(2).join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: srm query');
    }
  });
});

describe('srm glossary', () => {
  it("lists one agent's entries like listAll, optionally one category", async () => {
    const r = await runCli(['glossary', 'list', dir, '--agent', AGENT, '--json']);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as { key: string; agentId: string; category: string }[];
    const expected = await withMemories(dir, async (_, g) => g!.listAll(AGENT));
    expect(all).toEqual(expected);
    expect(all).toHaveLength(51);
    expect(all.every((e) => e.agentId === AGENT)).toBe(true);

    const codes = JSON.parse((await runCli(['glossary', 'list', dir, '--agent', AGENT, '--category', 'code', '--json'])).stdout) as typeof all;
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.length).toBeLessThan(all.length);
    expect(codes.every((e) => e.category === 'code')).toBe(true);

    const table = await runCli(['glossary', 'list', dir, '--agent', OTHER_AGENT]);
    expect(table.stdout).toMatch(/^key\s+category\s+aliases\s+value$/m);
    expect(table.stdout).toMatch(/^10 entries$/m);
  });

  it('recalls like SemanticMemory.recall, with relevance', async () => {
    const query = 'which json web token do we sign?';
    const r = await runCli(['glossary', 'recall', dir, '--agent', AGENT, query, '--top-k', '3', '--json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout) as { key: string; relevance: number }[];
    const expected = await withMemories(dir, async (_, g) => g!.recall(query, { agentId: AGENT, topK: 3, withRelevance: true }));
    expect(hits).toEqual(expected);
    expect(hits[0]!.key).toBe('JWT');
    expect(hits[0]!.relevance).toBeGreaterThan(0.5);

    const none = await runCli(['glossary', 'recall', dir, '--agent', OTHER_AGENT, query, '--min-relevance', '0.9']);
    expect(none.stdout).toBe('no matching entries\n');
  });

  it('fails with exit 1 for an unknown glossary store', async () => {
    const r = await runCli(['glossary', 'list', dir, '--agent', AGENT, '--glossary-name', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotFoundError: glossary store .* "nope"/);
  });

  it('rejects bad arguments with exit 2', async () => {
    const cases = [
      ['glossary'],
      ['glossary', 'lsit', dir],
      ['glossary', 'list', dir],
      ['glossary', 'recall', dir, '--agent', AGENT],
      ['glossary', 'recall', dir, '--agent', AGENT, 'jwt', '--top-k', '-1'],
      ['glossary', 'recall', dir, '--agent', AGENT, 'jwt', '--min-relevance', '2'],
      ['glossary', 'recall', dir, '--agent', AGENT, ' '],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.slice(1).join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: srm glossary');
    }
  });
});
