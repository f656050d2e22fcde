// Every run records the code version it ran with (package version, build commit, dirty flag); an
// experiment names it in its report and refuses a grid whose runs come from different versions
// (E_MIXED_VERSIONS, nothing written) unless --mixed-versions allows it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runExperiment, type ExperimentOptions } from '../../src/experiments/runner.js';
import { nodePlatform } from '../../src/platform/node.js';
import { codeVersion, formatCodeVersion } from '../../src/run/provenance.js';
import type { PartialRecipe } from '../../src/run/recipe.js';
import { inProcessLaunch } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-versions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY: PartialRecipe = {
  data: { dataset: 'synthetic-clusters', trainSize: 40, validationSize: 20, testSize: 20 },
  training: { batchSize: 20, epochs: 1, attack: { steps: 1 } },
  model: { hidden: [8] },
  ntk: { probePerClass: 1, regressionPerClass: 1 },
  evaluation: { threats: ['clean'] },
};
const options = (out: string, mixedVersions = false): ExperimentOptions => ({
  scale: 'small',
  seeds: 2,
  jobs: 1,
  out,
  config: { recipe: TINY, variants: ['standard'] },
  mixedVersions,
});

it('records the code version in every run, names it in the report, and refuses a mixed grid unless allowed', async () => {
  const out = join(dir, 'grid');
  await runExperiment('kernel-dynamics', options(out), nodePlatform, inProcessLaunch);
  const here = formatCodeVersion(codeVersion());
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`Code: ${here} (all 2 runs)`);
  const config = JSON.parse(readFileSync(join(out, 'standard/seed0/config.json'), 'utf8'));
  expect(config.code).toEqual(codeVersion());

  // seed 1 now claims another commit: the grid mixes two versions
  const log = join(out, 'standard/seed1/log.jsonl');
  const lines = readFileSync(log, 'utf8').split('\n');
  const other = { ...codeVersion(), commit: '0123456789abcdef0123456789abcdef01234567', dirty: false };
  lines[0] = JSON.stringify({ ...JSON.parse(lines[0]), code: other });
  writeFileSync(log, lines.join('\n'));
  rmSync(join(out, 'report.md'));
  const refused = await runExperiment('kernel-dynamics', { ...options(out), partial: true }, nodePlatform, inProcessLaunch).catch((e) => e);
  expect(refused.code).toBe('E_MIXED_VERSIONS');
  expect(refused.message).toContain('commit 0123456789ab');
  expect(() => readFileSync(join(out, 'report.md'))).toThrow(); // nothing written

  await runExperiment('kernel-dynamics', { ...options(out, true), partial: true }, nodePlatform, inProcessLaunch);
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(
    /Code: .*\(standard\/seed0\); ntk-at .*commit 0123456789ab \(standard\/seed1\)/,
  );
});
