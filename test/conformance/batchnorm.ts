// BatchNorm op conformance: forward (batch and running statistics), running-buffer updates under
// every estimator switch, and backward (through batch statistics, or the affine eval map with
// batch-summed and per-sample gamma/beta gradients) against the float64 reference on random
// shapes; frozen updates leave the buffers bit-identical; typed errors for bad options/shapes.

import {
  batchNormBackward,
  batchNormDims,
  batchNormForward,
  createBatchNormState,
  disposeBatchNormState,
  resolveBatchNormOptions,
  type BatchNormMode,
  type BatchNormOptions,
  type BatchNormState,
} from '../../src/ops/batchnorm.js';
import {
  batchNormBackwardRef,
  batchNormForwardRef,
  createBatchNormStateRef,
  type BatchNormStateRef,
  type BnDims,
} from '../../src/reference/batchnorm.js';
import type { Gpu } from '../../src/device/gpu.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { scaledError } from './nn_check.js';

/** x with a per-channel offset and spread (means up to ±2, stds 0.3..1.5), so cancellation is exercised. */
function bnInput(shape: number[], seed: number): Float32Array {
  const d = batchNormDims(shape);
  const u = randomF32(
    shape.reduce((a, b) => a * b),
    seed,
  );
  const offsets = randomF32(d.C, seed + 1, -2, 2);
  const spreads = randomF32(d.C, seed + 2, 0.3, 1.5);
  return u.map((v, i) => {
    const c = Math.floor(i / d.L) % d.C;
    return offsets[c] + spreads[c] * v;
  });
}

interface Pair {
  device: BatchNormState;
  ref: BatchNormStateRef;
  gamma: Tensor | null;
  beta: Tensor | null;
  gammaValues: Float32Array | null;
  betaValues: Float32Array | null;
}

function makePair(gpu: Gpu, C: number, options: BatchNormOptions, seed: number): Pair {
  const gammaValues = options.affine ? randomF32(C, seed, 0.5, 1.5) : null;
  const betaValues = options.affine ? randomF32(C, seed + 1, -0.5, 0.5) : null;
  return {
    device: createBatchNormState(gpu, C, options),
    ref: createBatchNormStateRef(C),
    gamma: gammaValues ? Tensor.fromArray(gpu, gammaValues, [C]) : null,
    beta: betaValues ? Tensor.fromArray(gpu, betaValues, [C]) : null,
    gammaValues,
    betaValues,
  };
}

function disposePair(p: Pair): void {
  disposeBatchNormState(p.device);
  p.gamma?.dispose();
  p.beta?.dispose();
}

/** max_i |got - ref| / max(|ref|, 1): relative above 1, absolute below. */
function relativeError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  return scaledError(
    got,
    ref,
    Float64Array.from(ref, (v) => Math.max(Math.abs(v), 1)),
  );
}

/** Max |running - reference| (relative above 1) over mean, variance and the counter. */
async function runningError(p: Pair): Promise<number> {
  const count = (await p.device.count.read())[0];
  assert(count === p.ref.count, `update counter ${count} != reference ${p.ref.count}`);
  return Math.max(
    relativeError(await p.device.runningMean.read(), p.ref.runningMean),
    relativeError(await p.device.runningVar.read(), p.ref.runningVar),
  );
}

/** Scale of y's rounding error: |gamma|·invstd·(|x| + mean_c|x|) + |beta| (see test/tolerances.ts). */
function yScale(x: Float32Array, d: BnDims, invstd: Float64Array, p: Pair): Float64Array {
  const a = meanAbs(x, d);
  return Float64Array.from(x, (v, i) => {
    const c = Math.floor(i / d.L) % d.C;
    const g = p.gammaValues ? Math.abs(p.gammaValues[c]) : 1;
    return g * invstd[c] * (Math.abs(v) + a[c]) + (p.betaValues ? Math.abs(p.betaValues[c]) : 0);
  });
}

