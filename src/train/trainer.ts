// The one training loop: any method of the registry (train/methods.ts) with SGD + schedule, an
// explicit choice of the batches BatchNorm learns its statistics from, per-epoch robust validation
// that flags catastrophic overfitting (adversarial methods only), JSON-lines metrics, atomic
// checkpoints, bit-exact resume, and step/epoch hooks.

import type { AugmentOptions } from '../ops/augment.js';
import { type Batch, BatchLoader } from '../data/batching.js';
import { ImageDataset } from '../data/dataset.js';
import { NtkError } from '../errors.js';
import { SUM_GRADS } from '../nn/gradient_sink.js';
import { Model } from '../nn/model.js';
import { makeSchedule, type LrSchedule, type LrScheduleSpec } from '../optim/schedule.js';
import { DEFAULT_SGD_OPTIONS, Sgd, type SgdOptions } from '../optim/sgd.js';
import { requireInstance, resolveOptions } from '../options.js';
import { currentPlatform } from '../platform/index.js';
import { Rng } from '../random/rng.js';
import type { RunLog } from '../io/runlog.js';
import { Tensor } from '../tensor/tensor.js';
import {
  attachCheckpointPart,
  captureCheckpoint,
  checkCheckpointFits,
  restorePart,
  saveCheckpoint,
  type RestorablePart,
  type TrainingCheckpoint,
} from './checkpoint.js';
import { checkDatasetFits, evaluate, WORST_CASE, type EvaluationResult } from './evaluate.js';
import { METHOD_OPTION_DEFAULTS, trainingMethod, type MethodAttackSettings, type MethodState, type TrainMethod } from './methods.js';
import { checkTrainSettings, type BN_STATS_SOURCES } from './settings.js';
import { StepMonitor, type LogEntry } from './monitor.js';

export { TRAIN_METHODS, TRAINING_METHODS, type TrainMethod } from './methods.js';

/**
 * Which batches BatchNorm normalises with and learns running statistics from:
 * `adversarial`: the training (adversarial) batch, as in Madry et al.;
 * `clean`: running statistics learn from the clean batch (a forward pass before the step); the
 *   adversarial step itself normalises with its own batch and leaves the running buffers alone;
 * `mixed`: the step trains on the concatenation [clean; adversarial] (loss averaged over both).
 */
export type BnStatsSource = (typeof BN_STATS_SOURCES)[number];

/**
 * Options of train. The attack settings (MethodAttackSettings: eps in the `norm` ball, PGD steps and
 * step factor, attack BN mode, and the settings methods own, e.g. fgsm-aniso's noise scale) also
 * drive validation; the method must support the norm (see TRAINING_METHODS).
 */
export interface TrainOptions extends MethodAttackSettings {
  method: TrainMethod;
  epochs: number;
  batchSize: number;
  bnStats: BnStatsSource;
  schedule: LrScheduleSpec;
  sgd: Partial<Omit<SgdOptions, 'lr'>>;
  /** Steps per logging interval (metrics read back once per interval, NaN/Inf checked). */
  logEvery: number;
  seed: number;
  augment: AugmentOptions | null;
  /** Per-epoch check on the first `samples` validation images with PGD-`pgdSteps` on CE and CW (null: none). */
  validation: { samples: number; pgdSteps: number } | null;
  /** Written atomically after every epoch (null: no checkpoints). */
  checkpointPath: string | null;
}

/**
 * Defaults of train (see TrainOptions), the methods' own settings from their registry entries
 * (METHOD_OPTION_DEFAULTS). The one table of training defaults: a run recipe's (run/recipe.ts
 * DEFAULT_RECIPE) derive from it, except its schedule: train() keeps the rate constant, a recipe
 * run decays it (piecewise, x0.1 at 50 % and 75 % of the epochs).
 */
export const DEFAULT_TRAIN: TrainOptions & {
  schedule: { kind: 'constant'; lr: number };
  validation: { samples: number; pgdSteps: number };
} = {
  method: 'pgd',
  epochs: 5,
  batchSize: 128,
  eps: 0.1,
  norm: 'linf',
  pgdSteps: 10,
  pgdStepFactor: 0.25,
  ...METHOD_OPTION_DEFAULTS,
  attackBnMode: 'eval',
  bnStats: 'adversarial',
  schedule: { kind: 'constant', lr: 0.05 },
  sgd: { momentum: 0.9, weightDecay: 5e-4 },
  logEvery: 20,
  seed: 0,
  augment: null,
  validation: { samples: 500, pgdSteps: 10 },
  checkpointPath: null,
};

