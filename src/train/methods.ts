// The training-method registry: one table that the trainer, the recipe validation, the CLI help,
// the worker session and the live page all read. Each entry says what the method is, whether it
// is adversarial (catastrophic overfitting is only flagged for those), which threat norms its
// attack supports, the settings it owns (default, rule, help: the recipe fields, train() options and
// CLI flags derive from them) and how it makes a step's training inputs. Adding a method is one entry here.

import { ANISOTROPIES, anisotropicFgsm, GradientScale } from '../attacks/anisotropic.js';
import { fgsm, fgsmRs, nFgsm } from '../attacks/fgsm.js';
import type { AttackBnMode } from '../attacks/options.js';
import { NORMS, type Norm } from '../ops/attack_step.js';
import { pgd } from '../attacks/pgd.js';
import type { Batch } from '../data/batching.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** The attack settings every method's step reads (TrainOptions carries them, beside the methods' own: MethodOptionValues). */
export interface CommonAttackSettings {
  /** Radius in pixel units of inputs in [0, 1] (at most 1 for l-inf, √dims for l2: attacks/options.ts maxRadius). */
  eps: number;
  norm: Norm;
  /** Multi-step attacks: steps and step size as a fraction of eps. */
  pgdSteps: number;
  pgdStepFactor: number;
  attackBnMode: AttackBnMode;
}

/**
 * The rule of a method's own setting, which also says how a flag spells it: one of `choices`; a
 * number > 0; or a number > 0 or null (null: the method's own behaviour; a value is refused for a
 * method that does not own the setting, `unowned` saying why, e.g. "has no single step to size").
 */
export type MethodOptionRule =
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'positive' }
  | { kind: 'positive-or-null'; unowned: string };

/** A setting a method owns: recipe field training.attack.<name>, train() option <name>, CLI flag --<name in kebab case>. */
export interface MethodOption {
  rule: MethodOptionRule;
  default: string | number | null;
  /** One line for the CLI help (the owning methods are named before it). */
  help: string;
}

/** The value type a MethodOption declares. */
type OptionValue<O> = O extends { rule: { kind: 'choice'; choices: readonly (infer C)[] } }
  ? C
  : O extends { rule: { kind: 'positive' } }
    ? number
    : number | null;

/** fgsm-rs, n-fgsm and fgsm-aniso: the size of their one random-start step. */
const SINGLE_STEP_OPTIONS = {
  singleStepFactor: {
    rule: { kind: 'positive-or-null', unowned: 'has no single step to size' },
    default: null,
    help: "step size / eps of the single step, e.g. 2 (none: the method's own, 1.25 or 1)",
  },
} as const satisfies Record<string, MethodOption>;

/** fgsm-aniso: the scale of its start noise and the bound of that scale. */
const ANISOTROPY_OPTIONS = {
  anisotropy: { rule: { kind: 'choice', choices: ANISOTROPIES }, default: 'gradient', help: 'start-noise scale' },
  anisotropyMaxScale: { rule: { kind: 'positive' }, default: 2, help: 'upper bound of the noise scale' },
} as const satisfies Record<string, MethodOption>;

/**
 * Every option group the entries use: a new group joins here, so that its steps can read its values
 * (the table's own type cannot give its steps their parameter type: that type would be circular).
 */
type DeclaredOptions = typeof SINGLE_STEP_OPTIONS & typeof ANISOTROPY_OPTIONS;
/** The values of the methods' own settings (every method's step sees all of them; it reads its own). */
export type MethodOptionValues = { -readonly [K in keyof DeclaredOptions]: OptionValue<DeclaredOptions[K]> };

/** The attack settings a method's step reads (TrainOptions carries them). */
export type MethodAttackSettings = CommonAttackSettings & MethodOptionValues;

/** State a method keeps across steps (saved in checkpoints), e.g. fgsm-aniso's |∇x L| average. */
export interface MethodState {
  /** The state as named f32 arrays (for the checkpoint). */
  exportState(): Promise<Record<string, Float32Array>>;
  /** Restores a state written by exportState. */
  importState(state: Record<string, Float32Array>): void;
  /** Frees the state's tensors. */
  dispose(): void;
}

