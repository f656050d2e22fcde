// Max and average pooling on the device (NCHW), forward and backward, plus global average
// pooling. Backward passes are gathers over the windows covering each input element, in a fixed
// order: deterministic, no atomics (max pooling with windows that do not overlap scatters each
// window's gradient over its own inputs instead). Max-pool ties go to the first element of the
// window (row-major). The backward passes can fuse the backward of a ReLU before the pool.

import { check, NtkError } from '../errors.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { pair, windowGeometry, type Pair, type WindowGeometry } from './geometry.js';
import { grid2d } from './grid.js';

/** Options of the pooling ops and layers. */
export interface Pool2dOptions {
  /** Window size, one value or [h, w]. Required. */
  kernel: Pair;
  /** Step between windows; default: the kernel size (PyTorch's default). */
  stride?: Pair;
  /** Implicit padding on each side (never selected by max, see countIncludePad for average);
   * at most half the kernel. Default 0. */
  padding?: Pair;
  /** Average pooling only: divide by kh*kw even where the window overlaps padding (true,
   * PyTorch's default) or by the number of real inputs in the window (false). */
  countIncludePad?: boolean;
}

/** Pooling defaults (PyTorch's): stride = kernel, padding 0, countIncludePad true; floor output size. */
export const DEFAULT_POOL2D = Object.freeze({ padding: 0, countIncludePad: true });

