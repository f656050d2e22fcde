// conv2d conformance: forward, input gradient, weight and bias gradients (batch-summed and per
// sample) against the float64 reference on random shapes (non-multiples of every tile size,
// strides, paddings, rectangular kernels), run-to-run determinism, and typed shape errors.

import {
  conv2d,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dGeometry,
  type Conv2dOptions,
} from '../../src/ops/conv2d.js';
import { conv2dInputGradProgram, conv2dWeightGradPlan } from '../../src/ops/conv2d_implicit.js';
import { conv2dCotangentWeightGrads, conv2dPixelStride } from '../../src/ntk/conv2d_factors.js';
import { conv2dInputGradIm2col, inputGradForm } from '../../src/ops/conv2d_im2col.js';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef } from '../../src/reference/conv2d.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { absOf, scaledError } from './nn_check.js';

interface ConvCase {
  x: [number, number, number, number];
  cout: number;
  kernel: [number, number];
  options: Conv2dOptions;
  bias: boolean;
}

const CASES: ConvCase[] = [
  { x: [2, 3, 7, 9], cout: 5, kernel: [3, 3], options: { padding: 1 }, bias: true },
  { x: [3, 4, 11, 10], cout: 6, kernel: [3, 3], options: { stride: 2, padding: 1 }, bias: false },
  { x: [2, 1, 28, 28], cout: 16, kernel: [5, 5], options: { padding: 2 }, bias: true },
  { x: [5, 16, 8, 8], cout: 33, kernel: [1, 1], options: { stride: 2 }, bias: false },
  { x: [2, 2, 6, 5], cout: 3, kernel: [2, 3], options: { stride: [1, 2], padding: [0, 1] }, bias: true },
  { x: [3, 20, 7, 7], cout: 70, kernel: [3, 3], options: { padding: 1 }, bias: true },
  { x: [2, 3, 4, 4], cout: 8, kernel: [4, 4], options: {}, bias: true },
  { x: [17, 8, 6, 6], cout: 16, kernel: [3, 3], options: { stride: 3, padding: 2 }, bias: false },
  { x: [9, 8, 15, 16], cout: 32, kernel: [3, 3], options: { padding: 1 }, bias: true }, // split-K: 3 sample groups
];

for (const [index, base] of CASES.entries())
  for (const path of ['im2col', 'implicit'] as const) {
    const c = { ...base, options: { ...base.options, path } };
    const name = `conv2d x[${c.x}] k${c.kernel.join('x')} cout ${c.cout} ${JSON.stringify(base.options)}${c.bias ? ' +bias' : ''} (${path})`;
    defineCase(
      name,
      async ({ gpu, metric, output }) => {
        const seed = 1000 + index * 17;
        const wShape = [c.cout, c.x[1], ...c.kernel];
        const xs = randomF32(
          c.x.reduce((a, b) => a * b),
          seed,
        );
        const ws = randomF32(
          wShape.reduce((a, b) => a * b),
          seed + 1,
        );
        const bs = c.bias ? randomF32(c.cout, seed + 2) : null;
        const g = conv2dGeometry(c.x, wShape, c.options);
        const dys = randomF32(g.n * g.cout * g.oh * g.ow, seed + 3);
        const [ax, aw, ady] = [absOf(xs), absOf(ws), absOf(dys)];
        const plan = conv2dWeightGradPlan(g);
        metric(`weightGradProgram ${plan.program}`, 1);
        metric('weightGradGroups', plan.groups);
        metric(`inputGradProgram ${conv2dInputGradProgram(g)}`, 1);

        const tx = Tensor.fromArray(gpu, xs, c.x);
        const tw = Tensor.fromArray(gpu, ws, wShape);
        const tb = bs ? Tensor.fromArray(gpu, bs, [c.cout]) : null;
        const tdy = Tensor.fromArray(gpu, dys, [g.n, g.cout, g.oh, g.ow]);
        const results = {
          y: conv2d(tx, tw, tb, c.options),
          dx: conv2dBackwardInput(tdy, tw, g),
          dw: conv2dBackwardWeight(tx, tdy, g),
          dwSample: conv2dBackwardWeight(tx, tdy, g, true),
          db: conv2dBackwardBias(tdy),
          dbSample: conv2dBackwardBias(tdy, true),
        };
        const got = Object.fromEntries(await Promise.all(Object.entries(results).map(async ([k, t]) => [k, await t.read()])));

        const checks: Array<[string, Float64Array, Float64Array, number]> = [
          ['y', conv2dRef(xs, ws, bs, g), conv2dRef(ax, aw, bs ? absOf(bs) : null, g), TOLERANCES.conv2d],
          ['dx', conv2dBackwardInputRef(dys, ws, g), conv2dBackwardInputRef(ady, aw, g), TOLERANCES.conv2d],
          ['dw', conv2dBackwardWeightRef(xs, dys, g), conv2dBackwardWeightRef(ax, ady, g), TOLERANCES.conv2dWeightGrad],
          ['dwSample', conv2dBackwardWeightRef(xs, dys, g, true), conv2dBackwardWeightRef(ax, ady, g, true), TOLERANCES.conv2d],
          ['db', conv2dBackwardBiasRef(dys, g), conv2dBackwardBiasRef(ady, g), TOLERANCES.channelSum],
          ['dbSample', conv2dBackwardBiasRef(dys, g, true), conv2dBackwardBiasRef(ady, g, true), TOLERANCES.channelSum],
        ];
        for (const [key, ref, scale, tol] of checks) {
          metric(`${key}ScaledError`, assertBelow(scaledError(got[key], ref, scale), tol, `${name}: ${key}`));
          output(key, got[key], { mode: 'tolerance', tol: tol * TOLERANCES.crossRuntimeFactor });
        }
        const again = conv2dBackwardWeight(tx, tdy, g);
        assertBitEqual(got.dw, await again.read(), `${name}: two identical weight gradients`);
        [tx, tw, tdy, again, ...(tb ? [tb] : []), ...Object.values(results)].forEach((t) => t.dispose());
      },
      conv2dVariants(c.x, [c.cout, c.x[1], ...c.kernel], c.options),
    );
  }

