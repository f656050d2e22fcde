// A progress bar for long CLI work: redraws one line on a terminal, prints sparse plain lines
// otherwise (logs, CI), so output stays readable in both.

/** Where a bar draws: a terminal (redrawn in place) or a log (sparse plain lines). */
export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

/** One progress bar: `update` as work is done, `finish` at the end (draws to `sink`, timed by `now`). */
export class ProgressBar {
  private lastPlain = -1;
  private readonly start: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink,
    private readonly now: () => number,
  ) {
    this.start = now();
  }

  /** Shows `done` of `total` with an optional status text (e.g. the current loss). */
  update(done: number, status = ''): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (this.now() - this.start) / 1000;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : 0;
    const text = `${this.label} ${done}/${this.total} ${(100 * fraction).toFixed(0)}% ${elapsed.toFixed(0)}s elapsed, ~${eta.toFixed(0)}s left ${status}`;
    if (this.sink.isTTY) {
      const width = 24;
      const filled = Math.round(width * fraction);
      this.sink.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile > this.lastPlain || done === this.total) {
        this.lastPlain = decile;
        this.sink.write(`${text}\n`);
      }
    }
  }

  finish(status = ''): void {
    this.update(this.total, status);
    if (this.sink.isTTY) this.sink.write('\n');
  }
}

/** A progress report from a loop that counts its work: `done` of `total` units, with an optional status. */
export type ProgressCallback = (done: number, total: number, status?: string) => void;

/**
 * A ProgressCallback that draws one bar labelled `label` for a loop (e.g. the per-epoch validation
 * check or the final evaluation, batch by batch): the bar starts at the first report and finishes
 * when `done` reaches `total`; a later report starts a new bar.
 */
export function progressCallback(label: string, sink: ProgressSink, now: () => number): ProgressCallback {
  let bar: ProgressBar | null = null;
  return (done, total, status = '') => {
    bar ??= new ProgressBar(label, total, sink, now);
    if (done < total) {
      bar.update(done, status);
      return;
    }
    bar.finish(status);
    bar = null;
  };
}
