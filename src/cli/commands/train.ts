// `ntk-at train`: a thin adapter over runRecipe. The run recipe comes from `--config run.json` (a
// recipe, or a run's config.json to replay it) with flags on top; every recipe field has a flag
// (RECIPE_FLAGS, one table that also writes the help). Writes into the run directory: log.jsonl,
// checkpoint.safetensors, config.json, report.md / report.html, and prints the final evaluation.

import { ATTACK_BN_MODES, NORMS } from '../../attacks/options.js';
import { NtkError } from '../../errors.js';
import { CNN_POOLS } from '../../nn/cnn.js';
import { INIT_SCHEMES } from '../../nn/init.js';
import { BN_AVERAGES, RUNNING_VARIANCES } from '../../ops/batchnorm.js';
import { DATA_FALLBACKS, DATA_SET_NAMES, DATA_SETS } from '../../run/data.js';
import { MODEL_KIND_NAMES, MODELS } from '../../run/models.js';
import { runRecipe, type RecipeEvent } from '../../run/orchestrator.js';
import { storedRecipe } from '../../run/stored_run.js';
import {
  CO_MONITOR_MODES,
  DEFAULT_RECIPE,
  NTK_ATTACKS,
  NTK_KERNELS,
  overlayRecipes,
  resolveRecipe,
  SCHEDULE_KINDS,
  SWITCH_RULES,
  type PartialRecipe,
} from '../../run/recipe.js';
import { METHOD_OPTIONS, TRAINING_METHODS, TRAIN_METHODS, type MethodOptionRule } from '../../train/methods.js';
import { BN_STATS_SOURCES } from '../../train/settings.js';
import { formatFraction, parseChoice, parseFraction, parseIntegerList, type OptionSpec, type ParsedOptions } from '../args.js';
import { ADAPTER_OPTION, type Command, type CommandIo } from '../command.js';
import { ProgressBar, progressCallback } from '../progress.js';
import { formatEvaluation } from './evaluate.js';

type Value = string | number | boolean | number[] | string[] | null;

/** One flag: the recipe field(s) it sets and how its text becomes the field's value. */
interface RecipeFlag {
  paths: string[];
  type: 'string' | 'number' | 'boolean';
  description: string;
  parse?: (text: string, flag: string) => Value;
}

const choiceOf = (choices: readonly string[]) => (text: string, flag: string) => parseChoice(text, flag, choices);
const list = (text: string, flag: string) => (text.trim() === 'none' ? [] : parseIntegerList(text, flag));
const orNull = (text: string, flag: string) => (text === 'none' ? null : parseFraction(text, flag));
const bn = (field: string) => `model.bn.${field}`;
const modelKinds = MODEL_KIND_NAMES.map((k) => `${k}: ${MODELS[k].summary}`).join('; ');
const methods = TRAIN_METHODS.map((m) => `${m}: ${TRAINING_METHODS[m].summary}`).join('; ');
const dataSets = DATA_SET_NAMES.map((d) => `${d}: ${DATA_SETS[d].summary}`).join('; ');

/** How a flag spells a value of a method-owned setting's rule. */
function flagValue(rule: MethodOptionRule): Pick<RecipeFlag, 'type' | 'parse'> {
  if (rule.kind === 'choice') return { type: 'string', parse: choiceOf(rule.choices) };
  return rule.kind === 'positive' ? { type: 'number' } : { type: 'string', parse: orNull };
}

/** The flags of the settings methods own (train/methods.ts METHOD_OPTIONS): --<name in kebab case>, the owners named in the help. */
const methodOptionFlags: Record<string, RecipeFlag> = Object.fromEntries(
  METHOD_OPTIONS.map((o) => [
    o.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    {
      paths: [`training.attack.${o.name}`],
      ...flagValue(o.rule),
      description: `${o.owners.join(', ')}: ${o.help}${o.rule.kind === 'choice' ? `: ${o.rule.choices.join(' | ')}` : ''}`,
    },
  ]),
);

