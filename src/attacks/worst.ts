// Each sample's worst case over an attack's runs: every restart, and for targeted attacks every
// target (the 1st..m-th most likely class other than the label on the clean input). A run's
// example replaces the kept one when it is misclassified and the kept one is not, or has a
// higher cross-entropy with the same outcome (shaders/attack_keep_worst.wgsl).

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { attackTargets } from '../ops/margin_loss.js';
import { Tensor } from '../tensor/tensor.js';
import { clone } from './fgsm.js';
import { keepWorst } from './kernels.js';
import type { AttackBnMode } from './options.js';

export interface RunPlan {
  restarts: number;
  /** 0: untargeted; m: one pass per target rank 1..m. */
  targets: number;
  bnMode: AttackBnMode;
}

/** `run(targets)` once per restart and target (targets null when untargeted), keeping each sample's worst. */
export function worstOverRuns(model: Model, x: Tensor, y: Tensor, plan: RunPlan, run: (targets: Tensor | null) => Tensor): Tensor {
  if (plan.targets >= model.classes) {
    throw new NtkError('E_INVALID_ARGUMENT', `targeted attack: option "targets" is ${plan.targets} but the model has only ${model.classes - 1} classes besides the label.`, { option: 'targets' });
  }
  const mode = plan.bnMode === 'eval' ? 'eval' : 'train';
  if (plan.targets === 0 && plan.restarts === 1) return run(null);
  const n = x.shape[0];
  const clean = plan.targets > 0 ? model.forward(x, { mode, freezeBnStats: true, record: false }) : null;
  const best = clone(x);
  const score = Tensor.fromArray(x.gpu, new Float32Array(2 * n).map((_, i) => (i % 2 === 0 ? -1 : 0)), [n, 2]);
  try {
    for (let rank = plan.targets > 0 ? 1 : 0; rank <= plan.targets; rank++) {
      const targets = clean && rank > 0 ? attackTargets(clean, y, rank) : null;
      try {
        for (let restart = 0; restart < plan.restarts; restart++) {
          const adv = run(targets);
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
