// Attack options with units and defaults in one exported constant per attack, and their
// validation. Inputs live in [0, 1] and eps is in pixel units of that range; any data
// normalisation is a layer inside the model, so eps never changes meaning. The one bound on a
// radius (radiusProblem) is here; the run recipe, train(), evaluate() and every attack apply it.

import { NtkError } from '../errors.js';
import { Model } from '../nn/model.js';
import { requireChoice, requireInstance, requireInteger, requirePositive, resolveOptions } from '../options.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { SampleStreams, type AttackRandom } from './streams.js';
import { NORMS, type Norm } from '../ops/attack_step.js';
import { ATTACK_LOSSES, type AttackLoss } from './losses.js';

export { NORMS };

/** BatchNorm behaviours while an attack runs its forward/backward passes: running buffers, or frozen batch statistics. */
export const ATTACK_BN_MODES = ['eval', 'train-frozen'] as const;
/** One of ATTACK_BN_MODES. */
export type AttackBnMode = (typeof ATTACK_BN_MODES)[number];
/** Where PGD starts: uniform in the eps-ball, or at x itself. */
export const PGD_STARTS = ['random', 'zero'] as const;

/**
 * The largest useful radius of a `norm` ball around inputs of `dims` values in [0, 1]: the cube's
 * diameter, 1 for l-inf and √dims for l2 (a larger ball holds every image, from any start). l2
 * radii in pixel units commonly exceed 1 (0.5 to 3 on images); l-inf ones never do.
 */
export function maxRadius(norm: Norm, dims: number): number {
  return norm === 'linf' ? 1 : Math.sqrt(dims);
}

/** An attack's threat model: the norm of its ball, the radius, and the PGD step as a fraction of the radius. */
export interface ThreatModel {
  norm: Norm;
  eps: number;
  stepFactor: number;
}

/**
 * The one check of a threat model for inputs of `dims` values per sample: a norm of NORMS, a radius
 * within maxRadius, a step factor > 0. `fail` (it throws) reports the first broken rule.
 */
export function checkThreatModel(
  t: Record<keyof ThreatModel, unknown>,
  dims: number,
  fail: (field: keyof ThreatModel, expected: string, value: unknown) => never,
): void {
  if (!NORMS.includes(t.norm as Norm)) fail('norm', `one of ${NORMS.join(', ')}`, t.norm);
  const radius = radiusProblem(t.eps, t.norm as Norm, dims);
  if (radius) fail('eps', radius, t.eps);
  if (!(typeof t.stepFactor === 'number' && Number.isFinite(t.stepFactor) && t.stepFactor > 0))
    fail('stepFactor', 'a number > 0', t.stepFactor);
}

