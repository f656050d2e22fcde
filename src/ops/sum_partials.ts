// Fixed-order sum of G partial results (shaders/sum_partials.wgsl): the deterministic second
// half of split-K programs (matmul, conv2d weight gradients, channel and BatchNorm reductions).
// Long sums run as passes of at most LOOP_BUDGET groups (src/device/loop_budget.ts).

import { splitLoop } from '../device/loop_budget.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/**
 * out[l] = Σ_g partials[g, l] for partials viewed as [G, L] (g ascending). With `into`, the sum
 * is added to `into` in place (`into` must hold L elements) and `into` is returned.
 */
export function sumPartials(partials: Tensor, groups: number, outShape: readonly number[], into?: Tensor): Tensor {
  const out = into ?? Tensor.empty(partials.gpu, outShape);
  sumPartialsInto(partials, groups, out, into !== undefined);
  return out;
}

/** Writes (or with `accumulate` adds) Σ_g partials[g, l] into `out` (L elements). */
export function sumPartialsInto(partials: Tensor, groups: number, out: Tensor, accumulate: boolean): void {
  const gpu = partials.gpu;
  const L = partials.size / groups;
  const [gx, gy] = grid2d(Math.ceil(L / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  const { parts, perPart } = splitLoop(groups, 1);
  for (let pass = 0; pass < parts; pass++) {
    const g0 = pass * perPart;
    const count = Math.min(perPart, groups - g0);
    gpu.run({
      shader: 'sum_partials',
      label: `sum ${groups} partials of ${L}${parts > 1 ? ` (pass ${pass + 1} of ${parts})` : ''}`,
      constants: { ACCUMULATE: accumulate || pass > 0 },
      bindings: { P: partials, Out: out },
      params: { L, G: count, rowStride: gx * 64, g0 },
      workgroups: [gx, gy],
    });
  }
}
