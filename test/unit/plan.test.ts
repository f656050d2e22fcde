// Experiment plans for a batch scheduler (src/experiments/plan.ts) and the run lock of Node's
// platform: task files, manifest, the job array script per scale, collect before any run finished,
// refused options (nothing written), the O_EXCL lock with stale-lock takeover, and the same in Deno.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectExperiment, writePlan, type Manifest, type SlurmOptions, type TaskFile } from '../../src/experiments/plan.js';
import type { ExperimentOptions } from '../../src/experiments/runner.js';
import { nodePlatform } from '../../src/platform/node.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = { data: { dataset: 'synthetic-clusters', trainSize: 40 }, training: { epochs: 2 } } as const;
/** The tiny grid; at paper scale on PreAct-ResNet-18 (whose options have no hidden widths), with its CIFAR-10 directory. */
const options = (out: string, scale: 'small' | 'paper' = 'small'): ExperimentOptions => ({
  scale,
  seeds: 2,
  jobs: 1,
  out,
  config: {
    recipe:
      scale === 'small' ? { ...TINY, model: { hidden: [16] } } : { data: { dir: '/data/cifar-10-batches-bin' }, training: { epochs: 2 } },
    variants: ['fgsm', 'pgd'],
  },
});
const SLURM: SlurmOptions = { partition: null, account: null, time: null, throttle: null, cpus: null, mem: null, gpus: null };
const CLI = ['/usr/bin/node', '/opt/ntk-at/dist/cli.js'];

describe('experiment plan', () => {
  it("writes one task file per run, the manifest, run-local.sh and a job array with the scale's resources", async () => {
    const out = join(dir, 'small');
    const tasks = await writePlan(nodePlatform, 'co-spectrum', options(out), { ...SLURM, throttle: 3, partition: 'cpu' }, CLI);
    expect(tasks.map((t) => t.id)).toEqual(['fgsm/seed0', 'pgd/seed0', 'fgsm/seed1', 'pgd/seed1']);
    const task = JSON.parse(readFileSync(join(out, 'runs/3.json'), 'utf8')) as TaskFile;
    expect(task).toMatchObject({ experiment: 'co-spectrum', index: 3, id: 'pgd/seed1', seed: 1, dir: 'pgd/seed1' });
    expect(task.recipe.training).toMatchObject({ method: 'pgd', epochs: 2, seed: 1 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.runs.map((r) => r.recipe)).toEqual(['runs/0.json', 'runs/1.json', 'runs/2.json', 'runs/3.json']);
    const sbatch = readFileSync(join(out, 'slurm.sbatch'), 'utf8');
    expect(sbatch).toContain('#SBATCH --array=0-3%3\n');
    expect(sbatch).toContain(`#SBATCH --chdir=${out}\n`);
    expect(sbatch).toContain('#SBATCH --output=logs/%A_%a.out\n');
    expect(sbatch).toContain('#SBATCH --cpus-per-task=2\n');
    expect(sbatch).toContain('#SBATCH --partition=cpu\n');
    expect(sbatch).not.toContain('--gres');
    expect(sbatch).toContain('/usr/bin/node /opt/ntk-at/dist/cli.js} run "runs/$SLURM_ARRAY_TASK_ID.json"');
    expect(readFileSync(join(out, 'run-local.sh'), 'utf8')).toContain('seq 0 3 | xargs -P "${JOBS:-1}"');
  });

  it('asks for a GPU per task at --scale paper', async () => {
    const out = join(dir, 'paper');
    await writePlan(nodePlatform, 'co-spectrum', options(out, 'paper'), { ...SLURM, account: 'proj', time: '12:00:00' }, CLI);
    const sbatch = readFileSync(join(out, 'slurm.sbatch'), 'utf8');
    for (const line of ['--gres=gpu:1', '--cpus-per-task=8', '--mem=32G', '--time=12:00:00', '--account=proj', '--array=0-3\n'])
      expect(sbatch).toContain(line);
  });

  it('refuses a bad throttle or partition before writing anything', async () => {
    const out = join(dir, 'refused');
    await expect(writePlan(nodePlatform, 'co-spectrum', options(out), { ...SLURM, throttle: 0 }, CLI)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    await expect(writePlan(nodePlatform, 'co-spectrum', options(out), { ...SLURM, partition: 'a b;rm' }, CLI)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('collect before any run finished lists every run as missing and writes no report', async () => {
    const out = join(dir, 'small');
    const result = await collectExperiment(nodePlatform, out);
    expect(result.reported).toBe(false);
    expect(result.missing.map((m) => m.status)).toEqual([
      'task 0: not started',
      'task 1: not started',
      'task 2: not started',
      'task 3: not started',
    ]);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });
});

describe('run lock (Node platform)', () => {
  const lockFile = nodePlatform.cli.lockFile as NonNullable<typeof nodePlatform.cli.lockFile>;

  it('is held by one process at a time and released', async () => {
    const path = join(dir, 'run-a/run.lock');
    const first = await lockFile(path);
    expect(first.held).toBe(true);
    const second = await lockFile(path);
    expect(second).toEqual({ held: false, holder: `${hostname()} ${process.pid}` });
    if (first.held) await first.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose process died on this host, not one held on another host', async () => {
    const path = join(dir, 'run-b/run.lock');
    await lockFile(join(dir, 'run-b/x.lock')); // makes the directory
    writeFileSync(path, `${hostname()} 2147483646\n`); // no such pid
    const taken = await lockFile(path);
    expect(taken.held).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`${hostname()} ${process.pid}\n`);
    if (taken.held) await taken.release();
    writeFileSync(path, 'another-host 1\n');
    expect(await lockFile(path)).toEqual({ held: false, holder: 'another-host 1' });
  });
});

describe('plans in Deno (dist/cli.js under the npm deno binary)', () => {
  const deno = (...args: string[]) =>
    spawnSync(join(process.cwd(), 'node_modules/.bin/deno'), ['run', '-A', join(process.cwd(), 'dist/cli.js'), ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('plans, runs a task (then skips it), refuses a task whose lock another host holds, and collects', () => {
    const out = join(dir, 'deno');
    const config = join(dir, 'deno-tiny.json');
    const recipe = {
      ...TINY,
      model: { hidden: [16] },
      data: { ...TINY.data, validationSize: 20, testSize: 20 },
      training: { epochs: 1, batchSize: 20 },
      ntk: { probePerClass: 1 },
      evaluation: { threats: ['clean'] },
    };
    writeFileSync(config, JSON.stringify({ recipe, variants: ['fgsm', 'pgd'] }));
    let r = deno('experiment', 'plan', 'co-spectrum', '--seeds', '1', '--config', config, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'slurm.sbatch'), 'utf8')).toMatch(
      /deno run -A \/\S+\/dist\/cli\.js} run "runs\/\$SLURM_ARRAY_TASK_ID\.json"/,
    );
    r = deno('run', join(out, 'runs/0.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('run fgsm/seed0: finished');
    expect(deno('run', join(out, 'runs/0.json')).stdout).toContain('already finished');
    mkdirSync(join(out, 'pgd/seed0'), { recursive: true });
    writeFileSync(join(out, 'pgd/seed0/run.lock'), 'another-host 1\n');
    r = deno('run', join(out, 'runs/1.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_RUN_LOCKED');
    r = deno('experiment', 'collect', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('missing pgd/seed0: task 1: not started');
    expect(r.stdout).toContain('1 of 2 runs finished');
  }, 240_000);
});
