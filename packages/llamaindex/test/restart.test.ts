/**
 * Every documented way to build an SRMVectorStore on disk finds its nodes
 * after a restart: a child process indexes the dictionary through
 * `VectorStoreIndex.fromDocuments` + `storageContextFromDefaults`, then this
 * process (and, for one path, another child) reopens the store the same way
 * and gets the same answers through `VectorStoreIndex.fromVectorStore`. The
 * embedding model is a user's own `BaseEmbedding` that declares no dimension:
 * the store learns `d` from the first vectors.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModalityType, Settings, storageContextFromDefaults, TextNode, VectorStoreIndex, VectorStoreQueryMode } from 'llamaindex';
import { DimensionMismatchError, EmbeddedStorage, InvalidConfigError, NotFoundError, SemanticRoutingMemory, StorageLockedError } from '@srm/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SRMVectorStore } from '../src/index.js';
import { dictionaryDocuments, WordHashEmbedding } from './fixtures.js';
import { answersOf, CONSTRUCTIONS, type Construction } from './child/restart-shared.js';

const CHILD = fileURLToPath(new URL('./child/restart-child.ts', import.meta.url));
const CHILD_TSCONFIG = fileURLToPath(new URL('./child/tsconfig.json', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** A child compiles the sources under tsx before it starts: allow for a busy machine. */
const CHILD_TIMEOUT = 180_000;

interface ChildReport {
  count: number;
  d: number;
  answers: { ids: string[]; scores: number[] }[];
}

/** Runs restart-child.ts in its own process and returns what it printed. */
function child(mode: 'index' | 'answer', dir: string, how: Construction): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir, how], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, TSX_TSCONFIG_PATH: CHILD_TSCONFIG },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`child ${mode} ${how} exited ${code}; stderr: ${err}`));
      else resolve(JSON.parse(line) as ChildReport);
    });
  });
}

/** The store as `how` builds it, in this process (`memory`: reopened without d, as an app would). */
async function build(how: Construction, dir: string, storage: EmbeddedStorage | undefined): Promise<SRMVectorStore> {
  if (how === 'memory') return new SRMVectorStore({ memory: await SemanticRoutingMemory.open({ path: dir }) });
  const where = storage ? { storage, name: 'dictionary' } : { path: dir };
  return how.startsWith('open') ? SRMVectorStore.open(where) : new SRMVectorStore(where);
}

