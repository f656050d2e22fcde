// The run recipe: one JSON-serialisable description of a whole run (data, model, training with its
// attack, NTK tracking, kernel switch, final evaluation), its defaults in one place (DEFAULT_RECIPE,
// its training part from train()'s DEFAULT_TRAIN, and the model registry's per-kind defaults), and
// resolveRecipe, the one validation of a run's
// settings: it fills defaults and rejects unknown keys and bad values with E_INVALID_ARGUMENT naming
// the field, before any I/O or device. Training fields are checked by train()'s own rules
// (train/settings.ts), so what the recipe accepts train() accepts.

import type { Norm } from '../ops/attack_step.js';
import { checkThreatModel, type AttackBnMode, type ThreatModel } from '../attacks/options.js';
import { NtkError } from '../errors.js';
import { rejectPrototypeKeys } from '../options.js';
import type { CNN_POOLS } from '../nn/cnn.js';
import type { InitScheme } from '../nn/init.js';
import type { BatchNormOptions } from '../ops/batchnorm.js';
import {
  CHECK_INTERVAL_RULE,
  DEFAULT_TRACKER,
  isCheckInterval,
  TRACKED_KERNELS,
  TRACKING_MEMORY_LIMIT,
  trackingMemoryBytes,
} from '../train/kernel_tracker.js';
import { checkSwitchOptions, DEFAULT_SWITCH } from '../train/switch.js';
import { METHOD_OPTION_DEFAULTS, METHOD_OPTIONS, type MethodOptionValues, type TrainMethod } from '../train/methods.js';
import { checkTrainSettings, normProblem, type SettingName, type TrainSettings } from '../train/settings.js';
import { DEFAULT_TRAIN, type BnStatsSource } from '../train/trainer.js';
import { DEFAULT_SGD_OPTIONS } from '../optim/sgd.js';
import { parseThreats, PROBE_ATTACKS, type Threat } from '../attacks/registry.js';
import { checkDataRecipe, DATA_FALLBACKS, DATA_SET_NAMES, DEFAULT_DATA_RECIPE, dataSet, type DataRecipe } from './data.js';
import { modelEntry, type ModelKindName } from './models.js';

/** The learning-rate schedules a recipe can name. */
export const SCHEDULE_KINDS = ['constant', 'piecewise', 'cyclic'] as const;
/** One of SCHEDULE_KINDS. */
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
/** Attacks of the adversarial-example kernel (`none`: clean kernel only). */
export const NTK_ATTACKS = [...PROBE_ATTACKS, 'none'] as const;
/** Kernels the tracker can follow (train/kernel_tracker.ts). */
export const NTK_KERNELS = TRACKED_KERNELS;
/** Switch rules (`off`: the method throughout; `fixed`: at the cap, no kernel tracking needed). */
export const SWITCH_RULES = ['off', 'kernel', 'fixed'] as const;
/** The spectrum monitor's modes (ntk.monitor): off, watch (flag jumps), aniso (FGSM until it fires, then the anisotropic start). */
export const CO_MONITOR_MODES = ['off', 'watch', 'aniso'] as const;

/** The model: a MODELS kind, a Normalize first layer on/off, and the kind's options (see MODELS[kind].defaults). */
export interface ModelSpec {
  kind: ModelKindName;
  /** A Normalize first layer with the training data's per-channel mean/std (epsilon keeps its pixel meaning). */
  normalize: boolean;
  hidden?: number[];
  channels?: number[];
  kernel?: number;
  pool?: (typeof CNN_POOLS)[number];
  batchNorm?: boolean;
  /** Every BatchNorm estimator switch: eps, momentum, average ema|cumulative, runningVariance unbiased|biased, debias, affine. */
  bn?: BatchNormOptions;
  blocks?: number[];
  widths?: number[];
  init?: InitScheme;
}

/**
 * The attack of a run: norm, radius, steps and step factor (training, NTK probes, validation and
 * evaluation), and the settings methods own (train/methods.ts METHOD_OPTIONS, each declared by its
 * methods' registry entries).
 */
