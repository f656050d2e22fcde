// conv2d's implicit-GEMM path (the tiled GEMM variant's, GPUs): the workgroup-memory GEMMs of
// shaders/conv2d*.wgsl never store the im2col matrix; per-element programs take over where GEMM tiles
// would be mostly padding; split-K partials are added in a fixed order, so results are deterministic.

import { splitLoop } from '../device/loop_budget.js';
import { Tensor } from '../tensor/tensor.js';
import { conv2dOutputShape, type Conv2dGeometry } from './conv2d_geometry.js';
import { windowConstants } from './geometry.js';
import { grid2d } from './grid.js';
import { map } from './map.js';
import { sumPartials, sumPartialsInto } from './sum_partials.js';

/** The forward pass as the tiled implicit GEMM of shaders/conv2d.wgsl (split-K partials added in part
 * order), with `relu` followed by max(y, 0): in the GEMM's store, or after the parts' sum under split-K. */
export function conv2dImplicit(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry, relu = false): Tensor {
  const gpu = x.gpu;
  const [xb, wb] = [x.buffer, weight.buffer];
  const biasBuffer = bias ? bias.buffer : wb; // unused binding when there is no bias (read-only alias)
  const out = Tensor.empty(gpu, conv2dOutputShape(g));
  const M = g.cout;
  const N = g.n * g.oh * g.ow;
  const { ty, tm, tn } = chooseTile(M, N);
  const { parts, perPart } = gemmSplit(g.c * g.kh * g.kw);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts, ...out.shape]);
  gpu.run({
    shader: 'conv2d',
    label: `conv2d x[${x.shape}] w[${weight.shape}]${parts > 1 ? ` in ${parts} k-parts` : ''}${relu && parts === 1 ? ' relu' : ''}`,
    constants: { TY: ty, HAS_BIAS: bias !== null, RELU: relu && parts === 1, ...windowConstants(g) },
    bindings: {
      X: { buffer: xb, bytes: x.bytes },
      W: { buffer: wb, bytes: weight.bytes },
      Bias: { buffer: biasBuffer, bytes: bias ? bias.bytes : weight.bytes },
      Y: target,
    },
    params: { ...geometryFields(g), perPart },
    workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), parts],
  });
  addParts(target, parts, out);
  if (!relu || parts === 1) return out;
  const y = map(out, 'relu');
  out.dispose();
  return y;
}

/** The input gradient as the tiled implicit GEMM (shaders/conv2d_backward_input.wgsl), or one thread per input element where GEMM tiles would be mostly padding. */
export function conv2dInputGradImplicit(dy: Tensor, weight: Tensor, g: Conv2dGeometry): Tensor {
  const gpu = dy.gpu;
  const [dyb, wb] = [dy.buffer, weight.buffer];
  const out = Tensor.empty(gpu, [g.n, g.c, g.h, g.w]);
  const M = g.c;
  const N = g.n * g.h * g.w;
  const direct = conv2dInputGradProgram(g) === 'direct';
  // the direct program loops over output channels (kh·kw taps, plus a ky check per kh, each);
  // the GEMM over k = (co, ky, kx)
  const { parts, perPart } = direct ? splitLoop(g.cout, 1 / (g.kh * g.kw + g.kh + 1)) : gemmSplit(g.cout * g.kh * g.kw);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts, ...out.shape]);
  const bindings = { DY: { buffer: dyb, bytes: dy.bytes }, W: { buffer: wb, bytes: weight.bytes }, DX: target };
  const label = `conv2d backward input dy[${dy.shape}] w[${weight.shape}]${parts > 1 ? ` in ${parts} k-parts` : ''}`;
  if (direct) {
    const [gx, gy] = grid2d(Math.ceil(out.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'conv2d_backward_input_direct',
      label,
      bindings,
      params: { ...geometryFields(g), rowStride: gx * 64, perPart },
      workgroups: [gx, gy, parts],
    });
  } else {
    const { ty, tm, tn } = chooseTile(M, N);
    gpu.run({
      shader: 'conv2d_backward_input',
      label,
      constants: { TY: ty, ...windowConstants(g) },
      bindings,
      params: { ...geometryFields(g), perPart },
      workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), parts],
    });
  }
  return addParts(target, parts, out);
}

