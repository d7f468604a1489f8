// The long attack run (issue 23): seeded byte flips over memory.sqlite, its WAL and the vector file,
// and SIGKILLed writers whose WAL is then damaged (or not). Prints a summary and writes it into
// docs/reliability.md between the attack-run markers. Usage (from packages/core):
//   npx tsx test/reliability/attack-run.ts [--flips 240] [--kills 100] [--seed 23]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { flipTrial, killTrial, makeReference, type FileKind, type Verdict } from './fixtures/attacks.js';
import { prng } from '@srm/testkit/reliability/random';

const { values } = parseArgs({
  options: { flips: { type: 'string', default: '240' }, kills: { type: 'string', default: '100' }, seed: { type: 'string', default: '23' } },
});
const flips = Number(values.flips);
const kills = Number(values.kills);
const random = prng(Number(values.seed));
const DOC = new URL('../../../../docs/reliability.md', import.meta.url);
const START = '<!-- attack-run:start -->';
const END = '<!-- attack-run:end -->';

type Tally = Record<Verdict, number> & { wrongDetails: string[] };
const tally = (): Tally => ({ correct: 0, refused: 0, wrong: 0, wrongDetails: [] });
const count = (t: Tally, out: { verdict: Verdict; detail: string }) => {
  t[out.verdict]++;
  if (out.verdict === 'wrong') t.wrongDetails.push(out.detail);
};

const root = mkdtempSync(join(tmpdir(), 'srm-attack-run-'));
const started = Date.now();
try {
  const ref = await makeReference(root);
  const byKind: Record<FileKind, Tally> = { sqlite: tally(), wal: tally(), vectors: tally() };
  const kinds: FileKind[] = ['sqlite', 'wal', 'vectors'];
  for (let t = 0; t < flips; t++) {
    const kind = kinds[t % kinds.length]!;
    count(byKind[kind], await flipTrial(ref, kind, Math.floor(random() * 2 ** 31)));
    if ((t + 1) % 30 === 0) process.stdout.write(`flips ${t + 1}/${flips}\n`);
  }
  const killed = { clean: tally(), damaged: tally() };
  let acknowledged = 0;
  for (let t = 0; t < kills; t++) {
    const damageWal = t % 2 === 1;
    const out = await killTrial(Math.floor(random() * 2 ** 31), 100 + Math.floor(random() * 400), damageWal);
    acknowledged += out.acknowledged;
    count(damageWal ? killed.damaged : killed.clean, out);
    if ((t + 1) % 10 === 0) process.stdout.write(`kills ${t + 1}/${kills}\n`);
  }
  const row = (name: string, t: Tally) => `| ${name} | ${t.correct + t.refused + t.wrong} | ${t.correct} | ${t.refused} | ${t.wrong} |`;
  const lines = [
    START,
    `Last run: ${new Date().toISOString().slice(0, 10)}, seed ${values.seed}, ${flips} flips and ${kills} kills in ${Math.round((Date.now() - started) / 1000)} s`,
    '(`npx tsx test/reliability/attack-run.ts` in packages/core).',
    '',
    '| trials | runs | correct answer | typed error | wrong answer |',
    '| --- | --- | --- | --- | --- |',
    row('one byte flipped in memory.sqlite', byKind.sqlite),
    row('one byte flipped in the WAL (copy taken after acknowledged writes)', byKind.wal),
    row('one byte flipped in the vector file', byKind.vectors),
    row('writer SIGKILLed', killed.clean),
    row('writer SIGKILLed, then one WAL byte flipped', killed.damaged),
    '',
    `${acknowledged} batches were acknowledged before the kills; "correct" means every one of them is there.`,
    END,
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  for (const t of [...Object.values(byKind), killed.clean, killed.damaged]) for (const d of t.wrongDetails.slice(0, 5)) process.stdout.write(`WRONG: ${d}\n`);
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`docs/reliability.md has no ${START} ... ${END} section`);
  writeFileSync(DOC, doc.slice(0, from) + text + doc.slice(to + END.length));
  // A wrong answer fails the run (scripts/reliability-long-run.mjs reads the exit code).
  if ([...Object.values(byKind), killed.clean, killed.damaged].some((t) => t.wrong > 0)) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
