// The one run executor: a recipe in, a trained and evaluated model out, in the order data -> model
// -> probe set -> tracker -> switch -> train -> evaluate -> report, with every stage reported to
// event sinks. The CLI's `train`, the library, the worker session and the live page are thin
// adapters over runRecipe. Everything is validated before anything is written or a device acquired;
// a sink that throws or rejects is reported (an `error` event with fatal false) and never kills the run.

import { DEFAULT_AUGMENT } from '../ops/augment.js';
import { uploadBatch, type Batch } from '../data/batching.js';
import { selectProbeSet } from '../data/probe.js';
import { channelStatistics } from '../data/statistics.js';
import { formatAdapterReport, type Gpu } from '../device/gpu.js';
import { describeValue } from '../options.js';
import { NtkError, type NtkErrorCode } from '../errors.js';
import type { Model } from '../nn/model.js';
import { batchStatsNtk } from '../ntk/batch_stats.js';
import { empiricalNtk } from '../ntk/kernel.js';
import { kernelDistance, kernelTrace } from '../ntk/metrics.js';
import { KernelTracker, type KernelCheck } from '../train/kernel_tracker.js';
import type { LrScheduleSpec } from '../optim/schedule.js';
import { currentPlatform, type AdapterChoice, type FileLock, type Platform } from '../platform/index.js';
import { createGpu, formatProgramChoice } from '../ops/program_choice.js';
import { writeReport } from '../report/document.js';
import { RUN_SECTIONS } from '../report/kernel_report.js';
import { RunLog, type LogRecord } from '../io/runlog.js';
import { trainingReport } from '../report/training_report.js';
import {
  attachCheckpointPart,
  checkCheckpointFits,
  encodeCheckpoint,
  loadCheckpoint,
  restorePart,
  type TrainingCheckpoint,
} from '../train/checkpoint.js';
import { evaluate, threatName, type EvaluationResult } from '../train/evaluate.js';
import type { TrainMethod } from '../train/methods.js';
import type { LogEntry } from '../train/monitor.js';
import { KernelSwitch, type SwitchDecision } from '../train/switch.js';
import { SpectrumMonitor } from '../train/spectrum_monitor.js';
import { train, type EpochRecord, type TrainOptions } from '../train/trainer.js';
import { loadRunData, type RunData } from './data.js';
import { modelEntry, type BuiltModelRecipe } from './models.js';
import { checkDirectoryPath, lockRunDirectory, refuseExistingRun } from './run_lock.js';
import { recipeThreats, resolveRecipe, trainSettingsOf, type RunRecipe, type ScheduleKind } from './recipe.js';
import { codeVersion } from './provenance.js';
import { builtModel, runCheckpointConfig, storedRecipe, type RunFacts } from './stored_run.js';

/** What a run reports as it goes; plain, structured-clonable objects (they cross worker boundaries). */
export type RecipeEvent =
  | { type: 'start'; recipe: RunRecipe; outDir: string | null }
  | { type: 'adapter'; line: string; programs: string }
  | {
      type: 'data';
      train: string;
      validation: string | null;
      test: string;
      notice: string | null;
      model: string;
      parameters: number;
      probes: number;
      stepsPerEpoch: number;
    }
  | ({ type: 'step'; method: TrainMethod } & LogEntry)
  | ({ type: 'epoch'; method: TrainMethod } & EpochRecord)
  | ({ type: 'kernel' } & KernelCheck)
  | ({ type: 'switch'; to: TrainMethod } & SwitchDecision)
  | { type: 'evaluating'; samples: number; threats: string[] }
  /** Batch-by-batch progress of the per-epoch validation check and of the final evaluation. */
  | { type: 'progress'; stage: 'validation' | 'evaluation'; done: number; total: number }
  | { type: 'done'; evaluation: EvaluationResult; seconds: number; outDir: string | null }
  /** fatal: the run failed (and rejects with this error); otherwise a listener failed and the run goes on. */
  | { type: 'error'; code: NtkErrorCode | 'E_UNEXPECTED' | 'E_LISTENER'; message: string; fatal: boolean };

