// Robust evaluation on a held-out set, batched, as the field reports it (AutoAttack's convention):
// a sample counts under a threat only if it is classified correctly clean AND under that threat,
// and the worst case (`worst-case`) counts it only if it survives every threat of the set.
// Threats come from the attack registry (src/attacks/registry.ts); each draws from per-sample
// streams of (seed, its name), so a figure does not depend on the threats run before it. Counts
// accumulate on the device and are read once at the end; a cascade (`cascade`, AutoAttack's
// standard version) runs each threat only on the samples still robust (train/cascade.ts).

import type { Norm } from '../ops/attack_step.js';
import { checkThreatModel, type AttackBnMode } from '../attacks/options.js';
import { runThreat, threatName, WORST_CASE, type Threat } from '../attacks/registry.js';
import { SampleStreams } from '../attacks/streams.js';
import { BatchLoader } from '../data/batching.js';
import { ImageDataset } from '../data/dataset.js';
import { NtkError } from '../errors.js';
import { Model } from '../nn/model.js';
import { add, mul } from '../ops/binary.js';
import { sumAll } from '../ops/reduce.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { requireInstance, requireInteger, resolveOptions } from '../options.js';
import { Tensor } from '../tensor/tensor.js';
import { cascade } from './cascade.js';

export { threatName, WORST_CASE, type Threat };

/** Options of evaluate. */
export interface EvaluateOptions {
  /** Radius in pixel units of inputs in [0, 1], in the `norm` ball (at most 1 for l-inf, √dims for l2: attacks/options.ts maxRadius). */
  eps: number;
  norm: Norm;
  /** PGD step size as a fraction of eps (2.5/steps·eps is also common; default eps/4). */
  pgdStepFactor: number;
  threats: Threat[];
  batchSize: number;
  /** Evaluate the first `limit` samples only (null: all). */
  limit: number | null;
  attackBnMode: AttackBnMode;
  /**
   * BatchNorm normalises each evaluation batch with its own statistics (running buffers untouched), in the attacks too;
   * the batches are then a seeded shuffle of the data (`seed`), so that each is a sample of every class, not a run of one
   * class from a class-ordered test set.
   */
  bnBatchStats: boolean;
  seed: number;
  /**
   * null: every threat on every sample. A version name (e.g. `standard` of the `autoattack` preset):
   * the threats run in order as a cascade over the samples still robust, and the accuracy under each
   * is the robust accuracy after it (correct clean and under it and every earlier one).
   */
  cascade: string | null;
  /** Called after each batch with the samples done and the total, and the threat (a cascade's stage) at work; null: none. */
  onProgress: ((done: number, total: number, stage?: string) => void) | null;
  /** Milliseconds clock of the per-stage times of a cascade. */
  now: () => number;
}

/** Defaults of evaluate (see EvaluateOptions). */
export const DEFAULT_EVALUATE: EvaluateOptions = {
  eps: 0.1,
  norm: 'linf',
  pgdStepFactor: 0.25,
  threats: [{ kind: 'clean' }, { kind: 'fgsm' }, { kind: 'pgd', steps: 20, restarts: 1 }],
  batchSize: 200,
  limit: null,
  attackBnMode: 'eval',
  bnBatchStats: false,
  seed: 0,
  cascade: null,
  onProgress: null,
  now: () => performance.now(),
};

/**
 * Accuracy per threat name (correct clean AND under the threat; `clean` is plain accuracy) and
 * under `worst-case` (correct clean and under every threat), plus the number of samples.
 */
export interface EvaluationResult {
  samples: number;
  accuracy: Record<string, number>;
  /** A cascade's version and stages, in order: each threat's parameters, samples attacked, robust accuracy after it and seconds. */
  cascade?: {
    version: string;
    stages: Array<{
      threat: string;
      parameters: Record<string, number | string>;
      attacked: number;
      robustAccuracy: number;
      seconds: number;
    }>;
  };
}

