// Matrix multiply on the device: C = op(A) op(B), optionally batched over a leading dimension,
// with either operand transposed, into a new tensor or accumulated into an existing one. One GEMM
// core with three variants, the adapter's chosen by measurement (ops/program_choice.ts): the barrier-
// free register-blocked shaders/gemm_block.wgsl (operands packed by shaders/gemm_pack.wgsl when their
// layout needs it; fast on CPU adapters) and the workgroup-memory tiled shaders/matmul.wgsl (fast on
// GPUs). Both split K under the loop
// budget (src/device/loop_budget.ts) and add the parts in a fixed order: deterministic per adapter.
// An epilogue (bias per row or column, ReLU, mask) acts on each stored value inside the GEMM where
// that value is final, else as the separate ops after the parts' sum: the same float operations.

import type { Gpu } from '../device/gpu.js';
import { splitLoop } from '../device/loop_budget.js';
import { check, NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { reluBackward } from './binary.js';
import { channelAffine } from './channel_affine.js';
import { grid2d } from './grid.js';
import { map } from './map.js';
import { sumPartialsInto } from './sum_partials.js';

import type { GemmVariant } from '../device/programs.js';

export { GEMM_VARIANTS, type GemmVariant } from '../device/programs.js';

/** Options of matmul. */
export interface MatmulOptions {
  /** Use Aᵀ: A is stored [K, M] (or [batch, K, M]). Default false. */
  transA?: boolean;
  /** Use Bᵀ: B is stored [N, K] (or [batch, N, K]). Default false. */
  transB?: boolean;
  /** Force a GEMM variant (tests and benchmarks); default: gemmVariant(gpu). */
  gemm?: GemmVariant;
  /** Applied to every entry of C before it is stored (not with accumulate). */
  epilogue?: GemmEpilogue;
}

/**
 * What a GEMM does to each entry v of C, in this order: v + bias, max(v, 0), v where mask > 0
 * else 0. The same float operations as biasAdd / channelAffine, map(., 'relu') and reluBackward
 * (., mask) after the product, so the same bits.
 */
export interface GemmEpilogue {
  /** Added after the product: `values` [M] (one per row of C) or [N] (one per column), shared over the batch. */
  bias?: { values: Tensor; per: 'row' | 'column' };
  /** Store max(v, 0). */
  relu?: boolean;
  /** Store v where mask > 0, else 0; the shape of C (a ReLU's backward with its output as mask). */
  mask?: Tensor;
}

/** The adapter's GEMM variant: measured when the Gpu was created, or forced (Gpu.programs). */
export function gemmVariant(gpu: Gpu): GemmVariant {
  return gpu.programs.matmul;
}

/** matmul.wgsl (lib/gemm_tiled_core.wgsl): output tile, k values per step, and loop iterations one k step may cost (the step,
 * 4 tile loads and 16 multiply-add rounds, counting small inner loops as if not unrolled). */
const TILE = 64;
const TILED_BK = 16;
const TILED_ITERATIONS_PER_STEP = 24;
/** gemm_block.wgsl: rows x columns of C per invocation; its only loop runs once per 4 k. */
const BLOCK_M = 32;
const BLOCK_N = 16;
/** Invocations the block variant aims for before it splits K further for parallelism (llvmpipe runs
 * 8 lanes per SIMD vector on every core), and the fewest k values such a split leaves per part. */
const TARGET_INVOCATIONS = 64;
const MIN_K_PER_PART = 1024;

/**
 * C = op(A) · op(B). A: [M, K] or [batch, M, K] (transposed: [.., K, M]); B: [K, N] or
 * [batch, K, N] (transposed: [.., N, K]); a 2-D B is shared by every batch entry.
 * Returns C: [M, N] or [batch, M, N]. f32 throughout, accumulation in f32.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { batch, M, N } = matmulShape(a, b, options);
  const outShape = a.shape.length === 3 ? [batch, M, N] : [M, N];
  checkEpilogue(a, options.epilogue, outShape, null, false);
  void [a.buffer, b.buffer]; // throw E_DISPOSED before anything is allocated
  const out = Tensor.empty(a.gpu, outShape);
  dispatch(a, b, out, options, false);
  return out;
}

/**
 * Writes op(A) · op(B) into `out` (same shape as matmul() would return, any view of that size),
 * or adds it to `out` when `accumulate`: used to sum parameter gradients without a temporary.
 */
export function matmulInto(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions & { accumulate?: boolean } = {}): void {
  const { batch, M, N } = matmulShape(a, b, options);
  if (out.size !== batch * M * N) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `matmulInto: out [${out.shape}] has ${out.size} elements but the product is ${batch > 1 ? `${batch}x` : ''}${M}x${N}.`,
      { out: [...out.shape], batch, M, N },
    );
  }
  checkEpilogue(a, options.epilogue, a.shape.length === 3 ? [batch, M, N] : [M, N], out, options.accumulate ?? false);
  dispatch(a, b, out, options, options.accumulate ?? false);
}