/** The conv2d variants a forward + backward case on this geometry runs: the path, and on the implicit
 * path which input- and weight-gradient programs the shapes pick (direct / GEMM, reduce / GEMM). */
function conv2dVariants(x: number[], w: number[], options: Conv2dOptions): string[] {
  const g = conv2dGeometry(x, w, options);
  if (g.path !== 'implicit') return [`conv2d/${g.path}`];
  return [
    'conv2d/implicit',
    `conv2d/implicit input grad ${conv2dInputGradProgram(g)}`,
    `conv2d/implicit weight grad ${conv2dWeightGradPlan(g).program}`,
  ];
}

// The NTK's per-sample, per-cotangent weight and bias gradients (x [n], dy [n·r], rows i·r + s) on the
// GEMM core: padding, stride 2, a rectangular window, pixel planes not a multiple of 4, with and without
// bias, in chunks of 2 samples.
for (const [xShape, wShape, options, replicas, withBias] of [
  [[3, 4, 9, 9], [6, 4, 3, 3], { padding: 1 }, 3, true],
  [[2, 5, 11, 10], [7, 5, 3, 3], { stride: 2, padding: 1 }, 4, false],
  [[2, 3, 8, 8], [5, 3, 2, 3], { stride: [2, 1], padding: [0, 1] }, 1, true],
  [[5, 1, 28, 28], [16, 1, 3, 3], {}, 10, true], // the bench CNN's first layer, in chunks of 2 samples
] as Array<[number[], number[], Conv2dOptions, number, boolean]>) {
  defineCase(
    `conv2d per-sample x ${replicas} cotangent weight${withBias ? ' + bias' : ''} gradients x[${xShape}] w[${wShape}] ${JSON.stringify(options)} match float64`,
    async ({ gpu, metric, output }) => {
      const g = conv2dGeometry(xShape, wShape, options);
      const [n, r] = [g.n, replicas];
      const K = g.c * g.kh * g.kw;
      const plane = g.oh * g.ow;
      const xs = randomF32(
        xShape.reduce((a, b) => a * b),
        81,
      );
      const dys = randomF32(n * r * g.cout * plane, 82);
      const tx = Tensor.fromArray(gpu, xs, xShape);
      const stride = conv2dPixelStride(g);
      const padded = new Float32Array(n * r * g.cout * stride); // each channel's plane padded with zeros
      for (let line = 0; line < n * r * g.cout; line++) padded.set(dys.subarray(line * plane, (line + 1) * plane), line * stride);
      const tdy = Tensor.fromArray(gpu, padded, [n * r, g.cout, stride]);
      // chunks of 2 samples (the default budget holds all of them)
      const got = await conv2dCotangentWeightGrads(tx, tdy, g, r, withBias, 2 * 4 * r * g.cout * Math.max(stride, K + 1)).read();
      // the reference: each sample's x repeated for its r rows, then per-sample weight and bias gradients
      const xRep = new Float32Array(n * r * (xs.length / n));
      for (let i = 0; i < n * r; i++)
        xRep.set(xs.subarray(Math.floor(i / r) * (xs.length / n), (Math.floor(i / r) + 1) * (xs.length / n)), i * (xs.length / n));
      const gRep = { ...g, n: n * r };
      const width = K + (withBias ? 1 : 0);
      const assemble = (x: ArrayLike<number>, dy: ArrayLike<number>) => {
        const dw = conv2dBackwardWeightRef(x, dy, gRep, true);
        const db = conv2dBackwardBiasRef(dy, gRep, true);
        const out = new Float64Array(n * r * g.cout * width);
        for (let row = 0; row < n * r * g.cout; row++) {
          for (let k = 0; k < K; k++) out[row * width + k] = dw[row * K + k];
          if (withBias) out[row * width + K] = db[row];
        }
        return out;
      };
      const ref = assemble(xRep, dys);
      const scale = assemble(absOf(xRep), absOf(dys));
      assert(got.length === ref.length, `${got.length} values, reference has ${ref.length}`);
      metric('scaledError', assertBelow(scaledError(got, ref, scale), TOLERANCES.conv2d, 'per-sample per-cotangent gradients'));
      output('grads', got, { mode: 'tolerance', tol: TOLERANCES.conv2d * TOLERANCES.crossRuntimeFactor });
      [tx, tdy].forEach((t) => t.dispose());
    },
    ['conv2d/ntk cotangent gradients'],
  );
}