/** Scale of dx's rounding error: |gamma|·invstd·(|dy| + mean|dy| + |xhat|·mean|dy·xhat|). */
function dxScale(dy: Float32Array, x: Float32Array, d: BnDims, mean: Float64Array, invstd: Float64Array, p: Pair): Float64Array {
  const m = d.n * d.L;
  const a = new Float64Array(d.C);
  const b = new Float64Array(d.C);
  const xhat = Float64Array.from(x, (v, i) => (v - mean[Math.floor(i / d.L) % d.C]) * invstd[Math.floor(i / d.L) % d.C]);
  dy.forEach((v, i) => {
    const c = Math.floor(i / d.L) % d.C;
    a[c] += Math.abs(v) / m;
    b[c] += Math.abs(v * xhat[i]) / m;
  });
  return Float64Array.from(dy, (v, i) => {
    const c = Math.floor(i / d.L) % d.C;
    return (p.gammaValues ? Math.abs(p.gammaValues[c]) : 1) * invstd[c] * (Math.abs(v) + a[c] + Math.abs(xhat[i]) * b[c]);
  });
}

/** Mean of |x| per channel. */
function meanAbs(x: Float32Array, d: BnDims): Float64Array {
  const out = new Float64Array(d.C);
  x.forEach((v, i) => {
    out[Math.floor(i / d.L) % d.C] += Math.abs(v) / (d.n * d.L);
  });
  return out;
}

/** Scales of the parameter-gradient sums: Σ|dy|·(|x| + mean|x|)·invstd (dgamma) and Σ|dy| (dbeta) per row. */
function paramScales(dy: Float32Array, x: Float32Array, d: BnDims, invstd: Float64Array, perSample: boolean) {
  const rows = perSample ? d.n * d.C : d.C;
  const dgamma = new Float64Array(rows);
  const dbeta = new Float64Array(rows);
  const a = meanAbs(x, d);
  dy.forEach((v, i) => {
    const c = Math.floor(i / d.L) % d.C;
    const row = perSample ? Math.floor(i / (d.C * d.L)) * d.C + c : c;
    dgamma[row] += Math.abs(v) * (Math.abs(x[i]) + a[c]) * invstd[c];
    dbeta[row] += Math.abs(v);
  });
  return { dgamma, dbeta };
}

interface BnCase {
  shape: number[];
  options: Partial<BatchNormOptions>;
  /** Training steps (batch statistics, updates) before the checked pass. */
  steps: number;
  /** The checked pass. */
  mode: BatchNormMode;
  paramGrads: 'sum' | 'perSample' | 'none';
}

const CASES: BnCase[] = [
  { shape: [4, 3, 5, 7], options: {}, steps: 0, mode: { batchStats: true, update: true }, paramGrads: 'sum' },
  { shape: [6, 37], options: {}, steps: 0, mode: { batchStats: true, update: true }, paramGrads: 'sum' },
  { shape: [2, 300, 3, 3], options: { runningVariance: 'biased' }, steps: 1, mode: { batchStats: true, update: true }, paramGrads: 'sum' },
  { shape: [16, 2, 20, 20], options: { momentum: 0.3 }, steps: 1, mode: { batchStats: true, update: true }, paramGrads: 'sum' },
  { shape: [5, 4, 3, 3], options: { affine: false }, steps: 2, mode: { batchStats: true, update: true }, paramGrads: 'sum' },
  { shape: [3, 6, 4, 5], options: {}, steps: 3, mode: { batchStats: false, update: false }, paramGrads: 'sum' },
  {
    shape: [3, 6, 4, 5],
    options: { average: 'cumulative' },
    steps: 3,
    mode: { batchStats: false, update: false },
    paramGrads: 'perSample',
  },
  { shape: [7, 11], options: { debias: true }, steps: 2, mode: { batchStats: false, update: false }, paramGrads: 'perSample' },
  { shape: [4, 5, 6, 6], options: {}, steps: 2, mode: { batchStats: true, update: false }, paramGrads: 'sum' },
  {
    shape: [2, 3, 2, 2],
    options: { debias: true, runningVariance: 'biased' },
    steps: 2,
    mode: { batchStats: true, update: true },
    paramGrads: 'none',
  },
];

