// Settings owned by their registry entry: each option a training method declares (train/methods.ts
// METHOD_OPTIONS) is a train() default, a recipe field training.attack.<name> with its default and
// its check, and a CLI flag, with no other declaration; one table of training defaults; the NTK
// probe attacks are threats of the threat registry. No device needed.

import { describe, expect, it } from 'vitest';
import { PROBE_ATTACKS, probeThreat, threatName } from '../../src/attacks/registry.js';
import { recipeFromFlags, RECIPE_FLAGS } from '../../src/cli/commands/train.js';
import { DEFAULT_SGD_OPTIONS } from '../../src/optim/sgd.js';
import { DEFAULT_RECIPE, NTK_ATTACKS, resolveRecipe, trainSettingsOf } from '../../src/run/recipe.js';
import { DEFAULT_TRACKER } from '../../src/train/kernel_tracker.js';
import { METHOD_OPTIONS, TRAIN_METHODS, trainingMethod } from '../../src/train/methods.js';
import { DEFAULT_TRAIN } from '../../src/train/trainer.js';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const withAttack = (method: string, name: string, value: unknown) => ({ training: { method, attack: { [name]: value } } });

describe('METHOD_OPTIONS', () => {
  it('collects every option the entries declare, once, with the methods that declare it', () => {
    for (const method of TRAIN_METHODS) {
      for (const name of Object.keys(trainingMethod(method).options ?? {})) {
        expect(METHOD_OPTIONS.find((o) => o.name === name)?.owners).toContain(method);
      }
    }
    expect(METHOD_OPTIONS.map((o) => [o.name, o.owners])).toEqual([
      ['anisotropy', ['fgsm-aniso']],
      ['anisotropyMaxScale', ['fgsm-aniso']],
      ['singleStepFactor', ['fgsm-rs', 'n-fgsm', 'fgsm-aniso']],
    ]);
  });

  it.each(METHOD_OPTIONS.map((o) => [o.name, o] as const))(
    '%s: train() default, recipe default, flag and check all come from its declaration',
    (name, option) => {
      expect((DEFAULT_TRAIN as unknown as Record<string, unknown>)[name]).toBe(option.default);
      expect((DEFAULT_RECIPE.training.attack as unknown as Record<string, unknown>)[name]).toBe(option.default);
      const flag = RECIPE_FLAGS[kebab(name)];
      expect(flag.paths).toEqual([`training.attack.${name}`]);
      expect(flag.description).toContain(option.owners.join(', '));
      const owner = option.owners[0];
      const field = new RegExp(`"training\\.attack\\.${name}"`);
      if (option.rule.kind === 'choice') {
        for (const choice of option.rule.choices)
          expect((resolveRecipe(withAttack(owner, name, choice)).training.attack as unknown as Record<string, unknown>)[name]).toBe(choice);
        expect(() => resolveRecipe(withAttack(owner, name, 'bogus'))).toThrow(field);
        expect(recipeFromFlags({ [kebab(name)]: option.rule.choices[0] })).toEqual({
          training: { attack: { [name]: option.rule.choices[0] } },
        });
      } else {
        expect(() => resolveRecipe(withAttack(owner, name, 0))).toThrow(field);
        expect(() => resolveRecipe(withAttack(owner, name, -1))).toThrow(field);
        expect((resolveRecipe(withAttack(owner, name, 3)).training.attack as unknown as Record<string, unknown>)[name]).toBe(3);
      }
      if (option.rule.kind === 'positive-or-null') {
        expect(recipeFromFlags({ [kebab(name)]: 'none' })).toEqual({ training: { attack: { [name]: null } } });
        const other = TRAIN_METHODS.find((m) => !option.owners.includes(m)) as string;
        expect(() => resolveRecipe(withAttack(other, name, 3))).toThrow(
          new RegExp(`training\\.attack\\.${name}.*null: ${other} ${option.rule.unowned}`),
        );
      }
    },
  );

  it('recipes and run logs keep their key order (config.json, checkpoint and log bytes of earlier runs): method options alphabetically before the attack BN mode', () => {
    expect(Object.keys(DEFAULT_RECIPE.training.attack)).toEqual([
      'norm',
      'eps',
      'steps',
      'stepFactor',
      'anisotropy',
      'anisotropyMaxScale',
      'singleStepFactor',
      'bnMode',
    ]);
    expect(Object.keys(trainSettingsOf(resolveRecipe({})))).toEqual([
      // the run log's `train` record
      'sgd',
      'method',
      'epochs',
      'batchSize',
      'bnStats',
      'logEvery',
      'seed',
      'eps',
      'norm',
      'pgdSteps',
      'pgdStepFactor',
      'anisotropy',
      'anisotropyMaxScale',
      'singleStepFactor',
      'attackBnMode',
    ]);
    expect(Object.keys(DEFAULT_TRAIN).slice(3, 11)).toEqual([
      'eps',
      'norm',
      'pgdSteps',
      'pgdStepFactor',
      'anisotropy',
      'anisotropyMaxScale',
      'singleStepFactor',
      'attackBnMode',
    ]);
  });
});

describe('one table of training defaults', () => {
  it("DEFAULT_RECIPE.training is DEFAULT_TRAIN in the recipe's fields, but for the schedule (a run decays its rate)", () => {
    const t = DEFAULT_RECIPE.training;
    const sgd = { ...DEFAULT_SGD_OPTIONS, ...DEFAULT_TRAIN.sgd };
    expect([t.method, t.epochs, t.batchSize, t.bnStats, t.logEvery, t.seed]).toEqual([
      DEFAULT_TRAIN.method,
      DEFAULT_TRAIN.epochs,
      DEFAULT_TRAIN.batchSize,
      DEFAULT_TRAIN.bnStats,
      DEFAULT_TRAIN.logEvery,
      DEFAULT_TRAIN.seed,
    ]);
    expect([t.attack.norm, t.attack.eps, t.attack.steps, t.attack.stepFactor, t.attack.bnMode]).toEqual([
      DEFAULT_TRAIN.norm,
      DEFAULT_TRAIN.eps,
      DEFAULT_TRAIN.pgdSteps,
      DEFAULT_TRAIN.pgdStepFactor,
      DEFAULT_TRAIN.attackBnMode,
    ]);
    expect([t.momentum, t.nesterov, t.weightDecay, t.validationPgdSteps, t.augment]).toEqual([
      sgd.momentum,
      sgd.nesterov,
      sgd.weightDecay,
      DEFAULT_TRAIN.validation.pgdSteps,
      false,
    ]);
    expect(t.lr).toBe(DEFAULT_TRAIN.schedule.lr);
    expect([DEFAULT_TRAIN.schedule.kind, t.schedule]).toEqual(['constant', 'piecewise']);
    expect([DEFAULT_RECIPE.ntk.kernel, DEFAULT_RECIPE.ntk.everyEpochs, DEFAULT_RECIPE.ntk.logKernels]).toEqual([
      DEFAULT_TRACKER.kind,
      DEFAULT_TRACKER.everyEpochs,
      DEFAULT_TRACKER.logKernels,
    ]);
  });
});

describe('probe attacks', () => {
  it("are threats of the threat registry: FGSM as the registry names it, PGD with the probes' steps", () => {
    expect(NTK_ATTACKS).toEqual([...PROBE_ATTACKS, 'none']);
    expect(threatName(probeThreat('fgsm', 7))).toBe('fgsm');
    expect(threatName(probeThreat('pgd', 7))).toBe('pgd7');
  });
});
