// The empirical NTK on the device, for any Model (BatchNorm in eval mode, so each Jacobian row
// depends on its own sample). Two implementations behind one enum that must agree:
//   `jacobian` (the reference): per-sample Jacobian rows J per logit, then Gram products;
//   `contraction` (the default): layer by layer without J: a dense layer's per-sample gradient is
//     dy_i ⊗ a_i, so its contribution is (dy dy'ᵀ) ⊙ (a a'ᵀ); a conv layer's per-sample (weight and
//     bias) gradients are Σ_pixels dy_i[p] ⊗ patch_i[p]: formed on the GEMM core, or, where the
//     pixel plane is small enough for that to be cheaper, contracted as Σ_{p,q} (dy_i[p]·dy_j[q])
//     (patch_i[p]·patch_j[q]); other layers (BatchNorm) give per-sample gradients G: G G'ᵀ.
// All logits of a pass share one forward; each logit's backward fills a per-sample gradient sink
// (nn/gradient_sink.ts) whose pieces are interleaved into rows i·r + s (sample i, logit s), so every
// product after it is batched over samples x logits.
// Samples are processed in chunks sized to a memory budget, so large probe sets are tiled.

import { NtkError } from '../errors.js';
import { EIGH_MAX_ORDER } from '../linalg/eigh.js';
import { PerSampleGrads } from '../nn/gradient_sink.js';
import type { Parameter } from '../nn/layer.js';
import { Model } from '../nn/model.js';
import { add, mul } from '../ops/binary.js';
import type { Conv2dGeometry } from '../ops/conv2d.js';
import { conv2dCotangentWeightGrads, conv2dPixelFactors, conv2dPixelStride, conv2dStructuredCheaper } from './conv2d_factors.js';
import { matmul, matmulInto } from '../ops/matmul.js';
import { blockProductSum } from '../ops/block_product_sum.js';
import { copyColumns } from '../ops/copy_columns.js';
import { requireChoice, requireInstance, requireInteger, resolveOptions } from '../options.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * `trace`: (1/C) Σ_c ∇f_c(x)·∇f_c(x') [n1, n2] (the mean over logits, as neural-tangents);
 * `full`: ∇f_c(x)·∇f_c'(x') [n1·C, n2·C], row index i·C + c (sample-major);
 * `logit`: one logit's kernel [n1, n2]; `sumLogits`: ∇(Σ_c f_c(x))·∇(Σ_c f_c(x')) [n1, n2].
 */
export const KERNEL_KINDS = ['trace', 'full', 'logit', 'sumLogits'] as const;
/** One of KERNEL_KINDS. */
export type KernelKind = (typeof KERNEL_KINDS)[number];
/** How empiricalNtk computes: `contraction` (default, from per-sample gradient factors) or `jacobian` (materialised per-sample gradients, the reference). */
export const NTK_IMPLEMENTATIONS = ['contraction', 'jacobian'] as const;
/** One of NTK_IMPLEMENTATIONS. */
export type NtkImplementation = (typeof NTK_IMPLEMENTATIONS)[number];

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
 * One parameter's per-sample gradients over a chunk of m samples x r selectors (row i·r + s: sample
 * i, selector s): materialised [m·r, W] (`grad`), a dense layer's outer-product factors (row
 * i·r + s's gradient is left[i·r + s] ⊗ right[i]; left [m·r, a], right [m, b], or null for a bias),
 * or a conv layer's pixel-major factors (`Structured`, chosen when cheaper than materialising).
 */
type Piece = { grad: Tensor } | { left: Tensor; right: Tensor | null } | Structured;

/** A conv layer's factors for the structured contraction (conv2dPixelFactors): delta [m, plane, ·] and patches [m, plane, ·]. */
interface Structured {
  delta: Tensor;
  patches: Tensor;
  plane: number;
}

/** The selectors (logits, or the sum of logits) whose cotangents one pass carries. */
type Selector = number | 'sum';

