// Conv2d, pooling and BatchNorm layers: forward/backward against the float64 reference through
// the Layer contract (accumulated batch gradients, per-sample gradients), and the BatchNorm
// contract switch by switch as ForwardOptions and BatchNormOptions expose it (train / frozen /
// eval / eval with batch statistics; unbiased vs biased; EMA vs cumulative; debiasing; affine).

import type { Gpu } from '../../src/device/gpu.js';
import { batchNormMode, BatchNorm1d, BatchNorm2d } from '../../src/nn/batchnorm.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { NO_PARAM_GRADS, PerSampleGrads } from '../../src/nn/gradient_sink.js';
import type { ForwardOptions, Layer } from '../../src/nn/layer.js';
import { AvgPool2d, GlobalAvgPool, MaxPool2d } from '../../src/nn/pool2d.js';
import { resolveBatchNormOptions, type BatchNormOptions } from '../../src/ops/batchnorm.js';
import { conv2dGeometry } from '../../src/ops/conv2d.js';
import {
  batchNormBackwardRef,
  batchNormForwardRef,
  createBatchNormStateRef,
  type BatchNormStateRef,
} from '../../src/reference/batchnorm.js';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef } from '../../src/reference/conv2d.js';
import { Rng } from '../../src/random/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { absOf, normwiseError, scaledError } from './nn_check.js';

const TRAIN: ForwardOptions = { mode: 'train' };
const FROZEN: ForwardOptions = { mode: 'train', freezeBnStats: true };
const EVAL: ForwardOptions = { mode: 'eval' };
const EVAL_BATCH: ForwardOptions = { mode: 'eval', bnBatchStatsInEval: true };

async function read(t: Tensor | null | undefined): Promise<Float32Array> {
  assert(t !== null && t !== undefined, 'expected a tensor');
  return t.read();
}

