// Fused softmax cross-entropy against float64: per-sample losses, correctness flags and the
// gradient (softmax - onehot)·scale, with large logits (stability), many rows (not a multiple of
// the 64-thread workgroup), invalid labels (NaN), and shape errors.

import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../../src/ops/softmax_cross_entropy.js';
import { softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef } from '../../src/reference/nn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, seededUniform } from './check.js';
import { defineCase } from './harness.js';
import { scaledError } from './nn_check.js';

for (const [n, C, spread] of [
  [1, 2, 1],
  [65, 10, 4],
  [130, 10, 40],
  [7, 37, 90],
  [300, 3, 8],
] as const) {
  const name = `softmax cross-entropy n=${n} C=${C} logits ±${spread}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const logits = randomF32(n * C, n * 100 + C, -spread, spread);
    const u = seededUniform(n + C);
    const labels = Float32Array.from({ length: n }, () => Math.floor(u() * C));
    const [tl, ty] = [Tensor.fromArray(gpu, logits, [n, C]), Tensor.fromArray(gpu, labels, [n])];
    const { losses, correct } = softmaxCrossEntropy(tl, ty);
    const grad = softmaxCrossEntropyBackward(tl, ty);
    const [l, k, g] = [await losses.read(), await correct.read(), await grad.read()];
    const ref = softmaxCrossEntropyRef(logits, labels, n, C);
    const lossError = scaledError(
      l,
      ref.losses,
      ref.losses.map((v) => Math.max(1, Math.abs(v))),
    );
    const gradError = scaledError(g, softmaxCrossEntropyBackwardRef(logits, labels, n, C, 1 / n), 1 / n);
    metric('lossError', assertBelow(lossError, TOLERANCES.crossEntropy, `${name} losses`));
    metric('gradError', assertBelow(gradError, TOLERANCES.crossEntropyGrad, `${name} gradient`));
    assertBitEqual(k, ref.correct, 'correctness flags');
    output('losses', l, { mode: 'tolerance', tol: TOLERANCES.crossEntropy * TOLERANCES.crossRuntimeFactor });
    output('grad', g, { mode: 'tolerance', tol: TOLERANCES.crossEntropyGrad * TOLERANCES.crossRuntimeFactor });
    [tl, ty, losses, correct, grad].forEach((t) => t.dispose());
  });
}

defineCase('softmax cross-entropy: invalid labels give NaN; ties pick the first class', async ({ gpu }) => {
  const logits = Tensor.fromArray(gpu, [1, 1, 0, 0, 2, 2, 3, 1, 0, 5, 0, 0], [4, 3]);
  const labels = Tensor.fromArray(gpu, [0, 2.5, -1, 3], [4]);
  const { losses, correct } = softmaxCrossEntropy(logits, labels);
  const grad = softmaxCrossEntropyBackward(logits, labels, 1);
  const [l, k, g] = [await losses.read(), await correct.read(), await grad.read()];
  assert(Number.isFinite(l[0]) && k[0] === 1, `tie resolved to class 0: loss ${l[0]}, correct ${k[0]}`);
  for (const r of [1, 2, 3]) {
    assert(Number.isNaN(l[r]), `row ${r} (invalid label) loss ${l[r]} is not NaN`);
    assert(
      [0, 1, 2].every((c) => Number.isNaN(g[r * 3 + c])),
      `row ${r} gradient is not NaN`,
    );
  }
  [logits, labels, losses, correct, grad].forEach((t) => t.dispose());
});

defineCase('softmax cross-entropy shape errors name the shapes', async ({ gpu }) => {
  const logits = Tensor.zeros(gpu, [4, 3]);
  const labels = Tensor.zeros(gpu, [5]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => softmaxCrossEntropy(logits, labels));
  assert(message.includes('[5]') && message.includes('[4,3]'), message);
  await expectCode('E_SHAPE_MISMATCH', () => softmaxCrossEntropyBackward(labels, labels));
  [logits, labels].forEach((t) => t.dispose());
});
