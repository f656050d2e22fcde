// Property tests (fast-check) of the one validation of run settings, resolveRecipe: over 1,000+
// drawn recipes, valid and invalid (method, norm, eps with l2 radii above 1, steps, step factor,
// batch size, lr, epochs, model options, NTK, switch, threats), what it accepts passes the argument
// checks of train(), evaluate(), every attack the run makes, and really starts training (a sample
// of 40, one step each, on one shared device); what it refuses writes nothing, by the orchestrator
// or the CLI. The radius bound: l-inf eps in [0, 1], l2 eps in [0, √64 = 8] on 8x8 images (non-zero: at
// least 2^-126, a float32 normal; 0 only for standard training).

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANISOTROPIES } from '../../src/attacks/anisotropic.js';
import { maxRadius } from '../../src/attacks/options.js';
import { runThreat, type Threat } from '../../src/attacks/registry.js';
import { ImageDataset } from '../../src/data/dataset.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { NtkError } from '../../src/errors.js';
import { INIT_SCHEMES } from '../../src/nn/init.js';
import { Rng } from '../../src/random/rng.js';
import { runRecipe, trainOptionsOf } from '../../src/run/orchestrator.js';
import { NTK_ATTACKS, NTK_KERNELS, recipeThreats, resolveRecipe, SCHEDULE_KINDS, type RunRecipe } from '../../src/run/recipe.js';
import { evaluate } from '../../src/train/evaluate.js';
import { TRAIN_METHODS, trainingMethod, type TrainMethod } from '../../src/train/methods.js';
import { BN_STATS_SOURCES } from '../../src/train/settings.js';
import { train } from '../../src/train/trainer.js';
import { cli } from './cli_io.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-recipe-property-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- drawn recipes: plausible ones (cross-field refusals arise naturally), a quarter with one broken field

const c = fc.constantFrom;
const model = fc.oneof(
  fc.record({ kind: c('mlp'), hidden: c([], [4], [6, 4]), normalize: fc.boolean(), init: c(...INIT_SCHEMES) }),
  fc.record({
    kind: c('cnn'),
    channels: c([2], [2, 3]),
    hidden: c([], [4]),
    kernel: c(1, 3),
    pool: c('max', 'avg', 'none'),
    batchNorm: fc.boolean(),
  }),
  fc
    .record({
      kind: c('preact-resnet'),
      shape: c(
        [[1], [2]],
        [
          [1, 1],
          [2, 4],
        ],
        [[1], [2]],
        [[1, 1], [2]],
      ),
    })
    .map(({ kind, shape: [blocks, widths] }) => ({ kind, blocks, widths })),
);
// a radius for the norm, mostly within its bound (l-inf 1, l2 √64 = 8; l2 ones mostly above 1), else up to 12 (0 and radii below 2^-126 among them: fast-check draws bounds and tiny values often)
const eps = (norm: 'linf' | 'l2') =>
  fc.oneof(
    {
      arbitrary:
        norm === 'linf'
          ? fc.oneof(c(8 / 255, 0.1, 1), fc.double({ min: 2 ** -126, max: 1, noNaN: true }))
          : fc.oneof(c(0.5, 1.5, 2, 3, 8), fc.double({ min: 1, max: 8, noNaN: true })),
      weight: 4,
    },
    { arbitrary: fc.double({ min: 0, max: 12, noNaN: true }), weight: 1 },
  );
const plausible = fc.record({
  data: fc.record({
    dataset: c('synthetic-clusters'),
    trainSize: c(20, 30),
    validationSize: c(0, 10, 20),
    testSize: c(10, 20),
    seed: fc.nat(3),
  }),
  model,
  training: fc.record({
    method: c('standard', 'pgd', ...TRAIN_METHODS),
    epochs: c(1, 2),
    batchSize: c(4, 10, 16),
    lr: c(0.01, 0.1, 0.5),
    schedule: c(...SCHEDULE_KINDS),
    momentum: c(0, 0.9, 0.9),
    nesterov: fc.boolean(),
    weightDecay: c(0, 5e-4),
    bnStats: c(...BN_STATS_SOURCES),
    augment: fc.boolean(),
    validationPgdSteps: c(1, 2),
    logEvery: c(1, 5),
    seed: fc.nat(3),
    attack: c('linf' as const, 'l2' as const).chain((norm) =>
      fc.record({
        norm: fc.constant(norm),
        eps: eps(norm),
        steps: c(1, 2),
        stepFactor: c(0.25, 0.5, 1.25),
        anisotropy: c(...ANISOTROPIES),
        anisotropyMaxScale: c(0.5, 2),
        bnMode: c('eval', 'train-frozen'),
      }),
    ),
  }),
  ntk: fc.record({
    enabled: fc.boolean(),
    probePerClass: c(1, 1, 2, 3),
    kernel: c(...NTK_KERNELS),
    attack: c(...NTK_ATTACKS),
    attackSteps: c(1, 2),
    logKernels: fc.boolean(),
    regressionPerClass: c(0, 0, 1),
    monitor: c('off', 'off', 'off', 'off', 'watch', 'aniso'),
  }),
  switch: fc.record({
    rule: c('off', 'off', 'off', 'kernel'),
    warmupMethod: c(...TRAIN_METHODS),
    tau: c(0, 0.05),
    patience: c(1, 2),
    capFraction: c(0.5, 1),
    velocityPlateau: c(null, 0.1),
  }),
  evaluation: fc.record({
    threats: fc.subarray(['clean', 'fgsm', 'pgd2', 'pgd2-cw', 'apgd2', 'pgd1x2'], { minLength: 1 }),
    bnBatchStats: fc.boolean(),
  }),
});

