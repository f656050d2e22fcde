// The training report, built ONLY from a run's log records: configuration, per-epoch table, loss and
// accuracy plots, final evaluations, the adapter that measured them, and a note that these are this
// run's measurements. Each part is a SectionBuilder; callers may append builders for other record
// types (e.g. `kernel` records) and pass the list to trainingReport.

import { WORST_CASE } from '../attacks/registry.js';
import type { Section } from './document.js';
import { renderReport, type RenderedReport } from './document.js';
import { coFlag, runEvents } from './events.js';
import type { LogRecord } from '../io/runlog.js';
import type { EventMarker, Series } from './svg.js';

/** Makes one section from the whole log, or null when the log holds nothing for it. */
export type SectionBuilder = (records: LogRecord[]) => Section | null;

/** Accuracy in [0, 1] as a percentage with one decimal. */
export const formatPercent = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');
/** A number with `digits` decimals ('-' when missing). */
export const formatFixed = (v: unknown, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-');

/** Four significant digits, no trailing zeros ('-' when missing). */
export const formatNumber = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(+v.toPrecision(4)) : '-');

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

const formatCoFlag = (flag: boolean | null): string => (flag === null ? 'n/a' : flag ? 'yes' : 'no');

/** The last record of `type` (a resumed run may log its config again). */
function last(records: LogRecord[], type: string): LogRecord | undefined {
  return records.filter((r) => r.type === type).at(-1);
}

/** Epoch records, one per epoch (the last logged wins: a resumed run may repeat one), in order. */
export function epochRecords(records: LogRecord[]): LogRecord[] {
  const byEpoch = new Map<number, LogRecord>();
  for (const r of records) if (r.type === 'epoch') byEpoch.set(num(r.epoch), r);
  return [...byEpoch.values()].sort((a, b) => num(a.epoch) - num(b.epoch));
}

/** Validation accuracy keys (e.g. clean, pgd10) over all epochs, in first-seen order. */
function validationKeys(epochs: LogRecord[]): string[] {
  const keys = new Set<string>();
  for (const e of epochs) for (const k of Object.keys(accuracyOf(e.validation))) keys.add(k);
  return [...keys];
}

function accuracyOf(v: unknown): Record<string, number> {
  return (v as { accuracy?: Record<string, number> } | null)?.accuracy ?? {};
}

/** Leaves of a nested config as dotted keys; arrays and leaves are JSON text. */
function flatten(value: unknown, prefix: string, out: Array<[string, string]>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
}

/** The run's summary: method, data, model, adapter and runtime (from the config record). */
export const aboutSection: SectionBuilder = (records) => {
  const config = last(records, 'config');
  const blocks: Section['blocks'] = [
    {
      kind: 'text',
      text:
        'Every number below was measured in this run and read from its log (log.jsonl). These are measurements of this ' +
        'run on the adapter named here, not the numbers of the paper (Li et al., Rethinking Adversarial Training with Neural Tangent Kernel).',
    },
  ];
  if (config) {
    blocks.push({
      kind: 'text',
      text: `Adapter: ${String(config.adapter ?? 'not recorded')}. Runtime: ${String(config.runtime ?? 'not recorded')}. Started: ${String(config.date ?? 'not recorded')}.`,
    });
    if (config.notice) blocks.push({ kind: 'text', text: `Data notice: ${String(config.notice)}` });
  }
  return { title: 'About these numbers', blocks };
};

/** The full configuration of the run. */
export const configSection: SectionBuilder = (records) => {
  const config = last(records, 'config');
  if (!config) return null;
  const { type: _type, t: _t, adapter: _adapter, runtime: _runtime, date: _date, notice: _notice, ...rest } = config;
  const rows: Array<[string, string]> = [];
  flatten(rest, '', rows);
  return { title: 'Configuration', blocks: [{ kind: 'table', columns: ['option', 'value'], rows }] };
};

