// The kernel switch rule: divergence of the clean and adversarial kernels for `patience` checks in
// a row, a velocity plateau, or the cap switch from the warm-up method to the target; bad options
// are typed errors.

import { describe, expect, it } from 'vitest';
import type { KernelCheck } from '../../src/train/kernel_tracker.js';
import { KernelSwitch } from '../../src/train/switch.js';

function check(epochFraction: number, distanceToClean: number, velocity: number | null = null): KernelCheck {
  return {
    step: 0, epochFraction, distanceToInit: 0, velocity, lambdaMax: 1, lambdaMin: 0, trace: 1, conditionNumber: 1, topEnergy10: 1,
    topEnergy20: 1, effectiveRank: 1, targetAlignment: 0,
    adversarial: { distanceToClean, lambdaMax: 1, conditionNumber: 1, topEnergy10: 1, effectiveRank: 1 }, seconds: 0,
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
  });

  it('rejects bad options and checks without the adversarial kernel', () => {
    expect(() => new KernelSwitch('pgd', 5, { tau: -1 })).toThrow(/E_INVALID_ARGUMENT.*"tau"/);
    expect(() => new KernelSwitch('pgd', 5, { patience: 0 })).toThrow(/"patience"/);
    expect(() => new KernelSwitch('pgd', 5, { capFraction: 1.5 })).toThrow(/"capFraction"/);
    expect(() => new KernelSwitch('pgd', 5, { warmupMethod: 'bogus' as never })).toThrow(/"warmupMethod"/);
    expect(() => new KernelSwitch('pgd', 5).observe({ ...check(0, 0), adversarial: null })).toThrow(/adversarial/);
  });
});