defineCase('Conv2d layer: forward, accumulated batch gradients, per-sample gradients, named errors', async ({ gpu, metric }) => {
  const layer = new Conv2d(gpu, 'block1.conv', 3, 5, 3, new Rng(4), { stride: 2, padding: 1 });
  const xShape = [4, 3, 9, 7];
  const g = conv2dGeometry(xShape, [5, 3, 3, 3], { stride: 2, padding: 1 });
  const xs = randomF32(4 * 3 * 9 * 7, 40);
  const dys = randomF32(g.n * 5 * g.oh * g.ow, 41);
  const [w, b] = [await layer.weight.value.read(), await read(layer.bias?.value)];
  const tx = Tensor.fromArray(gpu, xs, xShape);
  const tdy = Tensor.fromArray(gpu, dys, [g.n, 5, g.oh, g.ow]);
  const y = layer.forward(tx, TRAIN);
  tx.dispose(); // the layer keeps its own view
  metric(
    'yError',
    assertBelow(scaledError(await y.read(), conv2dRef(xs, w, b, g), conv2dRef(absOf(xs), absOf(w), absOf(b), g)), TOLERANCES.conv2d, 'y'),
  );
  const dx = layer.backward(tdy);
  layer.backward(tdy).dispose(); // a second pass doubles the accumulated gradients
  const dxScale = conv2dBackwardInputRef(absOf(dys), absOf(w), g);
  metric('dxError', assertBelow(scaledError(await dx.read(), conv2dBackwardInputRef(dys, w, g), dxScale), TOLERANCES.conv2d, 'dx'));
  const dwRef = conv2dBackwardWeightRef(xs, dys, g).map((v) => 2 * v);
  const dwScale = conv2dBackwardWeightRef(absOf(xs), absOf(dys), g).map((v) => 2 * v);
  metric(
    'dwError',
    assertBelow(scaledError(await read(layer.weight.grad), dwRef, dwScale), TOLERANCES.conv2dWeightGrad, 'dW (2 accumulated)'),
  );
  const dbRef = conv2dBackwardBiasRef(dys, g).map((v) => 2 * v);
  const dbScale = conv2dBackwardBiasRef(absOf(dys), g).map((v) => 2 * v);
  assertBelow(scaledError(await read(layer.bias?.grad), dbRef, dbScale), TOLERANCES.channelSum, 'db (2 accumulated)');
  const before = await read(layer.weight.grad);
  const live = gpu.pool.liveCount;
  const sink = new PerSampleGrads();
  layer.backward(tdy, { grads: sink }).dispose();
  const [psw, psb] = [sink.grad(layer.weight), sink.grad(layer.bias!)];
  assert(psw.shape.join() === '4,5,3,3,3', `per-sample dW shape [${psw.shape}]`);
  assert(psb.shape.join() === '4,5', `per-sample db shape [${psb.shape}]`);
  const psRef = conv2dBackwardWeightRef(xs, dys, g, true);
  const psScale = conv2dBackwardWeightRef(absOf(xs), absOf(dys), g, true);
  assertBelow(scaledError(await psw.read(), psRef, psScale), TOLERANCES.conv2d, 'per-sample dW');
  assertBitEqual(await read(layer.weight.grad), before, 'a per-sample sink leaves Parameter.grad untouched');
  await expectCode('E_INVALID_ARGUMENT', () => layer.backward(tdy, { grads: sink })); // one sink per backward
  sink.dispose();
  const factored = new PerSampleGrads(true);
  layer.backward(tdy, { grads: factored }).dispose();
  const pair = factored.entry(layer.weight);
  assert(
    pair.kind === 'factors' && pair.conv !== null && pair.bias === layer.bias && factored.entry(layer.bias!) === pair,
    'a factored sink records the conv weight and bias as one entry',
  );
  factored.dispose();
  assert(gpu.pool.liveCount === live, `the per-sample sinks leaked ${gpu.pool.liveCount - live} buffers`);
  layer.backward(tdy, { grads: NO_PARAM_GRADS }).dispose();
  assertBitEqual(await read(layer.weight.grad), before, 'NO_PARAM_GRADS leaves Parameter.grad untouched');

  const wrong = Tensor.zeros(gpu, [4, 2, 9, 7]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => layer.forward(wrong, TRAIN));
  assert(message.includes('block1.conv'), `error should name the layer: ${message}`);
  await expectCode('E_SHAPE_MISMATCH', () => layer.backward(wrong));
  await expectCode('E_INVALID_ARGUMENT', () => new Conv2d(gpu, 'c', 3, 4, 3, new Rng(1), { strides: 2 } as never));
  await expectCode('E_INVALID_ARGUMENT', () => new Conv2d(gpu, 'c', 3, 4, 0, new Rng(1)));
  [y, dx, tdy, wrong].forEach((t) => t.dispose());
  layer.dispose();
});

defineCase('pooling layers: shapes, backward through the layer, named errors', async ({ gpu }) => {
  const xs = randomF32(2 * 3 * 6 * 6, 50);
  const tx = Tensor.fromArray(gpu, xs, [2, 3, 6, 6]);
  const layers: Array<[Layer, number[]]> = [
    [new MaxPool2d('pool1', { kernel: 2 }), [2, 3, 3, 3]],
    [new AvgPool2d('pool2', { kernel: 3, stride: 1, padding: 1 }), [2, 3, 6, 6]],
    [new GlobalAvgPool('gap'), [2, 3]],
  ];
  for (const [layer, shape] of layers) {
    assert(layer.outputShape(tx.shape).join() === shape.join(), `${layer.name}: outputShape [${layer.outputShape(tx.shape)}]`);
    const y = layer.forward(tx, TRAIN);
    assert(y.shape.join() === shape.join(), `${layer.name}: output [${y.shape}]`);
    const dx = layer.backward(y);
    assert(dx.shape.join() === tx.shape.join(), `${layer.name}: dx [${dx.shape}]`);
    const flat = Tensor.zeros(gpu, [2, 3]);
    const message = await expectCode('E_SHAPE_MISMATCH', () => layer.forward(flat, TRAIN));
    assert(message.includes(layer.name), `error should name the layer: ${message}`);
    [y, dx, flat].forEach((t) => t.dispose());
    layer.dispose();
  }
  const m = await expectCode('E_INVALID_ARGUMENT', () => new MaxPool2d('pool9', { kernel: 2, padding: 3 }));
  assert(m.includes('pool9') && m.includes('padding'), `error should name layer and option: ${m}`);
  await expectCode('E_INVALID_ARGUMENT', () => new AvgPool2d('pool9', { kernel: 2, countIncludePadding: true } as never));
  tx.dispose();
});

