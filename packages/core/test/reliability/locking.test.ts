/**
 * One process per memory directory: a second process (or a second open in
 * this process) is refused with a StorageLockedError that names the holder,
 * and never changes the files; a holder killed with SIGKILL leaves a stale
 * lock that the next opener takes over. Both memories can share one directory
 * inside one process through one EmbeddedStorage (the coordinated way).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageLockedError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { expectSrmInvariants, TempDirs } from '@srm/testkit/reliability/helpers';

const HOLDER = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

function start(
  mode: 'hold' | 'race',
  dir: string,
): { child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string>; exited: Promise<void>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, mode, dir], { cwd: PACKAGE_DIR });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), exited, stderr: () => err };
}

async function holdInChild(dir: string) {
  const h = start('hold', dir);
  const first = await h.lines.next();
  expect(first.value, `holder did not start: ${h.stderr()}`).toBe('ready');
  return h;
}

describe('a second process on the same memory directory', () => {
  it('is refused with StorageLockedError naming the holder, for both memories, and changes nothing', async () => {
    const dir = dirs.make('srm-lock-');
    const h = await holdInChild(dir);
    try {
      const lockBefore = readFileSync(join(dir, 'LOCK'), 'utf8');
      await expect(SemanticRoutingMemory.open({ d: 4, path: dir })).rejects.toThrow(StorageLockedError);
      await expect(SemanticRoutingMemory.open({ d: 4, path: dir })).rejects.toThrow(`pid ${h.child.pid}`);
      await expect(SemanticMemory.open({ path: dir })).rejects.toThrow(StorageLockedError);
      await expect(EmbeddedStorage.open(dir)).rejects.toThrow(StorageLockedError);
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(lockBefore);
    } finally {
      h.child.stdin.write('close\n');
      await h.exited;
    }
    expect(h.child.exitCode).toBe(0);
    // Once the holder has closed, the directory opens here with the holder's writes.
    const storage = await EmbeddedStorage.open(dir);
    const srm = await SemanticRoutingMemory.open({ d: 4, storage });
    const glossary = await SemanticMemory.open({ storage });
    try {
      const items = await expectSrmInvariants(srm);
      expect(items.get('held-item')).toEqual({ pid: h.child.pid });
      expect((await glossary.get('lock', 'holder'))?.value).toBe('one process per memory directory');
    } finally {
      await srm.close();
      await glossary.close();
      await storage.close();
    }
  });

  it('takes over the lock of a holder killed with SIGKILL, with every acknowledged write', async () => {
    const dir = dirs.make('srm-lock-stale-');
    const h = await holdInChild(dir);
    h.child.kill('SIGKILL');
    await h.exited;
    const stale = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(h.child.pid); // SIGKILL skipped the exit hook: the lock is stale, not gone
    const srm = await SemanticRoutingMemory.open({ d: 4, path: dir });
    try {
      expect((await expectSrmInvariants(srm)).get('held-item')).toEqual({ pid: h.child.pid });
      expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    } finally {
      await srm.close();
    }
  });

  it('processes racing for one directory: each either holds it alone or gets StorageLockedError; nothing is lost', async () => {
    const dir = dirs.make('srm-lock-race-');
    const racers = Array.from({ length: 5 }, () => start('race', dir));
    const results = await Promise.all(
      racers.map(async (r) => {
        const line = await r.lines.next();
        await r.exited;
        expect(line.value, `racer printed nothing; stderr: ${r.stderr()}`).toBeTypeOf('string');
        return JSON.parse(line.value as string) as { ok: boolean; pid?: number; name?: string; code?: string };
      }),
    );
    for (const r of results) if (!r.ok) expect(r).toMatchObject({ name: 'StorageLockedError', code: 'SRM_STORAGE_LOCKED' });
    const winners = results.filter((r) => r.ok);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const srm = await SemanticRoutingMemory.open({ d: 4, path: dir });
    try {
      const items = await expectSrmInvariants(srm);
      expect([...items.keys()].sort()).toEqual(winners.map((w) => `child-${w.pid}`).sort());
    } finally {
      await srm.close();
    }
  });
});

describe('one process, one directory', () => {
  it('a second open of the same path is refused; sharing one EmbeddedStorage lets both memories use it', async () => {
    const dir = dirs.make('srm-lock-inproc-');
    const srm = await SemanticRoutingMemory.open({ d: 4, path: dir });
    try {
      await expect(SemanticRoutingMemory.open({ d: 4, path: dir })).rejects.toThrow(StorageLockedError);
      await expect(SemanticMemory.open({ path: dir })).rejects.toThrow(/already open in this process/);
      await srm.add([[1, 0, 0, 0]], { ids: ['a'] });
    } finally {
      await srm.close();
    }
    const storage = await EmbeddedStorage.open(dir);
    try {
      const dense = await SemanticRoutingMemory.open({ d: 4, storage });
      const glossary = await SemanticMemory.open({ storage });
      await glossary.memorize({ agentId: 'x', key: 'k', value: 'v' });
      expect(await dense.has('a')).toBe(true);
      await dense.close();
      await glossary.close();
      // The memories did not own the storage: it is still open for its owner.
      expect(storage.closed).toBe(false);
    } finally {
      await storage.close();
    }
  });
});
