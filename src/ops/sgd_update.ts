// The in-place multi-tensor SGD step (shaders/sgd_update.wgsl): momentum, Nesterov and coupled
// weight decay as in torch.optim.SGD (dampening 0), the gradient scaled by a device-side clipping
// factor, velocities in one flat arena. One dispatch per SGD_SLOTS tensors; nothing is read back.

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d, packParams } from './params.js';

/** Tensors one dispatch updates: 2 + 2 * 3 storage bindings fit every WebGPU device's 8. */
export const SGD_SLOTS = 3;

/** The hyper-parameters of one sgdUpdate shared by its tensors. */
export interface SgdUpdateParams {
  /** Step size (> 0 for learning; 0 leaves weights unchanged apart from momentum bookkeeping). */
  lr: number;
  /** Momentum coefficient μ in [0, 1); 0 disables the velocity arena. */
  momentum: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
}

/** One tensor of an sgdUpdate: its weights (updated in place), gradient and L2 coefficient. */
export interface SgdTensor {
  weight: Tensor;
  grad: Tensor;
  /** Added to the gradient as weightDecay * w (0 for noDecay parameters). */
  weightDecay: number;
}

/**
 * For every tensor: weight -= lr * d, where g = grad * clipScale[0] + weightDecay * weight and d is g,
 * the new velocity v = μ v + g, or g + μ v (Nesterov). `velocity` is one flat arena holding the
 * tensors' velocities end to end in the order given (sum of their sizes), updated in place; it must
 * be given when momentum > 0. `clipScale` is a device tensor whose element 0 scales every gradient
 * (see gradNormScale; a tensor holding 1 when not clipping).
 */
export function sgdUpdate(tensors: readonly SgdTensor[], velocity: Tensor | null, clipScale: Tensor, p: SgdUpdateParams): void {
  const mismatch = tensors.find((t) => t.grad.size !== t.weight.size);
  if (mismatch) {
    throw new NtkError('E_SHAPE_MISMATCH', `sgdUpdate: weight [${mismatch.weight.shape}] and grad [${mismatch.grad.shape}] must have the same size.`);
  }
  const total = tensors.reduce((n, t) => n + t.weight.size, 0);
  const useMomentum = p.momentum !== 0;
  if (useMomentum && (!velocity || velocity.size !== total)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `sgdUpdate: momentum > 0 needs a velocity arena of ${total} elements (the tensors' sizes summed), got ${velocity ? `[${velocity.shape}]` : 'none'}.`,
    );
  }
  if (tensors.length === 0) return;
  const gpu = tensors[0].weight.gpu;
  void [clipScale.buffer, velocity?.buffer, ...tensors.flatMap((t) => [t.weight.buffer, t.grad.buffer])]; // E_DISPOSED before any work
  const unused: Tensor[] = []; // bound, never read: the arena without momentum, the empty slots of the last dispatch
  const placeholder = () => {
    const t = Tensor.empty(gpu, [1]);
    unused.push(t);
    return { buffer: t.buffer, bytes: 4 };
  };
  const v = useMomentum && velocity ? { buffer: velocity.buffer, bytes: velocity.bytes } : placeholder();
  let offset = 0; // of the chunk's first tensor in the arena
  for (let c = 0; c < tensors.length; c += SGD_SLOTS) {
    const chunk = tensors.slice(c, c + SGD_SLOTS);
    const start = [0, 0, 0, 0];
    const end = [0, 0, 0, 0];
    const voff = [0, 0, 0, 0];
    const decay = [0, 0, 0, 0];
    const storage = [{ buffer: clipScale.buffer, bytes: 4 }, v];
    for (let s = 0; s < SGD_SLOTS; s++) {
      const t = chunk[s];
      start[s] = s === 0 ? 0 : end[s - 1];
      end[s] = start[s] + (t ? t.weight.size : 0);
      voff[s] = offset + start[s];
      decay[s] = t ? t.weightDecay : 0;
      storage.push(...(t ? [{ buffer: t.weight.buffer, bytes: t.weight.bytes }, { buffer: t.grad.buffer, bytes: t.grad.bytes }] : [placeholder(), placeholder()]));
    }
    const [gx, gy] = grid2d(Math.ceil(end[SGD_SLOTS - 1] / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'sgd_update',
      label: `sgdUpdate ${chunk.map((t) => `[${t.weight.shape}]`).join(' ')}`,
      constants: { MOMENTUM: useMomentum, NESTEROV: useMomentum && p.nesterov },
      storage,
      params: packParams([
        ...start.map((x): ['u32', number] => ['u32', x]), ...end.map((x): ['u32', number] => ['u32', x]),
        ...voff.map((x): ['u32', number] => ['u32', x]), ...decay.map((x): ['f32', number] => ['f32', x]),
        ['u32', gx * 64], ['f32', p.lr], ['f32', p.momentum], ['u32', 0],
      ]),
      workgroups: [gx, gy],
    });
    offset += end[SGD_SLOTS - 1];
  }
  unused.forEach((t) => t.dispose());
}
