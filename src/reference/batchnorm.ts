// Float64 reference for BatchNorm with every estimator switch (batch/running statistics,
// unbiased/biased running variance, EMA/cumulative, zero-debiasing, affine, frozen updates) and
// its backward pass. The oracle for tests, never a fallback.

import type { BatchNormMode, BatchNormOptions } from '../ops/batchnorm.js';

export interface BatchNormStateRef {
  runningMean: Float64Array;
  runningVar: Float64Array;
  count: number;
  /** Biased EMA accumulators (mean, variance), used with debias. */
  accMean: Float64Array;
  accVar: Float64Array;
}

export function createBatchNormStateRef(C: number): BatchNormStateRef {
  return {
    runningMean: new Float64Array(C),
    runningVar: new Float64Array(C).fill(1),
    count: 0,
    accMean: new Float64Array(C),
    accVar: new Float64Array(C),
  };
}

/** Dimensions of x viewed as [n, C, L]. */
export interface BnDims {
  n: number;
  C: number;
  L: number;
}

function index(d: BnDims, s: number, c: number, l: number): number {
  return (s * d.C + c) * d.L + l;
}

/** Forward: y, and the per-channel mean and 1/sqrt(var + eps) used. Updates `state` when mode.update. */
export function batchNormForwardRef(
  x: ArrayLike<number>,
  d: BnDims,
  gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null,
  state: BatchNormStateRef,
  mode: BatchNormMode,
  options: BatchNormOptions,
): { y: Float64Array; mean: Float64Array; invstd: Float64Array } {
  const { n, C, L } = d;
  const m = n * L;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    if (!mode.batchStats) {
      mean[c] = state.runningMean[c];
      variance[c] = state.runningVar[c];
      continue;
    }
    for (let s = 0; s < n; s++) for (let l = 0; l < L; l++) mean[c] += x[index(d, s, c, l)];
    mean[c] /= m;
    for (let s = 0; s < n; s++) for (let l = 0; l < L; l++) variance[c] += (x[index(d, s, c, l)] - mean[c]) ** 2;
    variance[c] /= m;
  }
  if (mode.update) {
    const t = state.count + 1;
    const f = options.average === 'cumulative' ? 1 / t : options.momentum;
    const correction = options.runningVariance === 'unbiased' ? m / (m - 1) : 1;
    for (let c = 0; c < C; c++) {
      const v = variance[c] * correction;
      if (options.debias) {
        state.accMean[c] = (1 - f) * state.accMean[c] + f * mean[c];
        state.accVar[c] = (1 - f) * state.accVar[c] + f * v;
        const debias = 1 - (1 - f) ** t;
        state.runningMean[c] = state.accMean[c] / debias;
        state.runningVar[c] = state.accVar[c] / debias;
      } else {
        state.runningMean[c] = (1 - f) * state.runningMean[c] + f * mean[c];
        state.runningVar[c] = (1 - f) * state.runningVar[c] + f * v;
      }
    }
    state.count = t;
  }
  const invstd = variance.map((v) => 1 / Math.sqrt(v + options.eps));
  const y = new Float64Array(n * C * L);
  for (let i = 0; i < y.length; i++) {
    const c = Math.floor(i / L) % C;
    const xhat = (x[i] - mean[c]) * invstd[c];
    y[i] = gamma && beta ? xhat * gamma[c] + beta[c] : xhat;
  }
  return { y, mean, invstd };
}

/**
 * Backward from the forward's mean/invstd. With batchStats the gradient flows through the batch
 * mean and variance; otherwise BN is a fixed affine map. dgamma/dbeta are [C] or, per sample, [n, C].
 */
export function batchNormBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  d: BnDims,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
  gamma: ArrayLike<number> | null,
  batchStats: boolean,
  perSample = false,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const { n, C, L } = d;
  const m = n * L;
  const dgamma = new Float64Array(perSample ? n * C : C);
  const dbeta = new Float64Array(perSample ? n * C : C);
  const sumDy = new Float64Array(C);
  const sumDyXhat = new Float64Array(C);
  for (let i = 0; i < dy.length; i++) {
    const c = Math.floor(i / L) % C;
    const row = perSample ? Math.floor(i / (C * L)) * C + c : c;
    const xhat = (x[i] - mean[c]) * invstd[c];
    dbeta[row] += dy[i];
    dgamma[row] += dy[i] * xhat;
    sumDy[c] += dy[i];
    sumDyXhat[c] += dy[i] * xhat;
  }
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) {
    const c = Math.floor(i / L) % C;
    const k = (gamma ? gamma[c] : 1) * invstd[c];
    const xhat = (x[i] - mean[c]) * invstd[c];
    dx[i] = batchStats ? k * (dy[i] - sumDy[c] / m - (xhat * sumDyXhat[c]) / m) : k * dy[i];
  }
  return { dx, dgamma, dbeta };
}
