// `ntk-at train`: trains a model (standard, PGD-AT, FGSM-AT, FGSM-RS, N-FGSM) on a stratified subset
// with per-epoch robust validation, then evaluates it on held-out test images. Writes into the run
// directory: log.jsonl (every record), checkpoint.safetensors (atomic, every epoch), config.json,
// and report.md / report.html with plots, all built from the log.

import { ANISOTROPIES } from '../../attacks/anisotropic.js';
import { DEFAULT_SWITCH, KernelSwitch } from '../../train/switch.js';
import { SpectrumMonitor } from '../../train/spectrum_monitor.js';
import { channelStatistics } from '../../data/statistics.js';
import { FASHION_MNIST_DIR } from '../../data/files.js';
import { formatAdapterReport } from '../../device/gpu.js';
import { NtkError } from '../../errors.js';
import type { LrScheduleSpec } from '../../optim/schedule.js';
import { writeReport } from '../../report/document.js';
import { RunLog } from '../../report/runlog.js';
import { RUN_SECTIONS } from '../../report/kernel_report.js';
import { trainingReport } from '../../report/training_report.js';
import { KernelTracker } from '../../ntk/tracker.js';
import { uploadBatch, type Batch } from '../../data/batching.js';
import { selectProbeSet } from '../../data/probe.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { evaluate, threatName } from '../../train/evaluate.js';
import { train, TRAIN_METHODS, type TrainHooks, type TrainOptions } from '../../train/trainer.js';
import { parseChoice, requireCount, type ParsedOptions } from '../args.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command, type CommandIo } from '../command.js';
import { DATASET_CHOICES, DEFAULT_DATA_RECIPE, loadRunData, type DataRecipe } from '../data.js';
import { MODEL_KINDS, modelKind, type ModelRecipe } from '../models.js';
import { ProgressBar } from '../progress.js';
import { evaluationRecord, formatEvaluation, parseEps, parseThreats } from './evaluate.js';

export const SCHEDULE_KINDS = ['constant', 'piecewise', 'cyclic'] as const;

/** The schedule `kind` at peak rate `lr` over `epochs`: piecewise decays 10x at 50% and 75%; cyclic peaks at 40%. */
export function scheduleSpec(kind: (typeof SCHEDULE_KINDS)[number], lr: number, epochs: number): LrScheduleSpec {
  if (kind === 'piecewise') return { kind, lr, milestones: [0.5 * epochs, 0.75 * epochs], gamma: 0.1 };
  if (kind === 'cyclic') return { kind, maxLr: lr, epochs, peakEpoch: 0.4 * epochs };
  return { kind, lr };
}

/** The training options the command line sets; the rest keep DEFAULT_TRAIN's values. */
export type CliTrainOptions = Pick<TrainOptions,
  'method' | 'epochs' | 'batchSize' | 'eps' | 'pgdSteps' | 'pgdStepFactor' | 'schedule' | 'sgd' | 'logEvery' | 'seed' | 'validation' | 'anisotropy'>;

/** The training options a command line asks for (validated here or by train()). */
export function trainOptionsFrom(options: ParsedOptions, validationSamples: number): CliTrainOptions {
  const epochs = requireCount(options.epochs, 'epochs');
  const lr = options.lr as number;
  const stepFactor = options['pgd-step-factor'] as number;
  if (!(lr > 0)) throw new NtkError('E_INVALID_ARGUMENT', `--lr must be > 0, got ${lr}.`, { option: 'lr' });
  if (!(stepFactor > 0)) throw new NtkError('E_INVALID_ARGUMENT', `--pgd-step-factor must be > 0, got ${stepFactor}.`, { option: 'pgd-step-factor' });
  return {
    method: parseChoice(String(options.method), 'method', TRAIN_METHODS),
    epochs,
    batchSize: requireCount(options['batch-size'], 'batch-size'),
    eps: parseEps(String(options.eps)),
    pgdSteps: requireCount(options['pgd-steps'], 'pgd-steps'),
    pgdStepFactor: stepFactor,
    schedule: scheduleSpec(parseChoice(String(options.schedule), 'schedule', SCHEDULE_KINDS), lr, epochs),
    sgd: { momentum: options.momentum as number, weightDecay: options['weight-decay'] as number },
    logEvery: requireCount(options['log-every'], 'log-every'),
    seed: requireCount(options.seed, 'seed', 0),
    anisotropy: parseChoice(String(options.anisotropy), 'anisotropy', ANISOTROPIES),
    validation: validationSamples > 0 ? { samples: validationSamples, pgdSteps: requireCount(options['val-pgd-steps'], 'val-pgd-steps') } : null,
  };
}

