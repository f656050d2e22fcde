// Pooling conformance: max and average pooling (incl. global) forward and backward against the
// float64 reference on random shapes with strides, padding and overlapping windows (max pooling:
// both backward paths, windows that do not overlap exact); max-pool ties (first element wins) on
// integer inputs; the fused ReLU backward (reluOutput) against the reference and bit for bit
// against reluBackward after the unfused gradient, and in a Sequential [ReLU, pool]; typed errors.

import {
  avgPool2d,
  avgPool2dBackward,
  globalAvgPool,
  globalAvgPoolBackward,
  maxPool2d,
  maxPool2dBackward,
  pool2dGeometry,
  type Pool2dOptions,
} from '../../src/ops/pool2d.js';
import { ReLU } from '../../src/nn/relu.js';
import { AvgPool2d, MaxPool2d } from '../../src/nn/pool2d.js';
import { Sequential } from '../../src/nn/sequential.js';
import type { Layer } from '../../src/nn/layer.js';
import { reluBackward } from '../../src/ops/binary.js';
import type { WindowGeometry } from '../../src/ops/geometry.js';
import { avgPool2dBackwardRef, avgPool2dRef, maxPool2dBackwardRef, maxPool2dRef } from '../../src/reference/pool2d.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, randomInts } from './check.js';
import { defineCase } from './harness.js';
import { absOf, scaledError } from './nn_check.js';

type Shape4 = [number, number, number, number];

const MAX_CASES: Array<{ x: Shape4; options: Pool2dOptions; ties?: boolean }> = [
  { x: [2, 3, 7, 9], options: { kernel: 2 } },
  { x: [3, 4, 10, 11], options: { kernel: 3, stride: 2, padding: 1 } },
  { x: [2, 2, 6, 6], options: { kernel: 3, stride: 1, padding: 1 } },
  { x: [2, 5, 9, 8], options: { kernel: [2, 3], stride: [1, 2], padding: [1, 1] } },
  { x: [3, 3, 8, 8], options: { kernel: 3, stride: 1 }, ties: true },
  { x: [2, 3, 11, 10], options: { kernel: 3, stride: 3, padding: 1 } },
  { x: [2, 2, 9, 11], options: { kernel: 2, stride: 3 } },
  { x: [1, 3, 8, 13], options: { kernel: [2, 3], stride: [2, 4], padding: [1, 0] } },
  { x: [3, 2, 9, 7], options: { kernel: 2 }, ties: true },
];

/** Max-pool windows that do not overlap: one contribution per input, so the gradient is exact. */
const disjoint = (g: WindowGeometry) => g.sh >= g.kh && g.sw >= g.kw;

