// Float64 reference for the symmetric eigen-solver: cyclic Jacobi rotations (an algorithm independent
// of the WASM solver's Householder + QL), and the residuals that judge any eigen-decomposition.
// Plain TypeScript, O(n³) per sweep: an oracle for tests at small n, never a fallback.

export interface EighReference {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row-major n x n; row i is the unit eigenvector of values[i]. */
  vectors: Float64Array;
  /** Sweeps used. */
  sweeps: number;
}

/**
 * Cyclic Jacobi (Jacobi 1846; the threshold strategy of Numerical Recipes §11.1 / Rutishauser 1966):
 * sweeps over all pairs p < q, each rotation zeroing a_pq, until every off-diagonal entry is zero or
 * negligible next to its diagonal entries. `a` is row-major symmetric n x n; it is not modified.
 */
export function jacobiEigenRef(a: ArrayLike<number>, n: number, maxSweeps = 60): EighReference {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let sweep = 0;
  for (; sweep < maxSweeps; sweep++) {
    let offSum = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) offSum += Math.abs(m[p * n + q]);
    if (offSum === 0) break;
    const threshold = sweep < 3 ? (0.2 * offSum) / (n * n) : 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        const g = 100 * Math.abs(apq);
        if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
        } else if (Math.abs(apq) > threshold) {
          rotate(m, v, n, p, q);
        }
      }
    }
  }
  if (sweep === maxSweeps) throw new Error(`jacobiEigenRef: no convergence in ${maxSweeps} sweeps`);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((col, row) => {
    for (let k = 0; k < n; k++) vectors[row * n + k] = v[k * n + col];
  });
  return { values, vectors, sweeps: sweep };
}

/** One Jacobi rotation A <- Pᵀ A P, V <- V P that zeroes a_pq (P: c on p,q diagonal, P_pq = s, P_qp = −s). */
function rotate(m: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = m[p * n + q];
  const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
  const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < n; k++) {
    const mkp = m[k * n + p];
    const mkq = m[k * n + q];
    m[k * n + p] = c * mkp - s * mkq;
    m[k * n + q] = s * mkp + c * mkq;
  }
  for (let k = 0; k < n; k++) {
    const mpk = m[p * n + k];
    const mqk = m[q * n + k];
    m[p * n + k] = c * mpk - s * mqk;
    m[q * n + k] = s * mpk + c * mqk;
  }
  m[p * n + q] = 0;
  m[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p];
    const vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

export interface EighResiduals {
  /** ‖A V − V diag(λ)‖_F / ‖A‖_F (0 when A = 0 and the residual is 0). */
  residual: number;
  /** ‖Vᵀ V − I‖_F over the k computed vectors (the k x k Gram matrix of the rows). */
  orthogonality: number;
}

/**
 * Residuals of k eigenpairs of the symmetric n x n matrix `a`: `values` (length k) and `vectors`
 * (row-major k x n, row i the eigenvector of values[i]). O(k n²) in float64.
 */
export function eighResiduals(a: ArrayLike<number>, n: number, values: Float64Array, vectors: Float64Array): EighResiduals {
  const k = values.length;
  let normA = 0;
  for (let i = 0; i < n * n; i++) normA += a[i] * a[i];
  let res = 0;
  const av = new Float64Array(n);
  for (let r = 0; r < k; r++) {
    const x = vectors.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const off = i * n;
      for (let j = 0; j < n; j++) s += a[off + j] * x[j];
      av[i] = s;
    }
    for (let i = 0; i < n; i++) res += (av[i] - values[r] * x[i]) ** 2;
  }
  let orth = 0;
  for (let r = 0; r < k; r++) {
    const x = vectors.subarray(r * n, (r + 1) * n);
    for (let c = r; c < k; c++) {
      const y = vectors.subarray(c * n, (c + 1) * n);
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i] * y[i];
      const dev = (s - (r === c ? 1 : 0)) ** 2;
      orth += r === c ? dev : 2 * dev;
    }
  }
  return { residual: normA === 0 ? Math.sqrt(res) : Math.sqrt(res / normA), orthogonality: Math.sqrt(orth) };
}
