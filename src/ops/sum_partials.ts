// Fixed-order sum of G partial results (shaders/sum_partials.wgsl): the deterministic second
// half of split-K kernels such as the batch-summed conv2d weight gradient.

import { Tensor } from '../tensor/tensor.js';
import { grid2d, packParams } from './params.js';

/**
 * out[l] = Σ_g partials[g, l] for partials viewed as [G, L] (g ascending). With `into`, the sum
 * is added to `into` in place (`into` must hold L elements) and `into` is returned.
 */
export function sumPartials(partials: Tensor, groups: number, outShape: readonly number[], into?: Tensor): Tensor {
  const gpu = partials.gpu;
  const L = partials.size / groups;
  const out = into ?? Tensor.empty(gpu, outShape);
  const [gx, gy] = grid2d(Math.ceil(L / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'sum_partials',
    label: `sum ${groups} partials of ${L}`,
    constants: { ACCUMULATE: into !== undefined },
    storage: [
      { buffer: partials.buffer, bytes: partials.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([['u32', L], ['u32', groups], ['u32', gx * 64], ['u32', 0]]),
    workgroups: [gx, gy],
  });
  return out;
}
