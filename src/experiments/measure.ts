// Numbers an experiment report prints, each traceable to one run's log: a `Measured` names its run
// and a source (a field of a log record, or a derived quantity computed from the log by a named
// function in DERIVED), and `measure` is the one way to read it; seed aggregates keep every value.

import { NtkError } from '../errors.js';
import type { LogRecord } from '../io/runlog.js';
import { catastrophicOverfitting } from './statistics.js';

/** One number read from a run's log. `source`: `type[index].field.path` or `derived:<name>`. */
export interface Measured {
  run: string;
  source: string;
  value: number;
}

/** Mean and spread over seeds, with every seed's value (and where it came from). */
export interface Aggregate {
  mean: number;
  /** Sample standard deviation (n − 1), 0 for one value; NaN values are left out of both. */
  sd: number;
  min: number;
  max: number;
  values: Measured[];
}

/** Passes through the network (forward + backward of one image = 1; forward only = 1/3) per image of a step. */
export function passesPerImage(method: string, pgdSteps: number, bnStats: string): number {
  const attack = method === 'standard' ? 0 : method === 'pgd' ? pgdSteps : 1;
  if (method === 'standard') return 1;
  if (bnStats === 'mixed') return attack + 2;
  if (bnStats === 'clean') return attack + 1 + 1 / 3;
  return attack + 1;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

function config(records: LogRecord[]): LogRecord {
  const c = records.filter((r) => r.type === 'config').at(-1);
  if (!c) throw new NtkError('E_INVALID_ARGUMENT', 'measure: the run log has no config record.');
  return c;
}

/** The method of each training step, from the config and the logged switch event. */
export function methodTimeline(records: LogRecord[]): { before: string; after: string; switchEpoch: number | null } {
  const c = config(records);
  const train = c.train as { method: string };
  const sw = c.switch as { warmupMethod?: string } | null;
  const event = records.find((r) => r.type === 'event' && r.event === 'switch');
  if (!sw) return { before: train.method, after: train.method, switchEpoch: null };
  return { before: sw.warmupMethod ?? 'standard', after: train.method, switchEpoch: event ? num(event.epochFraction) : null };
}

/**
 * Training cost in passes through the network (attack steps included): for each logged interval,
 * images × passes per image of the method in force at that step. Validation and NTK checks excluded.
 */
export function trainingPasses(records: LogRecord[]): number {
  const c = config(records);
  const train = c.train as { pgdSteps: number; bnStats?: string; batchSize: number; epochs: number };
  const { before, after, switchEpoch } = methodTimeline(records);
  const bnStats = train.bnStats ?? 'adversarial';
  const steps = records.filter((r) => r.type === 'step');
  const stepsPerEpoch = Math.max(...records.filter((r) => r.type === 'epoch').map((r) => num(r.step) / (num(r.epoch) + 1)));
  let total = 0;
  for (const s of steps) {
    const images = num(s.samples);
    const count = num(s.step) - num(s.firstStep) + 1;
    const perStep = images / count;
    for (let k = num(s.firstStep); k <= num(s.step); k++) {
      const fraction = (k - 1) / stepsPerEpoch; // the epoch fraction the step started at (as methodAt sees it)
      const method = switchEpoch === null ? (c.switch ? before : after) : fraction >= switchEpoch - 1e-9 ? after : before;
      total += perStep * passesPerImage(method, train.pgdSteps, bnStats);
    }
  }
  return total;
}

/** Training wall time (seconds, incl. per-epoch validation and NTK checks) from the `end` event. */
export function trainingSeconds(records: LogRecord[]): number {
  const end = records.filter((r) => r.type === 'event' && r.event === 'end').at(-1);
  return end ? num(end.seconds) : NaN;
}

/** Seconds spent in NTK checks during training (the tracker's own timing). */
export function kernelCheckSeconds(records: LogRecord[]): number {
  return records.filter((r) => r.type === 'kernel').reduce((s, r) => s + num(r.seconds), 0);
}

/** Epoch fraction of the kernel switch (NaN when there was none). */
export function switchEpoch(records: LogRecord[]): number {
  return methodTimeline(records).switchEpoch ?? NaN;
}

/** Epochs from the spectrum monitor's first firing to the first check meeting the CO criterion (positive: it fired first); NaN unless both happened. */
export function monitorLead(records: LogRecord[]): number {
  const firing = records.find((r) => r.type === 'event' && r.event === 'co-monitor');
  return firing ? coCriterionEpoch(records) - num(firing.epochFraction) : NaN;
}

/**
 * Mean kernel velocity (KD per epoch between consecutive checks) over the checks of learning-rate
 * stage `stage` (1-based: the epochs run at the first learning rate, then the next, ...), leaving out
 * the dense checks of the first epoch; a check belongs to the stage of the epoch it ends. NaN if the
 * run has no such stage.
 */
export function stageVelocity(records: LogRecord[], stage: number): number {
  const epochs = records.filter((r) => r.type === 'epoch');
  const rates: number[] = [];
  const stageOfEpoch = epochs.map((e) => {
    const lr = num(e.lr);
    if (rates.at(-1) !== lr) rates.push(lr);
    return rates.length;
  });
  const velocities = records
    .filter((r) => r.type === 'kernel' && num(r.epochFraction) >= 2 && Number.isInteger(num(r.epochFraction)))
    .filter((r) => stageOfEpoch[num(r.epochFraction) - 1] === stage)
    .map((r) => num(r.velocity));
  return velocities.length ? velocities.reduce((a, b) => a + b, 0) / velocities.length : NaN;
}

/** The epoch fraction at the end of the first logged interval whose mean training loss is at most `level`, or NaN if none reached it. */
export function epochAtLoss(records: LogRecord[], level: number): number {
  const reached = records.find((r) => r.type === 'step' && num(r.loss) <= level);
  return reached ? num(reached.epochFraction) : NaN;
}

/** The probe kernel's distance to its initial value at the first check at or after epochAtLoss(level) (NaN if none). */
export function distanceAtLoss(records: LogRecord[], level: number): number {
  const epoch = epochAtLoss(records, level);
  const check = records.find((r) => r.type === 'kernel' && num(r.epochFraction) >= epoch - 1e-9);
  return check ? num(check.distanceToInit) : NaN;
}

/** A run's per-epoch validation checks: epoch end (1-based), PGD-k accuracy with the CE loss and FGSM accuracy (NaN where not measured). */
export function validationCurve(records: LogRecord[]): Array<{ epoch: number; pgd: number; singleStep: number }> {
  return records
    .filter((r) => r.type === 'epoch' && r.validation)
    .map((r) => {
      const accuracy = (r.validation as { accuracy: Record<string, number> }).accuracy;
      const pgd = Object.keys(accuracy).find((k) => /^pgd\d+$/.test(k));
      return { epoch: num(r.epoch) + 1, pgd: pgd ? accuracy[pgd] : NaN, singleStep: num(accuracy.fgsm) };
    });
}

/** The epoch (1-based) of the first validation check that meets the CO criterion of statistics.ts, or NaN. */
export function coCriterionEpoch(records: LogRecord[]): number {
  const curve = validationCurve(records).filter((c) => Number.isFinite(c.pgd) && Number.isFinite(c.singleStep));
  return catastrophicOverfitting(curve).at ?? NaN;
}

/** The highest per-epoch validation PGD accuracy (CE loss) of a run, or NaN without validation. */
export function bestValidationPgd(records: LogRecord[]): number {
  const values = validationCurve(records)
    .map((c) => c.pgd)
    .filter(Number.isFinite);
  return values.length ? Math.max(...values) : NaN;
}

/** The validation PGD accuracy (CE loss) at the end of epoch `epoch` (1-based; -1: the last check), or NaN. */
export function validationPgd(records: LogRecord[], epoch: number): number {
  const curve = validationCurve(records);
  return (epoch === -1 ? curve.at(-1) : curve.find((c) => c.epoch === epoch))?.pgd ?? NaN;
}

/** The top eigenvalue's share of the spectrum, λ_max / trace, at the kernel check of index `check` (-1: the last), or NaN. */
export function topEigenvalueShare(records: LogRecord[], check: number): number {
  const kernels = records.filter((r) => r.type === 'kernel');
  const k = check < 0 ? kernels.at(check) : kernels[check];
  return k ? num(k.lambdaMax) / num(k.trace) : NaN;
}

/**
 * The first kernel check's epoch at which the probe kernel's kernel machine (f0 = 0, ridge by LOO; tracker
 * `regression.kernel.clean`) reaches `fraction` of its value at the last check, or NaN without the metric.
 */
export function kernelRegressionEpoch(records: LogRecord[], fraction: number): number {
  const checks = records
    .filter((r) => r.type === 'kernel' && r.regression)
    .map((r) => ({ epoch: num(r.epochFraction), accuracy: num((r.regression as { kernel: { clean: number } }).kernel.clean) }));
  const last = checks.at(-1);
  return last ? (checks.find((c) => c.accuracy >= fraction * last.accuracy)?.epoch ?? NaN) : NaN;
}

/** Derived quantities a report may print: name -> function of the whole log and an optional number (`derived:name(arg)`). */
export const DERIVED: Record<string, (records: LogRecord[], arg: number) => number> = {
  passes: trainingPasses,
  trainingSeconds,
  kernelCheckSeconds,
  switchEpoch,
  monitorLead,
  stageVelocity,
  epochAtLoss,
  distanceAtLoss,
  coCriterionEpoch,
  bestValidationPgd,
  validationPgd,
  topEigenvalueShare,
  kernelRegressionEpoch,
};

/** Reads `source` from a run's records (see Measured); NaN when the record or field is missing. */
export function lookup(records: LogRecord[], source: string): number {
  if (source.startsWith('derived:')) {
    const [, name, arg] = /^derived:(\w+)(?:\(([-\d.e]+)\))?$/.exec(source) ?? [];
    const f = name === undefined ? undefined : DERIVED[name];
    if (!f) throw new NtkError('E_INVALID_ARGUMENT', `measure: unknown derived quantity "${source}".`);
    return f(records, arg === undefined ? NaN : Number(arg));
  }
  const m = /^([\w-]+)(?:\{(\w+)=([\w.-]+)\})?\[(-?\d+)\]\.(.+)$/.exec(source);
  if (!m)
    throw new NtkError('E_INVALID_ARGUMENT', `measure: "${source}" is not a source (type[index].field or type{key=value}[index].field).`);
  const [, type, key, value, index, path] = m;
  const list = records.filter((r) => r.type === type && (key === undefined || String(r[key]) === value));
  const i = Number(index);
  let cur: unknown = list.at(i);
  for (const part of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return num(cur);
}

/** A Measured value for `run` from its records. */
export function measure(run: string, records: LogRecord[], source: string): Measured {
  return { run, source, value: lookup(records, source) };
}

/** Mean, sample standard deviation and range over the finite values. */
export function aggregate(values: Measured[]): Aggregate {
  const finite = values.map((v) => v.value).filter(Number.isFinite);
  const n = finite.length;
  const mean = n ? finite.reduce((s, v) => s + v, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
  return { mean, sd, min: n ? Math.min(...finite) : NaN, max: n ? Math.max(...finite) : NaN, values };
}

/** `mean ± sd (v1, v2, ...)` with `format` for each number. */
export function formatAggregate(a: Aggregate, format: (v: number) => string): string {
  if (!Number.isFinite(a.mean)) return a.values.length ? `- (${a.values.map((v) => format(v.value)).join(', ')})` : '-';
  const each = a.values.map((v) => format(v.value)).join(', ');
  return a.values.length > 1 ? `${format(a.mean)} ± ${format(a.sd)} (${each})` : format(a.mean);
}
