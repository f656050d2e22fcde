// The float64 reference CNN, PreAct-ResNet and BatchNorm1d MLP (built from the same architecture specs
// as the device models): finite-difference checks of the loss gradient with respect to the input and
// to every parameter tensor, with BatchNorm on batch statistics; the MLP's layer names; and the PreAct-ResNet-18
// structure (names, shortcut placement, parameter count) at full size, without a GPU.

import { describe, expect, it } from 'vitest';
import type { LayerSpec } from '../../src/nn/architecture.js';
import { cnnArchitecture } from '../../src/nn/cnn.js';
import { mlpArchitecture } from '../../src/nn/mlp.js';
import { preActResNetArchitecture, TINY_PREACT_RESNET_OPTIONS } from '../../src/nn/preact_resnet.js';
import type { BatchNormMode } from '../../src/ops/batchnorm.js';
import { buildReferenceLayer } from '../../src/reference/conv_layers.js';
import { refLossAndGrad, type RefTensor } from '../../src/reference/layers.js';
import { randomF64 } from './finite_difference.js';

/** Every named tensor of a spec with its size: parameters and BatchNorm buffers. */
function tensors(spec: LayerSpec): Array<[string, number, 'weight' | 'bias' | 'gamma' | 'beta' | 'mean' | 'var' | 'count']> {
  switch (spec.kind) {
    case 'conv2d': {
      const [kh, kw] = typeof spec.kernel === 'number' ? [spec.kernel, spec.kernel] : spec.kernel;
      const w: ReturnType<typeof tensors> = [[`${spec.name}.weight`, spec.outChannels * spec.inChannels * kh * kw, 'weight']];
      return spec.bias ? [...w, [`${spec.name}.bias`, spec.outChannels, 'bias']] : w;
    }
    case 'dense':
      return [
        [`${spec.name}.weight`, spec.inFeatures * spec.outFeatures, 'weight'],
        [`${spec.name}.bias`, spec.outFeatures, 'bias'],
      ];
    case 'batchnorm1d':
    case 'batchnorm2d':
      return [
        [`${spec.name}.weight`, spec.channels, 'gamma'],
        [`${spec.name}.bias`, spec.channels, 'beta'],
        [`${spec.name}.running_mean`, spec.channels, 'mean'],
        [`${spec.name}.running_var`, spec.channels, 'var'],
        [`${spec.name}.num_batches_tracked`, 1, 'count'],
      ];
    case 'sequential':
      return spec.layers.flatMap(tensors);
    case 'residual':
      return [...tensors(spec.body), ...(spec.shortcut ? tensors(spec.shortcut) : [])];
    default:
      return [];
  }
}

function randomState(spec: LayerSpec, seed: number): Record<string, Float64Array> {
  const state: Record<string, Float64Array> = {};
  tensors(spec).forEach(([name, size, role], i) => {
    const [lo, hi] = {
      weight: [-0.6, 0.6],
      bias: [-0.2, 0.2],
      gamma: [0.5, 1.5],
      beta: [-0.3, 0.3],
      mean: [-0.2, 0.2],
      var: [0.5, 1.5],
      count: [3, 3],
    }[role];
    state[name] = randomF64(size, seed + i, lo, hi);
  });
  return state;
}

/** max over the input and every parameter tensor of |analytic - central difference| / max(1, |analytic|), on `samples` coordinates each. */
function modelFdError(spec: LayerSpec, inputShape: number[], n: number, bnMode: BatchNormMode, samples: number): number {
  const state = randomState(spec, 11);
  const x: RefTensor = { shape: [n, ...inputShape], data: randomF64(n * inputShape.reduce((a, b) => a * b, 1), 5, 0, 1) };
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const model = buildReferenceLayer(spec, state, bnMode);
  const analytic = refLossAndGrad(model, x, labels);
  const grads = new Map(model.params().map((p) => [p.name, p.grad.slice()]));
  const loss = () => refLossAndGrad(model, x, labels).loss;
  const h = 1e-6;
  let worst = 0;
  const probe = (values: Float64Array, grad: ArrayLike<number>) => {
    const stride = Math.max(1, Math.floor(values.length / samples));
    for (let i = 0; i < values.length; i += stride) {
      const saved = values[i];
      values[i] = saved + h;
      const up = loss();
      values[i] = saved - h;
      const down = loss();
      values[i] = saved;
      worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grad[i]) / Math.max(1, Math.abs(grad[i])));
    }
  };
  probe(x.data, analytic.dx.data);
  for (const p of model.params()) probe(p.value, grads.get(p.name) as Float64Array);
  return worst;
}

const BATCH_STATS: BatchNormMode = { batchStats: true, update: false };
const RUNNING_STATS: BatchNormMode = { batchStats: false, update: false };

