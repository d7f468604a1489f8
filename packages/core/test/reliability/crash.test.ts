/**
 * Crash safety at memory level: a child process streams adds, upserts,
 * deletes, refits, memorize and forget calls to a SemanticRoutingMemory and a
 * SemanticMemory on disk, printing each acknowledged operation. The test
 * SIGKILLs it at seeded random moments, many rounds on the same directories,
 * and after each kill reopens both memories with the default open (integrity
 * check on, no repair step) and checks:
 * - every acknowledged write is there, with its whole payload and vector;
 * - the operation in flight is either wholly applied or wholly absent;
 * - `verify()` finds every item in exactly one bucket, and the glossary
 *   counts match its lists.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { applyToModel, cloneModel, CRASH_AGENTS, CRASH_SRM, emptyModel, opAt, valueOf, vectorOf, type CrashModel, type CrashOp } from './fixtures/crash-ops.js';
import { countFromEnv, expectGlossaryInvariants, expectSrmInvariants, pick, prng, TempDirs } from '@srm/testkit/reliability/helpers';

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const SEED = 8_2024;
/** Kill rounds: SRM_KILL_ROUNDS (default 12; the long run sets more). */
const ROUNDS = countFromEnv('SRM_KILL_ROUNDS', 12);

/** Runs the writer for one round and SIGKILLs it `killAfterMs` after it reported ready; returns the acknowledged operations. */
async function writeUntilKilled(srmDir: string, glossaryDir: string, round: number, killAfterMs: number): Promise<{ i: number; kind: string }[]> {
  const lines = await runUntilKilled(WRITER, [srmDir, glossaryDir, String(round), '0'], PACKAGE_DIR, killAfterMs);
  return lines.map((line) => JSON.parse(line) as { i: number; kind: string });
}

/** What the two memories hold after a reopen, in the model's shape; also checks every vector. */
async function readBack(srmDir: string, glossaryDir: string): Promise<CrashModel> {
  const srm = await SemanticRoutingMemory.open({ d: CRASH_SRM.d, path: srmDir });
  const glossary = await SemanticMemory.open({ path: glossaryDir });
  try {
    const state = emptyModel();
    const items = await expectSrmInvariants(srm);
    const full = await srm.get([...items.keys()]);
    for (const item of full) {
      const p = item!.payload as { id: string; seq: number; check: string };
      // A whole record: the payload names this id, and its fields agree with each other and with the vector.
      expect(p.id).toBe(item!.id);
      expect(p.check).toBe(`${p.id}@${p.seq}`);
      expect(cosine(item!.vector!, vectorOf(p.id, p.seq))).toBeGreaterThan(0.9999);
      state.srm.set(item!.id, p.seq);
    }
    await expectGlossaryInvariants(glossary, CRASH_AGENTS);
    for (const agentId of CRASH_AGENTS) {
      for (const e of await glossary.listAll(agentId)) {
        const seq = Number(/seq (\d+)$/.exec(e.description)?.[1]);
        expect(e.value).toBe(valueOf(e.key, seq));
        state.glossary.set(`${agentId}\u0000${e.key.toLowerCase()}`, { key: e.key, value: e.value });
      }
    }
    return state;
  } finally {
    await srm.close();
    await glossary.close();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j]! * b[j]!;
    aa += a[j]! * a[j]!;
    bb += b[j]! * b[j]!;
  }
  return dot / Math.sqrt(aa * bb);
}

function sameState(a: CrashModel, b: CrashModel): boolean {
  const eqMap = <V>(x: Map<string, V>, y: Map<string, V>) =>
    x.size === y.size && [...x].every(([k, v]) => y.has(k) && JSON.stringify(y.get(k)) === JSON.stringify(v));
  return eqMap(a.srm, b.srm) && eqMap(a.glossary, b.glossary);
}

/** Lines that differ between two states, for a readable failure. */
function diff(expected: CrashModel, actual: CrashModel): string[] {
  const out: string[] = [];
  for (const [name, e, a] of [
    ['srm', expected.srm, actual.srm],
    ['glossary', expected.glossary, actual.glossary],
  ] as const) {
    const keys = new Set([...e.keys(), ...a.keys()]);
    for (const k of keys) {
      const ev = JSON.stringify((e as Map<string, unknown>).get(k));
      const av = JSON.stringify((a as Map<string, unknown>).get(k));
      if (ev !== av) out.push(`${name} ${JSON.stringify(k)}: expected ${ev}, found ${av}`);
    }
  }
  return out.slice(0, 10);
}

describe('crash safety of both memories under SIGKILL', () => {
  const dirs = new TempDirs();
  afterAll(() => dirs.cleanup());

  it(
    'keeps every acknowledged write, never half an operation, and reopens without repair',
    async () => {
      const srmDir = dirs.make('srm-crash-dense-');
      const glossaryDir = dirs.make('srm-crash-gloss-');
      const random = prng(SEED);
      let model = emptyModel();
      let totalAcked = 0;
      let inFlightApplied = 0;
      const kinds = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        const killAfterMs = 40 + pick(random, 360);
        const acked = await writeUntilKilled(srmDir, glossaryDir, round, killAfterMs);
        // Acknowledgements come in order, one per operation, and describe what the test expects.
        acked.forEach((a, j) => {
          expect(a.i).toBe(j);
          expect(a).toEqual({ i: j, ...opAt(round, j) });
        });
        for (const a of acked) {
          const op = opAt(round, a.i);
          applyToModel(op, model);
          kinds.add(op.kind);
        }
        totalAcked += acked.length;

        const inFlight: CrashOp = opAt(round, acked.length);
        const withInFlight = cloneModel(model);
        applyToModel(inFlight, withInFlight);
        const actual = await readBack(srmDir, glossaryDir);
        const where = `round ${round} (seed ${SEED}, kill after ${killAfterMs} ms, ${acked.length} acked, in flight: ${JSON.stringify(inFlight)})`;
        if (sameState(actual, model)) continue;
        expect(diff(withInFlight, actual), `${where}: the memories match neither the acknowledged writes nor those plus the whole operation in flight`).toEqual(
          [],
        );
        model = withInFlight;
        inFlightApplied++;
      }
      // The kills must land mid-stream (on a busy machine a writer may get only one operation done before
      // its kill) and the stream must exercise every kind of write, or the test proves little.
      expect(totalAcked).toBeGreaterThan(ROUNDS);
      expect([...kinds].sort()).toEqual(['add', 'delete', 'forget', 'forgetMany', 'memorize', 'memorizeMany', 'refit']);
      expect(model.srm.size).toBeGreaterThan(CRASH_SRM.autoFitAt); // the codebook was fitted mid-stream
      console.info(`crash test: ${ROUNDS} kills, ${totalAcked} acknowledged operations, in-flight operation found applied ${inFlightApplied} times`);
    },
    ROUNDS * 15_000,
  ); // each round starts a writer under tsx
});
