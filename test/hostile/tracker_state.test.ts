// The kernel tracker's state in checkpoints: it rides along with the tracked model's checkpoint
// (through the file, bit for bit), and restoring it into a tracker with other options or probes,
// or from a checkpoint written without tracking, is E_CHECKPOINT_MISMATCH.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { uploadBatch } from '../../src/data/batching.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import { KernelTracker } from '../../src/train/kernel_tracker.js';
import { captureCheckpoint, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.js';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

it('tracker state round-trips through a checkpoint file; mismatched trackers and untracked checkpoints are refused', async () => {
  const data = syntheticClusters({ classes: 4, perClass: 3, shape: [1, 4, 4], seed: 1 });
  const probe = uploadBatch(gpu, data);
  const model = createMlp(gpu, { inputShape: [1, 4, 4], hidden: [8], classes: 4, seed: 1 });
  const other = createMlp(gpu, { inputShape: [1, 4, 4], hidden: [8], classes: 4, seed: 2 });
  try {
    const probeTensors = { x: probe.x, y: probe.y, labels: probe.labels };
    const tracker = new KernelTracker(model, probeTensors, null, {
      adversarial: { attack: 'fgsm', eps: 0.1, norm: 'linf', steps: 1, stepFactor: 0.25 },
    });
    await tracker.maybeCheck(0, 0);
    await tracker.maybeCheck(0.5, 3);
    const meta = { epoch: 1, step: 3, config: {}, rng: { seed: 0, stream: 0, position: 0 } };
    const cp = decodeCheckpoint(encodeCheckpoint(await captureCheckpoint(model, {}, meta)), 'mem');
    const twin = new KernelTracker(other, probeTensors, null, {
      adversarial: { attack: 'fgsm', eps: 0.1, norm: 'linf', steps: 1, stepFactor: 0.25 },
    });
    twin.restore(cp);
    expect(twin.checks.map((c) => [c.step, c.epochFraction, c.distanceToInit])).toEqual(
      tracker.checks.map((c) => [c.step, c.epochFraction, c.distanceToInit]),
    );
    expect(twin.captureCheckpointPart().arrays).toEqual(tracker.captureCheckpointPart().arrays); // float64 kernels, bit for bit
    const otherOptions = new KernelTracker(other, probeTensors, null, { adversarial: null });
    expect(() => otherOptions.restore(cp)).toThrow(/E_CHECKPOINT_MISMATCH.*tracker options/);
    const untracked = createMlp(gpu, { inputShape: [1, 4, 4], hidden: [8], classes: 4, seed: 3 });
    try {
      const plain = decodeCheckpoint(encodeCheckpoint(await captureCheckpoint(untracked, {}, meta)), 'plain');
      expect(() => twin.restore(plain)).toThrow(/E_CHECKPOINT_MISMATCH.*no kernel tracker state/);
    } finally {
      untracked.dispose();
    }
  } finally {
    model.dispose();
    other.dispose();
    probe.dispose();
  }
});
