// On-device training metrics: each step's loss sum, correct count, non-finite input count and
// gradient norm are copied into one device buffer; it is read back once per logging interval,
// checked for NaN/Inf (E_NOT_FINITE naming the exact step) and summarised into a LogEntry.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import type { LossResult } from '../nn/model.js';
import { countNonFinite, sumAll } from '../ops/reduce.js';
import { Tensor } from '../tensor/tensor.js';

/** One logging interval's summary. */
export interface LogEntry {
  /** Epoch (0-based) of the interval's last step. */
  epoch: number;
  /** Global step numbers (1-based) of the interval's first and last step. */
  firstStep: number;
  step: number;
  /** Fractional epoch at the end of the interval. */
  epochFraction: number;
  /** Mean training loss and accuracy over the interval's samples. */
  loss: number;
  accuracy: number;
  samples: number;
  /** Learning rate of the interval's last step. */
  lr: number;
  /** Global gradient norm (before clipping) of the last step, when clipping is on. */
  gradNorm: number | null;
}

const COLUMNS = 4; // loss sum, correct count, non-finite inputs, gradient norm

interface StepInfo {
  step: number;
  epoch: number;
  epochFraction: number;
  samples: number;
  lr: number;
  clipped: boolean;
}

/** Collects per-step loss and accuracy on the device and reads them back once per logging interval (checking for NaN/Inf). */
export class StepMonitor {
  private readonly metrics: Tensor;
  private steps: StepInfo[] = [];

  /** A monitor of `logEvery` steps per interval on `gpu`. */
  constructor(
    readonly gpu: Gpu,
    /** Steps per logging interval (rows of the device buffer). */
    readonly logEvery: number,
  ) {
    this.metrics = Tensor.zeros(gpu, [logEvery, COLUMNS]);
  }

  /** True when a full interval is recorded and flush() should run. */
  get full(): boolean {
    return this.steps.length === this.logEvery;
  }

  /** Records one step's metrics on the device (no readback). `clip` is Sgd.lastClip. */
  record(info: Omit<StepInfo, 'clipped'>, x: Tensor, result: LossResult, clip: Tensor | null): void {
    const row = this.steps.length;
    const base = row * COLUMNS * 4;
    const sums = [sumAll(result.losses), sumAll(result.correct), countNonFinite(x)];
    sums.forEach((s, j) => {
      this.gpu.copy(s.buffer, 0, this.metrics.buffer, base + 4 * j, 4);
      s.dispose();
    });
    if (clip) this.gpu.copy(clip.buffer, 4, this.metrics.buffer, base + 12, 4);
    this.steps.push({ ...info, clipped: clip !== null });
  }

  /**
   * Reads the interval's metrics (one readback), throws E_NOT_FINITE at the first step whose
   * inputs held NaN/Inf or whose loss is not finite, and returns the summary (null if empty).
   */
  async flush(): Promise<LogEntry | null> {
    if (this.steps.length === 0) return null;
    const data = await this.metrics.read();
    const steps = this.steps;
    this.steps = [];
    this.gpu.zero(this.metrics.buffer, this.metrics.bytes);
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    steps.forEach((s, r) => {
      const [loss, right, nonFinite] = data.subarray(r * COLUMNS, r * COLUMNS + 3);
      if (nonFinite > 0) {
        throw new NtkError(
          'E_NOT_FINITE',
          `step ${s.step} (epoch ${s.epoch}): the input batch x holds ${nonFinite} NaN/Inf values; check the data pipeline.`,
          { step: s.step, epoch: s.epoch, nonFinite },
        );
      }
      if (!Number.isFinite(loss)) {
        throw new NtkError(
          'E_NOT_FINITE',
          `step ${s.step} (epoch ${s.epoch}, lr ${s.lr}): the training loss is ${loss}; training diverged (or a label is not ` +
            'a class index). Lower the learning rate or enable gradient clipping (clipNorm).',
          { step: s.step, epoch: s.epoch, loss },
        );
      }
      lossSum += loss;
      correct += right;
      samples += s.samples;
    });
    const last = steps[steps.length - 1];
    return {
      epoch: last.epoch,
      firstStep: steps[0].step,
      step: last.step,
      epochFraction: last.epochFraction,
      loss: lossSum / samples,
      accuracy: correct / samples,
      samples,
      lr: last.lr,
      gradNorm: last.clipped ? data[(steps.length - 1) * COLUMNS + 3] : null,
    };
  }

  /** Frees the device buffer. */
  dispose(): void {
    this.metrics.dispose();
  }
}
