// AutoAttack's standard version: FAB-T reaches the closed-form minimal l-inf and l2 perturbation of
// linear models (binary and multi-class); Square breaks on linear models what the closed form says
// it can within its budget and never leaves the ball or [0, 1]; the cascade's verdict on each sample
// equals the union of its attacks run on every sample, on a small trained model, and no attack is
// weaker in the cascade than alone; per-sample streams make an attack independent of its batch.

import { fabStep } from '../../src/ops/fab.js';
import { fabMinimal, parseThreats, SampleStreams, square, squareFraction, apgd } from '../../src/attacks/index.js';
import { uploadBatch } from '../../src/data/batching.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { softmaxCrossEntropy } from '../../src/ops/softmax_cross_entropy.js';
import { Sgd } from '../../src/optim/sgd.js';
import { Rng } from '../../src/random/rng.js';
import { fabStepRef } from '../../src/reference/fab_projection.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { cascade } from '../../src/train/cascade.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, expectCode } from './check.js';
import { defineCase } from './harness.js';

/** A linear model on [1, side, side] inputs away from the walls, labelled by its own prediction; closed-form distances to each class. */
async function linearCase(gpu: Gpu, classes: number, side: number, n: number, seed: number) {
  const dim = side * side;
  const model = createMlp(gpu, { inputShape: [1, side, side], hidden: [], classes, seed });
  const xs = new Rng(seed + 100).uniform(n * dim, 0.35, 0.65);
  const [w, b] = [await model.parameters()[0].value.read(), await model.parameters()[1].value.read()];
  const z = (i: number, c: number) =>
    b[c] + Array.from({ length: dim }, (_, k) => w[c * dim + k] * xs[i * dim + k]).reduce((s, v) => s + v, 0);
  const labels = Float32Array.from({ length: n }, (_, i) =>
    [...Array(classes).keys()].reduce((best, c) => (z(i, c) > z(i, best) ? c : best), 0),
  );
  /** The smallest `norm` perturbation that misclassifies sample i without walls: min_k (z_y − z_k) / ||w_y − w_k||_dual. */
  const minimal = (norm: 'linf' | 'l2') =>
    Float64Array.from({ length: n }, (_, i) =>
      Math.min(
        ...[...Array(classes).keys()]
          .filter((k) => k !== labels[i])
          .map((k) => {
            let dual = 0;
            for (let j = 0; j < dim; j++) {
              const v = w[labels[i] * dim + j] - w[k * dim + j];
              dual += norm === 'linf' ? Math.abs(v) : v * v;
            }
            return (z(i, labels[i]) - z(i, k)) / (norm === 'linf' ? dual : Math.sqrt(dual));
          }),
      ),
    );
  const x = Tensor.fromArray(gpu, xs, [n, 1, side, side]);
  const y = Tensor.fromArray(gpu, labels, [n]);
  return { model, xs, x, y, minimal, dispose: () => [model, x, y].forEach((t) => t.dispose()) };
}

/** Per sample 1 where model(adv) predicts y (eval mode); disposes adv. */
async function correctOn(model: Model, adv: Tensor, y: Tensor): Promise<Float32Array> {
  const logits = model.forward(adv, { mode: 'eval', record: false });
  const { losses, correct } = softmaxCrossEntropy(logits, y);
  const flags = await correct.read();
  [logits, losses, correct, adv].forEach((t) => t.dispose());
  return flags;
}

function rowDistance(a: Float32Array, b: Float32Array, i: number, d: number, norm: 'linf' | 'l2'): number {
  let s = 0;
  for (let k = i * d; k < (i + 1) * d; k++) s = norm === 'linf' ? Math.max(s, Math.abs(a[k] - b[k])) : s + (a[k] - b[k]) ** 2;
  return norm === 'linf' ? s : Math.sqrt(s);
}

