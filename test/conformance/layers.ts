// Layers against their float64 references: Dense forward and backward (dx, batch-summed dW and
// db accumulated, per-sample dW/db), ReLU, Flatten (a view), Normalize, Residual and Sequential
// containers; tensor views sharing one pooled buffer; typed errors naming the layer.

import type { Gpu } from '../../src/device/gpu.js';
import { Dense } from '../../src/nn/dense.js';
import { PerSampleGrads } from '../../src/nn/gradient_sink.js';
import { Flatten } from '../../src/nn/flatten.js';
import type { Layer } from '../../src/nn/layer.js';
import { Normalize } from '../../src/nn/normalize.js';
import { ReLU } from '../../src/nn/relu.js';
import { Residual } from '../../src/nn/residual.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/random/rng.js';
import { RefDense, RefNormalize, RefReLU, RefResidual, RefSequential, type RefLayer } from '../../src/reference/layers.js';
import { denseBackwardRef, denseForwardRef } from '../../src/reference/nn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { absOf, normwiseError, scaledError } from './nn_check.js';

const TRAIN = { mode: 'train' } as const;

for (const [n, inF, outF] of [
  [1, 1, 1],
  [7, 65, 33],
  [70, 130, 10],
  [3, 200, 129],
] as const) {
  const name = `dense ${inF}→${outF} batch ${n}: forward, dx, summed and per-sample dW/db`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const layer = new Dense(gpu, 'fc', inF, outF, new Rng(n + inF));
    const [w, b] = [await layer.weight.value.read(), await (layer.bias as { value: Tensor }).value.read()];
    const x = randomF32(n * inF, inF);
    const dyData = randomF32(n * outF, outF);
    const [tx, tdy] = [Tensor.fromArray(gpu, x, [n, inF]), Tensor.fromArray(gpu, dyData, [n, outF])];
    const ty = layer.forward(tx, TRAIN);
    tx.dispose(); // the layer keeps its own handle for backward
    const y = await ty.read();
    const yRef = denseForwardRef(x, w, b, n, inF, outF);
    const yScale = denseForwardRef(absOf(x), absOf(w), absOf(b), n, inF, outF);
    const ref = denseBackwardRef(x, w, dyData, n, inF, outF);
    // two backward passes accumulate 2·dW and 2·db into the gradients
    const dx = layer.backward(tdy);
    layer.backward(tdy).dispose();
    const dxScale = denseBackwardRef(x, absOf(w), absOf(dyData), n, inF, outF).dx;
    const dwScale = denseBackwardRef(absOf(x), w, absOf(dyData), n, inF, outF).dw;
    const dbScale = denseBackwardRef(x, w, absOf(dyData), n, inF, outF).db;
    const gw = await (layer.weight.grad as Tensor).read();
    const gb = await (layer.bias!.grad as Tensor).read();
    metric('forwardError', assertBelow(scaledError(y, yRef, yScale), TOLERANCES.dense, 'y'));
    metric('dxError', assertBelow(scaledError(await dx.read(), ref.dx, dxScale), TOLERANCES.dense, 'dx'));
    metric(
      'dwError',
      assertBelow(
        scaledError(
          gw,
          ref.dw.map((v) => 2 * v),
          dwScale.map((v) => 2 * v),
        ),
        TOLERANCES.dense,
        'dW (2 accumulated)',
      ),
    );
    metric(
      'dbError',
      assertBelow(
        scaledError(
          gb,
          ref.db.map((v) => 2 * v),
          dbScale.map((v) => 2 * v),
        ),
        TOLERANCES.channelSum,
        'db',
      ),
    );
    // per-sample: dW_i = dy_i ⊗ x_i exactly rounded; db_i = dy_i; Parameter.grad untouched
    const sink = new PerSampleGrads();
    layer.backward(tdy, { grads: sink }).dispose();
    const psWeight = sink.grad(layer.weight);
    assert(psWeight.shape.join() === `${n},${outF},${inF}`, `per-sample dW shape ${psWeight.shape}`);
    const psw = await psWeight.read();
    const psb = await sink.grad(layer.bias!).read();
    sink.dispose();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const xi = x.subarray(i * inF, (i + 1) * inF);
      const dyi = dyData.subarray(i * outF, (i + 1) * outF);
      const refI = denseBackwardRef(xi, w, dyi, 1, inF, outF).dw;
      worst = Math.max(worst, scaledError(psw.subarray(i * outF * inF, (i + 1) * outF * inF), refI, absOf(refI)));
    }
    metric('perSampleDwError', assertBelow(worst, TOLERANCES.dense, 'per-sample dW'));
    assertBitEqual(psb, dyData, 'per-sample db = dy');
    assertBitEqual(await (layer.weight.grad as Tensor).read(), gw, 'per-sample mode left the summed gradient alone');
    output('y', y, { mode: 'tolerance', tol: TOLERANCES.dense * TOLERANCES.crossRuntimeFactor });
    [ty, tdy, dx].forEach((t) => t.dispose());
    layer.dispose();
  });
}

