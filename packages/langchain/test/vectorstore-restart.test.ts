/**
 * No silent empty store: every documented construction path of SRMVectorStore finds its
 * documents after a restart, before any write, in a fresh object of this process and in
 * a process other than the writer's. So does a directory shared by a vector store, a
 * LangGraph SRMStore and a glossary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document } from '@langchain/core/documents';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedStorage } from '@srm/core';
import { SRMVectorStore } from '../src/vectorstore.js';
import { CONSTRUCTIONS, RESTART_D, RESTART_DOCS, fillSharedDirectory, openSharedDirectory, restartEmbeddings } from './fixtures/restart-cases.js';
import type { Construction, SharedDirectory } from './fixtures/restart-cases.js';

const WRITER = fileURLToPath(new URL('./fixtures/restart-writer.ts', import.meta.url));
const CHILD_TSCONFIG = fileURLToPath(new URL('./fixtures/tsconfig.child.json', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'srm-restart-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const byContent = (docs: Document[]) => docs.map((d) => d.pageContent).sort();

/**
 * Reopens `dir` by `construction` without storing anything, and checks that every read
 * sees RESTART_DOCS; then deletes one and checks, after another reopen, that it stays deleted.
 */
async function expectDocumentsAfterRestart(construction: Construction, dir: string): Promise<void> {
  const reopened = await construction.open(dir, []);
  const { store } = reopened;
  try {
    expect(await store.count()).toBe(RESTART_DOCS.length);
    const target = RESTART_DOCS[1]!;
    const [best] = await store.similaritySearch(target.pageContent, 1);
    expect(best).toMatchObject({ pageContent: target.pageContent, metadata: target.metadata });
    const withScores = await store.similaritySearchWithScore(target.pageContent, RESTART_DOCS.length);
    expect(byContent(withScores.map(([d]) => d))).toEqual(byContent([...RESTART_DOCS]));
    expect(withScores[0]![1]).toBeCloseTo(1, 5);
    expect((await store.similaritySearch(target.pageContent, 4, { topic: 'infra' })).map((d) => d.metadata.topic)).toEqual(['infra', 'infra']);
    expect(await store.maxMarginalRelevanceSearch(target.pageContent, { k: 2, fetchK: 4 })).toHaveLength(2);
    expect((await store.asRetriever({ k: 3 }).invoke(target.pageContent)).map((d) => d.pageContent)).toContain(target.pageContent);
    expect((await store.getByIds([best!.id!])).map((d) => d.pageContent)).toEqual([target.pageContent]);
    expect((await store.memory())?.config.d).toBe(RESTART_D);
    await store.delete({ ids: [best!.id!] });
  } finally {
    await reopened.close();
  }
  const again = await construction.open(dir, []);
  try {
    expect(await again.store.count()).toBe(RESTART_DOCS.length - 1);
    expect(byContent(await again.store.similaritySearch('anything at all', 10))).toEqual(byContent(RESTART_DOCS.filter((d) => d !== RESTART_DOCS[1])));
  } finally {
    await again.close();
  }
}

async function expectSharedDirectoryAfterRestart(dir: string): Promise<void> {
  const shared: SharedDirectory = await openSharedDirectory(dir);
  try {
    expect(await shared.docs.count()).toBe(RESTART_DOCS.length);
    expect((await shared.docs.similaritySearch(RESTART_DOCS[0]!.pageContent, 1))[0]!.pageContent).toBe(RESTART_DOCS[0]!.pageContent);
    expect(await shared.graph.get(['users', 'alice'], 'coffee')).toMatchObject({ value: { text: 'likes dark roast coffee' } });
    expect((await shared.graph.search(['users'], { query: 'likes dark roast coffee' }))[0]).toMatchObject({ key: 'coffee' });
    expect(await shared.glossary.get('SRM', 'bot')).toMatchObject({ value: 'Semantic Routing Memory' });
  } finally {
    await shared.close();
  }
}

describe('SRMVectorStore after a restart', () => {
  for (const construction of CONSTRUCTIONS) {
    it(`${construction.name}: a fresh object sees every document before any write`, async () => {
      const dir = join(tempDir(), 'store');
      const first = await construction.open(dir, RESTART_DOCS);
      expect(await first.store.count()).toBe(RESTART_DOCS.length);
      await first.close();
      await expectDocumentsAfterRestart(construction, dir);
    });
  }

  it('reads nothing, and creates nothing, before the first write of a new store; the first add creates it', async () => {
    const dir = join(tempDir(), 'not-yet');
    const store = new SRMVectorStore(restartEmbeddings(), { path: dir });
    expect(await store.count()).toBe(0);
    expect(await store.similaritySearch('anything', 3)).toEqual([]);
    expect(await store.maxMarginalRelevanceSearch('anything', { k: 2 })).toEqual([]);
    expect(await store.getByIds(['a'])).toEqual([]);
    await store.delete({ ids: ['a'] });
    expect(await store.memory()).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
    await store.addDocuments([RESTART_DOCS[0]!]);
    expect(await store.count()).toBe(1);
    await store.close();
  });

  it('reads nothing from a storage that holds only other memories', async () => {
    const storage = EmbeddedStorage.inMemory();
    const other = new SRMVectorStore(restartEmbeddings(), { storage, name: 'other' });
    await other.addDocuments([...RESTART_DOCS]);
    const store = new SRMVectorStore(restartEmbeddings(), { storage, name: 'mine' });
    expect(await store.count()).toBe(0);
    expect(await store.similaritySearch('espresso', 2)).toEqual([]);
    expect((await storage.listStores()).srm).toEqual(['other']);
    await other.close();
    await store.close();
    await storage.close();
  });

  it('a directory shared by a vector store, an SRMStore and a glossary keeps all three across a restart', async () => {
    const dir = tempDir();
    const shared = await openSharedDirectory(dir);
    await fillSharedDirectory(shared);
    await shared.close();
    await expectSharedDirectoryAfterRestart(dir);
  });

  it('every construction path, and the shared directory, written by another process', async () => {
    const root = tempDir();
    const child = spawnSync(process.execPath, ['--import', 'tsx', WRITER, root], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, TSX_TSCONFIG_PATH: CHILD_TSCONFIG },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('done\n');
    for (const [i, construction] of CONSTRUCTIONS.entries()) await expectDocumentsAfterRestart(construction, join(root, String(i)));
    await expectSharedDirectoryAfterRestart(join(root, 'shared'));
  });
});
