/**
 * Adversarial attacks on a model's inputs: FGSM, FGSM with a random start (FGSM-RS), N-FGSM, PGD-k
 * (l-inf / l2, restarts) and FGSM with an anisotropic random start.
 * @module attacks
 */

export {
  fgsm, fgsmRs, nFgsm, randomStartFgsm, pgd, inputGradient,
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD,
  type AttackBnMode, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions, type Norm,
} from '../attacks/index.js';