/** What a step hook sees; tensors are valid during the call only. */
export interface StepContext {
  epoch: number;
  /** Global step number (1-based) and the fractional epoch after it. */
  step: number;
  epochFraction: number;
  model: Model;
  batch: Batch;
  /** The inputs the step trained on (adversarial, or the clean batch for standard training). */
  xTrain: Tensor;
}

/** One epoch's summary, also written to the run log as a `type: "epoch"` record. */
export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  /** Accuracy on the training inputs (the adversarial ones under AT). */
  trainAccuracy: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
  validation: EvaluationResult | null;
  /** Catastrophic overfitting flagged at this epoch (see detectCatastrophicOverfitting; adversarial methods only). */
  catastrophicOverfitting: boolean;
}

/** Callbacks train() makes during a run (e.g. KernelTracker.hooks(), progress bars). */
export interface TrainHooks {
  /** After every optimizer step (awaited; e.g. kernel checks). */
  onStep?(ctx: StepContext): void | Promise<void>;
  /** After every epoch, with its record and the method its last step trained (awaited). */
  onEpoch?(record: EpochRecord, model: Model, method: TrainMethod): void | Promise<void>;
  /** With each logging interval's summary and the method its last step trained. */
  onLog?(entry: LogEntry, method: TrainMethod): void;
  /** Progress of the per-epoch validation check: samples done of the total, after each batch. */
  onValidation?(done: number, total: number): void;
}

/** What train returns: the epoch records, steps taken and seconds. */
export interface TrainRun {
  epochs: EpochRecord[];
  steps: number;
  seconds: number;
}

const ATTACK_STREAM = 101;

/**
 * CO rule (ours): validation worst-case robust accuracy (correct clean and under FGSM and PGD with
 * the CE and the CW-margin loss) fell below half of its best so far, while accuracy on
 * the training attack's inputs is at least 30 points higher (the single-step attack no longer
 * finds what PGD finds).
 */
export function detectCatastrophicOverfitting(pgdAccuracy: number, bestPgdAccuracy: number, trainAccuracy: number): boolean {
  return bestPgdAccuracy > 0 && pgdAccuracy < 0.5 * bestPgdAccuracy && trainAccuracy - pgdAccuracy >= 0.3;
}

/**
 * A training method that changes during the run (KernelSwitch, SpectrumMonitor with a switch): train()
 * attaches it to the model's checkpoints as part `partName` and restores it on resume.
 */
export interface MethodSchedule extends RestorablePart {
  /** The method of the step that starts at `epochFraction`. */
  methodAt(epochFraction: number): TrainMethod;
}

/** What train() takes besides the data and options: hooks, run log, resume point, method schedule, checkpoint sink. */
export interface TrainExtras {
  hooks?: TrainHooks;
  log?: RunLog | null;
  resume?: TrainingCheckpoint | null;
  /** The run's description stored in its checkpoints instead of the options (the caller checks resumes itself). */
  runConfig?: Record<string, unknown> | null;
  /** The method of each step when it changes during the run (KernelSwitch, SpectrumMonitor); default options.method throughout. */
  methodSchedule?: MethodSchedule | null;
  /** Receives each epoch's checkpoint (after it is saved to checkpointPath, if set), e.g. to keep its bytes. */
  onCheckpoint?: ((checkpoint: TrainingCheckpoint) => void | Promise<void>) | null;
}

/**
 * Trains `model` on `trainSet`; `resume` continues a checkpointed run bit for bit. Checkpoints
 * store the options that define the run (a resume must match them), or `runConfig` instead when
 * the caller describes the run itself (runRecipe: the resolved recipe) and checks resumes itself.
 */
export async function train(
  model: Model,
  trainSet: ImageDataset,
  validationSet: ImageDataset | null,
  options: Partial<TrainOptions> = {},
  extras: TrainExtras = {},
): Promise<TrainRun> {
  requireInstance('train', 'model', model, Model, 'a Model (createMlp, createCnn, ...)');
  requireInstance('train', 'trainSet', trainSet, ImageDataset, 'an ImageDataset');
  if (validationSet !== null) requireInstance('train', 'validationSet', validationSet, ImageDataset, 'an ImageDataset or null');
  if (typeof extras !== 'object' || extras === null) requireInstance('train', 'extras', extras, Object, 'an object');
  const valuesPerImage = trainSet.shape.reduce((a, b) => a * b, 1);
  const o = resolveTrainOptions(options, valuesPerImage);
  const { hooks = {}, log = null, resume = null, runConfig = null, methodSchedule = null, onCheckpoint = null } = extras;
  checkDatasetFits(model, trainSet, 'train');
  const checked = runConfig ? {} : trainConfig(o, model, trainSet);
  const run = new TrainingRun(model, trainSet, validationSet, o, {
    hooks,
    log,
    methodSchedule,
    onCheckpoint,
    config: runConfig ?? checked,
  });
  try {
    if (resume) run.resume(resume, checked);
  } catch (e) {
    run.dispose();
    throw e;
  }
  const records: TrainRun['epochs'] = [];
  const runStart = run.platform.now();
  try {
    for (let epoch = run.startEpoch; epoch < o.epochs; epoch++) records.push(await run.epoch(epoch));
  } finally {
    run.dispose();
    await log?.flush();
  }
  return { epochs: records, steps: run.step, seconds: (run.platform.now() - runStart) / 1000 };
}

