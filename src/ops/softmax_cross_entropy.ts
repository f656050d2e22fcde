// Fused softmax cross-entropy on the device (shaders/softmax_cross_entropy*.wgsl): per-sample
// losses and correctness flags forward, (softmax - onehot) * scale backward. Labels are a device
// tensor [n] of class indices stored as f32 (exact integers below 2^24).

import { NtkError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { grid2d } from './grid.js';

/** A quiet NaN's bits, passed to the shaders (WGSL has no NaN constant). */
const NAN_BITS = 0x7fc00000;

/** What softmaxCrossEntropy returns (per-sample losses and correctness). */
export interface CrossEntropyResult {
  /** Shape [n]: logsumexp(logits_i) - logits_i[y_i] (NaN where the label is not an integer in [0, C)). */
  losses: Tensor;
  /** Shape [n]: 1 where the first arg-max of the logits equals the label, else 0. */
  correct: Tensor;
}

/** Per-sample losses and correctness of logits [n, C] against labels [n]. */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): CrossEntropyResult {
  const [n, classes] = checkShapes(logits, labels);
  const gpu = logits.gpu;
  void [logits.buffer, labels.buffer]; // throw E_DISPOSED before anything is allocated
  const losses = Tensor.empty(gpu, [n]);
  const correct = Tensor.empty(gpu, [n]);
  const [gx, gy] = grid2d(Math.ceil(n / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'softmax_cross_entropy',
    label: `softmaxCrossEntropy [${n}, ${classes}]`,
    bindings: { Logits: logits, Labels: labels, Losses: losses, Correct: correct },
    params: { n, classes, rowStride: gx * 64, nanBits: NAN_BITS },
    workgroups: [gx, gy],
  });
  return { losses, correct };
}

/**
 * dL/dlogits [n, C] = scale * (softmax(logits) - onehot(labels)). For the mean loss over the
 * batch use scale = 1/n (the default); for the summed loss, scale = 1.
 */
export function softmaxCrossEntropyBackward(logits: Tensor, labels: Tensor, scale = 1 / logits.shape[0]): Tensor {
  const [n, classes] = checkShapes(logits, labels);
  const gpu = logits.gpu;
  void [logits.buffer, labels.buffer];
  const out = Tensor.empty(gpu, [n, classes]);
  const [gx, gy] = grid2d(Math.ceil(n / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'softmax_cross_entropy_backward',
    label: `softmaxCrossEntropyBackward [${n}, ${classes}]`,
    bindings: { Logits: logits, Labels: labels, DLogits: out },
    params: { n, classes, rowStride: gx * 64, scale, nanBits: NAN_BITS },
    workgroups: [gx, gy],
  });
  return out;
}

function checkShapes(logits: Tensor, labels: Tensor): [number, number] {
  if (logits.shape.length !== 2) {
    throw new NtkError('E_SHAPE_MISMATCH', `softmaxCrossEntropy: logits [${logits.shape}] must be [n, classes].`);
  }
  const [n, classes] = logits.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `softmaxCrossEntropy: labels [${labels.shape}] must be [${n}] (one class index per row of logits [${logits.shape}]).`,
      { logits: [...logits.shape], labels: [...labels.shape] },
    );
  }
  return [n, classes];
}
