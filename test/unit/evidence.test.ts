// Report evidence on synthetic run logs: the claim verdict follows the paired 95 % CI (a clear effect
// supports, no effect is inconclusive, a reversed effect contradicts), floors are checked per run and
// a miss is flagged, and the derived kernel quantities (stage velocity, matched loss) read the log.

import { describe, expect, it } from 'vitest';
import { accuracySection, claimsSection, floorsSection, judgeClaim, type Claim } from '../../src/experiments/evidence.js';
import { Collector, pct, type RunResult } from '../../src/experiments/experiment.js';
import {
  coCriterionEpoch,
  distanceAtLoss,
  epochAtLoss,
  kernelRegressionEpoch,
  stageVelocity,
  validationPgd,
} from '../../src/experiments/measure.js';
import type { LogRecord } from '../../src/io/runlog.js';
import { resolveRecipe } from '../../src/run/recipe.js';

/** A finished run of `variant` and `seed` whose final evaluation has these accuracies. */
function run(variant: string, seed: number, accuracy: Record<string, number>, extra: LogRecord[] = []): RunResult {
  const records: LogRecord[] = [{ type: 'config' }, ...extra, { type: 'eval', samples: 1000, accuracy }];
  return { plan: { id: `${variant}/seed${seed}`, variant, seed, recipe: resolveRecipe({}) }, dir: `${variant}/seed${seed}`, records };
}

/** Five seeds of a control and a variant whose PGD accuracy differs from it by `shift(seed)`. */
function grid(shift: (seed: number) => number): Collector {
  const base = [0.5, 0.53, 0.48, 0.51, 0.55];
  return new Collector(
    base.flatMap((b, seed) => [
      run('control', seed, { clean: 0.8, pgd20: b }),
      run('variant', seed, { clean: 0.8, pgd20: b + shift(seed) }),
    ]),
  );
}

const CLAIM: Claim = {
  statement: 'the variant is more robust',
  a: { variant: 'variant', source: 'eval[0].accuracy.pgd20' },
  b: { variant: 'control', source: 'eval[0].accuracy.pgd20' },
  expected: 'increase',
  format: pct,
};

describe('claims on synthetic logs', () => {
  it('a clear effect supports the claim', () => {
    const r = judgeClaim(
      grid((s) => 0.05 + [0.004, -0.003, 0.002, -0.001, 0.001][s]),
      CLAIM,
    );
    expect(r.verdict).toBe('supports');
    expect(r.signs).toBe('+++++');
    expect(r.seeds).toEqual([0, 1, 2, 3, 4]);
    expect(r.mean).toBeCloseTo(0.0506, 10);
    expect(r.lo).toBeGreaterThan(0.04);
  });

  it('no effect is inconclusive', () => {
    const r = judgeClaim(
      grid((s) => [0.02, -0.015, 0.005, -0.02, 0.01][s]),
      CLAIM,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.lo).toBeLessThan(0);
    expect(r.hi).toBeGreaterThan(0);
  });

  it('a reversed effect contradicts it', () => {
    const r = judgeClaim(
      grid((s) => -0.04 + [0.01, -0.01, 0.005, 0, -0.005][s]),
      CLAIM,
    );
    expect(r.verdict).toBe('contradicts');
    expect(r.signs).toBe('−−−−−');
  });

  it('pairs only the seeds both sides ran, and says so', () => {
    const collect = new Collector([
      run('control', 0, { pgd20: 0.5 }),
      run('control', 1, { pgd20: 0.5 }),
      run('variant', 1, { pgd20: 0.6 }),
    ]);
    const r = judgeClaim(collect, CLAIM);
    expect(r.seeds).toEqual([1]);
    expect(r.verdict).toBe('inconclusive'); // one pair has no interval
    const table = claimsSection(collect, [CLAIM]).blocks.find((b) => b.kind === 'table');
    expect(table && table.kind === 'table' && table.rows[0][4]).toBe('needs >= 2 seeds');
  });
});