/** What a TrainingRun needs from train()'s extras, with the run's description for its checkpoints. */
interface RunContext {
  hooks: TrainHooks;
  log: RunLog | null;
  methodSchedule: MethodSchedule | null;
  onCheckpoint: TrainExtras['onCheckpoint'];
  config: Record<string, unknown>;
}

/** The running totals of one epoch: its logged intervals, the method of the last step, and time spent in step hooks. */
interface EpochProgress {
  intervals: LogEntry[];
  intervalStart: number;
  method: TrainMethod;
  /** Time in step hooks (e.g. NTK checks) since the last logged interval, and in the whole epoch: not training, so not in images/s. */
  hookMs: number;
  epochHookMs: number;
}

/**
 * One train() call's working state: batches, schedule, optimizer, metrics monitor, the attack RNG,
 * the methods' states and the step count, with the run's steps: resume, epoch, step, log interval,
 * validation and checkpoint.
 */
class TrainingRun {
  readonly platform = currentPlatform();
  private readonly loader: BatchLoader;
  private readonly stepsPerEpoch: number;
  private readonly schedule: LrSchedule;
  private readonly optimizer: Sgd;
  private readonly monitor: StepMonitor;
  private rng: Rng;
  private readonly states = new Map<TrainMethod, MethodState | null>();
  private bestPgd = 0;
  startEpoch = 0;
  step = 0;

  constructor(
    private readonly model: Model,
    trainSet: ImageDataset,
    private readonly validationSet: ImageDataset | null,
    private readonly o: TrainOptions,
    private readonly ctx: RunContext,
  ) {
    this.loader = new BatchLoader(model.gpu, trainSet, { batchSize: o.batchSize, shuffle: true, seed: o.seed, augment: o.augment });
    this.stepsPerEpoch = this.loader.batchesPerEpoch;
    this.schedule = makeSchedule(o.schedule);
    this.optimizer = new Sgd(model.gpu, model.parameters(), o.sgd); // each step passes lr from the schedule
    this.monitor = new StepMonitor(model.gpu, o.logEvery);
    this.rng = new Rng(o.seed, ATTACK_STREAM);
    if (ctx.methodSchedule) attachCheckpointPart(model, ctx.methodSchedule.partName, ctx.methodSchedule);
  }

