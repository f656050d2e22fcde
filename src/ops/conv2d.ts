// conv2d on the device (NCHW, any kernel size, stride, zero padding): forward, input gradient,
// weight gradient (batch-summed or per sample; for the NTK, per sample and cotangent) and bias
// gradient. Two paths, following the adapter's measured GEMM kernel (ops/kernel_choice.ts): with a
// block kernel every product runs on the GEMM core of ops/matmul.ts (im2col operands, and col2im
// for the input gradient, in sample chunks under a memory budget); with the tiled one the implicit GEMMs of shaders/conv2d*.wgsl never store the im2col matrix.
// The batch-summed weight gradient splits the batch into groups (split-K) for parallelism and
// adds the group partials in a fixed order. Where GEMM tiles would be mostly padding (first layers:
// few input channels, small weights) per-element kernels take over. Every sum has a fixed order:
// results are deterministic.

import type { Gpu } from '../device/gpu.js';
import { LOOP_BUDGET, splitLoop } from '../device/loop_budget.js';
import { NtkError } from '../errors.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { channelSum, channelSumInto } from './channel_sum.js';
import { windowGeometry, type Pair, type WindowGeometry } from './geometry.js';
import { blockGemm, matmul, matmulInto, packOperand } from './matmul.js';
import { grid2d, packParams, type ParamField } from './params.js';
import { sumLastAxis } from './reduce.js';
import { sumPartials, sumPartialsInto } from './sum_partials.js';

/**
 * How the forward pass and both gradients compute: 'im2col' (explicit im2col operands fed to the
 * register-blocked GEMM core of ops/matmul.ts, col2im for the input gradient: CPU adapters),
 * 'implicit' (the workgroup-memory implicit-GEMM shaders conv2d*.wgsl: GPUs), or 'auto' (the
 * adapter's measured choice, Gpu.kernels.conv2d: im2col where a block GEMM kernel won, else implicit).
 */
export type Conv2dKernel = 'auto' | 'im2col' | 'implicit';

/** Options of conv2d. */
export interface Conv2dOptions {
  /** Step between windows, one value or [h, w]. Default 1. */
  stride?: Pair;
  /** Zero padding on each side, one value or [h, w]. Default 0. */
  padding?: Pair;
  /** Kernel choice (tests and benchmarks); default 'auto'. */
  kernel?: Conv2dKernel;
}

/** conv2d defaults (PyTorch's): stride 1, no padding. */
export const DEFAULT_CONV2D: Readonly<Required<Conv2dOptions>> = Object.freeze({ stride: 1, padding: 0, kernel: 'auto' });

/** Geometry of a convolution: the window over x [n, c=cin, h, w] and the output channels. */
export interface Conv2dGeometry extends WindowGeometry {
  cout: number;
  kernel: Conv2dKernel;
}

/** Validates x [n, cin, h, w] against weight [cout, cin, kh, kw]; errors name `label`. */
export function conv2dGeometry(x: Shape, weight: Shape, options: Conv2dOptions = {}, label = 'conv2d'): Conv2dGeometry {
  const { stride, padding, kernel } = { ...DEFAULT_CONV2D, ...options };
  if (!['auto', 'im2col', 'implicit'].includes(kernel)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${label}: kernel must be 'auto', 'im2col' or 'implicit', got ${JSON.stringify(kernel)}.`);
  }
  if (weight.length !== 4) {
    throw new NtkError('E_SHAPE_MISMATCH', `${label}: weight [${weight}] must be 4-D [cout, cin, kh, kw].`, { weight: [...weight] });
  }
  const [cout, cin, kh, kw] = weight;
  const g = windowGeometry(label, x, [kh, kw], stride, padding);
  if (g.c !== cin) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${label}: input [${x}] has ${g.c} channels but the weight [${weight}] expects ${cin}; fix the layer's inChannels or the input.`,
      { input: [...x], weight: [...weight] },
    );
  }
  return { ...g, cout, kernel };
}

/** Output shape [n, cout, oh, ow]. */
export function conv2dOutputShape(g: Conv2dGeometry): number[] {
  return [g.n, g.cout, g.oh, g.ow];
}

