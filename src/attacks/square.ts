// Square Attack (Andriushchenko et al. 2020), score-based, l-inf and l2, as AutoAttack's standard
// version runs it: margin loss z_y − max_{k≠y} z_k, p_init 0.8 with the published schedule
// (rescaled to the query budget), one restart. Each query is one forward pass on the device of the
// samples not yet misclassified; proposing squares and keeping improvements is per-sample work on
// the host, each sample drawing from its own stream (attacks/streams.ts).

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { marginLoss } from '../ops/margin_loss.js';
import { Tensor } from '../tensor/tensor.js';
import { DEFAULT_SQUARE, resolveAttackOptions, type SquareOptions } from './options.js';
import { Rng } from '../random/rng.js';
import type { AttackRandom } from './streams.js';

/** The fraction of pixels a square covers at query `it` of `queries` (the published schedule for 10,000 queries, rescaled). */
export function squareFraction(it: number, queries: number, pInit: number): number {
  const at = Math.floor((it / queries) * 10000);
  const halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000].filter((edge) => at > edge).length;
  return pInit / 2 ** halvings;
}

/** Square Attack adversarial examples for images x [n, c, h, w] in [0, 1]; per-sample streams give each sample its own draws. */
export async function square(
  model: Model,
  x: Tensor,
  y: Tensor,
  rng: AttackRandom,
  options: Partial<SquareOptions> = {},
  onProgress?: (fraction: number) => void,
): Promise<Tensor> {
  const o = resolveAttackOptions('square', DEFAULT_SQUARE, options, { model, x, y, rng });
  if (x.shape.length !== 4 || x.shape[2] < 2 || x.shape[3] < 2) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `square: inputs [${x.shape}] must be images [n, c, h, w] with h, w >= 2 (squares are windows of an image).`,
    );
  }
  const [n, c, h, w] = x.shape;
  const d = c * h * w;
  const x0 = await x.read();
  const labels = await y.read();
  const geometry = { c, h, w, d };
  const streams = { row: (i: number) => (rng instanceof Rng ? rng : rng.row(i)) };
  const best = o.norm === 'linf' ? linfInit(x0, n, geometry, streams, o.eps) : l2Init(x0, n, geometry, streams, o.eps);
  const margin = await margins(
    model,
    x,
    best,
    labels,
    Uint32Array.from({ length: n }, (_, i) => i),
    o,
  );
  const lossMin = Float64Array.from(margin);
  const candidate = new Float32Array(d);
  for (let it = 0; it < o.queries; it++) {
    const active = Uint32Array.from(margin.keys()).filter((i) => margin[i] > 0);
    if (active.length === 0) break;
    if (it % 100 === 0) onProgress?.(it / o.queries);
    const p = squareFraction(it, o.queries, o.pInit);
    const proposals = new Float32Array(active.length * d);
    active.forEach((i, r) => {
      const propose = o.norm === 'linf' ? linfProposal : l2Proposal;
      propose(x0, best, i, p, geometry, streams, o.eps, candidate);
      proposals.set(candidate, r * d);
    });
    const next = await margins(model, x, proposals, labels, active, o);
    active.forEach((i, r) => {
      const m = next[r];
      const improved = m < lossMin[i];
      if (improved) lossMin[i] = m;
      if (improved || m <= 0) {
        margin[i] = m;
        best.set(proposals.subarray(r * d, (r + 1) * d), i * d);
      }
    });
  }
  return Tensor.fromArray(x.gpu, best, x.shape);
}

interface Geometry {
  c: number;
  h: number;
  w: number;
  d: number;
}
/** Sample i's generator (the one Rng of the batch, or its own stream). */
interface Rows {
  row(i: number): Rng;
}

/** Margins z_y − max_{k≠y} z_k of the rows `rows` (of the batch) whose points are `points` [rows.length, d]. */
async function margins(
  model: Model,
  x: Tensor,
  points: Float32Array,
  labels: Float32Array,
  rows: Uint32Array,
  o: SquareOptions,
): Promise<Float64Array> {
  const gpu = x.gpu;
  const batch = Tensor.fromArray(gpu, points, [rows.length, ...x.shape.slice(1)]);
  const y = Tensor.fromArray(
    gpu,
    Float32Array.from(rows, (i) => labels[i]),
    [rows.length],
  );
  const logits = model.forward(batch, { mode: o.bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: false });
  const { losses, correct, grad } = marginLoss(logits, y, 'cw', null, null); // z_a − z_y
  [batch, y, logits, correct].forEach((t) => t.dispose());
  grad?.dispose();
  try {
    return Float64Array.from(await losses.read(), (v) => -v);
  } finally {
    losses.dispose();
  }
}

