// What an experiment report rests on, as report sections built from run logs: accuracy floors
// (checked per run, flagged red when missed), accuracy tables with the binomial standard error, and
// claims as paired differences over seeds with their 95 % CI and the verdict rule of statistics.ts.

import type { Block, Section } from '../report/document.js';
import type { LinePlot } from '../report/svg.js';
import { pct, type Collector, type RunResult } from './experiment.js';
import { num } from './fields.js';
import { binomialStandardError, pairedDifference, verdict, VERDICT_RULE, type Verdict } from './statistics.js';

/** A least value a variant's runs must reach (e.g. clean test accuracy >= 0.85), checked in every run. */
export interface Floor {
  variant: string;
  /** A measure.ts source, e.g. `eval[0].accuracy.clean`. */
  source: string;
  min: number;
  label: string;
}

/** One side of a claim: a variant's value of a source, per seed. */
export interface ClaimSide {
  variant: string;
  source: string;
}

/** A claim of the study as a paired difference a − b over the seeds both sides ran. */
export interface Claim {
  statement: string;
  a: ClaimSide;
  b: ClaimSide;
  /** The sign the claim predicts for a − b. */
  expected: 'increase' | 'decrease';
  /** The least |a − b| that counts as support (0: any effect whose CI excludes 0). */
  minimalEffect?: number;
  format: (v: number) => string;
}

/** The verdict of one claim with the numbers behind it. */
export interface ClaimResult {
  claim: Claim;
  seeds: number[];
  mean: number;
  lo: number;
  hi: number;
  signs: string;
  verdict: Verdict;
}

const EVAL_ACCURACIES: Array<[string, string]> = [
  ['clean', 'clean'],
  ['PGD-20', 'pgd20'],
  ['worst case (AutoAttack-lite)', 'worst-case'],
];

/**
 * Clean, PGD-20 and worst-case test accuracy per variant: mean ± sd over seeds, each seed, and the binomial SE of the mean
 * accuracy on the test images; `record` names the eval record (e.g. `eval{bn=batch}[0]`: the evaluation with batch statistics).
 */
export function accuracySection(collect: Collector, variants: string[], title = 'Test accuracy', record = 'eval[0]'): Section {
  const rows = variants.map((v) => {
    const n = collect.over(v, `${record}.samples`).mean;
    return [
      v,
      Number.isFinite(n) ? String(n) : '-',
      ...EVAL_ACCURACIES.map(([, key]) => {
        const a = collect.over(v, `${record}.accuracy.${key}`);
        const se = Number.isFinite(a.mean) && n > 0 ? ` (SE ${pct(binomialStandardError(a.mean, n))})` : '';
        return `${collect.cell(v, `${record}.accuracy.${key}`, pct)}${se}`;
      }),
    ];
  });
  return {
    title,
    blocks: [
      {
        kind: 'text',
        text: 'Mean ± sample sd over seeds (each seed in brackets); SE: the binomial standard error √(p(1−p)/n) of the mean accuracy on n test images. The worst case counts an image only if it is correct clean and under every attack of the set (AutoAttack-lite: APGD-CE and APGD-T-DLR).',
      },
      { kind: 'table', columns: ['variant', 'test images', ...EVAL_ACCURACIES.map(([label]) => label)], rows },
    ],
  };
}

/** Every run of each floor's variant checked against it; missed floors are named in red. */
export function floorsSection(collect: Collector, floors: Floor[]): Section {
  const rows: string[][] = [];
  const missed: string[] = [];
  for (const f of floors) {
    const runs = collect.of(f.variant);
    const values = runs.map((r) => collect.one(r, f.source).value);
    const short = runs.filter((_, i) => !(values[i] >= f.min)).map((r) => `seed ${r.plan.seed}`);
    if (short.length > 0 || runs.length === 0)
      missed.push(`${f.variant}: ${f.label} < ${pct(f.min)} in ${runs.length === 0 ? 'every run (none finished)' : short.join(', ')}`);
    rows.push([
      f.variant,
      `${f.label} >= ${pct(f.min)}`,
      values.map(pct).join(', ') || '-',
      short.length === 0 && runs.length > 0 ? 'met' : 'MISSED',
    ]);
  }
  const blocks: Block[] = [
    {
      kind: 'text',
      text: "The accuracy each setting must reach for its comparisons to mean anything (a model that has not converged says nothing about the study's claims); checked in every run.",
    },
    { kind: 'table', columns: ['variant', 'floor', 'each seed', ''], rows },
  ];
  if (missed.length > 0)
    blocks.push({
      kind: 'alert',
      text: `Accuracy floors missed: ${missed.join('; ')}. Comparisons involving these runs are not evidence at the intended scale.`,
    });
  return { title: 'Accuracy floors', blocks };
}

