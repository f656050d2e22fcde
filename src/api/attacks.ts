/**
 * Adversarial attacks on a model's inputs: FGSM, FGSM with a random start (FGSM-RS), N-FGSM, PGD-k
 * (l-inf / l2, restarts), APGD, FAB-T, Square, FGSM with an anisotropic random start, and the threat
 * registry the evaluation runs (with AutoAttack's standard version as a cascade).
 * @module attacks
 */

export {
  fgsm, fgsmRs, nFgsm, randomStartFgsm, pgd, inputGradient,
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD, maxRadius,
  type AttackBnMode, type ThreatModel, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions, type Norm,
  apgd, apgdCheckpoints, DEFAULT_APGD, lossGradient, ATTACK_LOSSES, type ApgdOptions, type AttackLoss, type LossGradient,
  ATTACKS, THREAT_ALIASES, THREAT_PRESETS, WORST_CASE, parseThreat, parseThreats, runThreat, type AttackEntry, type ThreatContext,
  fab, fabMinimal, square, squareFraction, SampleStreams, DEFAULT_FAB, DEFAULT_SQUARE, threatsCascade,
  type FabOptions, type FabResult, type SquareOptions, type AttackRandom, type ThreatPreset,
} from '../attacks/index.js';
export { marginLoss, attackTargets, MARGIN_LOSSES, type MarginLossKind } from '../ops/margin_loss.js';
