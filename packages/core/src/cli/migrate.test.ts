/**
 * `srm migrate --to qdrant`, in-process, against the Qdrant emulator of the
 * storage tests (a stand-in that checks every request against Qdrant's
 * OpenAPI description; see `@srm/testkit/qdrant`). The same command
 * against a real server is in `migrate.int.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../embeddings/glove.js';
import { SemanticMemory } from '../glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../srm/memory.js';
import { QdrantStorage } from '../storage/qdrant/qdrant-storage.js';
import { startValidatingEmulator } from '@srm/testkit/qdrant/fixtures';
import type { QdrantEmulator } from '@srm/testkit/qdrant/emulator';
import { AGENT, buildMemoryDir, removeTemps, runCli, tempDir, withMemories } from '../../test/helpers/cli.js';

let emu: QdrantEmulator;
let srmOnly: string;

beforeAll(async () => {
  emu = await startValidatingEmulator();
  srmOnly = tempDir();
  await buildMemoryDir(srmOnly, { glossary: false, items: 1200, rerank: 'int8' });
});
afterAll(async () => {
  await emu?.close();
  removeTemps();
});

describe('srm migrate', () => {
  it('copies the SRM store to Qdrant, where the memory reopens and answers the same', async () => {
    const r = await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^srm\s+default\s+1200 items \(state \d+ bytes\)$/m);
    expect(r.stdout).toContain('(collection prefix "cli1"); counts verified');
    expect(emu.violations).toEqual([]);

    const glove = await GloveEmbedder.load();
    const q = glove.embed('a quiet river in the mountains');
    const local = await withMemories(srmOnly, async (srm) => ({ hits: await srm.query(q, { k: 10 }), config: srm.config }));
    const storage = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'cli1' });
    try {
      const remote = await SemanticRoutingMemory.open({ storage, d: 100 });
      expect(remote.size).toBe(1200);
      expect(remote.config).toEqual(local.config);
      const hits = await remote.query(q, { k: 10 });
      expect(hits.map((h) => h.id)).toEqual(local.hits.map((h) => h.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(local.hits[i]!.score, 5));
      await remote.close();
    } finally {
      await storage.close();
    }
  });

  it('refuses a destination that holds data unless --overwrite, and draws progress on a terminal', async () => {
    expect((await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli2'])).code).toBe(0);
    const again = await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/InvalidInputError: .*destination SRM store "default" .* is not empty; pass overwrite: true/);
    const forced = await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli2', '--overwrite', '--batch-size', '500'], {
      tty: true,
    });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/migrate:srm:default 1200\/1200 \(100%\)\n$/);
  });

  it('copies the glossary too, scoped per agent', async () => {
    const dir = tempDir();
    await buildMemoryDir(dir, { items: 1000, rerank: 'int8' });
    const r = await runCli(['migrate', dir, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^glossary\s+glossary\s+61 entries of 2 agent\(s\)$/m);
    const local = await withMemories(dir, async (_, g) => g!.recall('json web token', { agentId: AGENT, topK: 3 }));
    const storage = await QdrantStorage.connect({ url: emu.url, collectionPrefix: 'cli3' });
    try {
      const remote = await SemanticMemory.open({ storage });
      // Same entries in the same order; Qdrant scores in float32, the embedded engine in float64.
      const hits = await remote.recall('json web token', { agentId: AGENT, topK: 3 });
      expect(hits.map(({ score: _, ...entry }) => entry)).toEqual(local.map(({ score: _, ...entry }) => entry));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(local[i]!.score, 4));
      await remote.close();
    } finally {
      await storage.close();
    }
  });

  it('fails with exit 1 and a StorageUnavailableError when Qdrant cannot be reached', async () => {
    const r = await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/StorageUnavailableError: storage operation "connect"/);
  });

  it('gives up on a server that never answers after --retries + 1 attempts of --timeout ms each', async () => {
    const connects = () => emu.requests.filter((r) => r.operationId === 'get_collections').length;
    const before = connects();
    emu.injectFault((r) => r.operationId === 'get_collections', { kind: 'hang' }, 10);
    try {
      const r = await runCli(['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--prefix', 'cli4', '--timeout', '200', '--retries', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/StorageUnavailableError: storage operation "connect" failed: request timed out after 2 attempts/);
      expect(connects() - before).toBe(2);
    } finally {
      emu.clearFaults();
    }
  });

  it('rejects bad arguments with exit 2', async () => {
    const cases = [
      ['migrate', srmOnly, '--url', emu.url],
      ['migrate', srmOnly, '--to', 'lancedb', '--url', emu.url],
      ['migrate', srmOnly, '--to', 'qdrant'],
      ['migrate', srmOnly, '--to', 'qdrant', '--url', 'localhost:6333'],
      ['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--batch-size', 'many'],
      ['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--timeout', '5'],
      ['migrate', srmOnly, '--to', 'qdrant', '--url', emu.url, '--retries', '11'],
      ['migrate', '--to', 'qdrant', '--url', emu.url],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.slice(2).join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: srm migrate');
    }
  });
});
