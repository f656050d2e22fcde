// The statistics the experiment reports use (float64, pure functions): the binomial standard error of an
// accuracy, paired differences over the same seeds with a t-based 95% interval, the verdict rule a finding
// is judged by, and the catastrophic-overfitting (CO) criterion on a run's validation curve.

import { NtkError } from '../errors.js';

// ---- binomial standard error ---------------------------------------------------------------------

/**
 * Standard error of an accuracy measured on `n` independent images: sqrt(p(1 − p)/n).
 *
 * @param accuracy - The accuracy as a fraction in [0, 1] (not in percent).
 * @param n - The number of images it was measured on (> 0).
 * @returns The standard error, as a fraction (0 when the accuracy is 0 or 1).
 * @throws NtkError `E_INVALID_ARGUMENT` when the accuracy is not in [0, 1] or `n` is not a positive finite number.
 */
export function binomialStandardError(accuracy: number, n: number): number {
  if (!(accuracy >= 0 && accuracy <= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `binomialStandardError: the accuracy must be a fraction in [0, 1], got ${accuracy}`, {
      accuracy,
    });
  }
  if (!(n > 0 && Number.isFinite(n))) {
    throw new NtkError('E_INVALID_ARGUMENT', `binomialStandardError: the number of images must be a positive finite number, got ${n}`, {
      n,
    });
  }
  return Math.sqrt((accuracy * (1 - accuracy)) / n);
}

// ---- Student t quantile --------------------------------------------------------------------------

/** The standard normal's 0.975 quantile: the limit of {@link studentT975} as df → ∞. */
export const NORMAL_975 = 1.959963984540054;

/** Lanczos coefficients (g = 7, n = 9): ln Γ to about 1e-15 relative. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  const MAX_ITERATIONS = 100_000;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new NtkError('E_NOT_CONVERGED', `incomplete beta: the continued fraction did not converge for a = ${a}, b = ${b}, x = ${x}`, {
    a,
    b,
    x,
  });
}

/** The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1]. */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Upper tail P(T > t) of Student's t with `df` degrees of freedom, for t ≥ 0: ½ I_{df/(df+t²)}(df/2, ½). */
function studentUpperTail(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
}

/** Quantiles already computed, by df (reports ask for the same few many times). */
const T975_CACHE = new Map<number, number>();

/**
 * The two-sided 95% quantile of Student's t distribution, t such that P(T > t) = 0.025, computed by
 * bisection on the t distribution's CDF (the regularized incomplete beta function, by its continued
 * fraction) until the bracket is 1e-13 of its value: accurate to 1e-9 or better (to about 1e-13 at small
 * df); not a table. Examples: df = 1 → 12.7062, 2 → 4.3027, 4 → 2.7764, 9 → 2.2622, 30 → 2.0423;
 * df = Infinity → 1.95996 ({@link NORMAL_975}).
 *
 * @param df - Degrees of freedom, ≥ 1 (need not be an integer; `Infinity` gives the normal quantile).
 * @throws NtkError `E_INVALID_ARGUMENT` when df is below 1 or NaN.
 */
export function studentT975(df: number): number {
  if (!(df >= 1)) throw new NtkError('E_INVALID_ARGUMENT', `studentT975: the degrees of freedom must be ≥ 1, got ${df}`, { df });
  if (df === Infinity) return NORMAL_975;
  const cached = T975_CACHE.get(df);
  if (cached !== undefined) return cached;
  // The quantile lies between the normal's and, for df ≥ 1, the Cauchy's (12.7062).
  let lo = NORMAL_975 * (1 - 1e-9);
  let hi = 12.8;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentUpperTail(mid, df) > 0.025) lo = mid;
    else hi = mid;
  }
  const t = 0.5 * (lo + hi);
  T975_CACHE.set(df, t);
  return t;
}

// ---- paired differences ----------------------------------------------------------------------------

/** Variant-minus-control differences over the same seeds, with their mean and t-based 95% interval. */
export interface PairedDifference {
  /** Number of pairs (seeds). */
  n: number;
  /** d_i = a_i − b_i per seed, in the seeds' order. */
  differences: number[];
  /** Mean of the differences. */
  mean: number;
  /** Sample standard deviation of the differences (divisor n − 1); NaN when n < 2. */
  sd: number;
  /** Standard error of the mean difference, sd/√n; NaN when n < 2. */
  standardError: number;
  /** The t quantile the interval uses, {@link studentT975}(n − 1); NaN when n < 2. */
  t: number;
  /** 95% confidence interval of the mean difference, mean ± t·sd/√n; [−∞, ∞] when n < 2 (one seed gives no interval). */
  ci95: { lo: number; hi: number };
  /** How many seeds have a positive, negative or zero difference. */
  signs: { positive: number; negative: number; zero: number };
}

