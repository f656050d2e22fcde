// Events name the method actually trained: a spectrum-monitor run (FGSM until the monitor fires,
// then FGSM with the anisotropic start) reports, in each step and epoch event, the method its log
// records for that step, before and after the monitor fires.

import { expect, it } from 'vitest';
import { runRecipe, type RecipeEvent } from '../../src/run/orchestrator.js';
import type { PartialRecipe } from '../../src/run/recipe.js';

const MONITORED: PartialRecipe = {
  data: { dataset: 'synthetic-clusters', trainSize: 200, validationSize: 20, testSize: 50, seed: 0 },
  model: { kind: 'mlp', hidden: [16] },
  training: { method: 'fgsm-aniso', epochs: 4, batchSize: 50, lr: 0.05, schedule: 'piecewise', logEvery: 1, seed: 0, attack: { eps: 0.1 } },
  ntk: { enabled: true, probePerClass: 2, attack: 'pgd', attackSteps: 2, monitor: 'aniso', monitorK: 0.5 },
  evaluation: { threats: ['clean'] },
};

it('step and epoch events name the method of the step the log records, before and after the monitor fires', async () => {
  const events: RecipeEvent[] = [];
  const result = await runRecipe(MONITORED, { adapter: 'llvmpipe', onEvent: (e) => void events.push(e) });
  const logged = new Map(result.log.filter((r) => r.type === 'step').map((r) => [r.step as number, r.method as string]));
  const methods = new Set(logged.values());
  expect([...methods].sort(), 'the monitor never fired: the test would prove nothing').toEqual(['fgsm', 'fgsm-aniso']);
  const steps = events.filter((e): e is Extract<RecipeEvent, { type: 'step' }> => e.type === 'step');
  expect(steps.length).toBe(logged.size);
  for (const e of steps) expect(e.method, `step ${e.step}`).toBe(logged.get(e.step));
  const epochs = events.filter((e): e is Extract<RecipeEvent, { type: 'epoch' }> => e.type === 'epoch');
  expect(epochs.map((e) => e.method)).toEqual(epochs.map((e) => logged.get(e.step)));
});
