/**
 * The study's experiments: planned grids of runs (variants x seeds) from the experiment table, run
 * and measured, with their comparison report.
 * @module experiments
 */

export {
  runExperiment,
  planExperiment,
  writeExperimentReport,
  DEFAULT_EXPERIMENT,
  type ExperimentOptions,
  type ExperimentResult,
  type Launch,
} from '../experiments/runner.js';
export { EXPERIMENTS } from '../experiments/table.js';
export { Collector, type Experiment, type GridOptions, type RunPlan, type Variant } from '../experiments/experiment.js';
export {
  lookup,
  measure,
  aggregate,
  trainingPasses,
  passesPerImage,
  DERIVED,
  type Measured,
  type Aggregate,
} from '../experiments/measure.js';
export {
  binomialStandardError,
  studentT975,
  pairedDifference,
  verdict,
  catastrophicOverfitting,
  VERDICT_RULE,
  CO_DEFAULTS,
  NORMAL_975,
  type PairedDifference,
  type Verdict,
  type CoCheck,
  type CoOptions,
  type CatastrophicOverfitting,
} from '../experiments/statistics.js';