/**
 * y [n, cout, oh, ow] = x [n, cin, h, w] ⋆ weight [cout, cin, kh, kw] + bias [cout] (optional).
 * f32 with f32 accumulation over cin*kh*kw terms in a fixed order.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const g = conv2dGeometry(x.shape, weight.shape, options);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.cout)) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2d: bias [${bias.shape}] must be [${g.cout}] (one per output channel).`);
  }
  const gpu = x.gpu;
  const [xb, wb] = [x.buffer, weight.buffer];
  if (useIm2col(gpu, g)) return conv2dIm2col(x, weight, bias, g);
  const biasBuffer = bias ? bias.buffer : wb; // unused binding when there is no bias (read-only alias)
  const out = Tensor.empty(gpu, conv2dOutputShape(g));
  const M = g.cout;
  const N = g.n * g.oh * g.ow;
  const { ty, tm, tn } = chooseTile(M, N);
  const { parts, perPart } = gemmSplit(g.c * g.kh * g.kw);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts, ...out.shape]);
  gpu.run({
    shader: 'conv2d',
    label: `conv2d x[${x.shape}] w[${weight.shape}]${parts > 1 ? ` in ${parts} k-parts` : ''}`,
    constants: { TY: ty, HAS_BIAS: bias !== null, ...windowConstants(g) },
    storage: [
      { buffer: xb, bytes: x.bytes },
      { buffer: wb, bytes: weight.bytes },
      { buffer: biasBuffer, bytes: bias ? bias.bytes : weight.bytes },
      { buffer: target.buffer, bytes: target.bytes },
    ],
    params: geometryParams(g, [0, 0, perPart]),
    workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), parts],
  });
  return addParts(target, parts, out);
}

/**
 * dL/dx [n, cin, h, w] of conv2d from dy [n, cout, oh, ow]. On the GEMM core (im2col kernel) a
 * product dYᵀ·W per sample then a col2im gather; otherwise a tiled implicit GEMM, or for very few
 * input channels (see conv2dInputGradKernel) one thread per input element.
 */
export function conv2dBackwardInput(dy: Tensor, weight: Tensor, g: Conv2dGeometry): Tensor {
  checkGradShape('conv2dBackwardInput', dy, g);
  const gpu = dy.gpu;
  if (useIm2col(gpu, g)) return conv2dInputGradIm2col(dy, weight, g);
  const [dyb, wb] = [dy.buffer, weight.buffer];
  const out = Tensor.empty(gpu, [g.n, g.c, g.h, g.w]);
  const M = g.c;
  const N = g.n * g.h * g.w;
  const direct = conv2dInputGradKernel(g) === 'direct';
  // the direct kernel loops over output channels (kh·kw taps, plus a ky check per kh, each);
  // the GEMM over k = (co, ky, kx)
  const { parts, perPart } = direct ? splitLoop(g.cout, 1 / (g.kh * g.kw + g.kh + 1)) : gemmSplit(g.cout * g.kh * g.kw);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts, ...out.shape]);
  const storage = [
    { buffer: dyb, bytes: dy.bytes },
    { buffer: wb, bytes: weight.bytes },
    { buffer: target.buffer, bytes: target.bytes },
  ];
  const label = `conv2d backward input dy[${dy.shape}] w[${weight.shape}]${parts > 1 ? ` in ${parts} k-parts` : ''}`;
  if (direct) {
    const [gx, gy] = grid2d(Math.ceil(out.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({ shader: 'conv2d_backward_input_direct', label, storage, params: geometryParams(g, [0, gx * 64, perPart]), workgroups: [gx, gy, parts] });
  } else {
    const { ty, tm, tn } = chooseTile(M, N);
    gpu.run({
      shader: 'conv2d_backward_input', label, constants: { TY: ty, ...windowConstants(g) }, storage,
      params: geometryParams(g, [0, 0, perPart]),
      workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), parts],
    });
  }
  return addParts(target, parts, out);
}

/** k values per step of the implicit-GEMM kernels' k loop. */
const BK = 8;
/** Loop iterations one k step of the implicit-GEMM kernels may cost (the step, the two tile-load
 * loops, the BK multiply-add rounds, counting small inner loops as if not unrolled). */
const ITERATIONS_PER_STEP = 16;

/** The split-K of an implicit GEMM with `K` terms per output under the loop budget. */
function gemmSplit(K: number): { parts: number; perPart: number } {
  return splitLoop(K, BK / ITERATIONS_PER_STEP, 0, BK);
}

