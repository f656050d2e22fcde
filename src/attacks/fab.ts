// FAB-T (Croce & Hein 2020, "Minimally distorted adversarial examples with a fast adaptive boundary
// attack"), l-inf and l2, as AutoAttack's standard version runs it: per target class (the r-th most
// likely other class), from x itself, each iteration linearises z_y − z_t at x1 (forward/backward
// on the device), projects x1 and x0 onto that hyperplane inside [0, 1] (smallest-norm step, on the
// host), steps to ((x1 + eta·d1)(1 − a) + (x0 + eta·d2)·a) with a = min(|d1|/(|d1| + |d2|), alpha_max),
// keeps the smallest misclassified point and then backtracks x1 = x0 + beta·(x1 − x0).

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { attackTargets } from '../ops/margin_loss.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { Tensor } from '../tensor/tensor.js';
import type { Norm } from './kernels.js';
import { lossGradient } from './losses.js';
import { DEFAULT_FAB, resolveAttackOptions, sampleDims, type FabOptions } from './options.js';

/** FAB-T's result per sample: the smallest misclassified point found and its distance to x (0 if x is misclassified; Infinity if none). */
export interface FabResult {
  adv: Float32Array;
  distances: Float64Array;
}

/** FAB-T adversarial examples in the eps-ball: the smallest one found where its distance is at most eps, else x itself. */
export async function fab(model: Model, x: Tensor, y: Tensor, options: Partial<FabOptions> = {}, onProgress?: (fraction: number) => void): Promise<Tensor> {
  const o = resolveAttackOptions('fab', DEFAULT_FAB, options, sampleDims(x));
  const { adv, distances } = await fabMinimal(model, x, y, o, onProgress);
  const x0 = await x.read();
  const d = x.size / x.shape[0];
  distances.forEach((t, i) => {
    if (!(t <= o.eps)) adv.set(x0.subarray(i * d, (i + 1) * d), i * d);
  });
  return Tensor.fromArray(x.gpu, adv, x.shape);
}

/** The smallest misclassified point FAB-T finds for each sample (eps is not a bound here) over its targets. */
export async function fabMinimal(model: Model, x: Tensor, y: Tensor, options: Partial<FabOptions> = {}, onProgress?: (fraction: number) => void): Promise<FabResult> {
  const o = resolveAttackOptions('fab', DEFAULT_FAB, options, sampleDims(x));
  if (o.targets < 1 || o.targets >= model.classes) {
    throw new NtkError('E_INVALID_ARGUMENT', `fab: option "targets" must be in [1, ${model.classes - 1}] (classes other than the label), got ${o.targets}.`, { option: 'targets' });
  }
  const n = x.shape[0];
  const x0 = await x.read();
  const adv = Float32Array.from(x0);
  const distances = new Float64Array(n).fill(Infinity);
  const clean = model.forward(x, { mode: o.bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: false });
  try {
    const correct = await correctOf(clean, y);
    correct.forEach((c, i) => { if (c === 0) distances[i] = 0; });
    const ranks = o.rank > 0 ? [o.rank] : Array.from({ length: o.targets }, (_, i) => i + 1);
    for (const [r, rank] of ranks.entries()) {
      const targets = attackTargets(clean, y, rank);
      try {
        await fabRun(model, x, x0, y, targets, o, { adv, distances }, (it) => onProgress?.((r + it / o.steps) / ranks.length));
      } finally {
        targets.dispose();
      }
    }
  } finally {
    clean.dispose();
  }
  return { adv, distances };
}

/** One FAB run at `targets`, updating the kept points where it finds a smaller misclassified one. */
async function fabRun(model: Model, x: Tensor, x0: Float32Array, y: Tensor, targets: Tensor, o: FabOptions, best: FabResult, step: (it: number) => void): Promise<void> {
  const n = x.shape[0];
  const d = x.size / n;
  const x1 = Float32Array.from(x0);
  const d1 = new Float64Array(d);
  const d2 = new Float64Array(d);
  const scratch = new Scratch(d);
  for (let it = 0; it < o.steps; it++) {
    if (it % 10 === 0) step(it);
    const point = Tensor.fromArray(x.gpu, x1, x.shape);
    const at = lossGradient(model, point, y, 'cw', targets, o.bnMode); // z_t − z_y and its gradient
    point.dispose();
    const [losses, grads] = await Promise.all([at.losses.read(), at.grad.read()]).finally(() => at.dispose());
    for (let i = 0; i < n; i++) {
      if (best.distances[i] === 0 || !Number.isFinite(losses[i])) continue;
      const row = i * d;
      // the hyperplane f + w·(z − x1) = 0 of f = z_y − z_t = −loss, w = −grad
      const f = -losses[i];
      let shift = 0;
      for (let k = 0; k < d; k++) shift -= grads[row + k] * (x0[row + k] - x1[row + k]); // w·(x0 − x1)
      const a1 = Math.max(minimalStep(x1, row, grads, f, o.norm, d1, scratch), 1e-8);
      const a2 = Math.max(minimalStep(x0, row, grads, f + shift, o.norm, d2, scratch), 1e-8);
      const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), o.alphaMax);
      for (let k = 0; k < d; k++) {
        const next = (x1[row + k] + o.eta * d1[k]) * (1 - alpha) + (x0[row + k] + o.eta * d2[k]) * alpha;
        x1[row + k] = Math.min(Math.max(next, 0), 1);
      }
    }
    const moved = Tensor.fromArray(x.gpu, x1, x.shape);
    const logits = model.forward(moved, { mode: o.bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: false });
    moved.dispose();
    const correct = await correctOf(logits, y).finally(() => logits.dispose());
    for (let i = 0; i < n; i++) {
      if (correct[i] === 1 || best.distances[i] === 0) continue;
      const row = i * d;
      const t = distance(x1, x0, row, d, o.norm);
      if (t < best.distances[i]) {
        best.distances[i] = t;
        best.adv.set(x1.subarray(row, row + d), row);
      }
      for (let k = row; k < row + d; k++) x1[k] = x0[k] + o.beta * (x1[k] - x0[k]);
    }
  }
}

