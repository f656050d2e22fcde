// Elementwise binary ops on the device (shaders/binary.wgsl): add, sub, mul and the ReLU
// backward mask, with B broadcast when its shape is a suffix of A's (a scalar [1] included).

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d, packParams } from './params.js';

/** The binary functions, with their shader codes (the OP override of binary.wgsl). */
export const BINARY_OPS = {
  add: 0,
  sub: 1,
  mul: 2,
  reluBackward: 3, // a where b > 0, else 0
} as const;

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
  const [bufferA, bufferB] = [a.buffer, b.buffer]; // throw E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, a.shape);
  const [gx, gy] = grid2d(Math.ceil(a.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'binary',
    label: `${op} [${a.shape}] [${b.shape}]`,
    constants: { OP: BINARY_OPS[op] },
    storage: [
      { buffer: bufferA, bytes: a.bytes },
      { buffer: bufferB, bytes: b.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([['u32', a.size], ['u32', gx * 64], ['u32', b.size], ['u32', 0]]),
    workgroups: [gx, gy],
  });
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
