// Float64 reference for matmul: the oracle for tests and benchmarks, never used as a fallback.

/** C = op(A) op(B) in float64; A is M x K (stored K x M when transA), B is K x N (N x K when transB). */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
  transA = false,
  transB = false,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = transA ? a[k * M + i] : a[i * K + k];
      if (aik === 0) continue;
      for (let j = 0; j < N; j++) c[i * N + j] += aik * (transB ? b[j * K + k] : b[k * N + j]);
    }
  }
  return c;
}
