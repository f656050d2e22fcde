// conv2d's options and geometry (NCHW, any kernel size, stride, zero padding): the validated window
// over the input and the output channels, and which of the two paths (ops/conv2d_im2col.ts,
// ops/conv2d_implicit.ts) a convolution takes on an adapter.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import type { Shape } from '../tensor/tensor.js';
import { windowGeometry, type Pair, type WindowGeometry } from './geometry.js';

/**
 * How the forward pass and both gradients compute: 'im2col' (explicit im2col operands fed to the
 * register-blocked GEMM core of ops/matmul.ts, col2im for the input gradient: CPU adapters),
 * 'implicit' (the workgroup-memory implicit-GEMM shaders conv2d*.wgsl: GPUs), or 'auto' (the
 * adapter's measured choice, Gpu.programs.conv2d: im2col where a block GEMM variant won, else implicit).
 */
export type Conv2dPath = 'auto' | 'im2col' | 'implicit';

/** Options of conv2d. */
export interface Conv2dOptions {
  /** Step between windows, one value or [h, w]. Default 1. */
  stride?: Pair;
  /** Zero padding on each side, one value or [h, w]. Default 0. */
  padding?: Pair;
  /** Which path computes (tests and benchmarks); default 'auto'. */
  path?: Conv2dPath;
}

/** conv2d defaults (PyTorch's): stride 1, no padding. */
export const DEFAULT_CONV2D: Readonly<Required<Conv2dOptions>> = Object.freeze({ stride: 1, padding: 0, path: 'auto' });

/** Geometry of a convolution: the window over x [n, c=cin, h, w] and the output channels. */
export interface Conv2dGeometry extends WindowGeometry {
  cout: number;
  path: Conv2dPath;
}

/** Validates x [n, cin, h, w] against weight [cout, cin, kh, kw]; errors name `label`. */
export function conv2dGeometry(x: Shape, weight: Shape, options: Conv2dOptions = {}, label = 'conv2d'): Conv2dGeometry {
  if ('kernel' in options) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${label}: option \`kernel\` is now \`path\` ('auto', 'im2col' or 'implicit'); the window size comes from the weight.`,
      { option: 'kernel', renamed: 'path' },
    );
  }
  const { stride, padding, path } = { ...DEFAULT_CONV2D, ...options };
  if (!['auto', 'im2col', 'implicit'].includes(path)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${label}: path must be 'auto', 'im2col' or 'implicit', got ${JSON.stringify(path)}.`);
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
  return { ...g, cout, path };
}

/** Output shape [n, cout, oh, ow]. */
export function conv2dOutputShape(g: Conv2dGeometry): number[] {
  return [g.n, g.cout, g.oh, g.ow];
}

/** Whether a convolution of geometry g takes the im2col path on this Gpu (the option, else the measured choice). */
export function useIm2col(gpu: Gpu, g: Conv2dGeometry): boolean {
  return g.path === 'im2col' || (g.path === 'auto' && gpu.programs.conv2d === 'im2col');
}

/** E_SHAPE_MISMATCH naming `op` unless dy has the conv2d output's shape. */
export function checkGradShape(op: string, dy: Shape, g: Conv2dGeometry): void {
  const expected = conv2dOutputShape(g);
  if (dy.length !== 4 || dy.some((d, i) => d !== expected[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `${op}: dy [${dy}] must match the conv2d output [${expected}].`, {
      dy: [...dy],
      expected,
    });
  }
}
