/**
 * A progress bar on stderr (cli-progress) while a step runs. When stderr is
 * not a TTY (CI, a pipe), it prints one line per step start and nothing else.
 */
import cliProgress from 'cli-progress';

export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private bar: cliProgress.SingleBar | undefined;

  /** Starts a step; ends the previous one. */
  start(title: string): void {
    this.stop();
    if (!this.tty) {
      process.stderr.write(`[bench] ${title}\n`);
      return;
    }
    this.bar = new cliProgress.SingleBar(
      {
        format: `${title.slice(0, 44).padEnd(44)} {phase} [{bar}] {value}/{total} | {duration_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(1, 0, { phase: 'start'.padEnd(14) });
  }

  update(phase: string, done: number, total: number): void {
    if (!this.bar) return;
    this.bar.setTotal(Math.max(total, 1));
    this.bar.update(done, { phase: phase.slice(0, 14).padEnd(14) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
