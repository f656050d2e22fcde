// Event listeners that throw or reject, in the caller's own thread (runRecipe directly): the run
// goes on to its result, each failure is a non-fatal E_LISTENER event and in listenerErrors, and no
// unhandled rejection escapes (it would fail this test file).

import { expect, it } from 'vitest';
import { runRecipe, type RecipeEvent } from '../../src/run/orchestrator.js';

it('a listener that throws (step) and one that rejects (epoch) do not kill the run or the host', async () => {
  const events: RecipeEvent[] = [];
  const result = await runRecipe(
    {
      data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 0, testSize: 50 },
      model: { kind: 'mlp', hidden: [8] },
      training: { method: 'fgsm', epochs: 1, batchSize: 50, logEvery: 1, schedule: 'constant' },
      evaluation: { threats: ['clean'] },
    },
    {
      onEvent: [
        (e) => {
          events.push(e);
          if (e.type === 'step') throw new Error('sync listener bug');
        },
        async (e) => {
          if (e.type === 'epoch') throw new Error('async listener bug');
        },
      ],
    },
  );
  expect(result.evaluation.samples).toBe(50);
  expect(result.listenerErrors.some((m) => /sync listener bug/.test(m))).toBe(true);
  expect(result.listenerErrors.some((m) => /async listener bug/.test(m))).toBe(true);
  const errors = events.filter((e) => e.type === 'error');
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((e) => e.type === 'error' && e.code === 'E_LISTENER' && !e.fatal)).toBe(true);
  expect(events.at(-1)?.type).toBe('done');
});