export interface AttackSpec extends MethodOptionValues {
  norm: Norm;
  /** Radius in pixel units of inputs in [0, 1] (training attack, validation, NTK probes, final evaluation): at most 1 for l-inf, √(values per image) for l2. */
  eps: number;
  /** Multi-step attacks (PGD-AT, the NTK's PGD probes, validation and evaluation PGD): step = stepFactor·eps. */
  steps: number;
  stepFactor: number;
  /** BatchNorm while the training attack runs: running buffers (`eval`) or frozen batch statistics. */
  bnMode: AttackBnMode;
}

/** How a run trains: method, epochs, batch size, attack, optimizer and schedule, BatchNorm statistics, augmentation, validation, logging and seed. */
export interface TrainingSpec {
  method: TrainMethod;
  epochs: number;
  batchSize: number;
  attack: AttackSpec;
  /** Peak learning rate and schedule: constant, piecewise (x0.1 at 50% and 75%), cyclic (peak at 40%). */
  lr: number;
  schedule: ScheduleKind;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Which batches BatchNorm learns running statistics from (trainer.ts BnStatsSource). */
  bnStats: BnStatsSource;
  /** Random crop (4-pixel padding) and horizontal flip. */
  augment: boolean;
  /** PGD steps of the per-epoch validation check. */
  validationPgdSteps: number;
  logEvery: number;
  /** Seed of init, data order and attacks. */
  seed: number;
}

/** NTK tracking of a run. */
export interface NtkSpec {
  enabled: boolean;
  /** Probe images per class (from the validation images, else the test images). */
  probePerClass: number;
  kernel: (typeof NTK_KERNELS)[number];
  /** Also track the adversarial-example kernel with this attack (training's eps, norm, step factor). */
  attack: (typeof NTK_ATTACKS)[number];
  attackSteps: number;
  /** Checks every this many epochs after the dense first epoch. */
  everyEpochs: number;
  /** Write each probe kernel matrix into its log record (kernel-distance heatmaps). */
  logKernels: boolean;
  /**
   * Held-out images per class (from the probes' source, disjoint from them) on which each check scores
   * the kernel machine of the probe kernel (kernel-regression accuracy, clean and attacked); 0: off.
   */
  regressionPerClass: number;
  /** Spectrum monitor (train/spectrum_monitor.ts): off, watch (log its firings), or aniso (FGSM until it fires, then fgsm-aniso). */
  monitor: (typeof CO_MONITOR_MODES)[number];
  /** The monitor's jump threshold in standard deviations. */
  monitorK: number;
}

/** The switch rule of a run (see KernelSwitch). */
export interface SwitchSpec {
  /**
   * `kernel`: train with warmupMethod until the clean and adversarial probe kernels diverge (or the cap), then
   * training.method; its kernel checks stop at the switch. `fixed`: warmupMethod until capFraction of the epochs
   * (tau, patience and velocityPlateau unused; no tracking needed).
   */
  rule: (typeof SWITCH_RULES)[number];
  warmupMethod: TrainMethod;
  tau: number;
  patience: number;
  capFraction: number;
  velocityPlateau: number | null;
}

/** The final evaluation of a run. */
export interface EvaluationSpec {
  /** Threat or preset names of the threat registry (src/attacks/registry.ts), e.g. clean, fgsm, pgd20, pgd50x3, autoattack-lite. */
  threats: string[];
  /** Also evaluate with each test batch's own BatchNorm statistics (running buffers untouched), logged as a second `eval` record with bn "batch". */
  bnBatchStats: boolean;
}

/** Everything a run needs, as plain JSON: data, model, training, NTK tracking, switch rule and evaluation (defaults in DEFAULT_RECIPE; resolveRecipe checks it). */
export interface RunRecipe {
  data: DataRecipe;
  model: ModelSpec;
  training: TrainingSpec;
  ntk: NtkSpec;
  switch: SwitchSpec;
  evaluation: EvaluationSpec;
}

/** Recipes as users write them: any field may be left out. */
export type PartialRecipe = {
  [K in keyof RunRecipe]?: RunRecipe[K] extends (infer T)[]
    ? T[]
    : { [F in keyof RunRecipe[K]]?: NonNullable<RunRecipe[K][F]> extends object ? Partial<NonNullable<RunRecipe[K][F]>> : RunRecipe[K][F] };
};

