// Each sample's worst case over an attack's runs: every restart, and for targeted attacks every
// target (the 1st..m-th most likely class other than the label on the clean input, or only the
// `rank`-th one: a cascade runs the targets one by one on the samples still robust). A run's
// example replaces the kept one when it is misclassified and the kept one is not, or has a
// higher cross-entropy with the same outcome (shaders/attack_keep_worst.wgsl).

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { attackTargets } from '../ops/margin_loss.js';
import { Tensor } from '../tensor/tensor.js';
import { clone } from './fgsm.js';
import { keepWorst } from '../ops/attack_step.js';
import type { AttackBnMode } from './options.js';
import { SampleStreams, type AttackRandom } from './streams.js';

export interface RunPlan {
  restarts: number;
  /** 0: untargeted; m: one pass per target rank 1..m. */
  targets: number;
  /** 0: every target rank 1..targets; r: only the r-th. */
  rank: number;
  bnMode: AttackBnMode;
}

/**
 * `run(targets, rng)` once per restart and target (targets null when untargeted), keeping each
 * sample's worst; per-sample streams give each run (rank, restart) its own streams.
 */
export function worstOverRuns(
  model: Model,
  x: Tensor,
  y: Tensor,
  plan: RunPlan,
  rng: AttackRandom,
  run: (targets: Tensor | null, rng: AttackRandom) => Tensor,
): Tensor {
  if (plan.targets >= model.classes) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `targeted attack: option "targets" is ${plan.targets} but the model has only ${model.classes - 1} classes besides the label.`,
      { option: 'targets' },
    );
  }
  const mode = plan.bnMode === 'eval' ? 'eval' : 'train';
  const runRng = (rank: number, restart: number) => (rng instanceof SampleStreams ? rng.forRun(rank, restart) : rng);
  const ranks = plan.targets === 0 ? [0] : plan.rank > 0 ? [plan.rank] : Array.from({ length: plan.targets }, (_, i) => i + 1);
  if (plan.targets === 0 && plan.restarts === 1) return run(null, runRng(0, 0));
  const n = x.shape[0];
  const clean = plan.targets > 0 ? model.forward(x, { mode, freezeBnStats: true, record: false }) : null;
  const best = clone(x);
  const score = Tensor.fromArray(
    x.gpu,
    new Float32Array(2 * n).map((_, i) => (i % 2 === 0 ? -1 : 0)),
    [n, 2],
  );
  try {
    for (const rank of ranks) {
      const targets = clean && rank > 0 ? attackTargets(clean, y, rank) : null;
      try {
        for (let restart = 0; restart < plan.restarts; restart++) {
          const adv = run(targets, runRng(rank, restart));
          const logits = model.forward(adv, { mode, freezeBnStats: true, record: false });
          keepWorst(logits, y, adv, score, best);
          logits.dispose();
          adv.dispose();
        }
      } finally {
        targets?.dispose();
      }
    }
  } finally {
    clean?.dispose();
    score.dispose();
  }
  return best;
}
