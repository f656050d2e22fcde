// One recipe, three Node surfaces: the CLI (`ntk-at train --config`, in-process), the library
// (runRecipe) and a worker_threads Worker running the built dist/worker.js (the comlink session)
// give the same final metrics and the same checkpoint bytes (same seed, same adapter). The browser
// page joins the comparison in test/runners/live-page.mjs. Also: a listener that throws or
// rejects is reported as a non-fatal error event and the run goes on.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, expect, it } from 'vitest';
import { parseRunLog } from '../../src/io/runlog.js';
import { runRecipe, type RecipeEvent } from '../../src/run/orchestrator.js';
import type { PartialRecipe } from '../../src/run/recipe.js';
import { connectSession, runRemote } from '../../src/worker/client.js';
import { cli } from './cli_io.js';

/** Tiny but complete: NTK tracking with the adversarial kernel, a kernel switch, PGD evaluation. */
const TINY_RECIPE: PartialRecipe = {
  data: { dataset: 'synthetic-clusters', trainSize: 100, validationSize: 20, testSize: 50, seed: 2 },
  model: { kind: 'mlp', hidden: [8] },
  training: {
    method: 'pgd',
    epochs: 1,
    batchSize: 25,
    lr: 0.1,
    schedule: 'constant',
    logEvery: 2,
    seed: 2,
    attack: { eps: 0.05, steps: 2 },
    validationPgdSteps: 2,
  },
  ntk: { enabled: true, probePerClass: 2, attack: 'pgd', attackSteps: 2 },
  switch: { rule: 'kernel', tau: 0 },
  evaluation: { threats: ['clean', 'fgsm', 'pgd3'] },
};

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-surfaces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('CLI, library and Node worker give the same metrics and checkpoint bytes for one recipe', async () => {
  const adapter = 'llvmpipe';
  const recipeFile = join(dir, 'tiny.json');
  writeFileSync(recipeFile, JSON.stringify(TINY_RECIPE));
  const r = await cli('train', '--config', recipeFile, '--out', join(dir, 'cli'), '--adapter', adapter);
  expect(r.code, r.err).toBe(0);
  const cliBytes = readFileSync(join(dir, 'cli', 'checkpoint.safetensors'));
  const cliEval = parseRunLog(readFileSync(join(dir, 'cli', 'log.jsonl'), 'utf8')).find((x) => x.type === 'eval')!;

  const library = await runRecipe(TINY_RECIPE, { adapter });
  expect(library.switched?.reason).toBe('divergence');

  const worker = new Worker(new URL('../../dist/worker.js', import.meta.url));
  let remote: Awaited<ReturnType<typeof runRemote>>;
  const events: RecipeEvent[] = [];
  try {
    remote = await runRemote(await connectSession(worker), TINY_RECIPE, (e) => void events.push(e), { adapter });
  } finally {
    await worker.terminate();
  }
  for (const t of ['start', 'adapter', 'data', 'step', 'epoch', 'kernel', 'switch', 'evaluating', 'done']) {
    expect(
      events.some((e) => e.type === t),
      t,
    ).toBe(true);
  }
  expect(library.evaluation.accuracy).toEqual(cliEval.accuracy);
  expect(remote.evaluation).toEqual(library.evaluation);
  expect(remote.epochs.map((e) => e.trainLoss)).toEqual(library.epochs.map((e) => e.trainLoss));
  expect(Buffer.from(library.checkpoint).equals(cliBytes), 'library vs CLI checkpoint bytes').toBe(true);
  expect(Buffer.from(remote.checkpoint).equals(cliBytes), 'worker vs CLI checkpoint bytes').toBe(true);
}, 120_000);

it('a listener that throws or rejects is reported as a non-fatal error event; the run finishes', async () => {
  const seen: RecipeEvent[] = [];
  const result = await runRecipe(
    { ...TINY_RECIPE, switch: { rule: 'off' }, ntk: { enabled: false } },
    {
      onEvent: [
        (e) => {
          if (e.type === 'step') throw new Error('sync boom');
        },
        async (e) => {
          if (e.type === 'epoch') throw new Error('async boom');
        },
        (e) => void seen.push(e),
      ],
    },
  );
  expect(result.evaluation.samples).toBe(50);
  const errors = seen.filter((e) => e.type === 'error');
  expect(errors.length).toBeGreaterThanOrEqual(2);
  expect(errors.every((e) => e.type === 'error' && !e.fatal && e.code === 'E_LISTENER')).toBe(true);
  expect(errors.map((e) => (e as { message: string }).message).join()).toMatch(/sync boom.*async boom|async boom.*sync boom/s);
  expect(result.listenerErrors.length).toBe(errors.length);
  expect(seen.at(-1)?.type).toBe('done');
}, 60_000);
