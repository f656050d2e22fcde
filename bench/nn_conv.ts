// Training throughput of the conv models through bench/nn.ts's modelRow (forward+backward and a
// full SGD step, images/s): the small CNN on 28x28x1 (its Fashion-MNIST default) and PreAct-ResNets
// on 32x32x3 (a quarter-width ResNet-18 and the full PreAct-ResNet-18). --quick runs the CNN and
// the tiny test ResNet at small batches. On software adapters the full ResNet-18 runs at batch 4.

import { createCnn } from '../src/nn/cnn.js';
import type { Model } from '../src/nn/model.js';
import { createPreActResNet, TINY_PREACT_RESNET_OPTIONS } from '../src/nn/preact_resnet.js';
import type { Gpu } from '../src/device/gpu.js';
import { defineBench } from './harness.js';
import { modelRow } from './nn.js';

defineBench('nn_conv', async (ctx) => {
  const { gpu, quick } = ctx;
  const software = gpu.report.adapterClass !== 'hardware'; // unknown: sized as a CPU adapter
  const normalize = { mean: [0.286], std: [0.353] };
  const configs: Array<[string, (g: Gpu) => Model, number]> = quick
    ? [
        ['cnn [16,32]+fc64 28x28x1', (g) => createCnn(g, { normalize }), 32],
        ['preact_resnet tiny [1,1] w[4,8] 8x8x3', (g) => createPreActResNet(g, TINY_PREACT_RESNET_OPTIONS), 32],
      ]
    : [
        ['cnn [16,32]+fc64 28x28x1', (g) => createCnn(g, { normalize }), 32],
        ['cnn [16,32]+fc64 28x28x1', (g) => createCnn(g, { normalize }), 128],
        ['preact_resnet18 w[16..128] 32x32x3', (g) => createPreActResNet(g, { widths: [16, 32, 64, 128] }), software ? 16 : 128],
        ['preact_resnet18 w[64..512] 32x32x3', (g) => createPreActResNet(g), software ? 4 : 128],
      ];
  for (const [label, build, batch] of configs) {
    const model = build(gpu);
    await modelRow(ctx, label, model, batch);
    model.dispose();
  }
});