/** One broken field each (path, value): bad types, ranges, names, and an unknown key. */
const BROKEN: [string, unknown][] = [
  ['training.epochs', 0],
  ['training.epochs', 1.5],
  ['training.batchSize', 0],
  ['training.batchSize', -4],
  ['training.lr', 0],
  ['training.lr', -0.1],
  ['training.lr', Number.NaN],
  ['training.method', 'sgd'],
  ['training.attack.norm', 'l1'],
  ['training.attack.eps', -0.01],
  ['training.attack.eps', Number.NaN],
  ['training.attack.eps', Number.POSITIVE_INFINITY],
  ['training.attack.eps', '0.1'],
  ['training.attack.steps', 0],
  ['training.attack.stepFactor', 0],
  ['training.attack.stepFactor', -1],
  ['training.attack.bnMode', 'frozen'],
  ['training.attack.anisotropy', 'bogus'],
  ['training.attack.anisotropyMaxScale', 0],
  ['training.bnStats', 'both'],
  ['training.logEvery', 0],
  ['training.seed', -1],
  ['training.seed', 0.5],
  ['training.momentum', 1],
  ['model.hidden', [0]],
  ['model.kind', 'vit'],
  ['data.trainSize', 15],
  ['data.testSize', 0],
  ['ntk.probePerClass', 0],
  ['switch.tau', -1],
  ['evaluation.threats', []],
  ['evaluation.threats', ['pgd0']],
  ['training.attack.epsilon', 0.1],
];

function withField(recipe: object, path: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(recipe) as Record<string, unknown>;
  const keys = path.split('.');
  let node = out;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
  return out;
}

const drawn = fc
  .tuple(plausible, fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: c(...BROKEN), weight: 1 }))
  .map(([recipe, broken]) => (broken ? withField(recipe, ...broken) : recipe) as Record<string, unknown>);

/** The resolved recipe, or the refusal. */
function validate(recipe: unknown): { ok: true; r: RunRecipe } | { ok: false; error: unknown } {
  try {
    return { ok: true, r: resolveRecipe(recipe) };
  } catch (error) {
    return { ok: false, error };
  }
}

// ---- what an accepted recipe meets after validation: the real argument checks, up to the device

/** Thrown by anything a check touches after its argument validation (the model, the inputs' data). */
class PastValidation extends Error {}
/** An object whose listed fields read normally and any other field access throws PastValidation. */
const untouchable = (fields: Record<string, unknown>) =>
  new Proxy(fields, {
    get: (target, key) => {
      if (Object.hasOwn(target, key)) return target[key as string];
      throw new PastValidation(`reached ${String(key)}`);
    },
  }) as never;

const IMAGES = 10;
const dataset = new ImageDataset({
  name: 'stand-in',
  images: new Uint8Array(IMAGES * 64),
  labels: Uint8Array.from({ length: IMAGES }, (_, i) => i),
  shape: [1, 8, 8],
  classes: Array.from({ length: 10 }, (_, i) => `c${i}`),
});

