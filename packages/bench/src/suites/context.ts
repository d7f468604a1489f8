/** What every suite receives from main. */
import type { BenchSize } from '../config.js';
import type { RunInfo } from '../report/env.js';
import type { Progress } from '../report/progress.js';

export interface SuiteContext {
  size: BenchSize;
  outDir: string;
  run: RunInfo;
  progress: Progress;
  /** Prints to stdout (tables, summaries). */
  log: (line?: string) => void;
}
