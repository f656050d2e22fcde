// Attack losses against float64: the CW margin, DLR and their targeted forms (per-sample values,
// correctness flags, dL/dlogits) on random and tied logits; the top-class targets; invalid labels
// and targets give NaN; too few classes and shape errors are typed; and the input gradients of
// every loss through an MLP (lossGradient) against the float64 reference model.

import { lossGradient } from '../../src/attacks/losses.js';
import { createMlp } from '../../src/nn/mlp.js';
import { attackTargets, marginLoss, MARGIN_LOSSES, type MarginLossKind } from '../../src/ops/margin_loss.js';
import { referenceMlp } from '../../src/reference/layers.js';
import { attackTargetsRef, marginLossRef, refAttackLossGradient } from '../../src/reference/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, randomInts, seededUniform } from './check.js';
import { defineCase } from './harness.js';
import { normwiseError } from './nn_check.js';

const KINDS = Object.keys(MARGIN_LOSSES) as MarginLossKind[];

function labelsFor(n: number, classes: number, seed: number): Float32Array {
  const u = seededUniform(seed);
  return Float32Array.from({ length: n }, () => Math.floor(u() * classes));
}

/** A target ≠ label per row. */
function targetsFor(labels: Float32Array, classes: number, seed: number): Float32Array {
  const u = seededUniform(seed);
  return labels.map((y) => (y + 1 + Math.floor(u() * (classes - 1))) % classes);
}

