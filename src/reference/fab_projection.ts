// Float64 reference of FAB-T's step (Croce & Hein 2020) on one sample: the smallest-norm steps
// from x1 and from x0 onto the linearised boundary inside [0, 1], and the biased combination of
// both. The oracle of shaders/fab_step.wgsl (src/attacks/fab.ts), never a fallback.

import type { Norm } from '../ops/attack_step.js';

/** Bisection steps of minimalStep: they bracket lambda within 2^-40 of its range, far below f32 resolution. */
export const FAB_BISECTIONS = 40;

/**
 * The smallest-`norm` step `out` from p onto {z : f + w·(z − p) = 0} with p + out in [0, 1]
 * (w = −grad), or the step as far towards it as the box allows; returns its norm. Each coordinate
 * moves towards the plane by m_k = min(lambda, room_k) (l-inf) or min(lambda·|w_k|, room_k) (l2),
 * with the one lambda at which the moves close the gap |f|: bisection finds which coordinates
 * saturate (key_k = where k saturates, below lambda), then lambda follows exactly from
 * gap = saturated + lambda · slope of the others.
 */
export function minimalStepRef(p: ArrayLike<number>, grad: ArrayLike<number>, f: number, norm: Norm, out: Float64Array): number {
  const d = out.length;
  out.fill(0);
  if (f === 0) return 0;
  const toward = f > 0 ? -1 : 1; // the step changes w·z by −f: coordinate k moves by toward·sign(w_k)·m_k
  const weight = Float64Array.from({ length: d }, (_, k) => Math.abs(grad[k]));
  const room = Float64Array.from({ length: d }, (_, k) => (toward * Math.sign(-grad[k]) > 0 ? 1 - p[k] : p[k]));
  const key = Float64Array.from({ length: d }, (_, k) => (norm === 'linf' ? room[k] : room[k] / weight[k]));
  let top = 0;
  for (let k = 0; k < d; k++) if (weight[k] !== 0) top = Math.max(top, key[k]);
  const gap = Math.abs(f);
  const move = (k: number, lambda: number) => Math.min(norm === 'linf' ? lambda : lambda * weight[k], room[k]);
  const closed = (lambda: number) => {
    // the part of the gap the moves at lambda close
    let sum = 0;
    for (let k = 0; k < d; k++) if (weight[k] !== 0) sum += weight[k] * move(k, lambda);
    return sum;
  };
  let lambda = Infinity; // out of reach inside the box: every coordinate moves to its wall
  if (closed(top) >= gap) {
    let lo = 0;
    let hi = top;
    for (let i = 0; i < FAB_BISECTIONS; i++) {
      const mid = (lo + hi) / 2;
      if (closed(mid) < gap) lo = mid;
      else hi = mid;
    }
    let saturated = 0;
    let slope = 0;
    for (let k = 0; k < d; k++) {
      if (weight[k] === 0) continue;
      if (key[k] <= lo) saturated += weight[k] * room[k];
      else slope += norm === 'linf' ? weight[k] : weight[k] ** 2;
    }
    lambda = slope > 0 ? Math.min(Math.max((gap - saturated) / slope, lo), hi) : hi;
  }
  let size = 0;
  for (let k = 0; k < d; k++) {
    if (weight[k] === 0) continue;
    const m = move(k, lambda);
    out[k] = toward * Math.sign(-grad[k]) * m;
    size = norm === 'linf' ? Math.max(size, m) : size + m * m;
  }
  return norm === 'linf' ? size : Math.sqrt(size);
}

/**
 * One FAB step of a sample: the plane of f = z_y − z_t = −loss with w = −grad at x1, the projections
 * d1 of x1 and d2 of x0 onto it, and x1' = clip01((x1 + eta·d1)(1 − a) + (x0 + eta·d2)·a) with
 * a = min(|d1|/(|d1| + |d2|), alphaMax).
 */
export function fabStepRef(
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  grad: ArrayLike<number>,
  loss: number,
  norm: Norm,
  eta: number,
  alphaMax: number,
): Float64Array {
  const d = x0.length;
  const f = -loss;
  let shift = 0; // w·(x0 − x1)
  for (let k = 0; k < d; k++) shift += grad[k] * (x1[k] - x0[k]);
  const d1 = new Float64Array(d);
  const d2 = new Float64Array(d);
  const a1 = Math.max(minimalStepRef(x1, grad, f, norm, d1), 1e-8);
  const a2 = Math.max(minimalStepRef(x0, grad, f + shift, norm, d2), 1e-8);
  const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), alphaMax);
  return Float64Array.from({ length: d }, (_, k) =>
    Math.min(Math.max((x1[k] + eta * d1[k]) * (1 - alpha) + (x0[k] + eta * d2[k]) * alpha, 0), 1),
  );
}
