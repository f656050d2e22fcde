// The attacks' public surface: functions (model, x, y, [rng,] options) -> x_adv on the device.

export { fgsm, fgsmRs, nFgsm, randomStartFgsm, inputGradient } from './fgsm.js';
export { pgd } from './pgd.js';
export {
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
} from './anisotropic.js';
export {
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD, checkLabels,
  type AttackBnMode, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions,
} from './options.js';
export type { Norm } from './kernels.js';