/** Receives a run's events; may be async (the run awaits it). */
export type RecipeListener = (event: RecipeEvent) => void | Promise<void>;

/** Options of runRecipe: where to write, who listens, which device, and what to resume. */
export interface RunOptions {
  /** Run directory for log.jsonl, checkpoint.safetensors, config.json and the report; null: write nothing. */
  outDir: string | null;
  /** Event sinks, called in order and awaited; one that throws or rejects is reported, not fatal. */
  onEvent: RecipeListener | RecipeListener[] | null;
  platform: Platform;
  /** Adapter to acquire (ignored when `gpu` is given). */
  adapter: AdapterChoice | undefined;
  /** A device the caller owns (not destroyed here); null: acquire one after validation. */
  gpu: Gpu | null;
  /** Continue this checkpoint (a path, or one already loaded); its recipe must match. */
  resume: string | TrainingCheckpoint | null;
  /** The command recorded in the config (e.g. `train`, `library`, `worker`). */
  command: string;
  /** Aborting stops the run before the device is acquired or after the current step: E_CANCELLED. */
  signal: AbortSignal | null;
  /** Replace the run that outDir holds (else a fresh run there is refused; resume it instead). */
  overwrite: boolean;
  /** Resume a checkpoint trained on another adapter (refused otherwise: the resumed run would match neither adapter's run). */
  allowAdapterChange: boolean;
}

/** What runRecipe returns: the resolved recipe, final evaluation, epochs, timings, switch decision, checkpoint bytes and log. */
export interface RunResult {
  /** The resolved recipe (every default filled in): runRecipe(result.recipe) replays the run. */
  recipe: RunRecipe;
  evaluation: EvaluationResult;
  epochs: EpochRecord[];
  steps: number;
  /** Training seconds, and the whole run's. */
  trainSeconds: number;
  seconds: number;
  switched: SwitchDecision | null;
  /** The final checkpoint's safetensors bytes (what outDir/checkpoint.safetensors holds). */
  checkpoint: Uint8Array;
  /** Every log record of this run (what outDir/log.jsonl received). */
  log: LogRecord[];
  outDir: string | null;
  /** Listener failures reported during the run (each also sent as an `error` event). */
  listenerErrors: string[];
}

const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'platform'> = {
  outDir: null,
  onEvent: null,
  adapter: undefined,
  gpu: null,
  resume: null,
  command: 'library',
  signal: null,
  overwrite: false,
  allowAdapterChange: false,
};

/** E_INVALID_ARGUMENT naming the first option of the wrong type (a library caller's options are untyped at run time). */
function checkRunOptions(o: RunOptions): void {
  const bad = (option: string, expected: string, value: unknown) => {
    throw new NtkError('E_INVALID_ARGUMENT', `runRecipe: option "${option}" must be ${expected}, got ${describeValue(value)}.`, { option });
  };
  if (o.outDir !== null) checkDirectoryPath(o.outDir, 'runRecipe: option "outDir"');
  const listeners = Array.isArray(o.onEvent) ? o.onEvent : [o.onEvent];
  if (o.onEvent !== null && !listeners.every((l) => typeof l === 'function'))
    bad('onEvent', 'a function, a list of functions, or null', o.onEvent);
  if (o.resume !== null && typeof o.resume !== 'string' && !(typeof o.resume === 'object' && o.resume.model instanceof Map))
    bad('resume', 'a checkpoint path, a loaded checkpoint, or null', o.resume);
  if (typeof o.resume === 'string') checkDirectoryPath(o.resume, 'runRecipe: option "resume"');
  if (typeof o.command !== 'string') bad('command', 'a string', o.command);
  if (o.signal !== null && !(typeof o.signal === 'object' && typeof o.signal.aborted === 'boolean'))
    bad('signal', 'an AbortSignal or null', o.signal);
  for (const flag of ['overwrite', 'allowAdapterChange'] as const) if (typeof o[flag] !== 'boolean') bad(flag, 'true or false', o[flag]);
  if (o.gpu !== null && (typeof o.gpu !== 'object' || typeof o.gpu.destroy !== 'function'))
    bad('gpu', 'a Gpu of createGpu, or null', o.gpu);
}

