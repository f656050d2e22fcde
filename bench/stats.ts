// The statistics of `npm run bench` (scripts/bench.mjs imports them from dist/bench.js): a case's
// timed runs become a median and a spread (the range, min to max), and a comparison of two sides
// is significant only when their ranges do not overlap.

import { check } from '../src/errors.js';

/** Timed runs every side takes of a case (after its warm-up), unless it fails first. */
export const MIN_RUNS = 5;

/** A side's timed runs of a case, summarized. */
export interface TimeSummary {
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** (max - min) / median. */
  spread: number;
}

/** Median, min, max and relative range of `times_ms` (at least one run). */
export function summarizeTimes(times_ms: readonly number[]): TimeSummary {
  check(times_ms.length > 0, 'summarizeTimes: no timed runs to summarize.');
  const t = [...times_ms].sort((a, b) => a - b);
  const mid = t.length >> 1;
  const median = t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
  return { runs: t.length, median_ms: median, min_ms: t[0], max_ms: t[t.length - 1], spread: (t[t.length - 1] - t[0]) / median };
}

/**
 * Whether two sides' times differ: their ranges [min, max] do not overlap. With 5 runs a side and no
 * real difference (all 10 runs exchangeable), disjoint ranges happen with probability 2/C(10,5) =
 * 0.8 %, so a comparison called significant is one a noise-only run would rarely produce.
 */
export function significant(a: Pick<TimeSummary, 'min_ms' | 'max_ms'>, b: Pick<TimeSummary, 'min_ms' | 'max_ms'>): boolean {
  return a.max_ms < b.min_ms || b.max_ms < a.min_ms;
}