/** Every recipe field's flag (defaults: DEFAULT_RECIPE and the model registry's per-kind defaults). */
export const RECIPE_FLAGS: Record<string, RecipeFlag> = {
  dataset: { paths: ['data.dataset'], type: 'string', description: dataSets, parse: choiceOf(DATA_SET_NAMES) },
  'data-dir': {
    paths: ['data.dir'],
    type: 'string',
    description: 'directory of the data files: Fashion-MNIST IDX, or the CIFAR-10 cifar-10-batches-bin directory (required for cifar10)',
  },
  'data-fallback': {
    paths: ['data.fallback'],
    type: 'string',
    description: `${DATA_FALLBACKS.join(' | ')}: synthetic data if the files cannot be read (logged)`,
    parse: choiceOf(DATA_FALLBACKS),
  },
  'train-size': { paths: ['data.trainSize'], type: 'number', description: 'training images (stratified, seeded)' },
  'val-size': { paths: ['data.validationSize'], type: 'number', description: 'validation images for the per-epoch check (0: none)' },
  'test-size': { paths: ['data.testSize'], type: 'number', description: 'test images for the final evaluation (first of each class)' },
  seed: {
    paths: ['training.seed', 'data.seed'],
    type: 'number',
    description: 'seed of init, data order, attacks and (unless --data-seed) the data selection',
  },
  'data-seed': { paths: ['data.seed'], type: 'number', description: 'seed of the training/validation selection and probe set' },
  model: { paths: ['model.kind'], type: 'string', description: modelKinds, parse: choiceOf(MODEL_KIND_NAMES) },
  normalize: { paths: ['model.normalize'], type: 'boolean', description: 'a Normalize first layer with the training data mean/std' },
  hidden: {
    paths: ['model.hidden'],
    type: 'string',
    description: 'mlp, cnn: hidden widths of the dense layers, e.g. 256,128 (none: no hidden layer)',
    parse: list,
  },
  channels: {
    paths: ['model.channels'],
    type: 'string',
    description: 'cnn: channels of each conv-BN-ReLU-pool block, e.g. 16,32',
    parse: list,
  },
  kernel: { paths: ['model.kernel'], type: 'number', description: 'cnn: conv kernel size (odd)' },
  pool: { paths: ['model.pool'], type: 'string', description: 'cnn: max | avg | none', parse: choiceOf(CNN_POOLS) },
  'batch-norm': {
    paths: ['model.batchNorm'],
    type: 'boolean',
    description: 'cnn: BatchNorm2d after each conv; mlp: BatchNorm1d after each hidden dense layer (before its ReLU)',
  },
  blocks: { paths: ['model.blocks'], type: 'string', description: 'preact-resnet: basic blocks per stage, e.g. 2,2,2,2', parse: list },
  widths: { paths: ['model.widths'], type: 'string', description: 'preact-resnet: width of each stage, e.g. 64,128,256,512', parse: list },
  init: { paths: ['model.init'], type: 'string', description: `weight init: ${INIT_SCHEMES.join(' | ')}`, parse: choiceOf(INIT_SCHEMES) },
  'bn-variance': {
    paths: [bn('runningVariance')],
    type: 'string',
    description: 'cnn, preact-resnet, mlp with --batch-norm on: running variance unbiased (PyTorch) | biased (TF.js, Haiku)',
    parse: choiceOf(RUNNING_VARIANCES),
  },
  'bn-average': {
    paths: [bn('average')],
    type: 'string',
    description: 'cnn, preact-resnet, mlp with --batch-norm on: running statistics ema | cumulative',
    parse: choiceOf(BN_AVERAGES),
  },
  'bn-momentum': {
    paths: [bn('momentum')],
    type: 'number',
    description: 'cnn, preact-resnet, mlp with --batch-norm on: EMA weight of the new batch, in (0, 1]',
  },
  'bn-debias': { paths: [bn('debias')], type: 'boolean', description: 'cnn, preact-resnet, mlp with --batch-norm on: zero-debiased EMA' },
  'bn-affine': {
    paths: [bn('affine')],
    type: 'boolean',
    description: 'cnn, preact-resnet, mlp with --batch-norm on: learnable gamma and beta',
  },
  'bn-eps': { paths: [bn('eps')], type: 'number', description: 'cnn, preact-resnet, mlp with --batch-norm on: added to the variance' },
  method: { paths: ['training.method'], type: 'string', description: methods, parse: choiceOf(TRAIN_METHODS) },
  epochs: { paths: ['training.epochs'], type: 'number', description: 'epochs' },
  'batch-size': { paths: ['training.batchSize'], type: 'number', description: 'batch size' },
  norm: { paths: ['training.attack.norm'], type: 'string', description: `threat norm ${NORMS.join(' | ')}`, parse: choiceOf(NORMS) },
  eps: {
    paths: ['training.attack.eps'],
    type: 'string',
    description:
      'attack radius in pixel units, e.g. 0.1 or 8/255 (training, NTK probes, validation, evaluation): at most 1 for linf, √(values per image) for l2, e.g. 1.5',
    parse: parseFraction,
  },
  'pgd-steps': { paths: ['training.attack.steps'], type: 'number', description: 'PGD-AT attack steps' },
  'pgd-step-factor': {
    paths: ['training.attack.stepFactor'],
    type: 'number',
    description: 'PGD step size / eps (training, NTK probes, validation, evaluation)',
  },
  ...methodOptionFlags,
  'attack-bn-mode': {
    paths: ['training.attack.bnMode'],
    type: 'string',
    description: `BatchNorm while the training attack runs: ${ATTACK_BN_MODES.join(' | ')}`,
    parse: choiceOf(ATTACK_BN_MODES),
  },
  'bn-stats': {
    paths: ['training.bnStats'],
    type: 'string',
    description: `batches BatchNorm learns from: ${BN_STATS_SOURCES.join(' | ')}`,
    parse: choiceOf(BN_STATS_SOURCES),
  },
  lr: { paths: ['training.lr'], type: 'number', description: 'learning rate (peak rate of cyclic)' },
  schedule: {
    paths: ['training.schedule'],
    type: 'string',
    description: 'constant | piecewise (x0.1 at 50%, 75%) | cyclic (peak at 40%)',
    parse: choiceOf(SCHEDULE_KINDS),
  },
  momentum: { paths: ['training.momentum'], type: 'number', description: 'SGD momentum' },
  nesterov: { paths: ['training.nesterov'], type: 'boolean', description: 'Nesterov momentum' },
  'weight-decay': { paths: ['training.weightDecay'], type: 'number', description: 'SGD weight decay' },
  augment: { paths: ['training.augment'], type: 'boolean', description: 'random crop (4-pixel padding) and horizontal flip' },
  'val-pgd-steps': { paths: ['training.validationPgdSteps'], type: 'number', description: 'PGD steps of the per-epoch validation check' },
  'log-every': { paths: ['training.logEvery'], type: 'number', description: 'steps per logged interval' },
  ntk: { paths: ['ntk.enabled'], type: 'boolean', description: 'track the empirical NTK on a probe set during training' },
  'probe-per-class': {
    paths: ['ntk.probePerClass'],
    type: 'number',
    description: 'NTK probe images per class (from the validation images, else the test images)',
  },
  'ntk-kernel': {
    paths: ['ntk.kernel'],
    type: 'string',
    description: `tracked kernel: ${NTK_KERNELS.join(' | ')}`,
    parse: choiceOf(NTK_KERNELS),
  },
  'ntk-attack': {
    paths: ['ntk.attack'],
    type: 'string',
    description: `${NTK_ATTACKS.join(' | ')}: also track the adversarial-example kernel`,
    parse: choiceOf(NTK_ATTACKS),
  },
  'ntk-attack-steps': {
    paths: ['ntk.attackSteps'],
    type: 'number',
    description: "PGD steps of the NTK probes' attack (step: --pgd-step-factor)",
  },
  'ntk-every': {
    paths: ['ntk.everyEpochs'],
    type: 'number',
    description: 'NTK checks every this many epochs after the dense first epoch (1, 2, ... or 0.5, 0.25, ...)',
  },
  'ntk-regression-per-class': {
    paths: ['ntk.regressionPerClass'],
    type: 'number',
    description:
      'held-out images per class (disjoint from the probes) on which each NTK check scores kernel regression with the probe kernel, clean and attacked (0: off)',
  },
  'ntk-log-kernels': {
    paths: ['ntk.logKernels'],
    type: 'boolean',
    description: 'write each probe kernel matrix into its log record (kernel-distance heatmaps)',
  },
  'co-monitor': {
    paths: ['ntk.monitor'],
    type: 'string',
    description:
      "off | watch | aniso: flag jumps of the adversarial probe kernel's log lambda_max (aniso: FGSM until it fires, then --method fgsm-aniso)",
    parse: choiceOf(CO_MONITOR_MODES),
  },
  'co-monitor-k': { paths: ['ntk.monitorK'], type: 'number', description: 'spectrum monitor: standard deviations of a jump' },
  switch: {
    paths: ['switch.rule'],
    type: 'string',
    description: `${SWITCH_RULES.join(' | ')}: kernel: --switch-warmup training until the clean and adversarial probe kernels diverge, then --method (needs --ntk on; no kernel checks after the switch); fixed: --switch-warmup until --switch-cap of the epochs, then --method`,
    parse: choiceOf(SWITCH_RULES),
  },
  'switch-warmup': {
    paths: ['switch.warmupMethod'],
    type: 'string',
    description: 'kernel switch: the method before the switch',
    parse: choiceOf(TRAIN_METHODS),
  },
  'switch-tau': { paths: ['switch.tau'], type: 'number', description: 'kernel switch: clean-adversarial kernel distance threshold' },
  'switch-patience': { paths: ['switch.patience'], type: 'number', description: 'kernel switch: checks in a row above the threshold' },
  'switch-cap': {
    paths: ['switch.capFraction'],
    type: 'number',
    description: 'kernel switch: switch at the latest at this fraction of the epochs (fixed: at it)',
  },
  'switch-plateau': {
    paths: ['switch.velocityPlateau'],
    type: 'string',
    description: 'kernel switch: also switch when the kernel velocity falls below this (none: never)',
    parse: orNull,
  },
  threats: {
    paths: ['evaluation.threats'],
    type: 'string',
    description:
      'final evaluation threats: comma list of threat or preset names (see ntk-at evaluate --help), e.g. clean,fgsm,pgd20,autoattack-lite',
    parse: (t) => t.split(',').map((s) => s.trim()),
  },
  'eval-bn-batch': {
    paths: ['evaluation.bnBatchStats'],
    type: 'boolean',
    description: "also evaluate with each test batch's own BatchNorm statistics",
  },
};

