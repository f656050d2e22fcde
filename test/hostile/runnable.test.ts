// Validated means runnable (issue 26, class 3): what the trainer would refuse or silently change is
// refused by the one validation before anything is written (eps 0 for an attacking method, an eps
// float32 flushes to 0); a resume checks the checkpoint's optimizer tensors before it rewrites
// config.json or the log; experiment collect refuses a non-finite block before it writes the kernel.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { expectTyped } from './expect.js';
import { cli, snapshot } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-runnable-'));
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
  '--threats',
  'clean',
  '--log-every',
  '1',
  '--schedule',
  'constant',
];
const run = join(work, 'run');

beforeAll(async () => {
  const r = await cli(['train', ...TINY, '--method', 'standard', '--epochs', '1', '--out', run]);
  expect(r.code, r.err).toBe(0);
});

describe('validated means runnable', () => {
  const refused: Array<[string, string[], RegExp]> = [
    ['eps 0 with an attacking method', ['--method', 'pgd', '--eps', '0'], /"training\.attack\.eps" must be a radius > 0 for pgd.*--eps/],
    ['eps 0 with fgsm-rs', ['--method', 'fgsm-rs', '--eps', '0'], /radius > 0 for fgsm-rs/],
    [
      'a denormal eps (0 in float32)',
      ['--method', 'pgd', '--eps', '1e-310'],
      /"training\.attack\.eps" must be in \[0, 1\] for l-inf.*0 or at least 2\^-126.*--eps/,
    ],
  ];
  for (const [name, args, message] of refused) {
    it(`${name}: E_INVALID_ARGUMENT, exit 2, nothing written`, async () => {
      const out = join(work, `refused-${args.join('')}`);
      expectTyped(
        await cli(['train', ...TINY, '--epochs', '1', ...args, '--out', out], { timeoutMs: 30_000 }),
        'E_INVALID_ARGUMENT',
        2,
        message,
      );
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a resume checkpoint without an optimizer tensor (valid checksum): E_CHECKPOINT_MISMATCH before config.json or the log change', async () => {
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(run, 'checkpoint.safetensors')), 'x');
    const optimizer = [...tensors.keys()].find((k) => k.startsWith('optim.'));
    expect(optimizer, 'the checkpoint has no optimizer tensor').toBeDefined();
    tensors.delete(optimizer as string);
    const forged = join(run, 'forged.safetensors');
    writeFileSync(forged, encodeSafetensors({ tensors, metadata }));
    const before = snapshot(run);
    const r = await cli(['train', ...TINY, '--method', 'standard', '--epochs', '2', '--resume', forged, '--out', run], {
      timeoutMs: 60_000,
    });
    expectTyped(r, 'E_CHECKPOINT_MISMATCH', 1, /optimizer tensor ".*momentum" is missing/);
    expect(snapshot(run)).toEqual(before);
  });

  it('experiment collect refuses a non-finite kernel block before writing any kernel file', async () => {
    const plan = join(work, 'kernel');
    const planned = await cli(
      ['ntk', '--checkpoint', join(run, 'checkpoint.safetensors'), '--probe-per-class', '1', '--blocks', '1', '--plan', plan],
      { timeoutMs: 60_000 },
    );
    expect(planned.code, planned.err).toBe(0);
    const done = await cli(['run', join(plan, 'runs', '0.json')], { timeoutMs: 120_000 });
    expect(done.code, done.err).toBe(0);
    const npy = join(plan, 'blocks', '0-0', 'block.npy');
    const { shape, data } = decodeNpy(readFileSync(npy), npy);
    data[1] = Number.NaN;
    writeFileSync(npy, encodeNpy(data as Float64Array, shape));
    const r = await cli(['experiment', 'collect', plan], { timeoutMs: 60_000 });
    expectTyped(r, 'E_NOT_FINITE', 1, /block\.npy holds NaN/);
    expect(existsSync(join(plan, 'kernel.npy')) || existsSync(join(plan, 'kernel.safetensors'))).toBe(false);
  });
});