/** Adds the `parts` slabs of `target` into `out` in part order (nothing to do for one part). */
function addParts(target: Tensor, parts: number, out: Tensor): Tensor {
  if (target === out) return out;
  sumPartialsInto(target, parts, out, false);
  target.dispose();
  return out;
}

/** GEMM tiles padding a result by more than this factor lose to the per-element kernels. */
const MAX_TILE_WASTE = 4;

function tileWaste(M: number, N: number): number {
  const { tm, tn } = chooseTile(M, N);
  return (Math.ceil(M / tm) * tm * Math.ceil(N / tn) * tn) / (M * N);
}

/**
 * How conv2dBackwardInput computes on the implicit path: 'gemm' (tiled implicit GEMM over
 * cin x n·h·w), or 'direct' (one thread per input element) when cin is so small that the GEMM's
 * 16-row tiles would be mostly padding. Depends on shapes only.
 */
export function conv2dInputGradKernel(g: Conv2dGeometry): 'gemm' | 'direct' {
  return tileWaste(g.c, g.n * g.h * g.w) > MAX_TILE_WASTE ? 'direct' : 'gemm';
}

/** Bytes the split-K partial sums of the weight gradient may take. */
const MAX_PARTIAL_BYTES = 32 * 2 ** 20;
/** Workgroups the weight-gradient GEMM aims for (tiles x sample groups). */
const TARGET_WORKGROUPS = 256;
/** Fewest k values (samples x output pixels) a sample group of the weight-gradient GEMM sums. */
const MIN_K_PER_GROUP = 512;

/**
 * How conv2dBackwardWeight computes: the kernel, 'gemm' (tiled implicit GEMM) or 'reduce' (one
 * workgroup per weight element reducing over samples and pixels; chosen when GEMM tiles would pad
 * the cout x cin·kh·kw result more than MAX_TILE_WASTE times), and the number of sample groups
 * (per sample: n; batch sum: split-K groups of the GEMM whose partials are added in group order).
 * A group's samples x pixels are further split into `parts` of at most `perPart` terms under the loop
 * budget (src/device/loop_budget.ts), their partials added in part order.
 * Depends on shapes only, so every adapter sums in the same order.
 */
export function conv2dWeightGradPlan(
  g: Conv2dGeometry, perSample = false,
): { kernel: 'gemm' | 'reduce'; groups: number; samplesPerGroup: number; parts: number; perPart: number } {
  const M = g.cout;
  const N = g.c * g.kh * g.kw;
  const kernel = tileWaste(M, N) > MAX_TILE_WASTE ? 'reduce' : 'gemm';
  let groups = 1;
  if (perSample) groups = g.n;
  else if (kernel === 'gemm') {
    const { tm, tn } = chooseTile(M, N);
    const tiles = Math.ceil(M / tm) * Math.ceil(N / tn);
    const byK = Math.floor((g.n * g.oh * g.ow) / MIN_K_PER_GROUP);
    groups = Math.max(1, Math.min(g.n, byK, Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(MAX_PARTIAL_BYTES / (4 * M * N))));
  }
  const samplesPerGroup = Math.ceil(g.n / groups);
  const terms = samplesPerGroup * g.oh * g.ow;
  // the reduction kernel: 256 threads stride over the terms, then an 8-level tree (16 with margin)
  const { parts, perPart } = kernel === 'gemm' ? gemmSplit(terms) : splitLoop(terms, 256, 16);
  return { kernel, groups: Math.ceil(g.n / samplesPerGroup), samplesPerGroup, parts, perPart };
}

/**
 * dL/dweight of conv2d from x [n, cin, h, w] and dy [n, cout, oh, ow]: [cout, cin, kh, kw]
 * summed over the batch, or with `perSample` [n, cout, cin, kh, kw] (row i is sample i's
 * gradient). Every sum runs in a fixed order (see conv2dWeightGradPlan for the two kernels);
 * the GEMM's batch sum adds its sample-group partials in group order.
 * With `into` (batch sum only), the gradient is added to `into` in place and `into` is returned.
 */
