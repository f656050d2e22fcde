// The kernel tracker inside a real training run: checks land on the schedule (dense in the first
// epoch, then per epoch), every metric is finite and logged as a `kernel` record, the adversarial
// kernel is tracked beside the clean one, and polar dynamics end at radius 1.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { uploadBatch } from '../../src/data/batching.js';
import { trainValidationSplit } from '../../src/data/dataset.js';
import { selectProbeSet } from '../../src/data/probe.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import { KernelTracker } from '../../src/train/kernel_tracker.js';
import { nodePlatform } from '../../src/platform/node.js';
import { RunLog } from '../../src/io/runlog.js';
import { train } from '../../src/train/trainer.js';
import { pgd } from '../../src/attacks/pgd.js';
import { empiricalNtk } from '../../src/ntk/kernel.js';
import { kernelDistance } from '../../src/ntk/metrics.js';
import { accuracy, fitKernelMachine, predict } from '../../src/ntk/predict.js';
import { Rng } from '../../src/random/rng.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

it('tracks clean and adversarial kernels on schedule during PGD-AT', async () => {
  const { train: data, validation } = trainValidationSplit(
    syntheticClusters({ classes: 4, perClass: 50, shape: [1, 6, 6], spread: 0.2, seed: 2 }),
    { validation: 40, seed: 3 },
  );
  const probe = selectProbeSet(validation, { perClass: 3, seed: 1 });
  const probeBatch = uploadBatch(gpu, validation, probe.indices);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [16], classes: 4, seed: 1 });
  const log = new RunLog(nodePlatform, null);
  const tracker = new KernelTracker(model, { x: probeBatch.x, y: probeBatch.y, labels: probeBatch.labels }, log, {
    firstEpochFractions: [0, 0.25, 0.5],
    adversarial: { attack: 'pgd', eps: 0.1, norm: 'linf', steps: 3, stepFactor: 0.25 },
  });
  await tracker.maybeCheck(0, 0);
  await train(
    model,
    data,
    null,
    { method: 'pgd', pgdSteps: 2, epochs: 3, batchSize: 20, eps: 0.1, logEvery: 4, validation: null },
    { hooks: tracker.hooks(), log },
  );
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

it('the adversarial probes step by stepFactor·eps, the rule training and evaluation use', async () => {
  const data = syntheticClusters({ classes: 4, perClass: 5, shape: [1, 4, 4], spread: 0.2, seed: 4 });
  const probe = uploadBatch(gpu, data, selectProbeSet(data, { perClass: 3, seed: 1 }).indices);
  const model = createMlp(gpu, { inputShape: [1, 4, 4], hidden: [8], classes: 4, seed: 1 });
  const adversarial = { attack: 'pgd' as const, eps: 0.2, norm: 'linf' as const, steps: 2, stepFactor: 0.1 };
  const tracker = new KernelTracker(model, { x: probe.x, y: probe.y, labels: probe.labels }, null, { adversarial, seed: 5 });
  const check = await tracker.check(0, 0);
  // the same attack by hand: the tracker's Rng stream, step 0.1·eps (the old rule, 2.5·eps/steps, would step 1.25·eps)
  const xAdv = pgd(model, probe.x, probe.y, new Rng(5, 211), { eps: 0.2, steps: 2, stepSize: 0.1 * 0.2 });
  const clean = (await empiricalNtk(model, probe.x, null)).data;
  const attacked = (await empiricalNtk(model, xAdv, null)).data;
  expect(check.adversarial?.distanceToClean).toBe(kernelDistance(clean, attacked));
  xAdv.dispose();
  probe.dispose();
  model.dispose();
});

it('scores kernel regression with each probe kernel on held-out images, as the kernel machine computes it', async () => {
  const { train: data, validation } = trainValidationSplit(
    syntheticClusters({ classes: 4, perClass: 50, shape: [1, 6, 6], spread: 0.2, seed: 2 }),
    { validation: 40, seed: 3 },
  );
  const probeSet = selectProbeSet(validation, { perClass: 3, seed: 1 });
  const taken = new Set(probeSet.indices);
  const rest = validation.subset(Uint32Array.from({ length: validation.length }, (_, i) => i).filter((i) => !taken.has(i)));
  const probe = uploadBatch(gpu, validation, probeSet.indices);
  const heldOut = uploadBatch(gpu, rest, selectProbeSet(rest, { perClass: 4, seed: 1 }).indices);
  const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [16], classes: 4, seed: 1 });
  const log = new RunLog(nodePlatform, null);
  const tracker = new KernelTracker(
    model,
    { x: probe.x, y: probe.y, labels: probe.labels },
    log,
    {
      firstEpochFractions: [0],
      adversarial: { attack: 'pgd', eps: 0.1, norm: 'linf', steps: 3, stepFactor: 0.25 },
    },
    { x: heldOut.x, y: heldOut.y, labels: heldOut.labels },
  );
  await tracker.maybeCheck(0, 0);
  await train(
    model,
    data,
    null,
    { method: 'pgd', pgdSteps: 2, epochs: 1, batchSize: 20, eps: 0.1, logEvery: 4, validation: null },
    { hooks: tracker.hooks(), log },
  );
  expect(tracker.checks).toHaveLength(2);
  for (const c of tracker.checks) {
    expect(c.regression?.heldOut).toBe(16);
    for (const m of [c.regression!.kernel, c.regression!.linearized]) {
      for (const v of [m.clean, m.adversarial!]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(m.ridge).toBeGreaterThan(0);
    }
  }
  expect(log.ofType('kernel').at(-1)?.regression).toEqual(tracker.checks[1].regression);
  // the last check's clean scores, recomputed by the library's kernel machine on the same model
  for (const [key, offset] of [
    ['kernel', 'zero'],
    ['linearized', 'network'],
  ] as const) {
    const machine = await fitKernelMachine(model, probe.x, Array.from(probe.labels), { offset });
    const right = accuracy(await predict(model, machine, probe.x, heldOut.x), heldOut.labels, 4);
    expect(tracker.checks[1].regression![key].clean).toBe(right);
    expect(tracker.checks[1].regression![key].ridge).toBeCloseTo(machine.ridge, 12);
  }
  [probe, heldOut].forEach((b) => b.dispose());
  model.dispose();
});
