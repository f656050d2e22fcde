/**
 * Run records and reports: the JSON-lines run log, safetensors files, SVG plots, the Markdown/HTML
 * training report built from a log, and the comparison of several runs.
 * @module report
 */

export { RunLog, parseRunLog, type LogRecord } from '../io/runlog.js';
export { encodeSafetensors, decodeSafetensors, type NamedTensor, type SafetensorsContent } from '../io/safetensors.js';
export {
  renderLinePlot,
  renderPolarPlot,
  renderHeatmap,
  type LinePlot,
  type Series,
  type EventMarker,
  type PolarPlot,
  type PolarTrajectory,
  type Heatmap,
} from '../report/svg.js';
export {
  compareRuns,
  compareSections,
  groupVariants,
  spread,
  firstCoEpoch,
  type RunInput,
  type CompareOptions,
  type ComparedRun,
  type VariantSummary,
  type Spread,
} from '../report/compare.js';
export { kernelSection, kernelDistanceMatrix, RUN_SECTIONS } from '../report/kernel_report.js';
export { isAdversarialMethod, coFlag, runEvents, type TimelineEvent } from '../report/events.js';
export { renderReport, writeReport, type Block, type Section, type RenderedReport } from '../report/document.js';
export {
  trainingReport,
  epochRecords,
  formatPercent,
  formatFixed,
  formatNumber,
  TRAINING_SECTIONS,
  aboutSection,
  configSection,
  epochSection,
  plotSection,
  evaluationSection,
  type SectionBuilder,
} from '../report/training_report.js';
