// Float64 references of the attack losses (CW margin, DLR, their targeted forms) with their
// gradients w.r.t. the logits and (through a reference model) the inputs, and of the top-class
// targets: the oracle for src/ops/margin_loss.ts and src/attacks/losses.ts, never a fallback.
// Rows of logits [n, C]; ties pick the lower index.

import type { MarginLossKind } from '../ops/margin_loss.js';
import type { RefLayer, RefTensor } from './layers.js';
import { softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef } from './nn.js';

/** Class indices of one row by decreasing value, ties by increasing index. */
export function rankedClasses(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, c) => c).sort((a, b) => row[b] - row[a] || a - b);
}

/**
 * Per-sample loss L = (z_a − z_y)/D (a: best class ≠ y, or the target; D: 1 for CW, max(z_π1 − z_π3,
 * 1e-12) for DLR, max(z_π1 − (z_π3 + z_π4)/2, 1e-12) for targeted DLR), correctness of the first
 * arg-max, and dL/dz [n, C] of the summed loss.
 */
export function marginLossRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  kind: MarginLossKind,
  targets: ArrayLike<number> | null,
  n: number,
  classes: number,
): { losses: Float64Array; correct: Float64Array; grad: Float64Array; denominators: Float64Array } {
  const losses = new Float64Array(n);
  const denominators = new Float64Array(n);
  const correct = new Float64Array(n);
  const grad = new Float64Array(n * classes);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: classes }, (_, c) => logits[r * classes + c]);
    const y = labels[r];
    const pi = rankedClasses(z);
    const a = kind === 'cw-t' || kind === 'dlr-t' ? (targets as ArrayLike<number>)[r] : (pi.find((c) => c !== y) as number);
    const dD = new Float64Array(classes);
    let D = 1;
    if (kind === 'dlr') {
      D = Math.max(z[pi[0]] - z[pi[2]], 1e-12);
      dD[pi[0]] += 1;
      dD[pi[2]] -= 1;
    } else if (kind === 'dlr-t') {
      D = Math.max(z[pi[0]] - 0.5 * (z[pi[2]] + z[pi[3]]), 1e-12);
      dD[pi[0]] += 1;
      dD[pi[2]] -= 0.5;
      dD[pi[3]] -= 0.5;
    }
    const L = (z[a] - z[y]) / D;
    losses[r] = L;
    denominators[r] = D;
    correct[r] = pi[0] === y ? 1 : 0;
    for (let c = 0; c < classes; c++) grad[r * classes + c] = ((c === a ? 1 : 0) - (c === y ? 1 : 0)) / D - (L / D) * dD[c];
  }
  return { losses, correct, grad, denominators };
}

/**
 * Per-sample attack loss of the reference model `root` at x and ∇x of the summed loss: `ce`
 * (softmax cross-entropy) or a margin kind (targets for the targeted ones).
 */
export function refAttackLossGradient(
  root: RefLayer,
  x: RefTensor,
  labels: ArrayLike<number>,
  kind: 'ce' | MarginLossKind,
  targets: ArrayLike<number> | null,
): { losses: Float64Array; dx: RefTensor } {
  const logits = root.forward(x);
  const [n, C] = logits.shape;
  if (kind === 'ce') {
    const { losses } = softmaxCrossEntropyRef(logits.data, labels, n, C);
    return { losses, dx: root.backward({ shape: [n, C], data: softmaxCrossEntropyBackwardRef(logits.data, labels, n, C, 1) }) };
  }
  const { losses, grad } = marginLossRef(logits.data, labels, kind, targets, n, C);
  return { losses, dx: root.backward({ shape: [n, C], data: grad }) };
}

/** The class of rank `rank` (1 = highest) among the classes ≠ label, per row. */
export function attackTargetsRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  rank: number,
  n: number,
  classes: number,
): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = Array.from({ length: classes }, (_, c) => logits[r * classes + c]);
    out[r] = rankedClasses(row).filter((c) => c !== labels[r])[rank - 1];
  }
  return out;
}
