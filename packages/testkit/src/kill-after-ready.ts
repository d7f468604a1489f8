/**
 * The crash tests' child-process harness: run a writer script under tsx, let
 * it print `ready`, SIGKILL it `killAfterMs` later, and hand back every other
 * line it printed (each one an acknowledged write).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs `node --import tsx script ...args` in `cwd` and kills it with SIGKILL
 * `killAfterMs` after it printed `ready`. Resolves with the lines it printed
 * besides `ready`, in order.
 *
 * @throws Error (with the writer's stderr) when it never became ready or ended by anything but the kill.
 */
export async function runUntilKilled(script: string, args: readonly string[], cwd: string, killAfterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const lines: string[] = [];
  let ready = false;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') {
      ready = true;
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    } else lines.push(line);
  }
  await exited;
  if (!ready) throw new Error(`writer never became ready; stderr: ${stderr}`);
  if (child.signalCode !== 'SIGKILL') throw new Error(`writer ended by ${child.exitCode ?? child.signalCode}, not by the kill; stderr: ${stderr}`);
  return lines;
}
