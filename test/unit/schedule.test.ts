// Learning-rate schedules (pure TS): values at chosen fractional epochs, warm-up, and the typed
// errors for bad specs (a learning rate <= 0, unknown kinds or keys, bad milestones).

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { makeSchedule, type LrScheduleSpec } from '../../src/optim/schedule.js';

function errorOf(spec: unknown): NtkError {
  try {
    makeSchedule(spec as LrScheduleSpec);
  } catch (e) {
    return e as NtkError;
  }
  throw new Error('no error thrown');
}

describe('learning-rate schedules', () => {
  it('piecewise constant decays at the milestone epochs', () => {
    const lr = makeSchedule({ kind: 'piecewise', lr: 0.1, milestones: [50, 75], gamma: 0.1 });
    expect(lr(0)).toBe(0.1);
    expect(lr(49.99)).toBe(0.1);
    expect(lr(50)).toBeCloseTo(0.01, 15);
    expect(lr(74.5)).toBeCloseTo(0.01, 15);
    expect(lr(75)).toBeCloseTo(0.001, 15);
    expect(lr(200)).toBeCloseTo(0.001, 15);
  });

  it('cyclic (one-cycle) rises linearly to the peak and falls to minLr', () => {
    const lr = makeSchedule({ kind: 'cyclic', maxLr: 0.2, epochs: 10, peakEpoch: 4 });
    expect(lr(0)).toBe(0);
    expect(lr(2)).toBeCloseTo(0.1, 15);
    expect(lr(4)).toBeCloseTo(0.2, 15);
    expect(lr(7)).toBeCloseTo(0.1, 15);
    expect(lr(10)).toBe(0);
    expect(lr(12)).toBe(0);
    const floor = makeSchedule({ kind: 'cyclic', maxLr: 0.2, minLr: 0.02, epochs: 10, peakEpoch: 5 });
    expect(floor(0)).toBeCloseTo(0.02, 15);
    expect(floor(10)).toBeCloseTo(0.02, 15);
  });

  it('linear warm-up scales any schedule by min(1, t / warmupEpochs)', () => {
    const lr = makeSchedule({ kind: 'constant', lr: 0.4, warmupEpochs: 2 });
    expect(lr(0)).toBe(0);
    expect(lr(0.5)).toBeCloseTo(0.1, 15);
    expect(lr(2)).toBeCloseTo(0.4, 15);
    expect(lr(3)).toBeCloseTo(0.4, 15);
    const pw = makeSchedule({ kind: 'piecewise', lr: 1, milestones: [1], gamma: 0.5, warmupEpochs: 2 });
    expect(pw(1.5)).toBeCloseTo(0.5 * 0.75, 15);
  });

  it('bad specs are typed errors naming the option', () => {
    for (const [spec, option] of [
      [{ kind: 'constant', lr: 0 }, 'lr'],
      [{ kind: 'constant', lr: -0.1 }, 'lr'],
      [{ kind: 'piecewise', lr: 0.1, milestones: [5, 3] }, 'milestones'],
      [{ kind: 'cyclic', maxLr: 0.1, epochs: 10, peakEpoch: 12 }, 'peakEpoch'],
      [{ kind: 'cyclic', maxLr: 0, epochs: 10, peakEpoch: 4 }, 'maxLr'],
      [{ kind: 'constant', lr: 0.1, warmupEpochs: -1 }, 'warmupEpochs'],
      [{ kind: 'constant', lr: 0.1, decay: 3 }, 'decay'],
      [{ kind: 'cosine', lr: 0.1 }, 'kind'],
    ] as const) {
      const e = errorOf(spec);
      expect(e).toBeInstanceOf(NtkError);
      expect(e.code).toBe('E_INVALID_ARGUMENT');
      expect(e.message).toContain(`"${option}"`);
    }
  });
});