for (const [index, c] of CASES.entries()) {
  const name = `batchNorm x[${c.shape}] ${JSON.stringify(c.options)} after ${c.steps} steps, ${JSON.stringify(c.mode)}, grads ${c.paramGrads}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const options = resolveBatchNormOptions(c.options);
    const d = batchNormDims(c.shape);
    const p = makePair(gpu, d.C, options, 900 + index);
    for (let step = 0; step < c.steps; step++) {
      const xs = bnInput(c.shape, 1000 + 10 * index + step);
      const tx = Tensor.fromArray(gpu, xs, c.shape);
      const { y, stats } = batchNormForward(tx, p.gamma, p.beta, p.device, { batchStats: true, update: true }, options);
      batchNormForwardRef(xs, d, p.gammaValues, p.betaValues, p.ref, { batchStats: true, update: true }, options);
      [tx, y, stats].forEach((t) => t.dispose());
    }
    const before = { mean: await p.device.runningMean.read(), variance: await p.device.runningVar.read() };
    const xs = bnInput(c.shape, 2000 + index);
    const dys = randomF32(xs.length, 3000 + index);
    const tx = Tensor.fromArray(gpu, xs, c.shape);
    const tdy = Tensor.fromArray(gpu, dys, c.shape);
    const { y, stats } = batchNormForward(tx, p.gamma, p.beta, p.device, c.mode, options);
    const ref = batchNormForwardRef(xs, d, p.gammaValues, p.betaValues, p.ref, c.mode, options);
    const grads = batchNormBackward(tdy, tx, stats, p.gamma, c.mode.batchStats, c.paramGrads, options);
    const perSample = c.paramGrads === 'perSample';
    const refGrads = batchNormBackwardRef(dys, xs, d, ref.mean, ref.invstd, p.gammaValues, c.mode.batchStats, perSample);

    const ys = await y.read();
    metric('yScaledError', assertBelow(scaledError(ys, ref.y, yScale(xs, d, ref.invstd, p)), TOLERANCES.batchNorm, `${name}: y`));
    const dxs = await grads.dx.read();
    const dxError = scaledError(dxs, refGrads.dx, dxScale(dys, xs, d, ref.mean, ref.invstd, p));
    metric('dxScaledError', assertBelow(dxError, TOLERANCES.batchNorm, `${name}: dx`));
    metric('runningError', assertBelow(await runningError(p), TOLERANCES.batchNormRunning, `${name}: running buffers`));
    if (!c.mode.update) {
      assertBitEqual(await p.device.runningMean.read(), before.mean, `${name}: running mean must not change`);
      assertBitEqual(await p.device.runningVar.read(), before.variance, `${name}: running variance must not change`);
    }
    const wantParams = options.affine && c.paramGrads !== 'none';
    assert(wantParams === (grads.dgamma !== null && grads.dbeta !== null), `${name}: parameter gradients present = ${wantParams}`);
    if (grads.dgamma && grads.dbeta) {
      const scales = paramScales(dys, xs, d, ref.invstd, perSample);
      const dgammaError = scaledError(await grads.dgamma.read(), refGrads.dgamma, scales.dgamma);
      const dbetaError = scaledError(await grads.dbeta.read(), refGrads.dbeta, scales.dbeta);
      metric('dgammaScaledError', assertBelow(dgammaError, TOLERANCES.batchNorm, `${name}: dgamma`));
      metric('dbetaScaledError', assertBelow(dbetaError, TOLERANCES.channelSum, `${name}: dbeta`));
    }
    output('y', ys, { mode: 'tolerance', tol: TOLERANCES.batchNorm * TOLERANCES.crossRuntimeFactor });
    output('dx', dxs, { mode: 'tolerance', tol: TOLERANCES.batchNorm * TOLERANCES.crossRuntimeFactor });
    [tx, tdy, y, stats, grads.dx, grads.dgamma, grads.dbeta].forEach((t) => t?.dispose());
    disposePair(p);
  });
}

defineCase('batchNorm is deterministic: the same batch gives the same bits', async ({ gpu }) => {
  const options = resolveBatchNormOptions({});
  const shape = [8, 5, 9, 9];
  const xs = bnInput(shape, 77);
  const tx = Tensor.fromArray(gpu, xs, shape);
  const tdy = Tensor.fromArray(gpu, randomF32(xs.length, 78), shape);
  const runs = [0, 1].map(() => {
    const p = makePair(gpu, 5, options, 79);
    const f = batchNormForward(tx, p.gamma, p.beta, p.device, { batchStats: true, update: true }, options);
    const g = batchNormBackward(tdy, tx, f.stats, p.gamma, true, 'sum', options);
    return { p, tensors: [f.y, g.dx, g.dgamma!, g.dbeta!] };
  });
  for (let i = 0; i < 4; i++) {
    assertBitEqual(await runs[0].tensors[i].read(), await runs[1].tensors[i].read(), `output ${i} of two identical runs`);
  }
  assertBitEqual(await runs[0].p.device.runningVar.read(), await runs[1].p.device.runningVar.read(), 'running variance');
  runs.forEach((r) => {
    r.tensors.forEach((t) => t.dispose());
    disposePair(r.p);
  });
  [tx, tdy].forEach((t) => t.dispose());
});

defineCase('batchNorm option and shape errors are typed and name the option', async ({ gpu }) => {
  const cases: Array<[Partial<BatchNormOptions>, RegExp]> = [
    [{ momentum: 0 }, /momentum/],
    [{ momentum: 1.5 }, /momentum/],
    [{ average: 'mean' as never }, /average/],
    [{ runningVariance: 'unbiassed' as never }, /runningVariance/],
    [{ debias: true, average: 'cumulative' }, /debias/],
    [{ eps: -1 }, /eps/],
    [{ momemtum: 0.1 } as never, /momemtum/],
  ];
  for (const [options, pattern] of cases) {
    const message = await expectCode('E_INVALID_ARGUMENT', () => resolveBatchNormOptions(options, 'block1.bn'));
    assert(pattern.test(message) && message.includes('block1.bn'), `message should name the layer and option: ${message}`);
  }
  const options = resolveBatchNormOptions({});
  const p = makePair(gpu, 4, options, 5);
  const live = gpu.pool.liveCount;
  const wrong = Tensor.zeros(gpu, [2, 3, 4, 4]);
  await expectCode('E_SHAPE_MISMATCH', () =>
    batchNormForward(wrong, p.gamma, p.beta, p.device, { batchStats: true, update: true }, options),
  );
  const single = Tensor.zeros(gpu, [1, 4]);
  await expectCode('E_INVALID_ARGUMENT', () =>
    batchNormForward(single, p.gamma, p.beta, p.device, { batchStats: true, update: true }, options),
  );
  const ok = Tensor.zeros(gpu, [2, 4]);
  const f = batchNormForward(ok, p.gamma, p.beta, p.device, { batchStats: true, update: false }, options);
  const message = await expectCode('E_INVALID_ARGUMENT', () => batchNormBackward(ok, ok, f.stats, p.gamma, true, 'perSample', options));
  assert(/eval mode/.test(message), `per-sample refusal should say what to do: ${message}`);
  assert(gpu.pool.liveCount === live + 5, `failed calls leaked buffers (${gpu.pool.liveCount - live - 5})`);
  [wrong, single, ok, f.y, f.stats].forEach((t) => t.dispose());
  disposePair(p);
});