/**
 * Paired comparison of a variant with its control over the same seeds: d_i = a_i − b_i, their mean,
 * sample standard deviation (n − 1), standard error sd/√n, and the 95% confidence interval
 * mean ± t975(n − 1)·sd/√n (Student's t with df = n − 1), plus the sign of each difference.
 *
 * With a single pair there is no spread to estimate: `sd`, `standardError` and `t` are NaN and the
 * interval is [−Infinity, Infinity], so {@link verdict} calls it inconclusive.
 *
 * @param a - The variant's values, one per seed.
 * @param b - The control's values for the same seeds, in the same order.
 * @throws NtkError `E_INVALID_ARGUMENT` when the lengths differ or there are no pairs;
 *   `E_NOT_FINITE` when a value is NaN or infinite (the message names the seed index).
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `pairedDifference: the variant has ${a.length} values and the control ${b.length}; they must be paired by seed`,
      { variant: a.length, control: b.length },
    );
  }
  if (a.length === 0) throw new NtkError('E_INVALID_ARGUMENT', 'pairedDifference: no pairs (both lists are empty)');
  const differences = a.map((ai, i) => {
    const bi = b[i]!;
    if (!Number.isFinite(ai) || !Number.isFinite(bi)) {
      throw new NtkError(
        'E_NOT_FINITE',
        `pairedDifference: seed index ${i} has a non-finite value (variant ${ai}, control ${bi}); drop the seed from both lists or rerun it`,
        { index: i, variant: ai, control: bi },
      );
    }
    return ai - bi;
  });
  const n = differences.length;
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const signs = {
    positive: differences.filter((d) => d > 0).length,
    negative: differences.filter((d) => d < 0).length,
    zero: differences.filter((d) => d === 0).length,
  };
  if (n < 2) return { n, differences, mean, sd: NaN, standardError: NaN, t: NaN, ci95: { lo: -Infinity, hi: Infinity }, signs };
  const sd = Math.sqrt(differences.reduce((s, d) => s + (d - mean) * (d - mean), 0) / (n - 1));
  const standardError = sd / Math.sqrt(n);
  const t = studentT975(n - 1);
  return { n, differences, mean, sd, standardError, t, ci95: { lo: mean - t * standardError, hi: mean + t * standardError }, signs };
}

// ---- verdicts --------------------------------------------------------------------------------------

/** The verdict of a finding on its paired difference. */
export type Verdict = 'supports' | 'contradicts' | 'inconclusive';

/** The rule {@link verdict} applies, as one sentence a report can print. */
export const VERDICT_RULE =
  'A result supports the expected effect when the whole 95% confidence interval of the paired difference ' +
  '(variant − control over the same seeds, t-based, df = seeds − 1) lies strictly beyond the minimal effect ' +
  'on the expected side (increase: lower end > minimal effect; decrease: upper end < −minimal effect), ' +
  'contradicts it when the whole interval lies strictly on the other side of zero (increase: upper end < 0; ' +
  'decrease: lower end > 0), and is inconclusive otherwise.';

/**
 * Judges a paired difference against the expected direction of an effect ({@link VERDICT_RULE}):
 * - `supports` when the whole 95% CI lies strictly on the expected side of the minimal effect
 *   (increase: lo > minimalEffect; decrease: hi < −minimalEffect);
 * - `contradicts` when the whole CI lies strictly on the other side of zero (increase: hi < 0; decrease: lo > 0);
 * - `inconclusive` otherwise (always so for a single seed, whose interval is unbounded).
 *
 * @param diff - The paired difference, variant − control ({@link pairedDifference}).
 * @param expected - The direction the finding predicts for variant − control.
 * @param minimalEffect - The smallest difference that counts as an effect, ≥ 0, in the values' units (default 0).
 * @throws NtkError `E_INVALID_ARGUMENT` for another `expected` or a negative or non-finite minimal effect.
 */
export function verdict(diff: PairedDifference, expected: 'increase' | 'decrease', minimalEffect = 0): Verdict {
  if (expected !== 'increase' && expected !== 'decrease') {
    throw new NtkError('E_INVALID_ARGUMENT', `verdict: expected must be 'increase' or 'decrease', got '${String(expected)}'`, { expected });
  }
  if (!(minimalEffect >= 0 && Number.isFinite(minimalEffect))) {
    throw new NtkError('E_INVALID_ARGUMENT', `verdict: the minimal effect must be a finite number ≥ 0, got ${minimalEffect}`, {
      minimalEffect,
    });
  }
  const { lo, hi } = diff.ci95;
  if (expected === 'increase') {
    if (lo > minimalEffect) return 'supports';
    if (hi < 0) return 'contradicts';
  } else {
    if (hi < -minimalEffect) return 'supports';
    if (lo > 0) return 'contradicts';
  }
  return 'inconclusive';
}

// ---- catastrophic overfitting ----------------------------------------------------------------------

/** One check of a run's validation curve; accuracies are fractions in [0, 1] on held-out (validation) images. */
export interface CoCheck {
  /** The epoch of the check (may be fractional); checks come in increasing epoch order. */
  epoch: number;
  /** Accuracy under the multi-step attack (PGD). */
  pgd: number;
  /** Accuracy under the single-step attack (FGSM). */
  singleStep: number;
}

