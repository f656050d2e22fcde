// Whole-model checks of the MLP: loss, parameter and input gradients of the mean cross-entropy
// against the float64 reference model with the same weights and batch; per-sample gradients of
// chosen outputs; checkpoint export/import; bit-identical weights after N seeded SGD steps; typed
// errors for bad input and options; no pooled buffer leaks.

import type { Gpu } from '../../src/device/gpu.js';
import { NO_PARAM_GRADS, PerSampleGrads } from '../../src/nn/gradient_sink.js';
import { createMlp, type MlpOptions } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { softmaxCrossEntropyBackward } from '../../src/ops/softmax_cross_entropy.js';
import { Sgd } from '../../src/optim/sgd.js';
import { refLossAndGrad, referenceMlp, type RefTensor } from '../../src/reference/layers.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, seededUniform } from './check.js';
import { defineCase } from './harness.js';
import { normwiseError } from './nn_check.js';

const OPTIONS: Partial<MlpOptions> = {
  inputShape: [3, 6, 6],
  hidden: [48, 20],
  classes: 10,
  normalize: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
  seed: 3,
};

function batch(gpu: Gpu, n: number, seed: number): { x: Tensor; y: Tensor; xData: Float32Array; labels: Float32Array } {
  const xData = randomF32(n * 108, seed, 0, 1);
  const u = seededUniform(seed + 1);
  const labels = Float32Array.from({ length: n }, () => Math.floor(u() * 10));
  return { x: Tensor.fromArray(gpu, xData, [n, 3, 6, 6]), y: Tensor.fromArray(gpu, labels, [n]), xData, labels };
}

async function reference(model: Model) {
  return referenceMlp(
    { inputShape: [3, 6, 6], hidden: [48, 20], classes: 10, normalize: OPTIONS.normalize ?? null },
    await model.exportState(),
  );
}

defineCase('MLP whole-model gradient check against the float64 reference', async ({ gpu, metric, output }) => {
  const model = createMlp(gpu, OPTIONS);
  const n = 37;
  const { x, y, xData, labels } = batch(gpu, n, 5);
  const result = model.lossAndGrad(x, y, { mode: 'train', inputGrad: true });
  const root = await reference(model);
  const ref = refLossAndGrad(root, { shape: [n, 3, 6, 6], data: Float64Array.from(xData) }, labels);
  const losses = await result.losses.read();
  const loss = losses.reduce((a, b) => a + b, 0) / n;
  metric('lossRelError', assertBelow(Math.abs(loss - ref.loss) / ref.loss, TOLERANCES.crossEntropy, 'mean loss'));
  assertBitEqual(await result.correct.read(), ref.correct, 'correct flags');
  let worst = 0;
  for (const [k, p] of model.parameters().entries()) {
    const refP = root.params()[k];
    assert(p.name === refP.name, `parameter ${p.name} vs reference ${refP.name}`);
    const error = normwiseError(await (p.grad as Tensor).read(), refP.grad);
    metric(`${p.name}.gradError`, error);
    worst = Math.max(worst, error);
  }
  assertBelow(worst, TOLERANCES.modelGradient, 'parameter gradients');
  const dx = await (result.inputGrad as Tensor).read();
  metric('inputGradError', assertBelow(normwiseError(dx, ref.dx.data), TOLERANCES.modelGradient, 'input gradient'));
  output('inputGrad', dx, { mode: 'tolerance', tol: TOLERANCES.modelGradient * TOLERANCES.crossRuntimeFactor });
  result.dispose();
  [x, y].forEach((t) => t.dispose());
  model.dispose();
});

