/**
 * The default backend is loaded by the first memory that needs it, not by the memories' modules:
 * a process whose memories all run on Qdrant never loads the embedded backend and better-sqlite3.
 * Checked in a fresh process, where `require.cache` lists every CommonJS file loaded (better-sqlite3
 * is CommonJS; only the embedded backend imports it).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useValidatingEmulator } from '@srm/testkit/qdrant/fixtures';

const emulator = useValidatingEmulator();
const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/** Runs both memories on Qdrant, reports whether better-sqlite3 was loaded, then opens a default memory and reports again. */
const script = (url: string) => `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const sqliteLoaded = () => Object.keys(require.cache).some((f) => f.includes('better-sqlite3'));
const { SemanticRoutingMemory } = await import('./src/srm/memory.ts');
const { SemanticMemory } = await import('./src/glossary/semantic-memory.ts');
const { QdrantStorage } = await import('./src/storage/qdrant/qdrant-storage.ts');
const qdrant = await QdrantStorage.connect({ url: ${JSON.stringify(url)}, collectionPrefix: 'lazy', retries: 0 });
const dense = await SemanticRoutingMemory.open({ storage: qdrant, d: 3 });
await dense.add([Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0)], { ids: ['a', 'b'] });
const hits = await dense.query(Float32Array.of(1, 0.1, 0), { k: 1 });
const glossary = await SemanticMemory.open({ storage: qdrant });
await glossary.memorize({ key: 'JWT', value: 'JSON Web Token', agentId: 'x' });
const recalled = await glossary.recall('json web token', { agentId: 'x' });
await dense.close();
await glossary.close();
await qdrant.close();
const onQdrant = sqliteLoaded();
const byDefault = await SemanticRoutingMemory.open({ d: 3 });
await byDefault.close();
console.log(JSON.stringify({ hit: hits[0]?.id, recalled: recalled[0]?.key, onQdrant, afterDefault: sqliteLoaded() }));
`;

describe('the default backend', () => {
  it('is not loaded by memories on Qdrant, and is loaded by the first memory without a backend', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(emulator().url)], {
      cwd: packageDir,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({ hit: 'a', recalled: 'JWT', onQdrant: false, afterDefault: true });
  });
});
