// `ntk-at evaluate --checkpoint <file>`: rebuilds the model and the test data from the run stored in
// the checkpoint (src/run/stored_run.ts), loads its weights, and measures the accuracy under each
// threat of the registry (FGSM, PGD, APGD, FAB-T, Square; CE/CW/DLR; presets such as autoattack, a
// cascade, and autoattack-lite) and their per-sample worst case, in the run's threat model (norm,
// eps, step factor) unless flags say otherwise, with a progress bar per threat or cascade stage;
// prints a table, optionally appends the result to a run log (then `ntk-at report`).

import type { Gpu } from '../../device/gpu.js';
import { NtkError } from '../../errors.js';
import type { Model } from '../../nn/model.js';
import type { Platform } from '../../platform/index.js';
import { RunLog, type LogRecord } from '../../io/runlog.js';
import { withDirectoryLock } from '../../run/run_lock.js';
import { checkCheckpointFits, loadCheckpoint, type TrainingCheckpoint } from '../../train/checkpoint.js';
import {
  ATTACKS,
  THREAT_ALIASES,
  THREAT_PRESETS,
  parseThreats as parseThreatList,
  threatEntry,
  threatName,
  threatsCascade,
} from '../../attacks/registry.js';
import { ATTACK_LOSSES } from '../../attacks/losses.js';
import { NORMS, type ThreatModel } from '../../attacks/options.js';
import { runThreatModel, type RunRecipe } from '../../run/recipe.js';
import { storedRun } from '../../run/stored_run.js';
import { evaluate, WORST_CASE, type EvaluationResult, type Threat } from '../../train/evaluate.js';
import type { ImageDataset } from '../../data/dataset.js';
import { formatFraction, parseChoice, parseFraction, requireCount, type OptionSpec, type ParsedOptions } from '../args.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command } from '../command.js';
import { progressCallback, type ProgressCallback } from '../progress.js';
import { DATASET_CHOICES, loadRunData, type DataRecipe } from '../data.js';
import { buildModel, type ModelRecipe } from '../models.js';

/**
 * Parses a comma list of threats, AutoAttack aliases and presets (attacks/registry.ts), e.g.
 * `clean,fgsm,pgd20,pgd50x3,pgd20-cw,autoattack-lite`; E_INVALID_ARGUMENT naming --`option` otherwise.
 */
export function parseThreats(text: string, option = 'threats'): Threat[] {
  return parseThreatList(text, option);
}

/** The --threats help text: the syntax of each attack, the aliases and the presets. */
export const THREATS_HELP =
  `comma list of ${Object.values(ATTACKS)
    .map((a) => a.syntax)
    .join(', ')} (loss ${ATTACK_LOSSES.join('|')}), ` +
  `aliases ${Object.keys(THREAT_ALIASES).join(', ')}, presets ${Object.entries(THREAT_PRESETS)
    .map(([k, v]) => `${k} (${v.threats})`)
    .join(', ')}; ` +
  `the ${WORST_CASE} row counts a sample only if it is correct clean and under every threat`;

/** The flags of a threat model that `evaluate` and `ntk` take; each defaults to the run's. */
export const THREAT_MODEL_OPTIONS: Record<string, OptionSpec> = {
  norm: { type: 'string', description: `threat model: ${NORMS.join(' | ')} (default: the run's)` },
  eps: { type: 'string', description: "attack radius in pixel units, e.g. 0.1 or 8/255 (default: the run's; l2 radii may exceed 1)" },
  'pgd-step-factor': { type: 'number', description: "PGD step size as a fraction of eps (default: the run's)" },
};

/**
 * The threat model a command runs with on stored run `r`: the run's norm, eps and step factor,
 * each unless its flag is given, checked by the recipe's rules (run/recipe.ts runThreatModel); and
 * the one line that says what was used and where each part came from.
 */