/** The most values a kernel may have: those of the largest matrix the eigen-solver takes (EIGH_MAX_ORDER², 1 GiB of float64). */
export const KERNEL_MAX_VALUES = EIGH_MAX_ORDER * EIGH_MAX_ORDER;

/** E_RESOURCE_LIMIT before any allocation when a rows x cols float64 kernel has more than KERNEL_MAX_VALUES values (`where` names the caller). */
export function checkKernelSize(rows: number, cols: number, where: string): void {
  if (rows * cols <= KERNEL_MAX_VALUES) return;
  throw new NtkError(
    'E_RESOURCE_LIMIT',
    `${where}: a ${rows} x ${cols} kernel takes ${((rows * cols * 8) / 2 ** 30).toFixed(1)} GiB of float64, ` +
      `more than the ${EIGH_MAX_ORDER} x ${EIGH_MAX_ORDER} (1 GiB) the eigen-solver takes; use fewer probes (a square kernel of at most ${EIGH_MAX_ORDER} rows: ` +
      'probes x logits for the full kind).',
    { rows, cols, limit: KERNEL_MAX_VALUES },
  );
}

/**
 * K(x1, x2) (or K(x1, x1) when x2 is null) for inputs [n, ...model input]. The inputs stay
 * owned by the caller. Runs `model` in eval mode; parameter gradients are left untouched.
 */
