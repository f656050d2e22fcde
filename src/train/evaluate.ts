// Robust evaluation on a held-out set, batched: clean accuracy and accuracy under FGSM and
// PGD-k (with restarts). Correct counts accumulate on the device and are read once at the end.

import { fgsm } from '../attacks/fgsm.js';
import type { AttackBnMode } from '../attacks/options.js';
import { pgd } from '../attacks/pgd.js';
import { BatchLoader } from '../data/batching.js';
import type { ImageDataset } from '../data/dataset.js';
import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { add } from '../ops/binary.js';
import { sumAll } from '../ops/reduce.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { requireInteger, resolveOptions } from '../options.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

/** An evaluation threat: clean inputs, FGSM, or PGD with `steps` steps and `restarts` restarts. */
export type Threat = { kind: 'clean' } | { kind: 'fgsm' } | { kind: 'pgd'; steps: number; restarts?: number };

export interface EvaluateOptions {
  /** l-inf radius in [0, 1] pixel units. */
  eps: number;
  /** PGD step size as a fraction of eps (2.5/steps·eps is also common; default eps/4). */
  pgdStepFactor: number;
  threats: Threat[];
  batchSize: number;
  /** Evaluate the first `limit` samples only (null: all). */
  limit: number | null;
  attackBnMode: AttackBnMode;
  /** BatchNorm normalises each evaluation batch with its own statistics (running buffers untouched), in the attacks too. */
  bnBatchStats: boolean;
  seed: number;
}

export const DEFAULT_EVALUATE: EvaluateOptions = {
  eps: 0.1,
  pgdStepFactor: 0.25,
  threats: [{ kind: 'clean' }, { kind: 'fgsm' }, { kind: 'pgd', steps: 20, restarts: 1 }],
  batchSize: 200,
  limit: null,
  attackBnMode: 'eval',
  bnBatchStats: false,
  seed: 0,
};

/** Threat name used in logs and reports: `clean`, `fgsm`, `pgd20`, `pgd50x3` (3 restarts). */
export function threatName(t: Threat): string {
  if (t.kind !== 'pgd') return t.kind;
  return `pgd${t.steps}${(t.restarts ?? 1) > 1 ? `x${t.restarts}` : ''}`;
}

/** Accuracy per threat name, plus the number of samples evaluated. */
export interface EvaluationResult {
  samples: number;
  accuracy: Record<string, number>;
}

/** Evaluates `model` (BatchNorm in eval mode) on `dataset` under each threat. */
export async function evaluate(model: Model, dataset: ImageDataset, options: Partial<EvaluateOptions> = {}): Promise<EvaluationResult> {
  const o = resolveOptions('evaluate', DEFAULT_EVALUATE, options);
  requireInteger('evaluate', 'batchSize', o.batchSize);
  if (o.limit !== null) requireInteger('evaluate', 'limit', o.limit);
  if (o.threats.length === 0) throw new NtkError('E_INVALID_ARGUMENT', 'evaluate: option "threats" is empty.', { option: 'threats' });
  checkDatasetFits(model, dataset, 'evaluate');
  const data = o.limit !== null && o.limit < dataset.length ? dataset.subset(Uint32Array.from({ length: o.limit }, (_, i) => i), `${dataset.name}[:${o.limit}]`) : dataset;
  const loader = new BatchLoader(model.gpu, data, { batchSize: o.batchSize, shuffle: false });
  const rng = new Rng(o.seed, 7);
  const totals = o.threats.map(() => Tensor.zeros(model.gpu, [1]));
  try {
    for (let k = 0; k < loader.batchesPerEpoch; k++) {
      const batch = loader.batch(0, k);
      try {
        o.threats.forEach((threat, i) => {
          const x = attackFor(threat, model, batch.x, batch.y, rng, o);
          const logits = model.forward(x, { mode: 'eval', bnBatchStatsInEval: o.bnBatchStats, record: false });
          const { losses, correct } = softmaxCrossEntropy(logits, batch.y);
          const count = sumAll(correct);
          const next = add(totals[i], count);
          [logits, losses, correct, count, totals[i]].forEach((t) => t.dispose());
          if (x !== batch.x) x.dispose();
          totals[i] = next;
        });
      } finally {
        batch.dispose();
      }
    }
    const accuracy: Record<string, number> = {};
    for (let i = 0; i < o.threats.length; i++) accuracy[threatName(o.threats[i])] = (await totals[i].read())[0] / data.length;
    return { samples: data.length, accuracy };
  } finally {
    totals.forEach((t) => t.dispose());
  }
}

function attackFor(threat: Threat, model: Model, x: Tensor, y: Tensor, rng: Rng, o: EvaluateOptions): Tensor {
  const bnMode: AttackBnMode = o.bnBatchStats ? 'train-frozen' : o.attackBnMode;
  if (threat.kind === 'clean') return x;
  if (threat.kind === 'fgsm') return fgsm(model, x, y, { eps: o.eps, bnMode });
  if (threat.kind === 'pgd') {
    return pgd(model, x, y, rng, {
      eps: o.eps, steps: threat.steps, stepSize: o.pgdStepFactor * o.eps, restarts: threat.restarts ?? 1, bnMode,
    });
  }
  throw new NtkError('E_INVALID_ARGUMENT', `evaluate: unknown threat ${JSON.stringify(threat)}; use clean, fgsm or pgd.`, { option: 'threats' });
}

/** Throws E_SHAPE_MISMATCH unless the data set's classes and image shape fit the model. */
export function checkDatasetFits(model: Model, dataset: ImageDataset, where: string): void {
  if (dataset.classes.length !== model.classes) {
    throw new NtkError('E_SHAPE_MISMATCH', `${where}: ${dataset.name} has ${dataset.classes.length} classes but model "${model.name}" has ${model.classes}.`);
  }
  if (dataset.shape.join(',') !== model.inputShape.join(',')) {
    throw new NtkError('E_SHAPE_MISMATCH', `${where}: ${dataset.name} images are [${dataset.shape}] but model "${model.name}" takes [${model.inputShape}].`);
  }
}