export function conv2dBackwardWeight(x: Tensor, dy: Tensor, g: Conv2dGeometry, perSample = false, into?: Tensor): Tensor {
  checkGradShape('conv2dBackwardWeight', dy, g);
  if (x.shape.length !== 4 || x.shape[0] !== g.n || x.shape[1] !== g.c || x.shape[2] !== g.h || x.shape[3] !== g.w) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2dBackwardWeight: x [${x.shape}] must be [${g.n}, ${g.c}, ${g.h}, ${g.w}].`);
  }
  const wShape = [g.cout, g.c, g.kh, g.kw];
  const M = g.cout;
  const N = g.c * g.kh * g.kw;
  if (into && (perSample || into.size !== M * N)) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2dBackwardWeight: accumulation target [${into.shape}] must be [${wShape}] (batch sum only).`);
  }
  const gpu = x.gpu;
  const [xb, dyb] = [x.buffer, dy.buffer];
  if (useIm2col(gpu, g)) return conv2dWeightGradIm2col(x, dy, g, perSample, into);
  const { kernel, groups, samplesPerGroup: spg, parts, perPart } = conv2dWeightGradPlan(g, perSample);
  const { ty, tm, tn } = chooseTile(M, N);
  const slabs = groups * parts; // slab z = part * groups + group
  const direct = slabs === 1 ? !into : perSample && parts === 1;
  const out = Tensor.empty(gpu, direct ? (perSample ? [g.n, ...wShape] : wShape) : [slabs, ...wShape]);
  const storage = [
    { buffer: xb, bytes: x.bytes },
    { buffer: dyb, bytes: dy.bytes },
    { buffer: out.buffer, bytes: out.bytes },
  ];
  const label = `conv2d backward weight (${kernel}) x[${x.shape}] dy[${dy.shape}]${perSample ? ' per sample' : ''}` +
    `${parts > 1 ? ` in ${parts} parts` : ''}`;
  if (kernel === 'gemm') {
    gpu.run({
      shader: 'conv2d_backward_weight', label, constants: { TY: ty, ...windowConstants(g) }, storage,
      params: geometryParams(g, [spg, 0, perPart, groups]),
      workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), slabs],
    });
  } else {
    const [gx, gy] = grid2d(M * N, gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'conv2d_backward_weight_reduce', label, storage,
      params: geometryParams(g, [spg, gx, perPart, groups]),
      workgroups: [gx, gy, slabs],
    });
  }
  if (direct) return out;
  // per sample: add each sample's parts ([parts, n, ...w] -> [n, ...w]); batch sum: every slab
  const summed = perSample ? sumPartials(out, parts, [g.n, ...wShape]) : sumPartials(out, slabs, wShape, into);
  out.dispose();
  return summed;
}

/** Bytes one chunk of im2col operands (and per-sample products) may take. */
const IM2COL_CHUNK_BYTES = 32 * 2 ** 20;
/** Output pixels one im2col invocation writes (shaders/conv2d_im2col.wgsl's RUN). */
const IM2COL_RUN = 16;

/** Input elements one col2im invocation gathers: up to 8, fewer for large windows, so its
 * RUN·(kh·kw + kh + 1) loop iterations stay within the loop budget. */
function col2imRun(g: Conv2dGeometry): number {
  return Math.max(1, Math.min(8, Math.floor(LOOP_BUDGET / (g.kh * g.kw + g.kh + 1))));
}

function useIm2col(gpu: Gpu, g: Conv2dGeometry): boolean {
  return g.kernel === 'im2col' || (g.kernel === 'auto' && gpu.kernels.conv2d === 'im2col');
}

/** The im2col layout: K = cin·kh·kw padded to 4·K4 rows of planeP (a multiple of 4) pixels. */
function im2colDims(g: Conv2dGeometry): { K: number; K4: number; plane: number; planeP: number } {
  const K = g.c * g.kh * g.kw;
  const plane = g.oh * g.ow;
  return { K, K4: Math.ceil(K / 4), plane, planeP: Math.ceil(plane / 4) * 4 };
}

/** Samples per chunk so that the chunk's im2col operand and `perSampleFloats` outputs fit the chunk budget. */
function im2colChunk(gpu: Gpu, g: Conv2dGeometry, perSampleFloats: number): number {
  const { K4, planeP } = im2colDims(g);
  const floats = 4 * K4 * planeP + perSampleFloats;
  const limit = Math.min(IM2COL_CHUNK_BYTES, gpu.limits.maxStorageBufferBindingSize);
  return Math.max(1, Math.min(g.n, Math.floor(limit / (4 * floats))));
}

