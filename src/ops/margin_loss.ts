// Margin-type attack losses on the device (shaders/margin_loss.wgsl): the CW margin and the DLR
// loss of Croce & Hein (2020), untargeted and targeted, per-sample values (to be maximised),
// correctness flags and dL/dlogits in one pass; and the top-class targets of targeted attacks
// (shaders/attack_targets.wgsl). Labels and targets are device tensors [n] of class indices as f32.

import { NtkError } from '../errors.js';
import { shaderCodes } from '../device/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/** `cw`: z_a − z_y; `dlr`: (z_a − z_y)/(z_π1 − z_π3); a = the best other class, or the target (`-t`). */
export type MarginLossKind = 'cw' | 'dlr' | 'cw-t' | 'dlr-t';

const LOSS = shaderCodes('margin_loss').LOSS; // the LOSS_* constants of shaders/margin_loss.wgsl

/** Shader code of each kind, and the fewest classes it needs (DLR reads π3, targeted DLR π4). */
export const MARGIN_LOSSES: Record<MarginLossKind, { code: number; minClasses: number; targeted: boolean }> = {
  cw: { code: LOSS.cw, minClasses: 2, targeted: false },
  dlr: { code: LOSS.dlr, minClasses: 3, targeted: false },
  'cw-t': { code: LOSS.cwT, minClasses: 2, targeted: true },
  'dlr-t': { code: LOSS.dlrT, minClasses: 4, targeted: true },
};

const NAN_BITS = 0x7fc00000;

export interface MarginLossResult {
  /** [n] per-sample loss (NaN where a label or target is not a class index, or target = label). */
  losses: Tensor;
  /** [n] 1 where the first arg-max equals the label. */
  correct: Tensor;
  /** [n, C] scale · dL/dlogits, when asked for. */
  grad: Tensor | null;
}

/**
 * The loss `kind` of logits [n, C] against labels [n] (targets [n] for the targeted kinds);
 * `gradScale` (e.g. 1 for the summed loss) asks for dL/dlogits too.
 */
export function marginLoss(
  logits: Tensor,
  labels: Tensor,
  kind: MarginLossKind,
  targets: Tensor | null,
  gradScale: number | null,
): MarginLossResult {
  const spec = MARGIN_LOSSES[kind];
  if (!spec)
    throw new NtkError('E_INVALID_ARGUMENT', `marginLoss: unknown loss "${kind}"; use ${Object.keys(MARGIN_LOSSES).join(', ')}.`, {
      option: 'loss',
    });
  const [n, classes] = checkRows(logits, labels, 'marginLoss');
  if (classes < spec.minClasses) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `marginLoss: the ${kind} loss needs at least ${spec.minClasses} classes, the logits have ${classes}.`,
      { option: 'loss' },
    );
  }
  if (spec.targeted !== (targets !== null)) {
    throw new NtkError('E_INVALID_ARGUMENT', `marginLoss: the ${kind} loss ${spec.targeted ? 'needs' : 'takes no'} targets.`, {
      option: 'targets',
    });
  }
  if (targets) checkRows(logits, targets, 'marginLoss targets');
  const gpu = logits.gpu;
  void [logits.buffer, labels.buffer, targets?.buffer]; // E_DISPOSED before anything is allocated
  const losses = Tensor.empty(gpu, [n]);
  const correct = Tensor.empty(gpu, [n]);
  const grad = gradScale === null ? null : Tensor.empty(gpu, [n, classes]);
  const gradOut = grad ?? Tensor.empty(gpu, [1]); // bound but unwritten when GRAD is off
  const [gx, gy] = grid2d(Math.ceil(n / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'margin_loss',
    label: `marginLoss ${kind} [${n}, ${classes}]`,
    constants: { LOSS: spec.code, GRAD: grad !== null },
    bindings: {
      Logits: logits,
      LABELS: labels,
      TARGETS: targets ?? labels,
      LOSSES: losses,
      CORRECT: correct,
      DLOGITS: gradOut,
    },
    params: { n, classes, rowStride: gx * 64, scale: gradScale ?? 0, nanBits: NAN_BITS },
    workgroups: [gx, gy],
  });
  if (!grad) gradOut.dispose();
  return { losses, correct, grad };
}

/**
 * Targets [n]: per row the class of rank `rank` (1 = highest) among the classes other than the
 * label, by decreasing logit (AutoAttack's APGD-T targets for correctly classified rows).
 */
export function attackTargets(logits: Tensor, labels: Tensor, rank: number): Tensor {
  const [n, classes] = checkRows(logits, labels, 'attackTargets');
  if (!Number.isInteger(rank) || rank < 1 || rank >= classes) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `attackTargets: rank ${rank} must be an integer in [1, ${classes - 1}] (classes other than the label).`,
      { option: 'targets' },
    );
  }
  const gpu = logits.gpu;
  const targets = Tensor.empty(gpu, [n]);
  gpu.run({
    shader: 'attack_targets',
    label: `attackTargets rank ${rank}`,
    bindings: { Logits: logits, LABELS: labels, TARGETS: targets },
    params: { n, classes, rank },
    workgroups: [Math.ceil(n / 64)],
  });
  return targets;
}

function checkRows(logits: Tensor, rows: Tensor, where: string): [number, number] {
  if (logits.shape.length !== 2) throw new NtkError('E_SHAPE_MISMATCH', `${where}: logits [${logits.shape}] must be [n, classes].`);
  const [n, classes] = logits.shape;
  if (rows.shape.length !== 1 || rows.shape[0] !== n) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${where}: [${rows.shape}] must be [${n}] (one class index per row of logits [${logits.shape}]).`,
      {
        logits: [...logits.shape],
        rows: [...rows.shape],
      },
    );
  }
  return [n, classes];
}
