// Elementwise unary functions on the device (shaders/map.wgsl, 4 elements per invocation), one
// pipeline per function selected by the OP override constant; the functions and their codes are
// the shader's OP_* table.

import { check } from '../errors.js';
import { shaderCodes } from '../device/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';
import { vec4Bound } from './vec4.js';

/** The functions map() knows, with their shader codes: the OP_* constants of shaders/map.wgsl (affine:
 * alpha * x + beta, clamp: clamp(x, alpha, beta), reciprocal: alpha / x), read by the build. */
export const MAP_OPS = shaderCodes('map').OP;

/** An elementwise unary operation (a key of MAP_OPS). */
export type MapOp = keyof typeof MAP_OPS;

/** y = f(x) elementwise; `alpha`/`beta` parameterise `affine` (alpha*x+beta), `clamp` ([alpha, beta]) and `reciprocal` (alpha/x). */
export function map(x: Tensor, op: MapOp, alpha = 1, beta = 0): Tensor {
  check(op in MAP_OPS, `map: unknown op "${op}"; use one of ${Object.keys(MAP_OPS).join(', ')}.`);
  const gpu = x.gpu;
  const input = vec4Bound(x); // throws E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, x.shape);
  const [gx, gy] = grid2d(Math.ceil(x.size / 256), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'map',
    label: `map ${op} [${x.shape}]`,
    constants: { OP: MAP_OPS[op] },
    bindings: { X: input, Y: vec4Bound(out) },
    params: { n: x.size, rowStride: gx * 64, alpha, beta },
    workgroups: [gx, gy],
  });
  return out;
}