// The im2col path's input gradient in both GEMM forms (tap-rows dCol = Wᵀ·dY on dy as it lies,
// pixel-rows dColᵀ = dYᵀ·W on dy transposed) and in sample chunks: odd sizes, stride 2, padding,
// rectangular windows, one and 16 input channels, cout and planes not multiples of 4. Both forms sum
// each dCol entry over cout in the same order and col2im adds the taps in the same order, so their
// bits agree (and match the form the rule picks).
for (const [xShape, wShape, options] of [
  [[5, 1, 28, 28], [16, 1, 3, 3], {}], // the bench CNN's first layer
  [[5, 16, 13, 13], [32, 16, 3, 3], {}], // its second: 121 pixels, dy padded for tap-rows
  [[3, 1, 11, 9], [6, 1, 5, 3], { stride: 2, padding: [2, 1] }],
  [[3, 16, 9, 10], [7, 16, 3, 3], { stride: 2, padding: 1 }],
  [[4, 3, 7, 7], [5, 3, 2, 2], { stride: [1, 2] }],
] as Array<[number[], number[], Conv2dOptions]>) {
  defineCase(
    `conv2d im2col input gradient, tap-rows and pixel-rows forms, chunks of 2 samples, x[${xShape}] w[${wShape}] ${JSON.stringify(options)} match float64`,
    async ({ gpu, metric, output }) => {
      const g = conv2dGeometry(xShape, wShape, { ...options, path: 'im2col' });
      const size = (s: number[]) => s.reduce((a, b) => a * b);
      const dys = randomF32(g.n * g.cout * g.oh * g.ow, 91);
      const ws = randomF32(size(wShape), 92);
      const ref = conv2dBackwardInputRef(dys, ws, g);
      const scale = conv2dBackwardInputRef(absOf(dys), absOf(ws), g);
      const tdy = Tensor.fromArray(gpu, dys, [g.n, g.cout, g.oh, g.ow]);
      const tw = Tensor.fromArray(gpu, ws, wShape);
      const twoSamples = 2 * 4 * g.c * g.kh * g.kw * g.oh * g.ow;
      const got: Record<string, Float32Array> = {};
      for (const form of ['tap-rows', 'pixel-rows'] as const)
        for (const [chunking, bytes] of [
          ['', undefined],
          [' chunked', twoSamples],
        ] as const) {
          const dx = conv2dInputGradIm2col(tdy, tw, g, form, bytes);
          const key = `${form}${chunking}`;
          got[key] = await dx.read();
          dx.dispose();
          metric(`${key} scaledError`, assertBelow(scaledError(got[key], ref, scale), TOLERANCES.conv2d, `dx (${key})`));
        }
      for (const key of Object.keys(got)) assertBitEqual(got[key], got['pixel-rows'], `dx (${key}) against dx (pixel-rows)`);
      const picked = conv2dBackwardInput(tdy, tw, g);
      metric(`picked form ${inputGradForm(g)}`, 1);
      assertBitEqual(await picked.read(), got['pixel-rows'], 'dx (the form the rule picks)');
      output('dx', got['tap-rows'], { mode: 'tolerance', tol: TOLERANCES.conv2d * TOLERANCES.crossRuntimeFactor });
      [tdy, tw, picked].forEach((t) => t.dispose());
    },
    ['conv2d/im2col input grad tap-rows', 'conv2d/im2col input grad pixel-rows'],
  );
}