const sign = (u: number) => (u < 0.5 ? -1 : 1);

/** l-inf start: x ± eps in vertical stripes (one sign per channel and column), clipped to [0, 1]. */
function linfInit(x0: Float32Array, n: number, g: Geometry, streams: Rows, eps: number): Float32Array {
  const out = new Float32Array(x0.length);
  for (let i = 0; i < n; i++) {
    const signs = streams.row(i).uniform(g.c * g.w);
    for (let ch = 0; ch < g.c; ch++) {
      for (let r = 0; r < g.h; r++) {
        for (let col = 0; col < g.w; col++) {
          const k = i * g.d + (ch * g.h + r) * g.w + col;
          out[k] = Math.min(Math.max(x0[k] + eps * sign(signs[ch * g.w + col]), 0), 1);
        }
      }
    }
  }
  return out;
}

/** The side of the squares at fraction p: round(√(p·h·w)), at least `min`, at most h − 1 and w − 1. */
function side(p: number, g: Geometry, min: number): number {
  return Math.min(Math.max(Math.round(Math.sqrt((p * g.d) / g.c)), min), g.h - 1, g.w - 1);
}

/** l-inf proposal for sample i: one s×s window (per channel a random sign) set to x ± eps, clipped. */
function linfProposal(
  x0: Float32Array,
  best: Float32Array,
  i: number,
  p: number,
  g: Geometry,
  streams: Rows,
  eps: number,
  out: Float32Array,
): void {
  const rng = streams.row(i);
  const s = side(p, g, 1);
  const vh = rng.int(g.h - s);
  const vw = rng.int(g.w - s);
  const signs = rng.uniform(g.c);
  out.set(best.subarray(i * g.d, (i + 1) * g.d));
  for (let ch = 0; ch < g.c; ch++) {
    for (let r = vh; r < vh + s; r++) {
      for (let col = vw; col < vw + s; col++) {
        const k = (ch * g.h + r) * g.w + col;
        out[k] = Math.min(Math.max(x0[i * g.d + k] + eps * sign(signs[ch]), 0), 1);
      }
    }
  }
}

/** The s×s pseudo-Gaussian bump of one rectangle of x rows and y columns: sum over rings of 1/(ring+1)^2, unit l2 norm. */
function rectangleBump(rows: number, cols: number): Float64Array {
  const delta = new Float64Array(rows * cols);
  let r0 = Math.floor(rows / 2);
  let c0 = Math.floor(cols / 2);
  for (let ring = 0; ring < Math.max(Math.floor(rows / 2) + 1, Math.floor(cols / 2) + 1); ring++) {
    for (let r = Math.max(r0, 0); r < Math.min(r0 + 2 * ring + 1, rows); r++) {
      for (let c = Math.max(c0, 0); c < Math.min(c0 + 2 * ring + 1, cols); c++) delta[r * cols + c] += 1 / (ring + 1) ** 2;
    }
    r0 -= 1;
    c0 -= 1;
  }
  return normalise(delta);
}

function normalise(v: Float64Array): Float64Array {
  const norm = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
  return norm > 0 ? v.map((a) => a / norm) : v;
}

/** The s×s perturbation of l2 Square: a bump in the top half, minus one in the bottom half, transposed with probability 1/2; unit norm. */
function squareBump(s: number, transpose: boolean): Float64Array {
  const top = Math.floor(s / 2);
  const upper = rectangleBump(top, s);
  const lower = rectangleBump(s - top, s);
  const delta = new Float64Array(s * s);
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) delta[r * s + c] = r < top ? upper[r * s + c] : -lower[(r - top) * s + c];
  }
  const out = normalise(delta);
  if (!transpose) return out;
  return Float64Array.from({ length: s * s }, (_, k) => out[(k % s) * s + Math.floor(k / s)]);
}

/** l2 start: a grid of s×s bumps (s = h/5) with random signs per channel, scaled to norm eps, clipped. */
function l2Init(x0: Float32Array, n: number, g: Geometry, streams: Rows, eps: number): Float32Array {
  const out = new Float32Array(x0.length);
  const s = Math.max(Math.floor(g.h / 5), 1);
  const start = Math.floor((g.h - s * 5) / 2);
  const delta = new Float64Array(g.d);
  for (let i = 0; i < n; i++) {
    const rng = streams.row(i);
    delta.fill(0);
    for (let vh = start; vh + s <= g.h && vh < start + s * Math.floor(g.h / s); vh += s) {
      for (let vw = start; vw + s <= g.w && vw < start + s * Math.floor(g.w / s); vw += s) {
        const bump = squareBump(s, rng.uniform(1)[0] > 0.5);
        const signs = rng.uniform(g.c);
        addWindow(delta, g, bump, s, vh, vw, (ch) => sign(signs[ch]));
      }
    }
    writeScaled(x0, out, i, delta, g, eps);
  }
  return out;
}

