/**
 * Where `srm export` writes. A regular file is written beside its real
 * location and renamed over it at the end, so a failed export never leaves
 * half a file under the name, and a symbolic link stays a link (the file it
 * points at is replaced, not the link). A device, pipe or socket (`/dev/stdout`,
 * a FIFO) is written in place: it cannot be renamed over, and replacing it
 * would break it. `-` is standard output.
 */
import { chmod, lstat, open, readlink, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import type { CliIo } from './io.js';

/** An open export destination: append text, then commit (or abort on failure). */
export interface ExportSink {
  /** What the summary line calls the destination. */
  readonly name: string;
  /** Whether the data goes to standard output (the summary then goes to stderr). */
  readonly toStdout: boolean;
  write(text: string): Promise<void>;
  /** Makes the written data final (flush, fsync, rename). */
  commit(): Promise<void>;
  /** Drops what was written, when that is possible (a temporary file). */
  abort(): Promise<void>;
}

/** Symbolic links followed before giving up (Linux's own limit is 40). */
const MAX_LINKS = 40;

async function statOrUndefined(path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return follow ? await stat(path) : await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The path a dangling chain of links ends at (where a new file must be created). */
async function danglingTarget(path: string): Promise<string> {
  let p = path;
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    const st = await statOrUndefined(p, false);
    if (!st?.isSymbolicLink()) return p;
    p = resolve(dirname(p), await readlink(p));
  }
  throw new InvalidInputError(`--out "${path}": more than ${MAX_LINKS} symbolic links`);
}

/**
 * Checks and resolves `out` (before the memory is opened) and returns the sink.
 * @throws InvalidInputError when the folder is missing, or `out` is a folder.
 */
export async function openExportSink(out: string, io: CliIo): Promise<ExportSink> {
  if (out === '-') return stdoutSink(io);
  const path = resolve(out);
  const st = await statOrUndefined(path, true);
  if (st?.isDirectory()) throw new InvalidInputError(`--out "${path}" is a directory; give a file name`);
  if (st && !st.isFile()) return inPlaceSink(path);
  const target = st ? await realpath(path) : await danglingTarget(path);
  const folder = dirname(target);
  const folderStat = await statOrUndefined(folder, true);
  if (!folderStat) throw new InvalidInputError(`--out "${path}": the directory "${folder}" does not exist; create it first`);
  if (!folderStat.isDirectory()) throw new InvalidInputError(`--out "${path}": "${folder}" is not a directory`);
  return replacingSink(path, target, st?.mode);
}

function stdoutSink(io: CliIo): ExportSink {
  return {
    name: 'standard output',
    toStdout: true,
    write: async (text) => (io.writeStdout ? io.writeStdout(text) : io.stdout(text)),
    commit: async () => undefined,
    abort: async () => undefined,
  };
}

async function inPlaceSink(path: string): Promise<ExportSink> {
  const file = await open(path, 'w');
  return {
    name: path,
    toStdout: false,
    write: async (text) => void (await file.write(text)),
    commit: () => file.close(),
    abort: () => file.close().catch(() => undefined),
  };
}

async function replacingSink(name: string, target: string, mode: number | undefined): Promise<ExportSink> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}-${Date.now()}.srm-export.tmp`);
  let file: FileHandle;
  try {
    file = await open(tmp, 'wx');
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException;
    throw new InvalidInputError(`--out "${name}": cannot create a file in "${dirname(target)}" (${e.code ?? e.message})`, { cause });
  }
  return {
    name,
    toStdout: false,
    write: async (text) => void (await file.write(text)),
    commit: async () => {
      await file.sync();
      await file.close();
      // Keep the permissions of the file being replaced.
      if (mode !== undefined) await chmod(tmp, mode & 0o7777);
      await rename(tmp, target);
    },
    abort: async () => {
      await file.close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}