/** Rows and ones row of an im2col operand (see shaders/conv2d_im2col.wgsl). */
interface Im2colLayout {
  /** Rows per sample: at least K (+1 with onesRow); extra rows are zeros. */
  kRows: number;
  /** Row K is all ones (the bias column of a weight-gradient product). */
  onesRow: boolean;
}

/** Col [count, kRows, planeP] of samples [s0, s0 + count) (shaders/conv2d_im2col.wgsl); by default
 * the forward's layout, 4·K4 rows. */
function im2col(x: Tensor, g: Conv2dGeometry, s0: number, count: number, layout?: Im2colLayout): Tensor {
  const gpu = x.gpu;
  const { K4, planeP } = im2colDims(g);
  const { kRows, onesRow } = layout ?? { kRows: 4 * K4, onesRow: false };
  const col = Tensor.empty(gpu, [count, kRows, planeP]);
  const runs = Math.ceil(g.ow / IM2COL_RUN);
  const total = count * kRows * g.oh * runs;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'conv2d_im2col',
    label: `conv2d im2col x[${x.shape}] samples ${s0}+${count}`,
    constants: { ...windowConstants(g), ...(onesRow ? { ONES_ROW: true } : {}) },
    storage: [
      { buffer: x.buffer, bytes: x.bytes },
      { buffer: col.buffer, bytes: col.bytes },
    ],
    params: packParams([
      ['u32', g.n], ['u32', g.c], ['u32', g.h], ['u32', g.w],
      ['u32', g.ph], ['u32', g.pw], ['u32', g.oh], ['u32', g.ow],
      ['u32', s0], ['u32', gx * 64], ['u32', kRows], ['u32', planeP],
      ['u32', total], ['u32', runs], ['u32', 0], ['u32', 0],
    ]),
    workgroups: [gx, gy],
  });
  return col;
}

/** Forward on the GEMM core: per sample chunk, Y[s] [cout, plane] = W [cout, K] · Col[s] [K, plane] (+ bias). */
function conv2dIm2col(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry): Tensor {
  const gpu = x.gpu;
  const { K, K4, plane, planeP } = im2colDims(g);
  const out = Tensor.empty(gpu, conv2dOutputShape(g));
  const w = K % 4 === 0 ? weight : packOperand(weight, 1, g.cout, K, g.cout, 4 * K4, false);
  const chunk = im2colChunk(gpu, g, 0);
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const col = im2col(x, g, s0, count);
    blockGemm({
      a: w, b: col, out, outOffset: s0 * g.cout * plane, M: g.cout, N: plane, K4, batch: count,
      strideA4: 0, strideB4: K4 * planeP, ldb4: planeP / 4, transB: false, accumulate: false, bias, textures: true,
    });
    col.dispose();
  }
  if (w !== weight) w.dispose();
  return out;
}

/**
 * Weight gradient on the GEMM core: dW[s] [cout, K] = dY[s] [cout, plane] · Col[s]ᵀ per sample chunk
 * (Col [K, plane] is the transposed operand, pixels contiguous); the batch sum adds the per-sample
 * products in sample order (chunk by chunk), like the implicit path's per-sample groups.
 */
function conv2dWeightGradIm2col(x: Tensor, dy: Tensor, g: Conv2dGeometry, perSample: boolean, into?: Tensor): Tensor {
  const gpu = x.gpu;
  const { K, plane, planeP } = im2colDims(g);
  const wShape = [g.cout, g.c, g.kh, g.kw];
  const size = g.cout * K;
  const out = perSample ? Tensor.empty(gpu, [g.n, ...wShape]) : into ?? Tensor.empty(gpu, wShape);
  const dyp = plane % 4 === 0 ? dy : packOperand(dy, g.n, g.cout, plane, g.cout, planeP, false);
  const chunk = im2colChunk(gpu, g, perSample ? 0 : size);
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const col = im2col(x, g, s0, count);
    const target = perSample ? out : Tensor.empty(gpu, [count, size]);
    blockGemm({
      a: dyp, aOffset4: (s0 * g.cout * planeP) / 4, b: col, out: target, outOffset: perSample ? s0 * size : 0,
      M: g.cout, N: K, K4: planeP / 4, batch: count, strideA4: (g.cout * planeP) / 4, strideB4: (col.size / count) / 4,
      ldb4: 0, transB: true, accumulate: false, textures: true,
    });
    col.dispose();
    if (!perSample) {
      sumPartialsInto(target, count, out, s0 > 0 || into !== undefined);
      target.dispose();
    }
  }
  if (dyp !== dy) dyp.dispose();
  return out;
}