/** The paired difference, 95 % CI and verdict of a claim over the seeds both of its sides ran. */
export function judgeClaim(collect: Collector, claim: Claim): ClaimResult {
  const bySeed = (side: ClaimSide) =>
    new Map(collect.of(side.variant).map((r: RunResult) => [r.plan.seed, collect.one(r, side.source).value]));
  const a = bySeed(claim.a);
  const b = bySeed(claim.b);
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  if (seeds.length === 0) return { claim, seeds, mean: NaN, lo: NaN, hi: NaN, signs: '', verdict: 'inconclusive' };
  const d = pairedDifference(
    seeds.map((s) => a.get(s)!),
    seeds.map((s) => b.get(s)!),
  );
  const signs = d.differences.map((x) => (x > 0 ? '+' : x < 0 ? '−' : '0')).join('');
  return { claim, seeds, mean: d.mean, lo: d.ci95.lo, hi: d.ci95.hi, signs, verdict: verdict(d, claim.expected, claim.minimalEffect ?? 0) };
}

/** The claims whose two variants both ran: a grid of chosen variants judges only its own claims. */
export const claimsAmong = (claims: Claim[], variants: string[]): Claim[] =>
  claims.filter((c) => variants.includes(c.a.variant) && variants.includes(c.b.variant));

/** A table of claims: a − b, its 95 % CI (t, df = seeds − 1), the sign per seed and the verdict by the stated rule. */
export function claimsSection(collect: Collector, claims: Claim[], title = 'Claims: paired differences over seeds'): Section {
  const results = claims.map((c) => judgeClaim(collect, c));
  const interval = (r: ClaimResult) =>
    Number.isFinite(r.lo) && Number.isFinite(r.hi) ? `[${r.claim.format(r.lo)}, ${r.claim.format(r.hi)}]` : 'needs >= 2 seeds';
  return {
    title,
    blocks: [
      {
        kind: 'text',
        text: `Each claim compares a with b on the same seeds (same data order and initialisation). Verdict rule: ${VERDICT_RULE}`,
      },
      {
        kind: 'table',
        columns: ['claim', 'a − b', 'predicted', 'mean a − b', '95% CI', 'sign per seed', 'seeds', 'verdict'],
        rows: results.map((r) => [
          r.claim.statement,
          `${r.claim.a.variant}:${r.claim.a.source} − ${r.claim.b.variant}:${r.claim.b.source}`,
          r.claim.expected,
          Number.isFinite(r.mean) ? r.claim.format(r.mean) : '-',
          interval(r),
          r.signs || '-',
          String(r.seeds.length),
          r.verdict,
        ]),
      },
    ],
  };
}

/** One line per variant: the mean over seeds of a kernel-record field at each check; every value also read through the collector. */
export function kernelCurvePlot(
  collect: Collector,
  variants: string[],
  field: string,
  title: string,
  yLabel: string,
  file: string,
  yScale: 'linear' | 'log' = 'linear',
): Block {
  const series = variants.map((v) => {
    const runs = collect.of(v);
    const fractions = [...new Set(runs.flatMap((r) => r.records.filter((k) => k.type === 'kernel').map((k) => num(k.epochFraction))))].sort(
      (a, b) => a - b,
    );
    const points = fractions
      .map((f): [number, number] => {
        const values = runs
          .map((r) => collect.one(r, `kernel{epochFraction=${f}}[0].${field}`).value)
          .filter((x) => Number.isFinite(x) && (yScale === 'linear' || x > 0));
        return [f, values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN];
      })
      .filter(([, y]) => Number.isFinite(y));
    return { name: `${v} (mean of ${runs.length} seeds)`, points, markers: true };
  });
  const plot: LinePlot = { title, xLabel: 'epoch', yLabel, series, yScale };
  return { kind: 'plot', file, plot };
}