/** Validates an epilogue for C of `outShape` (written into `out` when given) before anything runs. */
function checkEpilogue(a: Tensor, e: GemmEpilogue | undefined, outShape: number[], out: Tensor | null, accumulate: boolean): void {
  if (!e) return;
  const [M, N] = outShape.slice(-2);
  if (accumulate && hasEpilogue(e)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'matmulInto: an epilogue acts on the stored product, not on a sum into `out`; drop `accumulate` or the epilogue.',
    );
  }
  const operands: [string, Tensor][] = [];
  if (e.bias) {
    const { values, per } = e.bias;
    if (per !== 'row' && per !== 'column') {
      throw new NtkError('E_INVALID_ARGUMENT', `matmul: epilogue bias.per must be 'row' or 'column', got ${JSON.stringify(per)}.`);
    }
    const length = per === 'row' ? M : N;
    if (values.shape.length !== 1 || values.shape[0] !== length) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `matmul: epilogue bias [${values.shape}] must be [${length}] (one per ${per} of the ${M}x${N} product).`,
        { bias: [...values.shape], per, M, N },
      );
    }
    operands.push(['bias', values]);
  }
  if (e.mask) {
    if (e.mask.shape.length !== outShape.length || e.mask.shape.some((d, i) => d !== outShape[i])) {
      throw new NtkError('E_SHAPE_MISMATCH', `matmul: epilogue mask [${e.mask.shape}] must have the product's shape [${outShape}].`, {
        mask: [...e.mask.shape],
        product: outShape,
      });
    }
    operands.push(['mask', e.mask]);
  }
  for (const [what, t] of operands) {
    if (t.gpu !== a.gpu) throw new NtkError('E_INVALID_ARGUMENT', `matmul: the epilogue ${what} lives on another Gpu object than A.`);
    if (out && t.buffer === out.buffer) {
      throw new NtkError('E_INVALID_ARGUMENT', `matmulInto: the epilogue ${what} shares its buffer with \`out\`; pass a separate tensor.`);
    }
  }
}

function hasEpilogue(e: GemmEpilogue): boolean {
  return e.bias !== undefined || e.relu === true || e.mask !== undefined;
}

/** The epilogue in a dispatch label, e.g. ` +bias(column) relu`. */
function epilogueLabel(e: GemmEpilogue): string {
  return `${e.bias ? ` +bias(${e.bias.per})` : ''}${e.relu ? ' relu' : ''}${e.mask ? ' mask' : ''}`;
}

/** The epilogue's override constants and bindings (unused ones bound to `alias`, a read-only operand). */
function epilogueSetup(e: GemmEpilogue, alias: Tensor) {
  return {
    constants: {
      ...(e.bias ? { HAS_BIAS: true, ...(e.bias.per === 'column' ? { BIAS_PER_COLUMN: true } : {}) } : {}),
      ...(e.relu ? { RELU: true } : {}),
      ...(e.mask ? { HAS_MASK: true } : {}),
    },
    Bias: e.bias?.values ?? alias,
    Mask: e.mask ?? alias,
  };
}

/**
 * The epilogue as the separate ops (channelAffine's shift, map relu, reluBackward) on elements
 * [offset, offset + batch·M·N) of `out`, a [batch, M, N] product: where the GEMM's stored values are
 * partial sums (split-K). The same float operations as in the GEMM.
 */
