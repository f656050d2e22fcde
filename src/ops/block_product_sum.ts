// The last step of the NTK's structured conv contraction (shaders/ntk_block_product_sum.wgsl): the
// elementwise product of two Grams of pixel rows, summed over each P x P block, in a fixed order.

import type { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/**
 * out[i, j] = Σ_p Σ_q a[i·P + p, j·P + q] · b[i·P + p, j·P + q] for a and b [ma·P, mb·P] and out
 * [ma, mb] (written in place), summed in (p, q) order.
 */
export function blockProductSum(a: Tensor, b: Tensor, out: Tensor, P: number): void {
  const gpu = out.gpu;
  const [ma, mb] = out.shape;
  const [gx, gy] = grid2d(Math.ceil((ma * mb) / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'ntk_block_product_sum',
    label: `ntk structured conv term [${ma}x${P}, ${mb}x${P}]`,
    bindings: { A: a, B: b, Out: out },
    params: { ma, mb, P, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
}
