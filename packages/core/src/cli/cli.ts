/**
 * The `srm` command line: inspect and operate an embedded memory directory,
 * for debugging an agent's memory. `main` is callable in-process (tests) and
 * from the `srm` bin (`main.ts`).
 */
import { SRMError } from '../errors.js';
import { UsageError } from './args.js';
import { exportCommand } from './commands/export.js';
import { glossaryCommand } from './commands/glossary.js';
import { importCommand } from './commands/import.js';
import { migrateCommand } from './commands/migrate.js';
import { queryCommand } from './commands/query.js';
import { statsCommand } from './commands/stats.js';
import { CLOSED_PIPE_EXIT_CODE, processIo, type CliIo } from './io.js';
import { MAIN_USAGE } from './usage.js';

export type { CliIo } from './io.js';

/** Exit codes of {@link main}. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: an SRMError or an I/O error, message on stderr. */
  error: 1,
  /** Bad arguments: usage message on stderr. */
  usage: 2,
} as const;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  stats: statsCommand,
  query: queryCommand,
  glossary: glossaryCommand,
  export: exportCommand,
  import: importCommand,
  migrate: migrateCommand,
};

/**
 * Runs one `srm` command line (without the `node srm` part) and resolves to
 * its exit code. Never throws: errors go to `io.stderr`.
 *
 * @example
 * ```ts
 * const code = await main(['stats', './memory', '--json']);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout(MAIN_USAGE);
      return ExitCode.ok;
    }
    if (command === undefined) throw new UsageError('missing the command', MAIN_USAGE);
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`, MAIN_USAGE);
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`srm: ${err.message}\n\n${err.usage}`);
      return ExitCode.usage;
    }
    if (err instanceof SRMError) {
      io.stderr(`srm: ${err.name}: ${err.message}\n`);
      return ExitCode.error;
    }
    const e = err as NodeJS.ErrnoException;
    // The reader of stdout went away (`| head`): it has what it wanted.
    if (e?.code === 'EPIPE') return CLOSED_PIPE_EXIT_CODE;
    io.stderr(`srm: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}\n`);
    return ExitCode.error;
  }
}