/** The value at a dotted path of DEFAULT_RECIPE (for the help), or of a model kind's defaults. */
function defaultOf(path: string): string {
  let value: unknown = DEFAULT_RECIPE;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  if (value === undefined && path.startsWith('model.')) {
    const key = path.split('.').slice(1);
    const per = MODEL_KIND_NAMES.flatMap((k) => {
      let v: unknown = MODELS[k].defaults;
      for (const part of key) v = (v as Record<string, unknown> | undefined)?.[part];
      return v === undefined ? [] : [`${k} ${shown(v)}`];
    });
    return per.join(', ');
  }
  return shown(value);
}

/** A default as a flag would spell it. */
function shown(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(',');
  return value === null ? 'none' : String(value);
}

function setPath(target: Record<string, unknown>, path: string, value: Value): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/** The recipe fields the given flags set (flags that were not given set nothing). */
export function recipeFromFlags(options: ParsedOptions): PartialRecipe {
  const recipe: Record<string, unknown> = {};
  const entries = Object.entries(RECIPE_FLAGS).filter(([flag]) => options[flag] !== undefined);
  // --data-seed after --seed, so it wins for data.seed
  entries.sort(([a], [b]) => Number(a === 'data-seed') - Number(b === 'data-seed'));
  for (const [flag, spec] of entries) {
    const raw = options[flag] as string | number;
    const value = spec.parse ? spec.parse(String(raw), flag) : raw;
    for (const path of spec.paths) setPath(recipe, path, value);
  }
  return recipe as PartialRecipe;
}

