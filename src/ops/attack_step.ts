// The attacks' shared device steps: signed/normalised gradient steps with projection and
// [0, 1] clipping (shaders/attack_step.wgsl, attack_project_l2.wgsl) and the per-sample
// worst-case selection across restarts (shaders/attack_keep_worst.wgsl). All in place.

import { shaderCodes } from '../device/dispatch.js';
import { sub } from './binary.js';
import { grid2d } from './grid.js';
import { vec4Bound } from './vec4.js';
import { rowSumSquares } from './reduce.js';
import type { Tensor } from '../tensor/tensor.js';

/** The threat norms: l-infinity (sign steps) or l2 (normalised steps). */
export const NORMS = ['linf', 'l2'] as const;
/** The norm of an attack's threat ball (one of NORMS). */
export type Norm = (typeof NORMS)[number];

/**
 * x <- clip01(project(x + alpha * direction(g))), in place. `direction` is sign(g) for l-inf and
 * g/||g|| per sample for l2; projection (onto the eps-ball around x0) is skipped when `project` is false.
 */
export function attackStep(x: Tensor, x0: Tensor, g: Tensor, norm: Norm, alpha: number, eps: number, project: boolean): void {
  const gpu = x.gpu;
  const n = x.shape[0];
  const d = x.size / n;
  const [G, X0, X] = [g, x0, x].map(vec4Bound);
  const gNorms = norm === 'l2' ? rowSumSquares(g) : null;
  const [gx, gy] = grid2d(Math.ceil(x.size / 4 / 64), gpu.limits.maxComputeWorkgroupsPerDimension); // a vec4 per invocation
  gpu.run({
    shader: 'attack_step',
    label: `attack step ${norm}`,
    constants: { NORM: shaderCodes('attack_step').NORM[norm], PROJECT: project },
    bindings: { G, X0, GNORM2: { buffer: (gNorms ?? g).buffer, bytes: gNorms ? gNorms.bytes : 4 }, X },
    params: { n, d, rowStride: gx * 64, alpha, eps },
    workgroups: [gx, gy],
  });
  gNorms?.dispose();
  if (norm === 'l2' && project) projectL2(x, x0, eps);
}

/** Projects x onto the l2 eps-ball around x0 (per sample) and into [0, 1], in place. */
export function projectL2(x: Tensor, x0: Tensor, eps: number): void {
  const gpu = x.gpu;
  const n = x.shape[0];
  const delta = sub(x, x0);
  const norms = rowSumSquares(delta);
  delta.dispose();
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'attack_project_l2',
    label: 'attack l2 projection',
    bindings: { X0: x0, DNORM2: norms, X: x },
    params: { n, d: x.size / n, rowStride: gx * 64, eps },
    workgroups: [gx, gy],
  });
  norms.dispose();
}

/**
 * Updates the per-sample worst case: `best` takes candidate x's row where the candidate is
 * misclassified and the best is not, or has a higher loss with the same outcome. `score` is [n, 2].
 */
export function keepWorst(logits: Tensor, labels: Tensor, x: Tensor, score: Tensor, best: Tensor): void {
  const gpu = x.gpu;
  const [n, classes] = logits.shape;
  gpu.run({
    shader: 'attack_keep_worst',
    label: 'attack keep worst',
    bindings: { Logits: logits, LABELS: labels, X: x, BEST_SCORE: score, BEST: best },
    params: { n, d: x.size / n, classes },
    workgroups: [Math.ceil(n / 64)],
  });
}
