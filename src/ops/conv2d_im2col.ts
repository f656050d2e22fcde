// conv2d's im2col path (the block GEMM variants', CPU adapters): explicit im2col operands fed to the
// register-blocked GEMM core of ops/matmul.ts, col2im for the input gradient, in sample chunks under
// a memory budget; the batch-summed weight gradient adds per-sample products in sample order.

import type { Gpu } from '../device/gpu.js';
import { LOOP_BUDGET } from '../device/loop_budget.js';
import { Tensor } from '../tensor/tensor.js';
import { conv2dOutputShape, type Conv2dGeometry } from './conv2d_geometry.js';
import { windowConstants } from './geometry.js';
import { blockGemm, packOperand } from './matmul.js';
import { grid2d } from './grid.js';
import { sumPartialsInto } from './sum_partials.js';

/** Bytes one chunk of im2col operands (and per-sample products) may take. */
export const IM2COL_CHUNK_BYTES = 32 * 2 ** 20;
/** Output pixels one im2col invocation writes (shaders/conv2d_im2col.wgsl's RUN). */
const IM2COL_RUN = 16;

/** Input elements one col2im invocation gathers: up to 8, fewer for large windows, so its
 * RUN·(kh·kw + kh + 1) loop iterations stay within the loop budget. */
function col2imRun(g: Conv2dGeometry): number {
  return Math.max(1, Math.min(8, Math.floor(LOOP_BUDGET / (g.kh * g.kw + g.kh + 1))));
}

/** The im2col layout: K = cin·kh·kw padded to 4·K4 rows of planeP (a multiple of 4) pixels. */
export function im2colDims(g: Conv2dGeometry): { K: number; K4: number; plane: number; planeP: number } {
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
export function im2col(x: Tensor, g: Conv2dGeometry, s0: number, count: number, layout?: Im2colLayout): Tensor {
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
    bindings: { X: x, Col: col },
    params: {
      ...imageParams(g, s0, gx),
      kRows,
      planeP,
      total,
      runs,
    },
    workgroups: [gx, gy],
  });
  return col;
}

/** Forward on the GEMM core: per sample chunk, Y[s] [cout, plane] = W [cout, K] · Col[s] [K, plane] (+ bias),
 * with `relu` followed by max(y, 0) in the GEMM's epilogue. */
