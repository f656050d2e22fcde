// Kernels as blocks (src/ntk/blocks.ts, src/experiments/kernel_blocks.ts, `ntk-at ntk --blocks`):
// the partition and assembly on the host, and end to end on a CNN checkpoint: a plan of 3 x 3
// blocks of the full kernel of PGD probes, collected with one block missing and then complete,
// equals the kernel computed in one piece.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelBlockTask, KernelManifest } from '../../src/experiments/kernel_blocks.js';
import { decodeNpy } from '../../src/io/npy.js';
import { assembleBlocks, blockPairs, blockRange, parseBlock } from '../../src/ntk/blocks.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { TOLERANCES } from '../tolerances.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kernel blocks on the host', () => {
  it('cuts n samples into contiguous parts that cover them exactly, sizes within 1', () => {
    for (const [n, b] of [
      [30, 3],
      [31, 4],
      [7, 7],
      [100, 6],
    ]) {
      const parts = Array.from({ length: b }, (_, k) => blockRange(n, b, k));
      expect(parts[0].start).toBe(0);
      parts.forEach((p, k) => {
        if (k) expect(p.start).toBe(parts[k - 1].start + parts[k - 1].count);
      });
      expect(parts.reduce((s, p) => s + p.count, 0)).toBe(n);
      const sizes = parts.map((p) => p.count);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(blockPairs(3)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
      [2, 2],
    ]);
  });

  it('assembles the upper blocks and their transposes into the full matrix, with s rows per sample', () => {
    const [n, s, b] = [7, 2, 3];
    const size = n * s;
    const full = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j <= i; j++) full[i * size + j] = full[j * size + i] = Math.sin(i * 31 + j * 7);
    const parts = blockPairs(b).map(([i, j]) => {
      const r = blockRange(n, b, i);
      const c = blockRange(n, b, j);
      const data = new Float64Array(r.count * s * c.count * s);
      for (let a = 0; a < r.count * s; a++)
        for (let q = 0; q < c.count * s; q++) data[a * c.count * s + q] = full[(r.start * s + a) * size + c.start * s + q];
      return { i, j, data };
    });
    expect(Array.from(assembleBlocks(n, s, b, parts))).toEqual(Array.from(full));
    expect(() => assembleBlocks(n, s, b, parts.slice(1))).toThrow(/blocks 0,0 are missing/);
    expect(() => assembleBlocks(n, s, b, [...parts, parts[2]])).toThrow(/given twice/);
    expect(() => assembleBlocks(n, s, b, [{ ...parts[1], data: new Float64Array(3) }, ...parts.slice(2), parts[0]])).toThrow(/expected/);
  });

  it('accepts --block i,j only above the diagonal and inside --blocks', () => {
    expect(parseBlock('1,2', 3)).toEqual([1, 2]);
    for (const bad of ['2,1', '0,3', '1', 'a,b', '-1,0']) expect(() => parseBlock(bad, 3)).toThrow(/--block/);
  });
});

describe('ntk-at ntk --blocks', () => {
  const run = join(dir, 'run');
  const checkpoint = join(run, 'checkpoint.safetensors');
  const kernelArgs = ['--checkpoint', checkpoint, '--kind', 'full', '--inputs', 'pgd', '--pgd-steps', '3', '--probe-per-class', '3'];

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
      'cnn',
      '--channels',
      '4,4',
      '--hidden',
      '8',
      '--method',
      'pgd',
      '--pgd-steps',
      '2',
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
  }, 120_000);

  it('plans, computes and collects 3 x 3 blocks into the kernel computed in one piece; collect lists a missing block', async () => {
    const one = join(dir, 'one');
    let r = await cli('ntk', ...kernelArgs, '--out', one);
    expect(r.code, r.err).toBe(0);
    const plan = join(dir, 'plan');
    r = await cli('ntk', ...kernelArgs, '--blocks', '3', '--plan', plan, '--gpus', '1', '--array-throttle', '2');
    expect(r.code, r.err).toBe(0);
    const manifest = JSON.parse(readFileSync(join(plan, 'manifest.json'), 'utf8')) as KernelManifest;
    expect(manifest).toMatchObject({ experiment: 'kernel-blocks', kernel: { blocks: 3, probes: 30, rowsPerSample: 10 } });
    expect(manifest.runs.map((t) => t.dir)).toEqual(['blocks/0-0', 'blocks/0-1', 'blocks/0-2', 'blocks/1-1', 'blocks/1-2', 'blocks/2-2']);
    const sbatch = readFileSync(join(plan, 'slurm.sbatch'), 'utf8');
    for (const line of ['--array=0-5%2\n', '--gres=gpu:1\n', '--mem=8G\n', ' run "runs/$SLURM_ARRAY_TASK_ID.json"'])
      expect(sbatch).toContain(line);
    const tasks = manifest.runs.map((t) => JSON.parse(readFileSync(join(plan, t.recipe), 'utf8')) as KernelBlockTask);
    // Each task as `ntk-at run` starts it (in-process here: `run` itself is exercised by scripts/test-slurm.sh).
    const compute = (t: KernelBlockTask) =>
      cli('ntk', ...t.args, '--blocks', String(t.blocks), '--block', t.block.join(','), '--out', join(plan, t.dir, 'block'));
    for (const t of tasks.slice(0, 5)) {
      r = await compute(t);
      expect(r.code, r.err).toBe(0);
    }
    r = await cli('experiment', 'collect', plan);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('missing block 2,2: task 5: not started');
    expect(r.err).toContain('1 of 6 kernel blocks');
    r = await compute(tasks[5]);
    expect(r.code, r.err).toBe(0);
    r = await cli('experiment', 'collect', plan);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('assembled from 6 blocks, 300x300');
    const whole = decodeNpy(new Uint8Array(readFileSync(`${one}.npy`)));
    const assembled = decodeNpy(new Uint8Array(readFileSync(join(plan, 'kernel.npy'))));
    expect(assembled.shape).toEqual([300, 300]);
    let [diff, norm] = [0, 0];
    whole.data.forEach((v, k) => {
      diff += (v - assembled.data[k]) ** 2;
      norm += v * v;
    });
    expect(Math.sqrt(diff / norm)).toBeLessThan(TOLERANCES.ntk);
    const st = decodeSafetensors(new Uint8Array(readFileSync(join(plan, 'kernel.safetensors'))), 'kernel');
    const stOne = decodeSafetensors(new Uint8Array(readFileSync(`${one}.safetensors`)), 'kernel');
    expect(st.tensors.get('labels')?.data).toEqual(stOne.tensors.get('labels')?.data);
    expect(st.metadata).toMatchObject({ ...stOne.metadata, blocks: '3' });
  }, 300_000);

  it('refuses --block without --blocks, a block below the diagonal and more blocks than probes, before writing anything', async () => {
    const out = join(dir, 'refused');
    for (const args of [
      ['--block', '0,1'],
      ['--blocks', '3', '--block', '2,1'],
      ['--blocks', '31', '--block', '0,0'],
      ['--blocks', '2'],
    ]) {
      const r = await cli('ntk', ...kernelArgs, ...args, '--out', out);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/E_INVALID_ARGUMENT/);
    }
    expect(() => readFileSync(`${out}.npy`)).toThrow();
  });
});
