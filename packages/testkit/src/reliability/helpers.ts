/**
 * Shared by the reliability tests: a seeded PRNG, temporary directories, and
 * the checks every test runs afterwards (memory invariants, no prototype
 * pollution). Not a test file itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SRMError, type SemanticMemory, type SemanticRoutingMemory } from '@srm/core';

export { pick, prng } from './random.js';

/**
 * A positive count from the environment variable `name`, or `fallback`: the suite runs the
 * bounded count, scripts/reliability-long-run.mjs the long one.
 */
export function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Temporary directories of one test file; `cleanup` removes them all. */
export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'srm-rel-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** How a call ended: its value, or what it threw. Lets a property accept "works or throws a typed error". */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `fn` and records how it ended (synchronous throws included). */
export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  return Promise.resolve()
    .then(fn)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
}

/** Asserts the call either worked or threw an {@link SRMError} (never a TypeError, RangeError or a SQLite error). */
export function expectTyped<T>(o: Outcome<T>, what: string): void {
  if (!o.ok) {
    const e = o.error as Error;
    expect(e, `${what} threw ${e?.name}: ${e?.message}`).toBeInstanceOf(SRMError);
  }
}

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** Own property names of the built-in prototypes, to compare before and after hostile input. */
export function prototypeSnapshot(): Map<string, string[]> {
  return new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** No built-in prototype gained a property, and the classic pollution probes read undefined. */
export function expectNoPollution(before: Map<string, string[]>): void {
  expect(prototypeSnapshot()).toEqual(before);
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'isAdmin', 'injected', 'evil']) {
    expect(probe[key], `({}).${key}`).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)[key], `[].${key}`).toBeUndefined();
  }
}

/**
 * The public surface the invariant checks read. Structural, so the adapter
 * packages' tests can pass a memory typed from `@srm/core`'s build.
 */
type CheckedMemory = Pick<SemanticRoutingMemory, 'idle' | 'verify' | 'items' | 'size'>;

/** Every id stored in the memory, with its payload, read by a full scan. */
export async function scanItems(memory: CheckedMemory): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for await (const page of memory.items(500)) {
    for (const it of page) {
      expect(out.has(it.id), `id ${JSON.stringify(it.id)} listed twice`).toBe(false);
      out.set(it.id, it.payload);
    }
  }
  return out;
}

/** The SRM invariants: every stored item in exactly one bucket, size equal to the number of distinct ids. */
export async function expectSrmInvariants(memory: CheckedMemory): Promise<Map<string, Record<string, unknown>>> {
  await memory.idle();
  const report = await memory.verify();
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  const items = await scanItems(memory);
  expect(memory.size).toBe(items.size);
  expect(report.items).toBe(items.size);
  return items;
}

/** The glossary invariants for the given agents: count equals the listed entries, every listed entry is the agent's, ids unique. */
export async function expectGlossaryInvariants(glossary: SemanticMemory, agents: readonly string[]): Promise<void> {
  for (const agentId of agents) {
    const list = await glossary.listAll(agentId);
    expect(await glossary.entryCount(agentId)).toBe(list.length);
    expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
    for (const e of list) expect(e.agentId).toBe(agentId);
  }
}
