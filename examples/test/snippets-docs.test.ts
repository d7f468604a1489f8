/**
 * Runs the sources of the code blocks of docs/backends.md, docs/llamaindex.md
 * and docs/reliability.md (examples/src/snippets/{backends,llamaindex,reliability}-*.ts)
 * as child processes against the built packages, and checks what they print.
 * The Qdrant snippets run against `@srm/testkit`'s in-process emulator
 * (it checks every request against Qdrant's OpenAPI description), and also
 * against a real server when QDRANT_URL is set.
 * Build first: `npx turbo run build --filter=@srm/core --filter=@srm/llamaindex`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { QdrantStorage } from '@srm/core';
import type { QdrantEmulator } from '@srm/testkit/qdrant/emulator';
import { startValidatingEmulator } from '@srm/testkit/qdrant/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { built, examplesDir, run } from './run-snippet.js';

const tsxCli = createRequire(join(examplesDir, 'noop.js')).resolve('tsx/cli');
const llamaindexDist = join(examplesDir, '..', 'packages/llamaindex/dist/esm/index.js');
const llamaindexBuilt = existsSync(llamaindexDist);
if (built && !llamaindexBuilt)
  console.warn(
    `skipping the LlamaIndex doc snippets: @srm/llamaindex is not built (missing ${llamaindexDist}); run npx turbo run build --filter=@srm/llamaindex`,
  );

const QDRANT_URL = process.env.QDRANT_URL;
if (!QDRANT_URL) {
  console.warn(
    'QDRANT_URL is not set, so the Qdrant doc snippets run only against the emulator. To run them live too: docker run -p 6333:6333 qdrant/qdrant:v1.19.0, then QDRANT_URL=http://localhost:6333 npx vitest run test/snippets-docs.test.ts',
  );
}

/** Runs `examples/src/snippets/<file>` with tsx, QDRANT_URL set to `qdrantUrl` when given; resolves to its stdout. */
async function snippet(file: string, qdrantUrl?: string): Promise<string> {
  const env = { ...process.env };
  if (qdrantUrl !== undefined) env.QDRANT_URL = qdrantUrl;
  const { stdout } = await run(process.execPath, [tsxCli, join('src/snippets', file)], { cwd: examplesDir, env, timeout: 120_000, maxBuffer: 16 << 20 });
  return stdout;
}

/** Runs `body` against a fresh emulator that checks every exchange against Qdrant's OpenAPI description. */
async function onEmulator(body: (emulator: QdrantEmulator) => Promise<void>): Promise<void> {
  const emulator = await startValidatingEmulator();
  try {
    await body(emulator);
    expect(emulator.violations).toEqual([]);
  } finally {
    await emulator.close();
  }
}

function expectConnectOutput(out: string): void {
  expect(out).toMatch(/^docs: 200 items; nearest: bit bucket \(0\.\d{3}\)/m);
  expect(out).toMatch(/^glossary: JWT = JSON Web Token$/m);
}

function expectMigrateOutput(out: string): void {
  expect(out).toMatch(/^embedded: 400 items, fitted: true$/m);
  expect(out).toMatch(/^migrate:srm:docs 400\/400$/m);
  expect(out).toMatch(/srm: \[\s*\{ name: 'docs', items: 400, stateBytes: [1-9]\d* \}\s*\]/);
  expect(out).toMatch(/glossary: \[\s*\{ name: 'glossary', entries: 1, agents: 1 \}\s*\]/);
  expect(out).toMatch(/^on qdrant: 400 items, fitted: true, nearest "bit bucket"$/m);
  expect(out).toMatch(/^on qdrant: recall finds JWT = JSON Web Token$/m);
}