for (const [index, c] of MAX_CASES.entries()) {
  const name = `maxPool2d x[${c.x}] ${JSON.stringify(c.options)}${c.ties ? ' with ties' : ''}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const g = pool2dGeometry(c.x, c.options);
    const size = c.x.reduce((a, b) => a * b);
    const xs = c.ties ? randomInts(size, 300 + index, 1) : randomF32(size, 300 + index);
    const dys = randomF32(g.n * g.c * g.oh * g.ow, 400 + index);
    const tx = Tensor.fromArray(gpu, xs, c.x);
    const tdy = Tensor.fromArray(gpu, dys, [g.n, g.c, g.oh, g.ow]);
    const { y, argmax } = maxPool2d(tx, c.options);
    const dx = maxPool2dBackward(tdy, argmax, g);
    const [ys, dxs] = [await y.read(), await dx.read()];
    assertBitEqual(ys, Float32Array.from(maxPool2dRef(xs, g).y), `${name}: forward`);
    const error = scaledError(dxs, maxPool2dBackwardRef(dys, xs, g), maxPool2dBackwardRef(absOf(dys), xs, g));
    metric('dxScaledError', assertBelow(error, disjoint(g) ? 0 : TOLERANCES.pool2d, `${name}: backward`));
    output('y', ys, { mode: 'bitwise' });
    output('dx', dxs, disjoint(g) ? { mode: 'bitwise' } : { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    [tx, tdy, y, argmax, dx].forEach((t) => t.dispose());
  });
}

/** A ReLU output (the mask of a fused backward): relu of random values, so about half are exactly 0. */
function reluOutputOf(size: number, seed: number, ints = false): Float32Array {
  return (ints ? randomInts(size, seed, 1) : randomF32(size, seed)).map((v) => Math.max(v, 0));
}

/** dx * (mask > 0): the float64 reference of the fused ReLU backward. */
function masked(dx: ArrayLike<number>, mask: ArrayLike<number>): Float64Array {
  return Float64Array.from(dx, (v, i) => (mask[i] > 0 ? v : 0));
}

for (const [index, c] of MAX_CASES.entries()) {
  const name = `maxPool2d x[${c.x}] ${JSON.stringify(c.options)} backward with fused ReLU backward`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const g = pool2dGeometry(c.x, c.options);
    const xs = reluOutputOf(
      c.x.reduce((a, b) => a * b),
      900 + index,
      c.ties,
    ); // the pool input is the ReLU output
    const dys = randomF32(g.n * g.c * g.oh * g.ow, 950 + index);
    const tx = Tensor.fromArray(gpu, xs, c.x);
    const tdy = Tensor.fromArray(gpu, dys, [g.n, g.c, g.oh, g.ow]);
    const { y, argmax } = maxPool2d(tx, c.options);
    const fused = maxPool2dBackward(tdy, argmax, g, { reluOutput: tx });
    const plain = maxPool2dBackward(tdy, argmax, g);
    const unfused = reluBackward(plain, tx);
    const dxs = await fused.read();
    assertBitEqual(dxs, await unfused.read(), `${name}: fused vs reluBackward after`);
    const ref = masked(maxPool2dBackwardRef(dys, xs, g), xs);
    const error = scaledError(dxs, ref, masked(maxPool2dBackwardRef(absOf(dys), xs, g), xs));
    metric('dxScaledError', assertBelow(error, disjoint(g) ? 0 : TOLERANCES.pool2d, name));
    output('dx', dxs, disjoint(g) ? { mode: 'bitwise' } : { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    [tx, tdy, y, argmax, fused, plain, unfused].forEach((t) => t.dispose());
  });
}

const AVG_CASES: Array<{ x: Shape4; options: Pool2dOptions }> = [
  { x: [2, 3, 7, 9], options: { kernel: 2 } },
  { x: [3, 4, 10, 11], options: { kernel: 3, stride: 2, padding: 1 } },
  { x: [3, 4, 10, 11], options: { kernel: 3, stride: 2, padding: 1, countIncludePad: false } },
  { x: [2, 2, 7, 6], options: { kernel: [3, 2], stride: 1, padding: [1, 0], countIncludePad: false } },
];

for (const [index, c] of AVG_CASES.entries()) {
  const name = `avgPool2d x[${c.x}] ${JSON.stringify(c.options)}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const g = pool2dGeometry(c.x, c.options);
    const include = c.options.countIncludePad ?? true;
    const xs = randomF32(
      c.x.reduce((a, b) => a * b),
      500 + index,
    );
    const dys = randomF32(g.n * g.c * g.oh * g.ow, 600 + index);
    const tx = Tensor.fromArray(gpu, xs, c.x);
    const tdy = Tensor.fromArray(gpu, dys, [g.n, g.c, g.oh, g.ow]);
    const y = avgPool2d(tx, c.options);
    const dx = avgPool2dBackward(tdy, g, include);
    const [ys, dxs] = [await y.read(), await dx.read()];
    const yError = scaledError(ys, avgPool2dRef(xs, g, include), avgPool2dRef(absOf(xs), g, include));
    const dxError = scaledError(dxs, avgPool2dBackwardRef(dys, g, include), avgPool2dBackwardRef(absOf(dys), g, include));
    metric('yScaledError', assertBelow(yError, TOLERANCES.pool2d, `${name}: forward`));
    metric('dxScaledError', assertBelow(dxError, TOLERANCES.pool2d, `${name}: backward`));
    output('y', ys, { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    output('dx', dxs, { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    [tx, tdy, y, dx].forEach((t) => t.dispose());
  });
}

for (const [index, c] of AVG_CASES.entries()) {
  const name = `avgPool2d x[${c.x}] ${JSON.stringify(c.options)} backward with fused ReLU backward`;
  defineCase(name, async ({ gpu, metric, output }) => {
    const g = pool2dGeometry(c.x, c.options);
    const include = c.options.countIncludePad ?? true;
    const mask = reluOutputOf(
      c.x.reduce((a, b) => a * b),
      1000 + index,
    );
    const dys = randomF32(g.n * g.c * g.oh * g.ow, 1050 + index);
    const tmask = Tensor.fromArray(gpu, mask, c.x);
    const tdy = Tensor.fromArray(gpu, dys, [g.n, g.c, g.oh, g.ow]);
    const fused = avgPool2dBackward(tdy, g, include, { reluOutput: tmask });
    const plain = avgPool2dBackward(tdy, g, include);
    const unfused = reluBackward(plain, tmask);
    const dxs = await fused.read();
    assertBitEqual(dxs, await unfused.read(), `${name}: fused vs reluBackward after`);
    const ref = masked(avgPool2dBackwardRef(dys, g, include), mask);
    const error = scaledError(dxs, ref, masked(avgPool2dBackwardRef(absOf(dys), g, include), mask));
    metric('dxScaledError', assertBelow(error, TOLERANCES.pool2d, name));
    output('dx', dxs, { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    [tmask, tdy, fused, plain, unfused].forEach((t) => t.dispose());
  });
}

for (const [label, makePool] of [
  ['MaxPool2d {"kernel":2}', () => new MaxPool2d('pool', { kernel: 2 })],
  ['MaxPool2d {"kernel":3,"stride":2,"padding":1}', () => new MaxPool2d('pool', { kernel: 3, stride: 2, padding: 1 })],
  ['AvgPool2d {"kernel":2}', () => new AvgPool2d('pool', { kernel: 2 })],
] as Array<[string, () => Layer]>) {
  const name = `Sequential [ReLU, ${label}] x[2,3,9,10]: fused backward = unfused, bit for bit`;
  defineCase(name, async ({ gpu }) => {
    const pool = makePool();
    assert(pool.fusesReluBackward === true, `${name}: the pool should fuse the ReLU backward`);
    const relu = new ReLU('relu');
    const model = new Sequential('net', [relu, pool]);
    const tx = Tensor.fromArray(gpu, randomF32(2 * 3 * 9 * 10, 1100), [2, 3, 9, 10]);
    const y = model.forward(tx, { mode: 'train' });
    const tdy = Tensor.fromArray(gpu, randomF32(y.size, 1101), y.shape);
    const fused = model.backward(tdy);
    const dPool = pool.backward(tdy); // the same recorded forward, run apart
    const unfused = relu.backward(dPool);
    assertBitEqual(await fused.read(), await unfused.read(), name);
    [tx, y, tdy, fused, dPool, unfused].forEach((t) => t.dispose());
    model.dispose();
  });
}

for (const [index, x] of (
  [
    [3, 5, 7, 7],
    [2, 4, 1, 1],
    [4, 70, 4, 4],
  ] as Shape4[]
).entries()) {
  defineCase(`globalAvgPool x[${x}]`, async ({ gpu, metric, output }) => {
    const [n, c, h, w] = x;
    const g = pool2dGeometry(x, { kernel: [h, w] });
    const xs = randomF32(n * c * h * w, 700 + index);
    const dys = randomF32(n * c, 800 + index);
    const tx = Tensor.fromArray(gpu, xs, x);
    const tdy = Tensor.fromArray(gpu, dys, [n, c]);
    const y = globalAvgPool(tx);
    const dx = globalAvgPoolBackward(tdy, x);
    assert(y.shape.length === 2 && y.shape[0] === n && y.shape[1] === c, `globalAvgPool shape [${y.shape}]`);
    const [ys, dxs] = [await y.read(), await dx.read()];
    const yError = scaledError(ys, avgPool2dRef(xs, g), avgPool2dRef(absOf(xs), g));
    const dxError = scaledError(dxs, avgPool2dBackwardRef(dys, g), avgPool2dBackwardRef(absOf(dys), g));
    metric('yScaledError', assertBelow(yError, TOLERANCES.pool2d, 'global pool forward'));
    metric('dxScaledError', assertBelow(dxError, TOLERANCES.pool2d, 'global pool backward'));
    output('y', ys, { mode: 'tolerance', tol: TOLERANCES.pool2d * TOLERANCES.crossRuntimeFactor });
    [tx, tdy, y, dx].forEach((t) => t.dispose());
  });
}

defineCase('pooling option and shape errors are typed and name the problem', async ({ gpu }) => {
  const x = Tensor.zeros(gpu, [2, 3, 8, 8]);
  const live = gpu.pool.liveCount;
  const m1 = await expectCode('E_INVALID_ARGUMENT', () => maxPool2d(x, { kernel: 2, padding: 2 }));
  assert(/padding/.test(m1), `message should name padding: ${m1}`);
  const m2 = await expectCode('E_INVALID_ARGUMENT', () => avgPool2d(x, { kernel: 2, strid: 2 } as Pool2dOptions));
  assert(/strid/.test(m2), `message should name the unknown option: ${m2}`);
  await expectCode('E_INVALID_ARGUMENT', () => maxPool2d(x, { kernel: 0 }));
  await expectCode('E_SHAPE_MISMATCH', () => maxPool2d(x, { kernel: 9 }));
  const flat = Tensor.zeros(gpu, [2, 3]);
  await expectCode('E_SHAPE_MISMATCH', () => globalAvgPool(flat));
  const g = pool2dGeometry(x.shape, { kernel: 2 });
  await expectCode('E_SHAPE_MISMATCH', () => avgPool2dBackward(x, g));
  const { y, argmax } = maxPool2d(x, { kernel: 2 });
  const m3 = await expectCode('E_SHAPE_MISMATCH', () => maxPool2dBackward(y, argmax, g, { reluOutput: y }));
  assert(/reluOutput/.test(m3), `message should name reluOutput: ${m3}`);
  await expectCode('E_SHAPE_MISMATCH', () => avgPool2dBackward(y, g, true, { reluOutput: argmax }));
  [y, argmax].forEach((t) => t.dispose());
  assert(gpu.pool.liveCount === live + 1, `failed calls leaked buffers: ${gpu.pool.liveCount - live - 1}`);
  x.dispose();
  flat.dispose();
});
