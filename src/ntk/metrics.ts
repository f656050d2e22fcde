// Kernel metrics over training (docs/METHODS.md §2), in float64 on dense row-major n x n kernels:
// similarity and distance, velocity, polar dynamics, spectrum statistics (through the WASM eigh)
// and kernel-target alignment. Pure functions; only the spectrum ones are async (they load WASM).

import { check, NtkError } from '../errors.js';
import { DEFAULT_EIGH_OPTIONS, eigh, type DenseMatrix, type EighOptions } from '../linalg/eigh.js';
import { requireMatrix, resolveOptions } from '../options.js';

/** A kernel: dense row-major n x n, float64 (float32 input is read as float64). */
export type KernelMatrix = DenseMatrix;

/**
 * Similarity S(K1, K2) = <K1, K2>_F / (‖K1‖_F ‖K2‖_F), in [−1, 1] (rounded into it).
 * Errors: E_SHAPE_MISMATCH (empty, not square, different sizes), E_NOT_FINITE,
 * E_INVALID_ARGUMENT (a zero kernel: S is undefined).
 */
export function kernelSimilarity(k1: KernelMatrix, k2: KernelMatrix): number {
  checkPair(k1, k2, 'kernelSimilarity');
  const n1 = norm(k1, 'kernelSimilarity', 'first kernel');
  const n2 = norm(k2, 'kernelSimilarity', 'second kernel');
  let dot = 0;
  for (let i = 0; i < k1.length; i++) dot += k1[i] * k2[i];
  return Math.min(1, Math.max(-1, dot / n1 / n2));
}

/**
 * Kernel distance KD = 1 − S(K1, K2), in [0, 2]. Computed as ½‖K1/‖K1‖ − K2/‖K2‖‖²_F (the same
 * quantity): for nearly parallel kernels at angle θ its relative error is ~ 2^-52/θ, where 1 − S
 * would have ~ 2^-52/θ² (at θ = 1e-6: 1e-10 instead of 1e-4).
 */
export function kernelDistance(k1: KernelMatrix, k2: KernelMatrix): number {
  checkPair(k1, k2, 'kernelDistance');
  return 0.5 * unitDifference(k1, k2, 'kernelDistance') ** 2;
}

/**
 * Kernel velocity KD(K_t, K_{t+Δ}) / Δ between two checkpoints `delta` apart. The unit of `delta`
 * (epochs or optimizer steps) is the caller's choice and the result is "distance per that unit":
 * record which one you used. `delta` must be finite and > 0.
 */
export function kernelVelocity(kt: KernelMatrix, ktPlusDelta: KernelMatrix, delta: number): number {
  check(Number.isFinite(delta) && delta > 0, `kernelVelocity: delta must be a finite number > 0 (epochs or steps), got ${delta}.`, {
    delta,
  });
  return kernelDistance(kt, ktPlusDelta) / delta;
}

/** A kernel's position relative to the initial kernel K_0 and the final kernel K_T. */
export interface PolarPoint {
  /** ‖K_t − K_0‖_F / ‖K_T − K_0‖_F: 0 at the start, 1 at the end. */
  radius: number;
  /**
   * arccos S(K_t, K_0) in radians, in [0, π]. Computed as 2·asin(‖K̂_t − K̂_0‖_F / 2) with
   * K̂ = K/‖K‖_F (the same angle), which stays accurate for small angles where arccos does not.
   */
  angle: number;
}

/** Polar dynamics of K_t against K_0 and K_T. E_INVALID_ARGUMENT if K_T = K_0 (radius undefined). */
export function polarDynamics(kt: KernelMatrix, k0: KernelMatrix, kFinal: KernelMatrix): PolarPoint {
  checkPair(kt, k0, 'polarDynamics');
  checkPair(kFinal, k0, 'polarDynamics');
  const chord = unitDifference(kt, k0, 'polarDynamics');
  norm(kFinal, 'polarDynamics', 'final kernel');
  const span = differenceNorm(kFinal, k0);
  check(span > 0, 'polarDynamics: the final kernel equals the initial kernel, so the radius ‖K_t − K_0‖/‖K_T − K_0‖ is undefined.');
  const radius = differenceNorm(kt, k0) / span;
  return { radius, angle: 2 * Math.asin(Math.min(1, chord / 2)) };
}

