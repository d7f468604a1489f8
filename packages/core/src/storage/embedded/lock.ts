/**
 * The directory lock of an embedded memory: one process at a time.
 *
 * `<dir>/LOCK` is created with `O_CREAT | O_EXCL` and holds the owner's pid,
 * host name and start time. Another process that finds it is refused with a
 * {@link StorageLockedError} naming that pid, unless the owner is gone (a
 * stale lock, e.g. after `kill -9`), in which case the lock is taken over.
 * The lock is released by {@link DirectoryLock.release} and, as a fallback,
 * when the process exits normally.
 *
 * Liveness is checked only on the same host (`kill(pid, 0)`, plus the
 * process start time from `/proc` on Linux so that a recycled pid is not
 * mistaken for the owner). A lock written by another host (a shared network
 * directory) is always respected.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StorageLockedError, StorageUnavailableError } from '../../errors.js';

/** File name of the lock inside a memory directory. */
export const LOCK_FILE = 'LOCK';

/** What a LOCK file holds (JSON). */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** Process start, milliseconds since the epoch. */
  startMs: number;
  /** Random token, so that a process only ever deletes its own lock. */
  token: string;
}

/** A held directory lock. */
export interface DirectoryLock {
  /** The real path of the locked directory. */
  readonly dir: string;
  readonly owner: LockOwner;
  /** Deletes the LOCK file if it is still ours. Idempotent. */
  release(): void;
}

/** Locks held by this process, by real directory path; released on process exit. */
const held = new Map<string, DirectoryLock>();
let exitHookInstalled = false;

/** Two readings of one process's start time differ by less than this (the boot time in `/proc/stat` moves with clock adjustments). */
const START_TOLERANCE_MS = 5_000;

/**
 * Takes the lock of `dir` (which must exist) for this process.
 * @throws StorageLockedError when another live process holds it, or this process already does.
 */
export function acquireDirectoryLock(dir: string): DirectoryLock {
  const real = realpathSync(dir);
  const mine = held.get(real);
  if (mine) {
    throw new StorageLockedError(
      real,
      `it is already open in this process (pid ${process.pid}); share the open EmbeddedStorage instead of opening the directory twice`,
    );
  }
  const file = join(real, LOCK_FILE);
  const startMs = linuxProcessStartMs(process.pid) ?? Math.round(performance.timeOrigin);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startMs, token: randomBytes(12).toString('hex') };
  const body = JSON.stringify(owner) + '\n';

  // A few rounds: a stale lock taken over may be raced by another process doing the same.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, body)) {
      const lock = makeLock(real, file, owner);
      held.set(real, lock);
      installExitHook();
      return lock;
    }
    const text = readLockText(file);
    if (text === undefined) continue; // released between our create and our read
    const current = parseOwner(text);
    if (current && isAlive(current)) {
      throw new StorageLockedError(real, describeOwner(current, file));
    }
    if (!current && text.trim() !== '') {
      throw new StorageLockedError(
        real,
        `${file} exists but cannot be read as a lock (${JSON.stringify(text.slice(0, 80))}); delete it if no process uses the directory`,
      );
    }
    takeOverStale(file, text);
  }
  throw new StorageLockedError(real, `could not take ${file}: other processes keep taking it over`);
}

/** Whether this process holds the lock of `dir` (a real path). */
export function holdsDirectoryLock(dir: string): boolean {
  return held.has(dir);
}

function tryCreate(file: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StorageUnavailableError('lock', file, (err as Error).message, { cause: err });
  }
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLockText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageUnavailableError('lock', file, (err as Error).message, { cause: err });
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.hostname === 'string' && typeof o.startMs === 'number' && typeof o.token === 'string') {
      return o as LockOwner;
    }
  } catch {
    // an owner killed between create and write leaves an empty file: stale
  }
  return undefined;
}

/**
 * Moves the stale lock aside atomically. Exactly one contender's rename wins;
 * if what it moved is not the stale lock it inspected (a racer re-created
 * LOCK in between), it is put back with `link`, which never overwrites.
 */
function takeOverStale(file: string, staleText: string): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StorageUnavailableError('lock', file, (err as Error).message, { cause: err });
  }
  const moved = readLockText(aside);
  if (moved !== staleText) {
    try {
      linkSync(aside, file);
    } catch {
      // LOCK was re-created meanwhile: the next round reads it
    }
  }
  unlinkQuiet(aside);
}

/** Same host and the pid runs a process that started when the owner did. */
function isAlive(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = linuxProcessStartMs(owner.pid);
  return started === undefined || Math.abs(started - owner.startMs) < START_TOLERANCE_MS;
}

/** Start time of a process from `/proc` (Linux), or undefined where that is unavailable. */
function linuxProcessStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces; fields after the closing paren are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 overall
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(startTicks)) return undefined;
    const CLK_TCK = 100; // USER_HZ is 100 on every Linux ABI Node supports
    return Number(btime[1]) * 1000 + (startTicks * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

function describeOwner(owner: LockOwner, file: string): string {
  const since = new Date(owner.startMs).toISOString();
  const where = owner.hostname === hostname() ? '' : ` on host "${owner.hostname}"`;
  return `held by pid ${owner.pid}${where} (process started ${since}); close that memory or stop the process. If it is gone and the lock remains, delete ${file}`;
}

function makeLock(dir: string, file: string, owner: LockOwner): DirectoryLock {
  let released = false;
  return {
    dir,
    owner,
    release() {
      if (released) return;
      released = true;
      held.delete(dir);
      const text = readLockText(file);
      if (text !== undefined && parseOwner(text)?.token === owner.token) unlinkQuiet(file);
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot wait. SIGKILL skips this; the next opener takes the stale lock over.
  process.on('exit', () => {
    for (const lock of [...held.values()]) {
      try {
        lock.release();
      } catch {
        // nothing more can be done while exiting
      }
    }
  });
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
