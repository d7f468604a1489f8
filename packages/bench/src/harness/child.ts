/**
 * Entry of a benchmark child process: receives one task over IPC, runs it,
 * sends back progress and the result, and exits. Each system runs in a
 * fresh process so its RSS growth is its own.
 */
import { runTask, type ChildTask } from './tasks.js';

type Send = (message: unknown, callback?: (error: Error | null) => void) => boolean;
const send = process.send?.bind(process) as Send | undefined;
if (!send) throw new Error('harness/child.ts must be started by runInChild (no IPC channel)');

process.once('message', (task: ChildTask) => {
  let last = 0;
  const progress = (phase: string, done: number, total: number) => {
    // Throttle: the parent only redraws a bar.
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    send({ type: 'progress', phase, done, total });
  };
  runTask(task, progress).then(
    (result) => send({ type: 'result', result }, () => process.exit(0)),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
});
