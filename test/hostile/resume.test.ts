// Kill and resume: a run SIGKILLed at random points (several seeds) and resumed from its last
// checkpoint ends with the same checkpoint bytes and the same log records as an uninterrupted run,
// NTK metrics included (through the library and the CLI), with no duplicate step records; Ctrl-C
// prints the exact resume command.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.js';
import { parseRunLog, type LogRecord } from '../../src/io/runlog.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { cli, runNode } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const NTK_RUN = new URL('./ntk-run.mjs', import.meta.url).pathname;
const SEEDS = [1, 2, 3];

/** Records without wall-clock fields (t, seconds, images/s), which differ between equal runs. */
function measured(dir: string, types: string[]): LogRecord[] {
  return parseRunLog(readFileSync(join(dir, 'log.jsonl'), 'utf8'), dir)
    .filter((r) => types.includes(r.type))
    .map(({ t: _t, seconds: _s, imagesPerSecond: _i, ...rest }) => rest as LogRecord);
}

/**
 * SIGKILLs the child once its log holds a random number of step records (from `seed`, in
 * [first, last)) and a checkpoint exists: a random point in epochs 2 and 3 of 4 (a kill after the
 * last checkpoint would leave nothing to resume).
 */
function killAtRandomStep(dir: string, seed: number, first: number, last: number) {
  const target = first + Math.floor(new Rng(seed).uniform(1)[0] * (last - first));
  const log = join(dir, 'log.jsonl');
  return {
    signal: 'SIGKILL' as const,
    when: () =>
      existsSync(join(dir, 'checkpoint.safetensors')) &&
      existsSync(log) &&
      (readFileSync(log, 'utf8').match(/"type":"step"/g)?.length ?? 0) >= target,
  };
}

