// Attack options with units and defaults in one exported constant per attack, and their
// validation. Inputs live in [0, 1] and eps is in pixel units of that range; any data
// normalisation is a layer inside the model, so eps never changes meaning.

import { NtkError } from '../errors.js';
import { requireChoice, requireInteger, requirePositive, resolveOptions } from '../options.js';
import type { Norm } from './kernels.js';
import { ATTACK_LOSSES, type AttackLoss } from './losses.js';

/** BatchNorm behaviour while an attack runs its forward/backward passes. */
export type AttackBnMode = 'eval' | 'train-frozen';

/** Options of fgsm (and the base of the other attacks' options). */
export interface FgsmOptions {
  /** Radius of the l-inf ball, pixel units in [0, 1]. */
  eps: number;
  /** `eval`: BN uses running buffers (default); `train-frozen`: batch statistics, buffers untouched. */
  bnMode: AttackBnMode;
}

/** Options of the random-start FGSM variants (FGSM-RS, N-FGSM). */
export interface RandomStartFgsmOptions extends FgsmOptions {
  /** Step size as a multiple of eps (FGSM-RS: 1.25; N-FGSM: 1). */
  stepFactor: number;
  /** Start noise radius as a multiple of eps (FGSM-RS: 1; N-FGSM: 2). */
  noiseFactor: number;
  /** Project back onto the eps-ball after the step (FGSM-RS: yes; N-FGSM: no). */
  project: boolean;
}

/** Options of pgd. */
export interface PgdOptions extends FgsmOptions {
  norm: Norm;
  /** Number of gradient steps (k in PGD-k). */
  steps: number;
  /** Step size in pixel units; default eps/4 via DEFAULT_PGD (2.5·eps/steps is also common). */
  stepSize: number;
  /** `random`: uniform in the l-inf ball / uniform in the l2 ball; `zero`: start at x. */
  start: 'random' | 'zero';
  /** Independent restarts; each sample keeps its worst case (misclassified first, then highest loss). */
  restarts: number;
  /** The loss the attack maximises: cross-entropy, CW margin or DLR (attacks/losses.ts). */
  loss: AttackLoss;
  /** 0: untargeted; m > 0: targeted runs at each of the m most likely other classes (worst case kept). */
  targets: number;
}

/** Options of apgd (Auto-PGD: step size adapted at checkpoints, no fixed step). */
export interface ApgdOptions extends Omit<PgdOptions, 'stepSize' | 'start'> {
  /** Checkpoint test: halve the step when fewer than rho·(window) steps raised the loss. */
  rho: number;
}

/** Defaults of fgsm. */
export const DEFAULT_FGSM: FgsmOptions = { eps: 0.1, bnMode: 'eval' };
/** FGSM-RS (Wong et al., 2020): step 1.25 eps from a uniform start in the eps-ball, projected. */
export const DEFAULT_FGSM_RS: RandomStartFgsmOptions = { eps: 0.1, bnMode: 'eval', stepFactor: 1.25, noiseFactor: 1, project: true };
/** N-FGSM (de Jorge et al., 2022): step eps from a uniform start in the 2 eps-ball, not projected. */
export const DEFAULT_N_FGSM: RandomStartFgsmOptions = { eps: 0.1, bnMode: 'eval', stepFactor: 1, noiseFactor: 2, project: false };
/** Defaults of pgd: l-inf PGD-10 with step eps/4 from a random start, one restart. */
export const DEFAULT_PGD: PgdOptions = {
  eps: 0.1, bnMode: 'eval', norm: 'linf', steps: 10, stepSize: 0.025, start: 'random', restarts: 1, loss: 'ce', targets: 0,
};
/** APGD as in AutoAttack: 100 iterations, one restart, rho 0.75 (initial step 2·eps, momentum 0.75). */
export const DEFAULT_APGD: ApgdOptions = {
  eps: 0.1, bnMode: 'eval', norm: 'linf', steps: 100, restarts: 1, loss: 'ce', targets: 0, rho: 0.75,
};

/** Merges and validates; errors name the attack and the field. */
export function resolveAttackOptions<T extends FgsmOptions>(attack: string, defaults: T, options: Partial<T>): T {
  const o = resolveOptions(attack, defaults, options);
  const record = o as unknown as Record<string, unknown>;
  if (typeof o.eps !== 'number' || !(o.eps >= 0 && o.eps <= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "eps" must be in [0, 1] (pixel units of inputs in [0, 1]), got ${o.eps}.`, {
      option: 'eps',
    });
  }
  requireChoice(attack, 'bnMode', o.bnMode, ['eval', 'train-frozen'] as const);
  if ('steps' in record) requireInteger(attack, 'steps', record.steps, 1);
  if ('restarts' in record) requireInteger(attack, 'restarts', record.restarts, 1);
  if ('stepSize' in record) requirePositive(attack, 'stepSize', record.stepSize);
  if ('stepFactor' in record) requirePositive(attack, 'stepFactor', record.stepFactor);
  if ('noiseFactor' in record && !(typeof record.noiseFactor === 'number' && record.noiseFactor >= 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "noiseFactor" must be >= 0, got ${record.noiseFactor}.`, { option: 'noiseFactor' });
  }
  if ('norm' in record) requireChoice(attack, 'norm', record.norm, ['linf', 'l2'] as const);
  if ('start' in record) requireChoice(attack, 'start', record.start, ['random', 'zero'] as const);
  if ('loss' in record) requireChoice(attack, 'loss', record.loss, ATTACK_LOSSES);
  if ('targets' in record) requireInteger(attack, 'targets', record.targets, 0);
  if ('targets' in record && (record.targets as number) > 0 && record.loss === 'ce') {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "targets" needs the cw or dlr loss (targeted attacks use margins, as APGD-T).`, { option: 'targets' });
  }
  if ('rho' in record && !(typeof record.rho === 'number' && record.rho > 0 && record.rho <= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "rho" must be in (0, 1], got ${record.rho}.`, { option: 'rho' });
  }
  return o;
}

/** Throws E_INVALID_ARGUMENT naming the first label that is not a class index in [0, classes). */
export function checkLabels(labels: ArrayLike<number>, classes: number, where: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: label ${y} at index ${i} is not a class index in [0, ${classes}).`, {
        index: i,
        label: y,
      });
    }
  }
}