/** Thresholds of the CO criterion (each optional; defaults in {@link CO_DEFAULTS}). */
export interface CoOptions {
  /** The PGD fall that counts, as a fraction of PGD's running maximum (default 0.5). */
  dropFraction?: number;
  /** The running maximum of PGD accuracy below which no drop counts (default 0.10: 10 points). */
  minPeak?: number;
  /** How far back (in epochs) a check is compared with earlier ones (default 1.0). */
  window?: number;
  /** Single-step minus PGD accuracy above which a check counts as CO (default 0.30: 30 points). */
  gap?: number;
}

/** The CO criterion's default thresholds. */
export const CO_DEFAULTS: Readonly<Required<CoOptions>> = Object.freeze({ dropFraction: 0.5, minPeak: 0.1, window: 1.0, gap: 0.3 });

/** Slack on the window's length, so that epochs accumulated in floating point (0.1 + 0.1 + …) compare as intended. */
const EPOCH_SLACK = 1e-9;

/** Whether and where a run's validation curve meets the CO criterion. */
export interface CatastrophicOverfitting {
  /** Whether some check meets the criterion. */
  collapsed: boolean;
  /** The epoch of the first check that meets it; null when none does. */
  at: number | null;
  /** Which part it met at that check ('drop' wins when both hold there); null when none. */
  reason: 'drop' | 'gap' | null;
}

/**
 * The catastrophic-overfitting criterion on a run's validation curve (independent of training accuracy).
 * A check j (PGD accuracy p_j, single-step accuracy s_j, epoch e_j) meets it when either
 * - drop: with M_j = max_{k ≤ j} p_k the running maximum of PGD accuracy, M_j ≥ minPeak and some earlier
 *   check i with e_j − e_i ≤ window has p_i − p_j ≥ dropFraction·M_j and s_j > s_i (PGD accuracy falls by
 *   at least half its running maximum within one epoch while single-step accuracy rises); or
 * - gap: s_j − p_j > gap.
 * The result names the first check that meets it; `drop` is reported when both parts hold there.
 *
 * @param curve - The checks, in increasing (non-decreasing) epoch order; accuracies are fractions in [0, 1].
 * @param options - Thresholds overriding {@link CO_DEFAULTS}.
 * @throws NtkError `E_NOT_FINITE` for a NaN or infinite value (naming the check's index);
 *   `E_INVALID_ARGUMENT` for an accuracy outside [0, 1], epochs out of order, or a bad threshold.
 */
export function catastrophicOverfitting(curve: readonly CoCheck[], options: CoOptions = {}): CatastrophicOverfitting {
  const { dropFraction, minPeak, window, gap } = { ...CO_DEFAULTS, ...options };
  const bad = (name: string, value: number, ok: boolean, range: string) => {
    if (!ok) throw new NtkError('E_INVALID_ARGUMENT', `catastrophicOverfitting: ${name} must be ${range}, got ${value}`, { [name]: value });
  };
  bad('dropFraction', dropFraction, dropFraction > 0 && dropFraction <= 1, 'in (0, 1]');
  bad('minPeak', minPeak, minPeak >= 0 && minPeak <= 1, 'in [0, 1]');
  bad('window', window, window > 0 && Number.isFinite(window), 'a positive number of epochs');
  bad('gap', gap, gap >= 0 && gap <= 1, 'in [0, 1]');
  curve.forEach((c, j) => {
    if (![c.epoch, c.pgd, c.singleStep].every(Number.isFinite)) {
      throw new NtkError(
        'E_NOT_FINITE',
        `catastrophicOverfitting: check ${j} has a non-finite value (epoch ${c.epoch}, pgd ${c.pgd}, singleStep ${c.singleStep})`,
        { index: j },
      );
    }
    if (!(c.pgd >= 0 && c.pgd <= 1 && c.singleStep >= 0 && c.singleStep <= 1)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `catastrophicOverfitting: check ${j} has an accuracy outside [0, 1] (pgd ${c.pgd}, singleStep ${c.singleStep}); pass fractions, not percent`,
        { index: j },
      );
    }
    if (j > 0 && c.epoch < curve[j - 1]!.epoch) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `catastrophicOverfitting: check ${j} (epoch ${c.epoch}) comes before check ${j - 1} (epoch ${curve[j - 1]!.epoch}); checks must be in epoch order`,
        { index: j },
      );
    }
  });
  let peak = -Infinity;
  for (let j = 0; j < curve.length; j++) {
    const c = curve[j]!;
    peak = Math.max(peak, c.pgd);
    if (peak >= minPeak) {
      for (let i = j - 1; i >= 0 && c.epoch - curve[i]!.epoch <= window + EPOCH_SLACK; i--) {
        const earlier = curve[i]!;
        if (earlier.pgd - c.pgd >= dropFraction * peak && c.singleStep > earlier.singleStep) {
          return { collapsed: true, at: c.epoch, reason: 'drop' };
        }
      }
    }
    if (c.singleStep - c.pgd > gap) return { collapsed: true, at: c.epoch, reason: 'gap' };
  }
  return { collapsed: false, at: null, reason: null };
}