/**
 * Input gradient on the GEMM core: per sample chunk, dColᵀ[s] [plane, K] = dY[s]ᵀ [plane, cout] ·
 * W [cout, K], then each input element gathers its taps (shaders/conv2d_col2im.wgsl).
 */
function conv2dInputGradIm2col(dy: Tensor, weight: Tensor, g: Conv2dGeometry): Tensor {
  const gpu = dy.gpu;
  const { K, plane } = im2colDims(g);
  const cout4 = Math.ceil(g.cout / 4);
  const ldb4 = Math.ceil(K / 4);
  const out = Tensor.empty(gpu, [g.n, g.c, g.h, g.w]);
  // A: dY[s]ᵀ as [plane][4·cout4] rows (cout contiguous); B: W as [4·cout4][4·ldb4] (K contiguous)
  const dyT = transposeDy(dy, g, 4 * cout4);
  const w = g.cout % 4 === 0 && K % 4 === 0 ? weight : packOperand(weight, 1, g.cout, K, 4 * cout4, 4 * ldb4, false);
  const chunk = Math.max(1, Math.min(g.n, Math.floor(Math.min(IM2COL_CHUNK_BYTES, gpu.limits.maxStorageBufferBindingSize) / (4 * plane * K))));
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const dcol = Tensor.empty(gpu, [count, plane, K]);
    blockGemm({
      a: dyT, aOffset4: s0 * plane * cout4, b: w, out: dcol, M: plane, N: K, K4: cout4, batch: count,
      strideA4: plane * cout4, strideB4: 0, ldb4, transB: false, accumulate: false, textures: true,
    });
    const run = col2imRun(g);
    const runs = Math.ceil(g.w / run);
    const total = count * g.c * g.h * runs;
    const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'conv2d_col2im',
      label: `conv2d col2im dx[${out.shape}] samples ${s0}+${count}`,
      constants: { ...windowConstants(g), RUN: run },
      storage: [
        { buffer: dcol.buffer, bytes: dcol.bytes },
        { buffer: out.buffer, bytes: out.bytes },
      ],
      params: packParams([
        ['u32', g.n], ['u32', g.c], ['u32', g.h], ['u32', g.w],
        ['u32', g.ph], ['u32', g.pw], ['u32', g.oh], ['u32', g.ow],
        ['u32', s0], ['u32', gx * 64], ['u32', total], ['u32', runs],
      ]),
      workgroups: [gx, gy],
    });
    dcol.dispose();
  }
  dyT.dispose();
  if (w !== weight) w.dispose();
  return out;
}

/** DyT [n, plane, coutP]: each sample's dy [cout, plane] transposed, zero-padded to coutP columns. */
function transposeDy(dy: Tensor, g: Conv2dGeometry, coutP: number): Tensor {
  const plane = g.oh * g.ow;
  if (coutP > LOOP_BUDGET / 2) return packOperand(dy, g.n, plane, g.cout, plane, coutP, true);
  return pixelMajor(dy, g.n, g.cout, plane, plane, coutP);
}

/**
 * [n, plane, linesP] from t read as [n, lines, planeStride] (the first `plane` of each line): each
 * sample's lines transposed, zero-padded to linesP ≥ lines columns (shaders/conv2d_transpose_dy.wgsl;
 * linesP within half the loop budget).
 */
function pixelMajor(t: Tensor, n: number, lines: number, plane: number, planeStride: number, linesP: number): Tensor {
  const gpu = t.gpu;
  const out = Tensor.empty(gpu, [n, plane, linesP]);
  const total = n * plane;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'conv2d_transpose_dy',
    label: `conv2d pixel-major [${n}, ${lines}, ${plane}]`,
    storage: [
      { buffer: t.buffer, bytes: t.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([['u32', lines], ['u32', plane], ['u32', linesP], ['u32', total], ['u32', gx * 64], ['u32', planeStride], ['u32', 0], ['u32', 0]]),
    workgroups: [gx, gy],
  });
  return out;
}