describe.skipIf(!built || !llamaindexBuilt)('doc snippets: docs/llamaindex.md', () => {
  it.concurrent('llamaindex-vector-store.ts indexes the Jargon File and rebuilds the index from the store alone', async () => {
    const out = await snippet('llamaindex-vector-store.ts');
    expect(out).toMatch(/^indexed 500 documents as (\d+) nodes: bit bucket, /m);
    const nodes = Number(/as (\d+) nodes/.exec(out)![1]);
    expect(nodes).toBeGreaterThanOrEqual(500);
    expect(out).toContain(`reopened with ${nodes} nodes: bit bucket, `);
  });
  it.concurrent('llamaindex-retriever.ts recalls the JWT entry as a node, for its agent only', async () => {
    const out = await snippet('llamaindex-retriever.ts');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('JWT: JSON Web Token. A compact signed token that carries claims; ours expire after 15 minutes.');
    expect(out).toMatch(/^2001 entries for support-bot$/m);
    expect(out).toMatch(/^How long should a JWT stay valid\?\n {2}\d+\.\d\d \(relevance 0\.\d\d\) JWT: JSON Web Token\./m);
    expect(out).toMatch(/^Which Domain Name System server answers\?\n {2}\d+\.\d\d \(relevance 0\.\d\d\) DNS: Domain Name System/m);
    expect(out).not.toContain('Jet Wash Turbine');
    for (const r of out.matchAll(/relevance (\d\.\d\d)/g)) expect(Number(r[1])).toBeGreaterThanOrEqual(0.2);
  });
  it.concurrent('llamaindex-memory-blocks.ts puts the matching glossary entry before the conversation', async () => {
    const out = await snippet('llamaindex-memory-blocks.ts');
    expect(out).toBe(
      [
        '--- memory',
        'Glossary entries relevant to the conversation:',
        '- JWT: JSON Web Token. Our API signs JWTs with RS256; clients send them in the Authorization header.',
        '--- user',
        'How long may a JWT for the billing API live?',
        '',
      ].join('\n'),
    );
  });
});

describe.skipIf(!built)('doc snippets: docs/glossary.md', () => {
  it.concurrent('glossary-intro.ts memorizes, recalls through an alias and forgets in any case', async () => {
    const out = await snippet('glossary-intro.ts');
    expect(out).toMatch(/^recall: PII \(relevance 0\.\d\d\)$/m);
    expect(out).toMatch(/^after forget: 0 entries$/m);
  });
});

describe.skipIf(!built)('doc snippets: docs/reliability.md', () => {
  it.concurrent('reliability-durability.ts writes with durability "power" and reads it back with a default open', async () => {
    const out = await snippet('reliability-durability.ts');
    expect(out).toMatch(/^wrote 200 items and 1 glossary entry with durability "power"$/m);
    expect(out).toMatch(/^reopened: 200 items, nearest "bit bucket"; verify: \{"ok":true,"items":200,"problems":\[\]\}$/m);
  });
});

describe.skipIf(!built)('doc snippets: docs/backends.md on the Qdrant emulator', () => {
  it.concurrent('backends-qdrant.ts connects, opens both memories under the "myapp" prefix, and uses them', () =>
    onEmulator(async (emulator) => {
      expectConnectOutput(await snippet('backends-qdrant.ts', emulator.url));
      expect(emulator.collectionNames()).toEqual(['myapp-glossary-glossary', 'myapp-srm-docs', 'myapp-srmstate']);
      expect(emulator.storedPoints('myapp-srm-docs')).toHaveLength(200);
    }),
  );
  it.concurrent('backends-migrate.ts copies an embedded directory to Qdrant and opens it there', () =>
    onEmulator(async (emulator) => {
      expectMigrateOutput(await snippet('backends-migrate.ts', emulator.url));
      expect(emulator.collectionNames()).toEqual(['myapp-glossary-glossary', 'myapp-srm-docs', 'myapp-srmstate']);
      expect(emulator.storedPoints('myapp-srm-docs')).toHaveLength(400);
    }),
  );
});

describe.skipIf(!built || !QDRANT_URL)('doc snippets: docs/backends.md on the Qdrant server at QDRANT_URL', () => {
  const connect = () =>
    QdrantStorage.connect({ url: QDRANT_URL!, ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}), collectionPrefix: 'myapp' });
  /** Whether the server had no "myapp" stores before this test, so that the snippet's stores may be dropped after it. */
  let ours = false;
  beforeEach(async () => {
    ours = false;
    const storage = await connect();
    const before = await storage.listStores();
    await storage.close();
    // The snippets write under the prefix "myapp" of the docs; never into (or drop) data that was there before.
    expect(before, `the server at ${QDRANT_URL} already has "myapp" stores; the doc snippets would write into them`).toEqual({ srm: [], glossary: [] });
    ours = true;
  });
  afterEach(async () => {
    if (!ours) return;
    const storage = await connect();
    await storage.dropStores({ srm: ['docs'], glossary: ['glossary'] });
    await storage.close();
  });

  // One at a time: both write the store "docs" under the prefix "myapp".
  it('backends-qdrant.ts connects and uses both memories', async () => {
    expectConnectOutput(await snippet('backends-qdrant.ts', QDRANT_URL));
  });
  it('backends-migrate.ts copies an embedded directory and opens it on the server', async () => {
    expectMigrateOutput(await snippet('backends-migrate.ts', QDRANT_URL));
  });
});
