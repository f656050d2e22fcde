// The experiments at a tiny budget on synthetic data (runs in-process through the CLI's train
// command): each writes a report whose every number is found again in the run logs on disk, the
// cost counter matches the method's pass count, and a restarted experiment redoes only the runs
// that had not finished.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregate, lookup, trainingPasses, type Measured } from '../../src/experiments/measure.js';
import { planExperiment, runExperiment, type ExperimentOptions } from '../../src/experiments/runner.js';
import { EXPERIMENTS } from '../../src/experiments/table.js';
import { nodePlatform } from '../../src/platform/node.js';
import { parseRunLog } from '../../src/io/runlog.js';
import type { PartialRecipe } from '../../src/run/recipe.js';
import { inProcessLaunch } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-experiments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY: PartialRecipe = {
  data: { dataset: 'synthetic-clusters', trainSize: 40, validationSize: 20, testSize: 20 },
  training: { batchSize: 20, epochs: 2, logEvery: 1, attack: { steps: 2 } },
  model: { hidden: [16] },
  ntk: { probePerClass: 1, regressionPerClass: 1 },
  evaluation: { threats: ['clean', 'fgsm', 'pgd20'] },
};

/** Variants the tiny runs cover (all of kernel-dynamics; a subset of the larger grids to keep the test short). */
const TESTED: Record<string, string[] | undefined> = {
  'bn-estimators': ['batch4-unbiased', 'batch4-biased', 'batch8-biased'],
  normalization: ['norm-on', 'norm-off', 'norm-on-eps-normalized'],
  'bn-control': ['adversarial-stats-unbiased', 'clean-stats-unbiased'],
  'kernel-warmup': ['pgd', 'n-fgsm', 'fixed-30', 'kernel-rule'],
  'co-spectrum': ['fgsm', 'aniso-gradient', 'aniso-monitor', 'pgd'],
  'co-calibration': ['mlp-cyclic-eps0.3-fgsm', 'mlp-cyclic-eps0.3-fgsm-rs-2'],
};

function options(out: string, seeds: number, variants?: string[]): ExperimentOptions {
  return { scale: 'small', seeds, jobs: 1, out, config: { recipe: TINY, ...(variants ? { variants } : {}) } };
}

const logOf = (out: string, run: string) => parseRunLog(readFileSync(join(out, run, 'log.jsonl'), 'utf8'));

/** Every number of report.json is the value its source gives in its run's log on disk; aggregates are the mean of their values. */
function checkTraceable(out: string): void {
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    runs: Array<{ id: string; log: string }>;
    measured: Measured[];
    aggregates: Array<{ mean: number | null; values: Measured[] }>;
  };
  const ids = new Set(report.runs.map((r) => r.id));
  expect(report.measured.length).toBeGreaterThan(0);
  for (const m of [...report.measured, ...report.aggregates.flatMap((a) => a.values)]) {
    expect(ids.has(m.run), m.run).toBe(true);
    const again = lookup(logOf(out, m.run), m.source);
    const value = m.value ?? NaN; // JSON writes NaN (not measured, e.g. no CO) as null
    expect(Number.isNaN(value) ? Number.isNaN(again) : again === value, `${m.run} ${m.source}`).toBe(true);
  }
  for (const a of report.aggregates) {
    const mean = aggregate(a.values.map((v) => ({ ...v, value: v.value ?? NaN }))).mean;
    expect(a.mean === null ? Number.isNaN(mean) : Math.abs(a.mean - mean) < 1e-12).toBe(true);
  }
}