/** Polar dynamics of a whole trajectory: K_0 = kernels[0], K_T = the last; one point per kernel. */
export function polarTrajectory(kernels: readonly KernelMatrix[]): { radius: Float64Array; angle: Float64Array } {
  check(kernels.length >= 2, `polarTrajectory: needs at least 2 kernels (K_0 ... K_T), got ${kernels.length}.`);
  const k0 = kernels[0];
  const kFinal = kernels[kernels.length - 1];
  const radius = new Float64Array(kernels.length);
  const angle = new Float64Array(kernels.length);
  kernels.forEach((k, t) => {
    ({ radius: radius[t], angle: angle[t] } = polarDynamics(k, k0, kFinal));
  });
  return { radius, angle };
}

/** trace(K) = Σ_i K_ii, read from the diagonal (exactly the sum of the eigenvalues, up to rounding). */
export function kernelTrace(k: KernelMatrix): number {
  const n = order(k, 'kernelTrace');
  let t = 0;
  for (let i = 0; i < n; i++) t += k[i * n + i];
  if (!Number.isFinite(t)) throw notFinite(k, 'kernelTrace', 'kernel');
  return t;
}

/**
 * The constant mode's share of the top eigenvalue: (1ᵀK1 / n) / λ_max, the Rayleigh quotient of the all-ones
 * direction over the largest eigenvalue; in [0, 1] for a PSD kernel, near 1 when one component common to every
 * probe's Jacobian dominates the kernel (the signature of inputs far from zero mean, e.g. without Normalize).
 */
export function constantModeShare(k: KernelMatrix, lambdaMax: number): number {
  const n = order(k, 'constantModeShare');
  check(
    Number.isFinite(lambdaMax) && lambdaMax > 0,
    `constantModeShare: lambdaMax must be a positive number (the kernel's largest eigenvalue), got ${lambdaMax}.`,
    { lambdaMax },
  );
  let s = 0;
  for (let i = 0; i < k.length; i++) s += k[i];
  if (!Number.isFinite(s)) throw notFinite(k, 'constantModeShare', 'kernel');
  return s / n / lambdaMax;
}

/** All eigenvalues of the kernel, descending (eigh in WASM); `symmetryTolerance` as in EighOptions. */
export async function kernelSpectrum(
  k: KernelMatrix,
  options: Partial<Pick<EighOptions, 'symmetryTolerance'>> = {},
): Promise<Float64Array> {
  const { symmetryTolerance } = resolveOptions('kernelSpectrum', { symmetryTolerance: DEFAULT_EIGH_OPTIONS.symmetryTolerance }, options);
  const n = order(k, 'kernelSpectrum');
  return (await eigh(k, n, { symmetryTolerance })).values;
}

/**
 * 2-norm condition number of a symmetric matrix from its eigenvalues: max|λ| / min|λ|. For a
 * positive definite kernel this is λ_max/λ_min. Treatment of λ_min ≤ 0: a zero eigenvalue gives
 * Infinity (singular); a negative one (indefinite input, or rounding noise in a singular PSD
 * kernel) counts by its magnitude, so rounding noise gives a large finite number, not a negative one.
 */
export function conditionNumber(eigenvalues: ArrayLike<number>): number {
  checkSpectrum(eigenvalues, 'conditionNumber');
  let big = 0;
  let small = Infinity;
  for (let i = 0; i < eigenvalues.length; i++) {
    const a = Math.abs(eigenvalues[i]);
    big = Math.max(big, a);
    small = Math.min(small, a);
  }
  return small === 0 ? Infinity : big / small;
}

/**
 * Top-k energy E_k = Σ_{i<k} λ_i² / Σ_i λ_i² over eigenvalues sorted DESCENDING (as eigh returns
 * them); k ≥ n gives 1. E_INVALID_ARGUMENT for k not a positive integer, unsorted input or an
 * all-zero spectrum.
 */
export function topKEnergy(eigenvalues: ArrayLike<number>, k: number): number {
  checkSpectrum(eigenvalues, 'topKEnergy');
  check(Number.isInteger(k) && k >= 1, `topKEnergy: k must be a positive integer, got ${k}.`, { k });
  let top = 0;
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const sq = eigenvalues[i] ** 2;
    total += sq;
    if (i < k) top += sq;
  }
  check(total > 0, 'topKEnergy: all eigenvalues are zero (a zero kernel), so the energy fraction is undefined.');
  return top / total;
}

