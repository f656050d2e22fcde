// Assertions shared by the hostile cases of this suite's newer files: a typed failure (the code in
// stderr, the exit code, no crash, no stack trace, no hang) and a run log made of whole lines only.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseRunLog, type LogRecord } from '../../src/io/runlog.js';
import type { Finished } from './processes.js';

/** The typed failure every hostile case must end in: `[code]` in stderr, exit code `exit`, no crash, no hang. */
export function expectTyped(r: Finished, code: string, exit: number, pattern: RegExp = /./): void {
  expect(r.timedOut, `timed out after ${r.ms} ms\n${r.err}`).toBe(false);
  expect(r.signal, r.err).toBe(null);
  expect(r.err, r.err).toMatch(new RegExp(`\\[${code}\\]`));
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)|\n\s+at file:/); // no stack trace
  expect(r.code, r.err).toBe(exit);
}

/** The run log at `path`: every line whole (ends in a newline, parses as a record); its records. */
export function wholeLog(path: string): LogRecord[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n'), `${path} ends in a cut line: ${JSON.stringify(text.slice(-80))}`).toBe(true);
  return parseRunLog(text, path);
}

/** Step numbers of a log's step records: each once, none missing (1, 2, ... n). */
export function expectContiguousSteps(records: LogRecord[]): void {
  const steps = records.filter((r) => r.type === 'step').map((r) => r.step as number);
  expect(steps).toEqual(steps.map((_, i) => i + 1));
}