describe('kill and resume with NTK tracking (library run in a child process)', () => {
  const reference = join(work, 'ntk-reference');
  beforeAll(async () => {
    const r = await runNode(NTK_RUN, [reference], { timeoutMs: 120_000 });
    expect(r.code, r.err).toBe(0);
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: SIGKILL mid-run, resume: same checkpoint bytes, kernel metrics and polar dynamics bit for bit`, async () => {
      const dir = join(work, `ntk-${seed}`);
      const killed = await runNode(NTK_RUN, [dir], { timeoutMs: 120_000, interrupt: killAtRandomStep(dir, seed, 5, 13) });
      expect(killed.timedOut).toBe(false);
      expect(killed.signal).toBe('SIGKILL');
      decodeCheckpoint(readFileSync(join(dir, 'checkpoint.safetensors')), 'after SIGKILL'); // intact
      const resumed = await runNode(NTK_RUN, [dir, 'resume'], { timeoutMs: 120_000 });
      expect(resumed.code, resumed.err).toBe(0);
      expect(readFileSync(join(dir, 'checkpoint.safetensors')).equals(readFileSync(join(reference, 'checkpoint.safetensors')))).toBe(true);
      expect(measured(dir, ['kernel', 'kernel-polar'])).toEqual(measured(reference, ['kernel', 'kernel-polar']));
      const steps = measured(dir, ['step']);
      expect(new Set(steps.map((r) => r.step)).size).toBe(steps.length);
      expect(steps).toEqual(measured(reference, ['step']));
    });
  }
});

describe('kill and resume through the CLI', () => {
  const ARGS = [
    'train',
    '--dataset',
    'synthetic-clusters',
    '--train-size',
    '200',
    '--val-size',
    '20',
    '--test-size',
    '50',
    '--hidden',
    '16',
    '--method',
    'pgd',
    '--pgd-steps',
    '3',
    '--epochs',
    '4',
    '--batch-size',
    '50',
    '--log-every',
    '1',
    '--threats',
    'clean',
    '--schedule',
    'piecewise',
    '--ntk',
    'on',
    '--probe-per-class',
    '2',
    '--ntk-attack-steps',
    '2',
  ];
  const reference = join(work, 'cli-reference');
  beforeAll(async () => {
    const r = await cli([...ARGS, '--out', reference], { timeoutMs: 120_000 });
    expect(r.code, r.err).toBe(0);
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: SIGKILL mid-run, train --resume: same final checkpoint and kernel metrics, no duplicate step records`, async () => {
      const dir = join(work, `cli-${seed}`);
      const killed = await cli([...ARGS, '--out', dir], { timeoutMs: 120_000, interrupt: killAtRandomStep(dir, seed, 5, 13) });
      expect(killed.timedOut).toBe(false);
      expect(killed.signal).toBe('SIGKILL');
      const resumed = await cli([...ARGS, '--resume', join(dir, 'checkpoint.safetensors')], { timeoutMs: 120_000 });
      expect(resumed.code, resumed.err).toBe(0);
      expect(readFileSync(join(dir, 'checkpoint.safetensors')).equals(readFileSync(join(reference, 'checkpoint.safetensors')))).toBe(true);
      const steps = measured(dir, ['step']);
      expect(new Set(steps.map((r) => r.step)).size).toBe(steps.length);
      expect(steps).toEqual(measured(reference, ['step']));
      expect(measured(dir, ['epoch']).map((r) => r.epoch)).toEqual([0, 1, 2, 3]);
      expect(measured(dir, ['kernel', 'kernel-polar'])).toEqual(measured(reference, ['kernel', 'kernel-polar']));
    });
  }

  // Methods that change during the run: their state (switch streak and decision, monitor history) rides in checkpoints.
  const CHANGING: Array<[string, string[]]> = [
    [
      'kernel switch (clean warm-up, then PGD-AT)',
      ['--switch', 'kernel', '--switch-tau', '0.002', '--switch-patience', '2', '--switch-cap', '0.75'],
    ],
    [
      'spectrum monitor (FGSM, anisotropic start once it fires)',
      ['--method', 'fgsm-aniso', '--co-monitor', 'aniso', '--co-monitor-k', '0.5'],
    ],
  ];
  for (const [label, extra] of CHANGING) {
    it(`${label}: SIGKILL mid-run, train --resume: same checkpoint, kernel metrics and events as without the kill`, async () => {
      const name = extra[1];
      const ref = join(work, `cli-${name}-reference`);
      const r = await cli([...ARGS, ...extra, '--out', ref], { timeoutMs: 120_000 });
      expect(r.code, r.err).toBe(0);
      const events = measured(ref, ['event']).filter((e) => e.event === 'switch' || e.event === 'co-monitor');
      expect(events.length, `the ${name} never acted in the reference run: the test would prove nothing`).toBeGreaterThan(0);
      const dir = join(work, `cli-${name}`);
      const killed = await cli([...ARGS, ...extra, '--out', dir], { timeoutMs: 120_000, interrupt: killAtRandomStep(dir, 7, 5, 13) });
      expect(killed.signal).toBe('SIGKILL');
      const resumed = await cli([...ARGS, ...extra, '--resume', join(dir, 'checkpoint.safetensors')], { timeoutMs: 120_000 });
      expect(resumed.code, resumed.err).toBe(0);
      expect(readFileSync(join(dir, 'checkpoint.safetensors')).equals(readFileSync(join(ref, 'checkpoint.safetensors')))).toBe(true);
      expect(measured(dir, ['kernel', 'epoch']).map(({ method: m, ...k }) => [m, k])).toEqual(
        measured(ref, ['kernel', 'epoch']).map(({ method: m, ...k }) => [m, k]),
      );
      const after = measured(dir, ['event']).filter((e) => e.event === 'switch' || e.event === 'co-monitor');
      expect(after).toEqual(events);
    });
  }

  it('Ctrl-C (SIGINT) prints the exact resume command, exits 130, and that command finishes the run', async () => {
    const dir = join(work, 'cli-sigint');
    const interrupted = await cli([...ARGS, '--out', dir], {
      timeoutMs: 120_000,
      interrupt: { signal: 'SIGINT', when: () => existsSync(join(dir, 'checkpoint.safetensors')) },
    });
    expect(interrupted.timedOut).toBe(false);
    expect(interrupted.code, interrupted.err).toBe(130);
    const hint = /Resume with:\n {2}ntk-at (.*)\n/.exec(interrupted.err);
    expect(hint, interrupted.err).not.toBeNull();
    const args = hint![1].split(' ');
    expect(args.slice(-2)).toEqual(['--resume', join(dir, 'checkpoint.safetensors')]);
    const resumed = await cli(args, { timeoutMs: 120_000 });
    expect(resumed.code, resumed.err).toBe(0);
    expect(readFileSync(join(dir, 'checkpoint.safetensors')).equals(readFileSync(join(reference, 'checkpoint.safetensors')))).toBe(true);
  });
});
