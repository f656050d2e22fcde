// No silent wrong result (issue 26, class 6): SIGINT or SIGTERM sent to the CLI's own PID (a supervisor,
// Python's send_signal) ends a run as Ctrl-C does (resume hint, exit 128 + signal, no result printed);
// a resume on another adapter than the checkpoint's (or from one that records none) is refused unless --allow-adapter-change; kernel
// blocks carry the digest of their checkpoint, so a checkpoint replaced between block tasks is refused.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { expectContiguousSteps, expectTyped, wholeLog } from './expect.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-silent-'));
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
const runA = join(work, 'a');
const runB = join(work, 'b');

beforeAll(async () => {
  for (const [dir, seed] of [
    [runA, '0'],
    [runB, '1'],
  ]) {
    const r = await cli(['train', ...TINY, '--epochs', '1', '--seed', seed, '--out', dir]);
    expect(r.code, r.err).toBe(0);
  }
});

describe('no silent wrong result', () => {
  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} sent to the CLI's own PID mid-run: the resume hint, exit ${exit}, no result; the resume finishes`, async () => {
      const out = join(work, `signal-${signal}`);
      let send: ((s: NodeJS.Signals) => void) | null = null;
      let sent = false;
      const poll = setInterval(() => {
        if (!sent && send && existsSync(join(out, 'checkpoint.safetensors'))) {
          sent = true;
          send(signal);
        }
      }, 20);
      const r = await cli(['train', ...TINY, '--train-size', '200', '--epochs', '40', '--out', out], {
        timeoutMs: 120_000,
        onStart: (_group, one) => {
          send = one;
        },
      });
      clearInterval(poll);
      expect(sent, 'no checkpoint was written').toBe(true);
      expect(r.timedOut, r.err).toBe(false);
      expect(r.code, r.err).toBe(exit);
      expect(r.err).toMatch(/interrupted; the last checkpoint is .*Resume with:/s);
      expect(r.out).not.toMatch(/wrote /);
      const resumed = await cli(
        ['train', ...TINY, '--train-size', '200', '--epochs', '40', '--resume', join(out, 'checkpoint.safetensors')],
        { timeoutMs: 180_000 },
      );
      expect(resumed.code, resumed.err).toBe(0);
      expectContiguousSteps(wholeLog(join(out, 'log.jsonl')));
    });
  }

  it("a resume on another adapter than the checkpoint's: E_CHECKPOINT_MISMATCH naming both, nothing changed; --allow-adapter-change goes on", async () => {
    const dir = join(work, 'adapter');
    const r0 = await cli(['train', ...TINY, '--epochs', '1', '--out', dir]);
    expect(r0.code, r0.err).toBe(0);
    const path = join(dir, 'checkpoint.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(path), 'x');
    const config = JSON.parse(metadata.config as string) as Record<string, unknown>;
    expect(typeof config.adapter, 'the checkpoint does not record its adapter').toBe('string');
    writeFileSync(
      path,
      encodeSafetensors({
        tensors,
        metadata: {
          ...metadata,
          config: JSON.stringify({
            ...config,
            adapter: 'node: Another Vendor / Another GPU [path dawn/default, core, hardware, max binding 2048 MiB]',
          }),
        },
      }),
    );
    const log = readFileSync(join(dir, 'log.jsonl'));
    const refused = await cli(['train', ...TINY, '--epochs', '2', '--resume', path], { timeoutMs: 60_000 });
    expectTyped(refused, 'E_CHECKPOINT_MISMATCH', 1, /trained on node: Another Vendor.*--allow-adapter-change/);
    expect(readFileSync(join(dir, 'log.jsonl')).equals(log)).toBe(true);
    const allowed = await cli(['train', ...TINY, '--epochs', '2', '--resume', path, '--allow-adapter-change'], { timeoutMs: 60_000 });
    expect(allowed.code, allowed.err).toBe(0);
  });

  it('a resume from a checkpoint that records no adapter: E_CHECKPOINT_MISMATCH saying so, nothing changed; --allow-adapter-change goes on', async () => {
    const dir = join(work, 'no-adapter');
    const r0 = await cli(['train', ...TINY, '--epochs', '1', '--out', dir]);
    expect(r0.code, r0.err).toBe(0);
    const path = join(dir, 'checkpoint.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(path), 'x');
    const { adapter: _adapter, ...config } = JSON.parse(metadata.config as string) as Record<string, unknown>;
    writeFileSync(path, encodeSafetensors({ tensors, metadata: { ...metadata, config: JSON.stringify(config) } }));
    const log = readFileSync(join(dir, 'log.jsonl'));
    const refused = await cli(['train', ...TINY, '--epochs', '2', '--resume', path], { timeoutMs: 60_000 });
    expectTyped(refused, 'E_CHECKPOINT_MISMATCH', 1, /does not record the adapter.*--allow-adapter-change/);
    expect(readFileSync(join(dir, 'log.jsonl')).equals(log)).toBe(true);
    const allowed = await cli(['train', ...TINY, '--epochs', '2', '--resume', path, '--allow-adapter-change'], { timeoutMs: 60_000 });
    expect(allowed.code, allowed.err).toBe(0);
  });

  it('kernel blocks of a checkpoint replaced between block tasks are refused, never assembled', async () => {
    const checkpoint = join(work, 'kernel-checkpoint.safetensors');
    copyFileSync(join(runA, 'checkpoint.safetensors'), checkpoint);
    const plan = join(work, 'blocks');
    const planned = await cli(['ntk', '--checkpoint', checkpoint, '--probe-per-class', '1', '--blocks', '2', '--plan', plan], {
      timeoutMs: 60_000,
    });
    expect(planned.code, planned.err).toBe(0);
    const first = await cli(['run', join(plan, 'runs', '0.json')], { timeoutMs: 120_000 });
    expect(first.code, first.err).toBe(0);
    copyFileSync(join(runB, 'checkpoint.safetensors'), checkpoint); // the same model, other weights
    for (const task of ['1', '2']) {
      const r = await cli(['run', join(plan, 'runs', `${task}.json`)], { timeoutMs: 120_000 });
      expect(r.code, `block task ${task} ran on the replaced checkpoint`).not.toBe(0);
    }
    expect(readFileSync(join(plan, 'blocks', '0-1', 'output.txt'), 'utf8')).toMatch(/\[E_CHECKPOINT_MISMATCH\].*replaced after planning/);
    // planning again into that directory (now for the replaced checkpoint) would replace the plan: refused
    const replan = await cli(['ntk', '--checkpoint', checkpoint, '--probe-per-class', '1', '--blocks', '2', '--plan', plan], {
      timeoutMs: 60_000,
    });
    expectTyped(replan, 'E_INVALID_ARGUMENT', 2, /holds the plan of experiment kernel-blocks with other options.*--overwrite/);
    const collect = await cli(['experiment', 'collect', plan], { timeoutMs: 60_000 });
    expect(collect.code, collect.out).not.toBe(0);
    expect(existsSync(join(plan, 'kernel.npy'))).toBe(false);
  });
});
