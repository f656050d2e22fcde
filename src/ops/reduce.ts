// Deterministic sums on the device (shaders/reduce_sum.wgsl): row sums of a [rows, n] tensor
// by repeated passes of fixed-order 1024-element workgroup reductions. No atomics. Also the
// mean, the sum of squares (gradient norms) and the count of NaN/Inf elements (input checks).

import { shaderCodes } from '../device/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { map } from './map.js';

const CHUNK = 1024;

/** Sums over the last axis: x [..., n] -> [...] (a 1-D x gives shape [1]). */
export function sumLastAxis(x: Tensor): Tensor {
  const n = x.shape[x.shape.length - 1];
  return sumRows(x, x.size / n, n, x.shape.length > 1 ? x.shape.slice(0, -1) : [1]);
}

/** Sum of all elements, shape [1]. */
export function sumAll(x: Tensor): Tensor {
  return sumRows(x, 1, x.size, [1]);
}

/** Mean of all elements, shape [1] (the fixed-order sum times 1/size). */
export function meanAll(x: Tensor): Tensor {
  const s = sumAll(x);
  const m = map(s, 'affine', 1 / x.size, 0);
  s.dispose();
  return m;
}

/** Per-sample squared L2 norms: x [n, ...] -> [n] (l2 attacks). */
export function rowSumSquares(x: Tensor): Tensor {
  const n = x.shape[0];
  return sumRows(x, n, x.size / n, [n], REDUCE_MODES.square);
}

/** Σ x², shape [1] (squared L2 norm; gradient clipping). */
export function sumSquares(x: Tensor): Tensor {
  return sumRows(x, 1, x.size, [1], REDUCE_MODES.square);
}

/** Number of NaN or ±Inf elements, shape [1] (exact below 2^24). */
export function countNonFinite(x: Tensor): Tensor {
  return sumRows(x, 1, x.size, [1], REDUCE_MODES.nonFinite);
}

/** The element transforms of reduce_sum.wgsl's first pass: its MODE_* constants (the MODE override), read by the build. */
const REDUCE_MODES = shaderCodes('reduce_sum').MODE;

/** Row sums of x's data read as [rows, n] (elements transformed by `mode` on load), shaped `outShape`. */
function sumRows(x: Tensor, rows: number, n: number, outShape: readonly number[], mode: number = REDUCE_MODES.sum): Tensor {
  const gpu = x.gpu;
  void x.buffer; // throws E_DISPOSED before anything is allocated
  let current = x;
  let width = n;
  do {
    const groups = Math.ceil(width / CHUNK);
    const next = Tensor.empty(gpu, groups === 1 ? outShape : [rows, groups]);
    const maxRows = gpu.limits.maxComputeWorkgroupsPerDimension;
    for (let rowOffset = 0; rowOffset < rows; rowOffset += maxRows) {
      gpu.run({
        shader: 'reduce_sum',
        label: `sum [${rows}, ${width}]`,
        constants: current === x && mode !== REDUCE_MODES.sum ? { MODE: mode } : {},
        bindings: { X: current, Out: next },
        params: { n: width, groups, rowOffset },
        workgroups: [groups, Math.min(maxRows, rows - rowOffset)],
      });
    }
    if (current !== x) current.dispose();
    current = next;
    width = groups;
  } while (width > 1);
  return current;
}