/** The largest recipe or config file read (a run's config.json is a few kB): bounded before it is read. */
export const CONFIG_FILE_LIMIT = 16 * 2 ** 20;

/** A recipe file: a recipe, a run's config.json / config record (its `recipe` field: replays that run), or an experiment's planned run (run.json, a task file). */
export async function readRecipeFile(path: string, io: CommandIo): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder().decode(await io.platform.readFile(path, CONFIG_FILE_LIMIT));
  } catch (e) {
    if (e instanceof NtkError) throw e; // a device, a pipe or a file over the bound
    throw new NtkError('E_IO', `cannot read the recipe file ${path}: ${(e as Error).message}.`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NtkError('E_INVALID_ARGUMENT', `--config ${path} is not JSON (${(e as Error).message}).`, { option: 'config', path });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new NtkError('E_INVALID_ARGUMENT', `--config ${path} must hold a JSON object (a run recipe).`, { option: 'config', path });
  }
  const record = json as Record<string, unknown>;
  if ('recipe' in record && 'command' in record) return storedRecipe(record, path) as unknown as Record<string, unknown>;
  const planned = 'recipe' in record && 'variant' in record && 'seed' in record; // an experiment's run.json or task file
  return planned ? (record.recipe as Record<string, unknown>) : record;
}

