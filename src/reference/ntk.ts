// Float64 reference NTK: for each sample alone and each logit, backpropagate a one-hot cotangent
// through a reference model and take the concatenated parameter gradients as a Jacobian row;
// kernels are then explicit dot products of rows. The oracle for src/ntk/kernel.ts.

import type { KernelKind } from '../ntk/kernel.js';
import type { RefLayer, RefTensor } from './layers.js';

/** Jacobian rows J[c][i] = ∇θ f_c(x_i) (float64, parameters concatenated in params() order). */
export function referenceJacobian(root: RefLayer, x: RefTensor): Float64Array[][] {
  const n = x.shape[0];
  const sampleSize = x.data.length / n;
  const rows: Float64Array[][] = [];
  for (let i = 0; i < n; i++) {
    const xi = { shape: [1, ...x.shape.slice(1)], data: x.data.slice(i * sampleSize, (i + 1) * sampleSize) };
    const logits = root.forward(xi);
    const C = logits.shape[1];
    for (let c = 0; c < C; c++) {
      for (const p of root.params()) p.grad.fill(0);
      if (c > 0) root.forward(xi);
      const dy = new Float64Array(C);
      dy[c] = 1;
      root.backward({ shape: [1, C], data: dy });
      (rows[c] ??= [])[i] = Float64Array.from(root.params().flatMap((p) => Array.from(p.grad)));
    }
  }
  return rows;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** The reference kernel of `kind` (see KernelKind) between x1 and x2, row-major float64. */
export function referenceNtk(root: RefLayer, x1: RefTensor, x2: RefTensor, kind: KernelKind, logit = 0): Float64Array {
  const J1 = referenceJacobian(root, x1);
  const J2 = referenceJacobian(root, x2);
  const C = J1.length;
  const [n1, n2] = [x1.shape[0], x2.shape[0]];
  if (kind === 'full') {
    const out = new Float64Array(n1 * C * n2 * C);
    for (let i = 0; i < n1; i++)
      for (let c = 0; c < C; c++)
        for (let j = 0; j < n2; j++)
          for (let d = 0; d < C; d++) {
            out[(i * C + c) * n2 * C + j * C + d] = dot(J1[c][i], J2[d][j]);
          }
    return out;
  }
  const out = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      if (kind === 'logit') out[i * n2 + j] = dot(J1[logit][i], J2[logit][j]);
      else if (kind === 'trace') out[i * n2 + j] = J1.reduce((s, rows, c) => s + dot(rows[i], J2[c][j]), 0) / C;
      else {
        const sum1 = J1.reduce((acc, rows) => acc.map((v, k) => v + rows[i][k]), new Float64Array(J1[0][i].length));
        const sum2 = J2.reduce((acc, rows) => acc.map((v, k) => v + rows[j][k]), new Float64Array(J2[0][j].length));
        out[i * n2 + j] = dot(sum1, sum2);
      }
    }
  }
  return out;
}

/**
 * The trace kernel with BatchNorm on the batch's statistics (`root` built with batchStats on, no
 * buffer update): x is one batch, and row J[c][i] = ∇θ f_c(x_i) is the gradient of one output of the
 * whole batch's forward pass (every sample enters it through the batch mean and variance).
 */
export function referenceBatchStatsNtk(root: RefLayer, x: RefTensor): Float64Array {
  const n = x.shape[0];
  const rows: Float64Array[][] = [];
  let C = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c === 0 || c < C; c++) {
      const logits = root.forward(x);
      C = logits.shape[1];
      for (const p of root.params()) p.grad.fill(0);
      const dy = new Float64Array(n * C);
      dy[i * C + c] = 1;
      root.backward({ shape: [n, C], data: dy });
      (rows[c] ??= [])[i] = Float64Array.from(root.params().flatMap((p) => Array.from(p.grad)));
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = rows.reduce((s, r) => s + dot(r[i], r[j]), 0) / C;
  return out;
}
