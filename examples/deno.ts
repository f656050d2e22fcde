// ntk-at in Deno (WebGPU is built in): trains a small MLP on synthetic shapes and measures how its
// empirical Neural Tangent Kernel on 20 probe images moves during training (kernel distance to the
// initial kernel, top eigenvalue, effective rank). Type-checked against the package's bundled types.
//   deno run --allow-read --allow-env deno.ts
// With the package in node_modules (npm install ntk-at) the import below resolves there; without a
// package.json, import from 'npm:ntk-at' instead.

import {
  createGpu, createMlp, empiricalNtk, evaluate, formatAdapterReport, kernelDistance, selectProbeSet, spectrumStats,
  syntheticShapes, train, trainValidationSplit, uploadProbeSet, type Kernel, type Model, type Tensor,
} from 'ntk-at';

const gpu = await createGpu();
console.log(`adapter: ${formatAdapterReport(gpu.report)}`);
const shapes = syntheticShapes({ perClass: 40, size: 16 });
const { train: trainSet, validation } = trainValidationSplit(shapes, { validation: 100 });
const model = createMlp(gpu, { inputShape: trainSet.shape, hidden: [64], classes: 10 });
const probe = uploadProbeSet(gpu, selectProbeSet(validation, { perClass: 2 })); // 20 held-out images

/** The trace NTK K(X, X) of the probe images: sum over logits of gradient inner products. */
const kernelOf = (m: Model, x: Tensor): Promise<Kernel> => empiricalNtk(m, x, null, { kind: 'trace' });

const k0 = await kernelOf(model, probe.x);
await train(model, trainSet, validation, { method: 'standard', epochs: 8, batchSize: 50, schedule: { kind: 'constant', lr: 0.2 } });
const k1 = await kernelOf(model, probe.x);

const before = await spectrumStats(k0.data);
const after = await spectrumStats(k1.data);
const { accuracy } = await evaluate(model, validation, { eps: 0.1, threats: [{ kind: 'clean' }, { kind: 'fgsm' }] });
console.log(`held-out accuracy: clean ${(100 * accuracy.clean).toFixed(1)}%, fgsm ${(100 * accuracy.fgsm).toFixed(1)}% (eps 0.1)`);
console.log(`NTK on ${k0.rows} probes: distance to K_0 ${kernelDistance(k0.data, k1.data).toFixed(4)}, ` +
  `lambda_max ${before.lambdaMax.toExponential(3)} -> ${after.lambdaMax.toExponential(3)}, ` +
  `effective rank ${before.effectiveRank.toFixed(2)} -> ${after.effectiveRank.toFixed(2)}`);
console.log(JSON.stringify({ example: 'deno', accuracy }));
probe.dispose();
model.dispose();
gpu.destroy();
