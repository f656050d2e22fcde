// Events of a run read from its log, for the vertical markers of report plots: the kernel switch
// (`event: switch` record), learning-rate milestones (the piecewise schedule in the config record)
// and catastrophic-overfitting flags (epoch records), the latter only where adversarial training ran.

import type { LogRecord } from '../io/runlog.js';
import { TRAINING_METHODS } from '../train/methods.js';

/** One event in a run, at `x` epochs from the start. */
export interface TimelineEvent {
  kind: 'switch' | 'lr-milestone' | 'co';
  x: number;
  label: string;
}

/** Whether the registry marks `method` adversarial (catastrophic overfitting means nothing for the others). */
export const isAdversarialMethod = (method: unknown): boolean =>
  typeof method === 'string' &&
  Object.hasOwn(TRAINING_METHODS, method) &&
  TRAINING_METHODS[method as keyof typeof TRAINING_METHODS].adversarial;

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** The last record of `type` (a resumed run may log its config again). */
export const lastOfType = (records: LogRecord[], type: string): LogRecord | undefined => records.filter((r) => r.type === type).at(-1);

/** The first object inside `value` (depth first, `value` included) that has `key`. */
export function findWithKey(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, key)) return object;
  for (const child of Object.values(object)) {
    const found = findWithKey(child, key);
    if (found) return found;
  }
  return undefined;
}

/** The kernel switch of the run (its `event: switch` record), if it happened. */
export const switchRecord = (records: LogRecord[]): LogRecord | undefined =>
  records.find((r) => r.type === 'event' && r.event === 'switch');

/**
 * The method that trained epoch record `epoch`: with a kernel switch in the config (`warmupMethod`,
 * rule not `off`), the warm-up method for an epoch that ended at or before the switch (older logs
 * name the target method in every epoch record); else the epoch's method.
 */
export function epochMethod(records: LogRecord[], epoch: LogRecord): unknown {
  const config = lastOfType(records, 'config');
  const switched = switchRecord(records);
  const switchConfig = findWithKey(config, 'warmupMethod');
  const active = switchConfig !== undefined && switchConfig.rule !== 'off';
  const warmUp = active && (switched === undefined || num(epoch.epoch) + 1 <= num(switched.epochFraction));
  if (warmUp) return switchConfig?.warmupMethod;
  return epoch.method ?? config?.method;
}

/** Whether the CO flag of an epoch record applies: true / false for adversarial training, null (not applicable) otherwise. */
export function coFlag(records: LogRecord[], epoch: LogRecord): boolean | null {
  return isAdversarialMethod(epochMethod(records, epoch)) ? epoch.catastrophicOverfitting === true : null;
}

/** Learning-rate milestones (epochs) of a piecewise schedule in the config record, else none. */
export function lrMilestones(records: LogRecord[]): number[] {
  const schedule = findWithKey(lastOfType(records, 'config'), 'milestones');
  const milestones = schedule?.milestones;
  return schedule?.kind === 'piecewise' && Array.isArray(milestones) ? milestones.filter((m): m is number => typeof m === 'number') : [];
}

/** Every event of the run, in the epoch units of the report's x axes (epoch record e is drawn at e + 1). */
export function runEvents(records: LogRecord[], epochs: LogRecord[]): TimelineEvent[] {
  const events: TimelineEvent[] = lrMilestones(records).map((m) => ({ kind: 'lr-milestone', x: m, label: 'lr decay' }));
  const switched = switchRecord(records);
  if (switched) events.push({ kind: 'switch', x: num(switched.epochFraction), label: `switch (${String(switched.reason ?? '')})` });
  for (const e of epochs) if (coFlag(records, e)) events.push({ kind: 'co', x: num(e.epoch) + 1, label: 'CO' });
  return events;
}
