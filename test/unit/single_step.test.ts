// The single-step size option (training.attack.singleStepFactor): null trains exactly as the
// method's own step (FGSM-RS: 1.25·eps, bit for bit), another factor changes the training inputs,
// and a method without a single step to size refuses it before anything runs.

import { expect, it } from 'vitest';
import { createGpu } from '../../src/ops/program_choice.js';
import { runRecipe } from '../../src/run/orchestrator.js';
import { resolveRecipe, type PartialRecipe } from '../../src/run/recipe.js';

const recipe = (singleStepFactor: number | null, method = 'fgsm-rs'): PartialRecipe => ({
  data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 0, testSize: 20, seed: 1 },
  model: { kind: 'mlp', hidden: [8] },
  training: {
    method: method as 'fgsm-rs',
    epochs: 1,
    batchSize: 25,
    lr: 0.1,
    schedule: 'constant',
    seed: 1,
    logEvery: 1,
    attack: { eps: 0.1, singleStepFactor },
  },
  evaluation: { threats: ['clean'] },
});

it("null is the method's own step bit for bit; factor 2 trains on other inputs", async () => {
  const gpu = await createGpu({ adapter: 'llvmpipe' });
  try {
    // The checkpoints differ in the recipe they store; the training losses are the step's fingerprint.
    const losses = async (f: number | null) =>
      (await runRecipe(recipe(f), { gpu })).log.filter((r) => r.type === 'step').map((r) => r.loss);
    const own = await losses(null);
    expect(own.length).toBeGreaterThan(0);
    expect(await losses(1.25)).toEqual(own);
    expect(await losses(2)).not.toEqual(own);
  } finally {
    gpu.destroy();
  }
});

it('refuses a step factor for methods without a single step, and a non-positive one', () => {
  expect(() => resolveRecipe(recipe(2, 'pgd'))).toThrow(/singleStepFactor.*pgd has no single step/);
  expect(() => resolveRecipe(recipe(2, 'fgsm'))).toThrow(/fgsm has no single step/);
  expect(() => resolveRecipe(recipe(0))).toThrow(/singleStepFactor/);
  expect(resolveRecipe(recipe(2, 'n-fgsm')).training.attack.singleStepFactor).toBe(2);
});
