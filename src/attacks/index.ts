// The attacks' public surface: functions (model, x, y, [rng,] options) -> x_adv on the device,
// their losses, and the registry of evaluation threats.

export { fgsm, fgsmRs, nFgsm, randomStartFgsm, inputGradient } from './fgsm.js';
export { pgd } from './pgd.js';
export { apgd, apgdCheckpoints } from './apgd.js';
export { fab, fabMinimal, type FabResult } from './fab.js';
export { square, squareFraction } from './square.js';
export { SampleStreams, type AttackRandom } from './streams.js';
export { lossGradient, ATTACK_LOSSES, type AttackLoss, type LossGradient } from './losses.js';
export {
  ATTACKS,
  THREAT_ALIASES,
  THREAT_PRESETS,
  WORST_CASE,
  parseThreat,
  parseThreats,
  runThreat,
  threatEntry,
  threatName,
  threatsCascade,
  type AttackEntry,
  type Threat,
  type ThreatContext,
  type ThreatPreset,
} from './registry.js';
export {
  anisotropicFgsm,
  GradientScale,
  ANISOTROPIES,
  DEFAULT_ANISOTROPIC_FGSM,
  type Anisotropy,
  type AnisotropicFgsmOptions,
} from './anisotropic.js';
export {
  DEFAULT_FGSM,
  DEFAULT_FGSM_RS,
  DEFAULT_N_FGSM,
  DEFAULT_PGD,
  DEFAULT_APGD,
  DEFAULT_FAB,
  DEFAULT_SQUARE,
  checkLabels,
  maxRadius,
  type AttackBnMode,
  type ThreatModel,
  type FgsmOptions,
  type RandomStartFgsmOptions,
  type PgdOptions,
  type ApgdOptions,
  type FabOptions,
  type SquareOptions,
} from './options.js';
export type { Norm } from '../ops/attack_step.js';
