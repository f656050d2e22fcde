// The run log: one JSON object per line, appended as the run goes (loss, accuracies, learning
// rate, time, kernel metrics). Reports and plots are built from these records only.

import type { Platform } from '../platform/index.js';

/** A log record; `type` says what it measured (e.g. `step`, `epoch`, `kernel`, `eval`, `event`). */
export interface LogRecord {
  type: string;
  [field: string]: unknown;
}

export class RunLog {
  readonly records: LogRecord[] = [];
  private pending: Promise<void> = Promise.resolve();

  /** `path`: where lines are appended (created with its directory); null keeps records in memory only. */
  constructor(
    private readonly platform: Platform,
    readonly path: string | null,
  ) {}

  /** Adds a record (with wall time `t` in ms since the epoch) and appends it to the file in order. */
  write(record: LogRecord): void {
    const full = { ...record, t: Date.now() };
    this.records.push(full);
    if (this.path) {
      const path = this.path;
      this.pending = this.pending.then(() => this.platform.appendText(path, `${JSON.stringify(full)}\n`));
    }
  }

  /** Waits until every record written so far is on disk; rethrows a write error. */
  flush(): Promise<void> {
    return this.pending;
  }

  /** Records of one type, in order. */
  ofType(type: string): LogRecord[] {
    return this.records.filter((r) => r.type === type);
  }
}

/** Parses a JSON-lines log (e.g. read back from disk) into records; blank lines are skipped. */
export function parseRunLog(text: string): LogRecord[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LogRecord);
}