  /** Restores the checkpoint's model, optimizer, method state, RNG and position after checking it fits this run (`checked`: the options it must match). */
  resume(resume: TrainingCheckpoint, checked: Record<string, unknown>): void {
    const { model, o, ctx } = this;
    if (ctx.methodSchedule) restorePart(resume, ctx.methodSchedule);
    checkCheckpointFits(resume, model, 'resume checkpoint', (o.sgd.momentum ?? DEFAULT_SGD_OPTIONS.momentum) > 0);
    const differs = Object.keys(checked).find((k) => JSON.stringify(checked[k]) !== JSON.stringify(resume.config[k]));
    if (differs) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        `resume: field "${differs}" differs from the checkpoint's run (${JSON.stringify(resume.config[differs])}); resume with the same options.`,
        { field: differs },
      );
    }
    model.importState(Object.fromEntries([...resume.model].map(([k, t]) => [k, t.data])));
    const saved = Object.fromEntries([...resume.optimizer].map(([k, t]) => [k, t.data]));
    this.optimizer.importState(saved);
    this.stateOf(o.method)?.importState(saved);
    this.rng = Rng.fromState(resume.rng);
    this.startEpoch = resume.epoch;
    this.step = resume.step;
    ctx.log?.write({ type: 'event', event: 'resume', epoch: this.startEpoch, step: this.step });
  }

  /** Trains one epoch, validates, logs its record, checkpoints and calls the epoch hook; returns the record. */
  async epoch(epoch: number): Promise<EpochRecord> {
    const { platform, ctx } = this;
    const epochStart = platform.now();
    const progress: EpochProgress = { intervals: [], intervalStart: platform.now(), method: this.o.method, hookMs: 0, epochHookMs: 0 };
    for (let k = 0; k < this.stepsPerEpoch; k++) {
      await this.trainStep(epoch, k, progress);
      if (this.monitor.full) await this.flushInterval(progress);
    }
    await this.flushInterval(progress);
    const record = await this.epochRecord(epoch, progress, (platform.now() - epochStart) / 1000);
    ctx.log?.write({ type: 'epoch', method: progress.method, ...record });
    if (this.o.checkpointPath || ctx.onCheckpoint) await this.checkpoint(epoch);
    await ctx.hooks.onEpoch?.(record, this.model, progress.method);
    return record;
  }

  /** Step `k` of `epoch`: the method's inputs, loss and gradients, one optimizer step, its metrics, and the step hook. */
  private async trainStep(epoch: number, k: number, progress: EpochProgress): Promise<void> {
    const { model, o, ctx, platform } = this;
    const batch = this.loader.batch(epoch, k);
    const lr = this.schedule(epoch + k / this.stepsPerEpoch);
    let xTrain: Tensor | null = null;
    try {
      const method = ctx.methodSchedule ? ctx.methodSchedule.methodAt(epoch + k / this.stepsPerEpoch) : o.method;
      progress.method = method;
      xTrain = trainingMethod(method).inputs(model, batch, this.rng, o, this.stateOf(method));
      model.zeroGrad();
      const result = stepLoss(o, method, model, batch, xTrain);
      this.optimizer.step(lr);
      this.step++;
      const epochFraction = epoch + (k + 1) / this.stepsPerEpoch;
      this.monitor.record({ step: this.step, epoch, epochFraction, samples: batch.size, lr }, xTrain, result, this.optimizer.lastClip);
      result.dispose();
      const hookStart = platform.now();
      await ctx.hooks.onStep?.({ epoch, step: this.step, epochFraction, model, batch, xTrain });
      progress.hookMs += platform.now() - hookStart;
      progress.epochHookMs += platform.now() - hookStart;
    } finally {
      if (xTrain && xTrain !== batch.x) xTrain.dispose();
      batch.dispose();
    }
  }

  /** Reads back the monitor's pending interval (if any), logs it as a `type: "step"` record and calls the log hook. */
  private async flushInterval(progress: EpochProgress): Promise<void> {
    const entry = await this.monitor.flush();
    if (!entry) return;
    const seconds = (this.platform.now() - progress.intervalStart) / 1000;
    progress.intervalStart = this.platform.now();
    progress.intervals.push(entry);
    this.ctx.log?.write({
      type: 'step',
      method: progress.method,
      ...entry,
      seconds,
      imagesPerSecond: entry.samples / (seconds - progress.hookMs / 1000),
    });
    progress.hookMs = 0;
    this.ctx.hooks.onLog?.(entry, progress.method);
  }

  /** The epoch's record: training loss and accuracy over its intervals, validation, and the catastrophic-overfitting flag. */
  private async epochRecord(epoch: number, progress: EpochProgress, seconds: number): Promise<EpochRecord> {
    const { intervals } = progress;
    const samples = intervals.reduce((s, e) => s + e.samples, 0);
    const validation = await this.validate(epoch);
    const trainAccuracy = intervals.reduce((s, e) => s + e.accuracy * e.samples, 0) / samples;
    const pgdAccuracy = validation ? validation.accuracy[WORST_CASE] : NaN; // correct clean and under FGSM, PGD-CE and PGD-CW
    const co =
      validation !== null &&
      trainingMethod(progress.method).adversarial &&
      detectCatastrophicOverfitting(pgdAccuracy, this.bestPgd, trainAccuracy);
    if (validation) this.bestPgd = Math.max(this.bestPgd, pgdAccuracy);
    return {
      epoch,
      step: this.step,
      trainLoss: intervals.reduce((s, e) => s + e.loss * e.samples, 0) / samples,
      trainAccuracy,
      lr: intervals[intervals.length - 1]?.lr ?? NaN,
      seconds,
      imagesPerSecond: samples / (seconds - progress.epochHookMs / 1000),
      validation,
      catastrophicOverfitting: co,
    };
  }

  /** The per-epoch robust check on the first validation images (null without a validation set or check). */
  private async validate(epoch: number): Promise<EvaluationResult | null> {
    const { o, validationSet, ctx } = this;
    if (!validationSet || !o.validation) return null;
    return evaluate(this.model, validationSet, {
      eps: o.eps,
      norm: o.norm,
      limit: Math.min(o.validation.samples, validationSet.length),
      batchSize: Math.max(o.batchSize, 100),
      // FGSM beside PGD: catastrophic overfitting shows as single-step accuracy rising while PGD's falls (experiments/statistics.ts)
      threats: [
        { kind: 'clean' },
        { kind: 'fgsm' },
        { kind: 'pgd', steps: o.validation.pgdSteps },
        { kind: 'pgd', steps: o.validation.pgdSteps, loss: 'cw' },
      ],
      seed: o.seed + epoch,
      pgdStepFactor: o.pgdStepFactor,
      attackBnMode: 'eval',
      onProgress: ctx.hooks.onValidation ? (done, total) => ctx.hooks.onValidation!(done, total) : null,
    });
  }

  /** Captures the checkpoint after `epoch` (model, optimizer and method states, RNG), flushes the log, saves it and hands it on. */
  private async checkpoint(epoch: number): Promise<void> {
    const { o, ctx } = this;
    let state = await this.optimizer.exportState();
    for (const s of this.states.values()) if (s) state = { ...state, ...(await s.exportState()) };
    const cp = await captureCheckpoint(this.model, state, { epoch: epoch + 1, step: this.step, config: ctx.config, rng: this.rng.state() });
    await ctx.log?.flush(); // the log on disk never lags the checkpoint (a resume rewinds the log to it)
    if (o.checkpointPath) await saveCheckpoint(o.checkpointPath, cp, this.platform);
    await ctx.onCheckpoint?.(cp);
  }

  /** The method's state (created at its first step, e.g. fgsm-aniso's gradient scale), or null if it keeps none. */
  private stateOf(method: TrainMethod): MethodState | null {
    if (!this.states.has(method)) this.states.set(method, trainingMethod(method).createState?.(this.model, this.o) ?? null);
    return this.states.get(method) ?? null;
  }

  /** Frees the optimizer, the monitor and the methods' states. */
  dispose(): void {
    this.optimizer.dispose();
    this.monitor.dispose();
    this.states.forEach((s) => s?.dispose());
  }
}