/** Values per sample of x [n, ...]: the `dims` of the radius bound. */
export function sampleDims(x: Tensor): number {
  return x.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** The smallest non-zero radius: float32's smallest normal number, 2^-126 (the GPU computes in float32). */
export const MIN_RADIUS = 2 ** -126;

/** null when `eps` is a radius of the `norm` ball for inputs of `dims` values, else what it must be (for the caller's error message). */
export function radiusProblem(eps: unknown, norm: Norm, dims: number): string | null {
  const max = maxRadius(norm, dims);
  // The GPU computes in float32, which flushes a radius below its smallest normal number to 0: such an eps would silently be 0.
  if (typeof eps === 'number' && Number.isFinite(eps) && (eps === 0 || eps >= MIN_RADIUS) && eps <= max) return null;
  const normal = ', and 0 or at least 2^-126 (float32 makes a smaller radius 0)';
  return norm === 'linf'
    ? `in [0, 1] for l-inf (pixel units of inputs in [0, 1], e.g. 8/255)${normal}`
    : `in [0, ${+max.toPrecision(6)}] for l2 (pixel units; ${+max.toPrecision(6)} = √${dims}, the diameter of the input cube)${normal}`;
}

/** Options of fgsm (and the base of the other attacks' options). */
export interface FgsmOptions {
  /** Radius in pixel units of inputs in [0, 1], in the l-inf ball (or the `norm` ball of pgd/apgd); at most maxRadius. */
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
  start: (typeof PGD_STARTS)[number];
  /** Independent restarts; each sample keeps its worst case (misclassified first, then highest loss). */
  restarts: number;
  /** The loss the attack maximises: cross-entropy, CW margin or DLR (attacks/losses.ts). */
  loss: AttackLoss;
  /** 0: untargeted; m > 0: targeted runs at each of the m most likely other classes (worst case kept). */
  targets: number;
  /** 0: every target of `targets`; r in 1..targets: only the r-th most likely other class (a cascade's per-target early stop). */
  rank: number;
}

/** Options of apgd (Auto-PGD: step size adapted at checkpoints, no fixed step). */
export interface ApgdOptions extends Omit<PgdOptions, 'stepSize' | 'start'> {
  /** Checkpoint test: halve the step when fewer than rho·(window) steps raised the loss. */
  rho: number;
}

/** Options of fab (FAB-T, Croce & Hein 2020: minimal-perturbation targeted attack). */
export interface FabOptions extends FgsmOptions {
  norm: Norm;
  /** Iterations per target. */
  steps: number;
  /** Runs at each of the m most likely other classes (AutoAttack's FAB-T: 9). */
  targets: number;
  /** 0: every target; r: only the r-th (as in PgdOptions). */
  rank: number;
  /** Largest weight of the step from the original point (alpha_max). */
  alphaMax: number;
  /** Overshoot of each projection (eta). */
  eta: number;
  /** Backtracking factor towards the original point after a success (beta). */
  beta: number;
}

/** Options of square (Square Attack, Andriushchenko et al. 2020: score-based, margin loss). */
export interface SquareOptions extends FgsmOptions {
  norm: Norm;
  /** Queries (iterations) after the initial one. */
  queries: number;
  /** Initial fraction of the pixels a square covers; it shrinks on the published schedule. */
  pInit: number;
}

/** Defaults of fgsm. */
export const DEFAULT_FGSM: FgsmOptions = { eps: 0.1, bnMode: 'eval' };
/** FGSM-RS (Wong et al., 2020): step 1.25 eps from a uniform start in the eps-ball, projected. */
export const DEFAULT_FGSM_RS: RandomStartFgsmOptions = { eps: 0.1, bnMode: 'eval', stepFactor: 1.25, noiseFactor: 1, project: true };
/** N-FGSM (de Jorge et al., 2022): step eps from a uniform start in the 2 eps-ball, not projected. */
export const DEFAULT_N_FGSM: RandomStartFgsmOptions = { eps: 0.1, bnMode: 'eval', stepFactor: 1, noiseFactor: 2, project: false };
/** Defaults of pgd: l-inf PGD-10 with step eps/4 from a random start, one restart. */
export const DEFAULT_PGD: PgdOptions = {
  eps: 0.1,
  bnMode: 'eval',
  norm: 'linf',
  steps: 10,
  stepSize: 0.025,
  start: 'random',
  restarts: 1,
  loss: 'ce',
  targets: 0,
  rank: 0,
};
/** APGD as in AutoAttack: 100 iterations, one restart, rho 0.75 (initial step 2·eps, momentum 0.75). */
export const DEFAULT_APGD: ApgdOptions = {
  eps: 0.1,
  bnMode: 'eval',
  norm: 'linf',
  steps: 100,
  restarts: 1,
  loss: 'ce',
  targets: 0,
  rank: 0,
  rho: 0.75,
};
/** FAB-T as in AutoAttack's standard version: 100 iterations at each of 9 targets from x itself, alpha_max 0.1, eta 1.05, beta 0.9. */
export const DEFAULT_FAB: FabOptions = {
  eps: 0.1,
  bnMode: 'eval',
  norm: 'linf',
  steps: 100,
  targets: 9,
  rank: 0,
  alphaMax: 0.1,
  eta: 1.05,
  beta: 0.9,
};
/** Square as in AutoAttack's standard version: 5,000 queries, p_init 0.8, margin loss, one restart. */
export const DEFAULT_SQUARE: SquareOptions = { eps: 0.1, bnMode: 'eval', norm: 'linf', queries: 5000, pInit: 0.8 };

/** What an attack runs on: the model, the inputs with their labels, and its random source if it draws (checked by resolveAttackOptions). */
export interface AttackInputs {
  model: Model;
  x: Tensor;
  y: Tensor;
  rng?: AttackRandom;
}

/** Merges and validates for inputs of `dims` values per sample; errors name the attack and the field. */
export function resolveAttackOptions<T extends FgsmOptions>(attack: string, defaults: T, options: Partial<T>, inputs: AttackInputs): T {
  requireInstance(attack, 'model', inputs.model, Model, 'a Model (createMlp, createCnn, ...)');
  requireInstance(attack, 'x', inputs.x, Tensor, 'a Tensor of inputs [n, ...]');
  requireInstance(attack, 'y', inputs.y, Tensor, 'a Tensor of labels [n]');
  if ('rng' in inputs && !(inputs.rng instanceof Rng || inputs.rng instanceof SampleStreams)) {
    requireInstance(attack, 'rng', inputs.rng, Rng, 'an Rng (new Rng(seed)) or per-sample SampleStreams');
  }
  const dims = sampleDims(inputs.x);
  const o = resolveOptions(attack, defaults, options);
  const record = o as unknown as Record<string, unknown>;
  if ('norm' in record) requireChoice(attack, 'norm', record.norm, NORMS);
  const radius = radiusProblem(o.eps, (record.norm as Norm | undefined) ?? 'linf', dims);
  if (radius) throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "eps" must be ${radius}, got ${o.eps}.`, { option: 'eps' });
  requireChoice(attack, 'bnMode', o.bnMode, ATTACK_BN_MODES);
  if ('steps' in record) requireInteger(attack, 'steps', record.steps, 1);
  if ('restarts' in record) requireInteger(attack, 'restarts', record.restarts, 1);
  if ('stepSize' in record && !(typeof record.stepSize === 'number' && Number.isFinite(record.stepSize) && record.stepSize >= 0)) {
    // 0: a zero radius
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${attack}: option "stepSize" must be a finite number >= 0 (pixel units), got ${String(record.stepSize)}.`,
      { option: 'stepSize' },
    );
  }
  if ('stepFactor' in record) requirePositive(attack, 'stepFactor', record.stepFactor);
  if ('noiseFactor' in record && !(typeof record.noiseFactor === 'number' && record.noiseFactor >= 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "noiseFactor" must be >= 0, got ${record.noiseFactor}.`, {
      option: 'noiseFactor',
    });
  }
  if ('start' in record) requireChoice(attack, 'start', record.start, PGD_STARTS);
  if ('loss' in record) requireChoice(attack, 'loss', record.loss, ATTACK_LOSSES);
  if ('targets' in record) requireInteger(attack, 'targets', record.targets, 0);
  if ('targets' in record && (record.targets as number) > 0 && record.loss === 'ce') {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${attack}: option "targets" needs the cw or dlr loss (targeted attacks use margins, as APGD-T).`,
      { option: 'targets' },
    );
  }
  if ('rank' in record) requireInteger(attack, 'rank', record.rank, 0);
  if ('rank' in record && (record.rank as number) > (record.targets as number)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${attack}: option "rank" must be 0 (every target) or at most "targets" (${record.targets}), got ${record.rank}.`,
      { option: 'rank' },
    );
  }
  if ('queries' in record) requireInteger(attack, 'queries', record.queries, 1);
  for (const [field, lo, hi] of [
    ['alphaMax', 0, 1],
    ['beta', 0, 1],
    ['pInit', 0, 1],
  ] as const) {
    if (field in record && !(typeof record[field] === 'number' && (record[field] as number) > lo && (record[field] as number) <= hi)) {
      throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "${field}" must be in (${lo}, ${hi}], got ${record[field]}.`, {
        option: field,
      });
    }
  }
  if ('eta' in record && !(typeof record.eta === 'number' && record.eta >= 1)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${attack}: option "eta" must be >= 1 (the projection's overshoot), got ${record.eta}.`, {
      option: 'eta',
    });
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
