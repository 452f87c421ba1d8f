/**
 * Shows progress: a bar with rows/s and ETA on a terminal, a plain log line every few seconds (and
 * at the end of each table) otherwise, so CI logs and `nohup` files stay readable.
 */
import { SingleBar } from 'cli-progress';
import type { TableProgress } from '../engine/run-migration';

export interface ProgressReporter {
  update(progress: TableProgress): void;
  /** A line shown at once (a retried batch, a lock wait), between progress updates. */
  notice(text: string): void;
  /** Ends the current bar or prints the last line of the current table. */
  finish(): void;
}

/** How often plain log lines are printed when not on a terminal. */
const LOG_INTERVAL_MS = 5_000;

export function createProgressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: { quiet?: boolean } = {}): ProgressReporter {
  if (options.quiet) return { update: () => undefined, notice: () => undefined, finish: () => undefined };
  return stream.isTTY ? new BarReporter(stream) : new LogReporter(stream);
}

/** Rows per second and seconds left for a table, from when its first progress arrived. */
class Rate {
  private readonly startedAt = Date.now();
  private readonly startScanned: number;

  constructor(first: TableProgress) {
    this.startScanned = first.scanned;
  }

  perSecond(progress: TableProgress): number {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? (progress.scanned - this.startScanned) / seconds : 0;
  }

  etaSeconds(progress: TableProgress): number | undefined {
    const rate = this.perSecond(progress);
    return rate > 0 ? Math.max(0, (progress.total - progress.scanned) / rate) : undefined;
  }
}

class BarReporter implements ProgressReporter {
  private bar: SingleBar | undefined;
  private table: string | undefined;
  private rate: Rate | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(progress: TableProgress): void {
    if (this.table !== `${progress.command} ${progress.model}`) {
      this.finish();
      this.table = `${progress.command} ${progress.model}`;
      this.rate = new Rate(progress);
      this.bar = new SingleBar({
        stream: this.stream as NodeJS.WriteStream,
        format: `${progress.command} ${progress.model} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | skipped {skipped} failed {failed} retried {retries}`,
        hideCursor: true,
        etaBuffer: 50,
      });
      this.bar.start(Math.max(progress.total, progress.scanned), progress.scanned, { speed: 0, skipped: 0, failed: 0, retries: 0 });
    }
    this.bar!.setTotal(Math.max(progress.total, progress.scanned));
    this.bar!.update(progress.scanned, {
      speed: Math.round(this.rate!.perSecond(progress)),
      skipped: progress.skipped,
      failed: progress.failed,
      retries: progress.retries,
    });
  }

  notice(text: string): void {
    // cli-progress redraws the bar on its line; a notice goes on the line above it
    this.stream.write(`\r\x1b[K[prisma-kms] ${text}\n`);
  }

  finish(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.table = undefined;
  }
}

class LogReporter implements ProgressReporter {
  private last: TableProgress | undefined;
  private rate: Rate | undefined;
  private lastPrintedAt = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(progress: TableProgress): void {
    if (this.last?.model !== progress.model || this.last.command !== progress.command) {
      this.finish();
      this.rate = new Rate(progress);
      this.lastPrintedAt = Date.now();
    }
    this.last = progress;
    if (Date.now() - this.lastPrintedAt >= LOG_INTERVAL_MS) this.print();
  }

  notice(text: string): void {
    this.stream.write(`[prisma-kms] ${text}\n`);
  }

  finish(): void {
    if (this.last) this.print();
    this.last = undefined;
  }

  private print(): void {
    const progress = this.last!;
    this.lastPrintedAt = Date.now();
    const percent = progress.total > 0 ? Math.min(100, Math.round((progress.scanned / progress.total) * 100)) : 100;
    const total = Math.max(progress.total, progress.scanned);
    const eta = this.rate?.etaSeconds(progress);
    this.stream.write(
      `[prisma-kms] ${progress.command} ${progress.model}: ${progress.scanned}/${total} rows (${percent}%), ` +
        `${Math.round(this.rate?.perSecond(progress) ?? 0)} rows/s` +
        (eta !== undefined && progress.scanned < progress.total ? `, ETA ${Math.ceil(eta)}s` : '') +
        `, written ${progress.written}, skipped ${progress.skipped}, failed ${progress.failed}` +
        (progress.retries > 0 ? `, retried ${progress.retries}` : '') +
        '\n',
    );
  }
}
