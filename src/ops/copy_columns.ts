// Strided row copies (shaders/copy_columns.wgsl, runs of 16 values): columns into a wider matrix,
// rows replicated or interleaved; the NTK assembles Jacobian rows and kernel blocks with it.

import type { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/**
 * Copies Src [rows, width] row r into Dst from element (r / group)·groupStride + (r % group)·stride
 * + offset on (shaders/copy_columns.wgsl, runs of 16 values); group 1: columns [offset, offset +
 * width) of a [rows, groupStride] matrix.
 */
export function copyColumns(
  src: Tensor,
  dst: Tensor,
  layout: { rows: number; width: number; group?: number; groupStride: number; stride?: number; offset: number },
  label: string,
): void {
  const gpu = src.gpu;
  const { rows, width, group = 1, groupStride, stride = 0, offset } = layout;
  const runs = Math.ceil(width / 16);
  const total = rows * runs;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'copy_columns',
    label,
    bindings: { Src: src, Dst: dst },
    params: { rows, width, group, groupStride, stride, offset, rowStride: gx * 64, runs, total },
    workgroups: [gx, gy],
  });
}
