// The kernel tracker inside a real training run: checks land on the schedule (dense in the first
// epoch, then per epoch), every metric is finite and logged as a `kernel` record, the adversarial
// kernel is tracked beside the clean one, and polar dynamics end at radius 1.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { uploadBatch } from '../../src/data/batching.js';
import { trainValidationSplit } from '../../src/data/dataset.js';
import { selectProbeSet } from '../../src/data/probe.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import { createGpu, type Gpu } from '../../src/device/gpu.js';
import { createMlp } from '../../src/nn/mlp.js';
import { KernelTracker } from '../../src/ntk/tracker.js';
import { nodePlatform } from '../../src/platform/node.js';
import { RunLog } from '../../src/report/runlog.js';
import { train } from '../../src/train/trainer.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

it('tracks clean and adversarial kernels on schedule during PGD-AT', async () => {
  const { train: data, validation } = trainValidationSplit(
    syntheticClusters({ classes: 4, perClass: 50, shape: [1, 6, 6], spread: 0.2, seed: 2 }), { validation: 40, seed: 3 },
  );
  const probe = selectProbeSet(validation, { perClass: 3, seed: 1 });
  const probeBatch = uploadBatch(gpu, validation, probe.indices);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [16], classes: 4, seed: 1 });
  const log = new RunLog(nodePlatform, null);
  const tracker = new KernelTracker(model, { x: probeBatch.x, y: probeBatch.y, labels: probeBatch.labels }, log, {
    firstEpochFractions: [0, 0.25, 0.5], adversarial: { attack: 'pgd', eps: 0.1, norm: 'linf', steps: 3, stepFactor: 0.25 },
  });
  await tracker.maybeCheck(0, 0);
  await train(model, data, null, { method: 'pgd', pgdSteps: 2, epochs: 3, batchSize: 20, eps: 0.1, logEvery: 4, validation: null }, { hooks: tracker.hooks(), log });
  const polar = tracker.finish();
  const at = tracker.checks.map((c) => +c.epochFraction.toFixed(3));
  expect(at).toEqual([0, 0.25, 0.5, 1, 2, 3]);
  for (const c of tracker.checks) {
    for (const v of [c.distanceToInit, c.lambdaMax, c.trace, c.conditionNumber, c.topEnergy10, c.effectiveRank, c.targetAlignment]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    expect(c.adversarial?.distanceToClean).toBeGreaterThanOrEqual(0);
  }
  expect(tracker.checks[0].velocity).toBeNull();
  expect(tracker.checks.slice(1).every((c) => (c.velocity ?? -1) >= 0)).toBe(true);
  expect(tracker.checks[tracker.checks.length - 1].distanceToInit).toBeGreaterThan(0);
  expect(log.ofType('kernel')).toHaveLength(6);
  expect(polar?.radius[polar.radius.length - 1]).toBeCloseTo(1, 12);
  probeBatch.dispose();
  model.dispose();
});
