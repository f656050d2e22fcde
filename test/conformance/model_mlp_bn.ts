// The MLP with BatchNorm1d after each hidden layer (finding 1) against its float64 twin
// (buildReferenceLayer of the same architecture spec, same weights and buffers): logits, loss,
// every parameter gradient and the input gradient in train mode (batch statistics; then the
// running buffers after the step) and in eval mode (running buffers), for PyTorch's estimators
// and for biased EMA without affine; and its empirical NTK (BatchNorm in eval mode, both
// implementations, every kernel kind) against the float64 J Jᵀ.

import type { Gpu } from '../../src/device/gpu.js';
import { createMlp, mlpArchitecture, type MlpOptions } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import type { NtkError } from '../../src/errors.js';
import { empiricalNtk, type Kernel, type KernelKind, type NtkImplementation } from '../../src/ntk/kernel.js';
import type { BatchNormMode } from '../../src/ops/batchnorm.js';
import type { BatchNormStateRef } from '../../src/reference/batchnorm.js';
import { buildReferenceLayer } from '../../src/reference/conv_layers.js';
import { refLossAndGrad } from '../../src/reference/layers.js';
import { referenceNtk } from '../../src/reference/ntk.js';
import { NO_PARAM_GRADS } from '../../src/nn/gradient_sink.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, randomF32, seededUniform } from './check.js';
import { defineCase } from './harness.js';
import { normwiseError } from './nn_check.js';

const INPUT = [3, 6, 6];
const SIZE = 108;
const BN_MLP: Partial<MlpOptions> = {
  inputShape: INPUT,
  hidden: [24, 12],
  classes: 5,
  normalize: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
  batchNorm: true,
  seed: 7,
};
const VARIANTS: Array<[string, Partial<MlpOptions>]> = [
  ['PyTorch estimators (unbiased EMA, affine)', BN_MLP],
  ['biased EMA (momentum 0.3), no affine', { ...BN_MLP, bn: { runningVariance: 'biased', momentum: 0.3, affine: false } }],
];
const TRAIN: BatchNormMode = { batchStats: true, update: true };
const EVAL: BatchNormMode = { batchStats: false, update: false };

function batch(gpu: Gpu, n: number, seed: number) {
  const xs = randomF32(n * SIZE, seed, 0, 1);
  const u = seededUniform(seed + 1);
  const labels = Float32Array.from({ length: n }, () => Math.floor(u() * 5));
  return { xs, labels, x: Tensor.fromArray(gpu, xs, [n, ...INPUT]), y: Tensor.fromArray(gpu, labels, [n]) };
}

/** Two train steps (no parameter update), so the running buffers are not their initial values. */
function warm(gpu: Gpu, model: Model): void {
  for (const seed of [90, 91]) {
    const { x, y } = batch(gpu, 6, seed);
    model.lossAndGrad(x, y, { mode: 'train', grads: NO_PARAM_GRADS, inputGrad: true }).dispose();
    [x, y].forEach((t) => t.dispose());
  }
}