export function commandThreatModel(r: RunRecipe, options: ParsedOptions): { threat: ThreatModel; line: string } {
  const given: Partial<ThreatModel> = {
    ...(options.norm !== undefined && { norm: parseChoice(String(options.norm), 'norm', NORMS) }),
    ...(options.eps !== undefined && { eps: parseFraction(String(options.eps), 'eps') }),
    ...(options['pgd-step-factor'] !== undefined && { stepFactor: options['pgd-step-factor'] as number }),
  };
  const threat = runThreatModel(r, given, { norm: '--norm', eps: '--eps', stepFactor: '--pgd-step-factor' });
  const from = (field: keyof ThreatModel, flag: string) => (given[field] === undefined ? 'the run' : flag);
  const eps = options.eps === undefined ? String(threat.eps) : formatFraction(String(options.eps), threat.eps);
  return {
    threat,
    line:
      `threat model: ${threat.norm}, eps ${eps}, PGD step ${threat.stepFactor}·eps ` +
      `(norm from ${from('norm', '--norm')}, eps from ${from('eps', '--eps')}, step factor from ${from('stepFactor', '--pgd-step-factor')})`,
  };
}

/**
 * The final-evaluation record of the run log (`type: "eval"`): with `threats`, each threat's
 * parameters; a cascade adds its version and, per stage, the samples attacked, the robust accuracy
 * after it and its seconds.
 */
export function evaluationRecord(
  result: EvaluationResult,
  data: ImageDataset,
  extra: { eps: number; norm?: string; pgdStepFactor: number; seconds: number; checkpoint: string; epoch: number },
  threats?: readonly Threat[],
): LogRecord {
  return {
    type: 'eval',
    dataset: data.name,
    samples: result.samples,
    ...extra,
    accuracy: result.accuracy,
    ...(threats && { threats: threats.map((t) => ({ threat: threatName(t), parameters: threatEntry(t).parameters(t) })) }),
    ...(result.cascade && { cascade: result.cascade }),
  };
}

/** The lines of a threat/accuracy table; the worst case (correct clean and under every threat) last. */
export function formatEvaluation(result: EvaluationResult, title: string): string {
  const width = Math.max(10, ...Object.keys(result.accuracy).map((k) => k.length));
  const stages = new Map(result.cascade?.stages.map((s) => [s.threat, s]));
  const rows = Object.entries(result.accuracy).map(([k, v]) => {
    const stage = stages.get(k);
    const after = stage
      ? `  after stage ${[...stages.keys()].indexOf(k) + 1}: ${stage.attacked} samples attacked, ${stage.seconds.toFixed(1)} s`
      : '';
    return `  ${k.padEnd(width)} ${(100 * v).toFixed(1).padStart(5)}%${after}`;
  });
  const version = result.cascade
    ? [
        `  (AutoAttack ${result.cascade.version} version: a cascade, each threat on the samples still robust; ${WORST_CASE} = the final robust accuracy)`,
      ]
    : [];
  return [title, ...rows, ...version].join('\n');
}

