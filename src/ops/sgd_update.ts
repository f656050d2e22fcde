// The in-place SGD step for one parameter tensor (shaders/sgd_update.wgsl): momentum, Nesterov
// and coupled weight decay as in torch.optim.SGD (dampening 0), with the gradient scaled by a
// device-side clipping factor. One dispatch per parameter, 4 elements per invocation; nothing is
// read back.

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';
import { vec4Bound } from './vec4.js';

/** The hyper-parameters of one sgdUpdate. */
export interface SgdUpdateParams {
  /** Step size (> 0 for learning; 0 leaves weights unchanged apart from momentum bookkeeping). */
  lr: number;
  /** Momentum coefficient μ in [0, 1); 0 disables the velocity buffer. */
  momentum: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
  /** L2 coefficient added to the gradient: g + weightDecay * w. */
  weightDecay: number;
}

/**
 * weight -= lr * d, where g = grad * clipScale[0] + weightDecay * weight and d is g, the new
 * velocity v = μ v + g, or g + μ v (Nesterov). `velocity` (same shape as weight) is updated in
 * place and must be given when momentum > 0. `clipScale` is a device tensor whose element 0 scales
 * the gradient (see gradNormScale; a tensor holding 1 when not clipping).
 */
export function sgdUpdate(weight: Tensor, grad: Tensor, velocity: Tensor | null, clipScale: Tensor, p: SgdUpdateParams): void {
  if (grad.size !== weight.size || (velocity && velocity.size !== weight.size)) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `sgdUpdate: weight [${weight.shape}], grad [${grad.shape}] and velocity [${velocity?.shape ?? '-'}] must have the same size.`,
    );
  }
  const useMomentum = p.momentum !== 0;
  if (useMomentum && !velocity) throw new NtkError('E_INVALID_ARGUMENT', 'sgdUpdate: momentum > 0 needs a velocity tensor.');
  const gpu = weight.gpu;
  void [weight.buffer, grad.buffer, clipScale.buffer]; // throw E_DISPOSED before anything is allocated
  const unusedVelocity = useMomentum ? null : Tensor.empty(gpu, [4]); // bound, never read
  const v = velocity && useMomentum ? velocity : (unusedVelocity as Tensor);
  const [W, G, V] = [weight, grad, v].map(vec4Bound);
  const [gx, gy] = grid2d(Math.ceil(weight.size / 256), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'sgd_update',
    label: `sgdUpdate [${weight.shape}]`,
    constants: { MOMENTUM: useMomentum, NESTEROV: useMomentum && p.nesterov },
    bindings: { G, Clip: { buffer: clipScale.buffer, bytes: 4 }, W, V },
    params: { n: weight.size, rowStride: gx * 64, lr: p.lr, momentum: p.momentum, weightDecay: p.weightDecay },
    workgroups: [gx, gy],
  });
  unusedVelocity?.dispose();
}