describe('floors and accuracy tables', () => {
  it('flags a floor that one seed misses, by variant and seed', () => {
    const collect = grid((s) => (s === 3 ? -0.1 : 0.02));
    const section = floorsSection(collect, [
      { variant: 'control', source: 'eval[0].accuracy.pgd20', min: 0.45, label: 'PGD-20' },
      { variant: 'variant', source: 'eval[0].accuracy.pgd20', min: 0.45, label: 'PGD-20' },
    ]);
    const table = section.blocks.find((b) => b.kind === 'table');
    expect(table && table.kind === 'table' && table.rows.map((r) => r[3])).toEqual(['met', 'MISSED']);
    const alert = section.blocks.find((b) => b.kind === 'alert');
    expect(alert && alert.kind === 'alert' && alert.text).toMatch(/variant: PGD-20 < 45\.0% in seed 3/);
  });

  it('gives the binomial standard error of the mean accuracy', () => {
    const collect = new Collector([run('a', 0, { clean: 0.9, pgd20: 0.5, 'worst-case': 0.5 })]);
    const table = accuracySection(collect, ['a']).blocks.find((b) => b.kind === 'table');
    expect(table && table.kind === 'table' && table.rows[0]).toEqual([
      'a',
      '1000',
      '90.0% (SE 0.9%)',
      '50.0% (SE 1.6%)',
      '50.0% (SE 1.6%)',
    ]);
  });
});

describe('derived kernel quantities', () => {
  const epochs = [0.05, 0.05, 0.005, 0.0005].map((lr, e) => ({ type: 'epoch', epoch: e, lr, trainLoss: 1 - e / 10 }));
  const kernels = [0, 0.5, 1, 2, 3, 4].map((f, i) => ({
    type: 'kernel',
    epochFraction: f,
    velocity: [NaN, 9, 9, 0.4, 0.2, 0.1][i],
    distanceToInit: f / 10,
  }));
  const steps = [
    [0.5, 2.0],
    [1, 1.4],
    [1.5, 1.2],
    [2.5, 0.9],
  ].map(([f, loss]) => ({ type: 'step', epochFraction: f, loss }));
  const records = [...epochs, ...kernels, ...steps] as LogRecord[];

  it('averages the velocity of the whole-epoch checks of each lr stage, leaving out the first epoch', () => {
    expect(stageVelocity(records, 1)).toBeCloseTo(0.4, 12); // check at epoch 2 ends epoch index 1 (lr 0.05)
    expect(stageVelocity(records, 2)).toBeCloseTo(0.2, 12);
    expect(stageVelocity(records, 3)).toBeCloseTo(0.1, 12);
    expect(stageVelocity(records, 4)).toBeNaN();
  });

  it('finds where the training loss first reaches a level and the kernel check from there on', () => {
    expect(epochAtLoss(records, 1.3)).toBe(1.5);
    expect(distanceAtLoss(records, 1.3)).toBeCloseTo(0.2, 12); // first check at or after 1.5: epoch 2
    expect(epochAtLoss(records, 0.5)).toBeNaN();
    expect(distanceAtLoss(records, 0.5)).toBeNaN();
  });

  it('finds the first check at which the kernel machine reaches a fraction of its last accuracy', () => {
    const regression = (epochFraction: number, clean: number): LogRecord => ({
      type: 'kernel',
      epochFraction,
      regression: { kernel: { clean } },
    });
    const log = [regression(0, 0.3), regression(0.5, 0.6), regression(1, 0.75), regression(2, 0.8)];
    expect(kernelRegressionEpoch(log, 0.9)).toBe(1); // 0.75 >= 0.9 × 0.8 = 0.72
    expect(kernelRegressionEpoch(log, 0.7)).toBe(0.5);
    expect(kernelRegressionEpoch(records, 0.9)).toBeNaN(); // no regression metric in the log
  });
});

describe('the CO criterion on a run log', () => {
  const epochLog = (pgd: number[], fgsm: number[]) =>
    pgd.map((p, e) => ({ type: 'epoch', epoch: e, validation: { accuracy: { clean: 0.8, fgsm: fgsm[e], pgd10: p } } })) as LogRecord[];

  it('finds the epoch where validation PGD accuracy collapses while FGSM accuracy rises', () => {
    const records = epochLog([0.3, 0.4, 0.42, 0.05, 0.02], [0.5, 0.55, 0.56, 0.8, 0.9]);
    expect(coCriterionEpoch(records)).toBe(4);
    expect(validationPgd(records, -1)).toBe(0.02);
    expect(validationPgd(records, 2)).toBe(0.4);
  });

  it('stays quiet for a model that never became robust', () => {
    expect(coCriterionEpoch(epochLog([0.02, 0.05, 0.01, 0.04, 0.0], [0.1, 0.2, 0.15, 0.2, 0.25]))).toBeNaN();
  });
});
