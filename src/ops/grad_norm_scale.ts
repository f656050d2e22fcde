// Gradient clipping by global L2 norm, computed on the device (shaders/grad_norm_scale.wgsl):
// per-tensor sums of squares gathered into one buffer, then one fixed-order total. The result
// feeds sgdUpdate's clip scale, so clipping costs no readback.

import { check } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { sumSquares } from './reduce.js';

/**
 * Returns a [2] tensor: [min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖] where ‖g‖ is the L2 norm of all
 * `grads` concatenated (torch.nn.utils.clip_grad_norm_'s factor). Deterministic.
 */
export function gradNormScale(grads: readonly Tensor[], maxNorm: number): Tensor {
  check(grads.length > 0, 'gradNormScale: no gradients given');
  check(Number.isFinite(maxNorm) && maxNorm > 0, `gradNormScale: maxNorm must be a finite number > 0, got ${maxNorm}`);
  const gpu = grads[0].gpu;
  const partials = Tensor.empty(gpu, [grads.length]);
  grads.forEach((g, k) => {
    const s = sumSquares(g);
    gpu.copy(s.buffer, 0, partials.buffer, 4 * k, 4);
    s.dispose();
  });
  const out = Tensor.empty(gpu, [2]);
  gpu.run({
    shader: 'grad_norm_scale',
    label: `gradNormScale over ${grads.length} tensors`,
    bindings: { Partials: partials, Out: out },
    params: { count: grads.length, maxNorm },
    workgroups: [1],
  });
  partials.dispose();
  return out;
}
