// The training loop: an MLP learns a synthetic separable (XOR-like) problem (held-out accuracy checked on
// the host), metrics are logged per interval, NaN/Inf in a batch or a diverging loss stops the
// run with E_NOT_FINITE naming the step, and bad options are typed errors naming the option.

import type { Gpu } from '../../src/device/gpu.js';
import { createMlp } from '../../src/nn/mlp.js';
import type { LogEntry } from '../../src/train/monitor.js';
import { fit, type Batch } from '../../src/train/loop.js';
import { Rng } from '../../src/random/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, expectCode } from './check.js';
import { defineCase } from './harness.js';

const DIM = 8;
const CLASSES = 4;

/**
 * n points uniform in [-1, 1]^DIM away from the decision boundaries (|x_0|, |x_1|, |x_2| >= 0.1),
 * labelled 2·[x_0 x_1 > 0] + [x_2 > 0]: separable, but the XOR part needs the hidden layer.
 */
function xorData(n: number, rng: Rng): { x: Float32Array; y: Float32Array } {
  const x = rng.uniform(n * DIM, -1, 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) x[i * DIM + d] += Math.sign(x[i * DIM + d]) * 0.1;
    const [a, b, c] = [x[i * DIM], x[i * DIM + 1], x[i * DIM + 2]];
    y[i] = 2 * (a * b > 0 ? 1 : 0) + (c > 0 ? 1 : 0);
  }
  return { x, y };
}

async function* batches(gpu: Gpu, rng: Rng, steps: number, size: number, poison?: { step: number; what: 'x' | 'y' }): AsyncGenerator<Batch> {
  for (let s = 0; s < steps; s++) {
    const { x, y } = xorData(size, rng);
    if (poison?.step === s) (poison.what === 'x' ? x : y)[3] = poison.what === 'x' ? NaN : CLASSES;
    yield { x: Tensor.fromArray(gpu, x, [size, DIM]), y: Tensor.fromArray(gpu, y, [size]) };
  }
}

defineCase('training smoke test: an MLP learns a synthetic XOR-like problem (>= 95% held out)', async ({ gpu, metric }) => {
  const live = gpu.pool.liveCount;
  const model = createMlp(gpu, { inputShape: [DIM], hidden: [32], classes: CLASSES, seed: 1 });
  const rng = new Rng(2);
  const log: LogEntry[] = [];
  const result = await fit(model, () => batches(gpu, rng, 40, 32), {
    epochs: 3,
    stepsPerEpoch: 40,
    schedule: { kind: 'cyclic', maxLr: 0.2, epochs: 3, peakEpoch: 1 },
    sgd: { momentum: 0.9, weightDecay: 5e-4 },
    logEvery: 20,
    onLog: (e) => log.push(e),
  });
  assert(result.steps === 120 && log.length === 6 && result.log.length === 6, `steps ${result.steps}, log entries ${log.length}`);
  assert(log[5].step === 120 && log[5].firstStep === 101 && log[5].epoch === 2 && log[5].samples === 640, JSON.stringify(log[5]));
  assert(log[0].loss > log[5].loss, `loss did not fall: ${log[0].loss} -> ${log[5].loss}`);
  const test = xorData(500, new Rng(77));
  const tx = Tensor.fromArray(gpu, test.x, [500, DIM]);
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

defineCase('NaN in a batch or an invalid label stops training within one interval, naming the step', async ({ gpu }) => {
  for (const what of ['x', 'y'] as const) {
    const model = createMlp(gpu, { inputShape: [DIM], hidden: [8], classes: CLASSES, seed: 1 });
    const flushed: number[] = [];
    const message = await expectCode('E_NOT_FINITE', () =>
      fit(model, () => batches(gpu, new Rng(3), 30, 16, { step: 6, what }), {
        stepsPerEpoch: 30,
        schedule: { kind: 'constant', lr: 0.05 },
        logEvery: 5,
        onLog: (e) => flushed.push(e.step),
      }),
    );
    assert(message.includes('step 7 '), `message does not name step 7 (the 7th batch): ${message}`);
    assert(message.includes(what === 'x' ? 'NaN/Inf' : 'loss is NaN'), message);
    assert(flushed.join() === '5', `intervals logged before the stop: ${flushed}`);
    model.dispose();
  }
});

defineCase('a diverging run stops with E_NOT_FINITE', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [DIM], hidden: [8], classes: CLASSES, seed: 1 });
  const message = await expectCode('E_NOT_FINITE', () =>
    fit(model, () => batches(gpu, new Rng(4), 40, 16), {
      stepsPerEpoch: 40,
      schedule: { kind: 'constant', lr: 1e30 },
      sgd: { momentum: 0, weightDecay: 0 },
      logEvery: 10,
    }),
  );
  assert(/step \d+/.test(message) && message.includes('learning rate'), message);
  model.dispose();
});

defineCase('fit: bad options are typed errors naming the option', async ({ gpu }) => {
  const model = createMlp(gpu, { inputShape: [DIM], hidden: [8], classes: CLASSES });
  const data = () => batches(gpu, new Rng(5), 3, 4);
  for (const [options, option] of [
    [{ stepsPerEpoch: 3, schedule: { kind: 'constant', lr: 0 } }, 'lr'],
    [{ stepsPerEpoch: 3, schedule: { kind: 'piecewise', lr: -0.1, milestones: [1] } }, 'lr'],
    [{ stepsPerEpoch: 3, learningRate: 0.1 }, 'learningRate'],
    [{ stepsPerEpoch: 3, sgd: { lr: 0.1 } }, 'sgd.lr'],
    [{ stepsPerEpoch: 3, sgd: { momentun: 0.9 } }, 'momentun'],
    [{}, 'stepsPerEpoch'],
    [{ stepsPerEpoch: 3, logEvery: 0 }, 'logEvery'],
    [{ stepsPerEpoch: 2 }, 'stepsPerEpoch'], // the data gives 3 batches
  ] as const) {
    const message = await expectCode('E_INVALID_ARGUMENT', () => fit(model, data, options as never));
    assert(message.includes(`"${option}"`), `message does not name ${option}: ${message}`);
  }
  model.dispose();
});
