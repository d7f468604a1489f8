// The long reliability run (issue 23): the same attacks as the suite's bounded tests, at the
// counts the issue asks for, and their figures written into docs/reliability.md.
//   node scripts/reliability-long-run.mjs [--memory-kills 60] [--store-kills 100] [--property-runs 10000]
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
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const DOC = `${root}docs/reliability.md`;
const START = '<!-- long-run:start -->';
const END = '<!-- long-run:end -->';

/** Runs `args` in `cwd` with `env`, echoing its output; returns the exit code, the output and the seconds taken. */
function run(cwd, args, env = {}) {
  const started = Date.now();
  process.stdout.write(`\n$ (cd ${cwd.replace(root, '')} && ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${args.join(' ')})\n`);
  const r = spawnSync(args[0], args.slice(1), { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stdout.write(output.split('\n').slice(-25).join('\n'));
  return { ok: r.status === 0, output, seconds: Math.round((Date.now() - started) / 1000) };
}

const vitest = (pkg, file, env) => run(`${root}packages/${pkg}`, ['npx', 'vitest', 'run', file, '--reporter=verbose'], env);
const found = (output, re) => output.match(re)?.slice(1) ?? null;
const verdict = (r) => (r.ok ? 'held' : '**failed**');

const load = loadavg().map((x) => x.toFixed(1)).join(' ');
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const attack = run(`${root}packages/core`, ['npx', 'tsx', 'test/reliability/attack-run.ts', '--flips', values.flips, '--kills', values['attack-kills']]);
const memory = vitest('core', 'test/reliability/crash.test.ts', { SRM_KILL_ROUNDS: values['memory-kills'] });
const store = vitest('langchain', 'test/store-kill.test.ts', { SRM_KILL_ROUNDS: values['store-kills'] });
const props = vitest('core', 'test/reliability/properties.test.ts', { SRM_PROPERTY_RUNS: values['property-runs'] });
const adapters = ['langchain', 'llamaindex'].map((pkg) => vitest(pkg, 'test/reliability.test.ts', { SRM_PROPERTY_RUNS: values['property-runs'] }));

const memoryFigures = found(memory.output, /crash test: (\d+) kills, (\d+) acknowledged operations/);
const storeFigures = found(store.output, /store kill test: (\d+) kills, (\d+) acknowledged puts/);
const propertyCount = (props.output.match(/✓ .*holds for/g) ?? []).length;
const adapterTests = adapters.reduce((n, r) => n + Number(found(r.output, /Tests\s+(\d+) passed/)?.[0] ?? 0), 0);
const rows = [
  `| byte flips and SIGKILLed store writers (\`attack-run.ts\`, table above) | ${values.flips} flips, ${values['attack-kills']} kills | | ${attack.seconds} s | ${attack.ok ? 'held: 0 wrong answers' : '**failed**'} |`,
  `| SIGKILL of a writer to both memories (\`crash.test.ts\`) | ${memoryFigures?.[0] ?? values['memory-kills']} kills | ${memoryFigures?.[1] ?? '-'} operations | ${memory.seconds} s | ${verdict(memory)}: 0 lost, 0 half-applied |`,
  `| SIGKILL during LangGraph \`SRMStore\` puts (\`store-kill.test.ts\`) | ${storeFigures?.[0] ?? values['store-kills']} kills | ${storeFigures?.[1] ?? '-'} puts | ${store.seconds} s | ${verdict(store)}: 0 lost, 0 half-applied |`,
  `| bad inputs give an \`SRMError\` and change nothing (\`properties.test.ts\`) | ${propertyCount} properties x ${values['property-runs']} cases | | ${props.seconds} s | ${verdict(props)} |`,
  `| hostile calls to the LangChain, LangGraph and LlamaIndex adapters work or give an \`SRMError\`, the memory stays sound (\`reliability.test.ts\` of both) | ${adapterTests} tests passed, their properties at ${values['property-runs']} cases | | ${adapters.reduce((n, r) => n + r.seconds, 0)} s | ${adapters.every((r) => r.ok) ? 'held' : '**failed**'} |`,
];
const text = [
  START,
  `Last run: ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${cpus().length} cores, load average at start ${load}`,
  '(`node scripts/reliability-long-run.mjs`).',
  '',
  '| attack | runs | acknowledged before the kills | time | result |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  END,
].join('\n');
process.stdout.write(`\n${text}\n`);
const doc = readFileSync(DOC, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < 0) throw new Error(`docs/reliability.md has no ${START} ... ${END} section`);
writeFileSync(DOC, doc.slice(0, from) + text + doc.slice(to + END.length));
process.exitCode = attack.ok && memory.ok && store.ok && props.ok && adapters.every((r) => r.ok) ? 0 : 1;