/** Forward/backward of the step's loss (parameter gradients summed into Parameter.grad). */
function stepLoss(o: TrainOptions, method: TrainMethod, model: Model, batch: Batch, xTrain: Tensor) {
  if (!trainingMethod(method).adversarial || o.bnStats === 'adversarial') {
    return model.lossAndGrad(xTrain, batch.y, { mode: 'train', grads: SUM_GRADS });
  }
  if (o.bnStats === 'clean') {
    model.forward(batch.x, { mode: 'train', record: false }).dispose(); // running statistics from the clean batch
    return model.lossAndGrad(xTrain, batch.y, { mode: 'train', freezeBnStats: true, grads: SUM_GRADS });
  }
  const x = concatRows(batch.x, xTrain);
  const y = concatRows(batch.y, batch.y);
  try {
    return model.lossAndGrad(x, y, { mode: 'train', grads: SUM_GRADS });
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** [a; b] along the first axis (same trailing shape). */
function concatRows(a: Tensor, b: Tensor): Tensor {
  const out = Tensor.empty(a.gpu, [a.shape[0] + b.shape[0], ...a.shape.slice(1)]);
  a.gpu.copy(a.buffer, 0, out.buffer, 0, a.bytes);
  a.gpu.copy(b.buffer, 0, out.buffer, a.bytes, b.bytes);
  return out;
}

function resolveTrainOptions(options: Partial<TrainOptions>, dims: number): TrainOptions {
  const o = resolveOptions<TrainOptions>('train', DEFAULT_TRAIN, options);
  checkTrainSettings(o, dims, (option, expected, value) => {
    throw new NtkError('E_INVALID_ARGUMENT', `train: option "${option}" must be ${expected}, got ${JSON.stringify(value)}.`, {
      option,
      value,
    });
  });
  if ('lr' in o.sgd)
    throw new NtkError('E_INVALID_ARGUMENT', 'train: option "sgd.lr" is not used; set the learning rate with "schedule".', {
      option: 'sgd.lr',
    });
  makeSchedule(o.schedule); // validates
  return o;
}

/** The options that define a run (compared on resume; the epoch count may grow). */
function trainConfig(o: TrainOptions, model: Model, data: ImageDataset): Record<string, unknown> {
  const { epochs: _epochs, checkpointPath: _path, ...rest } = o;
  return { ...rest, model: model.name, parameters: model.parameterCount, dataset: data.name, samples: data.length };
}
