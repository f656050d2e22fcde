// The comparison report of several runs, built ONLY from their log records: runs that differ only
// by seed form one variant (explicit labels, or derived from the config record minus the seed);
// final metrics per run and per variant (mean, sample standard deviation, min and max over seeds);
// every curve of every run overlaid on shared axes, each variant's mean over seeds drawn on top,
// with the runs' events (kernel switch, learning-rate milestones, CO flags) as vertical markers.

import { renderReport, type Block, type RenderedReport, type Section } from './document.js';
import { coFlag, lastOfType, runEvents } from './events.js';
import { kernelDistanceMatrix } from './kernel_report.js';
import type { LogRecord } from '../io/runlog.js';
import { COLORS, renderHeatmap, renderPolarPlot, type EventMarker, type LinePlot, type PolarTrajectory, type Series } from './svg.js';
import { epochRecords, formatFixed, formatNumber, formatPercent } from './training_report.js';
import { NtkError } from '../errors.js';

/** One run to compare. */
export interface RunInput {
  /** Unique name of the run in legends, tables and data-run attributes (e.g. its directory's name). */
  name: string;
  /** Its log records (parseRunLog of its log.jsonl). */
  records: LogRecord[];
  /** Variant label: runs with equal labels are seeds of one variant. Give it for every run or for none (then derived). */
  variant?: string;
  /** Seed shown for the run; default: from the `seed` fields of its config record (the training seed, then others that differ, e.g. `1 (data 0)`). */
  seed?: string | number;
}

/** Options of compareRuns and compareSections. */
export interface CompareOptions {
  /** Report title (default: "ntk-at comparison of N runs"). */
  title?: string;
  /** Extra sections placed after the final metrics (e.g. an experiment's analysis). */
  sections?: Section[];
}

/** Mean, sample standard deviation (n − 1; 0 for one value), min and max of the finite values. */
export interface Spread {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** A run with its variant and seed resolved. */
export interface ComparedRun {
  name: string;
  variant: string;
  seed: string;
  records: LogRecord[];
}

/** A variant (runs that differ only by seed): its runs, how it differs from the others, and its metrics across seeds. */
export interface VariantSummary {
  label: string;
  runs: ComparedRun[];
  /** The config leaves this variant has where variants differ (dotted key = JSON value; leaves it lacks are left out). */
  differences: string[];
  /** Config leaves (beyond seeds) in which this variant's own runs differ: should be empty. */
  innerDifferences: string[];
  /** Per metric column: each run's value (null when not logged) and their spread (null when none is finite). */
  metrics: Record<string, { values: Array<number | null>; spread: Spread | null }>;
}

/** Mean, sample standard deviation, min and max of the finite entries of `values` (null when there is none). */
export function spread(values: Array<number | null>): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { n: v.length, mean, std, min: Math.min(...v), max: Math.max(...v) };
}

// ---------------------------------------------------------------------------------------------
// Variants: the config record minus what only identifies one run.

/** Config leaves that identify a run, not its variant: ignored when grouping runs into variants. */
const RUN_SPECIFIC: ReadonlyArray<{ leaf: (path: string[]) => boolean; reason: string }> = [
  { leaf: (p) => p.at(-1) === 'seed', reason: 'the seeds themselves' },
  { leaf: (p) => ['trainData', 'validationData', 'testData'].includes(p.at(-1) ?? ''), reason: 'data descriptions naming the seed' },
  {
    leaf: (p) => p.at(-2) === 'normalize' && ['mean', 'std'].includes(p.at(-1) ?? ''),
    reason: "Normalize statistics measured on the seed's training images",
  },
  {
    leaf: (p) => ['programs', 'kernels'].includes(p[0]),
    reason:
      "the adapter's measured GPU-program choice and the probe's timings (provenance, as the adapter; `kernels` in runs before 0.1.0)",
  },
  {
    leaf: (p) => ['type', 't', 'date', 'adapter', 'runtime', 'command', 'checkpointPath', 'resume'].includes(p.at(-1) ?? ''),
    reason: 'provenance: when, where and into which file',
  },
];

