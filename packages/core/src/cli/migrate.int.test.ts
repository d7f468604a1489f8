/**
 * `srm migrate --to qdrant` against a real Qdrant server (QDRANT_URL); the
 * emulated run is in `migrate.test.ts`. Skipped, with the reason printed,
 * when no server is configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GloveEmbedder } from '../embeddings/glove.js';
import { SemanticRoutingMemory } from '../srm/memory.js';
import { announceSkip, connectLive, dropPrefix, QDRANT_API_KEY, QDRANT_URL, runPrefix } from '@srm/testkit/qdrant/live';
import { buildMemoryDir, removeTemps, runCli, tempDir, withMemories } from '../../test/helpers/cli.js';

announceSkip('cli/migrate.int.test.ts');
const prefix = runPrefix('cli');

describe.skipIf(!QDRANT_URL)('srm migrate (live Qdrant)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await buildMemoryDir(dir, { glossary: false, items: 1000, rerank: 'int8' });
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    removeTemps();
  });

  it('copies the memory, which reopens on Qdrant and answers the same', async () => {
    const r = await runCli(['migrate', dir, '--to', 'qdrant', '--url', QDRANT_URL!, '--prefix', prefix], { env: QDRANT_API_KEY ? { QDRANT_API_KEY } : {} });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const q = (await GloveEmbedder.load()).embed('a quiet river in the mountains');
    const local = await withMemories(dir, (srm) => srm.query(q, { k: 10 }));
    const storage = await connectLive(prefix);
    try {
      const remote = await SemanticRoutingMemory.open({ storage, d: 100 });
      expect(remote.size).toBe(1000);
      expect((await remote.query(q, { k: 10 })).map((h) => h.id)).toEqual(local.map((h) => h.id));
      await remote.close();
    } finally {
      await storage.close();
    }
  });
});
