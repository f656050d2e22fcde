// The training-method registry: one table that the trainer, the recipe validation, the CLI help,
// the worker session and the live page all read. Each entry says what the method is, whether it
// is adversarial (catastrophic overfitting is only flagged for those), which threat norms its
// attack supports, and how it makes a step's training inputs. Adding a method is one entry here.

import { anisotropicFgsm, GradientScale } from '../attacks/anisotropic.js';
import { fgsm, fgsmRs, nFgsm } from '../attacks/fgsm.js';
import type { AttackBnMode } from '../attacks/options.js';
import type { Norm } from '../ops/attack_step.js';
import { pgd } from '../attacks/pgd.js';
import type { Anisotropy } from '../attacks/anisotropic.js';
import type { Batch } from '../data/batching.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** The attack settings a method's step reads (TrainOptions carries them). */
export interface MethodAttackSettings {
  /** Radius in pixel units of inputs in [0, 1] (at most 1 for l-inf, √dims for l2: attacks/options.ts maxRadius). */
  eps: number;
  norm: Norm;
  /** Multi-step attacks: steps and step size as a fraction of eps. */
  pgdSteps: number;
  pgdStepFactor: number;
  anisotropy: Anisotropy;
  anisotropyMaxScale: number;
  /** Random-start single-step methods (fgsm-rs, n-fgsm, fgsm-aniso): step = factor·eps; null: the method's own (1.25, 1, 1.25). */
  singleStepFactor: number | null;
  attackBnMode: AttackBnMode;
}

/** State a method keeps across steps (saved in checkpoints), e.g. fgsm-aniso's |∇x L| average. */
export interface MethodState {
  /** The state as named f32 arrays (for the checkpoint). */
  exportState(): Promise<Record<string, Float32Array>>;
  /** Restores a state written by exportState. */
  importState(state: Record<string, Float32Array>): void;
  /** Frees the state's tensors. */
  dispose(): void;
}

/** One training method of the registry: summary, whether it is adversarial, its norms, and how it makes a step's inputs. */
export interface TrainingMethod {
  /** One line for help texts and menus. */
  summary: string;
  /** Trains on attacked inputs (catastrophic overfitting is checked for these only). */
  adversarial: boolean;
  /** Threat norms the method's attack supports. */
  norms: readonly Norm[];
  /** Whether its step size can be set (MethodAttackSettings.singleStepFactor). */
  singleStepFactor?: boolean;
  /** Its state, if it keeps one (created once per run). */
  createState?(model: Model, o: MethodAttackSettings): MethodState | null;
  /** The step's training inputs: batch.x itself, or a new tensor the trainer disposes. */
  inputs(model: Model, batch: Batch, rng: Rng, o: MethodAttackSettings, state: MethodState | null): Tensor;
}

/** The training methods (`standard`, `pgd`, `fgsm`, `fgsm-rs`, `n-fgsm`, `fgsm-aniso`), one entry each. */
export const TRAINING_METHODS = {
  standard: {
    summary: 'clean training (no attack)',
    adversarial: false,
    norms: ['linf', 'l2'],
    inputs: (_model, batch) => batch.x,
  },
  pgd: {
    summary: 'PGD-AT (Madry et al.): PGD-k with a random start, step = stepFactor·eps',
    adversarial: true,
    norms: ['linf', 'l2'],
    inputs: (model, batch, rng, o) => pgd(model, batch.x, batch.y, rng, {
      eps: o.eps, norm: o.norm, bnMode: o.attackBnMode, steps: o.pgdSteps, stepSize: o.pgdStepFactor * o.eps,
    }),
  },
  fgsm: {
    summary: 'FGSM-AT: one signed step of eps from the clean input',
    adversarial: true,
    norms: ['linf'],
    inputs: (model, batch, _rng, o) => fgsm(model, batch.x, batch.y, { eps: o.eps, bnMode: o.attackBnMode }),
  },
  'fgsm-rs': {
    summary: 'FGSM-RS (fast AT): uniform start in the eps-ball, step 1.25·eps (or singleStepFactor·eps), projection',
    adversarial: true,
    norms: ['linf'],
    singleStepFactor: true,
    inputs: (model, batch, rng, o) => fgsmRs(model, batch.x, batch.y, rng, { eps: o.eps, bnMode: o.attackBnMode, ...singleStep(o) }),
  },
  'n-fgsm': {
    summary: 'N-FGSM: uniform start in the 2·eps-ball, step eps (or singleStepFactor·eps), no projection',
    adversarial: true,
    norms: ['linf'],
    singleStepFactor: true,
    inputs: (model, batch, rng, o) => nFgsm(model, batch.x, batch.y, rng, { eps: o.eps, bnMode: o.attackBnMode, ...singleStep(o) }),
  },
  'fgsm-aniso': {
    summary: 'FGSM with an anisotropic start (scale: anisotropy, bounded by anisotropyMaxScale), step 1.25·eps (or singleStepFactor·eps)',
    adversarial: true,
    norms: ['linf'],
    singleStepFactor: true,
    createState: (model, o) => (o.anisotropy === 'gradient' ? new GradientScale(model.gpu, model.inputShape) : null),
    inputs: (model, batch, rng, o, state) => anisotropicFgsm(model, batch.x, batch.y, rng, {
      eps: o.eps, bnMode: o.attackBnMode, anisotropy: o.anisotropy, maxScale: o.anisotropyMaxScale, ...singleStep(o),
    }, state as GradientScale | null),
  },
} as const satisfies Record<string, TrainingMethod>;

/** The step option of a random-start single-step attack: the run's factor, or none (the attack's default). */
function singleStep(o: MethodAttackSettings): { stepFactor?: number } {
  return o.singleStepFactor === null ? {} : { stepFactor: o.singleStepFactor };
}

/** A key of TRAINING_METHODS. */
export type TrainMethod = keyof typeof TRAINING_METHODS;
/** Every TrainMethod. */
export const TRAIN_METHODS = Object.keys(TRAINING_METHODS) as TrainMethod[];

/** The registry entry of `method` (validated by the caller). */
export function trainingMethod(method: TrainMethod): TrainingMethod {
  return TRAINING_METHODS[method];
}