describe('experiments', () => {
  it('plans variants x seeds as resolved recipes and rejects unknown names, variants and recipe fields before writing anything', () => {
    const plans = planExperiment('kernel-warmup', options(join(dir, 'never'), 3));
    expect(plans).toHaveLength(EXPERIMENTS['kernel-warmup'].variants({ scale: 'small', seeds: 3 }).length * 3);
    expect(plans.map((p) => [p.seed, p.recipe.training.seed, p.recipe.data.seed])).toEqual(plans.map((p) => [p.seed, p.seed, p.seed]));
    expect(plans.find((p) => p.variant === 'pgd-budget')?.recipe.training).toMatchObject({ method: 'pgd', epochs: 19, batchSize: 20 }); // the variant over the config over the base
    expect(() => planExperiment('nope', options(join(dir, 'never'), 1))).toThrow(/does not exist/);
    expect(() => planExperiment('co-spectrum', { ...options(join(dir, 'never'), 1), config: { variants: ['fgsm', 'bogus'] } })).toThrow(
      /bogus/,
    );
    expect(() =>
      planExperiment('co-spectrum', {
        ...options(join(dir, 'never'), 1),
        config: { recipe: { training: { noSuchField: 1 } } as PartialRecipe },
      }),
    ).toThrow(/run fgsm\/seed0: .*training\.noSuchField/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    const bn = planExperiment('bn-estimators', { ...options(join(dir, 'never'), 1), config: {} });
    expect(bn.map((p) => p.variant)).toEqual([4, 8, 32, 128].flatMap((b) => [`batch${b}-unbiased`, `batch${b}-biased`]));
    // the same number of steps at every batch size: epochs × (16,000 images / batch) = 4,000
    for (const p of bn) {
      expect(p.recipe.training.epochs * (p.recipe.data.trainSize / p.recipe.training.batchSize)).toBe(4000);
    }
  });

  for (const name of Object.keys(EXPERIMENTS)) {
    it(`${name} runs end to end at a tiny budget; every reported number is in a run log`, async () => {
      const out = join(dir, name);
      const seeds = name === 'kernel-dynamics' ? 2 : 1;
      const variants = TESTED[name];
      const result = await runExperiment(name, options(out, seeds, variants), nodePlatform, inProcessLaunch);
      expect(result.runs.length).toBe((variants ?? EXPERIMENTS[name].variants({ scale: 'small', seeds })).length * seeds);
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain(`# Experiment ${name}`);
      expect(md).toContain('## About this experiment');
      expect(md).toContain('## Runs');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
      checkTraceable(out);
      if (name === 'bn-estimators') {
        // the running-buffer vs batch-statistics kernel distance, per run
        const measured = (
          JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { measured: Array<{ source: string; value: number | null }> }
        ).measured;
        const distances = measured.filter((m) => m.source === 'bn-kernel[0].distance').map((m) => m.value);
        expect(distances).toHaveLength(result.runs.length);
        for (const d of distances) expect(d).toBeGreaterThan(0);
      }
    }, 900_000);
  }

  it('counts training cost in passes: clean 1, PGD-k k+1 per image, and a switch splits the run; only the kernel rule checks the kernel, up to its switch', () => {
    const out = join(dir, 'kernel-warmup');
    const [trainSize, epochs, pgdSteps] = [40, 2, 2]; // TINY's
    const images = trainSize * epochs;
    const pgd = logOf(out, 'pgd/seed0');
    expect(trainingPasses(pgd)).toBe(images * (pgdSteps + 1));
    const switched = logOf(out, 'fixed-30/seed0');
    const at = lookup(switched, 'derived:switchEpoch');
    expect(at).toBe(1); // cap 30 % of 2 epochs: the first step at or past epoch 0.6 (2 steps per epoch) starts epoch 1
    expect(trainingPasses(switched)).toBe(trainSize * (1 + (pgdSteps + 1)));
    for (const log of [pgd, switched]) expect(log.filter((r) => r.type === 'kernel')).toEqual([]); // no kernel cost
    const rule = logOf(out, 'kernel-rule/seed0');
    const ruleSwitch = rule.find((r) => r.type === 'event' && r.event === 'switch');
    const checks = rule.filter((r) => r.type === 'kernel').map((r) => r.step as number);
    expect(checks.length).toBeGreaterThan(0);
    expect(Math.max(...checks)).toBeLessThanOrEqual(ruleSwitch?.step as number);
    const dyn = join(dir, 'kernel-dynamics');
    expect(trainingPasses(logOf(dyn, 'standard/seed1'))).toBe(images);
  });

  it('a restarted experiment redoes only the runs that had not finished', async () => {
    const out = join(dir, 'kernel-dynamics');
    const interrupted = join(out, 'pgd/seed1/log.jsonl');
    const lines = readFileSync(interrupted, 'utf8')
      .split('\n')
      .filter((l) => l && !/"type":"(eval|event)"/.test(l));
    writeFileSync(interrupted, `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n`); // cut mid-run, no final records
    const untouched = readFileSync(join(out, 'standard/seed0/log.jsonl'), 'utf8');
    const partial = await runExperiment('kernel-dynamics', { ...options(out, 2), partial: true }, nodePlatform, inProcessLaunch);
    expect(partial.started).toEqual([]);
    expect(partial.runs.map((r) => r.plan.id)).not.toContain('pgd/seed1');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).missing).toEqual(['pgd/seed1']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('PARTIAL REPORT');
    const result = await runExperiment('kernel-dynamics', options(out, 2), nodePlatform, inProcessLaunch);
    expect(result.started).toEqual(['pgd/seed1']);
    expect(readFileSync(join(out, 'standard/seed0/log.jsonl'), 'utf8')).toBe(untouched);
    const redone = logOf(out, 'pgd/seed1');
    expect(redone.filter((r) => r.type === 'config')).toHaveLength(1); // a fresh log, not appended to the cut one
    expect(redone.some((r) => r.type === 'eval')).toBe(true);
    checkTraceable(out);
    const again = await runExperiment('kernel-dynamics', options(out, 2), nodePlatform, inProcessLaunch);
    expect(again.started).toEqual([]);
  }, 900_000);
});
