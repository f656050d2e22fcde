// What an experiment is: a grid of runs (variants × seeds, each a run recipe: the experiment's base
// recipe with the variant's partial recipe on top) at a scale, plus an analysis that turns the finished
// runs' logs into report sections. Its numbers go through a Collector, so the report names each one's source.

import type { Section } from '../report/document.js';
import type { LogRecord } from '../io/runlog.js';
import { NtkError } from '../errors.js';
import { overlayRecipes, resolveRecipe, type PartialRecipe, type RunRecipe } from '../run/recipe.js';
import { aggregate, formatAggregate, measure, type Aggregate, type Measured } from './measure.js';

export const SCALES = ['small', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

/** What shapes an experiment's grid. */
export interface GridOptions {
  scale: Scale;
  seeds: number;
}

/** One variant: its name, what it is, and what it changes in the base recipe (the seed is added per run). */
export interface Variant {
  name: string;
  description: string;
  recipe: PartialRecipe;
}

/** One planned run: its resolved recipe (every field; `ntk-at train --config run.json` runs it). */
export interface RunPlan {
  id: string;
  variant: string;
  seed: number;
  recipe: RunRecipe;
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
  /** The recipe every run shares at `scale`. */
  base(scale: Scale): PartialRecipe;
  /** The variants (named partial recipes) compared, at this grid's scale. */
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
export const fixed =
  (digits: number) =>
  (v: number): string =>
    Number.isFinite(v) ? v.toFixed(digits) : '-';
export const sig = (v: number): string =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e5 ? v.toExponential(2) : String(+v.toPrecision(3))) : '-';

/** The part of a recipe a run's seed sets: initialisation, data order, attacks and the data selection. */
export const seedRecipe = (seed: number): PartialRecipe => ({ training: { seed }, data: { seed } });

/**
 * The plans of an experiment's grid: variants × seeds (firstSeed, firstSeed + 1, ...), seed by seed (every variant of
 * seed 0 first, so an interrupted experiment still compares all variants); each recipe is the base, then `extra`
 * (a user's changes to every run), then the variant's own changes, then the seed. A recipe the runs could not
 * train with fails here (E_INVALID_ARGUMENT naming the run and the field), before anything is written.
 */
export function planRuns(experiment: Experiment, grid: GridOptions, extra: PartialRecipe = {}, only: string[] | null = null): RunPlan[] {
  const variants = experiment.variants(grid).filter((v) => !only || only.includes(v.name));
  return Array.from({ length: grid.seeds }, (_, i) => i + (experiment.firstSeed ?? 0)).flatMap((seed) =>
    variants.map((v) => {
      const id = `${v.name}/seed${seed}`;
      try {
        return {
          id,
          variant: v.name,
          seed,
          recipe: resolveRecipe(overlayRecipes(experiment.base(grid.scale), extra, v.recipe, seedRecipe(seed))),
        };
      } catch (e) {
        if (!(e instanceof NtkError)) throw e;
        throw new NtkError(e.code, `run ${id}: ${e.message.replace(/^\[E_[A-Z_]+\] /, '')}`, e.details);
      }
    }),
  );
}
