// The empirical NTK on the device, for any Model (BatchNorm in eval mode, so each Jacobian row
// depends on its own sample). Two implementations behind one enum that must agree:
//   `jacobian` (the reference): per-sample Jacobian rows J [m, P] per logit, then Gram products;
//   `contraction` (the default): layer by layer without J: a dense layer's per-sample gradient is
//     dy_i ⊗ a_i, so its contribution is (dy dy'ᵀ) ⊙ (a a'ᵀ); other layers (conv, BatchNorm) give
//     per-sample per-layer gradients G and contribute G G'ᵀ.
// Samples are processed in chunks sized to a memory budget, so large probe sets are tiled.

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { add, mul } from '../ops/binary.js';
import { matmul, matmulInto } from '../ops/matmul.js';
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

/** One parameter's per-sample gradient over a chunk: materialised, or as outer-product factors. */
type Piece = { grad: Tensor } | { left: Tensor; right: Tensor | null };

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
  const selectors = o.kind === 'trace' || o.kind === 'full' ? Array.from({ length: C }, (_, c) => c) : o.kind === 'logit' ? [o.logit] : ['sum' as const];
  const perSelector = o.kind === 'full' ? C : 1;
  const out = new Float64Array(n1 * perSelector * n2 * perSelector);
  // The contraction keeps every logit's (small) pieces of a chunk together, so a layer input's
  // Gram serves all logits; the Jacobian rows are large, so the reference takes one logit per pass
  // when only diagonal (same-logit) blocks are needed.
  const passes = o.implementation === 'jacobian' && o.kind !== 'full' ? selectors.map((s) => [s]) : [selectors];
  for (const group of passes) {
    await accumulateKernel(model, x1, x2, group, o, out, 1 / selectors.length);
  }
  return { kind: o.kind, rows: n1 * perSelector, cols: n2 * perSelector, classes: C, data: out };
}

/**
 * Adds the kernel of the logits in `group` to `out`, chunk pair by chunk pair: for `full`, every
 * (logit, logit') block is placed; otherwise Σ_group same-logit Grams times `scale` is added.
 */
async function accumulateKernel(
  model: Model, x1: Tensor, x2: Tensor | null, group: Array<number | 'sum'>, o: NtkOptions, out: Float64Array, scale: number,
): Promise<void> {
  const symmetric = x2 === null;
  const xb = x2 ?? x1;
  const [n1, n2] = [x1.shape[0], xb.shape[0]];
  const perSelector = o.kind === 'full' ? model.classes : 1;
  const cols = n2 * perSelector;
  const chunk = await chunkSize(model, x1, group, o);
  for (let a = 0; a < n1; a += chunk) {
    const xa = sliceRows(x1, a, Math.min(chunk, n1 - a));
    const piecesA = computePieces(model, xa, group, o.implementation);
    try {
      for (let b = symmetric ? a : 0; b < n2; b += chunk) {
        const same = symmetric && a === b;
        const xbChunk = same ? null : sliceRows(xb, b, Math.min(chunk, n2 - b));
        const piecesB = xbChunk ? computePieces(model, xbChunk, group, o.implementation) : piecesA;
        const cache: RightGramCache = new Map();
        try {
          const [ma, mb] = [xa.shape[0], (xbChunk ?? xa).shape[0]];
          // Adds factor·block at logit block (sa, sb); `mirror` also adds its transpose at (sb, sa),
          // which fills the other triangle of K(X, X) for blocks computed once.
          const place = (block: Float32Array, sa: number, sb: number, factor: number, mirror: boolean) => {
            for (let i = 0; i < ma; i++) {
              for (let j = 0; j < mb; j++) {
                const v = factor * block[i * mb + j];
                const row = (a + i) * perSelector + sa;
                const col = (b + j) * perSelector + sb;
                out[row * cols + col] += v;
                if (mirror) out[col * cols + row] += v;
              }
            }
          };
          if (o.kind === 'full') {
            for (let sa = 0; sa < group.length; sa++) {
              for (let sb = same ? sa : 0; sb < group.length; sb++) {
                const g = gram(piecesA[sa], piecesB[sb], ma, mb, cache);
                place(await g.read(), sa, sb, 1, symmetric && !(same && sa === sb));
                g.dispose();
              }
            }
          } else {
            let sum: Tensor | null = null;
            for (let s = 0; s < group.length; s++) {
              const g = gram(piecesA[s], piecesB[s], ma, mb, cache);
              sum = sum ? accumulate(sum, g) : g;
            }
            place(await (sum as Tensor).read(), 0, 0, scale, symmetric && !same);
            (sum as Tensor).dispose();
          }
        } finally {
          disposeCache(cache);
          if (xbChunk) {
            disposePieces(piecesB);
            xbChunk.dispose();
          }
        }
      }
    } finally {
      disposePieces(piecesA);
      xa.dispose();
    }
  }
}

