// Every failure is typed (issue 26, class 4): a dangling or looping symlink as --out, a config nested
// 100,000 deep, a full kernel too large to allocate, a damaged run.json, and library entry points
// given wrong types each end in an NtkError with its code, never an unhandled rejection or a
// RangeError, TypeError or SyntaxError (the suite's setup also fails any case whose child crashed).

import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { runRecipe } from '../../src/run/orchestrator.js';
import { expectTyped } from './expect.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-typed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = [
  '--dataset',
  'synthetic-clusters',
  '--train-size',
  '100',
  '--val-size',
  '0',
  '--test-size',
  '50',
  '--hidden',
  '8',
  '--epochs',
  '1',
  '--batch-size',
  '50',
  '--method',
  'standard',
  '--threats',
  'clean',
  '--log-every',
  '1',
  '--schedule',
  'constant',
];
const TINY_RECIPE = {
  data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 0, testSize: 50 },
  model: { kind: 'mlp', hidden: [8] },
  training: { method: 'standard', epochs: 1, batchSize: 50, schedule: 'constant', logEvery: 1 },
  evaluation: { threats: ['clean'] },
};
const big = join(work, 'big');

beforeAll(async () => {
  const r = await cli(['train', ...TINY, '--test-size', '10000', '--out', big]); // 1,000 test images per class: a 10,000-probe kernel
  expect(r.code, r.err).toBe(0);
});

describe('every failure typed', () => {
  it('--out a dangling symlink: E_IO, exit 1', async () => {
    const out = join(work, 'dangling');
    symlinkSync(join(work, 'nowhere'), out);
    expectTyped(await cli(['train', ...TINY, '--out', out], { timeoutMs: 60_000 }), 'E_IO', 1, /dangling/);
  });

  it('--out a symlink loop: E_IO, exit 1', async () => {
    symlinkSync(join(work, 'loop-b'), join(work, 'loop-a'));
    symlinkSync(join(work, 'loop-a'), join(work, 'loop-b'));
    expectTyped(await cli(['train', ...TINY, '--out', join(work, 'loop-a')], { timeoutMs: 60_000 }), 'E_IO', 1, /loop-a/);
  });

  it('a config nested 100,000 deep: E_INVALID_ARGUMENT naming the depth, exit 2', async () => {
    const file = join(work, 'deep.json');
    writeFileSync(file, `${'{"model":'.repeat(100_000)}{}${'}'.repeat(100_000)}`);
    expectTyped(
      await cli(['train', '--config', file, '--out', join(work, 'deep')], { timeoutMs: 30_000 }),
      'E_INVALID_ARGUMENT',
      2,
      /nest deeper than 32/,
    );
    expect(existsSync(join(work, 'deep'))).toBe(false);
  });

  it('a full kernel of 10,000 probes: E_RESOURCE_LIMIT saying what fits, exit 1, no RangeError', async () => {
    const r = await cli(
      ['ntk', '--checkpoint', join(big, 'checkpoint.safetensors'), '--kind', 'full', '--probe-per-class', '1000', '--out', join(work, 'k')],
      { timeoutMs: 60_000 },
    );
    expectTyped(r, 'E_RESOURCE_LIMIT', 1, /100000 x 100000 kernel.*at most 11584 rows/);
    expect(r.err).not.toMatch(/RangeError/);
  });

  it('a damaged run.json of a planned task: E_DATA_FORMAT naming it, exit 1', async () => {
    const plan = join(work, 'plan');
    mkdirSync(join(plan, 'runs'), { recursive: true });
    writeFileSync(
      join(plan, 'runs', '0.json'),
      JSON.stringify({ experiment: 'hand', index: 0, id: 't', variant: 't', seed: 0, recipe: TINY_RECIPE, dir: 't' }),
    );
    cpSync(big, join(plan, 't'), { recursive: true });
    writeFileSync(join(plan, 't', 'run.json'), '{"id": "t", "recipe": {');
    expectTyped(await cli(['run', join(plan, 'runs', '0.json')], { timeoutMs: 60_000 }), 'E_DATA_FORMAT', 1, /run\.json is damaged/);
  });

  const wrong: Array<[string, Record<string, unknown>, RegExp]> = [
    ['outDir: 42', { outDir: 42 }, /"outDir" must name a directory/],
    ['outDir: ""', { outDir: '' }, /"outDir" must name a directory/],
    ['resume: 7', { resume: 7 }, /"resume" must be a checkpoint path/],
    ['onEvent: "log"', { onEvent: 'log' }, /"onEvent" must be a function/],
    ['overwrite: "yes"', { overwrite: 'yes' }, /"overwrite" must be true or false/],
  ];
  for (const [name, options, message] of wrong) {
    it(`runRecipe(recipe, { ${name} }): E_INVALID_ARGUMENT before anything is written`, async () => {
      const cwd = process.cwd();
      process.chdir(work);
      try {
        const error = await runRecipe(TINY_RECIPE, options as never).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(NtkError);
        expect((error as NtkError).code).toBe('E_INVALID_ARGUMENT');
        expect((error as NtkError).message).toMatch(message);
        expect(existsSync(join(work, '42'))).toBe(false);
      } finally {
        process.chdir(cwd);
      }
    });
  }

  it('runRecipe(recipe, null): E_INVALID_ARGUMENT, not a TypeError', async () => {
    const error = await runRecipe(TINY_RECIPE, null as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NtkError);
    expect((error as NtkError).code).toBe('E_INVALID_ARGUMENT');
  });
});
