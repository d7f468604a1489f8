/**
 * Where the CLI writes: an injectable pair of streams, so tests run `main`
 * in-process and read what it printed, and a progress line drawn on stderr
 * only when stderr is a terminal (a log file gets no carriage returns).
 */
import type { ProgressCallback, ProgressEvent } from '../srm/types.js';

/** The CLI's view of the outside world. */
export interface CliIo {
  /** Writes to standard output (results). */
  stdout(text: string): void;
  /**
   * Writes to standard output and resolves once the text is handed to the OS, or rejects
   * (EPIPE) when the reader went away; long outputs (`export --out -`) use it to stop early.
   * Optional: without it, {@link CliIo.stdout} is used.
   */
  writeStdout?(text: string): Promise<void>;
  /** Writes to standard error (usage, errors, progress). */
  stderr(text: string): void;
  /** Whether stderr is a terminal; progress lines are drawn only then. */
  stderrIsTTY: boolean;
  /** Environment variables (`QDRANT_API_KEY`). */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Exit code when the reader of stdout goes away early (`srm export --out - | head`).
 * The reader has what it wanted, so the CLI ends quietly with success, not with
 * 141 (death by SIGPIPE), which would fail a `set -o pipefail` script.
 */
export const CLOSED_PIPE_EXIT_CODE = 0;

let pipeGuarded = false;

/**
 * Ends the process quietly when stdout's reader goes away: without a listener,
 * the EPIPE of the next write is an uncaught error with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT_CODE);
    throw err;
  });
}

/** The real process streams. */
export function processIo(): CliIo {
  endQuietlyOnClosedPipe();
  return {
    stdout: (text) => void process.stdout.write(text),
    writeStdout: (text) => new Promise<void>((done, fail) => void process.stdout.write(text, (err) => (err ? fail(err) : done()))),
    stderr: (text) => void process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Minimum time between two redraws of the progress line. */
const REDRAW_MS = 100;

/**
 * A one-line progress display: `phase done/total (pct%)`, redrawn in place
 * with `\r`. Silent when stderr is not a terminal.
 */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;
  private lastPhase = '';

  constructor(private readonly io: CliIo) {}

  /** The callback to hand to `add`, `fit`, `migrateStorage` and the export/import loops. */
  readonly onProgress: ProgressCallback = (event: ProgressEvent) => {
    if (!this.io.stderrIsTTY) return;
    const now = Date.now();
    const finished = event.total > 0 && event.done >= event.total;
    if (event.phase === this.lastPhase && !finished && now - this.lastDraw < REDRAW_MS) return;
    if (this.drawn && event.phase !== this.lastPhase) this.io.stderr('\n');
    const pct = event.total > 0 ? ` (${Math.floor((100 * event.done) / event.total)}%)` : '';
    this.io.stderr(`\r\x1b[K${event.phase} ${event.done}/${event.total}${pct}`);
    this.lastDraw = now;
    this.lastPhase = event.phase;
    this.drawn = true;
  };

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.io.stderr('\n');
    this.drawn = false;
    this.lastPhase = '';
  }
}
