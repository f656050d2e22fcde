// Kernel checks more often than once an epoch (ntk.everyEpochs = 1/k): the spectrum monitor's lead
// time needs them. A run logs a check at every quarter epoch after the dense first epoch; an interval
// that does not split the epoch evenly is refused by the recipe, naming the field.

import { expect, it } from 'vitest';
import { runRecipe } from '../../src/run/orchestrator.js';
import { resolveRecipe, type PartialRecipe } from '../../src/run/recipe.js';
import { isCheckInterval } from '../../src/train/kernel_tracker.js';

const recipe = (everyEpochs: number): PartialRecipe => ({
  data: { dataset: 'synthetic-clusters', trainSize: 200, validationSize: 20, testSize: 20, seed: 3 },
  model: { kind: 'mlp', hidden: [8] },
  training: { method: 'standard', epochs: 2, batchSize: 25, lr: 0.1, schedule: 'constant', seed: 3 },
  ntk: { enabled: true, probePerClass: 1, attack: 'none', everyEpochs },
  evaluation: { threats: ['clean'] },
});

it('checks at every quarter epoch after the first epoch', async () => {
  const result = await runRecipe(recipe(0.25), { adapter: 'llvmpipe' });
  const fractions = result.log.filter((r) => r.type === 'kernel').map((r) => r.epochFraction as number);
  expect(fractions.filter((f) => f > 1)).toEqual([1.25, 1.5, 1.75, 2]);
});

it('takes whole epochs and even splits of one, and refuses the rest naming the field', () => {
  expect([1, 2, 0.5, 0.25, 0.2, 1 / 3].map(isCheckInterval)).toEqual([true, true, true, true, true, true]);
  expect([0, -1, 0.3, 1.5, NaN].map(isCheckInterval)).toEqual([false, false, false, false, false]);
  expect(() => resolveRecipe(recipe(0.3))).toThrow(/ntk\.everyEpochs.*1\/k/);
});
