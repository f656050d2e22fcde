// Library entry points given wrong types (issue 26, class 4): every public function that starts
// work takes each positional argument and option through one check (src/options.ts: resolveOptions
// and the require* checks), so null, a number, a string or a foreign object ends in a typed error
// (E_INVALID_ARGUMENT where the type is wrong) naming the function, never a TypeError from inside.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import * as ntk from '../../src/index.js';

let gpu: ntk.Gpu;
let model: ntk.Model;
let data: ntk.ImageDataset;
let x: ntk.Tensor;
let y: ntk.Tensor;
beforeAll(async () => {
  gpu = await ntk.createGpu();
  model = ntk.createMlp(gpu, { inputShape: [1, 4, 4], hidden: [6], classes: 3 });
  data = ntk.syntheticClusters({ classes: 3, perClass: 4, shape: [1, 4, 4] });
  x = ntk.Tensor.fromArray(gpu, new Float32Array(2 * 16).fill(0.5), [2, 1, 4, 4]);
  y = ntk.Tensor.fromArray(gpu, [0, 1], [2]);
});
afterAll(() => gpu?.destroy());

/** One entry point: its name and a call with every argument valid, given the (possibly replaced) arguments. */
interface Entry {
  name: string;
  args: () => unknown[];
  call: (args: unknown[]) => unknown;
}

const ENTRIES: Entry[] = [
  {
    name: 'train',
    args: () => [model, data, null, { epochs: 1, batchSize: 6 }],
    call: (a) => ntk.train(...(a as Parameters<typeof ntk.train>)),
  },
  {
    name: 'evaluate',
    args: () => [model, data, { threats: [{ kind: 'clean' }] }],
    call: (a) => ntk.evaluate(...(a as Parameters<typeof ntk.evaluate>)),
  },
  { name: 'empiricalNtk', args: () => [model, x, null, {}], call: (a) => ntk.empiricalNtk(...(a as Parameters<typeof ntk.empiricalNtk>)) },
  { name: 'eigh', args: () => [new Float64Array([2, 1, 1, 2]), 2, {}], call: (a) => ntk.eigh(...(a as Parameters<typeof ntk.eigh>)) },
  {
    name: 'fitKernelMachine',
    args: () => [model, x, [0, 1], {}],
    call: (a) => ntk.fitKernelMachine(...(a as Parameters<typeof ntk.fitKernelMachine>)),
  },
  {
    name: 'pgd',
    args: () => [model, x, y, new ntk.Rng(0), { eps: 0.1, steps: 2 }],
    call: (a) => (ntk.pgd(...(a as Parameters<typeof ntk.pgd>)) as ntk.Tensor).dispose(),
  },
  {
    name: 'fgsm',
    args: () => [model, x, y, { eps: 0.1 }],
    call: (a) => (ntk.fgsm(...(a as Parameters<typeof ntk.fgsm>)) as ntk.Tensor).dispose(),
  },
  {
    name: 'apgd',
    args: () => [model, x, y, new ntk.Rng(0), { eps: 0.1, steps: 2 }],
    call: (a) => (ntk.apgd(...(a as Parameters<typeof ntk.apgd>)) as ntk.Tensor).dispose(),
  },
  {
    name: 'kernelDistance',
    args: () => [new Float64Array([1, 0, 0, 1]), new Float64Array([2, 0, 0, 1])],
    call: (a) => ntk.kernelDistance(...(a as Parameters<typeof ntk.kernelDistance>)),
  },
  { name: 'resolveRecipe', args: () => [{}], call: (a) => ntk.resolveRecipe(...(a as Parameters<typeof ntk.resolveRecipe>)) },
  {
    name: 'planExperiment',
    args: () => ['kernel-dynamics', { ...ntk.DEFAULT_EXPERIMENT, out: 'runs/never-written' }],
    call: (a) => ntk.planExperiment(...(a as Parameters<typeof ntk.planExperiment>)),
  },
  { name: 'createGpu', args: () => [{}], call: (a) => ntk.createGpu(...(a as Parameters<typeof ntk.createGpu>)) },
];

const HOSTILE: Array<[string, unknown]> = [
  ['null', null],
  ['42', 42],
  ['"x"', 'x'],
  ['a foreign object', { foo: 1 }],
];

/** The kind of a value, to tell a wrong type (E_INVALID_ARGUMENT) from a wrong value of the right type (any typed error). */
const kindOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? (v as object).constructor?.name : typeof v;

describe('library entry points given wrong types: typed errors, never a TypeError', () => {
  for (const entry of ENTRIES) {
    it(`${entry.name} with valid arguments works (the baseline of the cases below)`, async () => {
      const result = await entry.call(entry.args());
      if (entry.name === 'createGpu') (result as ntk.Gpu).destroy();
    });
    for (const [label, value] of HOSTILE) {
      it(`${entry.name}: each argument replaced by ${label}`, async () => {
        const n = entry.args().length;
        for (let i = 0; i < n; i++) {
          const args = entry.args();
          if (args[i] === null && value === null) continue; // null is valid there
          const sameKind = kindOf(args[i]) === kindOf(value);
          args[i] = value;
          const error = await Promise.resolve()
            .then(() => entry.call(args))
            .then(
              (r) => {
                if (entry.name === 'createGpu') (r as ntk.Gpu).destroy();
                return null;
              },
              (e: unknown) => e,
            );
          const what = `${entry.name} argument ${i} = ${label}: ${String(error)}`;
          expect(error, what).toBeInstanceOf(NtkError);
          if (!sameKind) expect((error as NtkError).code, what).toBe('E_INVALID_ARGUMENT');
        }
      });
    }
  }
});
