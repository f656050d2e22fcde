// Trainers end to end in Node (files involved): PGD-AT learns on synthetic data, a resumed run
// ends with the same weights bit for bit as the uninterrupted one, a checkpoint write killed
// midway never replaces the previous good file, and bad checkpoints/options are typed errors.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainValidationSplit } from '../../src/data/dataset.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { decodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { evaluate } from '../../src/train/evaluate.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';

let gpu: Gpu;
let dir: string;
const { train: data, validation: heldOut } = trainValidationSplit(
  syntheticClusters({ classes: 4, perClass: 60, shape: [1, 6, 6], spread: 0.2, seed: 2 }),
  { validation: 80, seed: 3 },
);
const mlp = (seed = 1) => createMlp(gpu, { inputShape: [1, 6, 6], hidden: [16], classes: 4, seed });
const OPTIONS: Partial<TrainOptions> = {
  method: 'fgsm-rs',
  batchSize: 32,
  eps: 0.1,
  logEvery: 2,
  validation: { samples: 40, pgdSteps: 3 },
  schedule: { kind: 'constant', lr: 0.2 },
  seed: 9,
};

async function weights(model: Model): Promise<Float32Array[]> {
  return Promise.all([...model.parameters(), ...model.buffers()].map((p) => p.value.read()));
}

beforeAll(async () => {
  gpu = await createGpu();
  dir = mkdtempSync(join(tmpdir(), 'ntk-at-train-'));
});
afterAll(() => {
  gpu.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('trainers', () => {
  it('PGD-AT raises PGD accuracy over the untrained model on held-out synthetic data', async () => {
    const model = mlp();
    const before = await evaluate(model, heldOut, { eps: 0.1, threats: [{ kind: 'clean' }, { kind: 'pgd', steps: 5 }] });
    const run = await train(model, data, heldOut, { ...OPTIONS, method: 'pgd', pgdSteps: 3, epochs: 6 });
    const after = await evaluate(model, heldOut, { eps: 0.1, threats: [{ kind: 'clean' }, { kind: 'pgd', steps: 5 }] });
    expect(run.epochs).toHaveLength(6);
    expect(after.accuracy.pgd5).toBeGreaterThan(before.accuracy.pgd5 + 0.2);
    expect(after.accuracy.clean).toBeGreaterThan(0.8);
    model.dispose();
  });

  it('a resumed run ends with the same weights, bit for bit, as the uninterrupted one', async () => {
    const straight = mlp();
    await train(straight, data, heldOut, { ...OPTIONS, epochs: 3 });
    const expected = await weights(straight);
    const first = mlp();
    const path = join(dir, 'resume.safetensors');
    await train(first, data, heldOut, { ...OPTIONS, epochs: 1, checkpointPath: path });
    const resumed = mlp(12345); // different init: everything must come from the checkpoint
    const cp = await loadCheckpoint(path);
    expect(cp.epoch).toBe(1);
    await train(resumed, data, heldOut, { ...OPTIONS, epochs: 3, checkpointPath: path }, { resume: cp });
    const got = await weights(resumed);
    got.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(expected[i].buffer))).toBe(true));
    [straight, first, resumed].forEach((m) => m.dispose());
  });

  it('FGSM with a gradient-scaled anisotropic start resumes bit for bit too (its running scale is checkpointed)', async () => {
    const aniso = { ...OPTIONS, method: 'fgsm-aniso' as const, anisotropy: 'gradient' as const };
    const straight = mlp();
    await train(straight, data, heldOut, { ...aniso, epochs: 2 });
    const expected = await weights(straight);
    const path = join(dir, 'aniso.safetensors');
    const first = mlp();
    await train(first, data, heldOut, { ...aniso, epochs: 1, checkpointPath: path });
    const resumed = mlp(777);
    await train(resumed, data, heldOut, { ...aniso, epochs: 2 }, { resume: await loadCheckpoint(path) });
    const got = await weights(resumed);
    got.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(expected[i].buffer))).toBe(true));
    [straight, first, resumed].forEach((m) => m.dispose());
  });

  it('a checkpoint from another model shape, a corrupted one, or other options are typed errors', async () => {
    const path = join(dir, 'shape.safetensors');
    const model = mlp();
    await train(model, data, null, { ...OPTIONS, epochs: 1, checkpointPath: path });
    const cp = await loadCheckpoint(path);
    const wider = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [20], classes: 4 });
    await expect(train(wider, data, null, { ...OPTIONS, epochs: 2 }, { resume: cp })).rejects.toThrow(/E_CHECKPOINT_MISMATCH.*fc1\.weight/);
    await expect(train(mlp(), data, null, { ...OPTIONS, eps: 0.2, epochs: 2 }, { resume: cp })).rejects.toThrow(
      /E_CHECKPOINT_MISMATCH.*"eps"/,
    );
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 100));
    await expect(loadCheckpoint(join(dir, 'cut.safetensors'))).rejects.toThrow(/E_CHECKPOINT_CORRUPT.*cut\.safetensors/);
    await expect(train(mlp(), data, null, { ...OPTIONS, eps: 2 })).rejects.toThrow(/E_INVALID_ARGUMENT.*"eps"/);
    await expect(train(mlp(), data, null, { ...OPTIONS, method: 'bogus' as never })).rejects.toThrow(/"method"/);
    [model, wider].forEach((m) => m.dispose());
  });

  it('a checkpoint write killed midway never replaces the previous good file', async () => {
    const path = join(dir, 'atomic.safetensors');
    const good = {
      epoch: 1,
      step: 5,
      config: { a: 1 },
      rng: { seed: 1, stream: 0, position: 0 },
      model: new Map([['w', { shape: [4], data: Float32Array.of(1, 2, 3, 4) }]]),
      optimizer: new Map(),
    };
    await saveCheckpoint(path, good);
    const goodBytes = readFileSync(path);
    const library = new URL('../../dist/ntk-at.js', import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { saveCheckpoint } = await import(${JSON.stringify(library)});
      const big = new Float32Array(120_000_000).fill(7);
      for (;;) await saveCheckpoint(${JSON.stringify(path)}, { epoch: 2, step: 9, config: {}, rng: { seed: 1, stream: 0, position: 0 },
        model: new Map([['w', { shape: [big.length], data: big }]]), optimizer: new Map() });
    `,
      ],
      { stdio: 'ignore' },
    );
    const started = Date.now();
    while (!readdirSync(dir).some((f) => f.startsWith('atomic.safetensors.tmp-')) && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(path)).toBe(true);
    const after = readFileSync(path);
    if (!after.equals(goodBytes)) {
      // The kill landed after a complete rename: then the file must be the whole new checkpoint.
      expect(decodeCheckpoint(after, path).epoch).toBe(2);
    } else {
      expect(decodeCheckpoint(after, path).epoch).toBe(1);
    }
  });
});