function epilogueApart(out: Tensor, offset: number, batch: number, M: number, N: number, e: GemmEpilogue): void {
  if (!hasEpilogue(e)) return;
  const gpu = out.gpu;
  const size = batch * M * N;
  let y: Tensor;
  if (offset === 0 && out.size === size) y = out.reshape([batch, M, N]);
  else {
    y = Tensor.empty(gpu, [batch, M, N]);
    gpu.copy(out.buffer, offset * 4, y.buffer, 0, y.bytes);
  }
  const step = (next: Tensor) => {
    y.dispose();
    y = next;
  };
  if (e.bias?.per === 'row') step(channelAffine(y, null, e.bias.values));
  if (e.bias?.per === 'column') {
    const rows = y.reshape([batch * M, N]);
    const sum = channelAffine(rows, null, e.bias.values);
    rows.dispose();
    step(sum.reshape([batch, M, N]));
    sum.dispose();
  }
  if (e.relu) step(map(y, 'relu'));
  if (e.mask) {
    const mask = e.mask.reshape([batch, M, N]);
    step(reluBackward(y, mask));
    mask.dispose();
  }
  gpu.copy(y.buffer, 0, out.buffer, offset * 4, y.bytes);
  y.dispose();
}

function matmulShape(a: Tensor, b: Tensor, options: MatmulOptions): { batch: number; M: number; N: number; K: number } {
  const { transA = false, transB = false } = options;
  if ('kernel' in options) {
    throw new NtkError('E_INVALID_ARGUMENT', 'matmul: option `kernel` is now `gemm` (a GEMM variant: block, block-storage or tiled).', {
      option: 'kernel',
      renamed: 'gemm',
    });
  }
  if (a.gpu !== b.gpu) throw new NtkError('E_INVALID_ARGUMENT', 'matmul: A and B live on different Gpu objects.');
  if (a.shape.length < 2 || a.shape.length > 3 || b.shape.length < 2 || b.shape.length > 3) {
    throw new NtkError('E_SHAPE_MISMATCH', `matmul: A [${a.shape}] and B [${b.shape}] must be 2-D or 3-D (batched).`);
  }
  const batch = a.shape.length === 3 ? a.shape[0] : 1;
  const bBatch = b.shape.length === 3 ? b.shape[0] : 1;
  if (b.shape.length === 3 && bBatch !== batch) {
    throw new NtkError('E_SHAPE_MISMATCH', `matmul: batch sizes differ: A [${a.shape}] vs B [${b.shape}].`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const [K2, N] = transB ? [bc, br] : [br, bc];
  if (K !== K2) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `matmul: inner dimensions differ: op(A) is ${M}x${K} but op(B) is ${K2}x${N} (A [${a.shape}], B [${b.shape}], ` +
        `transA=${transA}, transB=${transB}).`,
      { a: [...a.shape], b: [...b.shape], transA, transB },
    );
  }
  return { batch, M, N, K };
}

function dispatch(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions, accumulate: boolean): void {
  const variant = options.gemm ?? gemmVariant(a.gpu);
  if (variant === 'tiled') dispatchTiled(a, b, out, options, accumulate);
  else dispatchBlock(a, b, out, options, accumulate, variant === 'block');
}

/** Runs a GEMM program writing `parts` slabs (one when `parts` is 1: straight into `out`), then adds them. */
function withParts(out: Tensor, parts: number, accumulate: boolean, run: (target: Tensor) => void): void {
  if (parts === 1) {
    run(out);
    return;
  }
  const target = Tensor.empty(out.gpu, [parts, out.size]);
  run(target);
  sumPartialsInto(target, parts, out, accumulate);
  target.dispose();
}

