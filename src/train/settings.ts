// The one rule per training setting: method, epochs, batch size, logging interval, seed, BatchNorm
// sources, and the attack's threat model (attacks/options.ts checkThreatModel), steps and
// anisotropy. train() checks its options with it; the run recipe (src/run/recipe.ts) checks its
// training fields with it before anything is written, naming the recipe field instead of the option.

import { ANISOTROPIES } from '../attacks/anisotropic.js';
import { ATTACK_BN_MODES, checkThreatModel } from '../attacks/options.js';
import { TRAINING_METHODS, TRAIN_METHODS, trainingMethod, type MethodAttackSettings } from './methods.js';
import type { TrainOptions } from './trainer.js';

/** The batches BatchNorm can learn its statistics from (see BnStatsSource). */
export const BN_STATS_SOURCES = ['adversarial', 'clean', 'mixed'] as const;

/** The settings these rules cover: the run-defining scalars of TrainOptions and its attack. */
export type TrainSettings = Pick<TrainOptions, 'method' | 'epochs' | 'batchSize' | 'bnStats' | 'logEvery' | 'seed'> & MethodAttackSettings;

/** How a caller reports a broken rule (it throws): the setting, what it must be, and the value. */
export type SettingFailure = (setting: keyof TrainSettings, expected: string, value: unknown) => never;

/**
 * Checks every TrainSettings value for inputs of `dims` values per sample (the radius bound
 * depends on it) and calls `fail` on the first one that breaks its rule.
 */
export function checkTrainSettings(o: TrainSettings, dims: number, fail: SettingFailure): void {
  const integer = (k: keyof TrainSettings, min: number) => {
    const v = o[k];
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) fail(k, `an integer >= ${min}`, v);
  };
  const positive = (k: keyof TrainSettings) => {
    const v = o[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(k, 'a number > 0', v);
  };
  const choice = (k: keyof TrainSettings, choices: readonly unknown[]) => {
    if (!choices.includes(o[k])) fail(k, `one of ${choices.join(', ')}`, o[k]);
  };
  choice('method', TRAIN_METHODS);
  integer('epochs', 1);
  integer('batchSize', 1);
  choice('bnStats', BN_STATS_SOURCES);
  integer('logEvery', 1);
  integer('seed', 0);
  checkThreatModel({ norm: o.norm, eps: o.eps, stepFactor: o.pgdStepFactor }, dims, (k, expected, value) => fail(k === 'stepFactor' ? 'pgdStepFactor' : k, expected, value));
  const norms: readonly string[] = TRAINING_METHODS[o.method].norms;
  if (!norms.includes(o.norm)) fail('norm', `a norm that ${o.method} supports (${norms.join(', ')})`, o.norm);
  integer('pgdSteps', 1);
  choice('anisotropy', ANISOTROPIES);
  positive('anisotropyMaxScale');
  if (o.singleStepFactor !== null) {
    positive('singleStepFactor');
    if (!trainingMethod(o.method).singleStepFactor) {
      fail('singleStepFactor', `null: ${o.method} has no single step to size (fgsm-rs, n-fgsm and fgsm-aniso have)`, o.singleStepFactor);
    }
  }
  choice('attackBnMode', ATTACK_BN_MODES);
}