/**
 * Effective rank exp(−Σ p_i log p_i), p_i = λ_i⁺ / Σ_j λ_j⁺ (Roy & Vetterli 2007), for a PSD
 * kernel's eigenvalues (descending). Negative eigenvalues are rounding noise of a PSD kernel and are
 * clamped to 0 (λ⁺ = max(λ, 0)); one below −psdTolerance·λ_max means the matrix is not PSD and
 * raises E_NOT_PSD. The identity gives n; a rank-r projector gives r.
 */
export function effectiveRank(eigenvalues: ArrayLike<number>, psdTolerance = DEFAULT_SPECTRUM_OPTIONS.psdTolerance): number {
  checkSpectrum(eigenvalues, 'effectiveRank');
  checkPsd(eigenvalues, psdTolerance, 'effectiveRank');
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) total += Math.max(eigenvalues[i], 0);
  check(total > 0, 'effectiveRank: no positive eigenvalue (a zero kernel), so the effective rank is undefined.');
  let entropy = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const p = Math.max(eigenvalues[i], 0) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** Options of kernelTargetAlignment. */
export interface AlignmentOptions {
  /**
   * false (default): the alignment <K, YYᵀ>_F / (‖K‖_F ‖YYᵀ‖_F) of Cristianini et al. (2002), as
   * docs/METHODS.md writes it. true: the centered alignment of Cortes, Mohri & Rostamizadeh (2012), the
   * same formula on HKH and HYYᵀH with H = I − 11ᵀ/n, which is insensitive to a constant offset in K
   * and to class imbalance; it needs at least two classes present.
   */
  centered: boolean;
}

/** The plain (uncentered) alignment. */
export const DEFAULT_ALIGNMENT_OPTIONS: Readonly<AlignmentOptions> = Object.freeze({ centered: false });

/**
 * Kernel-target alignment of K (n x n) with one-hot targets Y (n x C) built from integer class
 * `labels` (length n). (YYᵀ)_ij = 1 when labels i and j agree, so the number of classes does not
 * matter. Result in [−1, 1].
 */
export function kernelTargetAlignment(k: KernelMatrix, labels: ArrayLike<number>, options: Partial<AlignmentOptions> = {}): number {
  const { centered } = resolveOptions('kernelTargetAlignment', DEFAULT_ALIGNMENT_OPTIONS, options);
  const n = order(k, 'kernelTargetAlignment');
  if (labels.length !== n) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `kernelTargetAlignment: ${labels.length} labels for an ${n} x ${n} kernel; pass one class index per kernel row.`,
      {
        labels: labels.length,
        n,
      },
    );
  }
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    check(Number.isInteger(labels[i]), `kernelTargetAlignment: labels must be integer class indices; labels[${i}] = ${labels[i]}.`, {
      index: i,
    });
    counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  }
  const kNorm = norm(k, 'kernelTargetAlignment', 'kernel');

  if (!centered) {
    let inner = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (labels[i] === labels[j]) inner += k[i * n + j];
    let targetSq = 0;
    for (const c of counts.values()) targetSq += c * c;
    return clampUnit(inner / (kNorm * Math.sqrt(targetSq)));
  }

  // Centered: Kc = HKH entrywise from row/column/grand means; <Kc, HYYᵀH> = <Kc, YYᵀ>;
  // ‖HYYᵀH‖_F = ‖YᵀHY‖_F with YᵀHY = diag(n_c) − n_c n_dᵀ / n (C x C).
  check(
    counts.size >= 2,
    'kernelTargetAlignment: the centered alignment needs at least two classes among the labels (HYYᵀH = 0 otherwise).',
  );
  const rowMean = new Float64Array(n);
  const colMean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      rowMean[i] += k[i * n + j] / n;
      colMean[j] += k[i * n + j] / n;
    }
  }
  let grand = 0;
  for (let i = 0; i < n; i++) grand += rowMean[i] / n;
  let inner = 0;
  let centeredSq = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k[i * n + j] - rowMean[i] - colMean[j] + grand;
      centeredSq += v * v;
      if (labels[i] === labels[j]) inner += v;
    }
  }
  check(
    centeredSq > 0,
    'kernelTargetAlignment: the centered kernel HKH is zero (K is constant up to row/column offsets); the centered alignment is undefined.',
  );
  const sizes = [...counts.values()];
  let targetSq = 0;
  sizes.forEach((a, ci) => sizes.forEach((b, di) => (targetSq += ((ci === di ? a : 0) - (a * b) / n) ** 2)));
  return clampUnit(inner / (Math.sqrt(centeredSq) * Math.sqrt(targetSq)));
}

