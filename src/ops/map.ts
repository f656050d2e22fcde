// Elementwise unary functions on the device (shaders/map.wgsl), one pipeline per function
// selected by the OP override constant.

import { check } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d, packParams } from './params.js';

/** The functions map() knows, with their shader codes. */
export const MAP_OPS = {
  affine: 0, // alpha * x + beta
  relu: 1,
  exp: 2,
  log: 3,
  tanh: 4,
  abs: 5,
  square: 6,
  sqrt: 7,
  sigmoid: 8,
  sign: 9,
  clamp: 10, // clamp(x, alpha, beta)
  reciprocal: 11, // alpha / x
} as const;

/** An elementwise unary operation (a key of MAP_OPS). */
export type MapOp = keyof typeof MAP_OPS;

/** y = f(x) elementwise; `alpha`/`beta` parameterise `affine` (alpha*x+beta), `clamp` ([alpha, beta]) and `reciprocal` (alpha/x). */
export function map(x: Tensor, op: MapOp, alpha = 1, beta = 0): Tensor {
  check(op in MAP_OPS, `map: unknown op "${op}"; use one of ${Object.keys(MAP_OPS).join(', ')}.`);
  const gpu = x.gpu;
  const input = x.buffer; // throws E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, x.shape);
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'map',
    label: `map ${op} [${x.shape}]`,
    constants: { OP: MAP_OPS[op] },
    storage: [
      { buffer: input, bytes: x.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([['u32', x.size], ['u32', gx * 64], ['f32', alpha], ['f32', beta]]),
    workgroups: [gx, gy],
  });
  return out;
}