/** Runs a layer and its reference on the same input and dy; returns normwise errors of y and dx. */
async function compareLayer(gpu: Gpu, layer: Layer, ref: RefLayer, shape: number[], seed: number): Promise<[number, number]> {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = randomF32(size, seed);
  const tx = Tensor.fromArray(gpu, x, shape);
  const ty = layer.forward(tx, TRAIN);
  const yRef = ref.forward({ shape, data: Float64Array.from(x) });
  const dyData = randomF32(ty.size, seed + 1);
  const tdy = Tensor.fromArray(gpu, dyData, ty.shape);
  const tdx = layer.backward(tdy);
  const dxRef = ref.backward({ shape: yRef.shape, data: Float64Array.from(dyData) });
  assert(tdx.shape.join() === shape.join(), `dx shape [${tdx.shape}] != input shape [${shape}]`);
  const errors: [number, number] = [normwiseError(await ty.read(), yRef.data), normwiseError(await tdx.read(), dxRef.data)];
  [tx, ty, tdy, tdx].forEach((t) => t.dispose());
  return errors;
}

defineCase('relu, flatten, normalize layers forward and backward', async ({ gpu, metric }) => {
  const relu = await compareLayer(gpu, new ReLU('relu'), new RefReLU(), [5, 3, 7, 7], 3);
  assert(relu[0] === 0 && relu[1] === 0, `relu must be exact, got ${relu}`);
  const mean = [0.5, 0.25, -0.125];
  const std = [0.25, 2, 0.5];
  const norm = new Normalize(gpu, 'normalize', mean, std);
  const [fwd, bwd] = await compareLayer(gpu, norm, new RefNormalize(mean, std), [4, 3, 5, 5], 4);
  metric('normalizeForward', assertBelow(fwd, 4 * TOLERANCES.channelAffine, 'normalize y (normwise)'));
  metric('normalizeBackward', assertBelow(bwd, TOLERANCES.channelAffine, 'normalize dx'));
  norm.dispose();
  const flatten = new Flatten('flatten');
  const live = gpu.pool.liveCount;
  const x = Tensor.fromArray(gpu, randomF32(60, 5), [3, 4, 5]);
  const y = flatten.forward(x, TRAIN);
  assert(y.shape.join() === '3,20' && y.buffer === x.buffer, 'flatten must be a view [3, 20] of the same buffer');
  const dx = flatten.backward(y);
  assert(dx.shape.join() === '3,4,5' && dx.buffer === x.buffer, 'flatten backward must be a view of dy');
  [x, y].forEach((t) => t.dispose());
  assert(!dx.disposed && gpu.pool.liveCount === live + 1, 'the buffer must live while a view does');
  dx.dispose();
  assert(gpu.pool.liveCount === live, 'the last view returns the buffer to the pool');
});

