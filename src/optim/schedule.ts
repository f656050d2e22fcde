// Learning-rate schedules as pure functions of the fractional epoch t (epoch + step/stepsPerEpoch):
// piecewise constant (decays at given epochs), cyclic/one-cycle (linear up, then down; Wong et
// al.'s fast AT), constant, each with an optional linear warm-up. Specs are plain data (configs).

import { NtkError } from '../errors.js';
import { requirePositive, resolveOptions } from '../options.js';

/** A learning-rate schedule over fractional epochs, with an optional linear warm-up from 0 over `warmupEpochs`. */
export type LrScheduleSpec =
  /** lr throughout. */
  | { kind: 'constant'; lr: number; warmupEpochs?: number }
  /** lr · gamma^k after the k-th milestone epoch (e.g. milestones [50, 75] of 100, gamma 0.1). */
  | { kind: 'piecewise'; lr: number; milestones: number[]; gamma?: number; warmupEpochs?: number }
  /**
   * One cycle: linear from minLr (default 0) at t = 0 to maxLr at peakEpoch, then linear to
   * minLr at `epochs` (and minLr after). Fast AT uses peakEpoch = 2/5 of the run.
   */
  | { kind: 'cyclic'; maxLr: number; epochs: number; peakEpoch: number; minLr?: number; warmupEpochs?: number };

/** A validated schedule: lr(t) for fractional epoch t >= 0. */
export type LrSchedule = (epoch: number) => number;

const SPEC_KEYS = {
  constant: { kind: 'constant', lr: 0, warmupEpochs: 0 },
  piecewise: { kind: 'piecewise', lr: 0, milestones: [] as number[], gamma: 0.1, warmupEpochs: 0 },
  cyclic: { kind: 'cyclic', maxLr: 0, epochs: 0, peakEpoch: 0, minLr: 0, warmupEpochs: 0 },
} as const;

/**
 * Validates a spec (typed errors naming the option: a learning rate <= 0, unknown kinds or
 * keys, milestones not increasing) and returns lr(t). With `warmupEpochs` w > 0, the result is
 * multiplied by min(1, t / w) (linear warm-up from 0).
 */
export function makeSchedule(spec: LrScheduleSpec): LrSchedule {
  const where = 'learning-rate schedule';
  const kind = (spec as { kind?: string }).kind;
  if (!kind || !(kind in SPEC_KEYS)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "kind" is "${kind}"; use one of ${Object.keys(SPEC_KEYS).join(', ')}.`, {
      option: 'kind',
    });
  }
  const s = resolveOptions(`${where} (${kind})`, SPEC_KEYS[kind as keyof typeof SPEC_KEYS], spec) as Record<string, unknown>;
  const warmup = s.warmupEpochs as number;
  if (!(Number.isFinite(warmup) && warmup >= 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "warmupEpochs" must be a number >= 0, got ${warmup}.`, {
      option: 'warmupEpochs',
    });
  }
  let base: LrSchedule;
  if (kind === 'constant') {
    const lr = s.lr as number;
    requirePositive(where, 'lr', lr);
    base = () => lr;
  } else if (kind === 'piecewise') {
    const lr = s.lr as number;
    const gamma = s.gamma as number;
    const milestones = s.milestones as number[];
    requirePositive(where, 'lr', lr);
    requirePositive(where, 'gamma', gamma);
    const increasing =
      Array.isArray(milestones) && milestones.every((m, i) => Number.isFinite(m) && m > 0 && (i === 0 || m > milestones[i - 1]));
    if (!increasing) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "milestones" [${milestones}] must be increasing epochs > 0.`, {
        option: 'milestones',
      });
    }
    base = (t) => lr * gamma ** milestones.filter((m) => t >= m).length;
  } else {
    const maxLr = s.maxLr as number;
    const minLr = s.minLr as number;
    const epochs = s.epochs as number;
    const peak = s.peakEpoch as number;
    requirePositive(where, 'maxLr', maxLr);
    requirePositive(where, 'epochs', epochs);
    if (!(minLr >= 0 && minLr < maxLr)) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "minLr" must be in [0, maxLr), got ${minLr}.`, { option: 'minLr' });
    }
    if (!(peak > 0 && peak < epochs)) {
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "peakEpoch" must be in (0, epochs), got ${peak}.`, {
        option: 'peakEpoch',
      });
    }
    base = (t) => {
      if (t <= peak) return minLr + ((maxLr - minLr) * Math.max(t, 0)) / peak;
      if (t >= epochs) return minLr;
      return maxLr - ((maxLr - minLr) * (t - peak)) / (epochs - peak);
    };
  }
  return warmup > 0 ? (t) => base(t) * Math.min(1, Math.max(t, 0) / warmup) : base;
}
