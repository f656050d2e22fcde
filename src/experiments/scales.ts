// The data, model and budget every experiment starts from, per scale, as partial run recipes: `small`
// finishes in minutes on a 2-core CPU with software WebGPU (Fashion-MNIST subsets, an MLP or a small
// CNN); `paper` is the CIFAR-10 / PreAct-ResNet-18 setting for a GPU (same experiments, bigger recipe).

import type { PartialRecipe } from '../run/recipe.js';
import type { Scale } from './experiment.js';

/** Data and evaluation every run of every experiment at `scale` shares (`small`: Fashion-MNIST subsets of these sizes). */
export function dataRecipe(scale: Scale, small: { train: number; val: number; test: number }): PartialRecipe {
  const threats = ['clean', 'fgsm', 'pgd20', 'autoattack-lite'];
  if (scale === 'paper') {
    return {
      data: { dataset: 'cifar10', trainSize: 50000, validationSize: 1000, testSize: 10000 },
      training: { logEvery: 50 },
      evaluation: { threats },
    };
  }
  return {
    data: { dataset: 'fashion-mnist', trainSize: small.train, validationSize: small.val, testSize: small.test },
    training: { logEvery: 4 },
    evaluation: { threats },
  };
}

/** The model at `scale`: the MLP 784-256-128-10 or the small CNN here, PreAct-ResNet-18 on a GPU (a Normalize first layer in each). */
export function modelRecipe(scale: Scale, kind: 'mlp' | 'cnn'): PartialRecipe {
  if (scale === 'paper') return { model: { kind: 'preact-resnet', normalize: true } };
  return kind === 'mlp'
    ? { model: { kind: 'mlp', hidden: [256, 128], normalize: true } }
    : { model: { kind: 'cnn', channels: [4, 8], hidden: [32], normalize: true } };
}
