// Per-channel affine maps on the device (shaders/channel_affine.wgsl) for tensors laid out
// [n, c, ...] (channel axis 1): y = x * scale[c] + shift[c]; bias add is the shift-only case.

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/**
 * y[o, c, i] = x[o, c, i] * scale[c] + shift[c] for x [n, c, ...] (any trailing dims); either
 * `scale` or `shift` ([c] each) may be null. Used by bias add, Normalize and BatchNorm in eval.
 */
export function channelAffine(x: Tensor, scale: Tensor | null, shift: Tensor | null): Tensor {
  if (x.shape.length < 2) {
    throw new NtkError('E_SHAPE_MISMATCH', `channelAffine: x [${x.shape}] needs a batch and a channel axis ([n, c, ...]).`);
  }
  const channels = x.shape[1];
  for (const [what, t] of [
    ['scale', scale],
    ['shift', shift],
  ] as const) {
    if (t && (t.shape.length !== 1 || t.shape[0] !== channels)) {
      throw new NtkError('E_SHAPE_MISMATCH', `channelAffine: ${what} [${t.shape}] must be [${channels}] for x [${x.shape}].`);
    }
  }
  const any = scale ?? shift;
  if (!any) throw new NtkError('E_INVALID_ARGUMENT', 'channelAffine: give a scale, a shift or both.');
  const gpu = x.gpu;
  void x.buffer; // throws E_DISPOSED before anything is allocated
  const scaleBinding = scale ?? any;
  const shiftBinding = shift ?? any;
  const out = Tensor.empty(gpu, x.shape);
  const inner = x.size / (x.shape[0] * channels);
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'channel_affine',
    label: `channelAffine [${x.shape}]`,
    constants: { HAS_SCALE: scale !== null, HAS_SHIFT: shift !== null },
    bindings: { X: x, Scale: scaleBinding, Shift: shiftBinding, Y: out },
    params: { n: x.size, rowStride: gx * 64, channels, inner },
    workgroups: [gx, gy],
  });
  return out;
}

/** y = x + b[c] over channel axis 1: dense [n, out] + [out] or conv [n, c, h, w] + [c]. */
export function biasAdd(x: Tensor, bias: Tensor): Tensor {
  return channelAffine(x, null, bias);
}