/** The weight gradient on the implicit path (see conv2dWeightGradPlan): tiled GEMM or per-element reduction, partials added in a fixed order. */
export function conv2dWeightGradImplicit(x: Tensor, dy: Tensor, g: Conv2dGeometry, perSample: boolean, into?: Tensor): Tensor {
  const wShape = [g.cout, g.c, g.kh, g.kw];
  const M = g.cout;
  const N = g.c * g.kh * g.kw;
  const gpu = x.gpu;
  const [xb, dyb] = [x.buffer, dy.buffer];
  const { program, groups, samplesPerGroup: spg, parts, perPart } = conv2dWeightGradPlan(g, perSample);
  const { ty, tm, tn } = chooseTile(M, N);
  const slabs = groups * parts; // slab z = part * groups + group
  const direct = slabs === 1 ? !into : perSample && parts === 1;
  const out = Tensor.empty(gpu, direct ? (perSample ? [g.n, ...wShape] : wShape) : [slabs, ...wShape]);
  const bindings = { X: { buffer: xb, bytes: x.bytes }, DY: { buffer: dyb, bytes: dy.bytes }, Out: out };
  const label =
    `conv2d backward weight (${program}) x[${x.shape}] dy[${dy.shape}]${perSample ? ' per sample' : ''}` +
    `${parts > 1 ? ` in ${parts} parts` : ''}`;
  if (program === 'gemm') {
    gpu.run({
      shader: 'conv2d_backward_weight',
      label,
      constants: { TY: ty, ...windowConstants(g) },
      bindings,
      params: { ...geometryFields(g), spg, perPart, groups },
      workgroups: [Math.ceil(N / tn), Math.ceil(M / tm), slabs],
    });
  } else {
    const [gx, gy] = grid2d(M * N, gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'conv2d_backward_weight_reduce',
      label,
      bindings,
      params: { ...geometryFields(g), spg, rowStride: gx, perPart, groups },
      workgroups: [gx, gy, slabs],
    });
  }
  if (direct) return out;
  // per sample: add each sample's parts ([parts, n, ...w] -> [n, ...w]); batch sum: every slab
  const summed = perSample ? sumPartials(out, parts, [g.n, ...wShape]) : sumPartials(out, slabs, wShape, into);
  out.dispose();
  return summed;
}

/** k values per step of the implicit-GEMM programs' k loop. */
const BK = 8;
/** Loop iterations one k step of the implicit-GEMM programs (lib/gemm_tiled_core.wgsl) may cost (the
 * step, the tile-load loop, the BK multiply-add rounds, counting small inner loops as if not unrolled). */
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

/** GEMM tiles padding a result by more than this factor lose to the per-element programs. */
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
export function conv2dInputGradProgram(g: Conv2dGeometry): 'gemm' | 'direct' {
  return tileWaste(g.c, g.n * g.h * g.w) > MAX_TILE_WASTE ? 'direct' : 'gemm';
}

/** Bytes the split-K partial sums of the weight gradient may take. */
const MAX_PARTIAL_BYTES = 32 * 2 ** 20;
/** Workgroups the weight-gradient GEMM aims for (tiles x sample groups). */
const TARGET_WORKGROUPS = 256;
/** Fewest k values (samples x output pixels) a sample group of the weight-gradient GEMM sums. */
const MIN_K_PER_GROUP = 512;

/**
 * How conv2dBackwardWeight computes: the program, 'gemm' (tiled implicit GEMM) or 'reduce' (one
 * workgroup per weight element reducing over samples and pixels; chosen when GEMM tiles would pad
 * the cout x cin·kh·kw result more than MAX_TILE_WASTE times), and the number of sample groups
 * (per sample: n; batch sum: split-K groups of the GEMM whose partials are added in group order).
 * A group's samples x pixels are further split into `parts` of at most `perPart` terms under the loop
 * budget (src/device/loop_budget.ts), their partials added in part order.
 * Depends on shapes only, so every adapter sums in the same order.
 */
export function conv2dWeightGradPlan(
  g: Conv2dGeometry,
  perSample = false,
): { program: 'gemm' | 'reduce'; groups: number; samplesPerGroup: number; parts: number; perPart: number } {
  const M = g.cout;
  const N = g.c * g.kh * g.kw;
  const program = tileWaste(M, N) > MAX_TILE_WASTE ? 'reduce' : 'gemm';
  let groups = 1;
  if (perSample) groups = g.n;
  else if (program === 'gemm') {
    const { tm, tn } = chooseTile(M, N);
    const tiles = Math.ceil(M / tm) * Math.ceil(N / tn);
    const byK = Math.floor((g.n * g.oh * g.ow) / MIN_K_PER_GROUP);
    groups = Math.max(1, Math.min(g.n, byK, Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(MAX_PARTIAL_BYTES / (4 * M * N))));
  }
  const samplesPerGroup = Math.ceil(g.n / groups);
  const terms = samplesPerGroup * g.oh * g.ow;
  // the reduction program: 256 threads stride over the terms, then an 8-level tree (16 with margin)
  const { parts, perPart } = program === 'gemm' ? gemmSplit(terms) : splitLoop(terms, 256, 16);
  return { program, groups: Math.ceil(g.n / samplesPerGroup), samplesPerGroup, parts, perPart };
}

/**
 * The thread layout of the implicit-GEMM programs: TY threads along M (tile TM = 4·TY rows) and
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

/** The geometry fields the conv shaders' Params share (each shader adds its own after them). */
function geometryFields(g: Conv2dGeometry) {
  return { n: g.n, cin: g.c, h: g.h, w: g.w, cout: g.cout, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, ph: g.ph, pw: g.pw, oh: g.oh, ow: g.ow };
}
