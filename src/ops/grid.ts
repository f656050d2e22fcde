// The 2-D workgroup grid of 1-D work: ops spread many workgroups over x and y so no dimension
// exceeds the device's maxComputeWorkgroupsPerDimension (shaders index i = gid.x + gid.y * rowStride);
// and the bindings of shaders that work on whole vec4s.

import { check } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** Splits `groups` workgroups over x and y so neither exceeds `maxPerDim`. */
export function grid2d(groups: number, maxPerDim: number): [number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

/**
 * Bindings of `tensors` as arrays of whole vec4s covering `size` elements (shaders that update 4
 * elements per invocation): pooled buffers hold them (their sizes are multiples of 16 bytes); a
 * shorter buffer is an E_INVALID_ARGUMENT naming `label`.
 */
export function vec4Bindings(label: string, size: number, tensors: readonly Tensor[]): Array<{ buffer: GPUBuffer; bytes: number }> {
  const bytes = 16 * Math.ceil(size / 4);
  const bound = tensors.map((t) => ({ buffer: t.buffer, bytes }));
  const short = bound.find((b) => b.buffer.size < bytes);
  check(
    !short,
    `${label}: a buffer of ${short?.buffer.size} bytes cannot hold ${bytes} bytes of whole vec4s; use tensors from the buffer pool.`,
  );
  return bound;
}
