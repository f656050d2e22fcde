// Training throughput: forward + backward (mean cross-entropy, batch-summed parameter gradients)
// in images/s per model on the current adapter, plus a full SGD step. Models register rows with
// modelRow(); this file adds the MLP rows (other model files add CNN and PreAct-ResNet rows).

import { createMlp } from '../src/nn/mlp.js';
import type { Model } from '../src/nn/model.js';
import { Sgd } from '../src/optim/sgd.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import { defineBench, type BenchContext } from './harness.js';

/**
 * Times `model` on a random batch of `batch` images: forward+backward, and forward+backward+SGD
 * step; reports median ms and images/s (each timing waits for the queue to drain).
 */
export async function modelRow(ctx: BenchContext, label: string, model: Model, batch: number): Promise<void> {
  const { gpu, time, row } = ctx;
  const rng = new Rng(7);
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const x = Tensor.fromArray(gpu, rng.uniform(batch * size), [batch, ...model.inputShape]);
  const y = Tensor.fromArray(
    gpu,
    Float32Array.from({ length: batch }, () => rng.int(model.classes)),
    [batch],
  );
  const opt = new Sgd(gpu, model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const fwdBwd = await time(async () => {
    model.lossAndGrad(x, y, { mode: 'train' }).dispose();
    await gpu.device.queue.onSubmittedWorkDone();
  });
  const step = await time(async () => {
    model.zeroGrad();
    model.lossAndGrad(x, y, { mode: 'train' }).dispose();
    opt.step();
    await gpu.device.queue.onSubmittedWorkDone();
  });
  row(`${label} batch ${batch} (P = ${model.parameterCount})`, {
    fwd_bwd_ms: +fwdBwd.toFixed(2),
    fwd_bwd_images_per_s: +((batch * 1000) / fwdBwd).toFixed(1),
    sgd_step_ms: +step.toFixed(2),
    train_images_per_s: +((batch * 1000) / step).toFixed(1),
  });
  opt.dispose();
  [x, y].forEach((t) => t.dispose());
}

defineBench('nn', async (ctx) => {
  const { gpu, quick } = ctx;
  const configs: Array<[string, number[], number]> = quick
    ? [['mlp 784-256-128-10', [256, 128], 32]]
    : [
        ['mlp 784-256-128-10', [256, 128], 32],
        ['mlp 784-256-128-10', [256, 128], 128],
        ['mlp 784-1024-1024-10', [1024, 1024], 128],
      ];
  for (const [label, hidden, batch] of configs) {
    const model = createMlp(gpu, { inputShape: [1, 28, 28], hidden, classes: 10, normalize: { mean: [0.286], std: [0.353] } });
    await modelRow(ctx, label, model, batch);
    model.dispose();
  }
});
