// The attacks' public surface: functions (model, x, y, [rng,] options) -> x_adv on the device,
// their losses, and the registry of evaluation threats.

export { fgsm, fgsmRs, nFgsm, randomStartFgsm, inputGradient } from './fgsm.js';
export { pgd } from './pgd.js';
export { apgd, apgdCheckpoints } from './apgd.js';
export { lossGradient, ATTACK_LOSSES, type AttackLoss, type LossGradient } from './losses.js';
export {
  ATTACKS, THREAT_ALIASES, THREAT_PRESETS, WORST_CASE, parseThreat, parseThreats, runThreat, threatName,
  type AttackEntry, type Threat, type ThreatContext,
} from './registry.js';
export {
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
} from './anisotropic.js';
export {
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD, DEFAULT_APGD, checkLabels, maxRadius,
  type AttackBnMode, type ThreatModel, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions, type ApgdOptions,
} from './options.js';
export type { Norm } from './kernels.js';
