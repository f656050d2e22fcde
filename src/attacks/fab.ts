// FAB-T (Croce & Hein 2020, "Minimally distorted adversarial examples with a fast adaptive boundary
// attack"), l-inf and l2, as AutoAttack's standard version runs it: per target class (the r-th most
// likely other class), from x itself, each iteration linearises z_y − z_t at x1, projects x1 and x0
// onto that hyperplane inside [0, 1] (smallest-norm step), steps to ((x1 + eta·d1)(1 − a) +
// (x0 + eta·d2)·a) with a = min(|d1|/(|d1| + |d2|), alpha_max), keeps the smallest misclassified
// point and then backtracks x1 = x0 + beta·(x1 − x0). All on the device (shaders/fab_step.wgsl,
// fab_keep.wgsl: one workgroup per sample); the host reads the kept points once, at the end.

import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { attackTargets } from '../ops/margin_loss.js';
import { checkFabSize, fabKeep, fabStep } from '../ops/fab.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { Tensor } from '../tensor/tensor.js';
import { clone } from './fgsm.js';
import { lossGradient, type LossGradient } from './losses.js';
import { DEFAULT_FAB, resolveAttackOptions, type FabOptions } from './options.js';

/** FAB-T's result per sample: the smallest misclassified point found and its distance to x (0 if x is misclassified; Infinity if none). */
export interface FabResult {
  adv: Float32Array;
  distances: Float64Array;
}

/** FAB-T adversarial examples in the eps-ball: the smallest one found where its distance is at most eps, else x itself. */
export async function fab(
  model: Model,
  x: Tensor,
  y: Tensor,
  options: Partial<FabOptions> = {},
  onProgress?: (fraction: number) => void,
): Promise<Tensor> {
  const o = resolveAttackOptions('fab', DEFAULT_FAB, options, { model, x, y });
  const { adv, distances } = await fabMinimal(model, x, y, o, onProgress);
  const x0 = await x.read();
  const d = x.size / x.shape[0];
  distances.forEach((t, i) => {
    if (!(t <= o.eps)) adv.set(x0.subarray(i * d, (i + 1) * d), i * d);
  });
  return Tensor.fromArray(x.gpu, adv, x.shape);
}

/** The smallest misclassified point FAB-T finds for each sample (eps is not a bound here) over its targets. */
export async function fabMinimal(
  model: Model,
  x: Tensor,
  y: Tensor,
  options: Partial<FabOptions> = {},
  onProgress?: (fraction: number) => void,
): Promise<FabResult> {
  const o = resolveAttackOptions('fab', DEFAULT_FAB, options, { model, x, y });
  if (o.targets < 1 || o.targets >= model.classes) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `fab: option "targets" must be in [1, ${model.classes - 1}] (classes other than the label), got ${o.targets}.`,
      { option: 'targets' },
    );
  }
  const n = x.shape[0];
  checkFabSize(x.size / n);
  const clean = model.forward(x, { mode: o.bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: false });
  let best: Tensor | null = null;
  let distances: Tensor | null = null;
  try {
    const correct = await correctOf(clean, y);
    distances = Tensor.fromArray(
      x.gpu,
      Float32Array.from(correct, (c) => (c === 0 ? 0 : NONE_FOUND)),
      [n],
    );
    best = clone(x);
    const ranks = o.rank > 0 ? [o.rank] : Array.from({ length: o.targets }, (_, i) => i + 1);
    for (const [r, rank] of ranks.entries()) {
      const targets = attackTargets(clean, y, rank);
      try {
        await fabRun(model, x, y, targets, o, best, distances, (it) => onProgress?.((r + it / o.steps) / ranks.length));
      } finally {
        targets.dispose();
      }
    }
    const [adv, found] = await Promise.all([best.read(), distances.read()]);
    return { adv, distances: Float64Array.from(found, (t) => (t === NONE_FOUND ? Infinity : t)) };
  } finally {
    [clean, best, distances].forEach((t) => t?.dispose());
  }
}

/** The kept distance of a sample with no misclassified point yet (f32 max; read back as Infinity). */
const NONE_FOUND = 3.4028234663852886e38;
/**
 * One FAB run at `targets` from x, updating `best` and `distances` where it finds a smaller
 * misclassified point. The gradient at the moved point also gives its verdict; it serves the next
 * step unless a sample backtracked (one flag per sample read back per iteration), which then
 * takes a fresh gradient at the backtracked points: the same points and numbers as a forward pass
 * for the verdict and a forward/backward pass per step.
 */
async function fabRun(
  model: Model,
  x: Tensor,
  y: Tensor,
  targets: Tensor,
  o: FabOptions,
  best: Tensor,
  distances: Tensor,
  step: (it: number) => void,
): Promise<void> {
  const x1 = clone(x);
  const backtracked = Tensor.zeros(x.gpu, [x.shape[0]]);
  const gradientAt = () => lossGradient(model, x1, y, 'cw', targets, o.bnMode); // z_t − z_y and its gradient
  let at: LossGradient | null = null;
  try {
    for (let it = 0; it < o.steps; it++) {
      if (it % 10 === 0) step(it);
      at ??= gradientAt();
      fabStep(x, x1, at.grad, at.losses, distances, o);
      at.dispose();
      at = gradientAt();
      fabKeep(x, at.correct, distances, best, x1, backtracked, o);
      if ((await backtracked.read()).some((b) => b === 1)) {
        at.dispose();
        at = null;
      }
    }
  } finally {
    at?.dispose();
    [x1, backtracked].forEach((t) => t.dispose());
  }
}

/** [n] correctness flags of logits against y on the host. */
async function correctOf(logits: Tensor, y: Tensor): Promise<Float32Array> {
  const { losses, correct } = softmaxCrossEntropy(logits, y);
  losses.dispose();
  try {
    return await correct.read();
  } finally {
    correct.dispose();
  }
}