/** A table of the epochs: loss, accuracy, validation and the catastrophic-overfitting flag. */
export const epochSection: SectionBuilder = (records) => {
  const epochs = epochRecords(records);
  if (epochs.length === 0) return null;
  const keys = validationKeys(epochs);
  const columns = ['epoch', 'train loss', 'train acc', ...keys.map((k) => `val ${k}`), 'CO', 'lr', 'seconds', 'images/s'];
  const rows = epochs.map((e) => [
    String(num(e.epoch) + 1),
    formatFixed(e.trainLoss, 4),
    formatPercent(e.trainAccuracy),
    ...keys.map((k) => formatPercent(accuracyOf(e.validation)[k])),
    formatCoFlag(coFlag(records, e)),
    formatNumber(e.lr),
    formatFixed(e.seconds, 1),
    formatFixed(e.imagesPerSecond, 1),
  ]);
  const blocks: Section['blocks'] = [
    {
      kind: 'text',
      text: 'Train acc is on the inputs trained on (adversarial ones under AT); val columns are the per-epoch check on the validation images (val worst-case: correct clean and under every check attack); CO: catastrophic overfitting flagged from val worst-case (n/a: no adversarial training in that epoch).',
    },
    { kind: 'table', columns, rows },
  ];
  for (const r of records.filter((x) => x.type === 'event')) {
    const fields = Object.entries(r).filter(([k]) => !['type', 'event', 't'].includes(k));
    blocks.push({
      kind: 'text',
      text: `Event: ${String(r.event)} (${fields.map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`).join(', ')}).`,
    });
  }
  return { title: 'Per epoch', blocks };
};

/** Loss and accuracy plots per epoch. */
export const plotSection: SectionBuilder = (records) => {
  const epochs = epochRecords(records);
  if (epochs.length === 0) return null;
  const x = (e: LogRecord) => num(e.epoch) + 1;
  const steps = records.filter((r) => r.type === 'step');
  const loss: Series[] = [{ name: 'epoch mean', points: epochs.map((e) => [x(e), num(e.trainLoss)]), markers: true }];
  if (steps.length) loss.unshift({ name: 'logging interval', points: steps.map((s) => [num(s.epochFraction), num(s.loss)]) });
  const accuracy: Series[] = [
    { name: 'train acc', points: epochs.map((e) => [x(e), num(e.trainAccuracy)]), markers: true },
    ...validationKeys(epochs).map((k) => ({
      name: `val ${k}`,
      points: epochs.map((e): [number, number] => [x(e), num(accuracyOf(e.validation)[k])]),
      markers: true,
    })),
  ];
  const events: EventMarker[] = runEvents(records, epochs).map((e) => ({ ...e, color: e.kind === 'lr-milestone' ? '#888' : '#d62728' }));
  return {
    title: 'Plots',
    blocks: [
      { kind: 'plot', file: 'loss.svg', plot: { title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy', series: loss, events } },
      {
        kind: 'plot',
        file: 'accuracy.svg',
        plot: { title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accuracy, yRange: [0, 1], yFormat: 'percent', events },
      },
    ],
  };
};

/** The evaluations of the run (accuracy per threat). */
export const evaluationSection: SectionBuilder = (records) => {
  const evals = records.filter((r) => r.type === 'eval');
  if (evals.length === 0) return null;
  const keys = [...new Set(evals.flatMap((e) => Object.keys(accuracyOf(e))))];
  const threats = [...keys.filter((k) => k !== WORST_CASE), ...keys.filter((k) => k === WORST_CASE)]; // the worst case last
  const rows = evals.map((e) => [
    String(e.dataset),
    String(e.samples),
    String(e.eps),
    ...threats.map((k) => formatPercent(accuracyOf(e)[k])),
    formatFixed(e.seconds, 1),
  ]);
  return {
    title: 'Final evaluation',
    blocks: [
      {
        kind: 'text',
        text:
          'Accuracy on held-out test images: clean, and under each attack with radius eps (pixel units; images scaled to the unit interval), ' +
          'a sample counting only if it is also correct clean; worst-case: correct clean AND under every attack of the row (per sample, the figure to report).',
      },
      { kind: 'table', columns: ['data', 'images', 'eps', ...threats, 'seconds'], rows },
    ],
  };
};

/** The sections of a training report, in order. */
export const TRAINING_SECTIONS: readonly SectionBuilder[] = [aboutSection, evaluationSection, epochSection, plotSection, configSection];

/** Renders the report of a run from its log records, with `sections` (default TRAINING_SECTIONS) in order. */
export function trainingReport(records: LogRecord[], sections: readonly SectionBuilder[] = TRAINING_SECTIONS): RenderedReport {
  const config = last(records, 'config');
  const title = config
    ? `ntk-at run report: ${String(config.method ?? '')} training on ${String(config.trainData ?? config.dataset ?? '')}`
    : 'ntk-at run report';
  return renderReport(
    title,
    sections.map((s) => s(records)).filter((s): s is Section => s !== null),
  );
}