/** The recipes laid over each other, later ones winning, recursing into plain objects (a config file under flags, an experiment's base under its variant). */
export function overlayRecipes(...recipes: PartialRecipe[]): PartialRecipe {
  const plain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const overlay = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = plain(out[k]) && plain(v) ? overlay(out[k] as Record<string, unknown>, v) : v;
    return out;
  };
  return recipes.reduce((a, b) => overlay(a as Record<string, unknown>, b as Record<string, unknown>), {}) as PartialRecipe;
}

/** train()'s defaults (DEFAULT_TRAIN) with the optimizer's (for the fields train() leaves to Sgd). */
const TRAIN = { ...DEFAULT_TRAIN, sgd: { ...DEFAULT_SGD_OPTIONS, ...DEFAULT_TRAIN.sgd } };

/**
 * Every default of a run, in one place (model options: MODELS[kind].defaults). Training takes
 * train()'s (DEFAULT_TRAIN) but for the schedule: a run decays its rate piecewise, train() keeps it
 * constant. NTK tracking takes the tracker's (DEFAULT_TRACKER), the switch the switch's.
 */
export const DEFAULT_RECIPE: Readonly<Omit<RunRecipe, 'model'> & { model: { kind: ModelKindName; normalize: boolean } }> = {
  data: DEFAULT_DATA_RECIPE,
  model: { kind: 'mlp', normalize: true },
  training: {
    method: TRAIN.method,
    epochs: TRAIN.epochs,
    batchSize: TRAIN.batchSize,
    attack: {
      norm: TRAIN.norm,
      eps: TRAIN.eps,
      steps: TRAIN.pgdSteps,
      stepFactor: TRAIN.pgdStepFactor,
      ...METHOD_OPTION_DEFAULTS,
      bnMode: TRAIN.attackBnMode,
    },
    lr: TRAIN.schedule.lr,
    schedule: 'piecewise',
    momentum: TRAIN.sgd.momentum,
    nesterov: TRAIN.sgd.nesterov,
    weightDecay: TRAIN.sgd.weightDecay,
    bnStats: TRAIN.bnStats,
    augment: TRAIN.augment !== null,
    validationPgdSteps: TRAIN.validation.pgdSteps,
    logEvery: TRAIN.logEvery,
    seed: TRAIN.seed,
  },
  ntk: {
    enabled: false,
    probePerClass: 10,
    kernel: DEFAULT_TRACKER.kind,
    attack: 'pgd',
    attackSteps: 10,
    everyEpochs: DEFAULT_TRACKER.everyEpochs,
    logKernels: DEFAULT_TRACKER.logKernels,
    regressionPerClass: 0,
    monitor: 'off',
    monitorK: 3,
  },
  switch: {
    rule: 'off',
    warmupMethod: DEFAULT_SWITCH.warmupMethod,
    tau: DEFAULT_SWITCH.tau,
    patience: DEFAULT_SWITCH.patience,
    capFraction: DEFAULT_SWITCH.capFraction,
    velocityPlateau: null,
  },
  evaluation: { threats: ['clean', 'fgsm', 'pgd20'], bnBatchStats: false },
};

/** The training settings a recipe sets (all but the optimizer's gradient clipping). */
type RecipeSetting = Exclude<SettingName, 'sgd.clipNorm'>;

/**
 * The recipe field of each training setting (train/settings.ts): train()'s rules, the recipe's names;
 * a method-owned setting is training.attack.<name>. The order is that of the run log's `train` record.
 */
const TRAINING_FIELDS: Record<RecipeSetting, string> = {
  method: 'training.method',
  epochs: 'training.epochs',
  batchSize: 'training.batchSize',
  bnStats: 'training.bnStats',
  logEvery: 'training.logEvery',
  seed: 'training.seed',
  'sgd.momentum': 'training.momentum',
  'sgd.nesterov': 'training.nesterov',
  'sgd.weightDecay': 'training.weightDecay',
  eps: 'training.attack.eps',
  norm: 'training.attack.norm',
  pgdSteps: 'training.attack.steps',
  pgdStepFactor: 'training.attack.stepFactor',
  ...(Object.fromEntries(METHOD_OPTIONS.map((o) => [o.name, `training.attack.${o.name}`])) as Record<keyof MethodOptionValues, string>),
  attackBnMode: 'training.attack.bnMode',
};