for (const [xShape, wShape, program] of [
  [[6, 8, 5, 5], [16, 8, 3, 3], 'gemm'],
  [[6, 1, 9, 9], [8, 1, 3, 3], 'reduce'],
  [[6, 8, 5, 5], [16, 8, 3, 3], 'im2col'],
] as Array<[number[], number[], 'gemm' | 'reduce' | 'im2col']>) {
  defineCase(
    `conv2d weight gradient (${program} program) accumulates into an existing tensor`,
    async ({ gpu }) => {
      const g = conv2dGeometry(xShape, wShape, { padding: 1, path: program === 'im2col' ? 'im2col' : 'implicit' });
      assert(program === 'im2col' || conv2dWeightGradPlan(g).program === program, `expected the ${program} program for w[${wShape}]`);
      const size = (s: number[]) => s.reduce((a, b) => a * b);
      const xs = randomF32(size(xShape), 71);
      const dys = randomF32(g.n * g.cout * g.oh * g.ow, 72);
      const start = randomF32(size(wShape), 73);
      const tx = Tensor.fromArray(gpu, xs, xShape);
      const tdy = Tensor.fromArray(gpu, dys, [g.n, g.cout, g.oh, g.ow]);
      const acc = Tensor.fromArray(gpu, start, wShape);
      const returned = conv2dBackwardWeight(tx, tdy, g, false, acc);
      assert(returned === acc, 'accumulation must return the target tensor');
      const ref = conv2dBackwardWeightRef(xs, dys, g).map((v, i) => v + start[i]);
      const scale = conv2dBackwardWeightRef(absOf(xs), absOf(dys), g).map((v, i) => v + Math.abs(start[i]));
      assertBelow(scaledError(await acc.read(), ref, scale), TOLERANCES.conv2dWeightGrad, 'accumulated weight gradient');
      [tx, tdy, acc].forEach((t) => t.dispose());
    },
    program === 'im2col' ? ['conv2d/im2col'] : ['conv2d/implicit', `conv2d/implicit weight grad ${program}`],
  );
}

defineCase('conv2d weight-gradient plans cover both programs and split-K sample groups', async () => {
  const plan = (x: number[], w: number[]) => conv2dWeightGradPlan(conv2dGeometry(x, w, { padding: 1 }));
  const split = plan([9, 8, 15, 16], [32, 8, 3, 3]);
  assert(split.program === 'gemm' && split.groups > 1, `expected a split GEMM, got ${JSON.stringify(split)}`);
  assert(plan([6, 1, 9, 9], [8, 1, 3, 3]).program === 'reduce', 'a one-channel first layer uses the reduction program');
  const perSample = conv2dWeightGradPlan(conv2dGeometry([5, 8, 6, 6], [32, 8, 3, 3], { padding: 1 }), true);
  assert(perSample.groups === 5 && perSample.samplesPerGroup === 1, `per-sample plan ${JSON.stringify(perSample)}`);
});

defineCase('conv2d shape and option errors are typed and name the problem', async ({ gpu }) => {
  const live = gpu.pool.liveCount;
  const x = Tensor.zeros(gpu, [2, 3, 8, 8]);
  const w = Tensor.zeros(gpu, [4, 5, 3, 3]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => conv2d(x, w, null));
  if (!/3 channels/.test(message)) throw new Error(`message should name the channel count: ${message}`);
  await expectCode('E_SHAPE_MISMATCH', () => conv2dGeometry([2, 3, 2, 2], [4, 3, 5, 5]));
  await expectCode('E_SHAPE_MISMATCH', () => conv2dGeometry([2, 3, 8], [4, 3, 3, 3]));
  await expectCode('E_INVALID_ARGUMENT', () => conv2dGeometry([2, 3, 8, 8], [4, 3, 3, 3], { stride: 0 }));
  await expectCode('E_INVALID_ARGUMENT', () => conv2dGeometry([2, 3, 8, 8], [4, 3, 3, 3], { padding: [1, -1] }));
  await expectCode('E_INVALID_ARGUMENT', () => conv2dGeometry([2, 3, 8, 8], [4, 3, 3, 3], { path: 'fast' as never }));
  const old = await expectCode('E_INVALID_ARGUMENT', () => conv2dGeometry([2, 3, 8, 8], [4, 3, 3, 3], { kernel: 'im2col' } as never));
  assert(old.includes('`path`'), `the old option \`kernel\` names \`path\`: ${old}`);
  const g = conv2dGeometry([2, 3, 8, 8], [4, 3, 3, 3]);
  await expectCode('E_SHAPE_MISMATCH', () => conv2dBackwardInput(x, w, g));
  if (gpu.pool.liveCount !== live + 2) throw new Error(`failed calls leaked buffers: ${gpu.pool.liveCount} live`);
  x.dispose();
  w.dispose();
});