/** Logits, per-sample losses, parameter and input gradients of one batch in `mode` vs the reference; in train mode also the running buffers after the step. */
async function checkAgainstReference(
  gpu: Gpu,
  options: Partial<MlpOptions>,
  mode: 'train' | 'eval',
  metric: (k: string, v: number) => void,
): Promise<void> {
  const live = gpu.pool.liveCount;
  const model = createMlp(gpu, options);
  const names = model.parameters().map((p) => p.name);
  const expectedNames =
    options.bn?.affine === false
      ? ['fc1.weight', 'fc2.weight', 'fc3.weight', 'fc3.bias']
      : ['fc1.weight', 'bn1.weight', 'bn1.bias', 'fc2.weight', 'bn2.weight', 'bn2.bias', 'fc3.weight', 'fc3.bias'];
  assert(names.join() === expectedNames.join(), `parameters ${names.join()} (a Dense before BatchNorm has no bias)`);
  if (mode === 'eval') warm(gpu, model);
  const n = 9;
  const { xs, labels, x, y } = batch(gpu, n, 33);
  const bnStates = new Map<string, BatchNormStateRef>();
  const ref = buildReferenceLayer(mlpArchitecture(options).spec, await model.exportState(), mode === 'train' ? TRAIN : EVAL, bnStates);
  const expected = refLossAndGrad(ref, { shape: [n, ...INPUT], data: Float64Array.from(xs) }, labels);
  const tol = TOLERANCES.convModelGradient;
  let worst = 0;
  const check = (what: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
    const e = normwiseError(got, want);
    worst = Math.max(worst, assertBelow(e, tol, `${mode} mode: ${what}`));
  };
  const logits = model.forward(x, { mode, freezeBnStats: true, record: false }); // the same statistics as the step below, buffers untouched
  check('logits', await logits.read(), expected.logits.data);
  logits.dispose();
  model.zeroGrad();
  const result = model.lossAndGrad(x, y, { mode, inputGrad: true });
  check('per-sample losses', await result.losses.read(), expected.losses);
  const refParams = new Map(ref.params().map((p) => [p.name, p]));
  assert(
    refParams.size === model.parameters().length,
    `reference has ${refParams.size} parameters, the model ${model.parameters().length}`,
  );
  for (const p of model.parameters()) {
    const r = refParams.get(p.name);
    assert(r !== undefined && p.grad !== null, `parameter ${p.name}: no gradient or no reference`);
    check(`gradient of ${p.name}`, await p.grad.read(), r.grad);
  }
  check('input gradient', await (result.inputGrad as Tensor).read(), expected.dx.data);
  metric(`${mode} worst error`, worst);
  let running = 0;
  for (const b of model.buffers()) {
    const layer = b.name.slice(0, b.name.lastIndexOf('.'));
    const field = b.name.slice(layer.length + 1);
    const s = bnStates.get(layer);
    assert(s !== undefined, `buffer ${b.name} has no reference BatchNorm`);
    const want =
      field === 'running_mean'
        ? s.runningMean
        : field === 'running_var'
          ? s.runningVar
          : field === 'num_batches_tracked'
            ? [s.count]
            : null;
    if (want)
      running = Math.max(
        running,
        assertBelow(normwiseError(await b.value.read(), want), TOLERANCES.batchNormRunning, `${mode} mode: ${b.name} after the step`),
      );
  }
  metric(`${mode} running buffers`, running);
  result.dispose();
  [x, y].forEach((t) => t.dispose());
  model.dispose();
  assert(gpu.pool.liveCount === live, `leaked ${gpu.pool.liveCount - live} pooled buffers`);
}

for (const [label, options] of VARIANTS) {
  for (const mode of ['train', 'eval'] as const) {
    defineCase(
      `MLP with BatchNorm1d (${label}), ${mode} mode (${mode === 'train' ? 'batch statistics' : 'running buffers'}): logits, loss, parameter and input gradients match the float64 reference`,
      async ({ gpu, metric }) => checkAgainstReference(gpu, options, mode, metric),
    );
  }
}

for (const implementation of ['contraction', 'jacobian'] as const) {
  defineCase(
    `empirical NTK (every kind, ${implementation}) of the MLP with BatchNorm1d (eval mode) equals the float64 J Jᵀ`,
    async ({ gpu, metric }) => {
      const model = createMlp(gpu, BN_MLP);
      warm(gpu, model);
      const [n1, n2] = [3, 4];
      const a = batch(gpu, n1, 71);
      const b = batch(gpu, n2, 72);
      const ref = buildReferenceLayer(mlpArchitecture(BN_MLP).spec, await model.exportState(), EVAL);
      const r1 = { shape: [n1, ...INPUT], data: Float64Array.from(a.xs) };
      const r2 = { shape: [n2, ...INPUT], data: Float64Array.from(b.xs) };
      const relative = (got: Float64Array, want: Float64Array) =>
        Math.sqrt(got.reduce((s, v, i) => s + (v - want[i]) ** 2, 0) / want.reduce((s, v) => s + v * v, 0));
      for (const kind of ['trace', 'full', 'logit', 'sumLogits'] as KernelKind[]) {
        const want = referenceNtk(ref, r1, r2, kind, 2);
        const k = await empiricalNtk(model, a.x, b.x, { kind, implementation, logit: 2 });
        assert(k.data.length === want.length, `${kind}: ${k.data.length} kernel entries, the reference has ${want.length}`);
        metric(kind, assertBelow(relative(k.data, want), TOLERANCES.ntk, `${kind} kernel (${implementation})`));
      }
      const want = referenceNtk(ref, r2, r2, 'trace');
      const k = await inOneSampleChunks(model, b.x, implementation);
      metric(
        'trace K(X, X) chunked',
        assertBelow(relative(k.data, want), TOLERANCES.ntk, `trace K(X, X) in one-sample chunks (${implementation})`),
      );
      [a.x, a.y, b.x, b.y].forEach((t) => t.dispose());
      model.dispose();
    },
  );
}

/** The trace K(X, X) under the smallest power-of-two budget that holds two one-sample chunks (a chunk then holds one sample). */
async function inOneSampleChunks(model: Model, x: Tensor, implementation: NtkImplementation): Promise<Kernel> {
  for (let budgetBytes = 8; ; budgetBytes *= 2) {
    try {
      return await empiricalNtk(model, x, null, { kind: 'trace', implementation, budgetBytes });
    } catch (e) {
      if ((e as NtkError).code !== 'E_BUFFER_TOO_LARGE') throw e;
    }
  }
}