defineCase('MLP per-sample gradients of a logit, the logit sum and a cotangent match per-sample references', async ({ gpu, metric }) => {
  const model = createMlp(gpu, { ...OPTIONS, hidden: [16] });
  const n = 5;
  const { x, y, xData } = batch(gpu, n, 8);
  const state = await model.exportState();
  const cotangent = randomF32(n * 10, 9);
  const tCotangent = Tensor.fromArray(gpu, cotangent, [n, 10]);
  const live = gpu.pool.liveCount;
  let worst = 0;
  for (const [label, selector, row] of [
    ['logit 3', { logit: 3 }, (_i: number) => Float64Array.from({ length: 10 }, (_, c) => (c === 3 ? 1 : 0))],
    ['sumLogits', 'sumLogits', () => new Float64Array(10).fill(1)],
    ['cotangent', { cotangent: tCotangent }, (i: number) => Float64Array.from(cotangent.subarray(i * 10, i * 10 + 10))],
  ] as const) {
    const grads = model.perSampleGradients(x, selector);
    for (let i = 0; i < n; i++) {
      const root = referenceMlp({ inputShape: [3, 6, 6], hidden: [16], classes: 10, normalize: OPTIONS.normalize ?? null }, state);
      const xi: RefTensor = { shape: [1, 3, 6, 6], data: Float64Array.from(xData.subarray(i * 108, (i + 1) * 108)) };
      root.forward(xi);
      root.backward({ shape: [1, 10], data: row(i) });
      for (const p of root.params()) {
        const g = grads.get(p.name) as Tensor;
        const size = p.value.length;
        assert(g.shape[0] === n && g.size === n * size, `${label}: ${p.name} per-sample shape [${g.shape}]`);
        const gi = (await g.read()).subarray(i * size, (i + 1) * size);
        worst = Math.max(worst, normwiseError(gi, p.grad));
      }
    }
    grads.forEach((g) => g.dispose());
    assert(gpu.pool.liveCount === live, `${label}: ${gpu.pool.liveCount - live} pooled buffers leaked`);
  }
  metric('maxPerSampleError', assertBelow(worst, TOLERANCES.modelGradient, 'per-sample gradients'));
  // lossAndGrad fills the sink it is given: the per-sample gradients of the mean loss, as backward gives them for dL/dlogits
  const logits = model.forward(x, { mode: 'eval', record: false });
  const dlogits = softmaxCrossEntropyBackward(logits, y);
  const expected = model.perSampleGradients(x, { cotangent: dlogits });
  const lossSink = new PerSampleGrads();
  model.lossAndGrad(x, y, { mode: 'eval', grads: lossSink }).dispose();
  for (const p of model.parameters()) {
    assertBitEqual(await lossSink.grad(p).read(), await expected.get(p.name)!.read(), `lossAndGrad per-sample gradient of ${p.name}`);
  }
  assert(
    model.parameters().every((p) => p.grad === null),
    'a PerSampleGrads sink must leave Parameter.grad alone',
  );
  lossSink.dispose();
  expected.forEach((g) => g.dispose());
  [logits, dlogits].forEach((t) => t.dispose());
  assert(gpu.pool.liveCount === live, `lossAndGrad with a sink leaked ${gpu.pool.liveCount - live} pooled buffers`);
  await expectCode('E_INVALID_ARGUMENT', () => model.perSampleGradients(x, { logit: 10 }));
  assert(gpu.pool.liveCount === live, 'a rejected selector leaked buffers');
  // backward through the model: per-sample gradients go to the sink the caller passes, which owns them
  const ones = Tensor.fromArray(gpu, new Float32Array(n * 10).fill(1), [n, 10]);
  const summed = model.perSampleGradients(x, 'sumLogits');
  model.forward(x, { mode: 'eval' }).dispose();
  const sink = new PerSampleGrads();
  model.backward(ones, { grads: sink }).dispose();
  for (const p of model.parameters())
    assertBitEqual(await sink.grad(p).read(), await summed.get(p.name)!.read(), `sink gradient of ${p.name}`);
  sink.dispose();
  summed.forEach((g) => g.dispose());
  await expectCode('E_INVALID_ARGUMENT', () => model.backward(ones, { paramGrads: 'perSample' } as never));
  await expectCode('E_INVALID_ARGUMENT', () => model.backward(ones, { grads: { kind: 'perSample' } } as never));
  await expectCode('E_INVALID_ARGUMENT', () => model.backward(ones, { grads: { kind: 'each' } } as never));
  ones.dispose();
  model.clearRecord();
  assert(gpu.pool.liveCount === live, 'backward into a sink leaked buffers');
  [x, y, tCotangent].forEach((t) => t.dispose());
  model.dispose();
});

