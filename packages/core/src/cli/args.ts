/**
 * Argument parsing on top of `node:util` parseArgs: strict options, typed
 * number and JSON values, and one error class whose message becomes the
 * usage message on stderr (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line. `usage` is the help text of the command that was being parsed. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed command line of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

/**
 * Parses `argv` against `options` (plus `--help`/`-h`). Unknown options, a
 * missing option value and a wrong number of positionals are usage errors.
 */
export function parseCommand(argv: readonly string[], options: OptionSpec, usage: string, positionals: { min: number; max: number }): ParsedArgs {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION; the message says which option.
    throw new UsageError((err as Error).message, usage);
  }
  const help = parsed.values.help === true;
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([k]) => k !== 'help')) as ParsedArgs['values'];
  if (!help) {
    const n = parsed.positionals.length;
    if (n < positionals.min) throw new UsageError(n === 0 ? 'missing the memory directory' : 'missing an argument', usage);
    if (n > positionals.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`, usage);
  }
  return { values, positionals: parsed.positionals, help };
}

/** A string option that must be present. */
export function requireString(args: ParsedArgs, name: string, usage: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`missing --${name}`, usage);
  return v;
}

/** An optional string option. */
export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An optional positive integer option (`-k 10`); anything else is a usage error. */
export function optionalInt(args: ParsedArgs, name: string, usage: string, range: { min: number; max: number }): number | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} expects an integer from ${range.min} to ${range.max}, got ${JSON.stringify(v)}`, usage);
  }
  return n;
}

/** An optional number option in a closed range (`--min-relevance 0.2`). */
export function optionalNumber(args: ParsedArgs, name: string, usage: string, range: { min: number; max: number }): number | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} expects a number from ${range.min} to ${range.max}, got ${JSON.stringify(v)}`, usage);
  }
  return n;
}

/** An optional JSON option; `check` says whether the parsed value has the right shape. */
export function optionalJson<T>(args: ParsedArgs, name: string, usage: string, expected: string, check: (v: unknown) => v is T): T | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(v));
  } catch {
    throw new UsageError(`--${name} expects ${expected} in JSON, got ${JSON.stringify(v)}`, usage);
  }
  if (!check(parsed)) throw new UsageError(`--${name} expects ${expected}, got ${JSON.stringify(v)}`, usage);
  return parsed;
}
