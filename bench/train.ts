// Training throughput in images/s of the trainers themselves (train(): batching, attack, step,
// on-device metrics, one readback per epoch) for standard training, FGSM-RS and PGD-10 AT of the
// MLP 784-256-128-10 (batch 128) and the small CNN (batch 64), on synthetic 28x28 images
// (Fashion-MNIST's layout, no files).

import { syntheticShapes } from '../src/data/synthetic.js';
import type { ImageDataset } from '../src/data/dataset.js';
import { createCnn } from '../src/nn/cnn.js';
import { createMlp } from '../src/nn/mlp.js';
import type { Model } from '../src/nn/model.js';
import type { Gpu } from '../src/device/gpu.js';
import { train, type TrainMethod, type TrainOptions } from '../src/train/trainer.js';
import { defineBench } from './harness.js';

const METHODS: Array<[string, TrainMethod]> = [['standard', 'standard'], ['FGSM-RS', 'fgsm-rs'], ['PGD-10', 'pgd']];

function firstImages(data: ImageDataset, n: number): ImageDataset {
  return data.subset(Uint32Array.from({ length: n }, (_, i) => i), `${data.name}[:${n}]`);
}

const MODELS: Array<[string, number, (gpu: Gpu) => Model]> = [
  ['mlp 784-256-128-10', 128, (gpu) => createMlp(gpu, { inputShape: [1, 28, 28], hidden: [256, 128], classes: 10, normalize: { mean: [0.286], std: [0.353] } })],
  ['cnn (createCnn defaults)', 64, (gpu) => createCnn(gpu, { normalize: { mean: [0.286], std: [0.353] } })],
];

defineBench('train', async ({ gpu, row, quick }) => {
  for (const [name, batch, build] of quick ? MODELS.slice(0, 1) : MODELS) {
    const steps = quick ? 2 : 10;
    const pool = syntheticShapes({ name: 'synthetic-shapes-bench', perClass: Math.ceil((steps * batch) / 10), seed: 5 });
    const timed = firstImages(pool, steps * batch);
    const warmup = firstImages(pool, batch);
    for (const [label, method] of METHODS) {
      const options: Partial<TrainOptions> = {
        method, epochs: 1, batchSize: batch, eps: 0.1, pgdSteps: 10, logEvery: steps, validation: null, seed: 1,
      };
      const model = build(gpu);
      await train(model, warmup, null, options); // compiles the pipelines
      const run = await train(model, timed, null, options);
      const epoch = run.epochs[0];
      row(`${name} ${label} batch ${batch}, ${steps} steps`, {
        train_images_per_s: +epoch.imagesPerSecond.toFixed(1),
        step_ms: +((1000 * epoch.seconds) / steps).toFixed(1),
      });
      model.dispose();
    }
  }
});