/** A BN layer and its float64 twin with the same (random) gamma/beta. */
async function bnPair(gpu: Gpu, shape: number[], options: Partial<BatchNormOptions>, seed: number) {
  const C = shape[1];
  const layer = shape.length === 2 ? new BatchNorm1d(gpu, 'bn', C, options) : new BatchNorm2d(gpu, 'bn', C, options);
  const resolved = resolveBatchNormOptions(options);
  let gamma: Float32Array | null = null;
  let beta: Float32Array | null = null;
  if (layer.weight && layer.bias) {
    gamma = randomF32(C, seed, 0.5, 1.5);
    beta = randomF32(C, seed + 1, -0.5, 0.5);
    gpu.device.queue.writeBuffer(layer.weight.value.buffer, 0, gamma);
    gpu.device.queue.writeBuffer(layer.bias.value.buffer, 0, beta);
  }
  const ref = createBatchNormStateRef(C);
  const dims = { n: shape[0], C, L: shape.slice(2).reduce((a, b) => a * b, 1) };
  const batch = (k: number) =>
    randomF32(
      shape.reduce((a, b) => a * b),
      seed + 100 + k,
      -1.5,
      2.5,
    );
  /** One forward with `options` on device and reference; returns the device output values. */
  const step = async (xs: Float32Array, fo: ForwardOptions) => {
    const tx = Tensor.fromArray(gpu, xs, shape);
    const y = layer.forward(tx, fo);
    const out = await y.read();
    const r = batchNormForwardRef(xs, dims, gamma, beta, ref, batchNormMode(fo), resolved);
    [tx, y].forEach((t) => t.dispose());
    return { out, r };
  };
  return { layer, ref, dims, gamma, batch, step, resolved };
}

async function runningMatches(layer: BatchNorm1d | BatchNorm2d, ref: BatchNormStateRef, what: string): Promise<number> {
  const count = (await layer.state.count.read())[0];
  assert(count === ref.count, `${what}: num_batches_tracked ${count} != ${ref.count}`);
  const rel = (got: Float32Array, want: Float64Array) =>
    scaledError(
      got,
      want,
      Float64Array.from(want, (v) => Math.max(1, Math.abs(v))),
    );
  const error = Math.max(
    rel(await layer.state.runningMean.read(), ref.runningMean),
    rel(await layer.state.runningVar.read(), ref.runningVar),
  );
  return assertBelow(error, TOLERANCES.batchNormRunning, `${what}: running buffers vs reference`);
}

defineCase(
  'BatchNorm contract: unbiased vs biased running variance (n/(n-1) on the first step, reference after 3)',
  async ({ gpu, metric }) => {
    // BatchNorm1d with n = 4: the unbiased factor is 4/3, where the choice bites.
    const shape = [4, 6];
    const unbiased = await bnPair(gpu, shape, {}, 7);
    const biased = await bnPair(gpu, shape, { runningVariance: 'biased' }, 7);
    const first = unbiased.batch(0);
    await unbiased.step(first, TRAIN);
    await biased.step(first, TRAIN);
    const [vu, vb] = [await unbiased.layer.state.runningVar.read(), await biased.layer.state.runningVar.read()];
    for (let c = 0; c < 6; c++) {
      const ratio = (vu[c] - 0.9) / (vb[c] - 0.9); // running = 0.9·1 + 0.1·var·factor
      assert(Math.abs(ratio - 4 / 3) < 1e-4, `channel ${c}: unbiased/biased update ratio ${ratio}, expected 4/3`);
    }
    for (let k = 1; k < 3; k++) {
      await unbiased.step(unbiased.batch(k), TRAIN);
      await biased.step(unbiased.batch(k), TRAIN);
    }
    metric('unbiasedError', await runningMatches(unbiased.layer, unbiased.ref, 'unbiased'));
    metric('biasedError', await runningMatches(biased.layer, biased.ref, 'biased'));
    unbiased.layer.dispose();
    biased.layer.dispose();
  },
);

