// The standard training loop: SGD on the mean softmax cross-entropy over batches from an async
// iterator, the learning rate from a schedule of the fractional epoch, metrics accumulated on the
// device and read once per logging interval (StepMonitor), NaN/Inf stopping the run.

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { makeSchedule, type LrSchedule, type LrScheduleSpec } from '../optim/schedule.js';
import { Sgd, type SgdOptions } from '../optim/sgd.js';
import { requireInteger, resolveOptions } from '../options.js';
import type { Tensor } from '../tensor/tensor.js';
import { StepMonitor, type LogEntry } from './monitor.js';

/** One training batch: x [n, ...model input], y [n] class indices (f32). The loop disposes both. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

export interface FitOptions {
  epochs: number;
  /** Batches per epoch (the fractional epoch for the schedule is epoch + step / stepsPerEpoch). */
  stepsPerEpoch: number;
  schedule: LrScheduleSpec;
  /** SGD settings besides the learning rate (which comes from `schedule`). */
  sgd: Partial<Omit<SgdOptions, 'lr'>>;
  /** Steps per logging interval: metrics are read back (and checked for NaN/Inf) this often. */
  logEvery: number;
  /** Called with each interval's summary. */
  onLog: ((entry: LogEntry) => void) | null;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = {
  epochs: 1,
  stepsPerEpoch: 0,
  schedule: { kind: 'constant', lr: 0.1 },
  sgd: {},
  logEvery: 50,
  onLog: null,
};

export interface FitResult {
  log: LogEntry[];
  steps: number;
}

/** The state trainEpoch shares across epochs. */
export interface EpochContext {
  model: Model;
  optimizer: Sgd;
  schedule: LrSchedule;
  monitor: StepMonitor;
  stepsPerEpoch: number;
  /** Global steps done before this epoch. */
  stepsBefore: number;
  log: LogEntry[];
  onLog: ((entry: LogEntry) => void) | null;
}

/**
 * One epoch of SGD over `batches`; returns the number of steps taken. Metrics are flushed when
 * a logging interval fills; an iterator with more than stepsPerEpoch batches is an error.
 */
export async function trainEpoch(ctx: EpochContext, epoch: number, batches: AsyncIterable<Batch>): Promise<number> {
  let step = 0;
  for await (const { x, y } of batches) {
    try {
      if (step >= ctx.stepsPerEpoch) {
        throw new NtkError('E_INVALID_ARGUMENT', `fit: epoch ${epoch} gave more than stepsPerEpoch = ${ctx.stepsPerEpoch} batches; set "stepsPerEpoch" to the batch count.`, { option: 'stepsPerEpoch' });
      }
      const epochFraction = epoch + step / ctx.stepsPerEpoch;
      const lr = ctx.schedule(epochFraction);
      ctx.model.zeroGrad();
      const result = ctx.model.lossAndGrad(x, y, { mode: 'train', paramGrads: 'sum' });
      ctx.optimizer.step(lr);
      step++;
      ctx.monitor.record(
        { step: ctx.stepsBefore + step, epoch, epochFraction: epoch + step / ctx.stepsPerEpoch, samples: x.shape[0], lr },
        x, result, ctx.optimizer.lastClip,
      );
      result.dispose();
    } finally {
      x.dispose();
      y.dispose();
    }
    if (ctx.monitor.full) await flush(ctx);
  }
  return step;
}

/**
 * Trains `model` for options.epochs epochs; `data(epoch)` gives each epoch's batches. Throws
 * E_NOT_FINITE within one logging interval of a NaN/Inf loss or input, naming the step.
 */
export async function fit(model: Model, data: (epoch: number) => AsyncIterable<Batch>, options: Partial<FitOptions>): Promise<FitResult> {
  const o = resolveOptions('fit', DEFAULT_FIT_OPTIONS, options);
  requireInteger('fit', 'epochs', o.epochs);
  requireInteger('fit', 'stepsPerEpoch', o.stepsPerEpoch);
  requireInteger('fit', 'logEvery', o.logEvery);
  if ('lr' in o.sgd) {
    throw new NtkError('E_INVALID_ARGUMENT', 'fit: option "sgd.lr" is not used; set the learning rate with "schedule".', { option: 'sgd.lr' });
  }
  const schedule = makeSchedule(o.schedule);
  const optimizer = new Sgd(model.gpu, model.parameters(), o.sgd); // each step passes lr from the schedule
  const monitor = new StepMonitor(model.gpu, o.logEvery);
  const ctx: EpochContext = { model, optimizer, schedule, monitor, stepsPerEpoch: o.stepsPerEpoch, stepsBefore: 0, log: [], onLog: o.onLog };
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) ctx.stepsBefore += await trainEpoch(ctx, epoch, data(epoch));
    await flush(ctx);
  } finally {
    optimizer.dispose();
    monitor.dispose();
  }
  return { log: ctx.log, steps: ctx.stepsBefore };
}

async function flush(ctx: EpochContext): Promise<void> {
  const entry = await ctx.monitor.flush();
  if (!entry) return;
  ctx.log.push(entry);
  ctx.onLog?.(entry);
}
