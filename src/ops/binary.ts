// Elementwise binary ops on the device (shaders/binary.wgsl, 4 elements per invocation): add,
// sub, mul and the ReLU backward mask, with B broadcast when its shape is a suffix of A's (a
// scalar [1] included).

import { NtkError } from '../errors.js';
import { shaderCodes } from '../device/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';
import { vec4Bound } from './vec4.js';

/** The binary functions, with their shader codes: the OP_* constants of shaders/binary.wgsl (the OP
 * override; reluBackward: a where b > 0, else 0), read by the build. */
export const BINARY_OPS = shaderCodes('binary').OP;

/** An elementwise binary operation (a key of BINARY_OPS). */
export type BinaryOp = keyof typeof BINARY_OPS;

/** a + b; b's shape equals a's, is a suffix of it (repeated over leading dims), or is [1]. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'add');
}

/** a - b, broadcasting b as in add(). */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'sub');
}

/** a * b elementwise, broadcasting b as in add(). */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(a, b, 'mul');
}

/** ReLU's input gradient: dy where x > 0, else 0 (x may be the ReLU's input or its output). */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  if (!sameShape(dy.shape, x.shape)) {
    throw new NtkError('E_SHAPE_MISMATCH', `reluBackward: dy [${dy.shape}] and x [${x.shape}] must have the same shape.`);
  }
  return binary(dy, x, 'reluBackward');
}

/** y = op(a, b) elementwise, b broadcast over a's leading dimensions. */
export function binary(a: Tensor, b: Tensor, op: BinaryOp): Tensor {
  if (!(op in BINARY_OPS)) {
    throw new NtkError('E_INVALID_ARGUMENT', `binary: unknown op "${op}"; use one of ${Object.keys(BINARY_OPS).join(', ')}.`);
  }
  const isSuffix = b.shape.length <= a.shape.length && sameShape(b.shape, a.shape.slice(a.shape.length - b.shape.length));
  if (!isSuffix && !(b.size === 1 && b.shape.length === 1)) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${op}: B [${b.shape}] does not broadcast to A [${a.shape}]; B's shape must be A's, a suffix of it, or [1].`,
      { a: [...a.shape], b: [...b.shape] },
    );
  }
  const gpu = a.gpu;
  const [A, B] = [vec4Bound(a), vec4Bound(b)]; // throw E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, a.shape);
  const [gx, gy] = grid2d(Math.ceil(a.size / 256), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'binary',
    label: `${op} [${a.shape}] [${b.shape}]`,
    constants: { OP: BINARY_OPS[op], BROADCAST: b.size !== a.size },
    bindings: { A, B, Y: vec4Bound(out) },
    params: { n: a.size, rowStride: gx * 64, nb: b.size },
    workgroups: [gx, gy],
  });
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