export function conv2dIm2col(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry, relu = false): Tensor {
  const gpu = x.gpu;
  const { K, K4, plane, planeP } = im2colDims(g);
  const out = Tensor.empty(gpu, conv2dOutputShape(g));
  const w = K % 4 === 0 ? weight : packOperand(weight, 1, g.cout, K, g.cout, 4 * K4, false);
  const chunk = im2colChunk(gpu, g, 0);
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const col = im2col(x, g, s0, count);
    blockGemm({
      a: w,
      b: col,
      out,
      outOffset: s0 * g.cout * plane,
      M: g.cout,
      N: plane,
      K4,
      batch: count,
      strideA4: 0,
      strideB4: K4 * planeP,
      ldb4: planeP / 4,
      transB: false,
      accumulate: false,
      bias,
      epilogue: { relu },
      textures: true,
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
export function conv2dWeightGradIm2col(x: Tensor, dy: Tensor, g: Conv2dGeometry, perSample: boolean, into?: Tensor): Tensor {
  const gpu = x.gpu;
  const { K, plane, planeP } = im2colDims(g);
  const wShape = [g.cout, g.c, g.kh, g.kw];
  const size = g.cout * K;
  const out = perSample ? Tensor.empty(gpu, [g.n, ...wShape]) : (into ?? Tensor.empty(gpu, wShape));
  const dyp = plane % 4 === 0 ? dy : packOperand(dy, g.n, g.cout, plane, g.cout, planeP, false);
  const chunk = im2colChunk(gpu, g, perSample ? 0 : size);
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const col = im2col(x, g, s0, count);
    const target = perSample ? out : Tensor.empty(gpu, [count, size]);
    blockGemm({
      a: dyp,
      aOffset4: (s0 * g.cout * planeP) / 4,
      b: col,
      out: target,
      outOffset: perSample ? s0 * size : 0,
      M: g.cout,
      N: K,
      K4: planeP / 4,
      batch: count,
      strideA4: (g.cout * planeP) / 4,
      strideB4: col.size / count / 4,
      ldb4: 0,
      transB: true,
      accumulate: false,
      textures: true,
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
 * The two forms of the input gradient's GEMM per sample: `tap-rows` dCol [K, plane] = Wᵀ [K, cout] ·
 * dY [cout, plane] reads dy as it lies (NCHW) where its lines are whole vec4s (cout and oh·ow multiples
 * of 4), else zero-padded (shaders/conv2d_pad_dy.wgsl); `pixel-rows` dColᵀ [plane, K] = dYᵀ · W reads
 * dy transposed pixel-major (shaders/conv2d_transpose_dy.wgsl). Both sum over cout in the same order:
 * they give the same bits.
 */
export type InputGradForm = 'tap-rows' | 'pixel-rows';

/**
 * tap-rows unless dy needs padding and the K taps fill less than one 32-row GEMM block. Measured on
 * llvmpipe (interleaved per-command replays, loaded machine, batch 128, tap-rows / pixel-rows time):
 * unpadded 0.65-0.92 on 6 of 7 shapes, 1.14 (rounds 0.45-2.76) on one (no transpose; col2im reads each
 * tap's pixels contiguously), even with twice the GEMM blocks (the bench CNN's first layer, K = 9:
 * 0.74); padded with K = 144 (its second layer, 121 pixels) 0.90; padded with K = 9 (27x27 planes)
 * 1.16, where the padding costs as much as the transpose and the GEMM computes twice the blocks.
 */
export function inputGradForm(g: Conv2dGeometry): InputGradForm {
  const { K, plane } = im2colDims(g);
  const padded = g.cout % 4 !== 0 || plane % 4 !== 0;
  return padded && K < 32 ? 'pixel-rows' : 'tap-rows';
}

/**
 * Input gradient on the GEMM core: per sample chunk, the gradient of the im2col operand (dCol in the
 * `form` of inputGradForm), then each input element gathers its taps (shaders/conv2d_col2im.wgsl).
 * `chunkBytes` bounds one chunk's dCol (tests use small ones).
 */
export function conv2dInputGradIm2col(
  dy: Tensor,
  weight: Tensor,
  g: Conv2dGeometry,
  form: InputGradForm = inputGradForm(g),
  chunkBytes = IM2COL_CHUNK_BYTES,
): Tensor {
  const gpu = dy.gpu;
  const { K, plane, planeP } = im2colDims(g);
  const cout4 = Math.ceil(g.cout / 4);
  const out = Tensor.empty(gpu, [g.n, g.c, g.h, g.w]);
  const chunk = Math.max(1, Math.min(g.n, Math.floor(Math.min(chunkBytes, gpu.limits.maxStorageBufferBindingSize) / (4 * plane * K))));
  if (form === 'tap-rows') {
    // A: Wᵀ as [K][4·cout4] rows (cout contiguous); B: dY[s] as [4·cout4][planeP] (pixels contiguous)
    const wT = packOperand(weight, 1, K, g.cout, K, 4 * cout4, true);
    const aligned = g.cout % 4 === 0 && plane % 4 === 0;
    const dyp = aligned ? dy : padDy(dy, g, 4 * cout4, planeP);
    const sampleFloats = 4 * cout4 * planeP;
    for (let s0 = 0; s0 < g.n; s0 += chunk) {
      const count = Math.min(chunk, g.n - s0);
      const b = count === g.n ? dyp : Tensor.empty(gpu, [count, sampleFloats]);
      if (b !== dyp) gpu.copy(dyp.buffer, 4 * s0 * sampleFloats, b.buffer, 0, b.bytes);
      const dcol = Tensor.empty(gpu, [count, K, plane]);
      blockGemm({
        a: wT,
        b,
        out: dcol,
        M: K,
        N: plane,
        K4: cout4,
        batch: count,
        strideA4: 0,
        strideB4: sampleFloats / 4,
        ldb4: planeP / 4,
        transB: false,
        accumulate: false,
        textures: true,
      });
      if (b !== dyp) b.dispose();
      col2im(dcol, out, g, s0, count, plane, 1);
      dcol.dispose();
    }
    wT.dispose();
    if (dyp !== dy) dyp.dispose();
    return out;
  }
  // A: dY[s]ᵀ as [plane][4·cout4] rows (cout contiguous); B: W as [4·cout4][4·ldb4] (K contiguous)
  const ldb4 = Math.ceil(K / 4);
  const dyT = transposeDy(dy, g, 4 * cout4);
  const w = g.cout % 4 === 0 && K % 4 === 0 ? weight : packOperand(weight, 1, g.cout, K, 4 * cout4, 4 * ldb4, false);
  for (let s0 = 0; s0 < g.n; s0 += chunk) {
    const count = Math.min(chunk, g.n - s0);
    const dcol = Tensor.empty(gpu, [count, plane, K]);
    blockGemm({
      a: dyT,
      aOffset4: s0 * plane * cout4,
      b: w,
      out: dcol,
      M: plane,
      N: K,
      K4: cout4,
      batch: count,
      strideA4: plane * cout4,
      strideB4: 0,
      ldb4,
      transB: false,
      accumulate: false,
      textures: true,
    });
    col2im(dcol, out, g, s0, count, 1, K);
    dcol.dispose();
  }
  dyT.dispose();
  if (w !== weight) w.dispose();
  return out;
}

/** dX of samples [s0, s0 + count) gathered from their dCol, whose tap k of pixel q lies at
 * k·kStride + q·pStride of each sample's K·plane values (shaders/conv2d_col2im.wgsl). */
/** The image geometry both the im2col and the col2im shaders read: samples from s0 on, gx workgroups of 64 per grid row. */
function imageParams(g: Conv2dGeometry, s0: number, gx: number) {
  return { n: g.n, cin: g.c, h: g.h, w: g.w, ph: g.ph, pw: g.pw, oh: g.oh, ow: g.ow, s0, rowStride: gx * 64 };
}

function col2im(dcol: Tensor, out: Tensor, g: Conv2dGeometry, s0: number, count: number, kStride: number, pStride: number): void {
  const gpu = out.gpu;
  const run = col2imRun(g);
  const runs = Math.ceil(g.w / run);
  const total = count * g.c * g.h * runs;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'conv2d_col2im',
    label: `conv2d col2im dx[${out.shape}] samples ${s0}+${count}`,
    constants: { ...windowConstants(g), RUN: run },
    bindings: { DCol: dcol, DX: out },
    params: {
      ...imageParams(g, s0, gx),
      total,
      runs,
      kStride,
      pStride,
    },
    workgroups: [gx, gy],
  });
}

/** Dyp [n, coutP, planeP]: each sample's dy [cout, plane] zero-padded to whole vec4 lines (shaders/conv2d_pad_dy.wgsl). */
function padDy(dy: Tensor, g: Conv2dGeometry, coutP: number, planeP: number): Tensor {
  const gpu = dy.gpu;
  const out = Tensor.empty(gpu, [g.n, coutP, planeP]);
  const total = out.size / 4;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'conv2d_pad_dy',
    label: `conv2d pad dy [${g.n}, ${g.cout}, ${g.oh * g.ow}] -> [${coutP}, ${planeP}]`,
    bindings: { DY: dy, Dyp: out },
    params: { cout: g.cout, plane: g.oh * g.ow, coutP, planeP4: planeP / 4, total, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
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
export function pixelMajor(t: Tensor, n: number, lines: number, plane: number, planeStride: number, linesP: number): Tensor {
  const gpu = t.gpu;
  const out = Tensor.empty(gpu, [n, plane, linesP]);
  const total = n * plane;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'conv2d_transpose_dy',
    label: `conv2d pixel-major [${n}, ${lines}, ${plane}]`,
    bindings: { DY: t, DyT: out },
    params: { cout: lines, plane, coutP: linesP, total, rowStride: gx * 64, planeStride },
    workgroups: [gx, gy],
  });
  return out;
}
