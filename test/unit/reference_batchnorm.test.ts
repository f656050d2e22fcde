// The float64 BatchNorm reference: finite-difference checks of its backward pass (through batch
// statistics and through the running-statistics affine map, incl. per-sample gamma/beta
// gradients), and hand-computed checks of every estimator switch.

import { describe, expect, it } from 'vitest';
import { resolveBatchNormOptions, type BatchNormMode } from '../../src/ops/batchnorm.js';
import { batchNormBackwardRef, batchNormForwardRef, createBatchNormStateRef, type BnDims } from '../../src/reference/batchnorm.js';
import { dot, finiteDifferenceError, randomF64 } from './finite_difference.js';

const TRAIN: BatchNormMode = { batchStats: true, update: false };
const EVAL: BatchNormMode = { batchStats: false, update: false };

describe('BatchNorm reference gradients (finite differences)', () => {
  const d: BnDims = { n: 4, C: 3, L: 5 };
  const size = d.n * d.C * d.L;
  const x = randomF64(size, 1, -2, 2);
  const dy = randomF64(size, 2);
  const gamma = randomF64(d.C, 3, 0.5, 1.5);
  const beta = randomF64(d.C, 4);
  const options = resolveBatchNormOptions({});
  const state = createBatchNormStateRef(d.C);
  state.runningMean.set([0.3, -0.2, 0.1]);
  state.runningVar.set([0.8, 1.3, 0.5]);

  for (const [label, mode] of [
    ['batch statistics', TRAIN],
    ['running statistics', EVAL],
  ] as const) {
    it(label, () => {
      const loss = (xv: Float64Array, g: Float64Array, b: Float64Array) =>
        dot(dy, batchNormForwardRef(xv, d, g, b, state, mode, options).y);
      const { mean, invstd } = batchNormForwardRef(x, d, gamma, beta, state, mode, options);
      const grads = batchNormBackwardRef(dy, x, d, mean, invstd, gamma, mode.batchStats);
      expect(finiteDifferenceError((v) => loss(v, gamma, beta), x, grads.dx)).toBeLessThan(1e-7);
      expect(finiteDifferenceError((v) => loss(x, v, beta), gamma, grads.dgamma)).toBeLessThan(1e-7);
      expect(finiteDifferenceError((v) => loss(x, gamma, v), beta, grads.dbeta)).toBeLessThan(1e-7);
    });
  }

  it('per-sample gamma/beta gradients (running statistics) are each sample alone and sum to the batch', () => {
    const { mean, invstd } = batchNormForwardRef(x, d, gamma, beta, state, EVAL, options);
    const perSample = batchNormBackwardRef(dy, x, d, mean, invstd, gamma, false, true);
    const batch = batchNormBackwardRef(dy, x, d, mean, invstd, gamma, false);
    const sample = 2;
    const slice = (a: Float64Array) => a.subarray(sample * d.C * d.L, (sample + 1) * d.C * d.L);
    const alone = batchNormBackwardRef(slice(dy), slice(x), { ...d, n: 1 }, mean, invstd, gamma, false);
    for (let c = 0; c < d.C; c++) {
      expect(perSample.dgamma[sample * d.C + c]).toBeCloseTo(alone.dgamma[c], 12);
      expect(perSample.dbeta[sample * d.C + c]).toBeCloseTo(alone.dbeta[c], 12);
      let sum = 0;
      for (let s = 0; s < d.n; s++) sum += perSample.dgamma[s * d.C + c];
      expect(sum).toBeCloseTo(batch.dgamma[c], 12);
    }
  });
});

describe('BatchNorm reference estimator switches (hand-computed)', () => {
  // One channel, batch [1, 2, 3, 6]: mean 3, biased variance 3.5, unbiased 14/3.
  const d: BnDims = { n: 4, C: 1, L: 1 };
  const batchA = [1, 2, 3, 6];
  const batchB = [0, 0, 2, 2]; // mean 1, biased variance 1, unbiased 4/3
  const step = (options: object, batches: number[][]) => {
    const state = createBatchNormStateRef(1);
    const o = resolveBatchNormOptions(options);
    for (const b of batches) batchNormForwardRef(b, d, null, null, state, { batchStats: true, update: true }, { ...o, affine: false });
    return state;
  };

  it('EMA with unbiased running variance (PyTorch default)', () => {
    const s = step({}, [batchA]);
    expect(s.runningMean[0]).toBeCloseTo(0.9 * 0 + 0.1 * 3, 14);
    expect(s.runningVar[0]).toBeCloseTo(0.9 * 1 + 0.1 * (14 / 3), 14);
    expect(s.count).toBe(1);
  });

  it('EMA with biased running variance', () => {
    expect(step({ runningVariance: 'biased' }, [batchA]).runningVar[0]).toBeCloseTo(0.9 + 0.1 * 3.5, 14);
  });

  it('cumulative average: the plain mean of the batch statistics seen so far', () => {
    const s = step({ average: 'cumulative' }, [batchA, batchB]);
    expect(s.runningMean[0]).toBeCloseTo((3 + 1) / 2, 14);
    expect(s.runningVar[0]).toBeCloseTo((14 / 3 + 4 / 3) / 2, 14);
  });

  it('zero-debiased EMA: one step gives the batch statistics exactly, two steps their debiased blend', () => {
    const one = step({ debias: true }, [batchA]);
    expect(one.runningMean[0]).toBeCloseTo(3, 14);
    expect(one.runningVar[0]).toBeCloseTo(14 / 3, 14);
    const two = step({ debias: true, momentum: 0.5 }, [batchA, batchB]);
    // accumulator: 0.5·(0.5·3) + 0.5·1 = 1.25; debias by 1 - 0.5² = 0.75
    expect(two.runningMean[0]).toBeCloseTo(1.25 / 0.75, 14);
  });

  it('frozen statistics (update false) change nothing; eval uses the running buffers', () => {
    const state = createBatchNormStateRef(1);
    const o = { ...resolveBatchNormOptions({}), affine: false };
    const frozen = batchNormForwardRef(batchA, d, null, null, state, TRAIN, o);
    expect(Array.from(state.runningMean)).toEqual([0]);
    expect(Array.from(state.runningVar)).toEqual([1]);
    expect(state.count).toBe(0);
    expect(frozen.y[3]).toBeCloseTo((6 - 3) / Math.sqrt(3.5 + 1e-5), 12);
    const evalOut = batchNormForwardRef(batchA, d, null, null, state, EVAL, o);
    expect(evalOut.y[3]).toBeCloseTo(6 / Math.sqrt(1 + 1e-5), 12);
  });
});
