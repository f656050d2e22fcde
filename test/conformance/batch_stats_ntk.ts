// The NTK with BatchNorm on batch statistics (src/ntk/batch_stats.ts) against its float64 reference
// (each row a backward pass of one output through the whole batch), for a CNN and a small
// PreAct-ResNet; without BatchNorm it must equal the running-buffer NTK, and with it it must not.

import type { Gpu } from '../../src/device/gpu.js';
import type { LayerSpec } from '../../src/nn/architecture.js';
import { cnnArchitecture, createCnn, type CnnOptions } from '../../src/nn/cnn.js';
import type { Model } from '../../src/nn/model.js';
import {
  createPreActResNet,
  preActResNetArchitecture,
  TINY_PREACT_RESNET_OPTIONS,
  type PreActResNetOptions,
} from '../../src/nn/preact_resnet.js';
import { batchStatsNtk } from '../../src/ntk/batch_stats.js';
import { empiricalNtk } from '../../src/ntk/kernel.js';
import { buildReferenceLayer } from '../../src/reference/conv_layers.js';
import { referenceBatchStatsNtk } from '../../src/reference/ntk.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, randomF32 } from './check.js';
import { defineCase } from './harness.js';

const CNN: Partial<CnnOptions> = {
  inputShape: [1, 12, 12],
  channels: [4, 6],
  hidden: [16],
  classes: 5,
  normalize: { mean: [0.3], std: [0.5] },
  seed: 7,
};
const RESNET: Partial<PreActResNetOptions> = { ...TINY_PREACT_RESNET_OPTIONS, classes: 4, seed: 8 };

const relativeError = (got: ArrayLike<number>, want: ArrayLike<number>): number => {
  let [d, w] = [0, 0];
  for (let i = 0; i < want.length; i++) {
    d += (got[i] - want[i]) ** 2;
    w += want[i] ** 2;
  }
  return Math.sqrt(d / w);
};

const MODELS: Array<[string, (gpu: Gpu) => Model, LayerSpec, number[]]> = [
  ['CNN', (gpu) => createCnn(gpu, CNN), cnnArchitecture(CNN).spec, [1, 12, 12]],
  ['tiny PreAct-ResNet', (gpu) => createPreActResNet(gpu, RESNET), preActResNetArchitecture(RESNET).spec, [3, 8, 8]],
];

for (const [label, build, spec, inputShape] of MODELS) {
  defineCase(
    `batch-statistics NTK of the ${label} equals the float64 reference and differs from the running-buffer NTK`,
    async ({ gpu, metric }) => {
      const model = build(gpu);
      const size = inputShape.reduce((a, b) => a * b, 1);
      const n = 5;
      const xd = randomF32(n * size, 71, 0, 1);
      const x = Tensor.fromArray(gpu, xd, [n, ...inputShape]);
      const before = await model.exportState();
      const k = await batchStatsNtk(model, x);
      const after = await model.exportState();
      for (const name of Object.keys(before))
        assert(
          before[name].every((v, i) => v === after[name][i]),
          `${name} changed: the kernel must leave the model alone`,
        );
      const ref = buildReferenceLayer(spec, before, { batchStats: true, update: false });
      const want = referenceBatchStatsNtk(ref, { shape: [n, ...inputShape], data: Float64Array.from(xd) });
      metric('relativeFrobeniusError', assertBelow(relativeError(k.data, want), TOLERANCES.ntk, `${label} batch-statistics kernel`));
      const running = await empiricalNtk(model, x, null, { kind: 'trace' });
      const gap = relativeError(running.data, k.data);
      metric('distanceToRunningKernel', gap);
      assert(
        gap > 100 * TOLERANCES.ntk,
        `the batch-statistics kernel should differ from the running-buffer one, relative difference ${gap}`,
      );
      x.dispose();
      model.dispose();
    },
  );
}

defineCase('batch-statistics NTK of a model without BatchNorm equals its NTK', async ({ gpu, metric }) => {
  const model = createCnn(gpu, { ...CNN, batchNorm: false });
  const x = Tensor.fromArray(gpu, randomF32(4 * 144, 72, 0, 1), [4, 1, 12, 12]);
  const k = await batchStatsNtk(model, x);
  const running = await empiricalNtk(model, x, null, { kind: 'trace' });
  metric('relativeDifference', assertBelow(relativeError(k.data, running.data), TOLERANCES.ntk, 'no-BN kernels'));
  x.dispose();
  model.dispose();
});
