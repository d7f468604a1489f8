/** Process memory, measured after a full GC so garbage does not count as growth. */
import { readFileSync } from 'node:fs';

const gc = (globalThis as { gc?: () => void }).gc;

/** True when the process runs with --expose-gc (the child processes do). */
export const canCollect = typeof gc === 'function';

/** Resident set size after two full collections, in bytes. */
export async function settledRss(): Promise<number> {
  if (gc) {
    gc();
    // Let native finalizers (napi objects freed by the GC) run before measuring.
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().rss;
}

/** The process's peak resident set size so far (Linux `VmHWM`), in bytes; null where /proc is missing. */
export function peakRss(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
