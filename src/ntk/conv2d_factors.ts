// conv2d pieces of the NTK (src/ntk/kernel.ts), on the GEMM core of every adapter: per-sample,
// per-cotangent weight gradients, and the pixel-major factors of the structured contraction with the
// rule that says when it is cheaper than materialising per-sample gradients.

import { LOOP_BUDGET } from '../device/loop_budget.js';
import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { IM2COL_CHUNK_BYTES, im2col, im2colDims, pixelMajor } from '../ops/conv2d_im2col.js';
import type { Conv2dGeometry } from '../ops/conv2d_geometry.js';
import { matmul, matmulInto } from '../ops/matmul.js';

/**
 * The factors of the NTK's structured conv contraction, pixel-major: from dy [n·r, cout,
 * conv2dPixelStride(g)] (as conv2dCotangentWeightGrads takes it) `delta` [n, plane, 4·⌈r·cout/4⌉]
 * (sample i's pixel p holds its r cotangents' cout values), and from x `patches` [n, plane,
 * 4·⌈(K + 1)/4⌉] (the im2col patch of each output pixel, with a trailing 1 for the bias when
 * `withBias`); zero-padded columns. Sample i's weight (and bias) gradient for cotangent s is
 * Σ_p delta_i[p, s] ⊗ patches_i[p], so <g_is, g_jt> = Σ_{p,q} (delta_i[p, s]·delta_j[q, t]) (patches_i[p]·patches_j[q]).
 */
export function conv2dPixelFactors(
  x: Tensor,
  dy: Tensor,
  g: Conv2dGeometry,
  replicas: number,
  withBias: boolean,
): { delta: Tensor; patches: Tensor } {
  const { K, plane, planeP } = im2colDims(g);
  const kRows = K + (withBias ? 1 : 0);
  const lines = replicas * g.cout;
  if (dy.size !== g.n * lines * planeP) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `conv2dPixelFactors: dy [${dy.shape}] must be [${g.n * replicas}, ${g.cout}, ${planeP}] (planes padded).`,
    );
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
  x: Tensor,
  dy: Tensor,
  g: Conv2dGeometry,
  replicas: number,
  withBias: boolean,
  chunkBytes = IM2COL_CHUNK_BYTES,
): Tensor {
  const [n, r] = [g.n, replicas];
  const { K, planeP } = im2colDims(g);
  if (dy.size !== n * r * g.cout * planeP) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `conv2dCotangentWeightGrads: dy [${dy.shape}] must be [${n * r}, ${g.cout}, ${planeP}] (${r} cotangents per sample, planes padded).`,
    );
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
