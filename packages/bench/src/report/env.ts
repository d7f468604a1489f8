/** Facts about the run that every result file carries, so a figure can be traced and compared. */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import type { BenchSize } from '../config.js';

export interface RunInfo {
  date: string;
  command: string;
  size: BenchSize;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  totalMemoryGiB: number;
  freeMemoryGiBAtStart: number;
  loadAverageAtStart: number[];
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes at the start. */
  gitDirty: boolean | null;
  /** The `@srm/core` build the benchmark imported, and when it was built. */
  srmCore: { entry: string; builtAt: string } | null;
}

function gitDirty(): boolean | null {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().length > 0;
  } catch {
    return null;
  }
}

function srmCoreBuild(): { entry: string; builtAt: string } | null {
  try {
    const entry = fileURLToPath(import.meta.resolve('@srm/core'));
    return { entry, builtAt: statSync(entry).mtime.toISOString() };
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The command that reproduces this run, as a user types it. */
export function commandLine(argv: readonly string[]): string {
  return `npm run bench -- ${argv.join(' ')}`.trim();
}

export function runInfo(size: BenchSize, argv: readonly string[]): RunInfo {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    command: commandLine(argv),
    size,
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    totalMemoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiBAtStart: +(freemem() / 2 ** 30).toFixed(1),
    loadAverageAtStart: loadavg().map((x) => +x.toFixed(2)),
    gitCommit: gitCommit(),
    gitDirty: gitDirty(),
    srmCore: srmCoreBuild(),
  };
}