defineCase('MLP checkpoint: exportState/importState round trip and typed errors', async ({ gpu }) => {
  const a = createMlp(gpu, OPTIONS);
  const b = createMlp(gpu, { ...OPTIONS, seed: 99 });
  const { x, y } = batch(gpu, 4, 11);
  const state = await a.exportState();
  assert(Object.keys(state).join() === 'fc1.weight,fc1.bias,fc2.weight,fc2.bias,fc3.weight,fc3.bias', `state keys ${Object.keys(state)}`);
  b.importState(state);
  const [la, lb] = [a.forward(x, { mode: 'eval' }), b.forward(x, { mode: 'eval' })];
  assertBitEqual(await la.read(), await lb.read(), 'logits after importing the state');
  const { 'fc2.bias': _dropped, ...missing } = state;
  let message = await expectCode('E_INVALID_ARGUMENT', () => b.importState(missing));
  assert(message.includes('fc2.bias'), message);
  message = await expectCode('E_SHAPE_MISMATCH', () => b.importState({ ...state, 'fc1.bias': new Float32Array(3) }));
  assert(message.includes('fc1.bias'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => b.importState({ ...state, 'fc9.weight': new Float32Array(3) }));
  assert(message.includes('fc9.weight'), message);
  [la, lb, x, y].forEach((t) => t.dispose());
  [a, b].forEach((m) => m.dispose());
});

/** N seeded SGD steps (momentum, Nesterov, weight decay, clipping) on fixed batches; the final state. */
async function trainSteps(gpu: Gpu, seed: number, steps: number): Promise<Record<string, Float32Array>> {
  const model = createMlp(gpu, { ...OPTIONS, seed });
  const opt = new Sgd(gpu, model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4, clipNorm: 2 });
  for (let s = 0; s < steps; s++) {
    const { x, y } = batch(gpu, 16, 100 + s);
    model.zeroGrad();
    model.lossAndGrad(x, y, { mode: 'train' }).dispose();
    opt.step();
    [x, y].forEach((t) => t.dispose());
  }
  const state = await model.exportState();
  opt.dispose();
  model.dispose();
  return state;
}

defineCase('determinism: the same seed gives bit-identical MLP weights after 6 SGD steps, twice', async ({ gpu, output }) => {
  const live = gpu.pool.liveCount;
  const first = await trainSteps(gpu, 21, 6);
  const second = await trainSteps(gpu, 21, 6);
  const other = await trainSteps(gpu, 22, 6);
  for (const name of Object.keys(first)) assertBitEqual(second[name], first[name], `run 2 vs run 1: ${name}`);
  assert(
    first['fc1.weight'].some((v, i) => v !== other['fc1.weight'][i]),
    'another seed must give other weights',
  );
  assert(gpu.pool.liveCount === live, `training leaked ${gpu.pool.liveCount - live} pooled buffers`);
  output('fc3.weight', first['fc3.weight'], { mode: 'tolerance', tol: TOLERANCES.trainedWeights });
});

defineCase('MLP bad input and options: typed errors naming the layer or option', async ({ gpu }) => {
  const model = createMlp(gpu, OPTIONS);
  const wrong = Tensor.zeros(gpu, [4, 3, 5, 6]);
  let message = await expectCode('E_SHAPE_MISMATCH', () => model.forward(wrong, { mode: 'eval' }));
  assert(message.includes('"normalize"') && message.includes('[4,3,5,6]'), message);
  const { x, y } = batch(gpu, 4, 1);
  message = await expectCode('E_INVALID_ARGUMENT', () => model.lossAndGrad(x, y, { mode: 'train', inputGradient: true } as never));
  assert(message.includes('"inputGradient"'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => model.lossAndGrad(x, y, { mode: 'train', paramGrads: 'none' } as never));
  assert(message.includes('"paramGrads"') && message.includes(', grads,'), message);
  await expectCode('E_INVALID_ARGUMENT', () => model.lossAndGrad(x, y, { mode: 'eval', grads: { kind: 'perSample' } } as never));
  message = await expectCode('E_INVALID_ARGUMENT', () => model.forward(x, { mode: 'training' as never }));
  assert(message.includes('"mode"'), message);
  const badLabels = Tensor.zeros(gpu, [5]);
  await expectCode('E_SHAPE_MISMATCH', () => model.lossAndGrad(x, badLabels));
  message = await expectCode('E_INVALID_ARGUMENT', () => createMlp(gpu, { ...OPTIONS, widths: [3] } as never));
  assert(message.includes('"widths"'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => createMlp(gpu, { ...OPTIONS, hidden: [0] }));
  assert(message.includes('hidden[0]'), message);
  // attacks: input gradient only, parameter gradients untouched
  const live = gpu.pool.liveCount;
  const r = model.lossAndGrad(x, y, { mode: 'eval', grads: NO_PARAM_GRADS, inputGrad: true });
  assert(
    model.parameters().every((p) => p.grad === null),
    'grads: NO_PARAM_GRADS must not create gradients',
  );
  assert(r.inputGrad?.shape.join() === '4,3,6,6', `input gradient shape [${r.inputGrad?.shape}]`);
  r.dispose();
  assert(gpu.pool.liveCount === live, `lossAndGrad leaked ${gpu.pool.liveCount - live} pooled buffers`);
  [wrong, x, y, badLabels].forEach((t) => t.dispose());
  model.dispose();
});