/** The training settings of a recipe (read through TRAINING_FIELDS), as train() takes them. */
export function trainSettingsOf(r: RunRecipe): TrainSettings {
  const out: Record<string, unknown> = { sgd: {} };
  for (const [setting, field] of Object.entries(TRAINING_FIELDS)) {
    const value = field.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], r);
    const [head, option] = setting.split('.');
    if (option) (out[head] as Record<string, unknown>)[option] = value;
    else out[head] = value;
  }
  return out as unknown as TrainSettings;
}

/** Values per image of the data a recipe can train on: its data set's, or its fallback's if fewer (the radius bound's dims). */
function inputDims(d: DataRecipe): number {
  const dims = (name: string) => dataSet(name).shape.reduce((a, b) => a * b, 1);
  return Math.min(dims(d.dataset), d.fallback === 'none' ? Infinity : dims(d.fallback));
}

const bad = (field: string, expected: string, value: unknown): NtkError =>
  new NtkError('E_INVALID_ARGUMENT', `recipe field "${field}" must be ${expected}, got ${JSON.stringify(value)}.`, { field, value });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** defaults overlaid with `given`, recursing into plain objects; unknown keys name their dotted field. */
function merge(defaults: Record<string, unknown>, given: unknown, field: string): Record<string, unknown> {
  if (given === undefined) return structuredClone(defaults);
  if (!isObject(given)) throw bad(field, 'an object', given);
  const out: Record<string, unknown> = structuredClone(defaults);
  for (const [key, value] of Object.entries(given)) {
    const path = field ? `${field}.${key}` : key;
    if (!Object.hasOwn(defaults, key)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `unknown recipe field "${path}"; known fields${field ? ` of "${field}"` : ''}: ${Object.keys(defaults).join(', ')}.`,
        { field: path },
      );
    }
    if (value === undefined) continue;
    out[key] = isObject(defaults[key]) ? merge(defaults[key] as Record<string, unknown>, value, path) : value;
  }
  return out;
}

/** The longest list a recipe field may hold (layer widths, blocks, threats): bounded before any list is walked. */
export const MAX_RECIPE_LIST = 256;

/** E_INVALID_ARGUMENT naming the first list longer than MAX_RECIPE_LIST (the recipe's depth is bounded already). */
function checkListLengths(value: unknown, field: string): void {
  if (Array.isArray(value) && value.length > MAX_RECIPE_LIST)
    throw bad(field, `a list of at most ${MAX_RECIPE_LIST} entries`, `(${value.length} entries)`);
  if (isObject(value)) for (const [key, v] of Object.entries(value)) checkListLengths(v, field ? `${field}.${key}` : key);
}

const integer = (field: string, value: unknown, min: number) => {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) throw bad(field, `an integer >= ${min}`, value);
};
const number = (field: string, value: unknown, ok: (v: number) => boolean, expected: string) => {
  if (!(typeof value === 'number' && Number.isFinite(value) && ok(value))) throw bad(field, expected, value);
};
const choice = (field: string, value: unknown, choices: readonly unknown[]) => {
  if (!choices.includes(value)) throw bad(field, `one of ${choices.join(', ')}`, value);
};
const boolean = (field: string, value: unknown) => {
  if (typeof value !== 'boolean') throw bad(field, 'true or false', value);
};

/**
 * The full recipe: defaults filled in (the model's per kind), every field checked. Throws
 * E_INVALID_ARGUMENT naming the field (details.field) for unknown keys and bad values. Pure: no
 * files, no device.
 */
