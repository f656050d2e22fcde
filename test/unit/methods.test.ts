// The training-method registry: every entry trains (one tiny epoch through the one training loop),
// attacks its inputs exactly when it says it is adversarial, keeps its attacked inputs inside the
// eps-ball, and supports the norms it lists; the recipe, CLI and page read the same table.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainValidationSplit } from '../../src/data/dataset.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import { TRAIN_METHODS, TRAINING_METHODS } from '../../src/train/methods.js';
import { train } from '../../src/train/trainer.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

const { train: data } = trainValidationSplit(syntheticClusters({ classes: 4, perClass: 30, shape: [1, 4, 4], seed: 1 }), {
  validation: 20,
  seed: 1,
});
const EPS = 0.05;

describe('TRAINING_METHODS', () => {
  it.each(TRAIN_METHODS)('%s trains one epoch; its inputs are attacked iff it is adversarial, within eps', async (method) => {
    const model = createMlp(gpu, { inputShape: [1, 4, 4], hidden: [8], classes: 4, seed: 1 });
    const changes: number[] = [];
    try {
      const run = await train(
        model,
        data,
        null,
        { method, epochs: 1, batchSize: 50, eps: EPS, pgdSteps: 2, logEvery: 1, validation: null },
        {
          hooks: {
            async onStep(ctx) {
              const [x, adv] = [await ctx.batch.x.read(), await ctx.xTrain.read()];
              changes.push(Math.max(...adv.map((v, i) => Math.abs(v - x[i]))));
            },
          },
        },
      );
      expect(Number.isFinite(run.epochs[0].trainLoss)).toBe(true);
      expect(run.epochs[0].catastrophicOverfitting).toBe(false);
    } finally {
      model.dispose();
    }
    const largest = Math.max(...changes);
    if (TRAINING_METHODS[method].adversarial) {
      expect(largest).toBeGreaterThan(0);
      // N-FGSM does not project (start in the 2·eps ball, one step of eps): 3·eps at most
      expect(largest).toBeLessThanOrEqual((method === 'n-fgsm' ? 3 : 1) * EPS + 1e-6);
    } else {
      expect(largest).toBe(0);
    }
  });

  it('every entry lists l-inf and a one-line summary (CLI help, page titles)', () => {
    for (const method of TRAIN_METHODS) {
      expect(TRAINING_METHODS[method].norms).toContain('linf');
      expect(TRAINING_METHODS[method].summary.length).toBeGreaterThan(10);
    }
  });
});
