// BatchNorm on the device for x [n, C] (1-D) or [n, C, h, w] (2-D), with every estimator switch
// explicit (docs/METHODS.md §4): batch or running statistics, running variance unbiased or biased,
// EMA or cumulative average, optional zero-debiasing, affine on/off, and updates that can be
// skipped (frozen). Reductions are fixed-order workgroup trees (shaders/batchnorm_*.wgsl): no
// atomics, deterministic. Backward goes through the batch statistics when the forward used them.

import { shaderCodes } from '../device/dispatch.js';
import type { Gpu } from '../device/gpu.js';
import { splitLoop } from '../device/loop_budget.js';
import { check, NtkError } from '../errors.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { grid2d } from './grid.js';
import { sumPartialsInto } from './sum_partials.js';

/** Threads per channel of the reduction shaders, and the loop iterations of their trees (with margin). */
const THREADS = 256;
const TREE_ITERATIONS = 32;

/** How running buffers average batch statistics, and which variance they store (see BatchNormOptions). */
export const BN_AVERAGES = ['ema', 'cumulative'] as const;
export const RUNNING_VARIANCES = ['unbiased', 'biased'] as const;

/** The estimator switches of a BatchNorm layer. */
export interface BatchNormOptions {
  /** Added to the variance inside the square root. Default 1e-5 (PyTorch). */
  eps: number;
  /** EMA weight of the new batch: running = (1 - momentum)·running + momentum·batch, in (0, 1].
   * Default 0.1 (PyTorch; a Keras/TF `momentum` (decay) d is 1 - d here). Unused when `average` is 'cumulative'. */
  momentum: number;
  /** How running buffers average the batch statistics: 'ema' (exponential moving average, PyTorch's
   * default) or 'cumulative' (the plain mean of every batch seen, PyTorch's momentum=None). */
  average: (typeof BN_AVERAGES)[number];
  /** Variance stored in running_var: 'unbiased' (× m/(m-1) for m values per channel, PyTorch) or
   * 'biased' (TF.js, Haiku). Normalisation by batch statistics always uses the biased variance. */
  runningVariance: (typeof RUNNING_VARIANCES)[number];
  /** Zero-debiased EMA (as TF's zero_debias / Adam): accumulators start at 0 and the running
   * buffers hold acc / (1 - (1 - momentum)^t) after t updates, so the initial values (mean 0,
   * variance 1) leave no trace. EMA only; needs momentum < 1. Default false. */
  debias: boolean;
  /** Learnable per-channel scale gamma (init 1) and shift beta (init 0). Default true. */
  affine: boolean;
}

/** PyTorch's BatchNorm defaults: eps 1e-5, EMA with momentum 0.1, unbiased running variance, no debiasing, affine. */
export const DEFAULT_BATCHNORM: Readonly<BatchNormOptions> = Object.freeze({
  eps: 1e-5,
  momentum: 0.1,
  average: 'ema',
  runningVariance: 'unbiased',
  debias: false,
  affine: true,
});

/** Fills in defaults and validates every option; errors name `label` and the option. */
export function resolveBatchNormOptions(options: Partial<BatchNormOptions> = {}, label = 'batchNorm'): BatchNormOptions {
  const unknown = Object.keys(options).filter((k) => !(k in DEFAULT_BATCHNORM));
  check(unknown.length === 0, `${label}: unknown option(s) ${unknown.join(', ')}; known: ${Object.keys(DEFAULT_BATCHNORM).join(', ')}.`, {
    unknown,
  });
  const o = { ...DEFAULT_BATCHNORM, ...options };
  check(Number.isFinite(o.eps) && o.eps >= 0, `${label}: eps must be a finite number >= 0, got ${o.eps}.`);
  check(BN_AVERAGES.includes(o.average), `${label}: average must be one of ${BN_AVERAGES.join(', ')}, got ${JSON.stringify(o.average)}.`);
  check(
    RUNNING_VARIANCES.includes(o.runningVariance),
    `${label}: runningVariance must be one of ${RUNNING_VARIANCES.join(', ')}, got ${JSON.stringify(o.runningVariance)}.`,
  );
  check(typeof o.debias === 'boolean', `${label}: debias must be true or false, got ${JSON.stringify(o.debias)}.`);
  check(typeof o.affine === 'boolean', `${label}: affine must be true or false, got ${JSON.stringify(o.affine)}.`);
  check(typeof o.momentum === 'number' && o.momentum > 0 && o.momentum <= 1, `${label}: momentum must be in (0, 1], got ${o.momentum}.`);
  check(!(o.debias && o.average === 'cumulative'), `${label}: debias applies to the EMA only; use average 'ema' or debias false.`);
  check(!(o.debias && o.momentum === 1), `${label}: debias needs momentum < 1 (with momentum 1 the EMA is the last batch).`);
  return o;
}

