// Symmetric-matrix checks in WASM (float64): the symmetry defect used to reject asymmetric
// input before an eigen-decomposition, and symmetrisation of a nearly symmetric kernel.

import { NtkError } from '../errors.js';
import { withF64 } from './wasm.js';

/** Relative symmetry defect max|a_ij - a_ji| / max|a_ij| of a row-major n x n matrix; NaN if not finite. */
export async function symmetryDefect(a: Float64Array, n: number): Promise<number> {
  checkSquare(a, n);
  return withF64(a, (wasm, ptr) => wasm.symmetryDefect(ptr, n));
}

/** (A + Aᵀ)/2 as a new array. */
export async function symmetrize(a: Float64Array, n: number): Promise<Float64Array> {
  checkSquare(a, n);
  const out = new Float64Array(a.length);
  await withF64(a, (wasm, ptr) => wasm.symmetrize(ptr, n), out);
  return out;
}

function checkSquare(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new NtkError('E_SHAPE_MISMATCH', `expected an n x n matrix with n=${n} (${n * n} values), got ${a.length} values.`);
  }
}