defineCase(
  'FAB-T step on the device (projections onto the linearised boundary in [0, 1]) against the float64 reference',
  async ({ gpu, metric }) => {
    for (const norm of ['linf', 'l2'] as const) {
      for (const d of [13, 300]) {
        // 13: fewer values than threads, 300: not a multiple of the 8 threads
        const n = 12;
        const rng = new Rng(d + (norm === 'l2' ? 1 : 0));
        const x0 = rng.uniform(n * d);
        const x1 = Float32Array.from(rng.uniform(n * d, -0.05, 0.05), (v, k) => Math.min(Math.max(x0[k] + v, 0), 1));
        const grad = rng.normal(n * d);
        for (let k = 0; k < d; k += 3) grad[d + k] = 0; // sample 1: zero weights do not move
        // losses: the plane within reach (small), beyond the box (sample 2), on x1 (sample 3: f = 0),
        // NaN (sample 4: kept as is), misclassified clean (sample 5: distance 0, kept as is), both signs
        const losses = Float32Array.from(rng.normal(n), (v, i) =>
          i === 2 ? 1e4 : i === 3 ? 0 : i === 4 ? NaN : v * (norm === 'linf' ? 0.5 : 2) * Math.sqrt(d),
        );
        const distances = Float32Array.from({ length: n }, (_, i) => (i === 5 ? 0 : 1));
        const t = [x0, x1, grad, losses, distances].map((a, k) => Tensor.fromArray(gpu, a, k < 3 ? [n, d] : [n]));
        const o = { norm, eta: 1.05, alphaMax: 0.1 };
        fabStep(t[0], t[1], t[2], t[3], t[4], o);
        const got = await t[1].read();
        let worst = 0;
        let moved = 0;
        for (let i = 0; i < n; i++) {
          const row = (a: Float32Array) => a.subarray(i * d, (i + 1) * d);
          const want = i === 4 || i === 5 ? row(x1) : fabStepRef(row(x0), row(x1), row(grad), losses[i], norm, o.eta, o.alphaMax);
          for (let k = 0; k < d; k++) {
            worst = Math.max(worst, Math.abs(got[i * d + k] - want[k]));
            moved = Math.max(moved, Math.abs(want[k] - x1[i * d + k]));
          }
        }
        assert(moved > 0.01, `${norm} d=${d}: the reference step moves no coordinate by more than ${moved}: the case is vacuous`);
        assert(
          got.every((v) => v >= 0 && v <= 1),
          `${norm} d=${d}: values outside [0, 1]`,
        );
        assert(
          worst <= TOLERANCES.fabStep,
          `${norm} d=${d}: device step differs from the float64 reference by ${worst} (tolerance ${TOLERANCES.fabStep})`,
        );
        metric(`${norm} d=${d}: max |device − reference|`, worst);
        t.forEach((a) => a.dispose());
      }
    }
  },
);

defineCase(
  'FAB-T reaches the closed-form minimal l-inf and l2 perturbation of linear models (binary and multi-class)',
  async ({ gpu, metric }) => {
    for (const [classes, seed] of [
      [2, 3],
      [4, 5],
    ] as const) {
      const c = await linearCase(gpu, classes, 4, 16, seed);
      for (const norm of ['linf', 'l2'] as const) {
        const closed = c.minimal(norm);
        const { adv, distances } = await fabMinimal(c.model, c.x, c.y, {
          norm,
          eps: norm === 'linf' ? 1 : 4,
          steps: 100,
          targets: classes - 1,
        });
        const flags = await correctOn(c.model, Tensor.fromArray(gpu, adv, c.x.shape), c.y);
        let worst = 0;
        let checked = 0;
        for (let i = 0; i < closed.length; i++) {
          assert(
            distances[i] >= closed[i] * (1 - 1e-4),
            `${classes} classes ${norm}: sample ${i} at ${distances[i]} is closer than the closed-form minimum ${closed[i]}`,
          );
          if (closed[i] > 0.25) continue; // far enough that the [0, 1] walls (0.35 away at least) can bind: only the lower bound holds
          checked++;
          assert(flags[i] === 0, `${classes} classes ${norm}: FAB's example of sample ${i} is not misclassified`);
          assert(
            Math.abs(rowDistance(adv, c.xs, i, c.x.size / 16, norm) - distances[i]) <= 1e-6,
            `sample ${i}: reported distance is not the example's`,
          );
          worst = Math.max(worst, distances[i] / closed[i] - 1);
        }
        assert(checked >= 4, `${classes} classes ${norm}: only ${checked} samples within reach of the closed form`);
        assert(
          worst <= TOLERANCES.fabLinear,
          `${classes} classes ${norm}: FAB-T is ${(100 * worst).toFixed(3)} % above the closed-form minimum (tolerance ${100 * TOLERANCES.fabLinear} %)`,
        );
        metric(`${classes} classes ${norm}: worst relative excess`, worst);
      }
      c.dispose();
    }
  },
);

