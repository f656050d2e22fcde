// Matrix multiply on the device (shaders/matmul.wgsl): C = op(A) op(B), optionally batched
// over a leading dimension and with either operand transposed. Shapes are checked up front.

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { packParams } from './params.js';

export interface MatmulOptions {
  /** Use Aᵀ: A is stored [K, M] (or [batch, K, M]). Default false. */
  transA?: boolean;
  /** Use Bᵀ: B is stored [N, K] (or [batch, N, K]). Default false. */
  transB?: boolean;
}

const TILE = 64;

/**
 * C = op(A) · op(B). A: [M, K] or [batch, M, K] (transposed: [.., K, M]); B: [K, N] or
 * [batch, K, N] (transposed: [.., N, K]); a 2-D B is shared by every batch entry.
 * Returns C: [M, N] or [batch, M, N]. f32 throughout, accumulation in f32.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false } = options;
  if (a.gpu !== b.gpu) throw new NtkError('E_INVALID_ARGUMENT', 'matmul: A and B live on different Gpu objects.');
  if (a.shape.length < 2 || a.shape.length > 3 || b.shape.length < 2 || b.shape.length > 3) {
    throw new NtkError('E_SHAPE_MISMATCH', `matmul: A [${a.shape}] and B [${b.shape}] must be 2-D or 3-D (batched).`);
  }
  const batch = a.shape.length === 3 ? a.shape[0] : 1;
  const bBatch = b.shape.length === 3 ? b.shape[0] : 1;
  if (b.shape.length === 3 && bBatch !== batch) {
    throw new NtkError('E_SHAPE_MISMATCH', `matmul: batch sizes differ: A [${a.shape}] vs B [${b.shape}].`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [K2, N] = transB ? [bc, br] : [br, bc];
  if (K !== K2) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `matmul: inner dimensions differ: op(A) is ${M}x${K} but op(B) is ${K2}x${N} (A [${a.shape}], B [${b.shape}], ` +
        `transA=${transA}, transB=${transB}).`,
      { a: [...a.shape], b: [...b.shape], transA, transB },
    );
  }
  const gpu = a.gpu;
  const [bufferA, bufferB] = [a.buffer, b.buffer]; // throw E_DISPOSED before anything is allocated
  const out = Tensor.empty(gpu, a.shape.length === 3 ? [batch, M, N] : [M, N]);
  gpu.run({
    shader: 'matmul',
    label: `matmul ${M}x${K}x${N}${batch > 1 ? ` x${batch}` : ''}`,
    constants: { TRANS_A: transA, TRANS_B: transB },
    storage: [
      { buffer: bufferA, bytes: a.bytes },
      { buffer: bufferB, bytes: b.bytes },
      { buffer: out.buffer, bytes: out.bytes },
    ],
    params: packParams([
      ['u32', M], ['u32', N], ['u32', K], ['u32', batch],
      ['u32', M * K], ['u32', b.shape.length === 3 ? K * N : 0], ['u32', M * N], ['u32', 0],
    ]),
    workgroups: [Math.ceil(N / TILE), Math.ceil(M / TILE), batch],
  });
  return out;
}