/**
 * Calls each sink in turn, one event after another (events emitted without awaiting still arrive
 * in order); failures become non-fatal `error` events (to every sink) and a list. Never rejects.
 */
class Sinks {
  readonly failures: string[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly listeners: RecipeListener[]) {}

  emit(event: RecipeEvent): Promise<void> {
    this.queue = this.queue.then(() => this.deliver(event));
    return this.queue;
  }

  private async deliver(event: RecipeEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch (e) {
        const message = `an event listener failed on a "${event.type}" event (${(e as Error)?.message ?? String(e)}); the run goes on.`;
        this.failures.push(message);
        if (event.type !== 'error') await this.report(message);
      }
    }
  }

  /** Sends a listener failure to every sink (the failed one too); failures while reporting are dropped. */
  private async report(message: string): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener({ type: 'error', code: 'E_LISTENER', message, fatal: false });
      } catch {
        // the failure is in `failures` already; a sink that cannot take the report is not asked again
      }
    }
  }
}

/** The schedule `kind` at peak rate `lr` over `epochs`: piecewise decays 10x at 50% and 75%; cyclic peaks at 40%. */
export function scheduleSpec(kind: ScheduleKind, lr: number, epochs: number): LrScheduleSpec {
  if (kind === 'piecewise') return { kind, lr, milestones: [0.5 * epochs, 0.75 * epochs], gamma: 0.1 };
  if (kind === 'cyclic') return { kind, maxLr: lr, epochs, peakEpoch: 0.4 * epochs };
  return { kind, lr };
}

/** The trainer's options for a resolved recipe. */
export function trainOptionsOf(r: RunRecipe, checkpointPath: string | null): TrainOptions {
  const t = r.training;
  return {
    ...trainSettingsOf(r),
    schedule: scheduleSpec(t.schedule, t.lr, t.epochs),
    augment: t.augment ? { ...DEFAULT_AUGMENT } : null,
    validation: r.data.validationSize > 0 ? { samples: r.data.validationSize, pgdSteps: t.validationPgdSteps } : null,
    checkpointPath,
  };
}