/** Options of spectrumStats. */
export interface SpectrumOptions {
  /** The k of each top-k energy E_k reported. */
  energyK: readonly number[];
  /**
   * Negative eigenvalues down to −psdTolerance·λ_max are treated as rounding noise of a PSD kernel
   * (clamped to 0 for the effective rank); below that E_NOT_PSD. The default 1e-2 allows for
   * kernels accumulated in float32 over many parameters (noise ~ √n·√P·2^-24 relative to the
   * diagonal), and still refuses clearly indefinite input such as a kernel difference K_t − K_0.
   */
  psdTolerance: number;
  /** Class labels (length n) for the kernel-target alignment; null skips it. */
  labels: ArrayLike<number> | null;
  /** Centered or plain alignment (see AlignmentOptions). */
  centered: boolean;
  /** Passed to eigh (see EighOptions.symmetryTolerance). */
  symmetryTolerance: number;
}

/** Top-10 and top-20 energies, PSD tolerance 1e-2, no labels, eigh's symmetry tolerance. */
export const DEFAULT_SPECTRUM_OPTIONS: Readonly<SpectrumOptions> = Object.freeze({
  energyK: Object.freeze([10, 20]),
  psdTolerance: 1e-2,
  labels: null,
  centered: false,
  symmetryTolerance: DEFAULT_EIGH_OPTIONS.symmetryTolerance,
});

/** The spectrum of a kernel and the statistics derived from it. */
export interface SpectrumStats {
  n: number;
  /** All eigenvalues, descending. */
  eigenvalues: Float64Array;
  lambdaMax: number;
  /** The smallest eigenvalue as computed (may be slightly negative for a singular PSD kernel). */
  lambdaMin: number;
  /** Σ_i K_ii. */
  trace: number;
  /** max|λ| / min|λ| (see conditionNumber). */
  conditionNumber: number;
  /** E_k for each k of `energyK`, keyed by k. */
  topEnergy: Record<number, number>;
  /** exp(entropy) of the clamped normalized spectrum (see effectiveRank). */
  effectiveRank: number;
  /** How many eigenvalues were negative (clamped to 0 for the effective rank). */
  negativeCount: number;
  /** The all-ones direction's Rayleigh quotient over λ_max (see constantModeShare). */
  constantMode: number;
  /** Kernel-target alignment, or null without labels. */
  targetAlignment: number | null;
}

/** Every spectrum statistic of a PSD kernel in one call (one eigen-decomposition, values only). */
export async function spectrumStats(k: KernelMatrix, options: Partial<SpectrumOptions> = {}): Promise<SpectrumStats> {
  const opts = resolveOptions('spectrumStats', DEFAULT_SPECTRUM_OPTIONS, options);
  const n = order(k, 'spectrumStats');
  const eigenvalues = await kernelSpectrum(k, { symmetryTolerance: opts.symmetryTolerance });
  const topEnergy: Record<number, number> = {};
  for (const kk of opts.energyK) topEnergy[kk] = topKEnergy(eigenvalues, kk);
  return {
    n,
    eigenvalues,
    lambdaMax: eigenvalues[0],
    lambdaMin: eigenvalues[n - 1],
    trace: kernelTrace(k),
    conditionNumber: conditionNumber(eigenvalues),
    topEnergy,
    effectiveRank: effectiveRank(eigenvalues, opts.psdTolerance),
    negativeCount: eigenvalues.filter((v) => v < 0).length,
    constantMode: constantModeShare(k, eigenvalues[0]),
    targetAlignment: opts.labels ? kernelTargetAlignment(k, opts.labels, { centered: opts.centered }) : null,
  };
}

