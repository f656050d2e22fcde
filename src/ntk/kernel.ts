// The empirical NTK on the device, for any Model (BatchNorm in eval mode, so each Jacobian row
// depends on its own sample). Two implementations behind one enum that must agree:
//   `jacobian` (the reference): per-sample Jacobian rows J per logit, then Gram products;
//   `contraction` (the default): layer by layer without J: a dense layer's per-sample gradient is
//     dy_i ⊗ a_i, so its contribution is (dy dy'ᵀ) ⊙ (a a'ᵀ); a conv layer's per-sample (weight and
//     bias) gradients are formed on the GEMM core from its input and dy; other layers (BatchNorm)
//     give per-sample gradients G and contribute G G'ᵀ.
// All logits of a pass share one backward: each sample is replicated once per logit (rows i·r + s)
// and row i·r + s gets logit s's cotangent, so every product is batched over samples x logits.
// Samples are processed in chunks sized to a memory budget, so large probe sets are tiled.

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { add, mul } from '../ops/binary.js';
import type { PerSampleFactors } from '../nn/layer.js';
import { conv2dReplicaWeightGrads } from '../ops/conv2d.js';
import { matmul, matmulInto, packOperand } from '../ops/matmul.js';
import { grid2d, packParams } from '../ops/params.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * `trace`: (1/C) Σ_c ∇f_c(x)·∇f_c(x') [n1, n2] (the mean over logits, as neural-tangents);
 * `full`: ∇f_c(x)·∇f_c'(x') [n1·C, n2·C], row index i·C + c (sample-major);
 * `logit`: one logit's kernel [n1, n2]; `sumLogits`: ∇(Σ_c f_c(x))·∇(Σ_c f_c(x')) [n1, n2].
 */
export type KernelKind = 'trace' | 'full' | 'logit' | 'sumLogits';
/** Every KernelKind. */
export const KERNEL_KINDS: readonly KernelKind[] = ['trace', 'full', 'logit', 'sumLogits'];
/** How empiricalNtk computes: `contraction` (default, from per-sample gradient factors) or `jacobian` (materialised per-sample gradients, the reference). */
export type NtkImplementation = 'contraction' | 'jacobian';
/** Every NtkImplementation. */
export const NTK_IMPLEMENTATIONS: readonly NtkImplementation[] = ['contraction', 'jacobian'];

/** Options of empiricalNtk. */
export interface NtkOptions {
  kind: KernelKind;
  /** The logit of the `logit` kernel. */
  logit: number;
  implementation: NtkImplementation;
  /** Device bytes the per-sample pieces of both chunks may take; chunks shrink to fit. */
  budgetBytes: number;
}

/** The trace kernel by contraction, tiled to a 64 MiB working budget. */
export const DEFAULT_NTK: NtkOptions = { kind: 'trace', logit: 0, implementation: 'contraction', budgetBytes: 64 * 2 ** 20 };

/** A kernel matrix on the host (float64, row-major). */
export interface Kernel {
  kind: KernelKind;
  rows: number;
  cols: number;
  classes: number;
  data: Float64Array;
}

/**
 * One parameter's per-sample gradients over a chunk of m samples x r replicas (row i·r + s: sample
 * i, cotangent s): materialised [m·r, W] (`grad`), or a dense layer's outer-product factors (row's
 * gradient left ⊗ right; left [m·r, a], right [m·r, b], or null for a bias: left itself).
 */
type Piece = { grad: Tensor } | { left: Tensor; right: Tensor | null };

/** The selectors (logits, or the sum of logits) whose cotangents one pass carries. */
type Selector = number | 'sum';

/**
 * K(x1, x2) (or K(x1, x1) when x2 is null) for inputs [n, ...model input]. The inputs stay
 * owned by the caller. Runs `model` in eval mode; parameter gradients are left untouched.
 */
