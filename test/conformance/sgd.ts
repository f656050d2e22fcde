// The SGD update kernel against float64 (plain, momentum, Nesterov, weight decay, a clip scale) on
// seven tensors of different lengths (off the 4-element vec4 and the 256-element workgroup, down to
// 1; weight decay on some, not on others), three steps with the f32 state fed back; the on-device
// global-norm clip factor; the Sgd optimizer's noDecay handling, clipping, state export, and typed
// errors for bad options.

import type { Parameter } from '../../src/nn/layer.js';
import { createParameter, disposeParameter } from '../../src/nn/parameter.js';
import { gradNormScale } from '../../src/ops/grad_norm_scale.js';
import { sgdUpdate } from '../../src/ops/sgd_update.js';
import { Sgd } from '../../src/optim/sgd.js';
import { gradNormScaleRef, sgdUpdateRef } from '../../src/reference/nn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { scaledError } from './nn_check.js';

const VARIANTS = [
  { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0, clip: 1 },
  { lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 5e-4, clip: 1 },
  { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-3, clip: 0.37 },
];

/** Tensor lengths: 1037, 3, 1, 130 and 65 end inside a vec4 (4 elements per invocation); 1037 spans several workgroups. */
const LENGTHS = [1037, 64, 3, 300, 1, 130, 65];
/** Which of them take weight decay (biases and BatchNorm parameters do not). */
const DECAYED = [true, false, true, true, false, false, true];

for (const { clip, ...p } of VARIANTS) {
  const name = `sgd update ${LENGTHS.length} tensors lr=${p.lr} momentum=${p.momentum}${p.nesterov ? ' nesterov' : ''} wd=${p.weightDecay} clip=${clip}`;
  defineCase(name, async ({ gpu, metric, output }) => {
    let ws: Float32Array[] = LENGTHS.map((n, k) => randomF32(n, 1 + k));
    let vs: Float32Array[] | null = p.momentum > 0 ? LENGTHS.map((n) => new Float32Array(n)) : null;
    const weights = ws.map((w) => Tensor.fromArray(gpu, w, [w.length]));
    const velocities = vs ? LENGTHS.map((n) => Tensor.zeros(gpu, [n])) : null;
    const tc = Tensor.fromArray(gpu, [clip], [1]);
    const decay = (k: number) => (DECAYED[k] ? p.weightDecay : 0);
    let worst = 0;
    for (let step = 0; step < 3; step++) {
      const gs = LENGTHS.map((n, k) => randomF32(n, 10 + 10 * step + k, -3, 3));
      const grads = gs.map((g) => Tensor.fromArray(gpu, g, [g.length]));
      weights.forEach((w, k) => sgdUpdate(w, grads[k], velocities ? velocities[k] : null, tc, { ...p, weightDecay: decay(k) }));
      grads.forEach((t) => t.dispose());
      const got = await Promise.all(weights.map((t) => t.read()));
      for (let k = 0; k < LENGTHS.length; k++) {
        const [w, g, v] = [ws[k], gs[k], vs ? vs[k] : null];
        const q = { ...p, weightDecay: decay(k) };
        const ref = sgdUpdateRef(w, g, v, Math.fround(clip), q);
        const magnitude = w.map(
          (wi, i) =>
            Math.abs(wi) + p.lr * (Math.abs(g[i] * clip) + q.weightDecay * Math.abs(wi) + 2 * p.momentum * Math.abs(v ? v[i] : 0)) + 1e-30,
        );
        worst = Math.max(worst, scaledError(got[k], ref.w, magnitude));
      }
      ws = got;
      if (velocities) vs = await Promise.all(velocities.map((t) => t.read()));
    }
    metric('maxScaledError', assertBelow(worst, TOLERANCES.sgdUpdate, name));
    output('w', Float32Array.from(ws.flatMap((w) => Array.from(w))), {
      mode: 'tolerance',
      tol: TOLERANCES.sgdUpdate * TOLERANCES.crossRuntimeFactor,
    });
    [...weights, tc].forEach((t) => t.dispose());
    velocities?.forEach((t) => t.dispose());
  });
}