const isRunSpecific = (path: string[]): boolean => RUN_SPECIFIC.some((r) => r.leaf(path));

/** Leaves of a config as dotted path -> JSON value (arrays are leaves; null ones are left out). */
function leaves(value: unknown, path: string[] = [], out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else if (path.length > 0 && value !== null && !isRunSpecific(path)) {
    // null: not set, as if absent
    out.set(path.join('.'), JSON.stringify(value));
  }
  return out;
}

const configLeaves = (records: LogRecord[]): Map<string, string> => leaves(lastOfType(records, 'config') ?? {});

/**
 * The seed of a run from the `seed` fields of its config record: the training seed, followed by
 * the others that differ from it, named by their parent (e.g. `1 (data 0)`); '-' when none.
 */
function configSeed(records: LogRecord[]): string {
  const seeds: Array<[string, string]> = []; // [parent key, value]
  const visit = (v: unknown, parent: string, key: string): void => {
    if (key === 'seed' && (typeof v === 'number' || typeof v === 'string')) seeds.push([parent, String(v)]);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, c] of Object.entries(v)) visit(c, key, k);
  };
  visit(lastOfType(records, 'config'), '', '');
  if (seeds.length === 0) return '-';
  const main = (seeds.find(([parent]) => parent === 'training' || parent === 'train') ?? seeds[0])[1];
  const others = [...new Set(seeds.filter(([, v]) => v !== main).map(([parent, v]) => `${parent} ${v}`))];
  return others.length ? `${main} (${others.join(', ')})` : main;
}

/** Paths whose values are not the same in all of `configs` (absent counts as a value), in first-seen order. */
function differingPaths(configs: Array<Map<string, string>>): string[] {
  const paths = [...new Set(configs.flatMap((c) => [...c.keys()]))];
  return paths.filter((p) => new Set(configs.map((c) => c.get(p) ?? 'none')).size > 1);
}

/**
 * Labels for distinct configs: `key=value` for a few differing leaves that together tell every
 * config apart, chosen greedily (the leaf that splits the configs most first; on a tie the shallower
 * one, then one that only some configs have, e.g. a kernel switch).
 */
function deriveLabels(configs: Array<Map<string, string>>, single: string): string[] {
  if (configs.length === 1) return [single];
  const value = (c: Map<string, string>, p: string) => c.get(p) ?? 'none';
  const classes = (paths: string[]) => new Set(configs.map((c) => JSON.stringify(paths.map((p) => value(c, p))))).size;
  const present = (p: string) => configs.filter((c) => c.has(p)).length;
  const depth = (p: string) => p.split('.').length;
  const chosen: string[] = [];
  const candidates = differingPaths(configs);
  while (classes(chosen) < configs.length) {
    const gain = (p: string) => classes([...chosen, p]);
    const best = candidates
      .filter((p) => !chosen.includes(p))
      .reduce((a, b) =>
        gain(b) > gain(a) || (gain(b) === gain(a) && (depth(b) < depth(a) || (depth(b) === depth(a) && present(b) < present(a)))) ? b : a,
      );
    chosen.push(best);
  }
  const text = (v: string) => (v.startsWith('"') ? (JSON.parse(v) as string) : v);
  const shown = candidates.filter((p) => chosen.includes(p)).sort((a, b) => depth(a) - depth(b));
  const label = (c: Map<string, string>, withAbsent: boolean) =>
    shown
      .filter((p) => withAbsent || c.has(p))
      .map((p) => `${p.split('.').slice(-2).join('.')}=${text(value(c, p))}`)
      .join(', ');
  // Leaves a config does not have are left out of its label (e.g. no `switch.rule=none`) where the labels stay distinct.
  const short = configs.map((c) => label(c, false));
  return short.every((l) => l !== '') && new Set(short).size === short.length ? short : configs.map((c) => label(c, true));
}

/**
 * Resolves each run's variant and seed and groups the runs into variants (first-seen order), with
 * each variant's config differences and its per-metric values and spread.
 */