describe('reference model gradients (finite differences)', () => {
  const cnn = cnnArchitecture({ inputShape: [1, 8, 8], channels: [3, 4], hidden: [6], classes: 3, normalize: { mean: [0.4], std: [0.3] } });
  const resnet = preActResNetArchitecture({ ...TINY_PREACT_RESNET_OPTIONS, inputShape: [3, 6, 6], widths: [3, 5], classes: 3 });

  it('CNN, BatchNorm on batch statistics', () => {
    expect(modelFdError(cnn.spec, [1, 8, 8], 4, BATCH_STATS, 12)).toBeLessThan(1e-6);
  });
  it('CNN, BatchNorm on running statistics', () => {
    expect(modelFdError(cnn.spec, [1, 8, 8], 3, RUNNING_STATS, 12)).toBeLessThan(1e-6);
  });
  it('PreAct-ResNet (projection and identity shortcuts), batch statistics', () => {
    const deeper = preActResNetArchitecture({
      ...TINY_PREACT_RESNET_OPTIONS,
      inputShape: [3, 6, 6],
      blocks: [2, 1],
      widths: [3, 5],
      classes: 3,
    });
    expect(modelFdError(deeper.spec, [3, 6, 6], 3, BATCH_STATS, 8)).toBeLessThan(1e-6);
    expect(modelFdError(resnet.spec, [3, 6, 6], 3, RUNNING_STATS, 8)).toBeLessThan(1e-6);
  });
  it('MLP with BatchNorm1d after each hidden layer, batch and running statistics', () => {
    const { spec } = mlpArchitecture({
      inputShape: [2, 3, 3],
      hidden: [5, 4],
      classes: 3,
      normalize: { mean: [0.4, 0.5], std: [0.3, 0.2] },
      batchNorm: true,
    });
    expect(modelFdError(spec, [2, 3, 3], 4, BATCH_STATS, 12)).toBeLessThan(1e-6);
    expect(modelFdError(spec, [2, 3, 3], 3, RUNNING_STATS, 12)).toBeLessThan(1e-6);
  });
});

describe('MLP structure', () => {
  const layers = (batchNorm: boolean) => {
    const { spec } = mlpArchitecture({
      inputShape: [1, 4, 4],
      hidden: [6, 5],
      classes: 3,
      normalize: { mean: [0.5], std: [0.2] },
      batchNorm,
    });
    return spec.kind === 'sequential' ? spec.layers.map((l) => (l.kind === 'dense' ? `${l.name}${l.bias ? '+b' : ''}` : l.name)) : [];
  };
  it('names its layers as PyTorch: fc{i}, bn{i} (BatchNorm1d, before the ReLU; the Dense before it has no bias), relu{i}', () => {
    expect(layers(false)).toEqual(['normalize', 'flatten', 'fc1+b', 'relu1', 'fc2+b', 'relu2', 'fc3+b']);
    expect(layers(true)).toEqual(['normalize', 'flatten', 'fc1', 'bn1', 'relu1', 'fc2', 'bn2', 'relu2', 'fc3+b']);
  });
});

describe('PreAct-ResNet-18 structure (full size)', () => {
  const { spec } = preActResNetArchitecture();
  const params = tensors(spec).filter(([, , role]) => !['mean', 'var', 'count'].includes(role));

  it('has the PreActResNet18 parameter count: stem, 8 basic blocks, 3 projection shortcuts, final BN, linear', () => {
    let expected = 3 * 64 * 9; // stem conv
    let cin = 64;
    for (const cout of [64, 64, 128, 128, 256, 256, 512, 512]) {
      expected += 2 * cin + 9 * cin * cout + 2 * cout + 9 * cout * cout + (cin !== cout ? cin * cout : 0);
      cin = cout;
    }
    expected += 2 * 512 + 512 * 10 + 10;
    expect(params.reduce((s, [, size]) => s + size, 0)).toBe(expected);
    expect(expected).toBe(11_172_170);
  });

  it('names its tensors by PyTorch module path; shortcuts only where stride or width changes', () => {
    const names = params.map(([name]) => name);
    expect(names[0]).toBe('conv1.weight');
    expect(names.filter((n) => n.includes('shortcut'))).toEqual([
      'layer2.0.shortcut.weight',
      'layer3.0.shortcut.weight',
      'layer4.0.shortcut.weight',
    ]);
    expect(names.slice(-4)).toEqual(['bn.weight', 'bn.bias', 'linear.weight', 'linear.bias']);
    expect(names).toContain('layer4.1.conv2.weight');
    expect(names.filter((n) => n.endsWith('.bias') && !n.includes('bn') && n !== 'linear.bias')).toEqual([]); // convs have no bias
  });
});