/** n for a non-empty row-major n x n kernel; E_SHAPE_MISMATCH otherwise. */
function order(k: KernelMatrix, fn: string): number {
  requireMatrix(fn, 'kernel', k);
  const n = Math.round(Math.sqrt(k.length));
  if (k.length === 0 || n * n !== k.length) {
    throw new NtkError('E_SHAPE_MISMATCH', `${fn}: expected a non-empty square row-major n x n kernel, got ${k.length} values.`, {
      length: k.length,
    });
  }
  return n;
}

function checkPair(k1: KernelMatrix, k2: KernelMatrix, fn: string): void {
  const n1 = order(k1, fn);
  const n2 = order(k2, fn);
  if (n1 !== n2) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${fn}: kernels of different sizes (${n1} x ${n1} and ${n2} x ${n2}); compare kernels on the same probe set.`,
      {
        n1,
        n2,
      },
    );
  }
}

/** ‖K‖_F, refusing non-finite and zero kernels. */
function norm(k: KernelMatrix, fn: string, what: string): number {
  let s = 0;
  for (let i = 0; i < k.length; i++) s += k[i] * k[i];
  if (!Number.isFinite(s)) throw notFinite(k, fn, what);
  check(s > 0, `${fn}: the ${what} is zero, so its direction (and the similarity) is undefined.`);
  return Math.sqrt(s);
}

/** ‖K1/‖K1‖ − K2/‖K2‖‖_F. */
function unitDifference(k1: KernelMatrix, k2: KernelMatrix, fn: string): number {
  const n1 = norm(k1, fn, 'first kernel');
  const n2 = norm(k2, fn, 'second kernel');
  let s = 0;
  for (let i = 0; i < k1.length; i++) s += (k1[i] / n1 - k2[i] / n2) ** 2;
  return Math.sqrt(s);
}

/** ‖K1 − K2‖_F. */
function differenceNorm(k1: KernelMatrix, k2: KernelMatrix): number {
  let s = 0;
  for (let i = 0; i < k1.length; i++) s += (k1[i] - k2[i]) ** 2;
  return Math.sqrt(s);
}

function checkSpectrum(eigenvalues: ArrayLike<number>, fn: string): void {
  if (eigenvalues.length === 0) throw new NtkError('E_SHAPE_MISMATCH', `${fn}: empty eigenvalue list.`);
  for (let i = 0; i < eigenvalues.length; i++) {
    if (!Number.isFinite(eigenvalues[i])) throw new NtkError('E_NOT_FINITE', `${fn}: eigenvalue ${i} is ${eigenvalues[i]}.`, { index: i });
    check(
      i === 0 || eigenvalues[i] <= eigenvalues[i - 1],
      `${fn}: eigenvalues must be sorted descending (as eigh returns them); index ${i} breaks the order.`,
      {
        index: i,
      },
    );
  }
}

function checkPsd(eigenvalues: ArrayLike<number>, psdTolerance: number, fn: string): void {
  check(psdTolerance >= 0, `${fn}: psdTolerance must be >= 0, got ${psdTolerance}.`);
  const lambdaMax = eigenvalues[0];
  const lambdaMin = eigenvalues[eigenvalues.length - 1];
  if (lambdaMin < 0 && (lambdaMax <= 0 || -lambdaMin > psdTolerance * lambdaMax)) {
    throw new NtkError(
      'E_NOT_PSD',
      `${fn}: λ_min = ${lambdaMin} is below −psdTolerance·λ_max = ${-psdTolerance * lambdaMax}: the matrix is not a PSD kernel. ` +
        'Pass a Gram-type kernel, or raise psdTolerance if this is float32 rounding.',
      { lambdaMin, lambdaMax, psdTolerance },
    );
  }
}

function clampUnit(x: number): number {
  return Math.min(1, Math.max(-1, x));
}

function notFinite(k: KernelMatrix, fn: string, what: string): NtkError {
  const index = Array.prototype.findIndex.call(k, (v: number) => !Number.isFinite(v));
  return new NtkError(
    'E_NOT_FINITE',
    `${fn}: the ${what} has a non-finite entry at index ${index} (${k[index]}); kernels must be finite.`,
    { index },
  );
}