defineCase('BatchNorm contract: EMA vs cumulative average vs zero-debiased EMA after 3 steps', async ({ gpu, metric }) => {
  const shape = [3, 5, 4, 4];
  for (const options of [{}, { average: 'cumulative' }, { debias: true }, { debias: true, momentum: 0.5 }] as Array<
    Partial<BatchNormOptions>
  >) {
    const p = await bnPair(gpu, shape, options, 8);
    for (let k = 0; k < 3; k++) {
      await p.step(p.batch(k), TRAIN);
      if (k === 0 && (options.debias || options.average === 'cumulative')) {
        // both estimators forget the initial buffers at once: after one step they hold the batch's statistics
        const mean = await p.layer.state.runningMean.read();
        const want = p.ref.runningMean;
        assertBelow(scaledError(mean, want, 1), TOLERANCES.batchNormRunning, `${JSON.stringify(options)}: first step`);
      }
    }
    metric(`error ${JSON.stringify(options)}`, await runningMatches(p.layer, p.ref, JSON.stringify(options)));
    assert((p.layer.state.emaAccumulators !== null) === (options.debias === true), 'EMA accumulators exist exactly with debias');
    assert(
      p.layer.buffers().some((b) => b.name === 'bn.ema_accumulators') === (options.debias === true),
      'accumulators listed as a buffer',
    );
    p.layer.dispose();
  }
});

defineCase('BatchNorm contract: frozen statistics, eval with running buffers, eval with batch statistics', async ({ gpu, metric }) => {
  const shape = [4, 3, 5, 5];
  const p = await bnPair(gpu, shape, { debias: true }, 9);
  await p.step(p.batch(0), TRAIN);
  await p.step(p.batch(1), TRAIN);
  const snapshot = async () => Promise.all(p.layer.buffers().map((b) => b.value.read()));
  const before = await snapshot();
  const xs = p.batch(2);
  const frozen = await p.step(xs, FROZEN);
  const evalBatch = await p.step(xs, EVAL_BATCH);
  const evalRunning = await p.step(xs, EVAL);
  const after = await snapshot();
  before.forEach((b, i) => assertBitEqual(after[i], b, `buffer ${p.layer.buffers()[i].name} under frozen/eval passes`));
  assertBitEqual(evalBatch.out, frozen.out, 'eval with batch statistics = train-mode normalisation (same batch)');
  const scale = Float64Array.from(evalRunning.r.y, (v) => 1 + Math.abs(v));
  metric(
    'evalError',
    assertBelow(scaledError(evalRunning.out, evalRunning.r.y, scale), TOLERANCES.batchNorm, 'eval (running buffers) output'),
  );
  metric(
    'frozenError',
    assertBelow(
      scaledError(
        frozen.out,
        frozen.r.y,
        Float64Array.from(frozen.r.y, (v) => 1 + Math.abs(v)),
      ),
      TOLERANCES.batchNorm,
      'frozen output',
    ),
  );
  const unfrozen = await p.step(xs, TRAIN);
  assertBitEqual(unfrozen.out, frozen.out, 'frozen and updating train passes normalise identically');
  await runningMatches(p.layer, p.ref, 'after the unfrozen step');
  p.layer.dispose();
});