/**
 * The factors of the NTK's structured conv contraction, pixel-major: from dy [n·r, cout,
 * conv2dPixelStride(g)] (as conv2dCotangentWeightGrads takes it) `delta` [n, plane, 4·⌈r·cout/4⌉]
 * (sample i's pixel p holds its r cotangents' cout values), and from x `patches` [n, plane,
 * 4·⌈(K + 1)/4⌉] (the im2col patch of each output pixel, with a trailing 1 for the bias when
 * `withBias`); zero-padded columns. Sample i's weight (and bias) gradient for cotangent s is
 * Σ_p delta_i[p, s] ⊗ patches_i[p], so <g_is, g_jt> = Σ_{p,q} (delta_i[p, s]·delta_j[q, t]) (patches_i[p]·patches_j[q]).
 */
export function conv2dPixelFactors(x: Tensor, dy: Tensor, g: Conv2dGeometry, replicas: number, withBias: boolean): { delta: Tensor; patches: Tensor } {
  const { K, plane, planeP } = im2colDims(g);
  const kRows = K + (withBias ? 1 : 0);
  const lines = replicas * g.cout;
  if (dy.size !== g.n * lines * planeP) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2dPixelFactors: dy [${dy.shape}] must be [${g.n * replicas}, ${g.cout}, ${planeP}] (planes padded).`);
  }
  const col = im2col(x, g, 0, g.n, { kRows, onesRow: withBias });
  const patches = pixelMajor(col, g.n, kRows, plane, planeP, 4 * Math.ceil(kRows / 4));
  col.dispose();
  return { delta: pixelMajor(dy, g.n, lines, plane, planeP, 4 * Math.ceil(lines / 4)), patches };
}

/**
 * Whether the NTK's structured contraction of a conv layer (conv2dPixelFactors) costs less per
 * sample pair than materialising its per-sample gradients: plane²·(K + 1 + r·cout) against
 * r·cout·(K + 1) multiply-adds, and its per-pair loop (plane² terms) within a quarter of the budget.
 */
export function conv2dStructuredCheaper(g: Conv2dGeometry, replicas: number): boolean {
  const { K, plane } = im2colDims(g);
  const rc = replicas * g.cout;
  return plane * plane <= LOOP_BUDGET / 4 && plane * plane * (K + 1 + rc) < rc * (K + 1);
}

/** Floats per output channel of the dy operand conv2dCotangentWeightGrads takes: oh·ow rounded up to a multiple of 4. */
export function conv2dPixelStride(g: Conv2dGeometry): number {
  return im2colDims(g).planeP;
}

/**
 * Per-sample, per-cotangent weight (and bias) gradients for the NTK, on the GEMM core of every
 * adapter: x [n, cin, h, w] is the layer input (geometry g, g.n = n) and dy [n·r, cout,
 * conv2dPixelStride(g)] holds r cotangents per sample (rows i·r + s), each channel's oh·ow plane
 * zero-padded. Returns [n·r, cout·(K + 1)] with `withBias` (each output channel's K = cin·kh·kw
 * weight gradients, then its bias gradient: the pixel sum of dy), else [n·r, cout·K]. Batched
 * products dY[i] [r·cout, plane] · Col[i]ᵀ [plane, K (+1)], so each sample's im2col serves its r
 * cotangents, in sample chunks whose operands fit `chunkBytes` (default: the im2col chunk budget).
 */
export function conv2dCotangentWeightGrads(
  x: Tensor, dy: Tensor, g: Conv2dGeometry, replicas: number, withBias: boolean, chunkBytes = IM2COL_CHUNK_BYTES,
): Tensor {
  const [n, r] = [g.n, replicas];
  const { K, planeP } = im2colDims(g);
  if (dy.size !== n * r * g.cout * planeP) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2dCotangentWeightGrads: dy [${dy.shape}] must be [${n * r}, ${g.cout}, ${planeP}] (${r} cotangents per sample, planes padded).`);
  }
  const gpu = x.gpu;
  const kRows = K + (withBias ? 1 : 0);
  const rowFloats = r * g.cout * planeP; // one sample's dy
  const outFloats = r * g.cout * kRows;
  const out = Tensor.empty(gpu, [n * r, g.cout * kRows]);
  const limit = Math.min(chunkBytes, gpu.limits.maxStorageBufferBindingSize);
  const chunk = Math.max(1, Math.min(n, Math.floor(limit / (4 * Math.max(rowFloats, kRows * planeP, outFloats)))));
  for (let s0 = 0; s0 < n; s0 += chunk) {
    const count = Math.min(chunk, n - s0);
    const col = im2col(x, g, s0, count, { kRows, onesRow: withBias });
    const a = count === n ? dy.reshape([n, r * g.cout, planeP]) : Tensor.empty(gpu, [count, r * g.cout, planeP]);
    if (count !== n) gpu.copy(dy.buffer, s0 * rowFloats * 4, a.buffer, 0, count * rowFloats * 4);
    if (count === n) matmulInto(a, col, out, { transB: true });
    else {
      const part = matmul(a, col, { transB: true });
      gpu.copy(part.buffer, 0, out.buffer, s0 * outFloats * 4, count * outFloats * 4);
      part.dispose();
    }
    [col, a].forEach((t) => t.dispose());
  }
  return out;
}