/** [n] correctness flags of logits against y on the host. */
async function correctOf(logits: Tensor, y: Tensor): Promise<Float32Array> {
  const { losses, correct } = softmaxCrossEntropy(logits, y);
  losses.dispose();
  try {
    return await correct.read();
  } finally {
    correct.dispose();
  }
}

/** The `norm` distance between rows of a and b starting at `row`. */
function distance(a: Float32Array, b: Float32Array, row: number, d: number, norm: Norm): number {
  let s = 0;
  for (let k = row; k < row + d; k++) {
    const v = Math.abs(a[k] - b[k]);
    s = norm === 'linf' ? Math.max(s, v) : s + v * v;
  }
  return norm === 'linf' ? s : Math.sqrt(s);
}

/** Work arrays of minimalStep for inputs of d values (weight 0: the coordinate does not move). */
class Scratch {
  readonly room: Float64Array;
  readonly weight: Float64Array;
  readonly key: Float64Array;
  constructor(d: number) {
    this.room = new Float64Array(d);
    this.weight = new Float64Array(d);
    this.key = new Float64Array(d);
  }
}

/** Bisection steps of minimalStep: they bracket lambda within 2^-40 of its range, far below f32 resolution. */
const BISECTIONS = 40;

/**
 * The smallest-`norm` step `out` from the row of p at `row` onto {z : f + w·(z − p) = 0} with
 * p + out in [0, 1] (w = −grad), or the step as far towards it as the box allows; returns its norm.
 * Each coordinate moves towards the plane by m_k = min(lambda, room_k) (l-inf) or
 * min(lambda·|w_k|, room_k) (l2), with the one lambda at which the moves close the gap |f|:
 * bisection finds which coordinates saturate (key_k = where k saturates, below lambda), then lambda
 * follows exactly from gap = saturated + lambda · slope of the others (no sort: O(d) per bisection).
 */
function minimalStep(p: Float32Array, row: number, grad: Float32Array, f: number, norm: Norm, out: Float64Array, s: Scratch): number {
  const d = out.length;
  out.fill(0);
  if (f === 0) return 0;
  const toward = f > 0 ? -1 : 1; // the step changes w·z by −f: coordinate k moves by toward·sign(w_k)·m_k
  let top = 0;
  for (let k = 0; k < d; k++) {
    const w = -grad[row + k];
    s.weight[k] = Math.abs(w);
    if (w === 0) continue;
    s.room[k] = toward * Math.sign(w) > 0 ? 1 - p[row + k] : p[row + k];
    s.key[k] = norm === 'linf' ? s.room[k] : s.room[k] / s.weight[k];
    top = Math.max(top, s.key[k]);
  }
  const gap = Math.abs(f);
  const closed = (lambda: number) => { // the part of the gap the moves at lambda close
    let sum = 0;
    for (let k = 0; k < d; k++) {
      if (s.weight[k] !== 0) sum += s.weight[k] * Math.min(norm === 'linf' ? lambda : lambda * s.weight[k], s.room[k]);
    }
    return sum;
  };
  let lambda = Infinity; // out of reach inside the box: every coordinate moves to its wall
  if (closed(top) >= gap) {
    let lo = 0;
    let hi = top;
    for (let i = 0; i < BISECTIONS; i++) {
      const mid = (lo + hi) / 2;
      if (closed(mid) < gap) lo = mid;
      else hi = mid;
    }
    let saturated = 0;
    let slope = 0;
    for (let k = 0; k < d; k++) {
      if (s.weight[k] === 0) continue;
      if (s.key[k] <= lo) saturated += s.weight[k] * s.room[k];
      else slope += norm === 'linf' ? s.weight[k] : s.weight[k] ** 2;
    }
    lambda = slope > 0 ? Math.min(Math.max((gap - saturated) / slope, lo), hi) : hi;
  }
  let size = 0;
  for (let k = 0; k < d; k++) {
    if (s.weight[k] === 0) continue;
    const m = Math.min(norm === 'linf' ? lambda : lambda * s.weight[k], s.room[k]);
    out[k] = toward * Math.sign(-grad[row + k]) * m;
    size = norm === 'linf' ? Math.max(size, m) : size + m * m;
  }
  return norm === 'linf' ? size : Math.sqrt(size);
}
