// The experiments `ntk-at experiment <name>` runs: one entry per finding of the study (and the
// kernel-dynamics comparison behind the second), each a grid of runs plus its analysis.

import { bnControl } from './bn_control.js';
import { bnEstimators } from './bn_estimators.js';
import { coCalibration } from './co_calibration.js';
import { coSpectrum } from './co_spectrum.js';
import type { Experiment } from './experiment.js';
import { kernelDynamics } from './kernel_dynamics.js';
import { kernelWarmup } from './kernel_warmup.js';
import { normalization } from './normalization.js';
import { kernelWarmupCalibration } from './warmup_calibration.js';

/** The experiments of the study, by name (`ntk-at` experiment scripts and runExperiment take these names). */
export const EXPERIMENTS: Record<string, Experiment> = {
  'bn-estimators': bnEstimators,
  normalization,
  'bn-control': bnControl,
  'kernel-warmup': kernelWarmup,
  'kernel-warmup-calibration': kernelWarmupCalibration,
  'co-calibration': coCalibration,
  'co-spectrum': coSpectrum,
  'kernel-dynamics': kernelDynamics,
};
