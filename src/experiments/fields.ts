// Field getters for log records that experiment analyses share (missing fields read as NaN).

import type { LogRecord } from '../io/runlog.js';

export const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

export const field = {
  epochFraction: (r: LogRecord) => num(r.epochFraction),
  /** The epoch count at the end of an `epoch` record (epoch is 0-based). */
  epochEnd: (r: LogRecord) => num(r.epoch) + 1,
};