/** The recipe without what may change between a run and its resumption (epochs, with a constant schedule). */
function resumeKey(r: RunRecipe): RunRecipe {
  return r.training.schedule === 'constant' ? { ...r, training: { ...r.training, epochs: 0 } } : r;
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (typeof a === 'object' && a && typeof b === 'object' && b && !Array.isArray(a)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  return path || '(recipe)';
}

/**
 * Runs a recipe to the end. Validation (recipe, resume checkpoint, data, model options) comes
 * first and writes nothing; then the device, the config record and config.json, training with
 * the NTK tracker and kernel switch, the final evaluation, and the report. Rejects with an
 * NtkError after a fatal `error` event.
 */
export async function runRecipe(recipe: unknown, options: Partial<RunOptions> = {}): Promise<RunResult> {
  if (typeof options !== 'object' || options === null)
    throw new NtkError('E_INVALID_ARGUMENT', 'runRecipe: options must be an object (or left out).', { option: 'options' });
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: RunOptions = { ...DEFAULT_RUN_OPTIONS, platform: currentPlatform(), ...defined };
  checkRunOptions(o);
  const listeners = o.onEvent === null ? [] : Array.isArray(o.onEvent) ? o.onEvent : [o.onEvent];
  const sinks = new Sinks(listeners);
  try {
    return await execute(resolveRecipe(recipe), o, sinks);
  } catch (e) {
    const code = e instanceof NtkError ? e.code : 'E_UNEXPECTED';
    await sinks.emit({ type: 'error', code, message: (e as Error)?.message ?? String(e), fatal: true });
    throw e;
  }
}

/**
 * A resumed run goes on on the adapter it was trained on (the checkpoint's config records it):
 * another adapter's numerics would give a run that matches neither. E_CHECKPOINT_MISMATCH naming
 * both, or saying that the checkpoint does not record one (written by train() alone, or by an older
 * version), unless `allowChange`.
 */
function checkResumeAdapter(resume: TrainingCheckpoint, adapterLine: string, source: string, allowChange: boolean): void {
  const trained = resume.config.adapter;
  if (trained === adapterLine || allowChange) return;
  if (typeof trained !== 'string') {
    throw new NtkError(
      'E_CHECKPOINT_MISMATCH',
      `${source} does not record the adapter it was trained on (written by train() alone or by an older version), ` +
        `so this run on ${adapterLine} cannot be checked against it; resume it with --allow-adapter-change (library: allowAdapterChange true) ` +
        'if it was trained on this adapter or a change of adapter midway is acceptable.',
      { source, field: 'adapter' },
    );
  }
  throw new NtkError(
    'E_CHECKPOINT_MISMATCH',
    `${source} was trained on ${trained}, but this run has ${adapterLine}; resume on that adapter (--adapter), ` +
      'or accept a run that changes adapter midway with --allow-adapter-change (library: allowAdapterChange true).',
    { source, field: 'adapter' },
  );
}

function throwIfCancelled(signal: AbortSignal | null): void {
  if (signal?.aborted)
    throw new NtkError('E_CANCELLED', 'the run was cancelled by its caller; its last checkpoint (if any) can be resumed.');
}

interface Prepared {
  data: RunData;
  model: BuiltModelRecipe;
  /** What the model was built for (RunFacts less the parameter count, known once it is built). */
  facts: Omit<RunFacts, 'parameters'>;
  resume: TrainingCheckpoint | null;
}

/** Everything that can be checked without writing or a device: resume checkpoint, data, model options. */
async function prepare(r: RunRecipe, o: RunOptions): Promise<Prepared> {
  let resume: TrainingCheckpoint | null = null;
  if (o.resume !== null) {
    resume = typeof o.resume === 'string' ? await loadCheckpoint(o.resume, o.platform) : o.resume;
    const source = typeof o.resume === 'string' ? o.resume : 'resume checkpoint';
    const stored = storedRecipe(resume.config, source);
    const field = firstDifference(resumeKey(stored), resumeKey(r), '');
    if (field) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        `resume: recipe field "${field}" differs from the checkpoint's run; resume with the same recipe (only training.epochs may grow, and only with a constant schedule).`,
        { field },
      );
    }
    if (resume.epoch >= r.training.epochs) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `resume: the checkpoint already has ${resume.epoch} epochs; raise training.epochs above it.`,
        { field: 'training.epochs' },
      );
    }
  }
  const data = await loadRunData(r.data, o.platform);
  const facts = {
    inputShape: data.train.shape,
    classes: data.train.classes.length,
    normalize: r.model.normalize ? channelStatistics(data.train) : null,
  };
  return { data, model: builtModel(r, facts), facts, resume };
}

/** The run's config record (log and config.json): provenance, adapter, data, model, settings and the recipe. */
function runConfig(
  r: RunRecipe,
  o: RunOptions,
  gpu: Gpu,
  model: Model,
  data: RunData,
  modelRecipe: BuiltModelRecipe,
  trainOptions: TrainOptions,
  adapterLine: string,
) {
  const threats = recipeThreats(r);
  return {
    command: o.command,
    method: r.training.method,
    date: new Date().toISOString(),
    code: codeVersion(),
    adapter: adapterLine,
    programs: gpu.programs,
    runtime: o.platform.runtime,
    trainData: data.train.name,
    validationData: data.validation?.name ?? null,
    testData: data.test.name,
    notice: data.notice,
    data: r.data,
    model: modelRecipe,
    parameters: model.parameterCount,
    train: trainOptions,
    evaluation: {
      threats: threats.map(threatName),
      eps: trainOptions.eps,
      norm: trainOptions.norm,
      pgdStepFactor: trainOptions.pgdStepFactor,
    },
    resume: typeof o.resume === 'string' ? o.resume : o.resume ? 'checkpoint' : null,
    ntk: r.ntk.enabled ? r.ntk : null,
    switch: r.switch.rule === 'off' ? null : r.switch,
    recipe: r,
  };
}

