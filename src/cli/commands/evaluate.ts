// `ntk-at evaluate --checkpoint <file>`: rebuilds the model and the test data from the run recipe
// stored in the checkpoint, loads its weights, and measures the accuracy under each threat of the
// registry (FGSM, PGD, APGD; CE/CW/DLR; presets such as autoattack-lite) and their per-sample worst
// case; prints a table, optionally appends the result to a run log (then `ntk-at report`).

import type { Gpu } from '../../device/gpu.js';
import { NtkError } from '../../errors.js';
import type { Model } from '../../nn/model.js';
import type { Platform } from '../../platform/index.js';
import { RunLog, type LogRecord } from '../../report/runlog.js';
import { checkCheckpointFits, loadCheckpoint, type TrainingCheckpoint } from '../../train/checkpoint.js';
import { ATTACKS, THREAT_ALIASES, THREAT_PRESETS, parseThreats as parseThreatList } from '../../attacks/registry.js';
import { ATTACK_LOSSES } from '../../attacks/losses.js';
import { evaluate, WORST_CASE, type EvaluationResult, type Threat } from '../../train/evaluate.js';
import type { ImageDataset } from '../../data/dataset.js';
import { formatFraction, parseChoice, parseFraction, requireCount } from '../args.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command } from '../command.js';
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
export const THREATS_HELP = `comma list of ${Object.values(ATTACKS).map((a) => a.syntax).join(', ')} (loss ${ATTACK_LOSSES.join('|')}), ` +
  `aliases ${Object.keys(THREAT_ALIASES).join(', ')}, presets ${Object.entries(THREAT_PRESETS).map(([k, v]) => `${k} (${v.threats})`).join(', ')}; ` +
  `the ${WORST_CASE} row counts a sample only if it is correct clean and under every threat`;

/** Attack radius in [0, 1] pixel units from `0.1` or `8/255`. */
export function parseEps(text: string, option = 'eps'): number {
  const eps = parseFraction(text, option);
  if (!(eps >= 0 && eps <= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `--${option} is ${eps}; it is an attack radius in pixel units and must be in [0, 1] (e.g. 0.1 or 8/255).`, { option });
  }
  return eps;
}

/** The final-evaluation record of the run log (`type: "eval"`). */
export function evaluationRecord(
  result: EvaluationResult, data: ImageDataset, extra: { eps: number; norm?: string; pgdStepFactor: number; seconds: number; checkpoint: string; epoch: number },
): LogRecord {
  return { type: 'eval', dataset: data.name, samples: result.samples, ...extra, accuracy: result.accuracy };
}

/** The lines of a threat/accuracy table; the worst case (correct clean and under every threat) last. */
export function formatEvaluation(result: EvaluationResult, title: string): string {
  const width = Math.max(10, ...Object.keys(result.accuracy).map((k) => k.length));
  const rows = Object.entries(result.accuracy).map(([k, v]) => `  ${k.padEnd(width)} ${(100 * v).toFixed(1).padStart(5)}%`);
  return [title, ...rows].join('\n');
}