/** The running state of one BatchNorm layer; every tensor is updated in place. */
export interface BatchNormState {
  /** [C], starts at 0. */
  runningMean: Tensor;
  /** [C], starts at 1. */
  runningVar: Tensor;
  /** Shape [1]: the number of statistics updates so far (PyTorch's num_batches_tracked), an exact f32 below 2^24. */
  count: Tensor;
  /** [2, C] biased EMA accumulators of mean and variance, starting at 0; present only with `debias`. */
  emaAccumulators: Tensor | null;
}

/** The running state of a BatchNorm layer over `channels` channels: mean 0, variance 1, no batches seen. */
export function createBatchNormState(gpu: Gpu, channels: number, options: BatchNormOptions): BatchNormState {
  return {
    runningMean: Tensor.zeros(gpu, [channels]),
    runningVar: Tensor.fromArray(gpu, new Float32Array(channels).fill(1), [channels]),
    count: Tensor.zeros(gpu, [1]),
    emaAccumulators: options.debias ? Tensor.zeros(gpu, [2, channels]) : null,
  };
}

/** Frees the tensors of a BatchNorm state. */
export function disposeBatchNormState(state: BatchNormState): void {
  [state.runningMean, state.runningVar, state.count, state.emaAccumulators].forEach((t) => t?.dispose());
}

/** Which statistics a forward pass uses and whether it updates the running buffers. */
export interface BatchNormMode {
  /** Normalise with this batch's statistics (train mode, or eval with batch statistics). */
  batchStats: boolean;
  /** Update the running buffers from this batch (train mode with statistics not frozen). */
  update: boolean;
}

/** Result of a forward pass: y, and the statistics backward needs ([3, C]: mean, invstd, variance). */
export interface BatchNormForward {
  y: Tensor;
  stats: Tensor;
}

/** [n, C, L] view of x [n, C, ...]: L = product of the trailing axes. */
export function batchNormDims(x: Shape, label = 'batchNorm'): { n: number; C: number; L: number } {
  if (x.length < 2) throw new NtkError('E_SHAPE_MISMATCH', `${label}: input [${x}] must be [n, C, ...] with at least 2 axes.`);
  const [n, C] = x;
  return { n, C, L: x.slice(2).reduce((a, b) => a * b, 1) };
}

/**
 * BatchNorm forward: y = (x - mean)/sqrt(var + eps)·gamma + beta per channel, with batch
 * statistics (biased variance) or the running buffers. With `mode.update`, the running buffers
 * and the counter are updated in place from this batch as `options` says.
 */
