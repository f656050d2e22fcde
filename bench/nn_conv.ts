// Forward+backward training throughput (images/s) of the conv models: the small CNN on 28x28x1
// (its Fashion-MNIST default) and PreAct-ResNets on 32x32x3. One timed step = lossAndGrad in
// train mode (BN batch statistics and running-buffer updates, batch-summed parameter gradients),
// waited on with onSubmittedWorkDone (no readback). --quick runs small models and batches.

import { createCnn, type CnnOptions } from '../src/nn/cnn.js';
import type { Model } from '../src/nn/model.js';
import { createPreActResNet, TINY_PREACT_RESNET_OPTIONS, type PreActResNetOptions } from '../src/nn/preact_resnet.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import { defineBench } from './harness.js';

interface Config {
  label: string;
  build: (gpu: Parameters<typeof createCnn>[0]) => Model;
  batch: number;
  repeats: number;
}

defineBench('nn_conv', async ({ gpu, time, row, quick }) => {
  const software = gpu.report.software;
  const cnn: Partial<CnnOptions> = {};
  const smallResNet: Partial<PreActResNetOptions> = { blocks: [2, 2, 2, 2], widths: [16, 32, 64, 128], name: 'preact_resnet18_w16' };
  const configs: Config[] = quick
    ? [
      { label: 'cnn [16,32] 28x28x1', build: (g) => createCnn(g, cnn), batch: 32, repeats: 3 },
      { label: 'preact_resnet tiny [1,1] w[4,8] 8x8x3', build: (g) => createPreActResNet(g, TINY_PREACT_RESNET_OPTIONS), batch: 32, repeats: 3 },
    ]
    : [
      { label: 'cnn [16,32] 28x28x1', build: (g) => createCnn(g, cnn), batch: 128, repeats: 5 },
      { label: 'preact_resnet18 widths/4 [16..128] 32x32x3', build: (g) => createPreActResNet(g, smallResNet), batch: software ? 32 : 128, repeats: software ? 2 : 5 },
      { label: 'preact_resnet18 [64..512] 32x32x3', build: (g) => createPreActResNet(g, {}), batch: software ? 8 : 128, repeats: software ? 1 : 5 },
    ];
  for (const c of configs) {
    const model = c.build(gpu);
    const rng = new Rng(7);
    const x = Tensor.fromArray(gpu, rng.uniform(c.batch * model.inputShape.reduce((a, b) => a * b, 1)), [c.batch, ...model.inputShape]);
    const y = Tensor.fromArray(gpu, Array.from({ length: c.batch }, (_, i) => i % model.classes), [c.batch]);
    const ms = await time(async () => {
      const result = model.lossAndGrad(x, y, { mode: 'train' });
      await gpu.device.queue.onSubmittedWorkDone();
      result.dispose();
    }, c.repeats);
    await gpu.checkErrors();
    row(`${c.label} batch ${c.batch}`, {
      ms_median: +ms.toFixed(1),
      images_per_s: +((c.batch * 1000) / ms).toFixed(1),
      params: model.parameterCount,
    });
    [x, y].forEach((t) => t.dispose());
    model.dispose();
  }
});