/** NTK tracking: the probe set (and the held-out kernel-regression images) on the device and its tracker; null when tracking is off. */
function startTracking(
  r: RunRecipe,
  gpu: Gpu,
  model: Model,
  data: RunData,
  log: RunLog,
): { tracker: KernelTracker; probe: Batch; heldOut: Batch | null } | null {
  if (!r.ntk.enabled) return null;
  const source = data.validation ?? data.test;
  const probeIndices = selectProbeSet(source, { perClass: r.ntk.probePerClass, seed: r.data.seed }).indices;
  const probe = uploadBatch(gpu, source, probeIndices);
  let heldOut: Batch | null = null;
  try {
    if (r.ntk.regressionPerClass > 0) {
      // held-out images for kernel regression: the probes' source without the probes
      const taken = new Set(probeIndices);
      const rest = source.subset(
        Uint32Array.from({ length: source.length }, (_, i) => i).filter((i) => !taken.has(i)),
        `${source.name} without the probes`,
      );
      heldOut = uploadBatch(gpu, rest, selectProbeSet(rest, { perClass: r.ntk.regressionPerClass, seed: r.data.seed }).indices);
    }
    const a = r.training.attack;
    const tracker = new KernelTracker(
      model,
      { x: probe.x, y: probe.y, labels: probe.labels },
      log,
      {
        everyEpochs: r.ntk.everyEpochs,
        logKernels: r.ntk.logKernels,
        kind: r.ntk.kernel,
        adversarial:
          r.ntk.attack === 'none'
            ? null
            : { attack: r.ntk.attack, eps: a.eps, norm: a.norm, steps: r.ntk.attackSteps, stepFactor: a.stepFactor },
        seed: r.data.seed,
      },
      heldOut && { x: heldOut.x, y: heldOut.y, labels: heldOut.labels },
    );
    return { tracker, probe, heldOut };
  } catch (e) {
    probe.dispose();
    heldOut?.dispose();
    throw e;
  }
}

/** What decides the method per step (the kernel or fixed switch, the spectrum monitor) and the one-time switch announcement. */
interface MethodControl {
  switcher: KernelSwitch | null;
  monitor: SpectrumMonitor | null;
  methodSchedule: KernelSwitch | SpectrumMonitor | null;
  /** The kernel rule's checks stop at the switch (no NTK cost once AT runs), unless a monitor watches the kernel too. */
  checksEnd: boolean;
  announceSwitch(step: number): Promise<void>;
}

/** The run's method control: switch rule, spectrum monitor (its checkpoint part attached and restored) and the switch announcement. */
function methodControl(r: RunRecipe, model: Model, resume: TrainingCheckpoint | null, log: RunLog, sinks: Sinks): MethodControl {
  const method = r.training.method;
  const switcher =
    r.switch.rule !== 'off'
      ? new KernelSwitch(method, r.training.epochs, {
          warmupMethod: r.switch.warmupMethod,
          tau: r.switch.tau,
          patience: r.switch.patience,
          capFraction: r.switch.capFraction,
          velocityPlateau: r.switch.velocityPlateau,
        })
      : null;
  // A resumed run whose checkpoint had switched already logged the switch (before that checkpoint).
  let announced = Boolean(switcher && (resume?.parts?.get(switcher.partName)?.state as { decision?: unknown } | undefined)?.decision);
  const announceSwitch = async (step: number) => {
    if (!switcher?.switched || announced) return;
    announced = true;
    log.write({ type: 'event', event: 'switch', to: method, step, ...switcher.switched });
    await sinks.emit({ type: 'switch', to: method, ...switcher.switched });
  };
  const monitor =
    r.ntk.monitor === 'off'
      ? null
      : new SpectrumMonitor({ k: r.ntk.monitorK }, r.ntk.monitor === 'aniso' ? { before: 'fgsm', after: 'fgsm-aniso' } : null);
  const methodSchedule = switcher ?? (monitor?.switchTo ? monitor : null);
  if (monitor && monitor !== methodSchedule) {
    // a watching monitor: its history rides in checkpoints too
    attachCheckpointPart(model, monitor.partName, monitor);
    if (resume) restorePart(resume, monitor);
  }
  return { switcher, monitor, methodSchedule, checksEnd: r.switch.rule === 'kernel' && !monitor, announceSwitch };
}