export function batchNormForward(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  state: BatchNormState,
  mode: BatchNormMode,
  options: BatchNormOptions,
  label = 'batchNorm',
): BatchNormForward {
  const { n, C, L } = batchNormDims(x.shape, label);
  checkChannels(label, C, state.runningMean, 'running mean');
  checkAffine(label, options, C, [gamma, beta]);
  check(!mode.update || mode.batchStats, `${label}: running buffers can only be updated from batch statistics.`);
  if (mode.batchStats && n * L < 2) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${label}: batch statistics need more than 1 value per channel, got input [${x.shape}]; use a larger batch or eval mode.`,
      { shape: [...x.shape] },
    );
  }
  const gpu = x.gpu;
  const xb = x.buffer;
  const stats = Tensor.empty(gpu, [3, C]);
  // two strided passes per thread over the channel's values, split under the loop budget
  const { parts, perPart } = mode.batchStats ? splitLoop(n * L, THREADS / 2, TREE_ITERATIONS) : { parts: 1, perPart: n * L };
  const target = parts === 1 ? stats : Tensor.empty(gpu, [parts, 2, C]);
  gpu.run({
    shader: 'batchnorm_stats',
    label: `${label} statistics [${x.shape}]${parts > 1 ? ` in ${parts} parts` : ''}`,
    constants: { FROM_RUNNING: !mode.batchStats, ...(parts > 1 ? { SPLIT: true } : {}) },
    bindings: { X: { buffer: xb, bytes: x.bytes }, RunMean: state.runningMean, RunVar: state.runningVar, Stats: target },
    params: { n, C, L, eps: options.eps, perPart },
    workgroups: [C, parts],
  });
  if (target !== stats) {
    gpu.run({
      shader: 'batchnorm_stats_merge',
      label: `${label} statistics: merge ${parts} parts`,
      bindings: { Parts: target, Stats: stats },
      params: { C, parts, perPart, N: n * L, eps: options.eps },
      workgroups: [Math.ceil(C / 64)],
    });
    target.dispose();
  }
  if (mode.update) updateRunning(state, stats, C, n * L, options, label);
  const y = Tensor.empty(gpu, x.shape);
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'batchnorm_apply',
    label: `${label} normalise [${x.shape}]`,
    constants: { AFFINE: options.affine },
    bindings: {
      X: { buffer: xb, bytes: x.bytes },
      Stats: stats,
      Gamma: gamma ?? stats,
      Beta: beta ?? stats,
      Y: y,
    },
    params: { total: x.size, C, L, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
  return { y, stats };
}

function updateRunning(state: BatchNormState, stats: Tensor, C: number, m: number, options: BatchNormOptions, label: string): void {
  check(!options.debias || state.emaAccumulators !== null, `${label}: debias is on but the state has no EMA accumulators.`);
  const acc = state.emaAccumulators ?? Tensor.empty(stats.gpu, [1]); // unused binding without debias
  stats.gpu.run({
    shader: 'batchnorm_update',
    label: `${label} running statistics`,
    constants: {
      AVERAGE: shaderCodes('batchnorm_update').AVERAGE[options.average],
      UNBIASED: options.runningVariance === 'unbiased',
      DEBIAS: options.debias,
    },
    bindings: { Stats: stats, RunMean: state.runningMean, RunVar: state.runningVar, Acc: acc, Count: state.count },
    params: { C, m, momentum: options.momentum },
    workgroups: [1],
  });
  if (acc !== state.emaAccumulators) acc.dispose();
}

/** What batchNormBackward returns: the input gradient and the affine parameters' gradients. */
export interface BatchNormGradients {
  dx: Tensor;
  /** [C] (batch sum) or [n, C] (per sample); null without affine or with paramGrads 'none'. */
  dgamma: Tensor | null;
  dbeta: Tensor | null;
}

/**
 * BatchNorm backward from dy and the forward's x and stats. `batchStats` must match the forward:
 * then dx flows through the batch mean and variance; otherwise BN is a fixed per-channel affine
 * map and dx = gamma·invstd·dy. `paramGrads` 'perSample' ([n, C] gradients of gamma and beta) is
 * defined only for running statistics, where each sample's output depends on that sample alone.
 */
export function batchNormBackward(
  dy: Tensor,
  x: Tensor,
  stats: Tensor,
  gamma: Tensor | null,
  batchStats: boolean,
  paramGrads: 'sum' | 'perSample' | 'none',
  options: BatchNormOptions,
  label = 'batchNorm',
): BatchNormGradients {
  const { n, C, L } = batchNormDims(x.shape, label);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new NtkError('E_SHAPE_MISMATCH', `${label}: dy [${dy.shape}] must match the input [${x.shape}].`);
  }
  checkAffine(label, options, C, [gamma]);
  if (paramGrads === 'perSample' && batchStats) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${label}: per-sample gradients are undefined with batch statistics (each output depends on the whole batch); ` +
        "run the forward pass in eval mode with running statistics (mode 'eval', bnBatchStatsInEval false).",
    );
  }
  const gpu = dy.gpu;
  const [dyb, xb] = [dy.buffer, x.buffer];
  const wantParams = options.affine && paramGrads !== 'none';
  let sums: { dy: Tensor; dyXhat: Tensor } | null = null;
  if (batchStats || wantParams) {
    const perSample = paramGrads === 'perSample';
    const shape = perSample ? [n, C] : [C];
    sums = { dy: Tensor.empty(gpu, shape), dyXhat: Tensor.empty(gpu, shape) };
    const groups = perSample ? n : 1;
    const { parts, perPart } = splitLoop((perSample ? 1 : n) * L, THREADS, TREE_ITERATIONS);
    const targets = parts === 1 ? sums : { dy: Tensor.empty(gpu, [parts, ...shape]), dyXhat: Tensor.empty(gpu, [parts, ...shape]) };
    gpu.run({
      shader: 'batchnorm_backward_reduce',
      label: `${label} backward sums [${x.shape}]${perSample ? ' per sample' : ''}${parts > 1 ? ` in ${parts} parts` : ''}`,
      bindings: {
        DY: { buffer: dyb, bytes: dy.bytes },
        X: { buffer: xb, bytes: x.bytes },
        Stats: stats,
        SumDy: targets.dy,
        SumDyXhat: targets.dyXhat,
      },
      params: { n, C, L, spg: perSample ? 1 : n, perPart, groups },
      workgroups: [C, groups * parts],
    });
    if (targets !== sums) {
      sumPartialsInto(targets.dy, parts, sums.dy, false);
      sumPartialsInto(targets.dyXhat, parts, sums.dyXhat, false);
      targets.dy.dispose();
      targets.dyXhat.dispose();
    }
  }
  const dx = Tensor.empty(gpu, x.shape);
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'batchnorm_backward_input',
    label: `${label} backward input [${x.shape}]`,
    constants: { AFFINE: options.affine, BATCH_STATS: batchStats },
    bindings: {
      DY: { buffer: dyb, bytes: dy.bytes },
      X: { buffer: xb, bytes: x.bytes },
      Stats: stats,
      Gamma: gamma ?? stats,
      SumDy: sums ? sums.dy : stats,
      SumDyXhat: sums ? sums.dyXhat : stats,
      DX: dx,
    },
    params: { total: x.size, C, L, rowStride: gx * 64, m: n * L },
    workgroups: [gx, gy],
  });
  if (wantParams && sums) return { dx, dgamma: sums.dyXhat, dbeta: sums.dy };
  sums?.dy.dispose();
  sums?.dyXhat.dispose();
  return { dx, dgamma: null, dbeta: null };
}

function checkChannels(label: string, C: number, t: Tensor, what: string): void {
  if (t.shape.length !== 1 || t.shape[0] !== C) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${label}: input has ${C} channels but the ${what} has shape [${t.shape}]; fix the layer's channel count or the input.`,
      { channels: C, shape: [...t.shape] },
    );
  }
}

/** gamma (and beta) must be given exactly when affine is on, one value per channel. */
function checkAffine(label: string, options: BatchNormOptions, C: number, params: Array<Tensor | null>): void {
  for (const t of params) {
    check(
      (t !== null) === options.affine,
      `${label}: gamma/beta must be ${options.affine ? 'given (affine is on)' : 'null (affine is off)'}.`,
    );
    if (t) checkChannels(label, C, t, 'gamma/beta');
  }
}
