// Deterministic sums on the device (shaders/reduce_sum.wgsl): row sums of a [rows, n] tensor
// by repeated passes of fixed-order 1024-element workgroup reductions. No atomics.

import { Tensor } from '../tensor/tensor.js';
import { packParams } from './params.js';

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

/** Row sums of x's data read as [rows, n], returned with shape `outShape`. */
function sumRows(x: Tensor, rows: number, n: number, outShape: readonly number[]): Tensor {
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
        storage: [
          { buffer: current.buffer, bytes: current.bytes },
          { buffer: next.buffer, bytes: next.bytes },
        ],
        params: packParams([['u32', width], ['u32', groups], ['u32', rowOffset], ['u32', 0]]),
        workgroups: [groups, Math.min(maxRows, rows - rowOffset)],
      });
    }
    if (current !== x) current.dispose();
    current = next;
    width = groups;
  } while (width > 1);
  return current;
}
