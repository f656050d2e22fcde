// Strided row copies (shaders/copy_columns.wgsl, runs of 16 values): columns into a wider matrix,
// rows replicated or interleaved; the NTK assembles Jacobian rows and kernel blocks with it.

import type { Tensor } from '../tensor/tensor.js';
import { grid2d, packParams } from './params.js';

/**
 * Copies Src [rows, width] row r into Dst from element (r / group)·groupStride + (r % group)·stride
 * + offset on (shaders/copy_columns.wgsl, runs of 16 values); group 1: columns [offset, offset +
 * width) of a [rows, groupStride] matrix.
 */
export function copyColumns(
  src: Tensor, dst: Tensor, layout: { rows: number; width: number; group?: number; groupStride: number; stride?: number; offset: number }, label: string,
): void {
  const gpu = src.gpu;
  const { rows, width, group = 1, groupStride, stride = 0, offset } = layout;
  const runs = Math.ceil(width / 16);
  const total = rows * runs;
  const [gx, gy] = grid2d(Math.ceil(total / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'copy_columns',
    label,
    storage: [
      { buffer: src.buffer, bytes: src.bytes },
      { buffer: dst.buffer, bytes: dst.bytes },
    ],
    params: packParams([
      ['u32', rows], ['u32', width], ['u32', group], ['u32', groupStride],
      ['u32', stride], ['u32', offset], ['u32', gx * 64], ['u32', runs],
      ['u32', total], ['u32', 0], ['u32', 0], ['u32', 0],
    ]),
    workgroups: [gx, gy],
  });
}
