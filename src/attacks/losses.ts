// The losses attacks maximise and their input gradients: cross-entropy, the CW margin and the DLR
// loss (Croce & Hein 2020), untargeted or at a target class (margins only). One call returns the
// per-sample losses, the correctness flags and ∇x of the summed loss, BatchNorm as the attack says.

import { NO_PARAM_GRADS } from '../nn/gradient_sink.js';
import type { Model } from '../nn/model.js';
import { marginLoss } from '../ops/margin_loss.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../ops/softmax_cross_entropy.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AttackBnMode } from './options.js';

/** The losses an attack can ascend: cross-entropy, Carlini-Wagner margin, or the difference of logits ratio (DLR). */
export const ATTACK_LOSSES = ['ce', 'cw', 'dlr'] as const;
/** One of ATTACK_LOSSES. */
export type AttackLoss = (typeof ATTACK_LOSSES)[number];

/** What lossGradient returns; the caller disposes it. */
export interface LossGradient {
  /** [n] per-sample loss at x. */
  losses: Tensor;
  /** [n] 1 where x is classified correctly. */
  correct: Tensor;
  /** [n, ...input] ∇x of the summed loss. */
  grad: Tensor;
  /** Frees every tensor of the result. */
  dispose(): void;
}

/**
 * `loss` of model(x) against labels y and its input gradient; `targets` [n] (class indices as
 * f32) makes a margin loss targeted. BN: `eval` uses running buffers, `train-frozen` batch
 * statistics; the running buffers are never updated.
 */
export function lossGradient(
  model: Model,
  x: Tensor,
  y: Tensor,
  loss: AttackLoss,
  targets: Tensor | null,
  bnMode: AttackBnMode,
): LossGradient {
  const logits = model.forward(x, { mode: bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: true });
  let losses: Tensor;
  let correct: Tensor;
  let dlogits: Tensor;
  try {
    if (loss === 'ce') {
      ({ losses, correct } = softmaxCrossEntropy(logits, y));
      dlogits = softmaxCrossEntropyBackward(logits, y, 1);
    } else {
      const kind = targets ? (`${loss}-t` as const) : loss;
      const result = marginLoss(logits, y, kind, targets, 1);
      ({ losses, correct } = result);
      dlogits = result.grad as Tensor;
    }
  } catch (e) {
    logits.dispose();
    model.clearRecord();
    throw e;
  }
  logits.dispose();
  const grad = model.backward(dlogits, { grads: NO_PARAM_GRADS });
  dlogits.dispose();
  model.clearRecord();
  return {
    losses,
    correct,
    grad,
    dispose() {
      losses.dispose();
      correct.dispose();
      grad.dispose();
    },
  };
}
