// The bench's statistics (bench/stats.ts): the median and range of a side's timed runs, and the rule
// that calls a comparison significant only when the two sides' ranges do not overlap.

import { describe, expect, it } from 'vitest';
import { significant, summarizeTimes } from '../../bench/stats.js';

describe('bench statistics', () => {
  it('summarizes runs by median and range, whatever their order', () => {
    expect(summarizeTimes([30, 10, 20, 50, 40])).toEqual({ runs: 5, median_ms: 30, min_ms: 10, max_ms: 50, spread: 40 / 30 });
    expect(summarizeTimes([4, 1, 3, 2]).median_ms).toBe(2.5);
  });

  it('rejects an empty list of runs with a typed error', () => {
    expect(() => summarizeTimes([])).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('calls overlapping ranges not significant, even with different medians', () => {
    const a = summarizeTimes([100, 104, 98, 130, 101]);
    const b = summarizeTimes([120, 125, 119, 97, 122]); // medians 101 vs 120, but b's 97 lies inside a's range
    expect(significant(a, b)).toBe(false);
    expect(significant(b, a)).toBe(false);
    const touching = summarizeTimes([10, 11, 12, 13, 14]);
    expect(significant(touching, summarizeTimes([14, 15, 16, 17, 18]))).toBe(false); // a shared run time overlaps
  });

  it('calls clearly separated ranges significant, in either order', () => {
    const fast = summarizeTimes([10, 11, 10.5, 12, 10.2]);
    const slow = summarizeTimes([20, 19, 25, 21, 20.5]);
    expect(significant(fast, slow)).toBe(true);
    expect(significant(slow, fast)).toBe(true);
    expect(significant(summarizeTimes([13.9, 13, 12]), summarizeTimes([14, 15, 16]))).toBe(true);
  });
});