defineCase(
  'BatchNorm contract: backward through batch statistics vs the eval affine map; per-sample gamma/beta',
  async ({ gpu, metric }) => {
    const shape = [5, 4, 3, 3];
    const p = await bnPair(gpu, shape, {}, 10);
    await p.step(p.batch(0), TRAIN);
    const xs = p.batch(1);
    const dys = randomF32(xs.length, 11);
    const tx = Tensor.fromArray(gpu, xs, shape);
    const tdy = Tensor.fromArray(gpu, dys, shape);
    for (const fo of [EVAL_BATCH, EVAL]) {
      const mode = batchNormMode(fo);
      const state = { ...p.ref, runningMean: p.ref.runningMean.slice(), runningVar: p.ref.runningVar.slice() };
      const r = batchNormForwardRef(xs, p.dims, p.gamma, p.resolved.affine ? randomF32(4, 11, -0.5, 0.5) : null, state, mode, p.resolved);
      const ref = batchNormBackwardRef(dys, xs, p.dims, r.mean, r.invstd, p.gamma, mode.batchStats);
      p.layer.weight!.grad?.dispose();
      p.layer.weight!.grad = null;
      const y = p.layer.forward(tx, fo);
      const dx = p.layer.backward(tdy);
      const dxError = normwiseError(await dx.read(), ref.dx);
      metric(
        `dxError ${fo.bnBatchStatsInEval ? 'batch' : 'running'}`,
        assertBelow(dxError, TOLERANCES.batchNorm, `dx (${JSON.stringify(fo)})`),
      );
      assertBelow(normwiseError(await read(p.layer.weight?.grad), ref.dgamma), TOLERANCES.batchNorm, 'dgamma');
      if (!mode.batchStats) {
        const summed = await read(p.layer.weight?.grad);
        const sink = new PerSampleGrads();
        p.layer.backward(tdy, { grads: sink }).dispose();
        const psGamma = sink.grad(p.layer.weight!);
        const ps = await psGamma.read();
        assert(psGamma.shape.join() === '5,4', `per-sample dgamma shape [${psGamma.shape}]`);
        sink.dispose();
        const total = new Float64Array(4);
        ps.forEach((v, i) => (total[i % 4] += v));
        assertBelow(normwiseError(summed, total), TOLERANCES.batchNorm, 'per-sample dgamma rows sum to the batch gradient');
      } else {
        const message = await expectCode('E_INVALID_ARGUMENT', () => p.layer.backward(tdy, { grads: new PerSampleGrads() }));
        assert(message.includes('bn'), `refusal should name the layer: ${message}`);
      }
      [y, dx].forEach((t) => t.dispose());
    }
    [tx, tdy].forEach((t) => t.dispose());
    p.layer.dispose();
  },
);

defineCase('BatchNorm layers: affine off, names, and typed errors naming the layer and option', async ({ gpu }) => {
  const plain = new BatchNorm2d(gpu, 'block2.bn', 3, { affine: false });
  assert(plain.parameters().length === 0, 'affine off: no parameters');
  assert(
    plain
      .buffers()
      .map((b) => b.name)
      .join() === 'block2.bn.running_mean,block2.bn.running_var,block2.bn.num_batches_tracked',
    'buffer names',
  );
  const affine = new BatchNorm1d(gpu, 'head.bn', 3);
  assert(
    affine
      .parameters()
      .map((q) => q.name)
      .join() === 'head.bn.weight,head.bn.bias',
    'parameter names',
  );
  assert(
    affine.parameters().every((q) => q.noDecay),
    'BN affine parameters are excluded from weight decay',
  );
  const x = Tensor.zeros(gpu, [2, 3]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => plain.forward(x, TRAIN));
  assert(message.includes('block2.bn') && message.includes('BatchNorm1d'), `message should name the layer and the fix: ${message}`);
  const m2 = await expectCode('E_INVALID_ARGUMENT', () => new BatchNorm2d(gpu, 'block3.bn', 3, { unbiased: false } as never));
  assert(m2.includes('block3.bn') && m2.includes('unbiased'), `message should name the layer and option: ${m2}`);
  const m3 = await expectCode('E_INVALID_ARGUMENT', () => affine.backward(x));
  assert(m3.includes('head.bn'), `backward before forward should name the layer: ${m3}`);
  const single = Tensor.zeros(gpu, [1, 3]);
  await expectCode('E_INVALID_ARGUMENT', () => affine.forward(single, TRAIN));
  affine.forward(single, EVAL).dispose(); // one sample is fine with running statistics
  [x, single].forEach((t) => t.dispose());
  plain.dispose();
  affine.dispose();
});
