// `ntk-at ntk` on a checkpoint of a tiny run: the trace kernel of clean probes and the full kernel
// of PGD probes, written as .npy (header parsed here; loaded with numpy when python3 has it) and
// safetensors, with spectrum statistics that match the written matrix.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/io/npy.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-cli-ntk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = join(dir, 'run');

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const r = await cli(
    'train',
    '--dataset',
    'synthetic-clusters',
    '--train-size',
    '100',
    '--val-size',
    '30',
    '--test-size',
    '50',
    '--model',
    'mlp',
    '--hidden',
    '8',
    '--method',
    'fgsm-rs',
    '--epochs',
    '1',
    '--batch-size',
    '25',
    '--eps',
    '0.05',
    '--threats',
    'clean',
    '--out',
    run,
  );
  expect(r.code, r.err).toBe(0);
}, 60_000);

describe('ntk-at ntk', () => {
  it('writes the trace kernel of clean probes as .npy and safetensors and prints its spectrum', async () => {
    const out = join(dir, 'trace');
    const r = await cli('ntk', '--checkpoint', join(run, 'checkpoint.safetensors'), '--probe-per-class', '3', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ kind: 'trace', inputs: 'clean', rows: 30, cols: 30, probes: 30 });
    const npy = decodeNpy(new Uint8Array(readFileSync(`${out}.npy`)));
    expect(npy.shape).toEqual([30, 30]);
    let trace = 0;
    for (let i = 0; i < 30; i++) trace += npy.data[i * 30 + i];
    expect(trace).toBeCloseTo(summary.trace, 6);
    expect(npy.data[1 * 30 + 2]).toBe(npy.data[2 * 30 + 1]);
    const st = decodeSafetensors(new Uint8Array(readFileSync(`${out}.safetensors`)), 'kernel');
    expect(st.tensors.get('kernel')?.shape).toEqual([30, 30]);
    expect(st.tensors.get('labels')?.data.slice(0, 4)).toEqual(Float32Array.of(0, 0, 0, 1));
    expect(st.metadata.kind).toBe('trace');
    expect(Math.fround(npy.data[5])).toBe(st.tensors.get('kernel')?.data[5]);
    if (!hasNumpy()) {
      console.log('numpy part skipped: python3 cannot import numpy here (the .npy header and data were checked in JS above)');
      return;
    }
    const loaded = execFileSync('python3', [
      '-c',
      `import numpy as np; k = np.load(${JSON.stringify(`${out}.npy`)}); print(k.dtype, k.shape, repr(float(np.trace(k))))`,
    ])
      .toString()
      .trim();
    const [dtype, shape, value] = loaded.split(/ (?=\()|\) /);
    expect(dtype).toBe('float64');
    expect(shape).toBe('(30, 30');
    expect(Number(value)).toBeCloseTo(summary.trace, 9);
  }, 60_000);

  it('computes the full kernel of PGD probes (nC x nC) and rejects bad options', async () => {
    const out = join(dir, 'full-pgd');
    const r = await cli(
      'ntk',
      '--checkpoint',
      join(run, 'checkpoint.safetensors'),
      '--kind',
      'full',
      '--inputs',
      'pgd',
      '--pgd-steps',
      '2',
      '--probe-per-class',
      '1',
      '--source',
      'test',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'full', inputs: 'pgd', rows: 100, cols: 100, probes: 10, targetAlignment: null });
    expect(decodeNpy(new Uint8Array(readFileSync(`${out}.npy`))).shape).toEqual([100, 100]);
    expect((await cli('ntk')).code).toBe(2);
    const bad = await cli('ntk', '--checkpoint', join(run, 'checkpoint.safetensors'), '--kind', 'diagonal');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--kind is "diagonal"/);
  }, 60_000);
});
