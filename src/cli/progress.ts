// A progress bar for long CLI work: redraws one line on a terminal, prints sparse plain lines
// otherwise (logs, CI), so output stays readable in both.

export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

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