defineCase("sgd update leaves the elements past a tensor's end in its last vec4 unchanged", async ({ gpu }) => {
  const w = Tensor.fromArray(gpu, [1, 2, 3, 4, 5], [5]);
  const v = Tensor.zeros(gpu, [5]);
  const g = Tensor.fromArray(gpu, [1, 1, 1, 1, 1], [5]);
  const one = Tensor.fromArray(gpu, [1], [1]);
  const sentinel = Float32Array.from([7, 8, 9]); // elements 5..7 of both buffers: the last vec4's tail
  gpu.write(w.buffer, 20, sentinel);
  gpu.write(v.buffer, 20, sentinel);
  sgdUpdate(w, g, v, one, { lr: 0.5, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
  const [wAll, vAll] = await Promise.all([w, v].map(async (t) => new Float32Array(await gpu.read(t.buffer, 32))));
  assertBitEqual(wAll.subarray(5), sentinel, 'weights past the end');
  assertBitEqual(vAll.subarray(5), sentinel, 'velocities past the end');
  assert(wAll[4] !== 5 && vAll[4] !== 0, `element 4 (the last one) must be updated: w ${wAll[4]}, v ${vAll[4]}`);
  [w, v, g, one].forEach((t) => t.dispose());
});

defineCase('global-norm clip factor on the device', async ({ gpu, metric, output }) => {
  const sizes = [1, 65, 1000, 7];
  const grads = sizes.map((s, k) => randomF32(s, 20 + k, -1, 1));
  const tensors = grads.map((g, k) => Tensor.fromArray(gpu, g, [sizes[k]]));
  const [, norm] = gradNormScaleRef(grads, 1);
  for (const maxNorm of [norm / 4, norm * 4]) {
    const out = gradNormScale(tensors, maxNorm);
    const [scale, gotNorm] = await out.read();
    const [refScale] = gradNormScaleRef(grads, maxNorm);
    metric(`normRelError@${maxNorm > norm ? 'loose' : 'tight'}`, assertBelow(Math.abs(gotNorm - norm) / norm, TOLERANCES.gradNorm, 'norm'));
    assertBelow(Math.abs(scale - refScale) / refScale, TOLERANCES.gradNorm, 'clip factor');
    if (maxNorm > norm) assert(scale === 1, `factor ${scale} must be exactly 1 when the norm is below maxNorm`);
    output(`clip@${maxNorm > norm ? 'loose' : 'tight'}`, Float32Array.from([scale, gotNorm]), {
      mode: 'tolerance',
      tol: TOLERANCES.gradNorm * 2,
    });
    out.dispose();
  }
  tensors.forEach((t) => t.dispose());
});

function parameter(
  gpu: Parameters<typeof createParameter>[0],
  name: string,
  w: Float32Array,
  g: Float32Array,
  noDecay: boolean,
): Parameter {
  const p = createParameter(gpu, name, w, [w.length], noDecay);
  p.grad = Tensor.fromArray(gpu, g, [g.length]);
  return p;
}

defineCase('Sgd optimizer: weight decay skips noDecay, clipping scales every gradient', async ({ gpu, metric }) => {
  const w = randomF32(300, 30);
  const b = randomF32(17, 31);
  const gw = randomF32(300, 32, -5, 5);
  const gb = randomF32(17, 33, -5, 5);
  const params = [parameter(gpu, 'fc.weight', w, gw, false), parameter(gpu, 'fc.bias', b, gb, true)];
  const opt = new Sgd(gpu, params, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, clipNorm: 1 });
  opt.step();
  const [scale, norm] = gradNormScaleRef([gw, gb], 1);
  const settings = { lr: 0.1, momentum: 0.9, nesterov: true };
  const refW = sgdUpdateRef(w, gw, new Float64Array(300), scale, { ...settings, weightDecay: 0.01 });
  const refB = sgdUpdateRef(b, gb, new Float64Array(17), scale, { ...settings, weightDecay: 0 });
  const magnitude = (x: Float32Array, g: Float32Array) =>
    x.map((xi, i) => Math.abs(xi) + 0.1 * (Math.abs(g[i] * scale) * 3 + 0.01 * Math.abs(xi)));
  const errW = scaledError(await params[0].value.read(), refW.w, magnitude(w, gw));
  const errB = scaledError(await params[1].value.read(), refB.w, magnitude(b, gb));
  metric('weightError', assertBelow(errW, TOLERANCES.sgdUpdate + TOLERANCES.gradNorm, 'weights'));
  metric('biasError', assertBelow(errB, TOLERANCES.sgdUpdate + TOLERANCES.gradNorm, 'biases (no decay)'));
  const clip = await (opt.lastClip as Tensor).read();
  assertBelow(Math.abs(clip[1] - norm) / norm, TOLERANCES.gradNorm, 'reported gradient norm');
  const state = await opt.exportState();
  assert(Object.keys(state).join() === 'fc.weight.momentum,fc.bias.momentum', `optimizer state keys ${Object.keys(state)}`);
  const restored = new Sgd(gpu, params, { momentum: 0.9 });
  restored.importState(state);
  assertBitEqual(Object.values(await restored.exportState())[0], state['fc.weight.momentum'], 'momentum round trip');
  opt.dispose();
  restored.dispose();
  params.forEach(disposeParameter);
});

defineCase('Sgd rejects bad options with typed errors naming them', async ({ gpu }) => {
  const p = parameter(gpu, 'w', randomF32(4, 1), randomF32(4, 2), false);
  for (const [options, option] of [
    [{ lr: 0 }, 'lr'],
    [{ lr: -1 }, 'lr'],
    [{ momentum: 1 }, 'momentum'],
    [{ weightDecay: -1 }, 'weightDecay'],
    [{ momentum: 0, nesterov: true }, 'nesterov'],
    [{ clipNorm: 0 }, 'clipNorm'],
    [{ learningRate: 0.1 }, 'learningRate'],
  ] as const) {
    const message = await expectCode('E_INVALID_ARGUMENT', () => new Sgd(gpu, [p], options as never));
    assert(message.includes(`"${option}"`), `message does not name ${option}: ${message}`);
  }
  const opt = new Sgd(gpu, [p], {});
  await expectCode('E_INVALID_ARGUMENT', () => opt.step(-0.1));
  p.grad?.dispose();
  p.grad = null;
  const message = await expectCode('E_INVALID_ARGUMENT', () => opt.step());
  assert(message.includes('"w"'), message);
  opt.dispose();
  disposeParameter(p);
});
