/** Command-line configuration shared by every suite. */

/** `quick`: a smoke check of a few minutes. `full`: the published figures. */
export type BenchSize = 'quick' | 'full';

/** The suites `--suite` can name. */
export const SUITES = ['dense', 'wall', 'throughput', 'drift', 'growth', 'glossary', 'checks'] as const;
export type SuiteName = (typeof SUITES)[number];

/** Parsed command line. */
export interface BenchArgs {
  size: BenchSize;
  suites: SuiteName[];
  outDir: string;
}

/** Thrown for a bad command line; main prints the usage and exits 2. */
export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--size quick|full] [--suite ${SUITES.join(',')}] [--out DIR]

  --size   quick: a smoke check of a few minutes (default); full: the published figures
  --suite  comma-separated suites to run (default: all)
  --out    folder for JSON results and SVG plots (default: docs/benchmarks)`;

/** Parses argv (without node and script). @throws UsageError */
export function parseArgs(argv: readonly string[], defaultOut: string): BenchArgs {
  const args: BenchArgs = { size: 'quick', suites: [...SUITES], outDir: defaultOut };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--size': {
        const v = value();
        if (v !== 'quick' && v !== 'full') throw new UsageError(`--size must be quick or full, got "${v}"`);
        args.size = v;
        break;
      }
      case '--suite':
      case '--suites': {
        const names = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = names.filter((s) => !(SUITES as readonly string[]).includes(s));
        if (names.length === 0 || bad.length > 0) throw new UsageError(`unknown suite(s): ${bad.join(', ') || '(none)'}; known: ${SUITES.join(', ')}`);
        args.suites = [...new Set(names)] as SuiteName[];
        break;
      }
      case '--out':
        args.outDir = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  return args;
}
