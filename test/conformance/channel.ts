// Per-channel ops against float64: channelAffine (Normalize forward/backward, bias add) on dense
// [n, c] and conv-like [n, c, h, w] tensors, channelSum (bias gradients) with and without
// accumulation, deterministic, and the reductions added for training (squares, NaN count, mean).

import { biasAdd, channelAffine } from '../../src/ops/channel_affine.js';
import { channelSum, channelSumInto } from '../../src/ops/channel_sum.js';
import { countNonFinite, meanAll, sumSquares } from '../../src/ops/reduce.js';
import { channelAffineRef, channelSumRef, normalizeRef } from '../../src/reference/nn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { scaledError } from './nn_check.js';

const SHAPES: number[][] = [
  [1, 1],
  [7, 65],
  [130, 10],
  [3, 5, 7, 9],
  [2, 3, 28, 28],
  [65, 1, 3, 3],
];

for (const shape of SHAPES) {
  const [n, c] = shape;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  const size = n * c * inner;

  defineCase(`channelAffine normalize/backward/bias [${shape}]`, async ({ gpu, metric, output }) => {
    const x = randomF32(size, size + 1, 0, 1);
    const mean = Array.from(randomF32(c, 5, 0.2, 0.6));
    const std = Array.from(randomF32(c, 6, 0.1, 0.5));
    const scale = Float32Array.from(std, (s) => 1 / s);
    const shift = Float32Array.from(mean, (m, i) => -m / std[i]);
    const [tx, ts, tt] = [Tensor.fromArray(gpu, x, shape), Tensor.fromArray(gpu, scale, [c]), Tensor.fromArray(gpu, shift, [c])];
    // forward of Normalize: x * (1/std) + (-mean/std) against (x - mean) / std in f64
    const ty = channelAffine(tx, ts, tt);
    const y = await ty.read();
    const magnitude = x.map((v, i) => Math.abs(v * scale[Math.floor(i / inner) % c]) + Math.abs(shift[Math.floor(i / inner) % c]));
    const fwd = scaledError(y, normalizeRef(x, c, inner, mean, std), magnitude);
    // backward of Normalize (scale only) and bias add (shift only)
    const tdx = channelAffine(tx, ts, null);
    const dx = await tdx.read();
    const dxRef = channelAffineRef(
      x,
      c,
      inner,
      std.map((s) => 1 / s),
      null,
    );
    const bwd = scaledError(dx, dxRef, dxRef.map(Math.abs));
    const tb = biasAdd(tx, tt);
    const yb = await tb.read();
    const ybRef = channelAffineRef(x, c, inner, null, shift);
    const bias = scaledError(
      yb,
      ybRef,
      x.map((v, i) => Math.abs(v) + Math.abs(shift[Math.floor(i / inner) % c])),
    );
    metric('normalizeError', assertBelow(fwd, TOLERANCES.channelAffine, 'normalize forward'));
    metric('backwardError', assertBelow(bwd, TOLERANCES.channelAffine, 'normalize backward'));
    metric('biasAddError', assertBelow(bias, TOLERANCES.channelAffine, 'bias add'));
    output('y', y, { mode: 'tolerance', tol: TOLERANCES.channelAffine * TOLERANCES.crossRuntimeFactor });
    [tx, ts, tt, ty, tdx, tb].forEach((t) => t.dispose());
  });

  defineCase(
    `channelSum [${shape}] (+ accumulate, deterministic)`,
    async ({ gpu, metric, output }) => {
      const x = randomF32(size, size + 2);
      const tx = Tensor.fromArray(gpu, x, shape);
      const ts = channelSum(tx);
      const s = await ts.read();
      const ref = channelSumRef(x, c, inner);
      const absSum = channelSumRef(x.map(Math.abs), c, inner);
      metric('maxRelError', assertBelow(scaledError(s, ref, absSum), TOLERANCES.channelSum, 'channel sums'));
      const again = channelSum(tx);
      assertBitEqual(await again.read(), s, 'two identical channel sums');
      channelSumInto(tx, again); // again = 2 s
      const twice = await again.read();
      assertBitEqual(
        twice,
        s.map((v) => v + v),
        'accumulated channel sums',
      );
      output('sums', s, { mode: 'tolerance', tol: TOLERANCES.channelSum * TOLERANCES.crossRuntimeFactor });
      [tx, ts, again].forEach((t) => t.dispose());
    },
    ['reduce/channel-sum'],
  );
}

defineCase('channel ops reject tensors without a matching channel axis', async ({ gpu }) => {
  const x = Tensor.zeros(gpu, [4, 3, 2]);
  const wrong = Tensor.zeros(gpu, [2]);
  await expectCode('E_SHAPE_MISMATCH', () => channelAffine(x, wrong, null));
  await expectCode('E_SHAPE_MISMATCH', () => biasAdd(x, wrong));
  await expectCode('E_SHAPE_MISMATCH', () => channelSumInto(x, wrong));
  await expectCode('E_INVALID_ARGUMENT', () => channelAffine(x, null, null));
  [x, wrong].forEach((t) => t.dispose());
});

defineCase(
  'sumSquares, meanAll and countNonFinite',
  async ({ gpu, metric }) => {
    const n = 5000 + 3;
    const x = randomF32(n, 42, -2, 2);
    const tx = Tensor.fromArray(gpu, x, [n]);
    const [sq, mean, none] = [sumSquares(tx), meanAll(tx), countNonFinite(tx)];
    const refSq = x.reduce((a, v) => a + v * v, 0);
    const refMean = x.reduce((a, v) => a + v, 0) / n;
    const absMean = x.reduce((a, v) => a + Math.abs(v), 0) / n;
    metric('squaresRelError', assertBelow(Math.abs((await sq.read())[0] - refSq) / refSq, TOLERANCES.reduceSum, 'sum of squares'));
    metric('meanRelError', assertBelow(Math.abs((await mean.read())[0] - refMean) / absMean, TOLERANCES.reduceSum, 'mean'));
    assert((await none.read())[0] === 0, 'finite data reported non-finite');
    x[0] = NaN;
    x[1234] = Infinity;
    x[n - 1] = -Infinity;
    const bad = Tensor.fromArray(gpu, x, [n]);
    const count = countNonFinite(bad);
    assert((await count.read())[0] === 3, `countNonFinite gave ${(await count.read())[0]}, expected 3`);
    [tx, sq, mean, none, bad, count].forEach((t) => t.dispose());
  },
  ['reduce/square', 'reduce/non-finite count', 'reduce/mean'],
);
