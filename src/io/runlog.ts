// The run log: one JSON object per line, appended as the run goes (loss, accuracies, learning
// rate, time, kernel metrics). Reports and plots are built from these records only. A resumed run
// rewinds the log to its checkpoint first, so the file stays a true record (no repeated steps).
// Each record is appended as one write of a whole line; a torn last line (a crash or a full disk
// mid-append) is dropped by every reader and cut off before this log first appends after it.

import { NtkError } from '../errors.js';
import type { Platform } from '../platform/index.js';

/** A log record; `type` says what it measured (e.g. `step`, `epoch`, `kernel`, `eval`, `event`). */
export interface LogRecord {
  type: string;
  [field: string]: unknown;
}

/** The run log: JSON records kept in memory and appended, in order, to a JSON-lines file. */
export class RunLog {
  records: LogRecord[] = [];
  private pending: Promise<void> = Promise.resolve();
  /** Whether the file's tail was checked (a torn last line cut off) before this log's first append. */
  private tailChecked = false;

  /** `path`: where lines are appended (created with its directory); null keeps records in memory only. */
  constructor(
    private readonly platform: Platform,
    readonly path: string | null,
  ) {}

  /**
   * Adds a record (with wall time `t` in ms since the epoch) and appends it to the file in order.
   * A `resume` event (`{ type: 'event', event: 'resume', step }`) first rewinds the log to `step`.
   */
  write(record: LogRecord): void {
    if (record.type === 'event' && record.event === 'resume' && typeof record.step === 'number') this.rewind(record.step);
    const full = { ...record, t: Date.now() };
    this.records.push(full);
    if (this.path) {
      const path = this.path;
      this.checkTail(path);
      this.pending = this.pending.then(() => this.platform.appendText(path, `${JSON.stringify(full)}\n`));
      this.pending.catch(() => undefined); // a failed write (a full disk) rejects flush(); until then it must not end the process unhandled
    }
  }

  /**
   * Drops every record with a `step` past `step` (what a killed run logged after its last
   * checkpoint, which the resumed run logs again), in memory and, atomically, in the file; the
   * records kept in the file become this log's records, so a report covers the whole run.
   */
  rewind(step: number): void {
    const after = (r: LogRecord) => typeof r.step === 'number' && r.step > step;
    this.records = this.records.filter((r) => !after(r));
    const written = this.records.length; // in the file by the time the chained rewrite runs
    if (!this.path) return;
    const path = this.path;
    this.tailChecked = true; // the rewrite below keeps whole records only
    this.pending = this.pending.then(async () => {
      const text = await this.platform.readFile(path).then(
        (b) => new TextDecoder().decode(b),
        () => '',
      );
      const kept = parseRunLog(text, path).filter((r) => !after(r));
      await this.platform.writeFileAtomic(path, new TextEncoder().encode(kept.map((r) => `${JSON.stringify(r)}\n`).join('')));
      this.records = [...kept, ...this.records.slice(written)];
    });
    this.pending.catch(() => undefined);
  }

  /** Before the first append: a torn last line (no newline, not JSON) is cut off, so no record is fused into it. */
  private checkTail(path: string): void {
    if (this.tailChecked) return;
    this.tailChecked = true;
    this.pending = this.pending.then(async () => {
      const text = await this.platform.readFile(path).then(
        (b) => new TextDecoder().decode(b),
        () => '',
      );
      if (text === '' || text.endsWith('\n')) return;
      const cut = text.lastIndexOf('\n') + 1; // a whole record that lost only its newline keeps it
      const kept = isJson(text.slice(cut)) ? `${text}\n` : text.slice(0, cut);
      await this.platform.writeFileAtomic(path, new TextEncoder().encode(kept));
    });
    this.pending.catch(() => undefined);
  }

  /** Waits until every record written so far is on disk; rethrows a write error (every later call too). */
  flush(): Promise<void> {
    return this.pending;
  }

  /** Records of one type, in order. */
  ofType(type: string): LogRecord[] {
    return this.records.filter((r) => r.type === type);
  }
}

/**
 * Parses a JSON-lines log (e.g. read back from disk) into records; blank lines are skipped. A last
 * line without its newline that does not parse is a torn append (a crash or a full disk mid-write)
 * and is dropped; any other line that is not a JSON object with a string `type` is E_DATA_FORMAT
 * naming `source` and the line.
 */
export function parseRunLog(text: string, source = 'run log'): LogRecord[] {
  const records: LogRecord[] = [];
  const lines = text.split('\n');
  const last = lines.length - 1; // text.endsWith('\n'): lines[last] is ''; otherwise it is the unterminated tail
  for (let i = 0; i < lines.length; i++) {
    if (i === last && lines[i] !== '' && !isJson(lines[i])) break;
    if (!lines[i].trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch (e) {
      throw badLine(source, i + 1, `is not JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw badLine(source, i + 1, `is ${JSON.stringify(value)}, not a record object`);
    if (typeof (value as LogRecord).type !== 'string') throw badLine(source, i + 1, 'has no string "type"');
    records.push(value as LogRecord);
  }
  return records;
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function badLine(source: string, line: number, problem: string): NtkError {
  return new NtkError(
    'E_DATA_FORMAT',
    `${source}: line ${line} ${problem}; a run log holds one JSON record per line (fix or delete that line).`,
    {
      file: source,
      line,
    },
  );
}
