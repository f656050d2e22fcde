// Robust evaluation as the field reports it, end to end in Node: the worst case is at or below
// every single threat's figure (each of which counts only clean-correct samples), evaluation is
// seeded, the per-epoch validation check records FGSM, PGD-CE, PGD-CW and their worst case, and every
// entry of the threat registry parses its own canonical name back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACKS, parseThreat, THREAT_PRESETS, threatName, WORST_CASE } from '../../src/attacks/registry.js';
import { trainValidationSplit } from '../../src/data/dataset.js';
import { syntheticClusters } from '../../src/data/synthetic.js';
import type { Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { createMlp } from '../../src/nn/mlp.js';
import { evaluate } from '../../src/train/evaluate.js';
import { train } from '../../src/train/trainer.js';
import { parseThreats } from '../../src/cli/commands/evaluate.js';

let gpu: Gpu;
const { train: data, validation: heldOut } = trainValidationSplit(
  syntheticClusters({ classes: 4, perClass: 40, shape: [1, 6, 6], spread: 0.25, seed: 4 }),
  { validation: 60, seed: 5 },
);

beforeAll(async () => {
  gpu = await createGpu();
});
afterAll(() => gpu.destroy());

describe('robust evaluation', () => {
  it('reports each threat and a seeded worst case at or below every one of them; validation and CO use the worst case', async () => {
    const model = createMlp(gpu, { inputShape: [1, 6, 6], hidden: [16], classes: 4, seed: 2 });
    const run = await train(model, data, heldOut, {
      method: 'pgd',
      pgdSteps: 3,
      batchSize: 32,
      eps: 0.1,
      epochs: 1,
      logEvery: 2,
      validation: { samples: 40, pgdSteps: 3 },
      schedule: { kind: 'constant', lr: 0.2 },
      seed: 3,
    });
    const validation = run.epochs[0].validation!.accuracy;
    expect(Object.keys(validation)).toEqual(['clean', 'fgsm', 'pgd3', 'pgd3-cw', WORST_CASE]);
    expect(validation[WORST_CASE]).toBeLessThanOrEqual(Math.min(validation.fgsm, validation.pgd3, validation['pgd3-cw']));
    const threats = parseThreats('clean,fgsm,pgd5,pgd5-cw,apgd5-ce,apgd5-dlr-t2');
    const options = { eps: 0.15, threats, seed: 1, batchSize: 25 };
    const result = await evaluate(model, heldOut, options);
    expect(Object.keys(result.accuracy)).toEqual([...threats.map(threatName), WORST_CASE]);
    const attacks = Object.entries(result.accuracy).filter(([k]) => k !== WORST_CASE);
    for (const [name, value] of attacks) expect(result.accuracy[WORST_CASE], name).toBeLessThanOrEqual(value);
    expect(await evaluate(model, heldOut, options)).toEqual(result);
    const l2 = await evaluate(model, heldOut, { ...options, norm: 'l2', eps: 0.5, threats: parseThreats('pgd5,apgd5-ce') });
    expect(l2.accuracy[WORST_CASE]).toBeLessThanOrEqual(Math.min(l2.accuracy.pgd5, l2.accuracy['apgd5-ce']));
    model.dispose();
  });

  it('registry: each attack entry parses its canonical names back; presets are valid threat lists', () => {
    const examples: Record<string, string[]> = {
      clean: ['clean'],
      fgsm: ['fgsm', 'fgsm-dlr'],
      pgd: ['pgd20', 'pgd5x2-cw-t3'],
      apgd: ['apgd100-ce', 'apgd10x3-dlr-t9'],
      fab: ['fab100-t9', 'fab5-t1'],
      square: ['square5000', 'square1'],
    };
    expect(Object.keys(ATTACKS).sort()).toEqual(Object.keys(examples).sort());
    for (const [kind, names] of Object.entries(examples)) {
      for (const name of names) {
        const t = parseThreat(name);
        expect(t.kind).toBe(kind);
        expect(threatName(t)).toBe(name);
      }
    }
    for (const preset of Object.values(THREAT_PRESETS)) expect(parseThreats(preset.threats).map(threatName).join(',')).toBe(preset.threats);
  });
});
