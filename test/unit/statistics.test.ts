// The statistics of the experiment reports (src/experiments/statistics.ts): t quantiles against
// published values, a paired difference computed by hand, the verdict rule on synthetic seed results,
// and the catastrophic-overfitting criterion on synthetic validation curves.

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import {
  binomialStandardError,
  catastrophicOverfitting,
  CO_DEFAULTS,
  NORMAL_975,
  pairedDifference,
  studentT975,
  verdict,
  VERDICT_RULE,
  type CoCheck,
  type PairedDifference,
} from '../../src/experiments/statistics.js';

function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(NtkError);
    return (error as NtkError).code;
  }
  throw new Error('expected an NtkError');
}

/** A curve from [epoch, pgd, singleStep] rows. */
const curve = (rows: Array<[number, number, number]>): CoCheck[] => rows.map(([epoch, pgd, singleStep]) => ({ epoch, pgd, singleStep }));

describe('binomialStandardError', () => {
  it('is sqrt(p(1-p)/n)', () => {
    expect(binomialStandardError(0.5, 100)).toBeCloseTo(0.05, 15);
    expect(binomialStandardError(0.9, 1000)).toBeCloseTo(Math.sqrt(0.09 / 1000), 15);
    expect(binomialStandardError(0, 10)).toBe(0);
    expect(binomialStandardError(1, 10)).toBe(0);
  });
  it('rejects percent and empty sets', () => {
    expect(errorCode(() => binomialStandardError(47, 100))).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => binomialStandardError(NaN, 100))).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => binomialStandardError(0.5, 0))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('studentT975', () => {
  const known: Array<[number, number]> = [
    [1, 12.7062],
    [2, 4.3027],
    [3, 3.1824],
    [4, 2.7764],
    [9, 2.2622],
    [30, 2.0423],
    [100, 1.984],
    [1000, 1.9623],
  ];
  for (const [df, t] of known) {
    it(`df = ${df} → ${t}`, () => expect(Math.abs(studentT975(df) - t)).toBeLessThan(1e-3));
  }
  it('is exact to many digits where the closed form is known', () => {
    // df = 1 (Cauchy): tan(0.475π); df = 2: t = 2(p − ½)/sqrt(2p(1 − p)) at p = 0.975.
    expect(studentT975(1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 9);
    expect(studentT975(2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.975 * 0.025), 9);
  });
  it('tends to the normal quantile and falls with df', () => {
    expect(Math.abs(studentT975(1e6) - 1.95996)).toBeLessThan(1e-3);
    expect(studentT975(Infinity)).toBe(NORMAL_975);
    expect(studentT975(1.5)).toBeLessThan(studentT975(1));
    expect(studentT975(1.5)).toBeGreaterThan(studentT975(2));
  });
  it('rejects df < 1', () => {
    expect(errorCode(() => studentT975(0.5))).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => studentT975(NaN))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('pairedDifference', () => {
  it('matches a hand computation', () => {
    // d = [2, 3, 1, 4]: mean 2.5, sd sqrt(5/3), se sqrt(5/3)/2, t(3) = 3.182446.
    const diff = pairedDifference([3, 5, 4, 6], [1, 2, 3, 2]);
    expect(diff.n).toBe(4);
    expect(diff.differences).toEqual([2, 3, 1, 4]);
    expect(diff.mean).toBe(2.5);
    expect(diff.sd).toBeCloseTo(1.2909944487358056, 12);
    expect(diff.standardError).toBeCloseTo(0.6454972243679028, 12);
    expect(diff.t).toBeCloseTo(3.182446305284263, 9);
    expect(diff.ci95.lo).toBeCloseTo(0.445739743239121, 8);
    expect(diff.ci95.hi).toBeCloseTo(4.5542602567608785, 8);
    expect(diff.signs).toEqual({ positive: 4, negative: 0, zero: 0 });
  });
  it('counts signs per seed', () => {
    expect(pairedDifference([1, 2, 3, 4], [2, 2, 1, 5]).signs).toEqual({ positive: 1, negative: 2, zero: 1 });
  });
  it('gives no interval for a single seed', () => {
    const diff = pairedDifference([0.6], [0.5]);
    expect(diff.n).toBe(1);
    expect(diff.mean).toBeCloseTo(0.1, 15);
    expect(diff.sd).toBeNaN();
    expect(diff.ci95).toEqual({ lo: -Infinity, hi: Infinity });
    expect(verdict(diff, 'increase')).toBe('inconclusive');
  });
  it('names the seed that has a NaN', () => {
    let caught: unknown;
    try {
      pairedDifference([0.5, 0.4, 0.6], [0.5, NaN, 0.5]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NtkError);
    expect((caught as NtkError).code).toBe('E_NOT_FINITE');
    expect((caught as NtkError).message).toContain('seed index 1');
    expect((caught as NtkError).details.index).toBe(1);
    expect(errorCode(() => pairedDifference([NaN], [0.5]))).toBe('E_NOT_FINITE');
  });
  it('rejects unpaired or empty lists', () => {
    expect(errorCode(() => pairedDifference([1, 2], [1]))).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => pairedDifference([], []))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('verdict', () => {
  const control = [0.4, 0.42, 0.38, 0.41, 0.39];
  const withDifferences = (d: number[]) =>
    pairedDifference(
      control.map((c, i) => c + d[i]!),
      control,
    );
  const clear = withDifferences([0.05, 0.052, 0.048, 0.051, 0.049]);
  const none = withDifferences([0.01, -0.02, 0.015, -0.005, 0.0]);
  const reversed = withDifferences([-0.05, -0.052, -0.048, -0.051, -0.049]);

  it('supports a clear effect in the expected direction', () => {
    expect(clear.ci95.lo).toBeGreaterThan(0.04);
    expect(verdict(clear, 'increase')).toBe('supports');
    expect(verdict(clear, 'increase', 0.02)).toBe('supports');
    expect(verdict(reversed, 'decrease')).toBe('supports');
  });
  it('is inconclusive when the effect is smaller than the minimal effect, or absent', () => {
    expect(verdict(clear, 'increase', 0.06)).toBe('inconclusive');
    expect(none.ci95.lo).toBeLessThan(0);
    expect(none.ci95.hi).toBeGreaterThan(0);
    expect(verdict(none, 'increase')).toBe('inconclusive');
    expect(verdict(none, 'decrease')).toBe('inconclusive');
  });
  it('contradicts a reversed effect', () => {
    expect(verdict(reversed, 'increase')).toBe('contradicts');
    expect(verdict(clear, 'decrease')).toBe('contradicts');
    // Even with a minimal effect: the other side is measured from zero.
    expect(verdict(reversed, 'increase', 0.02)).toBe('contradicts');
  });
  it('uses strict inequalities at the interval ends', () => {
    const at = (lo: number, hi: number): PairedDifference => ({ ...clear, ci95: { lo, hi } });
    expect(verdict(at(0.02, 0.1), 'increase', 0.02)).toBe('inconclusive');
    expect(verdict(at(0.03, 0.1), 'increase', 0.02)).toBe('supports');
    expect(verdict(at(-0.1, 0), 'increase')).toBe('inconclusive');
    expect(verdict(at(-0.1, -0.02), 'decrease', 0.02)).toBe('inconclusive');
    expect(verdict(at(0, 0.1), 'decrease')).toBe('inconclusive');
    // The region between zero and the minimal effect is neither support nor contradiction.
    expect(verdict(at(0.005, 0.015), 'increase', 0.02)).toBe('inconclusive');
  });
  it('states its rule and rejects bad arguments', () => {
    expect(VERDICT_RULE).toContain('95%');
    expect(VERDICT_RULE.split('. ').length).toBe(1);
    expect(errorCode(() => verdict(clear, 'increase', -0.01))).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => verdict(clear, 'up' as 'increase'))).toBe('E_INVALID_ARGUMENT');
  });
});

describe('catastrophicOverfitting', () => {
  it('has the documented defaults', () => {
    expect(CO_DEFAULTS).toEqual({ dropFraction: 0.5, minPeak: 0.1, window: 1.0, gap: 0.3 });
  });
  it('fires on a collapse: PGD 40% → 5% within an epoch while FGSM rises 50% → 90%', () => {
    const collapse = curve([
      [1, 0.3, 0.4],
      [2, 0.4, 0.5],
      [2.5, 0.3, 0.58],
      [3, 0.05, 0.9],
      [4, 0.02, 0.95],
    ]);
    expect(catastrophicOverfitting(collapse)).toEqual({ collapsed: true, at: 3, reason: 'drop' });
  });
  it('fires on a drop of exactly half the running maximum, compared with a check exactly one epoch before', () => {
    const drop = curve([
      [0, 0.25, 0.25],
      [1, 0.5, 0.5],
      [2, 0.25, 0.53125],
    ]);
    expect(catastrophicOverfitting(drop)).toEqual({ collapsed: true, at: 2, reason: 'drop' });
    // Just over one epoch apart: no earlier check in the window.
    const late = curve([
      [0, 0.25, 0.25],
      [1, 0.5, 0.5],
      [2.25, 0.25, 0.53125],
    ]);
    expect(catastrophicOverfitting(late)).toEqual({ collapsed: false, at: null, reason: null });
    // A wider window catches it.
    expect(catastrophicOverfitting(late, { window: 1.5 })).toEqual({ collapsed: true, at: 2.25, reason: 'drop' });
  });
  it('counts the fall against the running maximum, not the earlier check', () => {
    // Peak 0.5 at epoch 1; a fall of 0.1875 within one epoch (0.375 → 0.1875) is under half of 0.5.
    const partial = curve([
      [1, 0.5, 0.5],
      [3, 0.375, 0.375],
      [4, 0.1875, 0.4375],
    ]);
    expect(catastrophicOverfitting(partial)).toEqual({ collapsed: false, at: null, reason: null });
    expect(catastrophicOverfitting(partial, { dropFraction: 0.375 })).toEqual({ collapsed: true, at: 4, reason: 'drop' });
  });
  it('allows for rounding in the window (2.2 − 1.2 is 1.0000000000000002 in float64)', () => {
    const rows = curve([
      [1.2, 0.4, 0.5],
      [1.7, 0.4, 0.6],
      [2.2, 0.1, 0.6],
    ]);
    expect(2.2 - 1.2).toBeGreaterThan(1);
    expect(catastrophicOverfitting(rows)).toEqual({ collapsed: true, at: 2.2, reason: 'drop' });
  });
  it('fires on a gap between single-step and PGD accuracy', () => {
    const gap = curve([
      [1, 0.3, 0.45],
      [2, 0.25, 0.5],
      [3, 0.2, 0.55],
      [4, 0.15, 0.6],
    ]);
    expect(catastrophicOverfitting(gap)).toEqual({ collapsed: true, at: 3, reason: 'gap' });
    // The gap must exceed the threshold: 0.25 exactly does not.
    const edge = curve([[1, 0.25, 0.5]]);
    expect(catastrophicOverfitting(edge, { gap: 0.25 })).toEqual({ collapsed: false, at: null, reason: null });
    expect(catastrophicOverfitting(curve([[1, 0.25, 0.5625]]), { gap: 0.25 })).toEqual({ collapsed: true, at: 1, reason: 'gap' });
  });
  it('does not fire on noise near 0% (a model that never became robust)', () => {
    const pgd = [0.02, 0.06, 0.0, 0.05, 0.01, 0.06, 0.0, 0.04, 0.0, 0.03];
    const fgsm = [0.1, 0.12, 0.18, 0.15, 0.2, 0.14, 0.22, 0.16, 0.25, 0.2];
    const noise = curve(pgd.map((p, i) => [0.5 * (i + 1), p, fgsm[i]!]));
    expect(catastrophicOverfitting(noise)).toEqual({ collapsed: false, at: null, reason: null });
    // The peak threshold is what keeps it quiet: without it, 6% → 0% with FGSM rising would count.
    expect(catastrophicOverfitting(noise, { minPeak: 0 }).reason).toBe('drop');
  });
  it('does not fire on a slow decline of PGD accuracy (robust overfitting)', () => {
    const slow = curve([
      [1, 0.45, 0.5],
      [2, 0.5, 0.55],
      [3, 0.48, 0.57],
      [4, 0.46, 0.59],
      [5, 0.44, 0.61],
      [6, 0.42, 0.63],
      [7, 0.4, 0.65],
    ]);
    expect(catastrophicOverfitting(slow)).toEqual({ collapsed: false, at: null, reason: null });
  });
  it('does not fire when PGD falls but single-step accuracy falls too', () => {
    const both = curve([
      [1, 0.3, 0.4],
      [2, 0.4, 0.5],
      [3, 0.05, 0.2],
      [4, 0.04, 0.18],
    ]);
    expect(catastrophicOverfitting(both)).toEqual({ collapsed: false, at: null, reason: null });
    // Single-step accuracy that stays equal does not count as rising either.
    const flat = curve([
      [1, 0.4, 0.3],
      [2, 0.05, 0.3],
    ]);
    expect(catastrophicOverfitting(flat)).toEqual({ collapsed: false, at: null, reason: null });
  });
  it('does not fire on an empty curve, and rejects bad input', () => {
    expect(catastrophicOverfitting([])).toEqual({ collapsed: false, at: null, reason: null });
    expect(
      errorCode(() =>
        catastrophicOverfitting(
          curve([
            [1, 0.4, 0.5],
            [2, NaN, 0.5],
          ]),
        ),
      ),
    ).toBe('E_NOT_FINITE');
    expect(errorCode(() => catastrophicOverfitting(curve([[1, 40, 50]])))).toBe('E_INVALID_ARGUMENT');
    expect(
      errorCode(() =>
        catastrophicOverfitting(
          curve([
            [2, 0.4, 0.5],
            [1, 0.4, 0.5],
          ]),
        ),
      ),
    ).toBe('E_INVALID_ARGUMENT');
    expect(errorCode(() => catastrophicOverfitting([], { window: 0 }))).toBe('E_INVALID_ARGUMENT');
  });
});
