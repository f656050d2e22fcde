// Attack conformance: perturbations stay in the ball and in [0, 1]; on a linear binary model
// FGSM, PGD and APGD reach the closed-form worst case (l-inf and l2), and on a linear multi-class
// model the worst case over targeted attacks finds exactly the closed-form non-robust samples;
// PGD's mean loss does not decrease with more steps on a trained model; restarts never lower the
// attack's success; APGD is never weaker than PGD with the same budget on trained models; the
// evaluation never counts a clean-misclassified sample as robust; bad options are typed errors; the
// attack step against a float64 reference at sizes that end mid-vec4.

import {
  ANISOTROPIES,
  anisotropicFgsm,
  apgd,
  apgdCheckpoints,
  checkLabels,
  fgsm,
  fgsmRs,
  GradientScale,
  nFgsm,
  parseThreats,
  pgd,
  threatName,
  WORST_CASE,
} from '../../src/attacks/index.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { evaluate } from '../../src/train/evaluate.js';
import { uploadBatch } from '../../src/data/batching.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { softmaxCrossEntropy } from '../../src/ops/softmax_cross_entropy.js';
import { Sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/random/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, assertBelow, expectCode, randomF32 } from './check.js';
import { attackStep } from '../../src/ops/attack_step.js';
import { TOLERANCES } from '../tolerances.js';
import { defineCase } from './harness.js';

const EPS = 0.1;

/** A small MLP trained for a few full-batch SGD steps on synthetic clusters, and its data. */
async function trainedModel(gpu: Gpu, seed = 1, steps = 40): Promise<{ model: Model; x: Tensor; y: Tensor }> {
  const data = syntheticClusters({ classes: 4, perClass: 24, shape: [1, 6, 6], spread: 0.2, seed: 5 });
  const { x, y } = uploadBatch(gpu, data);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [24], classes: 4, seed });
  const sgd = new Sgd(gpu, model.parameters(), { lr: 0.5, momentum: 0.9, weightDecay: 0 });
  for (let step = 0; step < steps; step++) {
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
    assert(
      a.every((v) => v >= 0 && v <= 1),
      `${name}: values outside [0, 1]`,
    );
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
  await expectField('stepSize', () => pgd(model, x, y, rng, { stepSize: -0.1 })); // 0 is allowed: the step of a zero radius
  await expectField('eps', () => pgd(model, x, y, rng, { norm: 'l2', eps: 2.5 })); // l2 bound: √4 = 2, the diameter of the [0, 1]^4 cube
  await expectField('bogus', () => fgsm(model, x, y, { bogus: 1 } as never));
  const labelError = await expectCode('E_INVALID_ARGUMENT', () => checkLabels([0, 3], 3, 'evaluate'));
  assert(labelError.includes('label 3 at index 1'), labelError);
  [model, x, y].forEach((t) => t.dispose());
});