defineCase(
  'Square breaks on linear models what the closed form allows within its budget and never leaves the ball',
  async ({ gpu, metric }) => {
    assert(
      squareFraction(0, 5000, 0.8) === 0.8 && squareFraction(6, 5000, 0.8) === 0.4 && squareFraction(4999, 5000, 0.8) === 0.8 / 512,
      'the p schedule is not the published one rescaled to 5,000 queries',
    );
    for (const norm of ['linf', 'l2'] as const) {
      const n = 40;
      const c = await linearCase(gpu, 3, 8, n, 7);
      const closed = c.minimal(norm);
      // l-inf: a vertex of the ball reaches the minimum, and Square proposes vertices; l2: its bump-shaped
      // windows align with the dense direction w_y − w_k more slowly, so only samples within eps/3 must fall
      const reach = norm === 'linf' ? 0.5 : 1 / 3;
      const eps = [...closed].sort((a, b) => a - b)[3] / reach; // the 4 closest samples within reach
      const adv = await square(
        c.model,
        c.x,
        c.y,
        new SampleStreams(
          1,
          'square',
          Uint32Array.from({ length: n }, (_, i) => i),
        ),
        { norm, eps, queries: 1000 },
      );
      const a = await adv.read();
      const flags = await correctOn(c.model, adv, c.y);
      let easy = 0;
      let out = 0;
      for (let i = 0; i < n; i++) {
        assert(
          rowDistance(a, c.xs, i, 64, norm) <= eps * (1 + 1e-5),
          `${norm}: sample ${i} moved ${rowDistance(a, c.xs, i, 64, norm)} > eps ${eps}`,
        );
        if (closed[i] <= reach * eps) {
          easy++;
          assert(
            flags[i] === 0,
            `${norm}: sample ${i} (closed-form distance ${closed[i]} <= ${reach.toFixed(2)}·eps = ${reach * eps}) not broken in 1,000 queries`,
          );
        }
        if (closed[i] > eps) {
          out++;
          assert(flags[i] === 1, `${norm}: sample ${i} broken though its closed-form distance ${closed[i]} exceeds eps ${eps}`);
        }
      }
      assert(
        a.every((v) => v >= 0 && v <= 1),
        `${norm}: values outside [0, 1]`,
      );
      assert(easy >= 4, `${norm}: the case is vacuous (${easy} samples within reach)`);
      metric(`${norm} robust accuracy`, flags.reduce((s, v) => s + v, 0) / n);
      metric(`${norm} samples within reach`, easy);
      metric(`${norm} samples out of reach (closed form > eps)`, out);
      c.dispose();
    }
  },
);

/** A small MLP trained for a few full-batch SGD steps on synthetic clusters (images [1, 6, 6]), and its data set. */
async function trainedOnClusters(gpu: Gpu) {
  const data = syntheticClusters({ classes: 4, perClass: 16, shape: [1, 6, 6], spread: 0.25, seed: 5 });
  const { x, y } = uploadBatch(gpu, data);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [24], classes: 4, seed: 1 });
  const sgd = new Sgd(gpu, model.parameters(), { lr: 0.5, momentum: 0.9, weightDecay: 0 });
  for (let step = 0; step < 40; step++) {
    model.zeroGrad();
    model.lossAndGrad(x, y, { mode: 'train' }).dispose();
    sgd.step();
  }
  return { model, data, x, y };
}

