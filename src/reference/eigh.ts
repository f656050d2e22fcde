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
  const m = Float64Array.from(a);
  let normA = 0;
  for (let i = 0; i < n * n; i++) normA += m[i] * m[i];
  // Row i of (A V)ᵀ is A·v_i (A symmetric), so both checks are products of rows with rows.
  const av = rowProducts(vectors, m, k, n, n);
  let res = 0;
  for (let r = 0; r < k; r++) for (let i = 0; i < n; i++) res += (av[r * n + i] - values[r] * vectors[r * n + i]) ** 2;
  const gram = rowProducts(vectors, vectors, k, k, n);
  let orth = 0;
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) orth += (gram[r * k + c] - (r === c ? 1 : 0)) ** 2;
  return { residual: normA === 0 ? Math.sqrt(res) : Math.sqrt(res / normA), orthogonality: Math.sqrt(orth) };
}

/** X Yᵀ for row-major X (p x len) and Y (q x len), four rows of X at a time (p x q result). */
function rowProducts(x: Float64Array, y: Float64Array, p: number, q: number, len: number): Float64Array {
  const out = new Float64Array(p * q);
  for (let r = 0; r < p; r += 4) {
    const rows = Math.min(4, p - r);
    const x0 = x.subarray(r * len, (r + 1) * len);
    const x1 = rows > 1 ? x.subarray((r + 1) * len, (r + 2) * len) : x0;
    const x2 = rows > 2 ? x.subarray((r + 2) * len, (r + 3) * len) : x0;
    const x3 = rows > 3 ? x.subarray((r + 3) * len, (r + 4) * len) : x0;
    for (let c = 0; c < q; c++) {
      const yc = y.subarray(c * len, (c + 1) * len);
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < len; j++) {
        const v = yc[j];
        s0 += x0[j] * v;
        s1 += x1[j] * v;
        s2 += x2[j] * v;
        s3 += x3[j] * v;
      }
      const sums = [s0, s1, s2, s3];
      for (let t = 0; t < rows; t++) out[(r + t) * q + c] = sums[t];
    }
  }
  return out;
}