/** Runs `f`; passes if it returns or stops at PastValidation, fails with what it threw otherwise. */
async function passesArgumentChecks(what: string, f: () => unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof PastValidation)) throw new Error(`${what}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Every argument check an accepted run meets before or during training and evaluation. */
async function checkAccepted(r: RunRecipe): Promise<void> {
  const o = trainOptionsOf(r, null);
  const proxyModel = untouchable({});
  await passesArgumentChecks('train()', () => train(proxyModel, dataset, null, o));
  const threats: Threat[] = [
    ...recipeThreats(r),
    { kind: 'fgsm' },
    { kind: 'pgd', steps: r.training.validationPgdSteps },
    { kind: 'pgd', steps: r.training.validationPgdSteps, loss: 'cw' }, // per-epoch validation
    ...(r.ntk.attack === 'none'
      ? []
      : [r.ntk.attack === 'fgsm' ? { kind: 'fgsm' as const } : { kind: 'pgd' as const, steps: r.ntk.attackSteps }]), // NTK probes
  ];
  const a = r.training.attack;
  await passesArgumentChecks('evaluate()', () =>
    evaluate(proxyModel, dataset, { eps: a.eps, norm: a.norm, pgdStepFactor: a.stepFactor, threats }),
  );
  const x = untouchable({ shape: [4, 1, 8, 8], size: 256 });
  const y = untouchable({ shape: [4], size: 4 });
  for (const threat of threats) {
    await passesArgumentChecks(`threat ${JSON.stringify(threat)}`, () =>
      runThreat(threat, {
        model: proxyModel,
        x,
        y,
        rng: new Rng(0, 1),
        eps: a.eps,
        norm: a.norm,
        bnMode: 'eval',
        pgdStepFactor: a.stepFactor,
      }),
    );
  }
  const methods = new Set<TrainMethod>([r.training.method]);
  if (r.switch.rule === 'kernel') methods.add(r.switch.warmupMethod);
  if (r.ntk.monitor === 'aniso') methods.add('fgsm');
  for (const method of methods) {
    await passesArgumentChecks(`method ${method}`, () =>
      trainingMethod(method).inputs(proxyModel, untouchable({ x, y, size: 4 }), new Rng(0, 1), o, untouchable({})),
    );
  }
}

describe('run recipes, drawn (fast-check)', () => {
  it('1,200 recipes: accepted ones pass every later argument check; refused ones get E_INVALID_ARGUMENT naming a field and write nothing', async () => {
    let accepted = 0;
    let refused = 0;
    let l2AboveOne = 0;
    await fc.assert(
      fc.asyncProperty(drawn, async (recipe) => {
        const v = validate(recipe);
        if (v.ok) {
          accepted++;
          if (v.r.training.attack.norm === 'l2' && v.r.training.attack.eps > 1) l2AboveOne++;
          await checkAccepted(v.r);
          return;
        }
        refused++;
        expect(v.error).toBeInstanceOf(NtkError);
        expect((v.error as NtkError).code).toBe('E_INVALID_ARGUMENT');
        expect(typeof (v.error as NtkError).details.field).toBe('string');
        const out = join(dir, `refused-${refused}`);
        await expect(runRecipe(recipe, { outDir: out })).rejects.toThrow(/E_INVALID_ARGUMENT/);
        expect(existsSync(out)).toBe(false);
      }),
      { numRuns: 1200 },
    );
    // both sides drawn often, and l2 radii above 1 among the accepted
    console.log(`drawn recipes: ${accepted} accepted (${l2AboveOne} with an l2 radius above 1), ${refused} refused`);
    expect(accepted).toBeGreaterThan(100); // an attacking method with eps 0 is refused too: about 1 in 8 recipes is accepted
    expect(refused).toBeGreaterThan(300);
    expect(l2AboveOne).toBeGreaterThan(20);
  });

  it("the radius bound: an accepted recipe stays accepted for any non-zero eps within its norm's bound (float32 normal: >= 2^-126) and is refused, naming training.attack.eps, beyond it", () => {
    const acceptedRecipe = plausible.filter((recipe) => validate(recipe).ok);
    fc.assert(
      fc.property(
        acceptedRecipe,
        fc.double({ min: 2 ** -126, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 100, noNaN: true }),
        (recipe, inside, beyond) => {
          const norm = (recipe.training.attack as { norm: 'linf' | 'l2' }).norm;
          const max = maxRadius(norm, 64);
          expect(max).toBe(norm === 'linf' ? 1 : 8);
          expect(validate(withField(recipe, 'training.attack.eps', inside * max)).ok).toBe(true);
          const far = validate(withField(recipe, 'training.attack.eps', max * (1 + beyond)));
          expect(far.ok).toBe(false);
          expect(!far.ok && (far.error as NtkError).details.field).toBe('training.attack.eps');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refused recipes given to `ntk-at train --config` exit 2 and leave no run directory', async () => {
    let n = 0;
    const refusedAsJson = drawn.filter((recipe) => !validate(JSON.parse(JSON.stringify(recipe))).ok);
    await fc.assert(
      fc.asyncProperty(refusedAsJson, async (recipe) => {
        const file = join(dir, `recipe-${++n}.json`);
        writeFileSync(file, JSON.stringify(recipe));
        const out = join(dir, `cli-refused-${n}`);
        const r = await cli('train', '--config', file, '--out', out);
        expect(r.code, r.err).toBe(2);
        expect(r.err).toMatch(/E_INVALID_ARGUMENT/);
        expect(existsSync(out)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  describe('on a device', () => {
    let gpu: Gpu;
    beforeAll(async () => {
      gpu = await createGpu();
    });
    afterAll(() => gpu?.destroy());

    it('40 accepted recipes start training: the first step runs without an argument error (then the run is cancelled)', async () => {
      const acceptedRecipe = drawn.filter((recipe) => validate(recipe).ok);
      await fc.assert(
        fc.asyncProperty(acceptedRecipe, async (recipe) => {
          const controller = new AbortController();
          // the signal is checked after each step, and the abort comes with the `start` event (device
          // acquired, nothing trained yet): E_CANCELLED means the first step ran
          const outcome = await runRecipe(recipe, {
            gpu,
            outDir: null,
            signal: controller.signal,
            onEvent: (e) => void (e.type === 'start' && controller.abort()),
          }).then(
            () => 'finished',
            (e: NtkError) => `${e.code}: ${e.message}`,
          );
          expect(outcome, JSON.stringify(recipe)).toMatch(/^E_CANCELLED/);
        }),
        { numRuns: 40 },
      );
    }, 600_000);
  });
});
