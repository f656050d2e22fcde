// What an experiment is: a grid of runs (variants × seeds, each a list of `ntk-at train` options)
// at a scale, plus an analysis that turns the finished runs' logs into report sections. The numbers
// an analysis prints go through a Collector, so the report lists where each one came from.

import type { Section } from '../report/document.js';
import type { LogRecord } from '../report/runlog.js';
import { aggregate, formatAggregate, measure, type Aggregate, type Measured } from './measure.js';

export const SCALES = ['small', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

/** What shapes an experiment's grid. */
export interface GridOptions {
  scale: Scale;
  seeds: number;
}

/** One variant: its name, what it is, and its `train` options (the seed is added per run). */
export interface Variant {
  name: string;
  description: string;
  args: string[];
}

/** One planned run. `args` are complete `ntk-at train` options except `--out`. */
export interface RunPlan {
  id: string;
  variant: string;
  seed: number;
  args: string[];
}

/** A finished run: its plan, directory and log records. */
export interface RunResult {
  plan: RunPlan;
  dir: string;
  records: LogRecord[];
}

/** One experiment of the study: what it tests, the options its runs share, its variants, and its analysis. */
export interface Experiment {
  /** Which of the study's findings it tests, and how (one or two sentences for the report). */
  summary: string;
  /** Options every run shares at `scale`. */
  base(scale: Scale): string[];
  /** The variants (named option sets) compared, at this grid's scale. */
  variants(grid: GridOptions): Variant[];
  /** The first seed of its grid (default 0); a calibration grid runs on held-out seeds that no reported grid uses. */
  firstSeed?: number;
  /** Report sections from the finished runs (collect.runs; collect.of(variant) gives a variant's seeds in order). */
  analyse(collect: Collector, grid: GridOptions): Section[];
}

/** Reads numbers from run logs and remembers every one it hands out (for report.json). */
export class Collector {
  readonly measured: Measured[] = [];
  readonly aggregates: Array<{ label: string; variant: string; source: string } & Aggregate> = [];

  /** A collector over the finished `runs`. */
  constructor(readonly runs: RunResult[]) {}

  /** Runs of `variant`, seeds in order. */
  of(variant: string): RunResult[] {
    return this.runs.filter((r) => r.plan.variant === variant).sort((a, b) => a.plan.seed - b.plan.seed);
  }

  /** One run's number. */
  one(run: RunResult, source: string): Measured {
    const m = measure(run.plan.id, run.records, source);
    this.measured.push(m);
    return m;
  }

  /** `source` over the seeds of `variant`. */
  over(variant: string, source: string, label = source): Aggregate {
    const a = aggregate(this.of(variant).map((r) => this.one(r, source)));
    this.aggregates.push({ label, variant, source, ...a });
    return a;
  }

  /** over() formatted as `mean ± sd (each seed)`. */
  cell(variant: string, source: string, format: (v: number) => string, label = source): string {
    return formatAggregate(this.over(variant, source, label), format);
  }
}

/** Formats for table cells. */
export const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-');
export const fixed = (digits: number) => (v: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
export const sig = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e5 ? v.toExponential(2) : String(+v.toPrecision(3))) : '-');

/**
 * The plans of an experiment's grid: variants × seeds (firstSeed, firstSeed + 1, ...), seed by seed (every variant of
 * seed 0 first, so an interrupted experiment still compares all variants); `extra` overrides the
 * base options, not the variants' own.
 */
export function planRuns(experiment: Experiment, grid: GridOptions, extra: string[] = [], only: string[] | null = null): RunPlan[] {
  const variants = experiment.variants(grid).filter((v) => !only || only.includes(v.name));
  return Array.from({ length: grid.seeds }, (_, i) => i + (experiment.firstSeed ?? 0)).map((seed) => variants.map((v) => ({
    id: `${v.name}/seed${seed}`,
    variant: v.name,
    seed,
    args: [...experiment.base(grid.scale), ...extra, ...v.args, '--seed', String(seed)],
  }))).flat();
}