let dir: string;
beforeAll(() => {
  Settings.embedModel = new WordHashEmbedding();
});
afterAll(() => {
  Settings.embedModel = undefined as never;
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-li-restart-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('after a restart, every construction path finds the nodes', () => {
  for (const how of CONSTRUCTIONS) {
    it(
      `${how}: indexed in another process, the same answers here, and re-indexing adds no node`,
      async () => {
        const written = await child('index', dir, how);
        expect(written.d).toBe(WordHashEmbedding.dimensions);
        expect(written.count).toBeGreaterThanOrEqual(dictionaryDocuments().length);

        const storage = how.endsWith('storage') ? await EmbeddedStorage.open(dir) : undefined;
        const store = await build(how, dir, storage);
        try {
          // The first use is a read: it must open the stored memory, not answer from an empty one.
          const index = await VectorStoreIndex.fromVectorStore(store);
          const answers = await answersOf(index);
          expect(answers.map((a) => a.ids)).toEqual(written.answers.map((a) => a.ids));
          answers.forEach((a, i) => a.scores.forEach((s, j) => expect(s).toBeCloseTo(written.answers[i]!.scores[j]!, 5)));
          expect(store.memory.size).toBe(written.count);

          // LlamaIndex's default UPSERTS strategy with a fresh (forgotten) document store: no duplicates.
          const storageContext = await storageContextFromDefaults({ vectorStores: { [ModalityType.TEXT]: store } });
          await VectorStoreIndex.fromDocuments(dictionaryDocuments(), { storageContext });
          expect(store.memory.size).toBe(written.count);
        } finally {
          await store.close();
          // An injected memory is the app's to close.
          if (how === 'memory') await store.client()?.close();
          await storage?.close();
        }
      },
      CHILD_TIMEOUT,
    );
  }

  it(
    'open-path: a second process reading the store gets the answers the first one wrote',
    async () => {
      const written = await child('index', dir, 'open-path');
      const read = await child('answer', dir, 'new-path');
      expect(read).toEqual(written);
    },
    2 * CHILD_TIMEOUT,
  );
});

describe('before the first write', () => {
  it("reads return nothing and create nothing; the first add creates the memory at its vectors' d", async () => {
    const store = new SRMVectorStore({ path: dir });
    const q = { queryEmbedding: [1, 0, 0, 0], similarityTopK: 3, mode: VectorStoreQueryMode.DEFAULT };
    expect(await store.query(q)).toEqual({ nodes: [], similarities: [], ids: [] });
    await store.delete('some-document');
    expect(store.client()).toBeUndefined();
    expect(() => store.memory).toThrow(NotFoundError);
    const node = new TextNode({ text: 'four numbers' });
    node.embedding = [0.1, 0.2, 0.3, 0.4];
    await store.add([node]);
    expect(store.memory.config.d).toBe(4);
    expect((await store.query(q)).ids).toEqual([node.id_]);
    await store.close();
    const memory = await SemanticRoutingMemory.open({ path: dir });
    expect(memory.config.d).toBe(4);
    expect(memory.size).toBe(1);
    await memory.close();
  });

  it('open() refuses an explicit embedModel whose declared dimension the stored memory cannot hold, and releases the directory', async () => {
    const memory = await SemanticRoutingMemory.open({ path: dir, d: 4 });
    await memory.close();
    const declared = new WordHashEmbedding();
    declared.embedInfo = { dimensions: 7 };
    await expect(SRMVectorStore.open({ path: dir, embedModel: declared })).rejects.toThrow(DimensionMismatchError);
    const store = await SRMVectorStore.open({ path: dir, embedModel: new WordHashEmbedding() });
    expect(store.memory.config.d).toBe(4);
    await store.close();
  });

  it('open() locks the directory at once, and releases it on close', async () => {
    const store = await SRMVectorStore.open({ path: dir });
    await expect(SemanticRoutingMemory.open({ path: dir, d: 4 })).rejects.toThrow(StorageLockedError);
    await store.close();
    const memory = await SemanticRoutingMemory.open({ path: dir, d: 4 });
    await memory.close();
  });

  it('a bad first batch fixes no d: the next good batch still chooses it', async () => {
    const store = new SRMVectorStore({ path: dir });
    const a = new TextNode({ text: 'a' });
    a.embedding = [0.1, 0.2, 0.3];
    const b = new TextNode({ text: 'b' });
    b.embedding = [0.1, 0.2];
    await expect(store.add([a, b])).rejects.toThrow(/dimension/);
    const c = new TextNode({ text: 'c' });
    c.embedding = [0.1, Number.NaN];
    await expect(store.add([c])).rejects.toThrow(/finite/);
    expect(store.client()).toBeUndefined();
    b.embedding = [0.5, 0.5];
    await store.add([b]);
    expect(store.memory.config.d).toBe(2);
    await store.close();
  });

  it('checks the srm options at construction, before d is known, and leaves nothing open', async () => {
    expect(() => new SRMVectorStore({ srm: { K: 0 } })).toThrow(InvalidConfigError);
    expect(() => new SRMVectorStore({ path: dir, srm: { rerank: 'nope' as never } })).toThrow(InvalidConfigError);
    await expect(SRMVectorStore.open({ path: dir, srm: { m: 0 } })).rejects.toThrow(InvalidConfigError);
    // pqSubvectors depends on d: accepted now, checked against the real d at the first add.
    const store = new SRMVectorStore({ path: dir, srm: { pqSubvectors: 4 } });
    const node = new TextNode({ text: 'three' });
    node.embedding = [0.1, 0.2, 0.3];
    await expect(store.add([node])).rejects.toThrow(InvalidConfigError);
    await store.close();
    const memory = await SemanticRoutingMemory.open({ path: dir, d: 8, pqSubvectors: 4 });
    await memory.close();
  });

  it('rejects path together with storage, and is closed after close()', async () => {
    const storage = await EmbeddedStorage.open(dir);
    expect(() => new SRMVectorStore({ path: dir, storage })).toThrow(InvalidConfigError);
    await storage.close();
    const store = new SRMVectorStore({ path: dir });
    await store.close();
    await expect(store.query({ queryEmbedding: [1], similarityTopK: 1, mode: VectorStoreQueryMode.DEFAULT })).rejects.toThrow(/closed/);
  });
});
