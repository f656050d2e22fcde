// Deterministic per-channel sums on the device: x [n, c, ...] summed over every axis but 1 (bias
// gradients are these sums of dy, accumulated into the grad tensor). [n, c] goes to the barrier-free
// column sum (shaders/column_sum.wgsl), [n, c, inner > 1] to a workgroup tree per channel (channel_sum.wgsl).

import { splitLoop } from '../device/loop_budget.js';
import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';
import { sumPartialsInto } from './sum_partials.js';

/** Threads per channel in channel_sum.wgsl, and the loop iterations of its reduction tree (with margin). */
const THREADS = 256;
const TREE_ITERATIONS = 16;

/** s[c] = Σ over n and trailing axes of x[n, c, ...]; returns a new [c] tensor. */
export function channelSum(x: Tensor): Tensor {
  void x.buffer; // throws E_DISPOSED before anything is allocated
  checkRank(x);
  const out = Tensor.empty(x.gpu, [x.shape[1]]);
  dispatch(x, out, false);
  return out;
}

/** into[c] += Σ over n and trailing axes of x[n, c, ...] (a gradient accumulation). */
export function channelSumInto(x: Tensor, into: Tensor, accumulate = true): void {
  checkRank(x);
  if (into.size !== x.shape[1]) {
    throw new NtkError('E_SHAPE_MISMATCH', `channelSumInto: into [${into.shape}] must have ${x.shape[1]} elements for x [${x.shape}].`);
  }
  dispatch(x, into, accumulate);
}

function checkRank(x: Tensor): void {
  if (x.shape.length < 2) {
    throw new NtkError('E_SHAPE_MISMATCH', `channelSum: x [${x.shape}] needs a batch and a channel axis ([n, c, ...]).`);
  }
}

/** Columns per workgroup of column_sum.wgsl. */
const COLUMNS_PER_GROUP = 64;

/**
 * [n, c]: one invocation per column adds its n rows in order (column_sum.wgsl); [n, c, inner > 1]: one
 * 256-thread tree per channel (channel_sum.wgsl). Either is split under the loop budget into partials.
 */
function dispatch(x: Tensor, out: Tensor, accumulate: boolean): void {
  const gpu = x.gpu;
  const channels = x.shape[1];
  const inner = x.size / (x.shape[0] * channels);
  const count = x.size / channels;
  const columns = inner === 1;
  const { parts, perPart } = columns ? splitLoop(count, 1) : splitLoop(count, THREADS, TREE_ITERATIONS);
  const target = parts === 1 ? out : Tensor.empty(gpu, [parts, channels]);
  const [gx, gy] = grid2d(columns ? Math.ceil(channels / COLUMNS_PER_GROUP) : channels, gpu.limits.maxComputeWorkgroupsPerDimension);
  const common = {
    label: `channelSum [${x.shape}]${parts > 1 ? ` in ${parts} parts` : ''}${accumulate ? ' +=' : ''}`,
    constants: (accumulate && parts === 1 ? { ACCUMULATE: true } : {}) as Record<string, boolean>,
    bindings: { X: x, Out: target },
    workgroups: [gx, gy, parts] as [number, number, number],
  };
  if (columns) gpu.run({ shader: 'column_sum', ...common, params: { channels, rows: count, perPart, rowStride: gx * COLUMNS_PER_GROUP } });
  else gpu.run({ shader: 'channel_sum', ...common, params: { channels, inner, count, rowStride: gx, perPart } });
  if (target === out) return;
  sumPartialsInto(target, parts, out, accumulate);
  target.dispose();
}
