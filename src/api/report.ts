/**
 * Run records and reports: the JSON-lines run log, safetensors files, SVG line plots, and the
 * Markdown/HTML training report built from a log.
 * @module report
 */

export { RunLog, parseRunLog, type LogRecord } from '../report/runlog.js';
export { encodeSafetensors, decodeSafetensors, type NamedTensor, type SafetensorsContent } from '../io/safetensors.js';
export { renderLinePlot, type LinePlot, type Series } from '../report/svg.js';
export { renderReport, writeReport, type Block, type Section, type RenderedReport } from '../report/document.js';
export {
  trainingReport, epochRecords, formatPercent, formatFixed, formatNumber, TRAINING_SECTIONS,
  aboutSection, configSection, epochSection, plotSection, evaluationSection, type SectionBuilder,
} from '../report/training_report.js';