export function resolveRecipe(recipe: PartialRecipe | unknown = {}): RunRecipe {
  if (!isObject(recipe)) throw bad('(recipe)', 'an object', recipe);
  rejectPrototypeKeys('recipe', recipe); // __proto__, constructor, prototype at any depth, and the depth bounded (src/options.ts)
  checkListLengths(recipe, '');
  const given = recipe as Record<string, unknown>;
  const kind = isObject(given.model) && given.model.kind !== undefined ? given.model.kind : DEFAULT_RECIPE.model.kind;
  const entry = modelEntry(String(kind));
  const defaults = { ...DEFAULT_RECIPE, model: { ...DEFAULT_RECIPE.model, kind, ...entry.defaults } };
  const r = merge(defaults as unknown as Record<string, unknown>, recipe, '') as unknown as RunRecipe;

  const d = r.data;
  choice('data.dataset', d.dataset, DATA_SET_NAMES);
  if (d.dir !== null && (typeof d.dir !== 'string' || d.dir === '')) throw bad('data.dir', 'a directory (string) or null', d.dir);
  choice('data.fallback', d.fallback, DATA_FALLBACKS);
  integer('data.seed', d.seed, 0);
  checkDataRecipe(d);

  boolean('model.normalize', r.model.normalize);
  const shape = dataSet(d.dataset).shape;
  const channels = shape[0];
  const { kind: _kind, normalize, ...modelOptions } = r.model;
  entry.builderOptions(
    modelOptions,
    {
      inputShape: shape,
      classes: dataSet(d.dataset).classes,
      normalize: normalize ? { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) } : null,
    },
    0,
  );

  const t = r.training;
  checkTrainSettings(trainSettingsOf(r), inputDims(d), (setting, expected, value) => {
    throw bad(TRAINING_FIELDS[setting as RecipeSetting], expected, value); // the recipe leaves clipNorm null, which passes
  });
  number('training.lr', t.lr, (v) => v > 0, 'a number > 0');
  choice('training.schedule', t.schedule, SCHEDULE_KINDS);
  boolean('training.augment', t.augment);
  integer('training.validationPgdSteps', t.validationPgdSteps, 1);

  const n = r.ntk;
  boolean('ntk.enabled', n.enabled);
  integer('ntk.probePerClass', n.probePerClass, 1);
  choice('ntk.kernel', n.kernel, NTK_KERNELS);
  choice('ntk.attack', n.attack, NTK_ATTACKS);
  integer('ntk.attackSteps', n.attackSteps, 1);
  if (!isCheckInterval(n.everyEpochs)) throw bad('ntk.everyEpochs', CHECK_INTERVAL_RULE, n.everyEpochs);
  boolean('ntk.logKernels', n.logKernels);
  integer('ntk.regressionPerClass', n.regressionPerClass, 0);
  choice('ntk.monitor', n.monitor, CO_MONITOR_MODES);
  number('ntk.monitorK', n.monitorK, (v) => v > 0, 'a number > 0');
  if (n.monitor !== 'off' && (!n.enabled || n.attack === 'none')) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'recipe field "ntk.monitor": the spectrum monitor watches the adversarial probe kernel, so set ntk.enabled true and an ntk.attack.',
      { field: 'ntk.monitor' },
    );
  }
  if (n.monitor === 'aniso' && (t.method !== 'fgsm-aniso' || r.switch.rule !== 'off')) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'recipe field "ntk.monitor" is "aniso" (FGSM until the monitor fires, then the anisotropic start): set training.method "fgsm-aniso" and no switch.',
      { field: 'ntk.monitor' },
    );
  }
  const probes = n.probePerClass * dataSet(d.dataset).classes;
  const trackingBytes = trackingMemoryBytes(probes, t.epochs, n.everyEpochs);
  if (n.enabled && trackingBytes > TRACKING_MEMORY_LIMIT) {
    let fits = n.probePerClass;
    while (fits > 1 && trackingMemoryBytes(fits * dataSet(d.dataset).classes, t.epochs, n.everyEpochs) > TRACKING_MEMORY_LIMIT) fits--;
    throw new NtkError(
      'E_RESOURCE_LIMIT',
      `recipe field "ntk.probePerClass": tracking the NTK of ${probes} probes over ${t.epochs} epochs keeps ${(trackingBytes / 2 ** 30).toFixed(1)} GiB of kernels, ` +
        `more than the ${TRACKING_MEMORY_LIMIT / 2 ** 30} GiB limit; use at most ${fits} probes per class (or check less often: ntk.everyEpochs).`,
      { field: 'ntk.probePerClass', bytes: trackingBytes, limit: TRACKING_MEMORY_LIMIT, fits },
    );
  }
  const probeSource = d.validationSize > 0 ? d.validationSize : d.testSize;
  if (n.enabled && n.probePerClass * dataSet(d.dataset).classes > probeSource) {
    throw bad(
      'ntk.probePerClass',
      `at most ${probeSource / dataSet(d.dataset).classes} (the ${d.validationSize > 0 ? 'validation' : 'test'} images per class)`,
      n.probePerClass,
    );
  }
  if (n.enabled && (n.probePerClass + n.regressionPerClass) * dataSet(d.dataset).classes > probeSource) {
    throw bad(
      'ntk.regressionPerClass',
      `at most ${probeSource / dataSet(d.dataset).classes - n.probePerClass} (the ${d.validationSize > 0 ? 'validation' : 'test'} images per class not used as probes)`,
      n.regressionPerClass,
    );
  }

  const s = r.switch;
  choice('switch.rule', s.rule, SWITCH_RULES);
  checkSwitchOptions(s, (option, expected, value) => {
    throw bad(`switch.${option}`, expected, value);
  });
  const warmupNorm = s.rule !== 'off' ? normProblem(s.warmupMethod, t.attack.norm) : null; // it trains the first part of the run
  if (warmupNorm)
    throw bad(
      'switch.warmupMethod',
      `a method that trains in the run's ${t.attack.norm} ball (training.attack.norm would have to be ${warmupNorm})`,
      s.warmupMethod,
    );
  if (s.rule === 'kernel' && (!n.enabled || n.attack === 'none')) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'recipe field "switch.rule" is "kernel": it compares clean and adversarial probe kernels, so set ntk.enabled true and an ntk.attack (pgd or fgsm).',
      { field: 'switch.rule' },
    );
  }

  const threats = r.evaluation.threats;
  if (!Array.isArray(threats) || threats.length === 0) throw bad('evaluation.threats', 'a non-empty list of threat names', threats);
  recipeThreats(r);
  boolean('evaluation.bnBatchStats', r.evaluation.bnBatchStats);
  return r;
}

