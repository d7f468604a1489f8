/** Every task a child process can run, and its dispatcher. */
import type { StepProgress } from '../systems/types.js';
import type { DenseTask } from './dense-task.js';
import type { WallRestartTask, WallTask } from '../suites/wall-task.js';
import type { ThroughputTask } from '../suites/throughput-task.js';
import type { DriftTask } from '../suites/drift-task.js';
import type { GrowthTask } from '../suites/growth-task.js';
import type { RestartTask } from './restart-task.js';
import type { ChecksTask } from '../suites/checks-task.js';

export type ChildTask = DenseTask | RestartTask | WallTask | WallRestartTask | ThroughputTask | DriftTask | GrowthTask | ChecksTask;

/** Runs a task in the current process (the child side of {@link runInChild}). */
export async function runTask(task: ChildTask, progress: StepProgress): Promise<unknown> {
  switch (task.kind) {
    case 'dense':
      return (await import('./dense-task.js')).runDenseTask(task, progress);
    case 'restart':
      return (await import('./restart-task.js')).runRestartTask(task, progress);
    case 'wall':
      return (await import('../suites/wall-task.js')).runWallTask(task, progress);
    case 'wall-restart':
      return (await import('../suites/wall-task.js')).runWallRestartTask(task, progress);
    case 'throughput':
      return (await import('../suites/throughput-task.js')).runThroughputTask(task, progress);
    case 'drift':
      return (await import('../suites/drift-task.js')).runDriftTask(task, progress);
    case 'growth':
      return (await import('../suites/growth-task.js')).runGrowthTask(task, progress);
    case 'checks':
      return (await import('../suites/checks-task.js')).runChecksTask(task, progress);
  }
}
