// Training throughput in images/s of the trainers themselves (train(): batching, attack, step,
// on-device metrics, one readback per epoch) for standard training, FGSM-RS and PGD-10 AT of the
// MLP 784-256-128-10 at batch 128, on synthetic 28x28 images (Fashion-MNIST's layout, no files).

import { syntheticShapes } from '../src/data/synthetic.js';
import type { ImageDataset } from '../src/data/dataset.js';
import { createMlp } from '../src/nn/mlp.js';
import { train, type TrainMethod, type TrainOptions } from '../src/train/trainer.js';
import { defineBench } from './harness.js';

const BATCH = 128;
const METHODS: Array<[string, TrainMethod]> = [['standard', 'standard'], ['FGSM-RS', 'fgsm-rs'], ['PGD-10', 'pgd']];

function firstImages(data: ImageDataset, n: number): ImageDataset {
  return data.subset(Uint32Array.from({ length: n }, (_, i) => i), `${data.name}[:${n}]`);
}

defineBench('train', async ({ gpu, row, quick }) => {
  const steps = quick ? 2 : 10;
  const pool = syntheticShapes({ name: 'synthetic-shapes-bench', perClass: Math.ceil((steps * BATCH) / 10), seed: 5 });
  const timed = firstImages(pool, steps * BATCH);
  const warmup = firstImages(pool, BATCH);
  for (const [label, method] of METHODS) {
    const options: Partial<TrainOptions> = {
      method, epochs: 1, batchSize: BATCH, eps: 0.1, pgdSteps: 10, logEvery: steps, validation: null, seed: 1,
    };
    const model = createMlp(gpu, { inputShape: [1, 28, 28], hidden: [256, 128], classes: 10, normalize: { mean: [0.286], std: [0.353] } });
    await train(model, warmup, null, options); // compiles the pipelines
    const run = await train(model, timed, null, options);
    const epoch = run.epochs[0];
    row(`mlp 784-256-128-10 ${label} batch ${BATCH}, ${steps} steps`, {
      train_images_per_s: +epoch.imagesPerSecond.toFixed(1),
      step_ms: +((1000 * epoch.seconds) / steps).toFixed(1),
    });
    model.dispose();
  }
});