/** The recipe's evaluation threats, parsed by the threat registry (src/attacks/registry.ts; presets expand). */
export function recipeThreats(r: RunRecipe): Threat[] {
  return r.evaluation.threats.flatMap((name, i) => {
    if (typeof name !== 'string' || name.includes(','))
      throw bad(
        `evaluation.threats[${i}]`,
        'one threat or preset name (e.g. clean, fgsm, pgd20, pgd50x3, apgd100-dlr, autoattack-lite)',
        name,
      );
    try {
      return parseThreats(name, `evaluation.threats[${i}]`);
    } catch (e) {
      if (!(e instanceof NtkError)) throw e;
      throw new NtkError(e.code, e.message.replace(/^\[E_[A-Z_]+\] /, ''), { ...e.details, field: `evaluation.threats[${i}]` }); // the field, as every recipe error names it
    }
  });
}

/**
 * The threat model an evaluation or a kernel of a run uses: the run's training attack (norm, eps,
 * step factor), each field of `given` (e.g. a command's flags) in its place, checked by the rules
 * the recipe's own attack passed (for the run's input size); `names` names the given fields in errors.
 */
export function runThreatModel(r: RunRecipe, given: Partial<ThreatModel>, names: Record<keyof ThreatModel, string>): ThreatModel {
  const a = r.training.attack;
  const t = { norm: given.norm ?? a.norm, eps: given.eps ?? a.eps, stepFactor: given.stepFactor ?? a.stepFactor };
  checkThreatModel(t, inputDims(r.data), (field, expected, value) => {
    throw new NtkError('E_INVALID_ARGUMENT', `${names[field]} must be ${expected}, got ${JSON.stringify(value)}.`, {
      option: names[field],
      value,
    });
  });
  return t;
}