/** The final evaluation on the test set (and, when asked, with batch statistics and the BatchNorm kernel comparison), logged. */
async function finalEvaluation(
  r: RunRecipe,
  o: RunOptions,
  model: Model,
  data: RunData,
  probe: Batch | null,
  trainOptions: TrainOptions,
  log: RunLog,
  sinks: Sinks,
): Promise<EvaluationResult> {
  const { platform } = o;
  const threats = recipeThreats(r);
  const checkpoint = o.outDir === null ? null : `${o.outDir}/checkpoint.safetensors`;
  const settings = {
    eps: trainOptions.eps,
    norm: trainOptions.norm,
    threats,
    pgdStepFactor: trainOptions.pgdStepFactor,
    seed: r.training.seed,
  };
  const record = (samples: number, start: number) => ({
    // the eval record's fields in their logged order
    type: 'eval',
    dataset: data.test.name,
    samples,
    eps: trainOptions.eps,
    norm: trainOptions.norm,
    pgdStepFactor: trainOptions.pgdStepFactor,
    seconds: (platform.now() - start) / 1000,
    checkpoint,
    epoch: r.training.epochs,
  });
  await sinks.emit({ type: 'evaluating', samples: data.test.length, threats: threats.map(threatName) });
  const evalStart = platform.now();
  const evaluation = await evaluate(model, data.test, {
    ...settings,
    onProgress: (done, total) => void sinks.emit({ type: 'progress', stage: 'evaluation', done, total }),
  });
  log.write({ ...record(evaluation.samples, evalStart), accuracy: evaluation.accuracy, bn: 'running' });
  if (r.evaluation.bnBatchStats) {
    const start = platform.now();
    const batch = await evaluate(model, data.test, { ...settings, bnBatchStats: true });
    log.write({ ...record(batch.samples, start), accuracy: batch.accuracy, bn: 'batch' });
    if (probe && model.buffers().length) {
      // finding 1: the kernel on running buffers vs on the probe batch's statistics
      const kernelStart = platform.now();
      const running = await empiricalNtk(model, probe.x, null, { kind: 'trace' });
      const batchStats = await batchStatsNtk(model, probe.x);
      log.write({
        type: 'bn-kernel',
        probes: probe.size,
        distance: kernelDistance(running.data, batchStats.data),
        traceRunning: kernelTrace(running.data),
        traceBatch: kernelTrace(batchStats.data),
        seconds: (platform.now() - kernelStart) / 1000,
      });
    }
  }
  return evaluation;
}

