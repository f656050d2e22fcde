// Two `train` processes on one --out: the second, started while the first is frozen mid-run, is
// refused with E_RUN_LOCKED naming the holder and writes nothing; the first's config, log and
// checkpoint are one run's (equal to a run alone). A lock or temporary left by a dead process, a
// zombie (exited, never reaped, as under many containers' pid 1) included, is taken over or removed.
// Two `experiment` grids on one --out: the second is refused the same way while the first runs.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/platform/node.js';
import type { LogRecord } from '../../src/io/runlog.js';
import { expectContiguousSteps, expectTyped, wholeLog } from './expect.js';
import { cli, snapshot, type Finished } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ARGS = [
  'train',
  '--dataset',
  'synthetic-clusters',
  '--train-size',
  '200',
  '--val-size',
  '0',
  '--test-size',
  '50',
  '--hidden',
  '16',
  '--epochs',
  '3',
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

/** Step, epoch and evaluation records without wall-clock fields and paths, which differ between equal runs in two directories. */
const measured = (records: LogRecord[]) =>
  records
    .filter((r) => ['step', 'epoch', 'eval'].includes(r.type))
    .map(({ t: _t, seconds: _s, imagesPerSecond: _i, checkpoint: _c, ...rest }) => rest);

describe('two train processes on one run directory', () => {
  const reference = join(work, 'reference');
  beforeAll(async () => {
    const r = await cli([...ARGS, '--out', reference], { timeoutMs: 120_000 });
    expect(r.code, r.err).toBe(0);
  });

  it("the second (another seed) is refused with E_RUN_LOCKED while the first runs; the first's files are one run's", async () => {
    const dir = join(work, 'shared');
    let second: Finished | null = null;
    let during: Record<string, string> = {};
    const first = await cli([...ARGS, '--out', dir], {
      timeoutMs: 180_000,
      pause: {
        when: (err) => /epoch 1\/3 .*img\/s/.test(err), // the first has written its config, log and a checkpoint
        then: async () => {
          during = snapshot(dir);
          second = await cli([...ARGS, '--seed', '7', '--out', dir], { timeoutMs: 120_000 });
          expect(snapshot(dir)).toEqual(during); // the refused run wrote nothing
        },
      },
    });
    expect(second, 'the second run was never started').not.toBeNull();
    expectTyped(second as unknown as Finished, 'E_RUN_LOCKED', 1, new RegExp(`train\\.lock is held by ${hostname()} \\d+`));
    expect(
      Object.keys(during).some((p) => p.endsWith('train.lock')),
      'no lock file while the first run wrote',
    ).toBe(true);
    expect(first.code, first.err).toBe(0);
    expect(existsSync(join(dir, 'train.lock')), 'the lock outlived its run').toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).recipe.training.seed).toBe(0);
    const log = wholeLog(join(dir, 'log.jsonl'));
    expect(log.filter((r) => r.type === 'config')).toHaveLength(1);
    expectContiguousSteps(log);
    expect(measured(log)).toEqual(measured(wholeLog(join(reference, 'log.jsonl'))));
    expect(readFileSync(join(dir, 'checkpoint.safetensors')).equals(readFileSync(join(reference, 'checkpoint.safetensors')))).toBe(true);
  });

  it('a lock left by a dead process of this host is taken over: the run goes on, and removes it at its end', async () => {
    const dir = join(work, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.lock'), `${hostname()} 2147483646\n`); // no such process
    const r = await cli([...ARGS, '--epochs', '1', '--out', dir], { timeoutMs: 120_000 });
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(dir, 'train.lock'))).toBe(false);
  });

  it('a lock held on another host is never taken over: E_RUN_LOCKED naming it and how to clear it, nothing written', async () => {
    const dir = join(work, 'elsewhere');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.lock'), 'another-host 1234\n');
    const before = snapshot(dir);
    const r = await cli([...ARGS, '--epochs', '1', '--out', dir], { timeoutMs: 120_000 });
    expectTyped(r, 'E_RUN_LOCKED', 1, /held by another-host 1234.*delete the lock file/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a lock and a temporary left by a zombie (a killed run its parent never reaped) are taken over and removed', async () => {
    // `sleep` (exec'd by bash) never waits for bash's finished child: that child stays a zombie while sleep runs.
    // The child exits only after a pause, so that bash has exec'd sleep by then (bash itself would reap it).
    const parent = spawn('bash', ['-c', 'sh -c "sleep 0.3; exit 0" & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d).trim()))));
      const state = () => readFileSync(`/proc/${zombie}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      for (let i = 0; i < 200 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(state(), 'no zombie to test with').toBe('Z');
      const dir = join(work, 'zombie');
      mkdirSync(dir);
      writeFileSync(join(dir, 'train.lock'), `${hostname()} ${zombie}\n`);
      const temporary = join(dir, `config.json.tmp-${zombie}-abc123`);
      writeFileSync(temporary, '{"cut');
      const lock = await nodePlatform.cli.lockFile!(join(dir, 'train.lock'));
      expect(lock.held, "the zombie's lock was not taken over: a killed run could never be resumed").toBe(true);
      expect(readFileSync(join(dir, 'train.lock'), 'utf8')).toBe(`${hostname()} ${process.pid}\n`);
      await nodePlatform.writeFileAtomic(join(dir, 'config.json'), new TextEncoder().encode('{}\n'));
      expect(existsSync(temporary), "the zombie's temporary was not removed").toBe(false);
      if (lock.held) await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('two experiment processes on one --out', () => {
  it('the second is refused with E_RUN_LOCKED while the first runs its grid, writing nothing; the first finishes with one report', async () => {
    const dir = join(work, 'grid');
    const config = join(work, 'grid-tiny.json');
    const recipe = {
      data: { dataset: 'synthetic-clusters', trainSize: 40, validationSize: 20, testSize: 20 },
      model: { hidden: [16] },
      training: { epochs: 2, batchSize: 20, logEvery: 1 },
      ntk: { probePerClass: 1, regressionPerClass: 1 },
      evaluation: { threats: ['clean'] },
    };
    writeFileSync(config, JSON.stringify({ recipe }));
    const grid = ['experiment', 'kernel-dynamics', '--seeds', '1', '--config', config, '--out', dir];
    let second: Finished | null = null;
    let during: Record<string, string> = {};
    const first = await cli(grid, {
      timeoutMs: 180_000,
      pause: {
        when: (err) => /kernel-dynamics: 2 runs, 0 finished before, 2 to run/.test(err), // the first holds the lock and has planned its runs
        then: async () => {
          during = snapshot(dir);
          second = await cli(grid, { timeoutMs: 120_000 });
          expect(snapshot(dir)).toEqual(during); // the refused grid wrote nothing
        },
      },
    });
    expect(second, 'the second grid was never started').not.toBeNull();
    expectTyped(second as unknown as Finished, 'E_RUN_LOCKED', 1, new RegExp(`train\\.lock is held by ${hostname()} \\d+`));
    expect(first.code, first.err).toBe(0);
    expect(existsSync(join(dir, 'train.lock')), 'the lock outlived its grid').toBe(false);
    for (const run of ['standard/seed0', 'pgd/seed0']) {
      const log = wholeLog(join(dir, run, 'log.jsonl'));
      expect(
        log.filter((r) => r.type === 'config'),
        run,
      ).toHaveLength(1); // one run's log, not two interleaved
      expectContiguousSteps(log);
    }
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
  });
});
