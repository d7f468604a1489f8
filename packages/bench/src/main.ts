/**
 * `npm run bench -- --size quick|full [--suite dense,wall,drift,glossary,throughput]`
 *
 * Runs the suites in order, prints a table per suite and writes
 * `docs/benchmarks/<suite>.json` plus SVG plots. A failing suite is reported
 * and the others still run; the exit code is non-zero if any failed.
 */
import { USAGE, UsageError, parseArgs, type SuiteName } from './config.js';
import { defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { Progress } from './report/progress.js';
import type { SuiteContext } from './suites/context.js';

const SUITE_RUNNERS: Record<SuiteName, () => Promise<(ctx: SuiteContext) => Promise<void>>> = {
  dense: async () => (await import('./suites/dense.js')).runDenseSuite,
  wall: async () => (await import('./suites/wall.js')).runWallSuite,
  throughput: async () => (await import('./suites/throughput.js')).runThroughputSuite,
  drift: async () => (await import('./suites/drift.js')).runDriftSuite,
  glossary: async () => (await import('./suites/glossary.js')).runGlossarySuite,
};

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, defaultOutDir());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`error: ${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return error.message ? 2 : 0;
  }
  const progress = new Progress();
  const run = runInfo(args.size, argv);
  const log = (line = '') => process.stdout.write(`${line}\n`);
  log(`# SRM benchmarks (${args.size}): ${args.suites.join(', ')}`);
  log(`${run.cpu}, ${run.cores} cores, ${run.totalMemoryGiB} GiB, Node ${run.node}, ${run.date}`);
  const failed: string[] = [];
  for (const suite of args.suites) {
    const t0 = performance.now();
    try {
      const runner = await SUITE_RUNNERS[suite]();
      await runner({ size: args.size, outDir: args.outDir, run, progress, log });
      log(`\n(${suite}: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    } catch (error) {
      progress.stop();
      failed.push(suite);
      log(`\nSUITE FAILED: ${suite}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  if (failed.length > 0) log(`\nfailed suites: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
