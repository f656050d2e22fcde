// conv2d on the device (NCHW, any kernel size, stride, zero padding): forward, input gradient,
// weight gradient (batch-summed or per sample) and bias gradient. Two paths, following the adapter's
// measured GEMM variant (ops/program_choice.ts): im2col operands on the GEMM core with a block variant
// (ops/conv2d_im2col.ts), the implicit GEMMs with the tiled one (ops/conv2d_implicit.ts); the NTK's
// pieces are in ntk/conv2d_factors.ts. Every sum has a fixed order: results are deterministic.

import { NtkError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { channelSum, channelSumInto } from './channel_sum.js';
import { conv2dInputGradIm2col, conv2dIm2col, conv2dWeightGradIm2col } from './conv2d_im2col.js';
import { checkGradShape, conv2dGeometry, useIm2col, type Conv2dGeometry, type Conv2dOptions } from './conv2d_geometry.js';
import { conv2dImplicit, conv2dInputGradImplicit, conv2dWeightGradImplicit } from './conv2d_implicit.js';
import { sumLastAxis } from './reduce.js';

export {
  conv2dGeometry,
  conv2dOutputShape,
  DEFAULT_CONV2D,
  type Conv2dGeometry,
  type Conv2dPath,
  type Conv2dOptions,
} from './conv2d_geometry.js';

/**
 * y [n, cout, oh, ow] = x [n, cin, h, w] ⋆ weight [cout, cin, kh, kw] + bias [cout] (optional),
 * followed by max(y, 0) with `relu` (in the GEMM's store: the bits of map(y, 'relu') after it).
 * f32 with f32 accumulation over cin*kh*kw terms in a fixed order.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions & { relu?: boolean } = {}): Tensor {
  const { relu = false, ...geometry } = options;
  if (typeof relu !== 'boolean')
    throw new NtkError('E_INVALID_ARGUMENT', `conv2d: relu must be true or false, got ${JSON.stringify(relu)}.`);
  const g = conv2dGeometry(x.shape, weight.shape, geometry);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.cout)) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2d: bias [${bias.shape}] must be [${g.cout}] (one per output channel).`);
  }
  return useIm2col(x.gpu, g) ? conv2dIm2col(x, weight, bias, g, relu) : conv2dImplicit(x, weight, bias, g, relu);
}

/**
 * dL/dx [n, cin, h, w] of conv2d from dy [n, cout, oh, ow]. On the GEMM core (im2col path) a
 * product Wᵀ·dY or dYᵀ·W per sample (see inputGradForm) then a col2im gather; otherwise a tiled
 * implicit GEMM, or for very few input channels (see conv2dInputGradProgram) one thread per input element.
 */
export function conv2dBackwardInput(dy: Tensor, weight: Tensor, g: Conv2dGeometry): Tensor {
  checkGradShape('conv2dBackwardInput', dy.shape, g);
  return useIm2col(dy.gpu, g) ? conv2dInputGradIm2col(dy, weight, g) : conv2dInputGradImplicit(dy, weight, g);
}

/**
 * dL/dweight of conv2d from x [n, cin, h, w] and dy [n, cout, oh, ow]: [cout, cin, kh, kw]
 * summed over the batch, or with `perSample` [n, cout, cin, kh, kw] (row i is sample i's
 * gradient). Every sum runs in a fixed order (see conv2dWeightGradPlan for the two programs);
 * the GEMM's batch sum adds its sample-group partials in group order.
 * With `into` (batch sum only), the gradient is added to `into` in place and `into` is returned.
 */
export function conv2dBackwardWeight(x: Tensor, dy: Tensor, g: Conv2dGeometry, perSample = false, into?: Tensor): Tensor {
  checkGradShape('conv2dBackwardWeight', dy.shape, g);
  if (x.shape.length !== 4 || x.shape[0] !== g.n || x.shape[1] !== g.c || x.shape[2] !== g.h || x.shape[3] !== g.w) {
    throw new NtkError('E_SHAPE_MISMATCH', `conv2dBackwardWeight: x [${x.shape}] must be [${g.n}, ${g.c}, ${g.h}, ${g.w}].`);
  }
  if (into && (perSample || into.size !== g.cout * g.c * g.kh * g.kw)) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `conv2dBackwardWeight: accumulation target [${into.shape}] must be [${[g.cout, g.c, g.kh, g.kw]}] (batch sum only).`,
    );
  }
  return useIm2col(x.gpu, g) ? conv2dWeightGradIm2col(x, dy, g, perSample, into) : conv2dWeightGradImplicit(x, dy, g, perSample, into);
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