defineCase(
  'anisotropic-start FGSM stays in the ball for every anisotropy; the gradient scale is non-constant with mean 1',
  async ({ gpu, metric }) => {
    const { model, x, y } = await trainedModel(gpu);
    const x0 = await x.read();
    const rng = new Rng(31);
    const scale = new GradientScale(gpu, model.inputShape);
    const starts: Float32Array[] = [];
    for (const anisotropy of ANISOTROPIES) {
      for (let repeat = 0; repeat < 2; repeat++) {
        const adv = await anisotropicFgsm(model, x, y, rng, { eps: EPS, anisotropy }, scale).read();
        assert(
          adv.every((v) => v >= 0 && v <= 1),
          `${anisotropy}: values outside [0, 1]`,
        );
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
  },
);

/** Accuracy of model(adv) against y (eval mode); disposes adv. */
async function accuracyOn(model: Model, adv: Tensor, y: Tensor): Promise<Float32Array> {
  const logits = model.forward(adv, { mode: 'eval', record: false });
  const { losses, correct } = softmaxCrossEntropy(logits, y);
  const flags = await correct.read();
  [logits, losses, correct, adv].forEach((t) => t.dispose());
  return flags;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

defineCase('APGD checkpoints follow p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)', async () => {
  const at100 = apgdCheckpoints(100);
  assert(JSON.stringify(at100.slice(0, 5)) === JSON.stringify([21, 40, 56, 69, 79]), `checkpoints of 100 iterations: ${at100}`);
  assert(
    at100.every((c, i) => i === 0 || c - at100[i - 1] >= 6),
    `windows shorter than 6: ${at100}`,
  );
  assert(apgdCheckpoints(1).length === 1 && apgdCheckpoints(1)[0] === 0, `1 iteration: ${apgdCheckpoints(1)}`);
});

defineCase('on a linear binary model APGD (CE, l-inf and l2) reaches the closed-form worst case', async ({ gpu, output }) => {
  const dim = 10;
  const n = 6;
  const model = createMlp(gpu, { inputShape: [dim], hidden: [], classes: 2, seed: 3 });
  const rng = new Rng(5);
  const xs = rng.uniform(n * dim, 0.3, 0.7);
  const labels = Float32Array.from({ length: n }, (_, i) => i % 2);
  const x = Tensor.fromArray(gpu, xs, [n, dim]);
  const y = Tensor.fromArray(gpu, labels, [n]);
  const w = await model.parameters()[0].value.read();
  const linf = new Float32Array(n * dim);
  const l2 = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const diff = Array.from({ length: dim }, (_, k) => w[labels[i] * dim + k] - w[(1 - labels[i]) * dim + k]);
    const norm = Math.hypot(...diff);
    diff.forEach((v, k) => {
      linf[i * dim + k] = Math.fround(xs[i * dim + k] - EPS * Math.sign(v));
      l2[i * dim + k] = xs[i * dim + k] - (0.2 * v) / norm;
    });
  }
  const a = await apgd(model, x, y, rng, { eps: EPS, steps: 10 }).read();
  assert(linfDistance(a, linf) <= 1e-6, `apgd l-inf differs from the closed form by ${linfDistance(a, linf)}`);
  const b = await apgd(model, x, y, rng, { eps: 0.2, norm: 'l2', steps: 20 }).read();
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(b[i] - l2[i]));
  assert(worst <= 1e-3, `apgd l2 differs from the closed form by ${worst}`);
  output('apgd linf', a, { mode: 'tolerance', tol: 1e-6 });
  [model, x, y].forEach((t) => t.dispose());
});

defineCase(
  'on a linear multi-class model the worst case over targeted attacks finds exactly the closed-form non-robust samples',
  async ({ gpu, metric }) => {
    // Sample i is l-inf robust iff for every j != y: (w_y - w_j)·x + b_y - b_j > eps·||w_y - w_j||_1 (x far from 0 and 1).
    const dim = 12;
    const classes = 5;
    const n = 120;
    const eps = 0.05;
    const model = createMlp(gpu, { inputShape: [dim], hidden: [], classes, seed: 8 });
    const rng = new Rng(9);
    const xs = rng.uniform(n * dim, 0.3, 0.7);
    const [w, b] = [await model.parameters()[0].value.read(), await model.parameters()[1].value.read()];
    const z = (i: number, c: number) =>
      b[c] + Array.from({ length: dim }, (_, k) => w[c * dim + k] * xs[i * dim + k]).reduce((s, v) => s + v, 0);
    // Labels: the clean prediction, except every 7th sample (misclassified on purpose).
    const labels = Float32Array.from({ length: n }, (_, i) => {
      const pred = [...Array(classes).keys()].reduce((best, c) => (z(i, c) > z(i, best) ? c : best), 0);
      return i % 7 === 0 ? (pred + 1) % classes : pred;
    });
    const slack = Float64Array.from({ length: n }, (_, i) =>
      Math.min(
        ...[...Array(classes).keys()]
          .filter((j) => j !== labels[i])
          .map((j) => {
            let l1 = 0;
            for (let k = 0; k < dim; k++) l1 += Math.abs(w[labels[i] * dim + k] - w[j * dim + k]);
            return z(i, labels[i]) - z(i, j) - eps * l1;
          }),
      ),
    );
    const x = Tensor.fromArray(gpu, xs, [n, dim]);
    const y = Tensor.fromArray(gpu, labels, [n]);
    const runs: Array<[string, Tensor]> = [
      ['pgd cw targeted', pgd(model, x, y, rng, { eps, steps: 10, stepSize: eps / 4, loss: 'cw', targets: classes - 1 })],
      ['apgd cw targeted', apgd(model, x, y, rng, { eps, steps: 10, loss: 'cw', targets: classes - 1 })],
      ['apgd dlr targeted', apgd(model, x, y, rng, { eps, steps: 20, loss: 'dlr', targets: classes - 1 })],
    ];
    for (const [name, adv] of runs) {
      const robust = await accuracyOn(model, adv, y);
      let checked = 0;
      for (let i = 0; i < n; i++) {
        if (Math.abs(slack[i]) < 1e-4) continue; // on the boundary up to f32 rounding
        checked++;
        assert(
          robust[i] === (slack[i] > 0 ? 1 : 0),
          `${name}: sample ${i} (slack ${slack[i].toFixed(5)}) robust ${robust[i]}, closed form ${slack[i] > 0}`,
        );
      }
      metric(`${name} robust accuracy`, mean(robust));
      metric(`${name} samples checked`, checked);
    }
    metric('closed-form robust accuracy', mean(slack.map((s) => (s > 0 ? 1 : 0))));
    [model, x, y].forEach((t) => t.dispose());
  },
);

defineCase('APGD is never weaker than PGD with the same budget on trained models (CE and DLR)', async ({ gpu, metric }) => {
  for (const [seed, steps] of [
    [1, 40],
    [2, 15],
    [3, 80],
  ] as const) {
    const { model, x, y } = await trainedModel(gpu, seed, steps);
    for (const loss of ['ce', 'dlr'] as const) {
      const budget = { eps: 0.15, steps: 10, loss };
      const p = mean(await accuracyOn(model, pgd(model, x, y, new Rng(seed), { ...budget, stepSize: 0.15 / 4 }), y));
      const a = mean(await accuracyOn(model, apgd(model, x, y, new Rng(seed), budget), y));
      metric(`model ${seed} ${loss} pgd10`, p);
      metric(`model ${seed} ${loss} apgd10`, a);
      assert(a <= p, `model ${seed}, ${loss}: APGD-10 robust accuracy ${a} > PGD-10 ${p}`);
    }
    [model, x, y].forEach((t) => t.dispose());
  }
});

defineCase(
  'evaluation never counts a clean-misclassified sample as robust, even when the attack moves it to the right class',
  async ({ gpu, metric }) => {
    // One input x = 128/255 and 3 classes: z0 = 0, z1 = x - x0 + 0.05 (wins clean: label 0 is wrong),
    // z2 = -10(x - x0) - 1.5. The CE gradient is dominated by class 2, so FGSM/PGD step x down by eps,
    // where z0 wins: the attacked input is classified correctly though the clean one is not.
    const x0 = 128 / 255;
    const model = createMlp(gpu, { inputShape: [1, 1, 1], hidden: [], classes: 3, seed: 1 });
    model.importState({ 'fc1.weight': Float32Array.of(0, 1, -10), 'fc1.bias': Float32Array.of(0, 0.05 - x0, 10 * x0 - 1.5) });
    const data = new ImageDataset({
      name: 'synthetic-trap',
      images: Uint8Array.of(128),
      labels: Uint8Array.of(0),
      shape: [1, 1, 1],
      classes: ['a', 'b', 'c'],
    });
    const threats = parseThreats('clean,fgsm,pgd10,apgd10');
    const result = await evaluate(model, data, { eps: 0.1, threats });
    const x = Tensor.fromArray(gpu, [x0], [1, 1, 1, 1]);
    const y = Tensor.fromArray(gpu, [0], [1]);
    const attacked = await accuracyOn(model, fgsm(model, x, y, { eps: 0.1 }), y);
    assert(attacked[0] === 1, 'the trap did not work: FGSM did not move the sample to its label (the old rule would count it robust)');
    for (const t of threats) metric(threatName(t), result.accuracy[threatName(t)]);
    assert(result.accuracy.clean === 0, `clean accuracy ${result.accuracy.clean}, expected 0`);
    for (const name of ['fgsm', 'pgd10', 'apgd10-ce', WORST_CASE]) {
      assert(result.accuracy[name] === 0, `${name}: ${result.accuracy[name]} counts the clean-misclassified sample as robust`);
    }
    [model, x, y].forEach((t) => t.dispose());
  },
);

defineCase('the attack step (vec4 per invocation) against a float64 reference at sizes that end mid-vec4', async ({ gpu, metric }) => {
  for (const [n, d] of [
    [3, 7],
    [5, 4],
    [2, 13],
  ]) {
    const x0 = randomF32(n * d, 11 + d, 0, 1);
    const start = Float32Array.from(x0, (v, i) => Math.min(1, Math.max(0, v + (i % 3 === 0 ? 0.05 : -0.03))));
    const g = randomF32(n * d, 23 + d);
    g[1] = 0; // sign(0) = 0: the element stays
    for (const [norm, project] of [
      ['linf', true],
      ['linf', false],
      ['l2', false],
    ] as const) {
      const alpha = 0.0625;
      const eps = 0.07;
      const [xt, x0t, gt] = [start, x0, g].map((a) => Tensor.fromArray(gpu, a, [n, d]));
      attackStep(xt, x0t, gt, norm, alpha, eps, project);
      const got = await xt.read();
      let worst = 0;
      for (let s = 0; s < n; s++) {
        let norm2 = 0;
        for (let k = 0; k < d; k++) norm2 += Math.fround(g[s * d + k] * g[s * d + k]);
        for (let k = 0; k < d; k++) {
          const i = s * d + k;
          let want = norm === 'linf' ? start[i] + alpha * Math.sign(g[i]) : start[i] + (alpha * g[i]) / Math.max(Math.sqrt(norm2), 1e-12);
          if (project) want = Math.min(Math.max(want, x0[i] - eps), x0[i] + eps);
          want = Math.min(1, Math.max(0, want));
          worst = Math.max(worst, Math.abs(got[i] - want));
        }
      }
      // l-inf: one rounding of x + alpha·sign(g) and of the ball's bounds; l2: the norm's sum, sqrt and division too
      assertBelow(
        worst,
        norm === 'linf' ? 2 * 2 ** -24 : TOLERANCES.mapTranscendental,
        `attack step ${norm} project=${project} n=${n} d=${d}`,
      );
      metric(`attack step ${norm}${project ? ' projected' : ''} ${n}x${d}: max |x - x64|`, worst);
      [xt, x0t, gt].forEach((t) => t.dispose());
    }
  }
});
