// NTK conformance: both implementations equal J Jᵀ from the float64 reference on a small MLP
// (with Normalize), agree with each other, and satisfy the kernel identities: symmetry, trace
// kernel = mean of per-logit kernels, cross kernels = blocks of the joint kernel, tiling-invariance.

import { eigh } from '../../src/linalg/eigh.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { empiricalNtk, type KernelKind, type NtkImplementation } from '../../src/ntk/kernel.js';
import { referenceMlp } from '../../src/reference/layers.js';
import { referenceNtk } from '../../src/reference/ntk.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';

const MLP = { inputShape: [2, 3, 3], hidden: [7, 5], classes: 3, normalize: { mean: [0.4, 0.5], std: [0.3, 0.2] } };

function relativeError(got: Float64Array, want: Float64Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    diff += (got[i] - want[i]) ** 2;
    norm += want[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

async function setup(
  gpu: Parameters<typeof createMlp>[0],
): Promise<{ model: Model; x1: Tensor; x2: Tensor; x1d: Float32Array; x2d: Float32Array }> {
  const model = createMlp(gpu, { ...MLP, seed: 4 });
  const x1d = randomF32(5 * 18, 41, 0, 1);
  const x2d = randomF32(4 * 18, 42, 0, 1);
  return {
    model,
    x1: Tensor.fromArray(gpu, x1d, [5, ...MLP.inputShape]),
    x2: Tensor.fromArray(gpu, x2d, [4, ...MLP.inputShape]),
    x1d,
    x2d,
  };
}

for (const implementation of ['contraction', 'jacobian'] as NtkImplementation[]) {
  defineCase(`ntk ${implementation} equals the float64 J Jᵀ for every kernel kind`, async ({ gpu, metric, output }) => {
    const { model, x1, x2, x1d, x2d } = await setup(gpu);
    const ref = referenceMlp(MLP, await model.exportState());
    const r1 = { shape: [5, ...MLP.inputShape], data: Float64Array.from(x1d) };
    const r2 = { shape: [4, ...MLP.inputShape], data: Float64Array.from(x2d) };
    for (const kind of ['trace', 'full', 'logit', 'sumLogits'] as KernelKind[]) {
      const k = await empiricalNtk(model, x1, x2, { kind, implementation, logit: 2 });
      const want = referenceNtk(ref, r1, r2, kind, 2);
      assert(k.data.length === want.length, `${kind}: ${k.data.length} entries, reference has ${want.length}`);
      metric(kind, assertBelow(relativeError(k.data, want), TOLERANCES.ntk, `${implementation} ${kind} kernel`));
      if (kind === 'full') output('full', k.data, { mode: 'tolerance', tol: TOLERANCES.ntk * TOLERANCES.crossRuntimeFactor });
    }
    [model, x1, x2].forEach((t) => t.dispose());
  });
}

defineCase(
  'ntk identities: symmetric PSD, trace = mean of logit kernels, cross = joint block, tiling-invariant',
  async ({ gpu, metric }) => {
    const { model, x1, x2 } = await setup(gpu);
    const trace = await empiricalNtk(model, x1, null);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) assert(trace.data[i * 5 + j] === trace.data[j * 5 + i], 'K(X, X) is not symmetric');
    const full = await empiricalNtk(model, x1, null, { kind: 'full' });
    for (const [name, k] of [
      ['trace', trace],
      ['full', full],
    ] as const) {
      const { values } = await eigh(k.data, k.rows);
      const ratio = values[values.length - 1] / values[0];
      metric(`${name} λ_min/λ_max`, ratio);
      assert(ratio >= -TOLERANCES.ntk, `${name} kernel is not PSD: λ_min/λ_max = ${ratio}`);
    }
    const mean = new Float64Array(25);
    for (let c = 0; c < 3; c++)
      (await empiricalNtk(model, x1, null, { kind: 'logit', logit: c })).data.forEach((v, i) => (mean[i] += v / 3));
    assertBelow(relativeError(trace.data, mean), TOLERANCES.ntk, 'trace vs mean of logit kernels');
    const tiled = await empiricalNtk(model, x1, x2, { budgetBytes: 2000 }); // forces chunks of ~1-2 samples
    const whole = await empiricalNtk(model, x1, x2);
    assertBelow(relativeError(tiled.data, whole.data), TOLERANCES.ntk, 'tiled vs untiled cross kernel');
    const both = Tensor.empty(gpu, [9, ...MLP.inputShape]);
    gpu.copy(x1.buffer, 0, both.buffer, 0, x1.bytes);
    gpu.copy(x2.buffer, 0, both.buffer, x1.bytes, x2.bytes);
    const joint = await empiricalNtk(model, both, null);
    const block = new Float64Array(20);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) block[i * 4 + j] = joint.data[i * 9 + 5 + j];
    assertBelow(relativeError(whole.data, block), TOLERANCES.ntk, 'cross kernel vs joint block');
    [model, x1, x2, both].forEach((t) => t.dispose());
  },
);

defineCase('ntk bad input: wrong shapes and options are typed errors', async ({ gpu }) => {
  const { model, x1, x2 } = await setup(gpu);
  const wrong = Tensor.zeros(gpu, [3, 18]);
  await expectCode('E_SHAPE_MISMATCH', () => empiricalNtk(model, wrong, null));
  await expectCode('E_SHAPE_MISMATCH', () => empiricalNtk(model, x1, wrong));
  await expectCode('E_INVALID_ARGUMENT', () => empiricalNtk(model, x1, null, { kind: 'logit', logit: 3 }));
  await expectCode('E_INVALID_ARGUMENT', () => empiricalNtk(model, x1, null, { kind: 'diagonal' as never }));
  const before = gpu.pool.liveCount;
  await empiricalNtk(model, x1, x2, { kind: 'full' });
  assert(gpu.pool.liveCount === before, `empiricalNtk leaked ${gpu.pool.liveCount - before} buffers`);
  [model, x1, x2, wrong].forEach((t) => t.dispose());
});
