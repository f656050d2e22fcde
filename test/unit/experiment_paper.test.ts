// `ntk-at experiment --scale paper` trains on CIFAR-10, whose files no package ships: the experiment
// command takes the data directory (--data-dir) and hands it to every run; without one it refuses
// before anything is planned or written.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-paper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('refuses --scale paper without --data-dir, naming the flag, and writes nothing', async () => {
  for (const sub of [[], ['plan']]) {
    const out = join(dir, `refused-${sub.length}`);
    const r = await cli('experiment', ...sub, 'kernel-dynamics', '--scale', 'paper', '--out', out);
    expect(r.code).toBe(2);
    expect(`${r.out}\n${r.err}`).toMatch(/E_INVALID_ARGUMENT.*--data-dir/);
    expect(existsSync(out)).toBe(false);
  }
});

it('hands --data-dir to every planned run', async () => {
  const out = join(dir, 'plan');
  const r = await cli(
    'experiment',
    'plan',
    'kernel-dynamics',
    '--scale',
    'paper',
    '--seeds',
    '1',
    '--data-dir',
    '/data/cifar-10-batches-bin',
    '--out',
    out,
  );
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  for (const i of [0, 1]) {
    const { recipe } = JSON.parse(readFileSync(join(out, 'runs', `${i}.json`), 'utf8')) as {
      recipe: { data: { dataset: string; dir: string } };
    };
    expect(recipe.data).toMatchObject({ dataset: 'cifar10', dir: '/data/cifar-10-batches-bin' });
  }
});