/** Resolved pooling window: kernel, stride and padding as [h, w] pairs. */
export interface PoolWindow {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** Checks pooling options (names, ranges, padding at most half the kernel); errors name `label`. */
export function validatePool2dOptions(options: Pool2dOptions, label = 'pool2d'): PoolWindow {
  check(options !== null && typeof options === 'object' && options.kernel !== undefined, `${label}: options.kernel is required.`);
  const known = ['kernel', 'stride', 'padding', 'countIncludePad'];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  check(unknown.length === 0, `${label}: unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}.`, { unknown });
  check(
    options.countIncludePad === undefined || typeof options.countIncludePad === 'boolean',
    `${label}: countIncludePad must be true or false, got ${JSON.stringify(options.countIncludePad)}.`,
  );
  const kernel = pair(options.kernel, `${label}: kernel`, 1);
  const stride = pair(options.stride ?? kernel, `${label}: stride`, 1);
  const padding = pair(options.padding ?? DEFAULT_POOL2D.padding, `${label}: padding`, 0);
  check(
    padding[0] <= kernel[0] / 2 && padding[1] <= kernel[1] / 2,
    `${label}: padding ${padding.join('x')} must be at most half the kernel ${kernel.join('x')}.`,
    { padding, kernel },
  );
  return { kernel, stride, padding };
}

/** Validates a pooling window over x [n, c, h, w]; errors name `label`. */
export function pool2dGeometry(x: Shape, options: Pool2dOptions, label = 'pool2d'): WindowGeometry {
  const { kernel, stride, padding } = validatePool2dOptions(options, label);
  return windowGeometry(label, x, kernel, stride, padding);
}

/** Options of the pooling backward passes. */
export interface Pool2dBackwardOptions {
  /** The output of a ReLU whose output was pooled (the pool's input, [n, c, h, w]): the returned
   * gradient is multiplied by (reluOutput > 0), the ReLU's backward fused (same bits as reluBackward after). */
  reluOutput?: Tensor;
}

/** Max pooling: y [n, c, oh, ow] and argmax (window positions ky*kw + kx as exact f32) for the backward pass. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): { y: Tensor; argmax: Tensor } {
  const g = pool2dGeometry(x.shape, options, 'maxPool2d');
  const input = x.buffer;
  const y = Tensor.empty(x.gpu, [g.n, g.c, g.oh, g.ow]);
  const argmax = Tensor.empty(x.gpu, y.shape);
  const [gx, gy] = grid(x, y.size);
  x.gpu.run({
    shader: 'max_pool2d',
    label: `maxPool2d [${x.shape}]`,
    constants: { ...windowConstants(g), PADDED: g.ph > 0 || g.pw > 0 },
    bindings: { X: { buffer: input, bytes: x.bytes }, Y: y, Arg: argmax },
    params: { planes: g.n * g.c, h: g.h, w: g.w, ph: g.ph, pw: g.pw, oh: g.oh, ow: g.ow, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
  return { y, argmax };
}

/** Input elements one invocation of max_pool2d_backward.wgsl gathers (its RUN). */
const MAX_POOL_BACKWARD_RUN = 8;

/**
 * dL/dx [n, c, h, w] of max pooling: dy [n, c, oh, ow] routed to each window's recorded argmax.
 * Windows that do not overlap (stride >= kernel) take one invocation per window
 * (max_pool2d_backward_windows.wgsl), others the gather over covering windows; the same bits.
 */
export function maxPool2dBackward(dy: Tensor, argmax: Tensor, g: WindowGeometry, options: Pool2dBackwardOptions = {}): Tensor {
  checkOutput('maxPool2dBackward', dy, g);
  checkOutput('maxPool2dBackward (argmax)', argmax, g);
  const mask = reluMask('maxPool2dBackward', options, g);
  const [dyb, argb] = [dy.buffer, argmax.buffer]; // throw E_DISPOSED before anything is allocated
  const dx = Tensor.empty(dy.gpu, [g.n, g.c, g.h, g.w]);
  const bindings = { DY: { buffer: dyb, bytes: dy.bytes }, Arg: { buffer: argb, bytes: argmax.bytes }, Mask: mask ?? dy, DX: dx };
  const constants = { ...windowConstants(g), MASK: mask !== null };
  const label = `maxPool2d backward${mask ? ' + reluBackward' : ''} [${dx.shape}]`;
  const planes = g.n * g.c;
  if (g.sh >= g.kh && g.sw >= g.kw) {
    const [gx, gy] = grid(dy, planes * g.oh * g.ow);
    dy.gpu.run({
      shader: 'max_pool2d_backward_windows',
      label,
      constants,
      bindings,
      params: { planes, h: g.h, w: g.w, ph: g.ph, pw: g.pw, oh: g.oh, ow: g.ow, rowStride: gx * 64 },
      workgroups: [gx, gy],
    });
    return dx;
  }
  const runs = Math.ceil(g.w / MAX_POOL_BACKWARD_RUN);
  const [gx, gy] = grid(dy, planes * g.h * runs);
  dy.gpu.run({
    shader: 'max_pool2d_backward',
    label,
    constants,
    bindings,
    params: { planes, h: g.h, w: g.w, ph: g.ph, pw: g.pw, oh: g.oh, ow: g.ow, rowStride: gx * 64, runs },
    workgroups: [gx, gy],
  });
  return dx;
}

/** Average pooling: y [n, c, oh, ow]. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = pool2dGeometry(x.shape, options, 'avgPool2d');
  return avgForward(x, g, options.countIncludePad ?? DEFAULT_POOL2D.countIncludePad, [g.n, g.c, g.oh, g.ow]);
}

/** dL/dx [n, c, h, w] of average pooling with the same options as the forward pass. */
export function avgPool2dBackward(
  dy: Tensor,
  g: WindowGeometry,
  countIncludePad: boolean = DEFAULT_POOL2D.countIncludePad,
  options: Pool2dBackwardOptions = {},
): Tensor {
  checkOutput('avgPool2dBackward', dy, g);
  return avgBackward(dy, g, countIncludePad, reluMask('avgPool2dBackward', options, g));
}

/** Global average pooling: x [n, c, h, w] -> [n, c] (the mean over each channel's plane). */
export function globalAvgPool(x: Tensor): Tensor {
  const g = globalGeometry(x.shape, 'globalAvgPool');
  return avgForward(x, g, true, [g.n, g.c]);
}

/** dL/dx [n, c, h, w] of global average pooling from dy [n, c]: dy / (h*w) at every position. */
export function globalAvgPoolBackward(dy: Tensor, xShape: Shape): Tensor {
  const g = globalGeometry(xShape, 'globalAvgPoolBackward');
  if (dy.shape.length !== 2 || dy.shape[0] !== g.n || dy.shape[1] !== g.c) {
    throw new NtkError('E_SHAPE_MISMATCH', `globalAvgPoolBackward: dy [${dy.shape}] must be [${g.n}, ${g.c}].`);
  }
  return avgBackward(dy, g, true, null);
}

function globalGeometry(x: Shape, label: string): WindowGeometry {
  if (x.length !== 4) throw new NtkError('E_SHAPE_MISMATCH', `${label}: input [${x}] must be 4-D [n, c, h, w] (NCHW).`);
  return windowGeometry(label, x, [x[2], x[3]], 1, 0);
}

function avgForward(x: Tensor, g: WindowGeometry, countIncludePad: boolean, outShape: number[]): Tensor {
  const input = x.buffer;
  const y = Tensor.empty(x.gpu, outShape);
  const [gx, gy] = grid(x, y.size);
  x.gpu.run({
    shader: 'avg_pool2d',
    label: `avgPool2d [${x.shape}]`,
    constants: { COUNT_INCLUDE_PAD: countIncludePad },
    bindings: { X: { buffer: input, bytes: x.bytes }, Y: y },
    params: poolParams(g, gx),
    workgroups: [gx, gy],
  });
  return y;
}

function avgBackward(dy: Tensor, g: WindowGeometry, countIncludePad: boolean, mask: Tensor | null): Tensor {
  const dyb = dy.buffer;
  const dx = Tensor.empty(dy.gpu, [g.n, g.c, g.h, g.w]);
  const [gx, gy] = grid(dy, dx.size);
  dy.gpu.run({
    shader: 'avg_pool2d_backward',
    label: `avgPool2d backward${mask ? ' + reluBackward' : ''} [${dx.shape}]`,
    constants: { COUNT_INCLUDE_PAD: countIncludePad, MASK: mask !== null },
    bindings: { DY: { buffer: dyb, bytes: dy.bytes }, Mask: mask ?? dy, DX: dx },
    params: poolParams(g, gx),
    workgroups: [gx, gy],
  });
  return dx;
}

function checkOutput(op: string, t: Tensor, g: WindowGeometry): void {
  const expected = [g.n, g.c, g.oh, g.ow];
  if (t.shape.length !== 4 || t.shape.some((d, i) => d !== expected[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `${op}: [${t.shape}] must match the pooled output [${expected}].`);
  }
}

/** The reluOutput of `options` after checking it has the pool input's shape (its buffer read: E_DISPOSED first), or null. */
function reluMask(op: string, options: Pool2dBackwardOptions, g: WindowGeometry): Tensor | null {
  const mask = options.reluOutput;
  if (mask === undefined) return null;
  const expected = [g.n, g.c, g.h, g.w];
  if (mask.shape.length !== 4 || mask.shape.some((d, i) => d !== expected[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `${op}: reluOutput [${mask.shape}] must match the pooled input [${expected}].`);
  }
  void mask.buffer;
  return mask;
}

/** The compile-time window of the max-pooling shaders (one pipeline per window shape). */
function windowConstants(g: WindowGeometry) {
  return { KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw };
}

function grid(t: Tensor, threads: number): [number, number] {
  return grid2d(Math.ceil(threads / 64), t.gpu.limits.maxComputeWorkgroupsPerDimension);
}

/** The Params of the average-pooling shaders (avg_pool2d, avg_pool2d_backward). */
function poolParams(g: WindowGeometry, groupsX: number) {
  return {
    planes: g.n * g.c,
    h: g.h,
    w: g.w,
    kh: g.kh,
    kw: g.kw,
    sh: g.sh,
    sw: g.sw,
    ph: g.ph,
    pw: g.pw,
    oh: g.oh,
    ow: g.ow,
    rowStride: groupsX * 64,
  };
}
