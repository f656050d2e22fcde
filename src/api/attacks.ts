/**
 * Adversarial attacks on a model's inputs: FGSM, FGSM with a random start (FGSM-RS), N-FGSM, PGD-k
 * (l-inf / l2, restarts), APGD, FGSM with an anisotropic random start, and the threat registry the
 * evaluation runs.
 * @module attacks
 */

export {
  fgsm, fgsmRs, nFgsm, randomStartFgsm, pgd, inputGradient,
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD, maxRadius,
  type AttackBnMode, type ThreatModel, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions, type Norm,
  apgd, apgdCheckpoints, DEFAULT_APGD, lossGradient, ATTACK_LOSSES, type ApgdOptions, type AttackLoss, type LossGradient,
  ATTACKS, THREAT_ALIASES, THREAT_PRESETS, WORST_CASE, parseThreat, parseThreats, runThreat, type AttackEntry, type ThreatContext,
} from '../attacks/index.js';
export { marginLoss, attackTargets, MARGIN_LOSSES, type MarginLossKind } from '../ops/margin_loss.js';