export async function empiricalNtk(model: Model, x1: Tensor, x2: Tensor | null, options: Partial<NtkOptions> = {}): Promise<Kernel> {
  requireInstance('empiricalNtk', 'model', model, Model, 'a Model (createMlp, createCnn, ...)');
  requireInstance('empiricalNtk', 'x1', x1, Tensor, 'a Tensor of inputs');
  if (x2 !== null) requireInstance('empiricalNtk', 'x2', x2, Tensor, 'a Tensor of inputs or null');
  const o = resolveOptions('empiricalNtk', DEFAULT_NTK, options);
  requireChoice('empiricalNtk', 'kind', o.kind, KERNEL_KINDS);
  requireChoice('empiricalNtk', 'implementation', o.implementation, NTK_IMPLEMENTATIONS);
  requireInteger('empiricalNtk', 'budgetBytes', o.budgetBytes);
  const C = model.classes;
  if (o.kind === 'logit' && !(Number.isInteger(o.logit) && o.logit >= 0 && o.logit < C)) {
    throw new NtkError('E_INVALID_ARGUMENT', `empiricalNtk: option "logit" must be a class index in [0, ${C}), got ${o.logit}.`, {
      option: 'logit',
    });
  }
  for (const x of x2 ? [x1, x2] : [x1]) {
    if (x.shape.length === 0 || x.shape[0] === 0) throw new NtkError('E_SHAPE_MISMATCH', 'empiricalNtk: an input set is empty.');
    model.checkInput(x);
  }
  const [n1, n2] = [x1.shape[0], (x2 ?? x1).shape[0]];
  const selectors: Selector[] =
    o.kind === 'trace' || o.kind === 'full' ? Array.from({ length: C }, (_, c) => c) : o.kind === 'logit' ? [o.logit] : ['sum'];
  const perSelector = o.kind === 'full' ? C : 1;
  checkKernelSize(n1 * perSelector, n2 * perSelector, 'empiricalNtk');
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
 * [m·r, m'·r] Gram of the pieces' rows is placed as it is (row i·C + c); otherwise the sample
 * Grams summed over the group's selectors (a sample's r rows read as one row), times `scale`.
 * K(X, X) computes each pair of chunks once (mirrored).
 */
async function accumulateKernel(
  model: Model,
  x1: Tensor,
  x2: Tensor | null,
  group: Selector[],
  o: NtkOptions,
  out: Float64Array,
  scale: number,
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
      return computePieces(model, xs, group, o.implementation, full);
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
  // carry over as the next a's (with two chunks, each chunk's pieces are computed once).
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

/**
 * Samples per chunk so that the pieces of two chunks fit the budget and every buffer of a chunk's
 * pass (pieces, activations, im2col operands) fits one binding, judged from a
 * one-sample pass (once per model and pass shape); chunks are then evened out.
 */
async function chunkSize(model: Model, x: Tensor, selectors: Selector[], o: NtkOptions): Promise<number> {
  const { perSample, largest } = await onePassSizes(model, x, selectors, o);
  const byBudget = Math.floor(o.budgetBytes / (2 * 4 * perSample));
  const byBinding = Math.floor(Math.min(model.gpu.limits.maxStorageBufferBindingSize, model.gpu.limits.maxBufferSize) / largest);
  const n = x.shape[0];
  const m = Math.min(byBudget, byBinding, n);
  if (m < 1) {
    throw new NtkError(
      'E_BUFFER_TOO_LARGE',
      byBudget < 1
        ? `empiricalNtk: one sample's per-sample gradients (${perSample} floats) do not fit budgetBytes=${o.budgetBytes}; raise budgetBytes.`
        : `empiricalNtk: one sample's pass needs a ${largest}-byte buffer, more than this device binds; use a smaller model.`,
      { option: 'budgetBytes' },
    );
  }
  return Math.ceil(n / Math.ceil(n / m));
}

/** One sample's piece floats and largest buffer request, per model and pass shape (the shapes alone set them). */
const PASS_SIZES = new WeakMap<Model, Map<string, { perSample: number; largest: number }>>();

async function onePassSizes(
  model: Model,
  x: Tensor,
  selectors: Selector[],
  o: NtkOptions,
): Promise<{ perSample: number; largest: number }> {
  const key = `${x.shape.slice(1)}|${selectors.length}|${o.implementation}|${o.kind === 'full'}`;
  let sizes = PASS_SIZES.get(model);
  if (!sizes) PASS_SIZES.set(model, (sizes = new Map()));
  const known = sizes.get(key);
  if (known) return known;
  const pool = model.gpu.pool;
  const one = sliceRows(x, 0, 1);
  pool.largestRequest = 0;
  const pieces = computePieces(model, one, selectors, o.implementation, o.kind === 'full');
  const largest = pool.largestRequest;
  let perSample = 0;
  for (const p of pieces)
    perSample += 'grad' in p ? p.grad.size : 'delta' in p ? p.delta.size + p.patches.size : p.left.size + (p.right?.size ?? 0);
  disposePieces(pieces);
  one.dispose();
  await model.gpu.checkErrors();
  const result = { perSample, largest };
  sizes.set(key, result);
  return result;
}

/**
 * The pieces of a chunk x [m, ...]: one forward, then one backward per selector; what each
 * parameter's backward leaves is interleaved into rows i·r + s (sample i, selector s; r =
 * selectors.length), so the products after it are batched over samples x selectors.
 * Contraction: one Piece per parameter (a conv layer's weight and bias as one piece, materialised on
 * the GEMM core, or, for Grams summed over selectors (not `blocks`), as pixel-major factors where
 * that is cheaper: conv2dStructuredCheaper); jacobian: one Piece, the Jacobian rows [m·r, P].
 */
function computePieces(model: Model, x: Tensor, selectors: Selector[], implementation: NtkImplementation, blocks: boolean): Piece[] {
  const m = x.shape[0];
  const r = selectors.length;
  const C = model.classes;
  const slots = new Map<Parameter, Slot>(); // in parameter order
  let pieces: Piece[] = [];
  try {
    model.forward(x, { mode: 'eval', record: true }).dispose();
    selectors.forEach((s, k) => {
      const v = new Float32Array(m * C);
      for (let i = 0; i < m; i++) {
        if (s === 'sum') v.fill(1, i * C, (i + 1) * C);
        else v[i * C + s] = 1;
      }
      const dy = Tensor.fromArray(model.gpu, v, [m, C]);
      const sink = new PerSampleGrads(implementation === 'contraction');
      try {
        model.backward(dy, { grads: sink, inputGrad: false }).dispose();
        for (const p of model.parameters()) {
          const e = sink.entry(p, 'empiricalNtk');
          // a conv layer's bias shares dy with its weight: it joins the weight's product (withBias)
          if (e.kind === 'factors' && e.conv && p === e.bias) continue;
          const rows = e.kind === 'grad' ? e.grad : e.dy;
          const conv = e.kind === 'factors' ? e.conv : null;
          if (k === 0) {
            // a conv layer's dy goes into planes padded to the GEMM core's pixel stride (zeros past the plane)
            const convShape = conv ? [m * r, conv.cout, conv2dPixelStride(conv)] : null;
            const padded = conv !== null && convShape![2] !== conv.oh * conv.ow;
            slots.set(p, {
              kind: e.kind === 'grad' ? 'grad' : conv ? 'conv' : 'dense',
              rows: padded
                ? Tensor.zeros(model.gpu, convShape!)
                : r === 1
                  ? rows.view()
                  : Tensor.empty(model.gpu, convShape ?? [m * r, ...rows.shape.slice(1)]),
              right: e.kind === 'factors' && p === e.weight ? e.x.view() : null,
              conv,
              withBias: conv !== null && e.kind === 'factors' && e.bias !== null,
            });
          }
          const slot = slots.get(p)!;
          if (r > 1 || slot.rows.size !== rows.size) {
            // sample i's piece of selector k goes to rows i·r + k: as rows of `lines` values each
            // (a conv layer: cout planes, padded to `stride`), or as one row
            const lines = slot.conv ? slot.conv.cout : 1;
            const width = rows.size / (m * lines);
            const stride = slot.rows.size / (m * r * lines);
            copyColumns(
              rows,
              slot.rows,
              { rows: m * lines, width, group: lines, groupStride: r * lines * stride, stride, offset: k * lines * stride },
              `ntk selector ${k} of ${p.name}`,
            );
          }
        }
      } finally {
        sink.dispose();
        dy.dispose();
      }
    });
    if (implementation === 'jacobian') {
      pieces = [
        {
          grad: jacobianRows(
            [...slots.values()].map((t) => t.rows),
            m * r,
          ),
        },
      ];
    } else {
      for (const slot of slots.values()) {
        if (slot.kind === 'grad') pieces.push({ grad: slot.rows.view() });
        else if (slot.kind === 'dense') pieces.push({ left: slot.rows.view(), right: slot.right?.view() ?? null });
        else if (!blocks && conv2dStructuredCheaper(slot.conv!, r)) {
          pieces.push({
            ...conv2dPixelFactors(slot.right!, slot.rows, slot.conv!, r, slot.withBias),
            plane: slot.conv!.oh * slot.conv!.ow,
          });
        } else pieces.push({ grad: conv2dCotangentWeightGrads(slot.right!, slot.rows, slot.conv!, r, slot.withBias) });
      }
    }
    return pieces;
  } catch (e) {
    disposePieces(pieces);
    throw e;
  } finally {
    for (const slot of slots.values()) {
      slot.rows.dispose();
      slot.right?.dispose();
    }
    model.clearRecord();
  }
}

/**
 * What one parameter's backward passes leave (from its PerSampleGrads entry), gathered over the
 * selectors: `rows` [m·r, ...] is the per-sample gradient (`grad`), the left factor dy (`dense`; a
 * dense weight and its bias each have a slot) or dy (`conv`, pixel planes padded to
 * conv2dPixelStride) of every selector, interleaved; `right` the dense weight's input or the conv
 * layer's x [m, ...] (the same for every selector). A conv bias has no slot: it joins its weight's
 * product (`withBias`, from the layer's weight/bias entry).
 */
interface Slot {
  kind: 'grad' | 'dense' | 'conv';
  rows: Tensor;
  right: Tensor | null;
  conv: Conv2dGeometry | null;
  withBias: boolean;
}

/** x [m, ...] -> [m·r, ...] with rows i·r + s = x_i. */
function replicateRows(x: Tensor, r: number): Tensor {
  const m = x.shape[0];
  const width = x.size / m;
  const out = Tensor.empty(x.gpu, [m * r, ...x.shape.slice(1)]);
  for (let s = 0; s < r; s++)
    copyColumns(x, out, { rows: m, width, groupStride: r * width, offset: s * width }, `ntk replica ${s} of [${x.shape}]`);
  return out;
}

/** Concatenates per-parameter per-sample gradients [rows, W_p] into Jacobian rows [rows, P]. */
function jacobianRows(grads: Tensor[], rows: number): Tensor {
  const widths = grads.map((g) => g.size / rows);
  const P = widths.reduce((sum, w) => sum + w, 0);
  const J = Tensor.empty(grads[0].gpu, [rows, P]);
  let offset = 0;
  grads.forEach((g, i) => {
    copyColumns(g, J, { rows, width: widths[i], groupStride: P, offset }, `jacobian columns ${offset}+${widths[i]}`);
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
    } else if ('delta' in pa && 'delta' in pb) {
      const term = structuredTerm(pa, pb, ma, mb);
      sum = sum ? accumulate(sum, term) : term;
    } else if ('left' in pa && 'left' in pb) {
      const la = pa.left.reshape([ra, pa.left.size / ra]);
      const lb = pb.left.reshape([rb, pb.left.size / rb]);
      let term = matmul(la, lb, { transB: true });
      la.dispose();
      lb.dispose();
      if (pa.right && pb.right) {
        // the right factor (the layer input, one row per sample) serves every selector; `blocks`
        // needs it row by row (sample x selector)
        const xa = blocks && r > 1 ? replicateRows(pa.right, r) : pa.right.view();
        const xb = pb === pa ? xa.view() : blocks && r > 1 ? replicateRows(pb.right, r) : pb.right.view();
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

/** Bytes one pixel-row Gram block of the structured contraction may take. */
const STRUCTURED_BLOCK_BYTES = 32 * 2 ** 20;

/**
 * Σ_{p,q} (delta_i[p]·delta_j[q]) (patches_i[p]·patches_j[q]) for the samples of two chunks: [ma, mb].
 * The two [ma·P, mb·P] pixel-row Grams run on the GEMM core, in sample blocks under
 * STRUCTURED_BLOCK_BYTES, then shaders/ntk_block_product_sum.wgsl sums each P x P block's product.
 */
function structuredTerm(a: Structured, b: Structured, ma: number, mb: number): Tensor {
  const gpu = a.delta.gpu;
  const P = a.plane;
  const side = Math.max(1, Math.floor(Math.sqrt(STRUCTURED_BLOCK_BYTES / 4) / P));
  const term = Tensor.empty(gpu, [ma, mb]);
  const rowsOf = (t: Tensor, start: number, count: number, m: number) =>
    count === m ? t.reshape([m * P, t.size / (m * P)]) : sliceRows(t, start, count).reshape([count * P, t.size / (m * P)]);
  for (let a0 = 0; a0 < ma; a0 += side) {
    const sa = Math.min(side, ma - a0);
    for (let b0 = 0; b0 < mb; b0 += side) {
      const sb = Math.min(side, mb - b0);
      const grams = (['delta', 'patches'] as const).map((key) => {
        const ra = rowsOf(a[key], a0, sa, ma);
        const rb = rowsOf(b[key], b0, sb, mb);
        const g = matmul(ra, rb, { transB: true });
        [ra, rb].forEach((t) => t.dispose());
        return g;
      });
      const whole = sa === ma && sb === mb;
      const block = whole ? term : Tensor.empty(gpu, [sa, sb]);
      blockProductSum(grams[0], grams[1], block, P);
      grams.forEach((t) => t.dispose());
      if (!whole) {
        copyColumns(block, term, { rows: sa, width: sb, groupStride: mb, offset: a0 * mb + b0 }, `ntk structured block ${a0},${b0}`);
        block.dispose();
      }
    }
  }
  return term;
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
    else if ('delta' in p) {
      p.delta.dispose();
      p.patches.dispose();
    } else {
      p.left.dispose();
      p.right?.dispose();
    }
  }
}
