// The data, model and budget every experiment starts from, per scale: `small` finishes in minutes
// on a 2-core CPU with software WebGPU (Fashion-MNIST subsets, an MLP or a small CNN); `paper` is
// the CIFAR-10 / PreAct-ResNet-18 setting for a GPU (same experiments, bigger recipe).

import type { Scale } from './experiment.js';

/** Data and evaluation options shared by every run of every experiment at `scale`. */
export function dataArgs(scale: Scale, small: { train: number; val: number; test: number }): string[] {
  if (scale === 'paper') {
    return ['--dataset', 'cifar10', '--train-size', '50000', '--val-size', '1000', '--test-size', '10000', '--threats', 'clean,fgsm,pgd20,autoattack-lite', '--log-every', '50'];
  }
  return [
    '--dataset', 'fashion-mnist', '--train-size', String(small.train), '--val-size', String(small.val), '--test-size', String(small.test),
    '--threats', 'clean,fgsm,pgd20,autoattack-lite', '--log-every', '4',
  ];
}

/** The model options at `scale`: the MLP 784-256-128-10 or the small CNN here, PreAct-ResNet-18 on a GPU. */
export function modelArgs(scale: Scale, kind: 'mlp' | 'cnn'): string[] {
  if (scale === 'paper') return ['--model', 'preact-resnet', '--normalize', 'on'];
  return kind === 'mlp' ? ['--model', 'mlp', '--hidden', '256,128', '--normalize', 'on'] : ['--model', 'cnn', '--channels', '4,8', '--hidden', '32', '--normalize', 'on'];
}
