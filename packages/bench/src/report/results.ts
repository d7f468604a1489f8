/** Writes a suite's JSON result beside its plots. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunInfo } from './env.js';

/** Writes `<outDir>/<suite>.json` with the run info first; returns the path. */
export function writeResult(outDir: string, suite: string, run: RunInfo, payload: Record<string, unknown>): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${suite}.json`);
  writeFileSync(file, JSON.stringify({ suite, run, ...payload }, null, 2) + '\n');
  return file;
}
