// Attack conformance: perturbations stay in the ball and in [0, 1]; on a linear binary model
// FGSM and PGD reach the closed-form worst case; PGD's mean loss does not decrease with more
// steps on a trained model; restarts never lower the attack's success; bad options are typed errors.

import { ANISOTROPIES, anisotropicFgsm, checkLabels, fgsm, fgsmRs, GradientScale, nFgsm, pgd } from '../../src/attacks/index.js';
import { uploadBatch } from '../../src/data/batching.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { softmaxCrossEntropy } from '../../src/ops/softmax_cross_entropy.js';
import { Sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/random/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, expectCode } from './check.js';
import { defineCase } from './harness.js';

const EPS = 0.1;

/** A small MLP trained for a few full-batch SGD steps on synthetic clusters, and its data. */
async function trainedModel(gpu: Gpu): Promise<{ model: Model; x: Tensor; y: Tensor }> {
  const data = syntheticClusters({ classes: 4, perClass: 24, shape: [1, 6, 6], spread: 0.2, seed: 5 });
  const { x, y } = uploadBatch(gpu, data);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [24], classes: 4, seed: 1 });
  const sgd = new Sgd(gpu, model.parameters(), { lr: 0.5, momentum: 0.9, weightDecay: 0 });
  for (let step = 0; step < 40; step++) {
    model.zeroGrad();
    model.lossAndGrad(x, y, { mode: 'train' }).dispose();
    sgd.step();
  }
  return { model, x, y };
}

function linfDistance(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

defineCase('attacks stay inside their ball and [0, 1]', async ({ gpu, metric }) => {
  const { model, x, y } = await trainedModel(gpu);
  const x0 = await x.read();
  const rng = new Rng(11);
  const n = x.shape[0];
  const d = x.size / n;
  const cases: Array<[string, Tensor, number]> = [
    ['fgsm', fgsm(model, x, y, { eps: EPS }), EPS],
    ['fgsmRs', fgsmRs(model, x, y, rng, { eps: EPS }), EPS],
    ['nFgsm', nFgsm(model, x, y, rng, { eps: EPS }), 3 * EPS], // noise 2·eps + step eps, no projection
    ['pgd linf', pgd(model, x, y, rng, { eps: EPS, steps: 5, stepSize: EPS / 2 }), EPS],
  ];
  for (const [name, adv, bound] of cases) {
    const a = await adv.read();
    assert(a.every((v) => v >= 0 && v <= 1), `${name}: values outside [0, 1]`);
    const dist = linfDistance(a, x0);
    assert(dist <= bound + 1e-6, `${name}: l-inf distance ${dist} > ${bound}`);
    metric(`${name} linf`, dist);
    adv.dispose();
  }
  const l2 = await pgd(model, x, y, rng, { norm: 'l2', eps: 0.5, steps: 5, stepSize: 0.2 }).read();
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (l2[i * d + k] - x0[i * d + k]) ** 2;
    assert(Math.sqrt(s) <= 0.5 + 1e-4, `pgd l2: sample ${i} moved ${Math.sqrt(s)} > 0.5`);
  }
  [model, x, y].forEach((t) => t.dispose());
});

defineCase('on a linear binary model FGSM and PGD reach the closed-form worst case', async ({ gpu, output }) => {
  // f(x) = Wx + b with 2 classes: the loss grows with -(w_y - w_other)·x, so the l-inf worst case is
  // x - eps·sign(w_y - w_other), reached by FGSM in one step and by PGD once k·alpha >= eps.
  const dim = 10;
  const n = 6;
  const model = createMlp(gpu, { inputShape: [dim], hidden: [], classes: 2, seed: 3 });
  const rng = new Rng(4);
  const xs = rng.uniform(n * dim, 0.3, 0.7); // far from the [0, 1] walls: no clipping
  const labels = Float32Array.from({ length: n }, (_, i) => i % 2);
  const x = Tensor.fromArray(gpu, xs, [n, dim]);
  const y = Tensor.fromArray(gpu, labels, [n]);
  const [w] = [await model.parameters()[0].value.read()]; // fc1.weight [2, dim]
  const expected = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const yi = labels[i];
    for (let k = 0; k < dim; k++) {
      const diff = w[yi * dim + k] - w[(1 - yi) * dim + k];
      expected[i * dim + k] = Math.fround(xs[i * dim + k] - EPS * Math.sign(diff));
    }
  }
  const fg = await fgsm(model, x, y, { eps: EPS }).read();
  const pg = await pgd(model, x, y, rng, { eps: EPS, steps: 8, stepSize: EPS / 2 }).read();
  assert(linfDistance(fg, expected) <= 1e-6, `fgsm differs from the closed form by ${linfDistance(fg, expected)}`);
  assert(linfDistance(pg, expected) <= 1e-6, `pgd differs from the closed form by ${linfDistance(pg, expected)}`);
  output('fgsm', fg, { mode: 'tolerance', tol: 1e-6 });
  [model, x, y].forEach((t) => t.dispose());
});