defineCase(
  'the cascade equals the per-sample union of its attacks run on every sample, and no attack is weaker in it',
  async ({ gpu, metric }) => {
    const { model, data, x, y } = await trainedOnClusters(gpu);
    const threats = parseThreats('clean,apgd5-ce,apgd5-dlr-t3,fab10-t3,square60');
    const options = {
      eps: 0.12,
      norm: 'linf' as const,
      pgdStepFactor: 0.25,
      attackBnMode: 'eval' as const,
      seed: 3,
      onProgress: null,
      now: () => performance.now(),
    };
    const inCascade = await cascade(model, data, threats, { ...options, batchSize: 7, early: true });
    const alone = await cascade(model, data, threats, { ...options, batchSize: 64, early: false });
    const n = data.length;
    for (let i = 0; i < n; i++) {
      const union = alone.clean[i] === 1 && alone.stages.every((s) => s.survived[i] === 1) ? 1 : 0;
      assert(
        inCascade.stages[3].robust[i] === union,
        `sample ${i}: cascade robust ${inCascade.stages[3].robust[i]}, union of the attacks alone ${union}`,
      );
      inCascade.stages.forEach((s, k) => {
        assert(
          s.robust[i] <= alone.stages[k].survived[i],
          `sample ${i}: ${s.threat} breaks it alone but not after the cascade's earlier stages`,
        );
      });
    }
    const count = (f: Uint8Array) => f.reduce((a, b) => a + b, 0);
    inCascade.stages.forEach((s, k) => {
      metric(`${s.threat} alone`, count(alone.stages[k].survived) / n);
      metric(`after ${s.threat} in the cascade`, count(s.robust) / n);
    });
    assert(count(inCascade.clean) > count(inCascade.stages[3].robust), 'the attacks broke nothing: the case is vacuous');
    assert(inCascade.stages[1].attacked < inCascade.stages[0].attacked, 'the cascade did not drop the samples APGD-CE broke');
    // per-sample streams: one sample's attack is the same alone and inside a batch
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    const batched = await apgd(model, x, y, new SampleStreams(9, 'apgd', ids), { eps: 0.12, steps: 5 }).read();
    const one = uploadBatch(gpu, data, [5]);
    const single = await apgd(model, one.x, one.y, new SampleStreams(9, 'apgd', one.indices), { eps: 0.12, steps: 5 }).read();
    const d = single.length;
    const gap = Math.max(...Array.from(single, (v, k) => Math.abs(v - batched[5 * d + k])));
    assert(gap <= 1e-5, `sample 5 attacked alone differs from sample 5 in its batch by ${gap}`);
    one.dispose();
    [model, x, y].forEach((t) => t.dispose());
  },
);

defineCase('FAB-T and Square: bad options are typed errors naming the field', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [1, 2, 2], hidden: [], classes: 3 });
  const x = Tensor.fromArray(gpu, new Float32Array(8).fill(0.5), [2, 1, 2, 2]);
  const y = Tensor.fromArray(gpu, [0, 1], [2]);
  const streams = new SampleStreams(0, 'square', Uint32Array.of(0, 1));
  const expectField = async (field: string, fn: () => unknown) => {
    const message = await expectCode('E_INVALID_ARGUMENT', fn);
    assert(message.includes(`"${field}"`), `message does not name ${field}: ${message}`);
  };
  await expectField('targets', () => fabMinimal(model, x, y, { targets: 3 })); // only 2 classes besides the label
  await expectField('rank', () => fabMinimal(model, x, y, { targets: 2, rank: 3 }));
  await expectField('eta', () => fabMinimal(model, x, y, { targets: 2, eta: 0.5 }));
  await expectField('queries', () => square(model, x, y, streams, { queries: 0 }));
  await expectField('pInit', () => square(model, x, y, streams, { pInit: 1.5 }));
  const flat = Tensor.fromArray(gpu, new Float32Array(8).fill(0.5), [2, 4]);
  const flatModel = createMlp(gpu, { inputShape: [4], hidden: [], classes: 3 });
  await expectCode('E_SHAPE_MISMATCH', () => square(flatModel, flat, y, streams));
  [model, flatModel, x, y, flat].forEach((t) => t.dispose());
});
