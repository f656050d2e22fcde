// `ntk-at ntk --predict` on a checkpoint of a tiny run (the JSON it prints and writes, typed errors
// for bad options), and, only where python3 has numpy (the second describe is registered only
// there), the kernel machine's float64 algebra against numpy's LAPACK: ridge solve, closed-form LOO,
// linearized GD at t and the pseudo-inverse at t -> infinity.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientDescentWeights, LOO_GRID, solveKernelMachine, type KernelMachine } from '../../src/ntk/predict.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-kernel-machine-'));
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

describe('ntk-at ntk --predict', () => {
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

  it("prints and writes the kernel machine beside the network, clean, under the network's attacks and under its own", async () => {
    const out = join(dir, 'machine');
    const r = await cli(
      'ntk',
      '--checkpoint',
      join(run, 'checkpoint.safetensors'),
      '--predict',
      '--train-points',
      '40',
      '--test-points',
      '20',
      '--threats',
      'clean,fgsm,pgd2',
      '--kernel-attack-points',
      '6',
      '--kernel-attack-steps',
      '2',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const printed = JSON.parse(r.out);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8'))).toEqual(printed);
    expect(printed).toMatchObject({
      kind: 'trace',
      offset: 'network',
      trainPoints: 40,
      testPoints: 20,
      ridgeChoice: 'leave-one-out',
      threats: ['clean', 'fgsm', 'pgd2'],
    });
    expect(printed.loo).toHaveLength(LOO_GRID.length);
    expect(printed.loo.map((l: { ridge: number }) => l.ridge)).toContain(printed.ridge);
    for (const row of ['network', 'kernel-regression', 'linearized-gd-t4', 'linearized-gd-infinity']) {
      expect(Object.keys(printed.accuracy[row])).toEqual(['clean', 'fgsm', 'pgd2', 'worst-case']);
      const a = printed.accuracy[row];
      for (const v of Object.values(a) as number[]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(a['worst-case']).toBeLessThanOrEqual(Math.min(a.fgsm, a.pgd2));
    }
    const own = printed.ownAttack;
    expect(own).toMatchObject({ points: 6, steps: 2, tau: 1e-3 });
    expect(own.machineRobust).toBeLessThanOrEqual(own.machineClean);
    expect(own.gradientErrorBound).toBeLessThan(0.05);
  }, 120_000);

  it('refuses bad options with usage errors before any work', async () => {
    const cp = join(run, 'checkpoint.safetensors');
    const bad = async (...args: string[]) => cli('ntk', '--checkpoint', cp, '--predict', ...args);
    const uneven = await bad('--train-points', '41');
    expect(uneven.code).toBe(2);
    expect(uneven.err).toMatch(/multiple of the 10 classes/);
    expect((await bad('--ridge', '-1')).code).toBe(2);
    expect((await bad('--kind', 'logit')).code).toBe(2);
    expect((await bad('--offset', 'mean')).code).toBe(2);
    expect((await bad('--eta', '0')).code).toBe(2);
    expect((await bad('--blocks', '2', '--block', '0,1')).code).toBe(2);
  }, 60_000);
});

if (hasNumpy()) {
  describe('kernel machine algebra agrees with numpy (registered only where python3 has numpy)', () => {
    it('ridge, LOO choice, GD at t and t -> infinity', async () => {
      const m = 30;
      const q = 3;
      let seed = 7;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
      const X = Array.from({ length: m * 40 }, rand); // 40 features > m: K has full rank
      const K = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < 40; k++) K[i * m + j] += X[i * 40 + k] * X[j * 40 + k];
      const R = Float64Array.from({ length: m * q }, rand);
      const fit = await solveKernelMachine(K, m, R, 'loo');
      const machine: KernelMachine = { kind: 'trace', offset: 'zero', n: m, classes: q, ...fit, seconds: { kernel: 0, solve: 0 } };
      const [eta, t] = [0.5, 40];
      const script = `
import json, sys, numpy as np
d = json.load(sys.stdin)
m = d['m']; K = np.array(d['K']).reshape(m, m); R = np.array(d['R']).reshape(m, -1)
scale = np.trace(K) / m
def loo(lam):
    A = np.linalg.inv(K + lam * np.eye(m)); a = A @ R
    return float(np.mean((a / np.diag(A)[:, None]) ** 2))
grid = [scale * e for e in d['grid']]
mses = [loo(l) for l in grid]
lam = grid[int(np.argmin(mses))]
s, U = np.linalg.eigh(K)
s = np.maximum(s, 0)
phi = -np.expm1(-s * d['eta'] * d['t'] / m) / s
print(json.dumps({'ridge': lam, 'mse': mses, 'alpha': np.linalg.solve(K + lam * np.eye(m), R).ravel().tolist(),
  'gd': (U @ np.diag(phi) @ U.T @ R).ravel().tolist(), 'inf': (np.linalg.pinv(K, rcond=m * 2.0 ** -52, hermitian=True) @ R).ravel().tolist()}))
`;
      const input = JSON.stringify({ m, K: Array.from(K), R: Array.from(R), grid: LOO_GRID, eta, t });
      const want = JSON.parse(execFileSync('python3', ['-c', script], { input }).toString());
      const rel = (a: ArrayLike<number>, b: number[]) => {
        let [d, n] = [0, 0];
        for (let i = 0; i < b.length; i++) [d, n] = [d + (a[i] - b[i]) ** 2, n + b[i] ** 2];
        return Math.sqrt(d / n);
      };
      expect(fit.ridge).toBeCloseTo(want.ridge, 10);
      expect(
        rel(
          fit.loo.map((l) => l.mse),
          want.mse,
        ),
      ).toBeLessThan(1e-9);
      expect(rel(fit.alpha, want.alpha)).toBeLessThan(1e-9);
      expect(rel(gradientDescentWeights(machine, eta, t), want.gd)).toBeLessThan(1e-9);
      expect(rel(gradientDescentWeights(machine, eta, Infinity), want.inf)).toBeLessThan(1e-6);
    }, 60_000);
  });
}