export async function empiricalNtk(model: Model, x1: Tensor, x2: Tensor | null, options: Partial<NtkOptions> = {}): Promise<Kernel> {
  const o = resolveOptions('empiricalNtk', DEFAULT_NTK, options);
  requireChoice('empiricalNtk', 'kind', o.kind, KERNEL_KINDS);
  requireChoice('empiricalNtk', 'implementation', o.implementation, NTK_IMPLEMENTATIONS);
  requireInteger('empiricalNtk', 'budgetBytes', o.budgetBytes);
  const C = model.classes;
  if (o.kind === 'logit' && !(Number.isInteger(o.logit) && o.logit >= 0 && o.logit < C)) {
    throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: option "logit" must be a class index in [0, ${C}), got ${o.logit}.`, { option: 'logit' });
  }
  for (const x of x2 ? [x1, x2] : [x1]) {
    if (x.shape.length === 0 || x.shape[0] === 0) throw new NtkError('E_SHAPE_MISMATCH', 'empiricalNtk: an input set is empty.');
    model.checkInput(x);
  }
  const [n1, n2] = [x1.shape[0], (x2 ?? x1).shape[0]];
  const selectors: Selector[] = o.kind === 'trace' || o.kind === 'full' ? Array.from({ length: C }, (_, c) => c) : o.kind === 'logit' ? [o.logit] : ['sum'];
  const perSelector = o.kind === 'full' ? C : 1;
  const out = new Float64Array(n1 * perSelector * n2 * perSelector);
  // The contraction carries every logit in one pass (its pieces are small, and its products are
  // batched over logits); the Jacobian rows are large, so the reference takes one logit per pass
  // when only diagonal (same-logit) blocks are needed.
  const passes = o.implementation === 'jacobian' && o.kind !== 'full' ? selectors.map((s) => [s]) : [selectors];
  for (const group of passes) {
    await accumulateKernel(model, x1, x2, group, o, out, o.kind === 'full' ? 1 : 1 / selectors.length);
  }
  return { kind: o.kind, rows: n1 * perSelector, cols: n2 * perSelector, classes: C, data: out };
}

/**
 * Adds the kernel of the selectors in `group` to `out`, chunk pair by chunk pair: for `full`, the
 * [m·r, m'·r] Gram of the pieces' rows is placed as it is (row i·C + c); otherwise the Grams of
 * the samples' concatenated replicas, Σ_group same-logit products, times `scale` are added.
 * K(X, X) computes each pair of chunks once (mirrored) and each chunk's pieces once.
 */
async function accumulateKernel(
  model: Model, x1: Tensor, x2: Tensor | null, group: Selector[], o: NtkOptions, out: Float64Array, scale: number,
): Promise<void> {
  const full = o.kind === 'full';
  const xb = x2 ?? x1;
  const [n1, n2] = [x1.shape[0], xb.shape[0]];
  const R = full ? group.length : 1; // kernel rows per sample
  const cols = n2 * R;
  const chunk = await chunkSize(model, x1, group, o);
  const pieces = (x: Tensor, start: number, count: number): Piece[] => {
    const xs = sliceRows(x, start, count);
    try {
      return computePieces(model, xs, group, o.implementation);
    } finally {
      xs.dispose();
    }
  };
  // Adds the block of chunk rows [a, a + ma) x columns [b, b + mb) (and with `mirror` its transpose).
  const block = async (pa: Piece[], pb: Piece[], a: number, ma: number, b: number, mb: number, mirror: boolean) => {
    const g = gram(pa, pb, ma, mb, group.length, full);
    const data = await g.read();
    g.dispose();
    const [rows, width] = [ma * R, mb * R];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < width; j++) {
        const v = scale * data[i * width + j];
        const [row, col] = [a * R + i, b * R + j];
        out[row * cols + col] += v;
        if (mirror) out[col * cols + row] += v;
      }
    }
  };
  const count = (n: number, start: number) => Math.min(chunk, n - start);
  if (x2 !== null) {
    for (let a = 0; a < n1; a += chunk) {
      const pa = pieces(x1, a, count(n1, a));
      try {
        for (let b = 0; b < n2; b += chunk) {
          const pb = pieces(x2, b, count(n2, b));
          try {
            await block(pa, pb, a, count(n1, a), b, count(n2, b), false);
          } finally {
            disposePieces(pb);
          }
        }
      } finally {
        disposePieces(pa);
      }
    }
    return;
  }
  // K(X, X): chunk pairs (a, b > a) mirrored, b from the last down, so the pieces of b = a + chunk
  // carry over as the next a's: every chunk's pieces are computed once.
  let carried: Piece[] | null = null;
  try {
    for (let a = 0; a < n1; a += chunk) {
      const pa: Piece[] = carried ?? pieces(x1, a, count(n1, a));
      carried = null;
      try {
        const last = Math.floor((n1 - 1) / chunk) * chunk;
        for (let b = last; b > a; b -= chunk) {
          const pb = pieces(x1, b, count(n1, b));
          let keep = false;
          try {
            await block(pa, pb, a, count(n1, a), b, count(n1, b), true);
            keep = b === a + chunk;
          } finally {
            if (keep) carried = pb;
            else disposePieces(pb);
          }
        }
        await block(pa, pa, a, count(n1, a), a, count(n1, a), false);
      } finally {
        disposePieces(pa);
      }
    }
  } finally {
    if (carried) disposePieces(carried);
  }
}

/** Samples per chunk so the pieces of two chunks fit the budget and every piece fits one binding. */
async function chunkSize(model: Model, x: Tensor, selectors: Selector[], o: NtkOptions): Promise<number> {
  const one = sliceRows(x, 0, 1);
  const pieces = computePieces(model, one, selectors, o.implementation);
  let perSample = 0;
  let largest = 0;
  for (const p of pieces) {
    const floats = 'grad' in p ? p.grad.size : p.left.size + (p.right?.size ?? 0);
    perSample += floats;
    largest = Math.max(largest, 'grad' in p ? p.grad.size : Math.max(p.left.size, p.right?.size ?? 0));
  }
  disposePieces(pieces);
  one.dispose();
  await model.gpu.checkErrors();
  const byBudget = Math.floor(o.budgetBytes / (2 * 4 * perSample));
  const byBinding = Math.floor(model.gpu.limits.maxStorageBufferBindingSize / (4 * largest));
  const m = Math.min(byBudget, byBinding, x.shape[0]);
  if (m < 1) {
    throw new NtkError(
      'E_BUFFER_TOO_LARGE',
      `empiricalNtk: one sample's per-sample gradients (${perSample} floats) do not fit budgetBytes=${o.budgetBytes}; raise budgetBytes.`,
      { option: 'budgetBytes' },
    );
  }
  return m;
}

