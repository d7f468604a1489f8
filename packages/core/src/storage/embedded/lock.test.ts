/**
 * The directory lock between real processes: children run
 * test/fixtures/embedded/lock-child.mjs under `node --import tsx`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageLockedError } from '../../errors.js';
import { EmbeddedStorage } from './embedded-storage.js';

const CHILD = fileURLToPath(new URL('../../../test/fixtures/embedded/lock-child.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));

interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  exited: Promise<number | null>;
}

function startChild(...args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: PACKAGE_DIR });
  children.push(proc);
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return {
    proc,
    exited,
    async nextLine() {
      const next = await lines.next();
      if (next.done) throw new Error(`child ${proc.pid} ended without output; stderr: ${stderr}`);
      return next.value as string;
    },
  };
}

/** Runs `lock-child.mjs try <dir>` and returns what it printed. */
async function childTriesToOpen(path: string): Promise<{ ok: boolean; name?: string; code?: string; message?: string }> {
  const child = startChild('try', path);
  const line = await child.nextLine();
  await child.exited;
  return JSON.parse(line) as { ok: boolean };
}

let dir: string;
let children: ChildProcessWithoutNullStreams[] = [];
const opened: EmbeddedStorage[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-lock-'));
});

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<EmbeddedStorage> {
  const s = await EmbeddedStorage.open(dir);
  opened.push(s);
  return s;
}

describe('directory lock between processes', () => {
  it('refuses this process while another process holds the directory, naming its pid', async () => {
    const child = startChild('hold', dir);
    expect(await child.nextLine()).toBe('ready');
    const err = await EmbeddedStorage.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageLockedError);
    expect((err as Error).message).toContain(`held by pid ${child.proc.pid}`);
    child.proc.stdin.write('close\n');
    expect(await child.exited).toBe(0);
  });

  it('refuses another process while this process holds the directory', async () => {
    await open();
    const result = await childTriesToOpen(dir);
    expect(result).toMatchObject({ ok: false, name: 'StorageLockedError', code: 'SRM_STORAGE_LOCKED' });
    expect(result.message).toContain(`held by pid ${process.pid}`);
  });

  it('lets the next process in once the holder closes', async () => {
    const child = startChild('hold', dir);
    expect(await child.nextLine()).toBe('ready');
    child.proc.stdin.write('close\n');
    expect(await child.exited).toBe(0);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    const store = await (await open()).openSrmStore({ name: 'held', dim: 2, metric: 'dot' });
    expect(await store.fetchIds(['from-child'], { payload: true })).toEqual([{ slot: 0, payload: { pid: child.proc.pid } }]);
  });

  it('releases the lock when the holder exits without closing', async () => {
    const child = startChild('hold', dir);
    expect(await child.nextLine()).toBe('ready');
    child.proc.stdin.write('exit\n');
    expect(await child.exited).toBe(0);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    await expect(open()).resolves.toBeInstanceOf(EmbeddedStorage);
  });

  it('takes over the lock of a holder killed with SIGKILL, keeping its acknowledged writes', async () => {
    const child = startChild('hold', dir);
    expect(await child.nextLine()).toBe('ready');
    child.proc.kill('SIGKILL');
    await child.exited;
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: child.proc.pid });
    const storage = await open();
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid });
    const store = await storage.openSrmStore({ name: 'held', dim: 2, metric: 'dot' });
    expect(await store.count()).toBe(1);
  });
});

describe('LOCK file contents', () => {
  const writeLock = (owner: object | string) => writeFileSync(join(dir, 'LOCK'), typeof owner === 'string' ? owner : JSON.stringify(owner));

  it('respects a lock written on another host', async () => {
    writeLock({ pid: 1, hostname: `${hostname()}-elsewhere`, startMs: Date.now(), token: 'x' });
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/held by pid 1 on host/);
  });

  it('takes over an empty lock left by a holder killed before it wrote its pid', async () => {
    writeLock('');
    await expect(open()).resolves.toBeInstanceOf(EmbeddedStorage);
  });

  it('refuses a lock it cannot read, saying which file to check', async () => {
    writeLock('garbage that is not a lock');
    await expect(EmbeddedStorage.open(dir)).rejects.toThrow(/LOCK exists but cannot be read as a lock/);
  });

  it.skipIf(process.platform !== 'linux')('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    // Our parent process is alive but started long before this fake owner claims to have.
    writeLock({ pid: process.ppid, hostname: hostname(), startMs: Date.now() + 3_600_000, token: 'x' });
    await expect(open()).resolves.toBeInstanceOf(EmbeddedStorage);
  });
});
