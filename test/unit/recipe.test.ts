// The run recipe (pure TS, no device): defaults from one place (per model kind too), a JSON round
// trip, and the typed error naming the field that every bad recipe gets before any file or device
// work, also through the worker session (reported as a fatal `error` event and rethrown).

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { DEFAULT_BATCHNORM } from '../../src/ops/batchnorm.js';
import { DEFAULT_RECIPE, resolveRecipe } from '../../src/run/recipe.js';
import { MODELS } from '../../src/run/models.js';
import { TrainingSession, type SessionEvent } from '../../src/worker/session.js';

function errorOf(recipe: unknown): NtkError {
  try {
    resolveRecipe(recipe);
  } catch (e) {
    return e as NtkError;
  }
  throw new Error('no error thrown');
}

describe('run recipes', () => {
  it('fills every default and keeps the given values; JSON round trip is the identity', () => {
    const r = resolveRecipe({ training: { method: 'fgsm-rs', attack: { eps: 8 / 255 } } });
    expect(r.training).toEqual({
      ...DEFAULT_RECIPE.training,
      method: 'fgsm-rs',
      attack: { ...DEFAULT_RECIPE.training.attack, eps: 8 / 255 },
    });
    expect(r.data).toEqual(DEFAULT_RECIPE.data);
    expect(r.model).toEqual({ kind: 'mlp', normalize: true, ...MODELS.mlp.defaults });
    expect(resolveRecipe(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it("accepts l2 radii above 1 up to the input cube's l2 diameter, the same bound train() applies (issue 20)", () => {
    expect(resolveRecipe({ training: { attack: { norm: 'l2', eps: 2 } } }).training.attack.eps).toBe(2);
    expect(
      resolveRecipe({ data: { dataset: 'cifar10', dir: '/data' }, training: { attack: { norm: 'l2', eps: 55 } } }).training.attack.eps,
    ).toBe(55); // √3072 ≈ 55.4
  });

  it("takes each model kind's defaults, including every BatchNorm switch", () => {
    const cnn = resolveRecipe({ model: { kind: 'cnn', bn: { runningVariance: 'biased' } } });
    expect(cnn.model.bn).toEqual({ ...DEFAULT_BATCHNORM, runningVariance: 'biased' });
    expect(cnn.model.channels).toEqual([16, 32]);
    const resnet = resolveRecipe({
      data: { dataset: 'cifar10', dir: '/data/cifar-10-batches-bin' },
      model: { kind: 'preact-resnet', blocks: [1, 1], widths: [4, 8] },
    });
    expect(resnet.model).toEqual({
      kind: 'preact-resnet',
      normalize: true,
      blocks: [1, 1],
      widths: [4, 8],
      bn: { ...DEFAULT_BATCHNORM },
      init: 'pytorch-default',
    });
  });

  it.each([
    [{ trainig: {} }, 'trainig', /unknown recipe field "trainig"/],
    [{ training: { attack: { epsilon: 0.1 } } }, 'training.attack.epsilon', /unknown recipe field "training\.attack\.epsilon"/],
    [{ model: { kind: 'mlp', channels: [4] } }, 'model.channels', /unknown recipe field "model\.channels"/],
    [{ model: { kind: 'cnn', bn: { runningVar: 'biased' } } }, 'model.bn.runningVar', /unknown recipe field "model\.bn\.runningVar"/],
    [{ model: { kind: 'resnet' } }, 'model.kind', /model\.kind is "resnet"; use one of mlp, cnn, preact-resnet/],
    [{ model: { kind: 'cnn', bn: { average: 'median' } } }, 'model.bn', /average must be one of ema, cumulative/],
    [{ model: { kind: 'cnn', channels: [16, 0] } }, 'model.channels', /model\.channels must be a list of positive integers/],
    [{ model: { kind: 'cnn', channels: [4, 4, 4, 4, 4, 4] } }, 'model', /would pool a 0x0 map|would pool/],
    [
      { data: { dataset: 'mnist' } },
      'data.dataset',
      /"data\.dataset" must be one of fashion-mnist, cifar10, synthetic-shapes, synthetic-clusters/,
    ],
    [{ data: { trainSize: 105 } }, 'data.trainSize', /multiple of the class count/],
    [{ data: { dataset: 'cifar10' } }, 'data.dir', /data\.dir is required for cifar10/],
    [{ training: { epochs: 0 } }, 'training.epochs', /integer >= 1/],
    [{ training: { attack: { eps: 1.5 } } }, 'training.attack.eps', /in \[0, 1\] for l-inf/],
    // l2 radii are bounded by the l2 diameter of the input cube, √(28·28) = 28 on Fashion-MNIST
    [{ training: { attack: { norm: 'l2', eps: 28.5 } } }, 'training.attack.eps', /in \[0, 28\] for l2/],
    [{ training: { momentum: 0, nesterov: true } }, 'training.nesterov', /false when momentum is 0/],
    [
      { training: { attack: { norm: 'l2' } }, ntk: { enabled: true }, switch: { rule: 'kernel', warmupMethod: 'fgsm' } },
      'switch.warmupMethod',
      /trains in the run's l2 ball/,
    ],
    [{ training: { method: 'fgsm', attack: { norm: 'l2' } } }, 'training.attack.norm', /a norm that fgsm supports/],
    [{ training: { lr: -1 } }, 'training.lr', /> 0/],
    [{ ntk: { enabled: true, probePerClass: 60 } }, 'ntk.probePerClass', /at most 50/],
    [{ switch: { rule: 'kernel' } }, 'switch.rule', /ntk\.enabled/],
    [{ evaluation: { threats: ['clean', 'pgd'] } }, 'evaluation.threats[1]', /evaluation\.threats\[1\]: "pgd" is not a threat/],
    [{ evaluation: { threats: 'clean' } }, 'evaluation.threats', /non-empty list/],
    [[1, 2], '(recipe)', /must be an object/],
  ])('rejects %j naming the field', (recipe, field, message) => {
    const e = errorOf(recipe);
    expect(e).toBeInstanceOf(NtkError);
    expect(e.code).toBe('E_INVALID_ARGUMENT');
    expect(e.message).toMatch(message);
    if (field) expect(e.details.field).toBe(field);
  });

  it('the worker session reports a bad recipe as a fatal error event and rethrows it (no device acquired)', async () => {
    const events: SessionEvent[] = [];
    await expect(new TrainingSession().run({ training: { batchSize: -1 } }, (e) => void events.push(e))).rejects.toThrow(
      /E_INVALID_ARGUMENT.*training\.batchSize/,
    );
    expect(events).toEqual([
      { type: 'error', code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('"training.batchSize"'), fatal: true },
    ]);
  });
});