/**
 * The pieces of a chunk x [m, ...]: one forward of x replicated r = selectors.length times (rows
 * i·r + s), one backward with row i·r + s carrying selector s's cotangent. Contraction: one Piece per
 * parameter (a conv layer's weight and bias as one materialised piece); jacobian: one Piece, the
 * Jacobian rows [m·r, P].
 */
function computePieces(model: Model, x: Tensor, selectors: Selector[], implementation: NtkImplementation): Piece[] {
  const m = x.shape[0];
  const r = selectors.length;
  const C = model.classes;
  const xr = r === 1 ? x.view() : replicateRows(x, r);
  const taken: Array<{ factors: PerSampleFactors } | { grad: Tensor }> = [];
  try {
    model.forward(xr, { mode: 'eval', record: true }).dispose();
    const v = new Float32Array(m * r * C);
    for (let i = 0; i < m; i++) {
      selectors.forEach((s, k) => {
        const row = (i * r + k) * C;
        if (s === 'sum') v.fill(1, row, row + C);
        else v[row + s] = 1;
      });
    }
    const dy = Tensor.fromArray(model.gpu, v, [m * r, C]);
    model.backward(dy, { paramGrads: 'perSample', factored: implementation === 'contraction' }).dispose();
    dy.dispose();
    for (const p of model.parameters()) {
      if (p.perSampleFactors) {
        taken.push({ factors: p.perSampleFactors });
        p.perSampleFactors = null;
      } else if (p.perSampleGrad) {
        taken.push({ grad: p.perSampleGrad });
        p.perSampleGrad = null;
      } else {
        throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: parameter "${p.name}" received no per-sample gradient.`);
      }
    }
    if (implementation === 'jacobian') return [{ grad: jacobianRows(taken, m * r) }];
    return toPieces(taken, r);
  } finally {
    for (const t of taken) disposeTaken(t);
    model.clearRecord();
    xr.dispose();
  }
}

type Taken = { factors: PerSampleFactors } | { grad: Tensor };

function disposeTaken(t: Taken): void {
  if ('grad' in t) t.grad.dispose();
  else {
    t.factors.left.dispose();
    t.factors.right?.dispose();
  }
}

/**
 * The contraction's pieces from what the backward left (ownership moves to the pieces; `taken` is
 * emptied): a conv layer's factors become its per-sample weight (+ bias) gradients on the GEMM
 * core, dense factors and materialised gradients stay as they are.
 */
function toPieces(taken: Taken[], r: number): Piece[] {
  const pieces: Piece[] = [];
  try {
    // a conv bias's factors share dy (left) with its weight's: they join the weight's product
    const convBiasOf = new Map<GPUBuffer, number>();
    taken.forEach((t, i) => {
      if ('factors' in t && t.factors.conv && !t.factors.right) convBiasOf.set(t.factors.left.buffer, i);
    });
    const absorbed = new Set<number>();
    taken.forEach((t) => {
      if ('grad' in t) pieces.push({ grad: t.grad.view() });
      else if (t.factors.conv && t.factors.right) {
        const bias = convBiasOf.get(t.factors.left.buffer);
        if (bias !== undefined) absorbed.add(bias);
        pieces.push({ grad: conv2dReplicaWeightGrads(t.factors.right, t.factors.left, t.factors.conv, r, bias !== undefined) });
      } else if (!t.factors.conv) pieces.push({ left: t.factors.left.view(), right: t.factors.right?.view() ?? null });
      // (a conv bias joins its weight's product)
    });
    for (const i of convBiasOf.values()) {
      if (!absorbed.has(i)) throw new NtkError('E_INVALID_ARGUMENT', 'empiricalNtk: a conv bias came without its weight.');
    }
  } catch (e) {
    disposePieces(pieces);
    throw e;
  }
  return pieces;
}

/** x [m, ...] -> [m·r, ...] with rows i·r + s = x_i. */
function replicateRows(x: Tensor, r: number): Tensor {
  const gpu = x.gpu;
  const m = x.shape[0];
  const width = x.size / m;
  const out = Tensor.empty(gpu, [m * r, ...x.shape.slice(1)]);
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  for (let s = 0; s < r; s++) copyColumns(x, out, m, width, r * width, s * width, gx, gy, `ntk replica ${s} of [${x.shape}]`);
  return out;
}

/** Dst[row·stride + offset + k] = Src[row·width + k] (shaders/copy_columns.wgsl). */
function copyColumns(src: Tensor, dst: Tensor, rows: number, width: number, stride: number, offset: number, gx: number, gy: number, label: string): void {
  src.gpu.run({
    shader: 'copy_columns',
    label,
    storage: [
      { buffer: src.buffer, bytes: src.bytes },
      { buffer: dst.buffer, bytes: dst.bytes },
    ],
    params: packParams([['u32', rows], ['u32', width], ['u32', stride], ['u32', offset], ['u32', gx * 64], ['u32', 0], ['u32', 0], ['u32', 0]]),
    workgroups: [gx, gy],
  });
}

/** Concatenates per-parameter per-sample gradients into Jacobian rows [rows, P]. */
function jacobianRows(taken: Taken[], rows: number): Tensor {
  const grads = taken.map((t) => {
    if (!('grad' in t)) throw new NtkError('E_INVALID_ARGUMENT', 'empiricalNtk: the jacobian implementation needs unfactored gradients.');
    return t.grad;
  });
  const widths = grads.map((g) => g.size / rows);
  const P = widths.reduce((s, w) => s + w, 0);
  const J = Tensor.empty(grads[0].gpu, [rows, P]);
  let offset = 0;
  grads.forEach((g, i) => {
    const [gx, gy] = grid2d(Math.ceil(g.size / 64), g.gpu.limits.maxComputeWorkgroupsPerDimension);
    copyColumns(g, J, rows, widths[i], P, offset, gx, gy, `jacobian columns ${offset}+${widths[i]}`);
    offset += widths[i];
  });
  return J;
}

/**
 * Σ over pieces of the Gram of chunk A's rows with chunk B's: with `blocks`, every row (sample x
 * replica) against every row, [ma·r, mb·r]; otherwise sample against sample summing the r
 * same-replica products, [ma, mb] (each sample's r rows read as one row).
 */
function gram(a: Piece[], b: Piece[], ma: number, mb: number, r: number, blocks: boolean): Tensor {
  const [ra, rb] = blocks ? [ma * r, mb * r] : [ma, mb];
  let sum: Tensor | null = null;
  for (let p = 0; p < a.length; p++) {
    const pa = a[p];
    const pb = b[p];
    if ('grad' in pa && 'grad' in pb) {
      const ga = pa.grad.reshape([ra, pa.grad.size / ra]);
      const gb = pb.grad.reshape([rb, pb.grad.size / rb]);
      if (sum) matmulInto(ga, gb, sum, { transB: true, accumulate: true });
      else sum = matmul(ga, gb, { transB: true });
      ga.dispose();
      gb.dispose();
    } else if (!('grad' in pa) && !('grad' in pb)) {
      const la = pa.left.reshape([ra, pa.left.size / ra]);
      const lb = pb.left.reshape([rb, pb.left.size / rb]);
      let term = matmul(la, lb, { transB: true });
      la.dispose();
      lb.dispose();
      if (pa.right && pb.right) {
        // the right factor (the layer input) is the same for a sample's replicas: without `blocks`
        // one replica per sample is enough
        const xa = blocks || r === 1 ? pa.right.view() : firstReplicas(pa.right, ma, r);
        const xb = pb === pa ? xa.view() : blocks || r === 1 ? pb.right.view() : firstReplicas(pb.right, mb, r);
        const right = matmul(xa, xb, { transB: true });
        const product = mul(term, right);
        [xa, xb, right, term].forEach((t) => t.dispose());
        term = product;
      }
      sum = sum ? accumulate(sum, term) : term;
    } else {
      throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: parameter ${p} was factored for one chunk and not the other.`);
    }
  }
  if (!sum) throw new NtkError('E_INVALID_ARGUMENT', 'empiricalNtk: the model has no parameters.');
  return sum;
}

/** Rows i·r of x [m·r, w]: [m, w] (gemm_pack reading the first w of each sample's r·w values). */
function firstReplicas(x: Tensor, m: number, r: number): Tensor {
  const w = x.size / (m * r);
  const packed = packOperand(x, m, 1, r * w, 1, w, false);
  const out = packed.reshape([m, w]);
  packed.dispose();
  return out;
}

/** sum + term, disposing both inputs. */
function accumulate(sum: Tensor, term: Tensor): Tensor {
  const next = add(sum, term);
  sum.dispose();
  term.dispose();
  return next;
}

/** Rows [start, start + count) of x as a new tensor. */
export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  const rowFloats = x.size / x.shape[0];
  const out = Tensor.empty(x.gpu, [count, ...x.shape.slice(1)]);
  x.gpu.copy(x.buffer, start * rowFloats * 4, out.buffer, 0, count * rowFloats * 4);
  return out;
}

function disposePieces(pieces: Piece[]): void {
  for (const p of pieces) {
    if ('grad' in p) p.grad.dispose();
    else {
      p.left.dispose();
      p.right?.dispose();
    }
  }
}
