// The long reliability run (issue 23): the same attacks as the suite's bounded tests, at the
// counts the issue asks for, and their figures written into docs/reliability.md.
//   node scripts/reliability-long-run.mjs [--memory-kills 60] [--store-kills 100] [--property-runs 10000]
//                                         [--parts attack,memory,store,properties,adapters]
// 1. test/reliability/attack-run.ts: seeded byte flips and SIGKILLed store writers (its own table);
// 2. crash.test.ts: SIGKILL of a process writing to both memories (SRM and glossary);
// 3. store-kill.test.ts: SIGKILL during LangGraph SRMStore puts;
// 4. properties.test.ts: fast-check properties over the public entry points of both memories;
// 5. the adapters' reliability.test.ts: fast-check properties over their public entry points.
// Each step is a real run of a test whose checks fail on a lost or half-applied write; a failure
// is reported in the table, never hidden, and the script exits 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'memory-kills': { type: 'string', default: '60' },
    'store-kills': { type: 'string', default: '100' },
    'property-runs': { type: 'string', default: '10000' },
    flips: { type: 'string', default: '240' },
    'attack-kills': { type: 'string', default: '100' },
    parts: { type: 'string', default: 'attack,memory,store,properties,adapters' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const DOC = `${root}docs/reliability.md`;
const START = '<!-- long-run:start -->';
const END = '<!-- long-run:end -->';

/** Runs `args` in `cwd` with `env`, echoing its output; returns the exit code, the output and the seconds taken. */
function run(cwd, args, env = {}) {
  const started = Date.now();
  process.stdout.write(
    `\n$ (cd ${cwd.replace(root, '')} && ${Object.entries(env)
      .map(([k, v]) => `${k}=${v} `)
      .join('')}${args.join(' ')})\n`,
  );
  const r = spawnSync(args[0], args.slice(1), { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output.split('\n').slice(-25).join('\n'));
  return { ok: r.status === 0, output, seconds: Math.round((Date.now() - started) / 1000) };
}

const vitest = (pkg, file, env) => run(`${root}packages/${pkg}`, ['npx', 'vitest', 'run', file, '--reporter=verbose'], env);
const found = (output, re) => output.match(re)?.slice(1) ?? null;

const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const stamp = `${new Date().toISOString().slice(0, 10)}, ${commit}`;
const result = (ok, what) => (ok ? `held: ${what}` : '**failed**');

/** The parts of the run, each producing its row of the table. */
const PARTS = {
  attack: () => {
    const r = run(`${root}packages/core`, ['npx', 'tsx', 'test/reliability/attack-run.ts', '--flips', values.flips, '--kills', values['attack-kills']]);
    return {
      ok: r.ok,
      row: `| byte flips and SIGKILLed store writers (\`attack-run.ts\`, table above) | ${values.flips} flips, ${values['attack-kills']} kills | | ${stamp} | ${r.seconds} s | ${result(r.ok, '0 wrong answers')} |`,
    };
  },
  memory: () => {
    const r = vitest('core', 'test/reliability/crash.test.ts', { SRM_KILL_ROUNDS: values['memory-kills'] });
    const f = found(r.output, /crash test: (\d+) kills, (\d+) acknowledged operations/);
    return {
      ok: r.ok,
      row: `| SIGKILL of a writer to both memories (\`crash.test.ts\`) | ${values['memory-kills']} kills | ${f?.[1] ?? '-'} operations | ${stamp} | ${r.seconds} s | ${result(r.ok, '0 lost, 0 half-applied')} |`,
    };
  },
  store: () => {
    const r = vitest('langchain', 'test/store-kill.test.ts', { SRM_KILL_ROUNDS: values['store-kills'] });
    const f = found(r.output, /store kill test: (\d+) kills, (\d+) acknowledged puts/);
    return {
      ok: r.ok,
      row: `| SIGKILL during LangGraph \`SRMStore\` puts (\`store-kill.test.ts\`) | ${values['store-kills']} kills | ${f?.[1] ?? '-'} puts | ${stamp} | ${r.seconds} s | ${result(r.ok, '0 lost, 0 half-applied')} |`,
    };
  },
  properties: () => {
    const r = vitest('core', 'test/reliability/properties.test.ts', { SRM_PROPERTY_RUNS: values['property-runs'] });
    const n = (r.output.match(/✓ .*holds for/g) ?? []).length;
    return {
      ok: r.ok,
      row: `| bad inputs give an \`SRMError\` and change nothing (\`properties.test.ts\`) | ${n} properties x ${values['property-runs']} cases | | ${stamp} | ${r.seconds} s | ${result(r.ok, 'every case')} |`,
    };
  },
  adapters: () => {
    const rs = ['langchain', 'llamaindex'].map((pkg) => vitest(pkg, 'test/reliability.test.ts', { SRM_PROPERTY_RUNS: values['property-runs'] }));
    const tests = rs.reduce((n, r) => n + Number(found(r.output, /Tests\s+(\d+) passed/)?.[0] ?? 0), 0);
    const ok = rs.every((r) => r.ok);
    return {
      ok,
      row: `| hostile calls to the LangChain, LangGraph and LlamaIndex adapters work or give an \`SRMError\`, the memory stays sound (\`reliability.test.ts\` of both) | ${tests} tests, properties at ${values['property-runs']} cases | | ${stamp} | ${rs.reduce((n, r) => n + r.seconds, 0)} s | ${result(ok, 'every case')} |`,
    };
  },
};
const wanted = values.parts.split(',');
for (const p of wanted) if (!(p in PARTS)) throw new Error(`unknown part ${p}; parts: ${Object.keys(PARTS).join(',')}`);

// Rows of parts not run this time are kept from the table in the doc.
const doc = readFileSync(DOC, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < 0) throw new Error(`docs/reliability.md has no ${START} ... ${END} section`);
const previous = doc
  .slice(from, to)
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| attack |') && !l.startsWith('| ---'));
let ok = true;
const rows = Object.keys(PARTS).map((name, i) => {
  if (!wanted.includes(name)) return previous[i] ?? `| ${name}: not run yet | | | | | |`;
  const part = PARTS[name]();
  ok &&= part.ok;
  return part.row;
});
const text = [
  START,
  `Each row is from \`node scripts/reliability-long-run.mjs\` (a row alone: \`--parts NAME\`); load average at the last start ${load}, ${cpus().length} cores.`,
  '',
  '| attack | runs | acknowledged before the kills | date, commit | time | result |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
  END,
].join('\n');
process.stdout.write(`\n${text}\n`);
// Read again: the attack run has written its own table into the doc meanwhile.
const latest = readFileSync(DOC, 'utf8');
writeFileSync(DOC, latest.slice(0, latest.indexOf(START)) + text + latest.slice(latest.indexOf(END) + END.length));
process.exitCode = ok ? 0 : 1;