/** Default run directory: runs/<UTC timestamp>-<method>. */
function defaultRunDir(method: string): string {
  return `runs/${new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z')}-${method}`;
}

function directoryOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut > 0 ? path.slice(0, cut) : cut === 0 ? '/' : '.';
}

export const trainCommand: Command = {
  summary: 'train a model (standard or adversarial), evaluate it, and write log, checkpoint and report',
  options: {
    dataset: { type: 'string', description: `${DATASET_CHOICES.join(' | ')} (default: Fashion-MNIST, else synthetic with a notice)`, default: 'default' },
    'data-dir': { type: 'string', description: 'Fashion-MNIST directory', default: FASHION_MNIST_DIR },
    'train-size': { type: 'number', description: 'training images (stratified, seeded)', default: DEFAULT_DATA_RECIPE.trainSize },
    'val-size': { type: 'number', description: 'validation images for the per-epoch check (0: none)', default: DEFAULT_DATA_RECIPE.validationSize },
    'test-size': { type: 'number', description: 'test images for the final evaluation (first of each class)', default: DEFAULT_DATA_RECIPE.testSize },
    model: { type: 'string', description: Object.keys(MODEL_KINDS).join(' | '), default: 'mlp' },
    hidden: { type: 'string', description: 'hidden widths of the mlp (or of the cnn\'s dense head)', default: '256,128' },
    channels: { type: 'string', description: 'cnn: channels of each conv-BN-ReLU-pool block', default: '16,32' },
    normalize: { type: 'string', description: 'on | off: a Normalize first layer with the training data mean/std', default: 'on' },
    method: { type: 'string', description: TRAIN_METHODS.join(' | '), default: 'pgd' },
    epochs: { type: 'number', description: 'epochs', default: 5 },
    'batch-size': { type: 'number', description: 'batch size', default: 128 },
    eps: { type: 'string', description: 'l-inf radius in pixel units, e.g. 0.1 or 8/255', default: '0.1' },
    'pgd-steps': { type: 'number', description: 'PGD-AT attack steps', default: 10 },
    anisotropy: { type: 'string', description: `fgsm-aniso start-noise scale: ${ANISOTROPIES.join(' | ')}`, default: 'gradient' },
    'pgd-step-factor': { type: 'number', description: 'PGD step size / eps (training, validation, evaluation)', default: 0.25 },
    lr: { type: 'number', description: 'learning rate (peak rate of cyclic)', default: 0.05 },
    schedule: { type: 'string', description: 'constant | piecewise (x0.1 at 50%, 75%) | cyclic (peak at 40%)', default: 'piecewise' },
    momentum: { type: 'number', description: 'SGD momentum', default: 0.9 },
    'weight-decay': { type: 'number', description: 'SGD weight decay', default: 5e-4 },
    seed: { type: 'number', description: 'seed of data selection, init, order and attacks', default: 0 },
    'log-every': { type: 'number', description: 'steps per logged interval', default: 20 },
    'val-pgd-steps': { type: 'number', description: 'PGD steps of the per-epoch validation check', default: 10 },
    threats: { type: 'string', description: 'final evaluation threats', default: 'clean,fgsm,pgd20' },
    out: { type: 'string', description: 'run directory (default runs/<timestamp>-<method>; with --resume, the checkpoint\'s)' },
    resume: { type: 'string', description: 'continue from this checkpoint (same options; piecewise/cyclic schedules span --epochs, so keep it too)' },
    ntk: { type: 'string', description: 'on | off: track the empirical NTK on a probe set during training', default: 'off' },
    'probe-per-class': { type: 'number', description: 'NTK probe images per class (from the validation images, else the test images)', default: 10 },
    'ntk-attack': { type: 'string', description: 'pgd | fgsm | none: also track the adversarial-example kernel', default: 'pgd' },
    'ntk-every': { type: 'number', description: 'NTK checks every this many epochs after the dense first epoch', default: 1 },
    switch: { type: 'string', description: 'off | kernel: clean training until the clean and adversarial probe kernels diverge, then --method (needs --ntk on)', default: 'off' },
    'switch-tau': { type: 'number', description: 'kernel switch: clean-adversarial kernel distance threshold', default: DEFAULT_SWITCH.tau },
    'switch-patience': { type: 'number', description: 'kernel switch: checks in a row above the threshold', default: DEFAULT_SWITCH.patience },
    'switch-cap': { type: 'number', description: 'kernel switch: switch at the latest at this fraction of the epochs', default: DEFAULT_SWITCH.capFraction },
    'switch-from': { type: 'string', description: `kernel switch: the method before the switch (${TRAIN_METHODS.join(' | ')})`, default: DEFAULT_SWITCH.warmupMethod },
    'switch-velocity': { type: 'number', description: 'kernel switch: also switch when the kernel velocity (distance per epoch) falls below this (0: never)', default: 0 },
    'ntk-log-kernels': { type: 'string', description: 'on | off: write each probe kernel matrix into its log record (kernel-distance heatmaps)', default: 'off' },
    'co-monitor': { type: 'string', description: 'off | watch | aniso: flag jumps of the adversarial kernel\'s log lambda_max (needs --ntk on); aniso: FGSM until it fires, then --method fgsm-aniso', default: 'off' },
    'co-monitor-k': { type: 'number', description: 'spectrum monitor: standard deviations of a jump', default: 3 },
    'bn-variance': { type: 'string', description: 'cnn BatchNorm running variance: unbiased | biased', default: 'unbiased' },
    'bn-average': { type: 'string', description: 'cnn BatchNorm running statistics: ema | cumulative', default: 'ema' },
    'bn-debias': { type: 'string', description: 'cnn BatchNorm EMA zero-debiasing: on | off', default: 'off' },
    'bn-stats': { type: 'string', description: 'batches BatchNorm learns from under AT: adversarial | clean | mixed', default: 'adversarial' },
    'eval-bn': { type: 'string', description: 'final evaluation with BatchNorm running buffers only, or also with each test batch\'s own statistics: running | both', default: 'running' },
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    const platform = io.platform;
    const kind = modelKind(String(options.model));
    const normalize = parseChoice(String(options.normalize), 'normalize', ['on', 'off'] as const);
    const threats = parseThreats(String(options.threats));
    const ntk = parseChoice(String(options.ntk), 'ntk', ['on', 'off'] as const) === 'on';
    const ntkAttack = parseChoice(String(options['ntk-attack']), 'ntk-attack', ['pgd', 'fgsm', 'none'] as const);
    const probePerClass = requireCount(options['probe-per-class'], 'probe-per-class');
    const ntkEvery = requireCount(options['ntk-every'], 'ntk-every');
    const kernelSwitch = parseChoice(String(options.switch), 'switch', ['off', 'kernel'] as const) === 'kernel';
    if (kernelSwitch && (!ntk || ntkAttack === 'none')) {
      throw new NtkError('E_INVALID_ARGUMENT', '--switch kernel needs --ntk on and an --ntk-attack (it compares clean and adversarial kernels).', { option: 'switch' });
    }
    const velocity = options['switch-velocity'] as number;
    const switchOptions = {
      tau: options['switch-tau'] as number, patience: options['switch-patience'] as number, capFraction: options['switch-cap'] as number,
      warmupMethod: parseChoice(String(options['switch-from']), 'switch-from', TRAIN_METHODS), velocityPlateau: velocity > 0 ? velocity : null,
    };
    const logKernels = parseChoice(String(options['ntk-log-kernels']), 'ntk-log-kernels', ['on', 'off'] as const) === 'on';
    const coMonitor = parseChoice(String(options['co-monitor']), 'co-monitor', ['off', 'watch', 'aniso'] as const);
    if (coMonitor !== 'off' && (!ntk || ntkAttack === 'none')) {
      throw new NtkError('E_INVALID_ARGUMENT', '--co-monitor needs --ntk on and an --ntk-attack (it watches the adversarial kernel).', { option: 'co-monitor' });
    }
    if (coMonitor === 'aniso' && (String(options.method) !== 'fgsm-aniso' || kernelSwitch)) {
      throw new NtkError('E_INVALID_ARGUMENT', '--co-monitor aniso needs --method fgsm-aniso (FGSM until the monitor fires) and no --switch.', { option: 'co-monitor' });
    }
    const evalBn = parseChoice(String(options['eval-bn']), 'eval-bn', ['running', 'both'] as const);
    const bn = {
      runningVariance: parseChoice(String(options['bn-variance']), 'bn-variance', ['unbiased', 'biased'] as const),
      average: parseChoice(String(options['bn-average']), 'bn-average', ['ema', 'cumulative'] as const),
      debias: parseChoice(String(options['bn-debias']), 'bn-debias', ['on', 'off'] as const) === 'on',
    };
    const bnStats = parseChoice(String(options['bn-stats']), 'bn-stats', ['adversarial', 'clean', 'mixed'] as const);
    const recipe: DataRecipe = {
      dataset: parseChoice(String(options.dataset), 'dataset', DATASET_CHOICES),
      dir: String(options['data-dir']),
      trainSize: options['train-size'] as number,
      validationSize: options['val-size'] as number,
      testSize: options['test-size'] as number,
      seed: requireCount(options.seed, 'seed', 0),
    };
    const cliOptions = trainOptionsFrom(options, recipe.validationSize);
    const method = cliOptions.method;
    const out = typeof options.out === 'string' ? options.out : typeof options.resume === 'string' ? directoryOf(options.resume) : defaultRunDir(method);
    const checkpointPath = `${out}/checkpoint.safetensors`;
    const trainOptions = { ...cliOptions, bnStats, checkpointPath };
    const data = await loadRunData(recipe, platform);
    const resume = typeof options.resume === 'string' ? await loadCheckpoint(options.resume, platform) : null;
    if (data.notice) io.err(`notice: ${data.notice}`);
    const modelRecipe: ModelRecipe = {
      kind: String(options.model),
      options: {
        ...kind.options(options, {
          inputShape: data.train.shape, classes: data.train.classes.length, normalize: normalize === 'on' ? channelStatistics(data.train) : null,
        }),
        ...(kind === MODEL_KINDS.cnn ? { bn } : {}),
      },
    };
    const gpu = await gpuFromOptions(options, io);
    const model = kind.build(gpu, modelRecipe.options);
    let probe: Batch | null = null;
    try {
      const log = new RunLog(platform, `${out}/log.jsonl`);
      const config = {
        command: 'train', method, date: new Date().toISOString(), adapter: formatAdapterReport(gpu.report), runtime: platform.runtime,
        trainData: data.train.name, validationData: data.validation?.name ?? null, testData: data.test.name, notice: data.notice,
        data: recipe, model: modelRecipe, parameters: model.parameterCount, train: trainOptions,
        evaluation: { threats: threats.map(threatName), eps: trainOptions.eps, pgdStepFactor: trainOptions.pgdStepFactor },
        resume: options.resume ?? null,
        ntk: ntk ? { probePerClass, attack: ntkAttack, everyEpochs: ntkEvery } : null,
        switch: kernelSwitch ? { rule: 'kernel', ...switchOptions } : null,
        coMonitor: coMonitor === 'off' ? null : { mode: coMonitor, k: options['co-monitor-k'] },
      };
      log.write({ type: 'config', ...config });
      await platform.writeFileAtomic(`${out}/config.json`, new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
      io.err(`run directory: ${out} (${method}, ${data.train.name}, ${model.name} with ${model.parameterCount} parameters)`);
      let hooks = progressHooks(io, trainOptions, data.train.length);
      let tracker: KernelTracker | null = null;
      if (ntk) {
        const probeSource = data.validation ?? data.test;
        probe = uploadBatch(gpu, probeSource, selectProbeSet(probeSource, { perClass: probePerClass, seed: recipe.seed }).indices);
        tracker = new KernelTracker(model, { x: probe.x, y: probe.y, labels: probe.labels }, log, {
          everyEpochs: ntkEvery,
          logKernels,
          adversarial: ntkAttack === 'none' ? null : { attack: ntkAttack, eps: trainOptions.eps, steps: 10 },
          seed: recipe.seed,
        });
        io.err(`tracking the NTK on ${probe.size} probe images from ${probeSource.name}${ntkAttack === 'none' ? '' : ` (and their ${ntkAttack} adversarial examples)`}`);
        hooks = combineHooks(hooks, tracker.hooks());
      }
      const switcher = kernelSwitch ? new KernelSwitch(method, trainOptions.epochs, switchOptions) : null;
      const monitor = coMonitor === 'off' ? null
        : new SpectrumMonitor({ k: options['co-monitor-k'] as number }, coMonitor === 'aniso' ? { before: 'fgsm', after: 'fgsm-aniso' } : null);
      if (tracker) {
        tracker.onCheck = (check) => {
          const decision = switcher?.observe(check);
          if (decision) io.err(`switching to ${method} at epoch ${decision.epochFraction.toFixed(2)} (${decision.reason})`);
          const firing = monitor?.observe(check);
          if (firing) {
            log.write({ type: 'event', event: 'co-monitor', ...firing, firstFiring: monitor?.firings.length === 1 });
            io.err(`spectrum monitor fired at epoch ${firing.epochFraction.toFixed(2)} (log lambda_max ${firing.value.toFixed(2)}, history ${firing.mean.toFixed(2)} ± ${firing.sd.toFixed(2)})`);
          }
        };
      }
      if (tracker && !resume) await tracker.maybeCheck(0, 0);
      const run = await train(model, data.train, data.validation, trainOptions, {
        log, resume, runConfig: { run: { data: recipe, model: modelRecipe } }, hooks,
        methodAt: switcher ? (t) => switcher.methodAt(t) : monitor?.switchTo ? (t) => monitor.methodAt(t) : undefined,
      });
      if (switcher?.switched) log.write({ type: 'event', event: 'switch', to: method, ...switcher.switched });
      tracker?.finish();
      log.write({ type: 'event', event: 'end', epochs: run.epochs.length, steps: run.steps, seconds: run.seconds });
      io.err(`final evaluation on ${data.test.length} test images (${threats.map(threatName).join(', ')}) ...`);
      const start = platform.now();
      const eps = trainOptions.eps;
      const result = await evaluate(model, data.test, { eps, threats, pgdStepFactor: trainOptions.pgdStepFactor, seed: trainOptions.seed });
      const seconds = (platform.now() - start) / 1000;
      log.write({ ...evaluationRecord(result, data.test, { eps, pgdStepFactor: trainOptions.pgdStepFactor, seconds, checkpoint: checkpointPath, epoch: trainOptions.epochs }), bn: 'running' });
      if (evalBn !== 'running') {
        const batchStart = platform.now();
        const batch = await evaluate(model, data.test, { eps, threats, pgdStepFactor: trainOptions.pgdStepFactor, seed: trainOptions.seed, bnBatchStats: true });
        const batchSeconds = (platform.now() - batchStart) / 1000;
        log.write({ ...evaluationRecord(batch, data.test, { eps, pgdStepFactor: trainOptions.pgdStepFactor, seconds: batchSeconds, checkpoint: checkpointPath, epoch: trainOptions.epochs }), bn: 'batch' });
        io.out(formatEvaluation(batch, `with BatchNorm batch statistics (${batchSeconds.toFixed(1)} s):`));
      }
      await log.flush();
      await writeReport(platform, out, trainingReport(log.records, RUN_SECTIONS));
      io.out(formatEvaluation(result, `${method} training, ${data.test.name}, ${result.samples} images, eps ${eps} (${seconds.toFixed(1)} s):`));
      io.out(`wrote ${out}/log.jsonl, checkpoint.safetensors, config.json, report.md, report.html`);
    } finally {
      probe?.dispose();
      model.dispose();
      gpu.destroy();
    }
  },
};

/** Hooks that call each of `list`'s hooks in order. */
function combineHooks(...list: TrainHooks[]): TrainHooks {
  return {
    async onStep(ctx) {
      for (const h of list) await h.onStep?.(ctx);
    },
    async onEpoch(record, model) {
      for (const h of list) await h.onEpoch?.(record, model);
    },
    onLog(entry) {
      for (const h of list) h.onLog?.(entry);
    },
  };
}

/** Per-epoch progress bars: steps within the epoch with the latest logged loss and accuracy. */
function progressHooks(io: CommandIo, o: CliTrainOptions, samples: number): TrainHooks {
  const steps = Math.ceil(samples / o.batchSize);
  let bar: ProgressBar | null = null;
  let status = '';
  const label = (epoch: number) => `epoch ${epoch + 1}/${o.epochs}`;
  return {
    onStep({ epoch, epochFraction }) {
      bar ??= new ProgressBar(label(epoch), steps, io.progress, io.platform.now);
      const done = Math.round((epochFraction - epoch) * steps);
      if (done < steps) bar.update(done, status);
    },
    onLog(entry) {
      status = `loss ${entry.loss.toFixed(3)} acc ${(100 * entry.accuracy).toFixed(1)}%`;
    },
    onEpoch(record) {
      const validation = record.validation
        ? ` | val ${Object.entries(record.validation.accuracy).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join(' ')}`
        : '';
      const co = record.catastrophicOverfitting ? ' | CATASTROPHIC OVERFITTING flagged' : '';
      (bar ?? new ProgressBar(label(record.epoch), steps, io.progress, io.platform.now)).finish(
        `loss ${record.trainLoss.toFixed(3)} acc ${(100 * record.trainAccuracy).toFixed(1)}%${validation}${co} | ${record.imagesPerSecond.toFixed(0)} img/s`,
      );
      bar = null;
      status = '';
    },
  };
}
