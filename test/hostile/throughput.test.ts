// Honest throughput: time spent in step hooks (NTK checks, listeners) is not training, so the
// images/s the trainer logs per interval and per epoch must leave it out.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import { nodePlatform } from '../../src/platform/node.js';
import { RunLog } from '../../src/io/runlog.js';
import { train } from '../../src/train/trainer.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

it('images/s excludes the time of step hooks (a 150 ms hook per step)', async () => {
  const data = syntheticClusters({ classes: 4, perClass: 25, shape: [1, 6, 6], seed: 1 });
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [8], classes: 4, seed: 1 });
  const log = new RunLog(nodePlatform, null);
  const HOOK_MS = 150;
  try {
    await train(
      model,
      data,
      null,
      { method: 'standard', epochs: 1, batchSize: 25, logEvery: 2, validation: null },
      {
        log,
        hooks: { onStep: () => new Promise((resolve) => setTimeout(resolve, HOOK_MS)) },
      },
    );
  } finally {
    model.dispose();
  }
  for (const r of [...log.ofType('step'), ...log.ofType('epoch')]) {
    const stepsIn = r.type === 'step' ? 2 : 4;
    const trainingSeconds = (r.type === 'step' ? (r.samples as number) : 100) / (r.imagesPerSecond as number);
    // Wall time minus the hooks' time, with 20 ms of slack for timer jitter.
    expect(trainingSeconds, JSON.stringify(r)).toBeLessThan((r.seconds as number) - (stepsIn * HOOK_MS) / 1000 + 0.02);
    expect(trainingSeconds).toBeGreaterThan(0);
  }
});