async function execute(r: RunRecipe, o: RunOptions, sinks: Sinks): Promise<RunResult> {
  const { platform, outDir } = o;
  const runStart = platform.now();
  const { data, model: modelRecipe, facts, resume } = await prepare(r, o);
  throwIfCancelled(o.signal);
  let lock: FileLock | null = null;
  let gpu: Gpu | null = null;
  let model: Model | null = null;
  let tracking: ReturnType<typeof startTracking> = null;
  try {
    gpu = o.gpu ?? (await createGpu({ adapter: o.adapter }));
    model = modelEntry(modelRecipe.kind).build(gpu, modelRecipe.options);
    const adapterLine = formatAdapterReport(gpu.report);
    if (resume) {
      const source = typeof o.resume === 'string' ? o.resume : 'resume checkpoint';
      checkCheckpointFits(resume, model, source, r.training.momentum > 0); // model and optimizer tensors, before anything is written
      checkResumeAdapter(resume, adapterLine, source, o.allowAdapterChange);
    }
    const trainOptions = trainOptionsOf(r, outDir === null ? null : `${outDir}/checkpoint.safetensors`);
    const log = new RunLog(platform, outDir === null ? null : `${outDir}/log.jsonl`);
    const config = runConfig(r, o, gpu, model, data, modelRecipe, trainOptions, adapterLine);
    if (outDir !== null) {
      // the directory's one owner from before the first write: E_RUN_LOCKED while another run writes there
      lock = await lockRunDirectory(platform, outDir);
      if (resume === null && !o.overwrite) await refuseExistingRun(platform, outDir); // a fresh run never mixes into another's log
      if (resume === null) await platform.writeFileAtomic(`${outDir}/log.jsonl`, new Uint8Array()); // a fresh log (an overwritten run's is gone)
    }
    await sinks.emit({ type: 'start', recipe: r, outDir });
    await sinks.emit({ type: 'adapter', line: adapterLine, programs: formatProgramChoice(gpu.programs) });
    log.write({ type: 'config', ...config });
    if (outDir !== null)
      await platform.writeFileAtomic(`${outDir}/config.json`, new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));

    tracking = startTracking(r, gpu, model, data, log);
    const tracker = tracking?.tracker ?? null;
    await sinks.emit({
      type: 'data',
      train: data.train.name,
      validation: data.validation?.name ?? null,
      test: data.test.name,
      notice: data.notice,
      model: model.name,
      parameters: model.parameterCount,
      probes: tracking?.probe.size ?? 0,
      stepsPerEpoch: Math.ceil(data.train.length / r.training.batchSize),
    });
    const { switcher, monitor, methodSchedule, checksEnd, announceSwitch } = methodControl(r, model, resume, log, sinks);
    if (tracker) {
      tracker.onCheck = async (check) => {
        if (r.switch.rule === 'kernel') switcher?.observe(check); // a fixed switch only has its cap
        const firing = monitor?.observe(check);
        if (firing) log.write({ type: 'event', event: 'co-monitor', ...firing, firstFiring: monitor?.firings.length === 1 });
        await sinks.emit({ type: 'kernel', ...check });
        await announceSwitch(check.step);
      };
    }
    if (tracker && resume)
      tracker.restore(resume); // the kernels and schedule of the checkpointed run
    else if (tracker) await tracker.maybeCheck(0, 0);
    let checkpoint: Uint8Array = new Uint8Array(0); // the last epoch's (prepare() checked that one is trained)
    const run = await train(model, data.train, data.validation, trainOptions, {
      log,
      resume,
      runConfig: { ...runCheckpointConfig(r, { ...facts, parameters: model.parameterCount }), adapter: adapterLine },
      hooks: {
        async onStep(ctx) {
          throwIfCancelled(o.signal);
          if (!(checksEnd && switcher?.switched)) await tracker?.maybeCheck(ctx.epochFraction, ctx.step);
          await announceSwitch(ctx.step);
        },
        onLog: (entry, trained) => void sinks.emit({ type: 'step', method: trained, ...entry }),
        onValidation: (done, total) => void sinks.emit({ type: 'progress', stage: 'validation', done, total }),
        onEpoch: (record, _model, trained) => sinks.emit({ type: 'epoch', method: trained, ...record }),
      },
      methodSchedule,
      onCheckpoint: (cp) => {
        checkpoint = encodeCheckpoint(cp);
      },
    });
    await announceSwitch(run.steps);
    tracker?.finish();
    log.write({ type: 'event', event: 'end', epochs: run.epochs.length, steps: run.steps, seconds: run.seconds });

    const evaluation = await finalEvaluation(r, o, model, data, tracking?.probe ?? null, trainOptions, log, sinks);
    await log.flush();
    if (outDir !== null) await writeReport(platform, outDir, trainingReport(log.records, RUN_SECTIONS));
    const seconds = (platform.now() - runStart) / 1000;
    await sinks.emit({ type: 'done', evaluation, seconds, outDir });
    return {
      recipe: r,
      evaluation,
      epochs: run.epochs,
      steps: run.steps,
      trainSeconds: run.seconds,
      seconds,
      switched: switcher?.switched ?? null,
      checkpoint,
      log: log.records,
      outDir,
      listenerErrors: sinks.failures,
    };
  } finally {
    await lock?.release().catch(() => undefined); // a lock file someone removed meanwhile is no error
    tracking?.probe.dispose();
    tracking?.heldOut?.dispose();
    model?.dispose();
    if (!o.gpu) gpu?.destroy();
  }
}