/** Evaluates `model` (BatchNorm in eval mode) on `dataset` under each threat and their worst case. */
export async function evaluate(model: Model, dataset: ImageDataset, options: Partial<EvaluateOptions> = {}): Promise<EvaluationResult> {
  requireInstance('evaluate', 'model', model, Model, 'a Model (createMlp, createCnn, ...)');
  requireInstance('evaluate', 'dataset', dataset, ImageDataset, 'an ImageDataset');
  const o = resolveOptions('evaluate', DEFAULT_EVALUATE, options);
  requireInteger('evaluate', 'batchSize', o.batchSize);
  checkThreatModel(
    { norm: o.norm, eps: o.eps, stepFactor: o.pgdStepFactor },
    dataset.shape.reduce((a, b) => a * b, 1),
    (field, expected, value) => {
      const option = field === 'stepFactor' ? 'pgdStepFactor' : field;
      throw new NtkError('E_INVALID_ARGUMENT', `evaluate: option "${option}" must be ${expected}, got ${JSON.stringify(value)}.`, {
        option,
        value,
      });
    },
  );
  if (o.limit !== null) requireInteger('evaluate', 'limit', o.limit);
  if (o.threats.length === 0) throw new NtkError('E_INVALID_ARGUMENT', 'evaluate: option "threats" is empty.', { option: 'threats' });
  checkDatasetFits(model, dataset, 'evaluate');
  if (o.cascade !== null && o.bnBatchStats) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'evaluate: a cascade (the autoattack preset) attacks subsets of each batch, which batch statistics would change: use bnBatchStats false.',
      { option: 'bnBatchStats' },
    );
  }
  const data =
    o.limit !== null && o.limit < dataset.length
      ? dataset.subset(
          Uint32Array.from({ length: o.limit }, (_, i) => i),
          `${dataset.name}[:${o.limit}]`,
        )
      : dataset;
  if (o.cascade !== null) return cascadeEvaluation(model, data, o, o.cascade);
  const loader = new BatchLoader(model.gpu, data, { batchSize: o.batchSize, shuffle: o.bnBatchStats, seed: o.seed });
  const totals = [...o.threats, null].map(() => Tensor.zeros(model.gpu, [1])); // the last one: worst case
  const accumulate = (i: number, flags: Tensor) => {
    const count = sumAll(flags);
    const next = add(totals[i], count);
    [count, totals[i]].forEach((t) => t.dispose());
    totals[i] = next;
  };
  try {
    for (let k = 0; k < loader.batchesPerEpoch; k++) {
      const batch = loader.batch(0, k);
      const clean = correctFlags(model, batch.x, batch.y, o.bnBatchStats);
      let robust = clean;
      try {
        for (const [i, threat] of o.threats.entries()) {
          if (threat.kind === 'clean') {
            accumulate(i, clean);
            continue;
          }
          const rng = new SampleStreams(o.seed, threatName(threat), batch.indices);
          const x = await runThreat(threat, {
            model,
            x: batch.x,
            y: batch.y,
            rng,
            eps: o.eps,
            norm: o.norm,
            bnMode: o.bnBatchStats ? 'train-frozen' : o.attackBnMode,
            pgdStepFactor: o.pgdStepFactor,
          });
          const correct = correctFlags(model, x, batch.y, o.bnBatchStats);
          if (x !== batch.x) x.dispose();
          const both = mul(correct, clean);
          accumulate(i, both);
          const next = mul(robust, correct);
          if (robust !== clean) robust.dispose();
          robust = next;
          [correct, both].forEach((t) => t.dispose());
        }
        accumulate(o.threats.length, robust);
      } finally {
        if (robust !== clean) robust.dispose();
        clean.dispose();
        batch.dispose();
      }
      o.onProgress?.(Math.min((k + 1) * o.batchSize, data.length), data.length);
    }
    const accuracy: Record<string, number> = {};
    for (let i = 0; i < o.threats.length; i++) accuracy[threatName(o.threats[i])] = (await totals[i].read())[0] / data.length;
    accuracy[WORST_CASE] = (await totals[o.threats.length].read())[0] / data.length;
    return { samples: data.length, accuracy };
  } finally {
    totals.forEach((t) => t.dispose());
  }
}

/** The evaluation as a cascade: clean accuracy, the robust accuracy after each stage, the final one as the worst case. */
async function cascadeEvaluation(model: Model, data: ImageDataset, o: EvaluateOptions, version: string): Promise<EvaluationResult> {
  const result = await cascade(model, data, o.threats, {
    eps: o.eps,
    norm: o.norm,
    pgdStepFactor: o.pgdStepFactor,
    attackBnMode: o.attackBnMode,
    batchSize: o.batchSize,
    seed: o.seed,
    early: true,
    now: o.now,
    onProgress: o.onProgress ? (stage, done, total) => o.onProgress?.(done, total, stage) : null,
  });
  const fraction = (flags: Uint8Array) => flags.reduce((a, b) => a + b, 0) / data.length;
  const accuracy: Record<string, number> = {};
  if (o.threats.some((t) => t.kind === 'clean')) accuracy.clean = fraction(result.clean);
  for (const stage of result.stages) accuracy[stage.threat] = fraction(stage.robust);
  accuracy[WORST_CASE] = fraction(result.stages.at(-1)?.robust ?? result.clean);
  const stages = result.stages.map(({ threat, parameters, attacked, robust, seconds }) => ({
    threat,
    parameters,
    attacked,
    robustAccuracy: fraction(robust),
    seconds,
  }));
  return { samples: data.length, accuracy, cascade: { version, stages } };
}

/** [n] 1 where model(x) (BatchNorm in eval mode) predicts the label. */
function correctFlags(model: Model, x: Tensor, y: Tensor, bnBatchStats: boolean): Tensor {
  const logits = model.forward(x, { mode: 'eval', bnBatchStatsInEval: bnBatchStats, record: false });
  const { losses, correct } = softmaxCrossEntropy(logits, y);
  [logits, losses].forEach((t) => t.dispose());
  return correct;
}

/** Throws E_SHAPE_MISMATCH unless the data set's classes and image shape fit the model. */
export function checkDatasetFits(model: Model, dataset: ImageDataset, where: string): void {
  if (dataset.classes.length !== model.classes) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${where}: ${dataset.name} has ${dataset.classes.length} classes but model "${model.name}" has ${model.classes}.`,
    );
  }
  if (dataset.shape.join(',') !== model.inputShape.join(',')) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${where}: ${dataset.name} images are [${dataset.shape}] but model "${model.name}" takes [${model.inputShape}].`,
    );
  }
}
