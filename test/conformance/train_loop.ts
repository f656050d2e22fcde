// The training loop (train/trainer.ts, the only one): an MLP learns a synthetic separable (XOR-like)
// problem (held-out accuracy checked on the host), metrics are logged per interval, a NaN weight or
// a diverging loss stops the run with E_NOT_FINITE naming the step, and bad options are typed
// errors naming the option.

import { ImageDataset } from '../../src/data/dataset.js';
import { SUM_GRADS } from '../../src/nn/gradient_sink.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { StepMonitor, type LogEntry } from '../../src/train/monitor.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { Rng } from '../../src/random/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, expectCode } from './check.js';
import { defineCase } from './harness.js';

const DIM = 8;
const CLASSES = 4;
const SHAPE = [1, 1, DIM] as const;

/**
 * n points uniform in [0, 1]^DIM away from the decision boundaries at 0.5 (margin 0.05), labelled
 * 2·[(x_0 − ½)(x_1 − ½) > 0] + [x_2 > ½]: separable, but the XOR part needs the hidden layer.
 */
function xorData(n: number, rng: Rng): { x: Float32Array; y: Float32Array } {
  const x = rng.uniform(n * DIM, 0, 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) x[i * DIM + d] = 0.5 + Math.sign(x[i * DIM + d] - 0.5) * (0.05 + 0.45 * Math.abs(2 * x[i * DIM + d] - 1));
    const [a, b, c] = [x[i * DIM] - 0.5, x[i * DIM + 1] - 0.5, x[i * DIM + 2] - 0.5];
    y[i] = 2 * (a * b > 0 ? 1 : 0) + (c > 0 ? 1 : 0);
  }
  return { x, y };
}

/** The same points as an ImageDataset ([1, 1, DIM] images of bytes). */
function xorDataset(n: number, rng: Rng): ImageDataset {
  const { x, y } = xorData(n, rng);
  return new ImageDataset({
    name: 'xor',
    images: Uint8Array.from(x, (v) => Math.round(255 * v)),
    labels: Uint8Array.from(y),
    shape: [...SHAPE],
    classes: ['0', '1', '2', '3'],
  });
}

const STANDARD: Partial<TrainOptions> = { method: 'standard', validation: null, sgd: { momentum: 0.9, weightDecay: 5e-4 } };

/** Writes NaN into the classifier's bias after step `step`, so the next step's logits and loss are NaN. */
const poisonAfter = (step: number) => ({
  onStep: (ctx: { step: number; model: Model }) => {
    if (ctx.step !== step) return;
    const b = ctx.model.parameters().at(-1)!.value;
    b.gpu.device.queue.writeBuffer(b.buffer, 0, Float32Array.of(NaN));
  },
});
/** Inputs centred back to [-1, 1] inside the model (the XOR boundaries sit at 0.5 in pixel units). */
const CENTRED = { mean: [0.5], std: [0.5] };

defineCase('training smoke test: an MLP learns a synthetic XOR-like problem (>= 95% held out)', async ({ gpu, metric }) => {
  const live = gpu.pool.liveCount;
  const model = createMlp(gpu, { inputShape: [...SHAPE], hidden: [32], classes: CLASSES, seed: 1, normalize: CENTRED });
  const log: LogEntry[] = [];
  const result = await train(
    model,
    xorDataset(40 * 32, new Rng(2)),
    null,
    {
      ...STANDARD,
      epochs: 3,
      batchSize: 32,
      seed: 2,
      logEvery: 20,
      schedule: { kind: 'cyclic', maxLr: 0.2, epochs: 3, peakEpoch: 1 },
    },
    { hooks: { onLog: (e) => log.push(e) } },
  );
  assert(result.steps === 120 && log.length === 6 && result.epochs.length === 3, `steps ${result.steps}, log entries ${log.length}`);
  assert(log[5].step === 120 && log[5].firstStep === 101 && log[5].epoch === 2 && log[5].samples === 640, JSON.stringify(log[5]));
  assert(log[0].loss > log[5].loss, `loss did not fall: ${log[0].loss} -> ${log[5].loss}`);
  const test = xorData(500, new Rng(77));
  const tx = Tensor.fromArray(
    gpu,
    Float32Array.from(test.x, (v) => Math.round(255 * v) / 255),
    [500, ...SHAPE],
  );
  const tLogits = model.forward(tx, { mode: 'eval', record: false });
  const logits = await tLogits.read();
  let correct = 0;
  for (let i = 0; i < 500; i++) {
    const row = Array.from(logits.subarray(i * CLASSES, (i + 1) * CLASSES));
    if (row.indexOf(Math.max(...row)) === test.y[i]) correct++;
  }
  metric('heldOutAccuracy', correct / 500);
  metric('firstLoss', log[0].loss);
  metric('lastLoss', log[5].loss);
  metric('lastTrainAccuracy', log[5].accuracy);
  assert(correct / 500 >= 0.95, `held-out accuracy ${correct / 500} < 0.95`);
  [tx, tLogits].forEach((t) => t.dispose());
  model.dispose();
  assert(gpu.pool.liveCount === live, `training leaked ${gpu.pool.liveCount - live} pooled buffers`);
});

