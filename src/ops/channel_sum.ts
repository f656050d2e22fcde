// Per-channel sums over the batch and spatial positions (shaders/channel_sum.wgsl), batch-summed
// or per sample: the bias gradient of conv2d and other per-channel reductions. Deterministic.

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { packParams } from './params.js';

/**
 * Sums x [n, c, ...spatial] over everything but the channel axis: returns [c], or with
 * `perSample` [n, c] (sums over the spatial positions of each sample).
 */
export function channelSum(x: Tensor, perSample = false): Tensor {
  if (x.shape.length < 2) {
    throw new NtkError('E_SHAPE_MISMATCH', `channelSum: input [${x.shape}] must be [n, c, ...] with at least 2 axes.`);
  }
  const [n, c] = x.shape;
  const L = x.size / (n * c);
  const gpu = x.gpu;
  const input = x.buffer; // throws E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, perSample ? [n, c] : [c]);
  gpu.run({
    shader: 'channel_sum',
    label: `channelSum [${x.shape}]${perSample ? ' per sample' : ''}`,
    storage: [
      { buffer: input, bytes: x.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([['u32', n], ['u32', c], ['u32', L], ['u32', perSample ? 1 : n]]),
    workgroups: [c, perSample ? n : 1],
  });
  return out;
}
