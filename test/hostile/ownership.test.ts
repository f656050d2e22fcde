// A run directory has one owner (issue 26, class 1): an empty --out or the root is refused; a fresh
// run into a directory that holds one is refused unless resumed or --overwrite; SIGTERM sent to the
// PID of `ntk-at run` takes its training child and both locks with it, and the rerun resumes; an
// experiment plan never replaces another experiment's plan silently.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectContiguousSteps, expectTyped, wholeLog } from './expect.js';
import { cli, snapshot } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-ownership-'));
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
const run = join(work, 'run');

beforeAll(async () => {
  const r = await cli(['train', ...TINY, '--out', run]);
  expect(r.code, r.err).toBe(0);
});

describe('one owner per run directory', () => {
  for (const out of ['', '/', '//./']) {
    it(`--out ${JSON.stringify(out)}: E_INVALID_ARGUMENT, exit 2, nothing written in the root`, async () => {
      const r = await cli(['train', ...TINY, '--out', out], { timeoutMs: 30_000 });
      expectTyped(r, 'E_INVALID_ARGUMENT', 2, /--out/);
      expect(existsSync('/config.json') || existsSync('/log.jsonl')).toBe(false);
    });
  }

  it('a second train into a finished run directory is refused (nothing changed); --overwrite replaces the run with one log', async () => {
    const before = snapshot(run);
    const r = await cli(['train', ...TINY, '--seed', '3', '--out', run], { timeoutMs: 60_000 });
    expectTyped(r, 'E_INVALID_ARGUMENT', 2, /holds a run already.*--resume.*--overwrite/);
    expect(snapshot(run)).toEqual(before);
    const over = await cli(['train', ...TINY, '--seed', '3', '--out', run, '--overwrite'], { timeoutMs: 60_000 });
    expect(over.code, over.err).toBe(0);
    const log = wholeLog(join(run, 'log.jsonl'));
    expect(log.filter((x) => x.type === 'config')).toHaveLength(1);
    expect((log[0].recipe as { training: { seed: number } }).training.seed).toBe(3);
    expectContiguousSteps(log);
  });

  it('SIGTERM to the PID of `ntk-at run` ends its training child and releases both locks; the rerun resumes and finishes', async () => {
    const plan = join(work, 'plan');
    mkdirSync(join(plan, 'runs'), { recursive: true });
    const recipe = {
      data: { dataset: 'synthetic-clusters', trainSize: 200, validationSize: 0, testSize: 50 },
      model: { kind: 'mlp', hidden: [8] },
      training: { method: 'standard', epochs: 40, batchSize: 50, schedule: 'constant', logEvery: 1 },
      evaluation: { threats: ['clean'] },
    };
    writeFileSync(
      join(plan, 'runs', '0.json'),
      JSON.stringify({ experiment: 'hand', index: 0, id: 'long', variant: 'long', seed: 0, recipe, dir: 'long' }),
    );
    const dir = join(plan, 'long');
    let signal: ((s: NodeJS.Signals) => void) | null = null;
    let sent = false;
    const poll = setInterval(() => {
      if (!sent && signal && existsSync(join(dir, 'checkpoint.safetensors'))) {
        sent = true;
        signal('SIGTERM'); // to the CLI's own PID only, as a supervisor does
      }
    }, 50);
    const r = await cli(['run', join(plan, 'runs', '0.json')], {
      timeoutMs: 120_000,
      onStart: (_group, one) => {
        signal = one;
      },
    });
    clearInterval(poll);
    expect(sent, 'the run never wrote a checkpoint').toBe(true);
    expect(r.timedOut, r.err).toBe(false);
    expect(r.code, r.err).not.toBe(0);
    // The training child ends with its parent: its lock is gone within seconds (a live child would hold it until its 40 epochs end).
    for (let i = 0; i < 100 && (existsSync(join(dir, 'train.lock')) || existsSync(join(dir, 'run.lock'))); i++)
      await new Promise((w) => setTimeout(w, 50));
    expect(existsSync(join(dir, 'train.lock')), 'the training child outlived `ntk-at run` (or left its lock)').toBe(false);
    expect(existsSync(join(dir, 'run.lock')), '`ntk-at run` left its lock').toBe(false);
    const again = await cli(['run', join(plan, 'runs', '0.json')], { timeoutMs: 180_000 });
    expect(again.code, again.err + readFileSync(join(dir, 'output.txt'), 'utf8').slice(-2000)).toBe(0);
    expect(again.err).toMatch(/resuming from/);
    const log = wholeLog(join(dir, 'log.jsonl'));
    expectContiguousSteps(log);
    expect(log.filter((x) => x.type === 'eval')).toHaveLength(1);
  });

  it("experiment plan into another experiment's plan directory is refused, nothing replaced; --overwrite replaces it", async () => {
    const dir = join(work, 'planned');
    const first = await cli(['experiment', 'plan', 'bn-estimators', '--out', dir, '--seeds', '1'], { timeoutMs: 60_000 });
    expect(first.code, first.err).toBe(0);
    const before = snapshot(dir);
    const second = await cli(['experiment', 'plan', 'co-calibration', '--out', dir, '--seeds', '1'], { timeoutMs: 60_000 });
    expectTyped(second, 'E_INVALID_ARGUMENT', 2, /holds the plan of experiment bn-estimators.*--overwrite/);
    expect(snapshot(dir)).toEqual(before);
    const same = await cli(['experiment', 'plan', 'bn-estimators', '--out', dir, '--seeds', '1'], { timeoutMs: 60_000 });
    expect(same.code, same.err).toBe(0); // the same plan again is no conflict
    const over = await cli(['experiment', 'plan', 'co-calibration', '--out', dir, '--seeds', '1', '--overwrite'], { timeoutMs: 60_000 });
    expect(over.code, over.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).experiment).toBe('co-calibration');
  });
});