defineCase('a NaN weight stops training within one interval, naming the step', async ({ gpu }) => {
  for (const [method, text] of [
    ['standard', 'loss is NaN'],
    ['fgsm', 'loss is NaN'],
  ] as const) {
    const model = createMlp(gpu, { inputShape: [...SHAPE], hidden: [8], classes: CLASSES, seed: 1 });
    const flushed: number[] = [];
    const message = await expectCode('E_NOT_FINITE', () =>
      train(
        model,
        xorDataset(30 * 16, new Rng(3)),
        null,
        {
          ...STANDARD,
          method,
          epochs: 1,
          batchSize: 16,
          schedule: { kind: 'constant', lr: 0.05 },
          logEvery: 5,
        },
        { hooks: { ...poisonAfter(6), onLog: (e) => flushed.push(e.step) } },
      ),
    );
    assert(message.includes('step 7 '), `message does not name step 7 (the first after the poisoning): ${message}`);
    assert(message.includes(text), message);
    assert(flushed.join() === '5', `intervals logged before the stop: ${flushed}`);
    model.dispose();
  }
});

defineCase("NaN/Inf in a step's inputs is E_NOT_FINITE naming the step (StepMonitor, read once per interval)", async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [...SHAPE], hidden: [8], classes: CLASSES, seed: 1 });
  const monitor = new StepMonitor(gpu, 2);
  const x = Tensor.fromArray(
    gpu,
    Float32Array.from({ length: 4 * DIM }, (_, i) => (i === 5 ? NaN : 0.5)),
    [4, ...SHAPE],
  );
  const y = Tensor.fromArray(gpu, Float32Array.of(0, 1, 2, 3), [4]);
  const result = model.lossAndGrad(x, y, { mode: 'train', grads: SUM_GRADS });
  monitor.record({ step: 3, epoch: 0, epochFraction: 0.5, samples: 4, lr: 0.1 }, x, result, null);
  const message = await expectCode('E_NOT_FINITE', () => monitor.flush());
  assert(message.includes('step 3 ') && message.includes('1 NaN/Inf'), message);
  result.dispose();
  [x, y].forEach((t) => t.dispose());
  monitor.dispose();
  model.dispose();
});

defineCase('a diverging run stops with E_NOT_FINITE', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [...SHAPE], hidden: [8], classes: CLASSES, seed: 1 });
  const message = await expectCode('E_NOT_FINITE', () =>
    train(model, xorDataset(40 * 16, new Rng(4)), null, {
      ...STANDARD,
      epochs: 1,
      batchSize: 16,
      schedule: { kind: 'constant', lr: 1e30 },
      sgd: { momentum: 0, weightDecay: 0 },
      logEvery: 10,
    }),
  );
  assert(/step \d+/.test(message) && message.includes('learning rate'), message);
  model.dispose();
});

defineCase('train: bad options are typed errors naming the option', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [...SHAPE], hidden: [8], classes: CLASSES });
  const data = xorDataset(12, new Rng(5));
  for (const [options, option] of [
    [{ schedule: { kind: 'constant', lr: 0 } }, 'lr'],
    [{ schedule: { kind: 'piecewise', lr: -0.1, milestones: [1] } }, 'lr'],
    [{ learningRate: 0.1 }, 'learningRate'],
    [{ sgd: { lr: 0.1 } }, 'sgd.lr'],
    [{ sgd: { momentun: 0.9 } }, 'momentun'],
    [{ logEvery: 0 }, 'logEvery'],
    [{ method: 'sgd' }, 'method'],
    [{ method: 'fgsm', norm: 'l2' }, 'norm'],
  ] as const) {
    const message = await expectCode('E_INVALID_ARGUMENT', () =>
      train(model, data, null, { ...STANDARD, batchSize: 4, ...options } as never),
    );
    assert(message.includes(`"${option}"`), `message does not name ${option}: ${message}`);
  }
  model.dispose();
});