/**
 * dL/dbias of conv2d from dy [n, cout, oh, ow]: [cout] summed over batch and pixels, or with
 * `perSample` [n, cout] (each sample's pixel sums). With `into` (batch sum only), the gradient
 * is added to `into` in place and `into` is returned.
 */
export function conv2dBackwardBias(dy: Tensor, perSample = false, into?: Tensor): Tensor {
  if (dy.shape.length !== 4) throw new NtkError('E_SHAPE_MISMATCH', `conv2dBackwardBias: dy [${dy.shape}] must be [n, cout, oh, ow].`);
  const [n, cout, oh, ow] = dy.shape;
  if (perSample) {
    if (into) throw new NtkError('E_INVALID_ARGUMENT', 'conv2dBackwardBias: accumulation (into) is for the batch sum only.');
    const planes = dy.reshape([n, cout, oh * ow]);
    const sums = sumLastAxis(planes);
    planes.dispose();
    return sums;
  }
  if (!into) return channelSum(dy);
  channelSumInto(dy, into);
  return into;
}

/**
 * The thread layout of the implicit-GEMM kernels: TY threads along M (tile TM = 4·TY rows) and
 * 256/TY along N (TN = 1024/TY columns). Picks the layout that pads M x N least; ties go to
 * the square 64x64 tile. Depends on shapes only, so every adapter runs the same summation order.
 */
function chooseTile(M: number, N: number): { ty: number; tm: number; tn: number } {
  let best = { ty: 16, tm: 64, tn: 64 };
  let bestArea = Infinity;
  for (const ty of [16, 8, 32, 4, 64]) {
    const [tm, tn] = [4 * ty, 1024 / ty];
    const area = Math.ceil(M / tm) * tm * Math.ceil(N / tn) * tn;
    if (area < bestArea) {
      best = { ty, tm, tn };
      bestArea = area;
    }
  }
  return best;
}

function checkGradShape(op: string, dy: Tensor, g: Conv2dGeometry): void {
  const expected = conv2dOutputShape(g);
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `${op}: dy [${dy.shape}] must match the conv2d output [${expected}].`, {
      dy: [...dy.shape],
      expected,
    });
  }
}

/** Kernel size and stride as the GEMM shaders' override constants (one pipeline per window shape). */
function windowConstants(g: Conv2dGeometry): Record<string, number> {
  return { KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw };
}

/** The conv shaders' Params: the geometry, then the shader-specific fields (sample group size,
 * row stride of a 2-D grid, split-K part length, sample groups; unused ones 0). */
function geometryParams(g: Conv2dGeometry, extra: [number, number, number, number?]): ArrayBuffer {
  const [spg, rowStride, perPart, groups] = extra;
  return packParams([
    ['u32', g.n], ['u32', g.c], ['u32', g.h], ['u32', g.w],
    ['u32', g.cout], ['u32', g.kh], ['u32', g.kw], ['u32', g.sh],
    ['u32', g.sw], ['u32', g.ph], ['u32', g.pw], ['u32', g.oh],
    ['u32', g.ow], ['u32', spg], ['u32', rowStride], ['u32', perPart],
    ...(groups === undefined ? [] : ([['u32', groups], ['u32', 0], ['u32', 0], ['u32', 0]] as ParamField[])),
  ]);
}
