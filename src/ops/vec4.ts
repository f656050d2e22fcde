// Tensors bound as arrays of vec4<f32>, for shaders that handle 4 elements per invocation (map,
// binary, attack step, SGD update): the binding covers the elements rounded up to whole vec4s, which every pooled buffer
// holds (its size is a multiple of 16 bytes, device/buffers.ts).

import type { Bound } from '../device/dispatch.js';
import { check } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** `t`'s buffer bound as ceil(size / 4) whole vec4s; throws E_DISPOSED after dispose(). */
export function vec4Bound(t: Tensor): Bound {
  const buffer = t.buffer;
  const bytes = 16 * Math.ceil(t.size / 4);
  if (buffer.size < bytes) check(false, `tensor [${t.shape}]: a buffer of ${buffer.size} bytes cannot hold ${bytes} bytes of whole vec4s.`);
  return { buffer, bytes };
}
