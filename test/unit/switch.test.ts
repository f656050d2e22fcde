// The kernel switch rule: divergence of the clean and adversarial kernels for `patience` checks in
// a row, a velocity plateau, or the cap switch from the warm-up method to the target; bad options
// are typed errors. In a run, the kernel rule's checks stop at its switch; a fixed switch needs none.

import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/io/runlog.js';
import { runRecipe } from '../../src/run/orchestrator.js';
import type { PartialRecipe } from '../../src/run/recipe.js';
import type { KernelCheck } from '../../src/train/kernel_tracker.js';
import { KernelSwitch } from '../../src/train/switch.js';

function check(epochFraction: number, distanceToClean: number, velocity: number | null = null): KernelCheck {
  return {
    step: 0,
    epochFraction,
    distanceToInit: 0,
    velocity,
    lambdaMax: 1,
    lambdaMin: 0,
    trace: 1,
    conditionNumber: 1,
    topEnergy10: 1,
    topEnergy20: 1,
    effectiveRank: 1,
    targetAlignment: 0,
    constantMode: 1,
    regression: null,
    adversarial: { distanceToClean, lambdaMax: 1, conditionNumber: 1, topEnergy10: 1, effectiveRank: 1 },
    seconds: 0,
  };
}

describe('KernelSwitch', () => {
  it('switches after `patience` checks in a row above tau, not after a broken streak', () => {
    const s = new KernelSwitch('pgd', 10, { tau: 0.1, patience: 2 });
    expect(s.methodAt(0)).toBe('standard');
    expect(s.observe(check(0.1, 0.2))).toBeNull();
    expect(s.observe(check(0.2, 0.05))).toBeNull(); // streak broken
    expect(s.observe(check(0.3, 0.2))).toBeNull();
    expect(s.observe(check(0.4, 0.3))).toEqual({ epochFraction: 0.4, reason: 'divergence' });
    expect(s.methodAt(0.41)).toBe('pgd');
    expect(s.observe(check(0.5, 0.9))).toBeNull(); // decided once
  });

  it('switches on a velocity plateau, or at the cap when no rule fires', () => {
    const plateau = new KernelSwitch('fgsm-rs', 10, { tau: 1, velocityPlateau: 0.01 });
    expect(plateau.observe(check(0.1, 0, 0.004))).toBeNull(); // slow before it ever moved fast: not settled
    plateau.observe(check(0.5, 0, 0.2));
    expect(plateau.observe(check(1, 0, 0.005))).toEqual({ epochFraction: 1, reason: 'plateau' });
    const capped = new KernelSwitch('pgd', 10, { tau: 1, capFraction: 0.3 });
    expect(capped.methodAt(2.9)).toBe('standard');
    expect(capped.methodAt(3)).toBe('pgd');
    expect(capped.switched).toEqual({ epochFraction: 3, reason: 'cap' });
    const rounded = new KernelSwitch('pgd', 20, { tau: 1, capFraction: 0.3 }); // 0.3 × 20 = 6.000000000000001
    expect(rounded.methodAt(6)).toBe('pgd');
  });

  it('rejects bad options and checks without the adversarial kernel', () => {
    expect(() => new KernelSwitch('pgd', 5, { tau: -1 })).toThrow(/E_INVALID_ARGUMENT.*"tau"/);
    expect(() => new KernelSwitch('pgd', 5, { patience: 0 })).toThrow(/"patience"/);
    expect(() => new KernelSwitch('pgd', 5, { capFraction: 1.5 })).toThrow(/"capFraction"/);
    expect(() => new KernelSwitch('pgd', 5, { warmupMethod: 'bogus' as never })).toThrow(/"warmupMethod"/);
    expect(() => new KernelSwitch('pgd', 5).observe({ ...check(0, 0), adversarial: null })).toThrow(/adversarial/);
  });
});

/** A tiny tracked run: 4 steps per epoch, 4 epochs, PGD-AT after the switch. */
function recipe(ntk: boolean, sw: PartialRecipe['switch']): PartialRecipe {
  return {
    data: { dataset: 'synthetic-clusters', trainSize: 200, validationSize: 20, testSize: 20, seed: 0 },
    model: { kind: 'mlp', hidden: [8] },
    training: {
      method: 'pgd',
      epochs: 4,
      batchSize: 50,
      lr: 0.05,
      schedule: 'constant',
      logEvery: 1,
      seed: 0,
      attack: { eps: 0.1, steps: 2 },
      validationPgdSteps: 2,
    },
    ntk: { enabled: ntk, probePerClass: 2, attack: 'pgd', attackSteps: 2 },
    switch: sw,
    evaluation: { threats: ['clean'] },
  };
}

const kernelSteps = (log: LogRecord[]) => log.filter((r) => r.type === 'kernel').map((r) => r.step as number);
const switchEvent = (log: LogRecord[]) => log.find((r) => r.type === 'event' && r.event === 'switch');

describe('kernel checks of a switch run', () => {
  it('a kernel-switch run makes no kernel check after its switch (divergence or cap); a run without a switch is tracked to its end', async () => {
    const diverged = await runRecipe(recipe(true, { rule: 'kernel', tau: 0, patience: 2, capFraction: 1 }), { adapter: 'llvmpipe' });
    const at = switchEvent(diverged.log);
    expect(at?.reason).toBe('divergence');
    expect(kernelSteps(diverged.log)).toEqual([0, 1]); // K_0 and the check after step 1: two checks above tau 0, then none
    expect(at?.step).toBe(1);
    expect(diverged.steps).toBe(16);
    const capped = await runRecipe(recipe(true, { rule: 'kernel', tau: 1, capFraction: 0.5 }), { adapter: 'llvmpipe' });
    expect(switchEvent(capped.log)).toMatchObject({ reason: 'cap', epochFraction: 2, step: 9 });
    expect(Math.max(...kernelSteps(capped.log))).toBe(8); // the check at the end of epoch 2, the last before the switch
    const tracked = await runRecipe(recipe(true, { rule: 'off' }), { adapter: 'llvmpipe' });
    expect(Math.max(...kernelSteps(tracked.log))).toBe(16);
  }, 300_000);

  it('a fixed switch needs no tracking and switches at its cap; where a run tracks anyway, the checks go on after it', async () => {
    const fixed = await runRecipe(recipe(false, { rule: 'fixed', capFraction: 0.25 }), { adapter: 'llvmpipe' });
    expect(switchEvent(fixed.log)).toMatchObject({ reason: 'cap', epochFraction: 1, step: 5 });
    expect(kernelSteps(fixed.log)).toEqual([]);
    expect(new Set(fixed.log.filter((r) => r.type === 'step').map((r) => `${(r.step as number) <= 4}:${r.method as string}`))).toEqual(
      new Set(['true:standard', 'false:pgd']),
    );
    const tracked = await runRecipe(recipe(true, { rule: 'fixed', capFraction: 0.25 }), { adapter: 'llvmpipe' });
    expect(switchEvent(tracked.log)).toMatchObject({ reason: 'cap', step: 5 });
    expect(Math.max(...kernelSteps(tracked.log))).toBe(16);
  }, 300_000);
});