for (const [n, C, spread, tied] of [
  [1, 4, 1, false],
  [65, 10, 4, false],
  [130, 10, 40, false],
  [7, 37, 20, false],
  [90, 10, 3, true],
] as const) {
  const name = `margin losses (CW, DLR, targeted) n=${n} C=${C} logits ±${spread}${tied ? ' tied integers' : ''}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const logits = tied ? randomInts(n * C, n + C, spread) : randomF32(n * C, n * 100 + C, -spread, spread);
    const labels = labelsFor(n, C, n + 2 * C);
    const targets = targetsFor(labels, C, n + 3 * C);
    const [tl, ty, tt] = [Tensor.fromArray(gpu, logits, [n, C]), Tensor.fromArray(gpu, labels, [n]), Tensor.fromArray(gpu, targets, [n])];
    for (const kind of KINDS) {
      const targeted = MARGIN_LOSSES[kind].targeted;
      const { losses, correct, grad } = marginLoss(tl, ty, kind, targeted ? tt : null, 1);
      const [l, k, g] = [await losses.read(), await correct.read(), await (grad as Tensor).read()];
      const ref = marginLossRef(logits, labels, kind, targeted ? targets : null, n, C);
      let lossError = 0;
      let gradError = 0;
      for (let r = 0; r < n; r++) {
        lossError = Math.max(lossError, Math.abs(l[r] - ref.losses[r]) / Math.max(1, Math.abs(ref.losses[r])));
        const scale = (1 + Math.abs(ref.losses[r])) / ref.denominators[r];
        for (let c = 0; c < C; c++) gradError = Math.max(gradError, Math.abs(g[r * C + c] - ref.grad[r * C + c]) / scale);
      }
      metric(`${kind} lossError`, assertBelow(lossError, TOLERANCES.marginLoss, `${name} ${kind} losses`));
      metric(`${kind} gradError`, assertBelow(gradError, TOLERANCES.marginLossGrad, `${name} ${kind} gradient`));
      assertBitEqual(k, ref.correct, `${kind} correctness flags`);
      output(`${kind} losses`, l, { mode: 'tolerance', tol: TOLERANCES.marginLoss * TOLERANCES.crossRuntimeFactor });
      const forwardOnly = marginLoss(tl, ty, kind, targeted ? tt : null, null);
      assert(forwardOnly.grad === null, 'a forward-only call returned a gradient');
      assertBitEqual(await forwardOnly.losses.read(), l, `${kind} forward-only losses`);
      [losses, correct, grad as Tensor, forwardOnly.losses, forwardOnly.correct].forEach((t) => t.dispose());
    }
    for (const rank of [1, 2, C - 1]) {
      const t = attackTargets(tl, ty, rank);
      assertBitEqual(await t.read(), attackTargetsRef(logits, labels, rank, n, C), `targets of rank ${rank}`);
      t.dispose();
    }
    [tl, ty, tt].forEach((t) => t.dispose());
  });
}

defineCase('margin losses: invalid labels and targets give NaN; too few classes and bad shapes are typed errors', async ({ gpu }) => {
  const logits = Tensor.fromArray(gpu, [3, 1, 0, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 3, 0], [4, 4]);
  const labels = Tensor.fromArray(gpu, [0, 1.5, -1, 2], [4]);
  const targets = Tensor.fromArray(gpu, [1, 2, 3, 2], [4]); // row 3: target = label
  const { losses, grad } = marginLoss(logits, labels, 'dlr-t', targets, 1);
  const [l, g] = [await losses.read(), await (grad as Tensor).read()];
  assert(Number.isFinite(l[0]), `row 0 is valid but its loss is ${l[0]}`);
  for (const r of [1, 2, 3]) {
    assert(Number.isNaN(l[r]) && [0, 1, 2, 3].every((c) => Number.isNaN(g[r * 4 + c])), `row ${r} (invalid label or target) is not NaN`);
  }
  const two = Tensor.zeros(gpu, [4, 2]);
  await expectCode('E_INVALID_ARGUMENT', () => marginLoss(two, labels, 'dlr', null, 1));
  await expectCode('E_INVALID_ARGUMENT', () => marginLoss(logits, labels, 'dlr-t', null, 1));
  await expectCode('E_INVALID_ARGUMENT', () => marginLoss(logits, labels, 'cw', targets, 1));
  await expectCode('E_INVALID_ARGUMENT', () => attackTargets(logits, labels, 4));
  const message = await expectCode('E_SHAPE_MISMATCH', () => marginLoss(logits, Tensor.zeros(gpu, [3]), 'cw', null, 1));
  assert(message.includes('[3]') && message.includes('[4,4]'), message);
  [logits, labels, targets, losses, grad as Tensor, two].forEach((t) => t.dispose());
});

defineCase('attack-loss input gradients (CE, CW, DLR, targeted) through an MLP against the float64 reference', async ({ gpu, metric }) => {
  const options = { inputShape: [2, 5, 5], hidden: [32, 16], classes: 10, seed: 9 };
  const model = createMlp(gpu, options);
  const n = 41;
  const xData = randomF32(n * 50, 17, 0, 1);
  const labels = labelsFor(n, 10, 18);
  const targets = targetsFor(labels, 10, 19);
  const [x, y, t] = [Tensor.fromArray(gpu, xData, [n, 2, 5, 5]), Tensor.fromArray(gpu, labels, [n]), Tensor.fromArray(gpu, targets, [n])];
  const root = referenceMlp({ ...options, normalize: null }, await model.exportState());
  for (const [loss, targeted] of [
    ['ce', false],
    ['cw', false],
    ['dlr', false],
    ['cw', true],
    ['dlr', true],
  ] as const) {
    const what = `${loss}${targeted ? '-t' : ''}`;
    const result = lossGradient(model, x, y, loss, targeted ? t : null, 'eval');
    const ref = refAttackLossGradient(
      root,
      { shape: [n, 2, 5, 5], data: Float64Array.from(xData) },
      labels,
      targeted ? (`${loss}-t` as MarginLossKind) : loss,
      targeted ? targets : null,
    );
    metric(
      `${what} lossError`,
      assertBelow(normwiseError(await result.losses.read(), ref.losses), TOLERANCES.modelGradient, `${what} losses`),
    );
    metric(
      `${what} inputGradError`,
      assertBelow(normwiseError(await result.grad.read(), ref.dx.data), TOLERANCES.modelGradient, `${what} input gradient`),
    );
    result.dispose();
  }
  [model, x, y, t].forEach((v) => v.dispose());
});