defineCase('residual (identity and dense shortcut) inside sequential, against the reference', async ({ gpu, metric }) => {
  const rng = new Rng(9);
  const dense = (name: string, i: number, o: number) => new Dense(gpu, name, i, o, rng, { init: 'kaiming-uniform' });
  const b1 = [dense('b1.fc1', 12, 12), dense('b1.fc2', 12, 12)];
  const b2 = [dense('b2.fc1', 12, 20), dense('b2.fc2', 20, 7), dense('b2.shortcut', 12, 7)];
  const model = new Sequential('net', [
    new Residual('b1', new Sequential('b1.body', [b1[0], new ReLU('b1.relu'), b1[1]])),
    new ReLU('relu'),
    new Residual('b2', new Sequential('b2.body', [b2[0], new ReLU('b2.relu'), b2[1]]), b2[2]),
  ]);
  const refDense = async (d: Dense) =>
    new RefDense(d.name, d.inFeatures, d.outFeatures, await d.weight.value.read(), await (d.bias as { value: Tensor }).value.read());
  const [r1, r2, r3, r4, r5] = await Promise.all([...b1, ...b2].map(refDense));
  const ref = new RefSequential([
    new RefResidual(new RefSequential([r1, new RefReLU(), r2])),
    new RefReLU(),
    new RefResidual(new RefSequential([r3, new RefReLU(), r4]), r5),
  ]);
  const [fwd, bwd] = await compareLayer(gpu, model, ref, [9, 12], 10);
  metric('forwardError', assertBelow(fwd, TOLERANCES.modelGradient, 'residual net y'));
  metric('dxError', assertBelow(bwd, TOLERANCES.modelGradient, 'residual net dx'));
  const refParams = ref.params();
  let worst = 0;
  for (const [k, p] of model.parameters().entries()) {
    assert(p.name === refParams[k].name, `parameter order ${p.name} vs ${refParams[k].name}`);
    worst = Math.max(worst, normwiseError(await (p.grad as Tensor).read(), refParams[k].grad));
  }
  metric('paramGradError', assertBelow(worst, TOLERANCES.modelGradient, 'residual net parameter gradients'));
  assert(model.outputShape([2, 12]).join() === '2,7', 'residual output shape');
  model.dispose();
});

defineCase('layer errors name the layer: wrong input shape, backward without forward, bad options', async ({ gpu }) => {
  const rng = new Rng(1);
  const fc = new Dense(gpu, 'head.fc', 10, 3, rng);
  const x = Tensor.zeros(gpu, [4, 11]);
  let message = await expectCode('E_SHAPE_MISMATCH', () => fc.forward(x, TRAIN));
  assert(message.includes('"head.fc"') && message.includes('[n, 10]'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => fc.backward(x));
  assert(message.includes('"head.fc"'), message);
  const good = Tensor.zeros(gpu, [4, 10]);
  fc.forward(good, { mode: 'eval', record: false }).dispose();
  await expectCode('E_INVALID_ARGUMENT', () => fc.backward(x)); // record: false keeps nothing
  fc.forward(good, TRAIN).dispose();
  message = await expectCode('E_SHAPE_MISMATCH', () => fc.backward(good));
  assert(message.includes('dy [4,10]') && message.includes('[4,3]'), message);
  const residual = new Residual('block', new Dense(gpu, 'block.fc', 10, 5, rng));
  message = await expectCode('E_SHAPE_MISMATCH', () => residual.outputShape([4, 10]));
  assert(message.includes('"block"'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => new Dense(gpu, 'fc2', 4, 4, rng, { init: 'xavier' as never }));
  assert(message.includes('"init"'), message);
  message = await expectCode('E_INVALID_ARGUMENT', () => new Dense(gpu, 'fc3', 4, 4, rng, { bais: false } as never));
  assert(message.includes('"bais"'), message);
  await expectCode('E_INVALID_ARGUMENT', () => new Normalize(gpu, 'norm', [0.5], [0]));
  const norm = new Normalize(gpu, 'norm', [0.5, 0.5], [1, 1]);
  message = await expectCode('E_SHAPE_MISMATCH', () => norm.outputShape([2, 3, 4, 4]));
  assert(message.includes('"norm"'), message);
  await expectCode('E_SHAPE_MISMATCH', () => x.reshape([5, 9]));
  [fc, residual, norm].forEach((l) => l.dispose());
  [x, good].forEach((t) => t.dispose());
});
