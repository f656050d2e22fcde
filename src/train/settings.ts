// The one rule per training setting: method, epochs, batch size, logging interval, seed, BatchNorm
// sources, the optimizer (optim/sgd.ts checkSgdOptions), the attack's threat model
// (attacks/options.ts checkThreatModel) and steps, and each method-owned setting by the rule its
// entry declares (train/methods.ts METHOD_OPTIONS). train() checks its options with it;
// the run recipe (src/run/recipe.ts) checks its training fields with it before anything is written,
// naming the recipe field instead of the option.

import type { Norm } from '../ops/attack_step.js';
import { ATTACK_BN_MODES, checkThreatModel } from '../attacks/options.js';
import { METHOD_OPTIONS, TRAINING_METHODS, TRAIN_METHODS, trainingMethod, type MethodAttackSettings, type TrainMethod } from './methods.js';
import { checkSgdOptions, DEFAULT_SGD_OPTIONS, type SgdOptions } from '../optim/sgd.js';
import type { TrainOptions } from './trainer.js';

/** The batches BatchNorm can learn its statistics from (see BnStatsSource). */
export const BN_STATS_SOURCES = ['adversarial', 'clean', 'mixed'] as const;

/** The settings these rules cover: the run-defining scalars of TrainOptions and its attack. */
export type TrainSettings = Pick<TrainOptions, 'method' | 'epochs' | 'batchSize' | 'bnStats' | 'logEvery' | 'seed' | 'sgd'> &
  MethodAttackSettings;

/** A setting's name: a TrainSettings key, or `sgd.<option>` for the optimizer's. */
export type SettingName = Exclude<keyof TrainSettings, 'sgd'> | `sgd.${Exclude<keyof SgdOptions, 'lr'>}`;

/** How a caller reports a broken rule (it throws): the setting, what it must be, and the value. */
export type SettingFailure = (setting: SettingName, expected: string, value: unknown) => never;

/** null when `method` trains in the `norm` ball, else what the norm must be (for the caller's error message). */
export function normProblem(method: TrainMethod, norm: Norm): string | null {
  const norms: readonly Norm[] = TRAINING_METHODS[method].norms;
  return norms.includes(norm) ? null : `a norm that ${method} supports (${norms.join(', ')})`;
}

/**
 * Checks every TrainSettings value for inputs of `dims` values per sample (the radius bound
 * depends on it) and calls `fail` on the first one that breaks its rule.
 */
export function checkTrainSettings(o: TrainSettings, dims: number, fail: SettingFailure): void {
  type Scalar = Exclude<keyof TrainSettings, 'sgd'>;
  const integer = (k: Scalar, min: number) => {
    const v = o[k];
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) fail(k, `an integer >= ${min}`, v);
  };
  const positive = (k: Scalar) => {
    const v = o[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(k, 'a number > 0', v);
  };
  const choice = (k: Scalar, choices: readonly unknown[]) => {
    if (!choices.includes(o[k])) fail(k, `one of ${choices.join(', ')}`, o[k]);
  };
  choice('method', TRAIN_METHODS);
  integer('epochs', 1);
  integer('batchSize', 1);
  choice('bnStats', BN_STATS_SOURCES);
  integer('logEvery', 1);
  integer('seed', 0);
  checkSgdOptions({ ...DEFAULT_SGD_OPTIONS, ...o.sgd }, (option, expected, value) => fail(`sgd.${option}`, expected, value));
  checkThreatModel({ norm: o.norm, eps: o.eps, stepFactor: o.pgdStepFactor }, dims, (k, expected, value) =>
    fail(k === 'stepFactor' ? 'pgdStepFactor' : k, expected, value),
  );
  if (o.eps === 0 && TRAIN_METHODS.includes(o.method) && trainingMethod(o.method).adversarial) {
    fail('eps', `a radius > 0 for ${o.method} (eps 0 attacks nothing: that is method standard)`, o.eps);
  }
  const unsupported = normProblem(o.method, o.norm);
  if (unsupported) fail('norm', unsupported, o.norm);
  integer('pgdSteps', 1);
  for (const option of METHOD_OPTIONS) {
    const { name, rule } = option;
    if (rule.kind === 'choice') choice(name, rule.choices);
    else if (rule.kind === 'positive') positive(name);
    else if (o[name] !== null) {
      positive(name);
      const owners = `${option.owners.slice(0, -1).join(', ')}${option.owners.length > 1 ? ' and ' : ''}${option.owners[option.owners.length - 1]}`;
      if (!option.owners.includes(o.method)) fail(name, `null: ${o.method} ${rule.unowned} (${owners} have)`, o[name]);
    }
  }
  choice('attackBnMode', ATTACK_BN_MODES);
}