/** One training method of the registry: summary, whether it is adversarial, its norms, its own settings, and how it makes a step's inputs. */
export interface TrainingMethod {
  /** One line for help texts and menus. */
  summary: string;
  /** Trains on attacked inputs (catastrophic overfitting is checked for these only). */
  adversarial: boolean;
  /** Threat norms the method's attack supports. */
  norms: readonly Norm[];
  /** The settings it owns (others ignore them); one declaration may be shared by several methods. */
  options?: Readonly<Partial<Record<keyof MethodOptionValues, MethodOption>>>;
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
    norms: NORMS,
    inputs: (_model, batch) => batch.x,
  },
  pgd: {
    summary: 'PGD-AT (Madry et al.): PGD-k with a random start, step = stepFactor·eps',
    adversarial: true,
    norms: NORMS,
    inputs: (model, batch, rng, o) =>
      pgd(model, batch.x, batch.y, rng, {
        eps: o.eps,
        norm: o.norm,
        bnMode: o.attackBnMode,
        steps: o.pgdSteps,
        stepSize: o.pgdStepFactor * o.eps,
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
    options: SINGLE_STEP_OPTIONS,
    inputs: (model, batch, rng, o) => fgsmRs(model, batch.x, batch.y, rng, { eps: o.eps, bnMode: o.attackBnMode, ...singleStep(o) }),
  },
  'n-fgsm': {
    summary: 'N-FGSM: uniform start in the 2·eps-ball, step eps (or singleStepFactor·eps), no projection',
    adversarial: true,
    norms: ['linf'],
    options: SINGLE_STEP_OPTIONS,
    inputs: (model, batch, rng, o) => nFgsm(model, batch.x, batch.y, rng, { eps: o.eps, bnMode: o.attackBnMode, ...singleStep(o) }),
  },
  'fgsm-aniso': {
    summary: 'FGSM with an anisotropic start (scale: anisotropy, bounded by anisotropyMaxScale), step 1.25·eps (or singleStepFactor·eps)',
    adversarial: true,
    norms: ['linf'],
    options: { ...ANISOTROPY_OPTIONS, ...SINGLE_STEP_OPTIONS },
    createState: (model, o) => (o.anisotropy === 'gradient' ? new GradientScale(model.gpu, model.inputShape) : null),
    inputs: (model, batch, rng, o, state) =>
      anisotropicFgsm(
        model,
        batch.x,
        batch.y,
        rng,
        {
          eps: o.eps,
          bnMode: o.attackBnMode,
          anisotropy: o.anisotropy,
          maxScale: o.anisotropyMaxScale,
          ...singleStep(o),
        },
        state as GradientScale | null,
      ),
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

/** One method-owned setting with the methods that own it. */
export interface OwnedOption extends MethodOption {
  name: keyof MethodOptionValues;
  owners: TrainMethod[];
}

/**
 * Every method-owned setting, once, in alphabetical order of name (the order of the recipe's
 * training.attack fields, the checks and the flags; recipes written before keep their key order).
 */
export const METHOD_OPTIONS: readonly OwnedOption[] = TRAIN_METHODS.flatMap((method) =>
  Object.entries(trainingMethod(method).options ?? {}).map(([name, option]) => ({ name, option, method })),
)
  .reduce<OwnedOption[]>((all, { name, option, method }) => {
    const known = all.find((o) => o.name === name);
    if (known) known.owners.push(method);
    else all.push({ ...option, name: name as keyof MethodOptionValues, owners: [method] });
    return all;
  }, [])
  .sort((a, b) => (a.name < b.name ? -1 : 1));

/** The default of every method-owned setting (train()'s and the recipe's). */
export const METHOD_OPTION_DEFAULTS = Object.fromEntries(METHOD_OPTIONS.map((o) => [o.name, o.default])) as MethodOptionValues;