function dispatchTiled(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions, accumulate: boolean): void {
  const { transA = false, transB = false } = options;
  const { batch, M, N, K } = matmulShape(a, b, options);
  const { parts, perPart } = splitLoop(K, TILED_BK / TILED_ITERATIONS_PER_STEP, 0, TILED_BK);
  const epilogue = options.epilogue ?? {};
  const fused = parts === 1 && !accumulate; // the stored values are final: the epilogue runs in the GEMM
  const setup = epilogueSetup(fused ? epilogue : {}, a);
  withParts(out, parts, accumulate, (target) => {
    a.gpu.run({
      shader: 'matmul',
      label:
        `matmul (tiled) ${M}x${K}x${N}${batch > 1 ? ` x${batch}` : ''}${parts > 1 ? ` in ${parts} k-parts` : ''}` +
        `${accumulate ? ' +=' : ''}${fused ? epilogueLabel(epilogue) : ''}`,
      constants: { TRANS_A: transA, TRANS_B: transB, ...(accumulate && parts === 1 ? { ACCUMULATE: true } : {}), ...setup.constants },
      bindings: { A: a, B: b, C: target, Bias: setup.Bias, Mask: setup.Mask },
      params: { M, N, K, batch, strideA: M * K, strideB: b.shape.length === 3 ? K * N : 0, strideC: M * N, kPer: perPart },
      workgroups: [Math.ceil(N / TILE), Math.ceil(M / TILE), batch * parts],
    });
  });
  if (!fused) epilogueApart(out, 0, batch, M, N, epilogue);
}

function dispatchBlock(a: Tensor, b: Tensor, out: Tensor, options: MatmulOptions, accumulate: boolean, textures: boolean): void {
  const { transA = false, transB = false } = options;
  const { batch, M, N, K } = matmulShape(a, b, options);
  const K4 = Math.ceil(K / 4);
  const bBatched = b.shape.length === 3;
  // A as [batch][M][4·K4] rows; B as [batch][4·K4][4·ldb4] rows or (transB) [batch][N][4·K4]
  const ap = transA || K % 4 !== 0 ? packOperand(a, batch, M, K, M, 4 * K4, transA) : a;
  const ldb4 = transB ? 0 : Math.ceil(N / 4);
  const bRows = bBatched ? batch : 1;
  const bp = transB
    ? K % 4 !== 0
      ? packOperand(b, bRows, N, K, N, 4 * K4, false)
      : b
    : K % 4 !== 0 || N % 4 !== 0
      ? packOperand(b, bRows, K, N, 4 * K4, 4 * ldb4, false)
      : b;
  blockGemm({
    a: ap,
    b: bp,
    out,
    M,
    N,
    K4,
    batch,
    strideA4: M * K4,
    strideB4: bBatched ? (transB ? N * K4 : 4 * K4 * ldb4) : 0,
    ldb4,
    transB,
    accumulate,
    epilogue: options.epilogue,
    textures,
  });
  if (ap !== a) ap.dispose();
  if (bp !== b) bp.dispose();
}

/** One product on the block variant, operands already in its layout (see gemm_block.wgsl). */
export interface BlockGemm {
  /** [.][M][4·K4] vec4 rows (k contiguous, zero-padded past K) from vec4 `aOffset4` on; strideA4 0
   * shares A over the batch. */
  a: Tensor;
  aOffset4?: number;
  /** [.][4·K4][4·ldb4] (n contiguous) or, transB, [.][N][4·K4]; strideB4 0 shares B. */
  b: Tensor;
  /** C: batch x [M, N] written (or added) from element `outOffset` on. */
  out: Tensor;
  outOffset?: number;
  M: number;
  N: number;
  K4: number;
  batch: number;
  strideA4: number;
  strideB4: number;
  ldb4: number;
  transB: boolean;
  accumulate: boolean;
  /** Adds bias[row] to every entry, in the first k-part under split-K (not with accumulate): conv2d's bias. */
  bias?: Tensor | null;
  /** Applied to the final values (in the GEMM without split-K, else after the parts' sum); not with
   * accumulate, and its bias not with `bias`. */
  epilogue?: GemmEpilogue;
  /** Read the operands as texels where they fit a texture (llvmpipe's fast load path). */
  textures: boolean;
}

/**
 * Runs gemm_block(_texture).wgsl: splits K under the loop budget (one loop iteration per 4 k) and
 * further while fewer than TARGET_INVOCATIONS would run, then adds the parts in order. The GEMM
 * core that matmul and the software-adapter conv2d paths share.
 */
