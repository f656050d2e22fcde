// Matrix multiply on the device (shaders/matmul.wgsl): C = op(A) op(B), optionally batched
// over a leading dimension, with either operand transposed, into a new tensor or accumulated
// into an existing one. Shapes are checked up front.

import { splitLoop } from '../device/loop_budget.js';
import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { packParams } from './params.js';
import { sumPartialsInto } from './sum_partials.js';

export interface MatmulOptions {
  /** Use Aᵀ: A is stored [K, M] (or [batch, K, M]). Default false. */
  transA?: boolean;
  /** Use Bᵀ: B is stored [N, K] (or [batch, N, K]). Default false. */
  transB?: boolean;
}

const TILE = 64;
/** k values per step of matmul.wgsl's k loop. */
const BK = 16;
/** Loop iterations one k step may cost in matmul.wgsl (the step itself, the 4 tile loads and the
 * 16 multiply-add rounds, counting small inner loops as if not unrolled). */
const ITERATIONS_PER_STEP = 24;

/**
 * C = op(A) · op(B). A: [M, K] or [batch, M, K] (transposed: [.., K, M]); B: [K, N] or
 * [batch, K, N] (transposed: [.., N, K]); a 2-D B is shared by every batch entry.
 * Returns C: [M, N] or [batch, M, N]. f32 throughout, accumulation in f32.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { batch, M, N } = matmulShape(a, b, options);
  void [a.buffer, b.buffer]; // throw E_DISPOSED before anything is allocated
  const out = Tensor.empty(a.gpu, a.shape.length === 3 ? [batch, M, N] : [M, N]);
  dispatch(a, b, out, options, false);
  return out;
}

/**
 * Writes op(A) · op(B) into `out` (same shape as matmul() would return, any view of that size),
 * or adds it to `out` when `accumulate`: used to sum parameter gradients without a temporary.
 */
export function matmulInto(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions & { accumulate?: boolean } = {}): void {
  const { batch, M, N } = matmulShape(a, b, options);
  if (out.size !== batch * M * N) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `matmulInto: out [${out.shape}] has ${out.size} elements but the product is ${batch > 1 ? `${batch}x` : ''}${M}x${N}.`,
      { out: [...out.shape], batch, M, N },
    );
  }
  dispatch(a, b, out, options, options.accumulate ?? false);
}

function matmulShape(a: Tensor, b: Tensor, options: MatmulOptions): { batch: number; M: number; N: number; K: number } {
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
  return { batch, M, N, K };
}

function dispatch(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions, accumulate: boolean): void {
  const { transA = false, transB = false } = options;
  const { batch, M, N, K } = matmulShape(a, b, options);
  const gpu = a.gpu;
  // split-K under the loop budget: each part writes a [batch, M, N] slab, added in part order
  const { parts, perPart } = splitLoop(K, BK / ITERATIONS_PER_STEP, 0, BK);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts * batch, M, N]);
  gpu.run({
    shader: 'matmul',
    label: `matmul ${M}x${K}x${N}${batch > 1 ? ` x${batch}` : ''}${parts > 1 ? ` in ${parts} k-parts` : ''}${accumulate ? ' +=' : ''}`,
    constants: accumulate && parts === 1 ? { TRANS_A: transA, TRANS_B: transB, ACCUMULATE: true } : { TRANS_A: transA, TRANS_B: transB },
    storage: [
      { buffer: a.buffer, bytes: a.bytes },
      { buffer: b.buffer, bytes: b.bytes },
      { buffer: target.buffer, bytes: target.bytes },
    ],
    params: packParams([
      ['u32', M], ['u32', N], ['u32', K], ['u32', batch],
      ['u32', M * K], ['u32', b.shape.length === 3 ? K * N : 0], ['u32', M * N], ['u32', perPart],
    ]),
    workgroups: [Math.ceil(N / TILE), Math.ceil(M / TILE), batch * parts],
  });
  if (target === out) return;
  sumPartialsInto(target, parts, out, accumulate);
  target.dispose();
}