function addWindow(
  delta: Float64Array,
  g: Geometry,
  bump: Float64Array,
  s: number,
  vh: number,
  vw: number,
  scale: (ch: number) => number,
): void {
  for (let ch = 0; ch < g.c; ch++) {
    for (let r = 0; r < s; r++) {
      for (let c = 0; c < s; c++) delta[(ch * g.h + vh + r) * g.w + vw + c] += scale(ch) * bump[r * s + c];
    }
  }
}

/** out row i = clip01(x0 + eps·delta/||delta||). */
function writeScaled(x0: Float32Array, out: Float32Array, i: number, delta: Float64Array, g: Geometry, eps: number): void {
  const norm = Math.sqrt(delta.reduce((a, b) => a + b * b, 0));
  for (let k = 0; k < g.d; k++) out[i * g.d + k] = Math.min(Math.max(x0[i * g.d + k] + (eps * delta[k]) / (norm + 1e-12), 0), 1);
}

/**
 * l2 proposal for sample i: the perturbation's mass in two random s×s windows moves into the first
 * one as a new bump (plus the old content there), keeping the total norm at eps before clipping.
 */
function l2Proposal(
  x0: Float32Array,
  best: Float32Array,
  i: number,
  p: number,
  g: Geometry,
  streams: Rows,
  eps: number,
  out: Float32Array,
): void {
  const rng = streams.row(i);
  let s = side(p, g, 3);
  if (s % 2 === 0) s += s + 1 < Math.min(g.h, g.w) ? 1 : -1; // odd sides, as published
  const vh = rng.int(g.h - s);
  const vw = rng.int(g.w - s);
  const vh2 = rng.int(g.h - s);
  const vw2 = rng.int(g.w - s);
  const transpose = rng.uniform(1)[0] > 0.5;
  const signs = rng.uniform(g.c);
  const delta = Float64Array.from({ length: g.d }, (_, k) => best[i * g.d + k] - x0[i * g.d + k]);
  const inWindow = (vhh: number, vww: number, r: number, c: number) => r >= vhh && r < vhh + s && c >= vww && c < vww + s;
  let imageNorm2 = 0;
  let windowsNorm2 = 0;
  for (let ch = 0; ch < g.c; ch++) {
    for (let r = 0; r < g.h; r++) {
      for (let c = 0; c < g.w; c++) {
        const v = delta[(ch * g.h + r) * g.w + c];
        imageNorm2 += v * v;
        if (inWindow(vh, vw, r, c) || inWindow(vh2, vw2, r, c)) windowsNorm2 += v * v;
      }
    }
  }
  const bump = squareBump(s, transpose);
  const fresh = new Float64Array(g.c * s * s);
  for (let ch = 0; ch < g.c; ch++) {
    let old2 = 0;
    for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) old2 += delta[(ch * g.h + vh + r) * g.w + vw + c] ** 2;
    const oldNorm = Math.sqrt(old2);
    let norm2 = 0;
    for (let k = 0; k < s * s; k++) {
      const r = Math.floor(k / s);
      const c = k % s;
      const v = bump[k] * sign(signs[ch]) + delta[(ch * g.h + vh + r) * g.w + vw + c] / (1e-12 + oldNorm);
      fresh[ch * s * s + k] = v;
      norm2 += v * v;
    }
    const target = Math.sqrt(Math.max(eps * eps - imageNorm2, 0) / g.c + windowsNorm2);
    for (let k = 0; k < s * s; k++) fresh[ch * s * s + k] *= target / (1e-12 + Math.sqrt(norm2));
  }
  for (let ch = 0; ch < g.c; ch++) {
    for (let r = vh2; r < vh2 + s; r++) for (let c = vw2; c < vw2 + s; c++) delta[(ch * g.h + r) * g.w + c] = 0;
    for (let k = 0; k < s * s; k++) delta[(ch * g.h + vh + Math.floor(k / s)) * g.w + vw + (k % s)] = fresh[ch * s * s + k];
  }
  const norm = Math.sqrt(delta.reduce((a, b) => a + b * b, 0));
  for (let k = 0; k < g.d; k++) out[k] = Math.min(Math.max(x0[i * g.d + k] + (eps * delta[k]) / (norm + 1e-12), 0), 1);
}