export function blockGemm(g: BlockGemm): void {
  const { a, b, out, M, N, K4, batch, transB, accumulate } = g;
  const gpu = out.gpu;
  const outOffset = g.outOffset ?? 0;
  const blocksN = Math.ceil(N / BLOCK_N);
  const blocks = Math.ceil(M / BLOCK_M) * blocksN;
  const budget = splitLoop(K4, 1);
  const wanted = Math.min(Math.ceil(TARGET_INVOCATIONS / (blocks * batch)), Math.floor((4 * K4) / MIN_K_PER_PART));
  const parts = Math.max(budget.parts, wanted, 1);
  const kPer4 = Math.ceil(K4 / parts);
  const slabs = Math.ceil(K4 / kPer4);
  const asTexture = g.textures && gpu.textureFits(a.buffer, a.bytes) && gpu.textureFits(b.buffer, b.bytes);
  const target = slabs === 1 ? out : Tensor.empty(gpu, [slabs * batch, M, N]);
  const epilogue = g.epilogue ?? {};
  check(!(accumulate && hasEpilogue(epilogue)) && !(g.bias && epilogue.bias), 'blockGemm: an epilogue with accumulate or with `bias`.');
  const fused = slabs === 1 && !accumulate; // the stored values are final: the epilogue runs in the GEMM
  const setup = epilogueSetup(fused ? epilogue : {}, b);
  gpu.run({
    shader: asTexture ? 'gemm_block_texture' : 'gemm_block',
    label:
      `matmul (block${asTexture ? ', texels' : ''}) ${M}x${4 * K4}x${N}${batch > 1 ? ` x${batch}` : ''}` +
      `${slabs > 1 ? ` in ${slabs} k-parts` : ''}${accumulate ? ' +=' : ''}${fused ? epilogueLabel(epilogue) : ''}`,
    constants: {
      TRANS_B: transB,
      ...(accumulate && slabs === 1 ? { ACCUMULATE: true } : {}),
      ...(g.bias ? { HAS_BIAS: true } : {}),
      ...setup.constants,
    },
    bindings: {
      A: a,
      B: b,
      C: target,
      Bias: g.bias ?? setup.Bias, // `b` when unused
      Mask: setup.Mask,
    },
    params: {
      M,
      N,
      K4,
      batch,
      strideA4: g.strideA4,
      strideB4: g.strideB4,
      ldb4: g.ldb4,
      kPer4,
      blocksN,
      blocks,
      cOffset: target === out ? outOffset : 0,
      aOffset4: g.aOffset4 ?? 0,
    },
    workgroups: [Math.ceil(blocks / 64), batch * slabs],
  });
  if (target === out) return;
  if (outOffset === 0 && out.size === batch * M * N) sumPartialsInto(target, slabs, out, accumulate);
  else {
    const sum = Tensor.empty(gpu, [batch * M * N]);
    if (accumulate) gpu.copy(out.buffer, outOffset * 4, sum.buffer, 0, sum.bytes);
    sumPartialsInto(target, slabs, sum, accumulate);
    gpu.copy(sum.buffer, 0, out.buffer, outOffset * 4, sum.bytes);
    sum.dispose();
  }
  target.dispose();
  epilogueApart(out, outOffset, batch, M, N, epilogue);
}

/** [batches][rowsP][colsP] copy of a rows x cols matrix (read transposed when `trans`), zero-padded. */
export function packOperand(
  src: Tensor,
  batches: number,
  rows: number,
  cols: number,
  rowsP: number,
  colsP: number,
  trans: boolean,
): Tensor {
  const gpu = src.gpu;
  const dst = Tensor.empty(gpu, [batches, rowsP, colsP]);
  const [gx, gy] = grid2d(Math.ceil(dst.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'gemm_pack',
    label: `matmul pack ${rows}x${cols}${trans ? 'ᵀ' : ''} -> ${rowsP}x${colsP}${batches > 1 ? ` x${batches}` : ''}`,
    constants: { TRANS: trans },
    bindings: { Src: src, Dst: dst },
    params: { rows, cols, rowsP, colsP, strideSrc: rows * cols, total: dst.size, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
  return dst;
}