/** Runs `f`; a recipe error names the flag that sets the field, too. */
function withFlagName<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    const field = e instanceof NtkError ? e.details.field : undefined;
    const flag =
      typeof field === 'string'
        ? Object.keys(RECIPE_FLAGS).find((k) => RECIPE_FLAGS[k].paths.some((p) => field === p || field.startsWith(`${p}[`)))
        : undefined;
    if (!flag || !(e instanceof NtkError)) throw e;
    throw new NtkError(e.code, `${e.message.replace(/^\[E_[A-Z_]+\] /, '')} (flag --${flag})`, e.details);
  }
}

/** Default run directory: runs/<UTC timestamp>-<method>. */
function defaultRunDir(method: string): string {
  return `runs/${new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z')}-${method}`;
}

function directoryOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut > 0 ? path.slice(0, cut) : cut === 0 ? '/' : '.';
}

/** The help topic of a recipe field: its section (the attack apart from the rest of training). */
function groupOf(path: string): string {
  if (path.startsWith('training.attack.')) return 'attack';
  return (
    (
      {
        data: 'data',
        model: 'model',
        training: 'training',
        ntk: 'NTK tracking',
        switch: 'kernel switch',
        evaluation: 'evaluation',
      } as Record<string, string>
    )[path.split('.')[0]] ?? 'options'
  );
}

const flagOptions: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(RECIPE_FLAGS).map(([flag, spec]) => [
    flag,
    { type: spec.type, description: `${spec.description} [default ${defaultOf(spec.paths[0])}]`, group: groupOf(spec.paths[0]) },
  ]),
);

export const trainCommand: Command = {
  summary: 'train a model (standard or adversarial) from a run recipe, evaluate it, and write log, checkpoint and report',
  examples: [
    'ntk-at train --dataset synthetic-shapes --train-size 500 --test-size 200 --epochs 2   # no files needed',
    'ntk-at train --method pgd --eps 8/255 --epochs 5 --out runs/pgd                       # PGD-AT on Fashion-MNIST',
    'ntk-at train --method fgsm-rs --schedule cyclic --lr 0.2 --ntk --out runs/fgsm-rs     # with NTK tracking',
    'ntk-at train --config runs/pgd/config.json --seed 1                                   # replay a run, another seed',
  ],
  options: {
    config: { type: 'string', description: "run recipe JSON (same keys as the recipe; a run's config.json replays it); flags override it" },
    ...flagOptions,
    out: { type: 'string', description: "run directory (default runs/<timestamp>-<method>; with --resume, the checkpoint's)" },
    resume: {
      type: 'string',
      description: 'continue from this checkpoint (same recipe; only --epochs may grow, with a constant schedule)',
    },
    overwrite: {
      type: 'flag',
      description:
        'replace the run the output directory holds (without it a fresh run there is refused: resume it or choose another --out)',
    },
    'allow-adapter-change': {
      type: 'flag',
      description: 'with --resume: go on although this adapter is not the one the checkpoint was trained on (refused otherwise)',
    },
    'print-recipe': { type: 'flag', description: 'print the resolved recipe as JSON and exit (nothing is trained or written)' },
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    const base = typeof options.config === 'string' ? await readRecipeFile(options.config, io) : {};
    const recipe = withFlagName(() => resolveRecipe(overlayRecipes(base as PartialRecipe, recipeFromFlags(options))));
    if (options['print-recipe']) {
      io.out(JSON.stringify(recipe, null, 2));
      return;
    }
    const resume = typeof options.resume === 'string' ? options.resume : null;
    const out = typeof options.out === 'string' ? options.out : resume ? directoryOf(resume) : defaultRunDir(recipe.training.method);
    const result = await runRecipe(recipe, {
      outDir: out,
      resume,
      command: 'train',
      platform: io.platform,
      adapter: options.adapter as never,
      onEvent: consoleSink(io, recipe.training.epochs),
      overwrite: options.overwrite === true,
      allowAdapterChange: options['allow-adapter-change'] === true,
    });
    const e = result.evaluation;
    const test = result.log.find((x) => x.type === 'eval')?.dataset;
    io.out(
      formatEvaluation(
        e,
        `${recipe.training.method} training, ${String(test)}, ${e.samples} images, eps ${typeof options.eps === 'string' ? formatFraction(options.eps) : recipe.training.attack.eps} (${result.seconds.toFixed(1)} s run):`,
      ),
    );
    io.out(`wrote ${out}/log.jsonl, checkpoint.safetensors, config.json, report.md, report.html`);
  },
};