export function groupVariants(runs: RunInput[]): VariantSummary[] {
  if (runs.length === 0) throw new NtkError('E_INVALID_ARGUMENT', 'compareRuns: give at least one run.');
  const names = runs.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined)
    throw new NtkError('E_INVALID_ARGUMENT', `compareRuns: two runs are named "${twice}"; give each run its own name.`, { name: twice });
  const labelled = runs.filter((r) => r.variant !== undefined).length;
  if (labelled !== 0 && labelled !== runs.length) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      'compareRuns: give a variant label for every run or for none (then runs that differ only by seed are grouped).',
      { option: 'variant' },
    );
  }
  const configs = runs.map((r) => configLeaves(r.records));
  const keys = configs.map((c) => JSON.stringify([...c].sort()));
  const distinct = [...new Set(keys)];
  const method = lastOfType(runs[0].records, 'config')?.method;
  const derived = deriveLabels(
    distinct.map((k) => configs[keys.indexOf(k)]),
    typeof method === 'string' ? method : 'all runs',
  );
  const compared: ComparedRun[] = runs.map((r, i) => ({
    name: r.name,
    variant: r.variant ?? derived[distinct.indexOf(keys[i])],
    seed: r.seed !== undefined ? String(r.seed) : configSeed(r.records),
    records: r.records,
  }));
  const labels = [...new Set(compared.map((r) => r.variant))];
  const firstConfig = (label: string) => configs[compared.findIndex((r) => r.variant === label)];
  const between = differingPaths(labels.map(firstConfig));
  const columns = metricColumns(compared);
  return labels.map((label) => {
    const members = compared.filter((r) => r.variant === label);
    const own = compared.flatMap((r, i) => (r.variant === label ? [configs[i]] : []));
    const metrics: VariantSummary['metrics'] = {};
    for (const m of columns) {
      const values = members.map((r) => m.value(r.records));
      metrics[m.column] = { values, spread: spread(values) };
    }
    return {
      label,
      runs: members,
      differences: between.filter((p) => firstConfig(label).has(p)).map((p) => `${p}=${firstConfig(label).get(p)}`),
      innerDifferences: differingPaths(own),
      metrics,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Final metrics: one table of columns, each read from a run's records.

type Format = 'percent' | 'loss' | 'number' | 'seconds' | 'epoch';

interface MetricColumn {
  column: string;
  format: Format;
  value(records: LogRecord[]): number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const accuracyOf = (v: unknown): Record<string, unknown> => (v as { accuracy?: Record<string, unknown> } | null)?.accuracy ?? {};
const lastEpoch = (records: LogRecord[]) => epochRecords(records).at(-1);
/** Kernel checks, one per epoch fraction (the last logged wins), in order. */
const kernelChecks = (records: LogRecord[]): LogRecord[] => {
  const byFraction = new Map<number, LogRecord>();
  for (const r of records) if (r.type === 'kernel') byFraction.set(Number(r.epochFraction), r);
  return [...byFraction.values()].sort((a, b) => Number(a.epochFraction) - Number(b.epochFraction));
};
const lastKernel = (records: LogRecord[]) => kernelChecks(records).at(-1);
const adversarialOf = (r: LogRecord | undefined): Record<string, unknown> => (r?.adversarial as Record<string, unknown> | null) ?? {};

/** The epoch (1-based) of the first CO flag of adversarial training; null when none applies or none was flagged. */
export function firstCoEpoch(records: LogRecord[]): number | null {
  const flagged = epochRecords(records).find((e) => coFlag(records, e) === true);
  return flagged ? Number(flagged.epoch) + 1 : null;
}

const FIXED_COLUMNS_BEFORE: MetricColumn[] = [
  { column: 'epochs', format: 'epoch', value: (rs) => epochRecords(rs).length || null },
  { column: 'train loss', format: 'loss', value: (rs) => num(lastEpoch(rs)?.trainLoss) },
  { column: 'train acc', format: 'percent', value: (rs) => num(lastEpoch(rs)?.trainAccuracy) },
];

const FIXED_COLUMNS_AFTER: MetricColumn[] = [
  { column: 'CO epoch', format: 'epoch', value: firstCoEpoch },
  {
    column: 'switch epoch',
    format: 'number',
    value: (rs) => num(rs.find((r) => r.type === 'event' && r.event === 'switch')?.epochFraction),
  },
  { column: 'KD to K0', format: 'number', value: (rs) => num(lastKernel(rs)?.distanceToInit) },
  { column: 'KD clean-adv', format: 'number', value: (rs) => num(adversarialOf(lastKernel(rs)).distanceToClean) },
  { column: 'λ_max', format: 'number', value: (rs) => num(lastKernel(rs)?.lambdaMax) },
  { column: 'adv λ_max', format: 'number', value: (rs) => num(adversarialOf(lastKernel(rs)).lambdaMax) },
  { column: 'condition', format: 'number', value: (rs) => num(lastKernel(rs)?.conditionNumber) },
  { column: 'eff. rank', format: 'number', value: (rs) => num(lastKernel(rs)?.effectiveRank) },
  { column: 'top-10 energy', format: 'number', value: (rs) => num(lastKernel(rs)?.topEnergy10) },
  {
    column: 'train seconds',
    format: 'seconds',
    value: (rs) => num(rs.filter((r) => r.type === 'event' && r.event === 'end').at(-1)?.seconds),
  },
];

/** The columns any of the runs has a value for (CO: any run with adversarial epochs): fixed ones, then validation and test accuracies by key. */
function metricColumns(runs: ComparedRun[]): MetricColumn[] {
  const validationKeys = [...new Set(runs.flatMap((r) => epochRecords(r.records).flatMap((e) => Object.keys(accuracyOf(e.validation)))))];
  const testKeys = [...new Set(runs.flatMap((r) => Object.keys(accuracyOf(lastOfType(r.records, 'eval')))))];
  const columns: MetricColumn[] = [
    ...FIXED_COLUMNS_BEFORE,
    ...validationKeys.map(
      (k): MetricColumn => ({ column: `val ${k}`, format: 'percent', value: (rs) => num(accuracyOf(lastEpoch(rs)?.validation)[k]) }),
    ),
    ...testKeys.map(
      (k): MetricColumn => ({ column: `test ${k}`, format: 'percent', value: (rs) => num(accuracyOf(lastOfType(rs, 'eval'))[k]) }),
    ),
    ...FIXED_COLUMNS_AFTER,
  ];
  const adversarial = runs.some((r) => epochRecords(r.records).some((e) => coFlag(r.records, e) !== null));
  return columns.filter((m) => runs.some((r) => m.value(r.records) !== null) || (m.column === 'CO epoch' && adversarial));
}

const FORMATS: Record<Format, (v: number) => string> = {
  percent: formatPercent,
  loss: (v) => formatFixed(v, 4),
  number: formatNumber,
  seconds: (v) => formatFixed(v, 1),
  epoch: (v) => String(v),
};

function runCell(m: MetricColumn, records: LogRecord[]): string {
  const v = m.value(records);
  if (v !== null) return FORMATS[m.format](v);
  if (m.column === 'CO epoch') return epochRecords(records).some((e) => coFlag(records, e) === false) ? 'no' : 'n/a';
  return '-';
}

function variantCell(m: MetricColumn, variant: VariantSummary): string {
  const { values, spread: s } = variant.metrics[m.column];
  if (m.column === 'CO epoch') {
    const applies = variant.runs.filter((r) => epochRecords(r.records).some((e) => coFlag(r.records, e) !== null)).length;
    return applies ? `${values.filter((v) => v !== null).length} of ${applies} runs` : 'n/a';
  }
  if (!s) return '-';
  const f = FORMATS[m.format === 'epoch' ? 'number' : m.format];
  return s.n === 1 ? f(s.mean) : `${f(s.mean)} ± ${f(s.std)} [${f(s.min)}, ${f(s.max)}]`;
}

// ---------------------------------------------------------------------------------------------
// Curves: one table of plots, each a function from a run's records to its points.

interface CurveSpec {
  file: string;
  title: string;
  yLabel: string;
  /** The log field plotted (written as data-source). */
  source: string;
  yFormat?: 'percent';
  yScale?: 'log';
  points(records: LogRecord[]): Array<[number, number]>;
}

const pointsOf = (rows: LogRecord[], x: (r: LogRecord) => unknown, y: (r: LogRecord) => unknown): Array<[number, number]> =>
  rows.flatMap((r) => {
    const [px, py] = [num(x(r)), num(y(r))];
    return px === null || py === null ? [] : [[px, py] as [number, number]];
  });

/** Logging intervals, one per global step (the last logged wins), in order. */
const stepRecords = (records: LogRecord[]): LogRecord[] => {
  const byStep = new Map<number, LogRecord>();
  for (const r of records) if (r.type === 'step') byStep.set(Number(r.step), r);
  return [...byStep.values()].sort((a, b) => Number(a.step) - Number(b.step));
};

const epochX = (e: LogRecord) => Number(e.epoch) + 1;

function curveSpecs(runs: ComparedRun[]): CurveSpec[] {
  const validationKeys = [...new Set(runs.flatMap((r) => epochRecords(r.records).flatMap((e) => Object.keys(accuracyOf(e.validation)))))];
  const kernel = (field: string) => (rs: LogRecord[]) =>
    pointsOf(
      kernelChecks(rs),
      (r) => r.epochFraction,
      (r) => r[field],
    );
  const adversarial = (field: string) => (rs: LogRecord[]) =>
    pointsOf(
      kernelChecks(rs),
      (r) => r.epochFraction,
      (r) => adversarialOf(r)[field],
    );
  return [
    {
      file: 'loss.svg',
      title: 'Training loss (per logging interval)',
      yLabel: 'cross-entropy',
      source: 'step.loss',
      points: (rs) =>
        pointsOf(
          stepRecords(rs),
          (r) => r.epochFraction,
          (r) => r.loss,
        ),
    },
    {
      file: 'train_accuracy.svg',
      title: 'Training accuracy (on the inputs trained on)',
      yLabel: 'accuracy',
      source: 'epoch.trainAccuracy',
      yFormat: 'percent',
      points: (rs) => pointsOf(epochRecords(rs), epochX, (r) => r.trainAccuracy),
    },
    ...validationKeys.map(
      (k): CurveSpec => ({
        file: `val_${k.replace(/[^A-Za-z0-9_-]/g, '_')}.svg`,
        title: `Validation accuracy: ${k}`,
        yLabel: 'accuracy',
        source: `epoch.validation.accuracy.${k}`,
        yFormat: 'percent',
        points: (rs) => pointsOf(epochRecords(rs), epochX, (r) => accuracyOf(r.validation)[k]),
      }),
    ),
    {
      file: 'ntk_distance.svg',
      title: 'Kernel distance to K_0',
      yLabel: '1 − S(K_t, K_0)',
      source: 'kernel.distanceToInit',
      points: kernel('distanceToInit'),
    },
    {
      file: 'ntk_velocity.svg',
      title: 'Kernel velocity',
      yLabel: 'distance per epoch',
      source: 'kernel.velocity',
      yScale: 'log',
      points: kernel('velocity'),
    },
    {
      file: 'ntk_clean_adv.svg',
      title: 'Clean vs adversarial-example kernel distance',
      yLabel: '1 − S(K_clean, K_adv)',
      source: 'kernel.adversarial.distanceToClean',
      points: adversarial('distanceToClean'),
    },
    {
      file: 'ntk_lambda_max.svg',
      title: 'λ_max, clean kernel',
      yLabel: 'λ_max',
      source: 'kernel.lambdaMax',
      yScale: 'log',
      points: kernel('lambdaMax'),
    },
    {
      file: 'ntk_adv_lambda_max.svg',
      title: 'λ_max, adversarial-example kernel',
      yLabel: 'λ_max',
      source: 'kernel.adversarial.lambdaMax',
      yScale: 'log',
      points: adversarial('lambdaMax'),
    },
    {
      file: 'ntk_condition.svg',
      title: 'Condition number, clean kernel',
      yLabel: 'λ_max / λ_min',
      source: 'kernel.conditionNumber',
      yScale: 'log',
      points: kernel('conditionNumber'),
    },
    {
      file: 'ntk_adv_condition.svg',
      title: 'Condition number, adversarial-example kernel',
      yLabel: 'λ_max / λ_min',
      source: 'kernel.adversarial.conditionNumber',
      yScale: 'log',
      points: adversarial('conditionNumber'),
    },
    {
      file: 'ntk_effective_rank.svg',
      title: 'Effective rank, clean kernel',
      yLabel: 'exp(spectral entropy)',
      source: 'kernel.effectiveRank',
      points: kernel('effectiveRank'),
    },
    {
      file: 'ntk_adv_effective_rank.svg',
      title: 'Effective rank, adversarial-example kernel',
      yLabel: 'exp(spectral entropy)',
      source: 'kernel.adversarial.effectiveRank',
      points: adversarial('effectiveRank'),
    },
    {
      file: 'ntk_top10_energy.svg',
      title: 'Top-10 eigenvalue energy, clean kernel',
      yLabel: 'share of the trace',
      source: 'kernel.topEnergy10',
      points: kernel('topEnergy10'),
    },
    {
      file: 'ntk_adv_top10_energy.svg',
      title: 'Top-10 eigenvalue energy, adversarial-example kernel',
      yLabel: 'share of the trace',
      source: 'kernel.adversarial.topEnergy10',
      points: adversarial('topEnergy10'),
    },
  ];
}

/** Mean over runs at the x values every run has (none when fewer than two runs). */
function meanCurve(curves: Array<Array<[number, number]>>): Array<[number, number]> {
  if (curves.length < 2) return [];
  const key = (x: number) => x.toFixed(9);
  const maps = curves.map((c) => new Map(c.map(([x, y]) => [key(x), y])));
  return curves[0]
    .filter(([x]) => maps.every((m) => m.has(key(x))))
    .map(([x]) => [x, maps.reduce((s, m) => s + (m.get(key(x)) as number), 0) / maps.length]);
}

interface Palette {
  colorOf(variant: string): string;
}

/** Each run as a series (thin when its variant has several seeds), plus each multi-seed variant's mean. */
function overlay(
  variants: VariantSummary[],
  palette: Palette,
  points: (records: LogRecord[]) => Array<[number, number]>,
  source: string,
): Series[] {
  return variants.flatMap((v) => {
    const color = palette.colorOf(v.label);
    const curves = v.runs.map((r) => points(r.records));
    const several = v.runs.length > 1;
    const seeds: Series[] = v.runs.map((r, i) => ({
      name: several ? `${r.name} (seed ${r.seed})` : v.label,
      points: curves[i],
      markers: curves[i].length <= 12,
      color,
      strokeWidth: several ? 1 : 1.8,
      opacity: several ? 0.35 : undefined,
      legend: !several,
      data: { run: r.name, variant: v.label, seed: r.seed, source },
    }));
    const mean = meanCurve(curves.filter((c) => c.length > 0));
    if (!several || mean.length === 0) return seeds;
    return [
      ...seeds,
      {
        name: `${v.label} (mean of ${curves.filter((c) => c.length > 0).length})`,
        points: mean,
        markers: mean.length <= 12,
        color,
        strokeWidth: 2.4,
        data: {
          stat: 'mean',
          variant: v.label,
          runs: v.runs
            .filter((_, i) => curves[i].length > 0)
            .map((r) => r.name)
            .join(','),
          source,
        },
      },
    ];
  });
}

/** Every run's events as markers, one per (kind, x, label), in its variant's colour (milestones grey). */
function eventMarkers(variants: VariantSummary[], palette: Palette): EventMarker[] {
  const markers = new Map<string, EventMarker & { runs: string[] }>();
  for (const v of variants) {
    for (const r of v.runs) {
      for (const e of runEvents(r.records, epochRecords(r.records))) {
        const key = `${e.kind}|${e.x}|${e.label}|${e.kind === 'lr-milestone' ? '' : v.label}`;
        const marker = markers.get(key) ?? { ...e, color: e.kind === 'lr-milestone' ? '#888' : palette.colorOf(v.label), runs: [] };
        marker.runs.push(r.name);
        markers.set(key, marker);
      }
    }
  }
  return [...markers.values()].map(({ runs, ...m }) => ({ ...m, data: { runs: runs.join(',') } }));
}

function curveBlocks(variants: VariantSummary[], palette: Palette, specs: CurveSpec[], events: EventMarker[]): Block[] {
  return specs.flatMap((spec): Block[] => {
    const series = overlay(variants, palette, spec.points, spec.source);
    if (!series.some((s) => s.points.length > 0)) return [];
    const plot: LinePlot = {
      title: spec.title,
      xLabel: 'epoch',
      yLabel: spec.yLabel,
      series,
      events,
      yScale: spec.yScale,
      yFormat: spec.yFormat,
      yRange: spec.yFormat === 'percent' ? [0, 1] : undefined,
    };
    return [{ kind: 'plot', file: spec.file, plot }];
  });
}

function polarBlock(variants: VariantSummary[], palette: Palette): Block[] {
  const trajectories: PolarTrajectory[] = variants.flatMap((v) =>
    v.runs.flatMap((r, i) => {
      const polar = lastOfType(r.records, 'kernel-polar');
      if (!polar || !Array.isArray(polar.radius) || !Array.isArray(polar.angle) || !Array.isArray(polar.epochFraction)) return [];
      return [
        {
          name: v.label,
          radius: polar.radius as number[],
          angle: polar.angle as number[],
          epochs: polar.epochFraction as number[],
          color: palette.colorOf(v.label),
          labelEpochs: i === 0,
          legend: i === 0,
          opacity: v.runs.length > 1 ? 0.6 : undefined,
          data: { run: r.name, variant: v.label, seed: r.seed },
        },
      ];
    }),
  );
  if (trajectories.length === 0) return [];
  const title = 'Polar dynamics of the kernel';
  return [{ kind: 'figure', file: 'ntk_polar.svg', title, svg: renderPolarPlot({ title, trajectories }) }];
}

function heatmapBlocks(runs: ComparedRun[]): Block[] {
  return runs.flatMap((r, i): Block[] => {
    const distances = kernelDistanceMatrix(r.records);
    if (!distances) return [];
    const title = `Kernel distance between checks: ${r.name}`;
    const svg = renderHeatmap({
      title,
      labels: distances.epochs.map((e) => formatNumber(e)),
      matrix: distances.matrix,
      valueLabel: '1 − S(K_i, K_j)',
    });
    return [{ kind: 'figure', file: `ntk_distances_run${i + 1}.svg`, title, svg }];
  });
}

// ---------------------------------------------------------------------------------------------
// The report.

function aboutSection(runs: ComparedRun[]): Section {
  const adapters = [...new Set(runs.map((r) => String(lastOfType(r.records, 'config')?.adapter ?? 'not recorded')))];
  return {
    title: 'About these numbers',
    blocks: [
      {
        kind: 'text',
        text:
          'Every number below was measured in one of these runs and read from its log (log.jsonl); means and spreads are computed ' +
          'from those numbers. These are measurements of these runs, not the numbers of the paper (Li et al., Rethinking Adversarial ' +
          'Training with Neural Tangent Kernel). Runs whose configurations differ only by seed form one variant; a variant with several ' +
          'seeds shows mean ± sample standard deviation (n − 1) [min, max] over its seeds, and its curves show each seed as a thin line ' +
          'and the mean as a thick one. Dashed vertical lines mark events read from the logs: learning-rate decays (grey), the kernel ' +
          'switch, and catastrophic-overfitting flags (CO, adversarial training only). Accuracies are percentages.',
      },
      {
        kind: 'text',
        text:
          adapters.length === 1
            ? `Adapter of every run: ${adapters[0]}.`
            : `The runs were measured on ${adapters.length} different adapters (${adapters.join('; ')}): compare their times with care.`,
      },
    ],
  };
}

function variantSection(variants: VariantSummary[]): Section {
  const blocks: Block[] = [
    {
      kind: 'table',
      columns: ['variant', 'runs', 'seeds', 'configuration (where variants differ)'],
      rows: variants.map((v) => [
        v.label,
        v.runs.map((r) => r.name).join(', '),
        v.runs.map((r) => r.seed).join(', '),
        v.differences.join('; ') || '-',
      ]),
    },
  ];
  for (const v of variants.filter((x) => x.innerDifferences.length > 0)) {
    blocks.push({
      kind: 'text',
      text: `Note: the runs of variant "${v.label}" differ in more than the seed: ${v.innerDifferences.join(', ')}.`,
    });
  }
  return { title: 'Runs and variants', blocks };
}

function metricsSection(variants: VariantSummary[], runs: ComparedRun[]): Section {
  const columns = metricColumns(runs);
  const several = variants.some((v) => v.runs.length > 1);
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        'Final metrics: the last epoch (train loss and accuracy, on the inputs trained on; val: the per-epoch validation check), the last ' +
        'final evaluation on held-out test images (test), the first epoch flagged as catastrophic overfitting, the epoch of the kernel switch, ' +
        'the last kernel check (KD: kernel distance 1 − S), and the training time.',
    },
  ];
  if (several) {
    blocks.push({
      kind: 'table',
      columns: ['variant', 'n', ...columns.filter((m) => m.column !== 'epochs').map((m) => m.column)],
      rows: variants.map((v) => [
        v.label,
        String(v.runs.length),
        ...columns.filter((m) => m.column !== 'epochs').map((m) => variantCell(m, v)),
      ]),
    });
  }
  blocks.push({
    kind: 'table',
    columns: ['run', 'variant', 'seed', ...columns.map((m) => m.column)],
    rows: variants.flatMap((v) => v.runs.map((r) => [r.name, v.label, r.seed, ...columns.map((m) => runCell(m, r.records))])),
  });
  return { title: several ? 'Final metrics per variant and per run' : 'Final metrics per run', blocks };
}

/** The sections of the comparison report (for callers that compose their own document). */
export function compareSections(runs: RunInput[], options: CompareOptions = {}): Section[] {
  const variants = groupVariants(runs);
  const compared = variants.flatMap((v) => v.runs);
  const palette: Palette = { colorOf: (label) => COLORS[variants.findIndex((v) => v.label === label) % COLORS.length] };
  const events = eventMarkers(variants, palette);
  const specs = curveSpecs(compared);
  const training = curveBlocks(
    variants,
    palette,
    specs.filter((s) => !s.file.startsWith('ntk_')),
    events,
  );
  const kernel = [
    ...curveBlocks(
      variants,
      palette,
      specs.filter((s) => s.file.startsWith('ntk_')),
      events,
    ),
    ...polarBlock(variants, palette),
    ...heatmapBlocks(compared),
  ];
  const sections: Section[] = [
    aboutSection(compared),
    variantSection(variants),
    metricsSection(variants, compared),
    ...(options.sections ?? []),
  ];
  if (training.length) sections.push({ title: 'Training curves', blocks: training });
  if (kernel.length) {
    sections.push({
      title: 'Neural tangent kernel',
      blocks: [
        {
          kind: 'text',
          text:
            "Empirical NTK on each run's fixed probe set, checked densely in the first epoch and then per epoch. Spectra (λ_max, " +
            'condition number) on log axes. Polar dynamics: radius ‖K_t − K_0‖/‖K_T − K_0‖ and angle arccos S(K_t, K_0) ' +
            'on equal axes, each run normalised by its own final kernel (radius 1 at the last check); labels e<k> mark whole epochs.',
        },
        ...kernel,
      ],
    });
  }
  return sections;
}

/**
 * The comparison report of `runs` (at least one): Markdown, standalone HTML and the SVG figures.
 * Throws E_INVALID_ARGUMENT for no runs, repeated names, or variant labels on some runs only.
 */
export function compareRuns(runs: RunInput[], options: CompareOptions = {}): RenderedReport {
  const sections = compareSections(runs, options);
  return renderReport(options.title ?? `ntk-at comparison of ${runs.length} runs`, sections);
}