/** A model built from `recipe` with the checkpoint's weights. The caller disposes it. */
export function modelFromCheckpoint(gpu: Gpu, recipe: ModelRecipe, cp: TrainingCheckpoint, source: string): Model {
  const model = buildModel(gpu, recipe);
  try {
    checkCheckpointFits(cp, model, source);
    model.importState(Object.fromEntries([...cp.model].map(([k, t]) => [k, t.data])));
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Appends `record` to the run log at `path` holding its run directory's lock (E_RUN_LOCKED while a run writes there). */
async function appendRecord(platform: Platform, path: string, record: LogRecord): Promise<void> {
  const cut = path.lastIndexOf('/');
  await withDirectoryLock(platform, cut > 0 ? path.slice(0, cut) : cut === 0 ? '/' : '.', async () => {
    const log = new RunLog(platform, path);
    log.write(record);
    await log.flush();
  });
}

export const evaluateCommand: Command = {
  summary:
    'evaluate a checkpoint of `ntk-at train`: accuracy under each threat (FGSM, PGD, APGD, FAB-T, Square; CE/CW/DLR) and their per-sample worst case, or AutoAttack (standard version) as a cascade',
  examples: [
    'ntk-at evaluate --checkpoint runs/pgd/checkpoint.safetensors --threats clean,fgsm,pgd20,pgd50x3',
    'ntk-at evaluate --checkpoint runs/pgd/checkpoint.safetensors --threats autoattack',
  ],
  options: {
    checkpoint: { type: 'string', description: 'checkpoint.safetensors written by ntk-at train (required)' },
    threats: { type: 'string', description: THREATS_HELP, default: 'clean,fgsm,pgd20' },
    ...THREAT_MODEL_OPTIONS,
    dataset: { type: 'string', description: `test data (${DATASET_CHOICES.join(' | ')}; default: the training run's)` },
    'data-dir': { type: 'string', description: "Fashion-MNIST directory (default: the training run's)" },
    'test-size': { type: 'number', description: "test images, a multiple of the class count (default: the training run's)" },
    'batch-size': { type: 'number', description: 'evaluation batch size', default: 200 },
    seed: {
      type: 'number',
      description: "seed of the attacks' random draws (each attack and sample has its own stream of it)",
      default: 0,
    },
    log: { type: 'string', description: 'append the result to this run log (log.jsonl) as a `type: "eval"` record' },
    json: { type: 'flag', description: 'print the result as JSON' },
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    if (typeof options.checkpoint !== 'string') {
      throw new NtkError('E_INVALID_ARGUMENT', '--checkpoint <file> is required (a checkpoint.safetensors written by ntk-at train).', {
        option: 'checkpoint',
      });
    }
    const threats = parseThreats(String(options.threats));
    const cascadeVersion = threatsCascade(String(options.threats));
    const batchSize = requireCount(options['batch-size'], 'batch-size');
    const source = options.checkpoint;
    const cp = await loadCheckpoint(source, io.platform);
    const run = storedRun(cp.config, source);
    const {
      threat: { norm, eps, stepFactor },
      line,
    } = commandThreatModel(run.recipe, options);
    const dataRecipe: DataRecipe = {
      ...run.recipe.data,
      ...(options.dataset !== undefined && { dataset: parseChoice(String(options.dataset), 'dataset', DATASET_CHOICES) }),
      ...(options['data-dir'] !== undefined && { dir: String(options['data-dir']) }),
      ...(options['test-size'] !== undefined && { testSize: requireCount(options['test-size'], 'test-size') }),
    };
    const data = await loadRunData(dataRecipe, io.platform);
    if (data.notice) io.err(`notice: ${data.notice}`);
    io.err(line);
    const gpu = await gpuFromOptions(options, io);
    try {
      const model = modelFromCheckpoint(gpu, run.model, cp, source);
      try {
        const start = io.platform.now();
        const bars = new Map<string, ProgressCallback>();
        const onProgress = (done: number, total: number, stage = 'evaluation') => {
          if (!bars.has(stage))
            bars.set(stage, progressCallback(cascadeVersion ? `stage ${bars.size + 1} ${stage}` : stage, io.progress, io.platform.now));
          bars.get(stage)?.(done, total, 'samples');
        };
        const result = await evaluate(model, data.test, {
          eps,
          norm,
          threats,
          batchSize,
          seed: options.seed as number,
          pgdStepFactor: stepFactor,
          cascade: cascadeVersion,
          onProgress,
          now: io.platform.now,
        });
        const seconds = (io.platform.now() - start) / 1000;
        const record = evaluationRecord(
          result,
          data.test,
          { eps, norm, pgdStepFactor: stepFactor, seconds, checkpoint: source, epoch: cp.epoch },
          threats,
        );
        if (typeof options.log === 'string') await appendRecord(io.platform, options.log, record);
        io.out(
          options.json
            ? JSON.stringify(record, null, 2)
            : formatEvaluation(
                result,
                `${data.test.name}, ${result.samples} images, ${norm} eps ${options.eps === undefined ? eps : formatFraction(String(options.eps), eps)}, checkpoint epoch ${cp.epoch} (${seconds.toFixed(1)} s):`,
              ),
        );
      } finally {
        model.dispose();
      }
    } finally {
      gpu.destroy();
    }
  },
};
