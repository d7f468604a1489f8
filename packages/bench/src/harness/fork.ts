/** Parent side of the child-process harness. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildTask } from './tasks.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Progress reported by a child. */
export type ChildProgress = (phase: string, done: number, total: number) => void;

type ChildMessage = { type: 'progress'; phase: string; done: number; total: number } | { type: 'result'; result: unknown } | { type: 'error'; message: string };

/**
 * Runs `task` in a fresh Node process (same loader flags as this one, plus
 * --expose-gc) and resolves with its result. Native libraries are held to one
 * thread: the machine is shared and latencies are single-thread figures.
 */
export function runInChild<R>(task: ChildTask, onProgress?: ChildProgress): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const child = fork(CHILD, [], {
      execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc', '--max-old-space-size=8192'],
      env: { ...process.env, LANCE_CPU_THREADS: '1', LANCE_IO_THREADS: '2', RAYON_NUM_THREADS: '1', RUST_LOG: 'error', LANCEDB_LOG: 'error' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    let done = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'progress') onProgress?.(message.phase, message.done, message.total);
      else if (message.type === 'result') {
        done = true;
        resolve(message.result as R);
      } else {
        done = true;
        reject(new Error(`child task ${task.kind} failed:\n${message.message}\n${stderr}`));
      }
    });
    child.on('error', (error) => {
      if (!done) reject(error);
      done = true;
    });
    child.on('exit', (code, signal) => {
      if (!done) reject(new Error(`child task ${task.kind} exited with ${signal ?? code} before reporting:\n${stderr}`));
      done = true;
    });
    child.send(task);
  });
}