defineCase('PGD loss does not decrease with more steps; restarts never lower success', async ({ gpu, metric }) => {
  const { model, x, y } = await trainedModel(gpu);
  const meanLoss = async (adv: Tensor) => {
    const logits = model.forward(adv, { mode: 'eval', record: false });
    const { losses, correct } = softmaxCrossEntropy(logits, y);
    const l = await losses.read();
    const c = await correct.read();
    [logits, losses, correct, adv].forEach((t) => t.dispose());
    return { loss: l.reduce((a, b) => a + b, 0) / l.length, correct: c };
  };
  const losses: number[] = [];
  for (const steps of [1, 3, 6, 12]) {
    const { loss } = await meanLoss(pgd(model, x, y, new Rng(21), { eps: EPS, steps, stepSize: EPS / 4 }));
    losses.push(loss);
    metric(`loss after ${steps} steps`, loss);
  }
  for (let i = 1; i < losses.length; i++) {
    assert(losses[i] >= losses[i - 1] - 1e-4, `mean loss fell from ${losses[i - 1]} to ${losses[i]} with more steps`);
  }
  const single = await meanLoss(pgd(model, x, y, new Rng(22), { eps: 0.25, steps: 2, stepSize: 0.1 }));
  const multi = await meanLoss(pgd(model, x, y, new Rng(22), { eps: 0.25, steps: 2, stepSize: 0.1, restarts: 3 }));
  for (let i = 0; i < single.correct.length; i++) {
    assert(!(single.correct[i] === 0 && multi.correct[i] === 1), `sample ${i}: fooled by 1 restart but not by 3`);
  }
  metric('robust acc 1 restart', single.correct.reduce((a, b) => a + b, 0) / single.correct.length);
  metric('robust acc 3 restarts', multi.correct.reduce((a, b) => a + b, 0) / multi.correct.length);
  [model, x, y].forEach((t) => t.dispose());
});

defineCase('bad attack options and labels are typed errors naming the field', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [4], hidden: [], classes: 3 });
  const x = Tensor.fromArray(gpu, new Float32Array(8).fill(0.5), [2, 4]);
  const y = Tensor.fromArray(gpu, [0, 1], [2]);
  const rng = new Rng(1);
  const expectField = async (field: string, fn: () => unknown) => {
    const message = await expectCode('E_INVALID_ARGUMENT', fn);
    assert(message.includes(`"${field}"`), `message does not name ${field}: ${message}`);
  };
  await expectField('eps', () => fgsm(model, x, y, { eps: -0.1 }));
  await expectField('eps', () => pgd(model, x, y, rng, { eps: 1.5 }));
  await expectField('steps', () => pgd(model, x, y, rng, { steps: 0 }));
  await expectField('stepSize', () => pgd(model, x, y, rng, { stepSize: 0 }));
  await expectField('bogus', () => fgsm(model, x, y, { bogus: 1 } as never));
  const labelError = await expectCode('E_INVALID_ARGUMENT', () => checkLabels([0, 3], 3, 'evaluate'));
  assert(labelError.includes('label 3 at index 1'), labelError);
  [model, x, y].forEach((t) => t.dispose());
});

defineCase('anisotropic-start FGSM stays in the ball for every anisotropy; the gradient scale is non-constant with mean 1', async ({ gpu, metric }) => {
  const { model, x, y } = await trainedModel(gpu);
  const x0 = await x.read();
  const rng = new Rng(31);
  const scale = new GradientScale(gpu, model.inputShape);
  const starts: Float32Array[] = [];
  for (const anisotropy of ANISOTROPIES) {
    for (let repeat = 0; repeat < 2; repeat++) {
      const adv = await anisotropicFgsm(model, x, y, rng, { eps: EPS, anisotropy }, scale).read();
      assert(adv.every((v) => v >= 0 && v <= 1), `${anisotropy}: values outside [0, 1]`);
      const dist = linfDistance(adv, x0);
      assert(dist <= EPS + 1e-6, `${anisotropy}: l-inf distance ${dist} > ${EPS}`);
      if (repeat === 0) starts.push(adv);
    }
  }
  assert(linfDistance(starts[0], starts[2]) > 0, 'the gradient anisotropy gave the same examples as the uniform one');
  const s = await scale.scale(1e9).read(); // unclamped: m / mean(m)
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const spread = Math.max(...s) - Math.min(...s);
  assert(Math.abs(mean - 1) < 1e-4, `gradient scale mean ${mean} is not 1`);
  assert(spread > 0.1, `gradient scale is (nearly) constant: spread ${spread}`);
  metric('gradient scale max', Math.max(...s));
  await expectCode('E_INVALID_ARGUMENT', () => anisotropicFgsm(model, x, y, rng, { anisotropy: 'gradient' }));
  await expectCode('E_INVALID_ARGUMENT', () => anisotropicFgsm(model, x, y, rng, { anisotropy: 'radial' as never }, scale));
  scale.dispose();
  [model, x, y].forEach((t) => t.dispose());
});