/** Samples per chunk so the pieces of two chunks fit the budget and every piece fits one binding. */
async function chunkSize(model: Model, x: Tensor, selectors: Array<number | 'sum'>, o: NtkOptions): Promise<number> {
  const one = sliceRows(x, 0, 1);
  const pieces = computePieces(model, one, selectors, o.implementation);
  let perSample = 0;
  let largest = 0;
  for (const list of pieces) {
    for (const p of list) {
      const floats = 'grad' in p ? p.grad.size : p.left.size + (p.right?.size ?? 0);
      perSample += floats;
      largest = Math.max(largest, 'grad' in p ? p.grad.size : Math.max(p.left.size, p.right?.size ?? 0));
    }
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

/** Per selector, one Piece per parameter (contraction) or one Jacobian block [m, P] (jacobian). */
function computePieces(model: Model, x: Tensor, selectors: Array<number | 'sum'>, implementation: NtkImplementation): Piece[][] {
  const m = x.shape[0];
  const C = model.classes;
  model.forward(x, { mode: 'eval', record: true }).dispose();
  const result: Piece[][] = [];
  try {
    for (const s of selectors) {
      const v = new Float32Array(m * C);
      for (let i = 0; i < m; i++) {
        if (s === 'sum') v.fill(1, i * C, (i + 1) * C);
        else v[i * C + s] = 1;
      }
      const dy = Tensor.fromArray(model.gpu, v, [m, C]);
      model.backward(dy, { paramGrads: 'perSample', factored: implementation === 'contraction' }).dispose();
      dy.dispose();
      const pieces: Piece[] = model.parameters().map((p) => {
        if (p.perSampleFactors) {
          const f = p.perSampleFactors;
          p.perSampleFactors = null;
          return { left: f.left, right: f.right };
        }
        if (p.perSampleGrad) {
          const g = p.perSampleGrad;
          p.perSampleGrad = null;
          return { grad: g };
        }
        throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: parameter "${p.name}" received no per-sample gradient.`);
      });
      result.push(implementation === 'jacobian' ? [{ grad: jacobianRows(pieces, m) }] : pieces);
    }
  } catch (e) {
    disposePieces(result);
    throw e;
  } finally {
    model.clearRecord();
  }
  return result;
}

/** Concatenates per-parameter per-sample gradients into Jacobian rows [m, P] (disposes the pieces). */
function jacobianRows(pieces: Piece[], m: number): Tensor {
  const grads = pieces.map((p) => {
    if (!('grad' in p)) throw new NtkError('E_INVALID_ARGUMENT', 'empiricalNtk: the jacobian implementation needs unfactored gradients.');
    return p.grad;
  });
  const widths = grads.map((g) => g.size / m);
  const P = widths.reduce((s, w) => s + w, 0);
  const J = Tensor.empty(grads[0].gpu, [m, P]);
  let offset = 0;
  grads.forEach((g, i) => {
    const gpu = g.gpu;
    const [gx, gy] = grid2d(Math.ceil(g.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
    gpu.run({
      shader: 'copy_columns',
      label: `jacobian columns ${offset}+${widths[i]}`,
      storage: [
        { buffer: g.buffer, bytes: g.bytes },
        { buffer: J.buffer, bytes: J.bytes },
      ],
      params: packParams([['u32', m], ['u32', widths[i]], ['u32', P], ['u32', offset], ['u32', gx * 64], ['u32', 0], ['u32', 0], ['u32', 0]]),
      workgroups: [gx, gy],
    });
    offset += widths[i];
    g.dispose();
  });
  return J;
}

/**
 * Gram products of right factors, keyed by their buffers: a dense layer's right factor is its
 * input, shared by every logit's backward pass, so a a'ᵀ is computed once per chunk pair.
 */
type RightGramCache = Map<GPUBuffer, Map<GPUBuffer, Tensor>>;

function rightGram(cache: RightGramCache, ra: Tensor, rb: Tensor): Tensor {
  let inner = cache.get(ra.buffer);
  if (!inner) cache.set(ra.buffer, (inner = new Map()));
  let g = inner.get(rb.buffer);
  if (!g) inner.set(rb.buffer, (g = matmul(ra, rb, { transB: true })));
  return g;
}

function disposeCache(cache: RightGramCache): void {
  cache.forEach((inner) => inner.forEach((t) => t.dispose()));
  cache.clear();
}

/** Σ over parameters of <piece_a(i), piece_b(j)>: [ma, mb]. */
function gram(a: Piece[], b: Piece[], ma: number, mb: number, cache: RightGramCache): Tensor {
  let sum: Tensor | null = null;
  for (let p = 0; p < a.length; p++) {
    const pa = a[p];
    const pb = b[p];
    if ('grad' in pa && 'grad' in pb) {
      const ga = pa.grad.reshape([ma, pa.grad.size / ma]);
      const gb = pb.grad.reshape([mb, pb.grad.size / mb]);
      if (sum) matmulInto(ga, gb, sum, { transB: true, accumulate: true });
      else sum = matmul(ga, gb, { transB: true });
      ga.dispose();
      gb.dispose();
    } else if (!('grad' in pa) && !('grad' in pb)) {
      const left = matmul(pa.left, pb.left, { transB: true });
      let term = left;
      if (pa.right && pb.right) {
        term = mul(left, rightGram(cache, pa.right, pb.right));
        left.dispose();
      }
      sum = sum ? accumulate(sum, term) : term;
    } else {
      throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: parameter ${p} was factored for one chunk and not the other.`);
    }
  }
  if (!sum) throw new NtkError('E_INVALID_ARGUMENT', 'empiricalNtk: the model has no parameters.');
  return sum;
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

function disposePieces(pieces: Piece[][]): void {
  for (const list of pieces) {
    for (const p of list) {
      if ('grad' in p) p.grad.dispose();
      else {
        p.left.dispose();
        p.right?.dispose();
      }
    }
  }
}