/** The run recipe a CLI checkpoint carries (config.run); E_CHECKPOINT_MISMATCH if it has none. */
export function checkpointRecipe(cp: TrainingCheckpoint, source: string): { data: DataRecipe; model: ModelRecipe } {
  const run = cp.config.run as { data?: DataRecipe; model?: ModelRecipe } | undefined;
  if (!run?.data || !run.model || typeof run.model.kind !== 'string') {
    throw new NtkError('E_CHECKPOINT_MISMATCH', `${source}: the checkpoint has no run recipe (config.run); it was not written by \`ntk-at train\`. Load it with the library instead.`, { source });
  }
  return { data: run.data, model: run.model };
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

async function appendRecord(platform: Platform, path: string, record: LogRecord): Promise<void> {
  const log = new RunLog(platform, path);
  log.write(record);
  await log.flush();
}

export const evaluateCommand: Command = {
  summary: 'evaluate a checkpoint of `ntk-at train`: accuracy under each threat (FGSM, PGD, APGD; CE/CW/DLR) and their per-sample worst case',
  examples: [
    'ntk-at evaluate --checkpoint runs/pgd/checkpoint.safetensors --threats clean,fgsm,pgd20,pgd50x3',
  ],
  options: {
    checkpoint: { type: 'string', description: 'checkpoint.safetensors written by ntk-at train (required)' },
    threats: { type: 'string', description: THREATS_HELP, default: 'clean,fgsm,pgd20' },
    eps: { type: 'string', description: 'attack radius in pixel units, e.g. 0.1 or 8/255 (default: the training eps)' },
    norm: { type: 'string', description: 'threat model: linf | l2 (the eps-ball of every attack)', default: 'linf' },
    'pgd-step-factor': { type: 'number', description: 'PGD step size as a fraction of eps', default: 0.25 },
    dataset: { type: 'string', description: `test data (${DATASET_CHOICES.join(' | ')}; default: the training run's)` },
    'data-dir': { type: 'string', description: "Fashion-MNIST directory (default: the training run's)" },
    'test-size': { type: 'number', description: "test images, a multiple of the class count (default: the training run's)" },
    'batch-size': { type: 'number', description: 'evaluation batch size', default: 200 },
    seed: { type: 'number', description: 'seed of the random PGD starts', default: 0 },
    log: { type: 'string', description: 'append the result to this run log (log.jsonl) as a `type: "eval"` record' },
    json: { type: 'flag', description: 'print the result as JSON' },
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    if (typeof options.checkpoint !== 'string') {
      throw new NtkError('E_INVALID_ARGUMENT', '--checkpoint <file> is required (a checkpoint.safetensors written by ntk-at train).', { option: 'checkpoint' });
    }
    const threats = parseThreats(String(options.threats));
    const norm = parseChoice(String(options.norm), 'norm', ['linf', 'l2'] as const);
    const batchSize = requireCount(options['batch-size'], 'batch-size');
    const stepFactor = options['pgd-step-factor'] as number;
    if (!(stepFactor > 0)) throw new NtkError('E_INVALID_ARGUMENT', `--pgd-step-factor must be > 0, got ${stepFactor}.`, { option: 'pgd-step-factor' });
    const source = options.checkpoint;
    const cp = await loadCheckpoint(source, io.platform);
    const recipe = checkpointRecipe(cp, source);
    const eps = options.eps === undefined ? Number(cp.config.eps) : parseEps(String(options.eps));
    const dataRecipe: DataRecipe = {
      ...recipe.data,
      ...(options.dataset !== undefined && { dataset: parseChoice(String(options.dataset), 'dataset', DATASET_CHOICES) }),
      ...(options['data-dir'] !== undefined && { dir: String(options['data-dir']) }),
      ...(options['test-size'] !== undefined && { testSize: requireCount(options['test-size'], 'test-size') }),
    };
    const data = await loadRunData(dataRecipe, io.platform);
    if (data.notice) io.err(`notice: ${data.notice}`);
    const gpu = await gpuFromOptions(options, io);
    try {
      const model = modelFromCheckpoint(gpu, recipe.model, cp, source);
      try {
        const start = io.platform.now();
        const result = await evaluate(model, data.test, { eps, norm, threats, batchSize, seed: options.seed as number, pgdStepFactor: stepFactor });
        const seconds = (io.platform.now() - start) / 1000;
        const record = evaluationRecord(result, data.test, { eps, norm, pgdStepFactor: stepFactor, seconds, checkpoint: source, epoch: cp.epoch });
        if (typeof options.log === 'string') await appendRecord(io.platform, options.log, record);
        io.out(options.json
          ? JSON.stringify(record, null, 2)
          : formatEvaluation(result, `${data.test.name}, ${result.samples} images, ${norm} eps ${options.eps === undefined ? eps : formatFraction(String(options.eps), eps)}, checkpoint epoch ${cp.epoch} (${seconds.toFixed(1)} s):`));
      } finally {
        model.dispose();
      }
    } finally {
      gpu.destroy();
    }
  },
};