/** The terminal's view of a run: notices, per-epoch progress bars, kernel switch, listener errors. */
function consoleSink(io: CommandIo, epochs: number): (event: RecipeEvent) => void {
  let bar: ProgressBar | null = null;
  let barEpoch = 0;
  let steps = 0;
  const startBar = (epoch: number): ProgressBar => {
    barEpoch = epoch;
    bar = new ProgressBar(`epoch ${epoch + 1}/${epochs}`, steps, io.progress, io.platform.now);
    return bar;
  };
  const validation = progressCallback('validation check', io.progress, io.platform.now);
  const evaluation = progressCallback('final evaluation', io.progress, io.platform.now);
  return (event) => {
    switch (event.type) {
      case 'adapter':
        io.err(`adapter: ${event.line}`);
        io.err(event.programs);
        return;
      case 'start':
        io.err(
          `run directory: ${event.outDir} (${event.recipe.training.method}, ${event.recipe.model.kind}, ${event.recipe.data.dataset})`,
        );
        return;
      case 'data':
        steps = event.stepsPerEpoch;
        startBar(0); // times the epoch from its start (a resumed run restarts it at its first step)
        if (event.notice) io.err(`notice: ${event.notice}`);
        io.err(
          `data: ${event.train}, test ${event.test}; ${event.model} with ${event.parameters} parameters${event.probes ? `; tracking the NTK on ${event.probes} probe images` : ''}`,
        );
        return;
      case 'step': {
        const current = bar && barEpoch === event.epoch ? bar : startBar(event.epoch);
        const done = Math.round((event.epochFraction - event.epoch) * steps);
        if (done < steps) current.update(done, `loss ${event.loss.toFixed(3)} acc ${(100 * event.accuracy).toFixed(1)}%`);
        return;
      }
      case 'epoch': {
        const validation = event.validation
          ? ` | val ${Object.entries(event.validation.accuracy)
              .map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`)
              .join(' ')}`
          : '';
        const co = event.catastrophicOverfitting ? ' | CATASTROPHIC OVERFITTING flagged' : '';
        (bar && barEpoch === event.epoch ? bar : startBar(event.epoch)).finish(
          `loss ${event.trainLoss.toFixed(3)} acc ${(100 * event.trainAccuracy).toFixed(1)}%${validation}${co} | ${event.imagesPerSecond.toFixed(0)} img/s`,
        );
        bar = event.epoch + 1 < epochs ? startBar(event.epoch + 1) : null;
        return;
      }
      case 'progress':
        (event.stage === 'validation' ? validation : evaluation)(event.done, event.total, 'images');
        return;
      case 'switch':
        io.err(`switching to ${event.to} at epoch ${event.epochFraction.toFixed(2)} (${event.reason})`);
        return;
      case 'evaluating':
        io.err(`final evaluation on ${event.samples} test images (${event.threats.join(', ')}) ...`);
        return;
      case 'error':
        if (!event.fatal) io.err(`warning: ${event.message}`);
        return;
      default:
    }
  };
}
