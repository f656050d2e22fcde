// ntk-at in Node: PGD adversarial training of a small MLP on synthetic shapes (no files needed), then
// clean / FGSM / PGD accuracy on held-out images. Writes log.jsonl and checkpoint.safetensors into
// the run directory (first argument), which read_run.py reads. Needs `npm install ntk-at webgpu`.
//   node node.mjs [run-directory]

import { rm } from 'node:fs/promises';
import {
  createGpu, createMlp, currentPlatform, evaluate, formatAdapterReport, RunLog, syntheticShapes, train, trainValidationSplit,
} from 'ntk-at';

const out = process.argv[2] ?? 'runs/example-node';
const eps = 0.1;
await rm(out, { recursive: true, force: true }); // the log appends: start from an empty run directory
const gpu = await createGpu(); // a real GPU if there is one, else a software adapter
console.log(`adapter: ${formatAdapterReport(gpu.report)}`);

// 400 images of 10 shape classes, 16x16 pixels; 100 of them held out (stratified).
const shapes = syntheticShapes({ perClass: 40, size: 16 });
const { train: trainSet, validation } = trainValidationSplit(shapes, { validation: 100 });
const model = createMlp(gpu, { inputShape: trainSet.shape, hidden: [64], classes: 10 });

const log = new RunLog(currentPlatform(), `${out}/log.jsonl`);
const run = await train(model, trainSet, validation, {
  method: 'pgd', eps, pgdSteps: 3, epochs: 8, batchSize: 50, schedule: { kind: 'constant', lr: 0.2 },
  validation: { samples: 100, pgdSteps: 3 }, checkpointPath: `${out}/checkpoint.safetensors`,
}, { log, hooks: { onEpoch: (e) => console.log(`epoch ${e.epoch + 1}: loss ${e.trainLoss.toFixed(3)}, train accuracy ${(100 * e.trainAccuracy).toFixed(1)}%`) } });

const result = await evaluate(model, validation, { eps, threats: [{ kind: 'clean' }, { kind: 'fgsm' }, { kind: 'pgd', steps: 10, restarts: 1 }] });
log.write({ type: 'eval', eps, samples: result.samples, accuracy: result.accuracy });
await log.flush();
console.log(`trained ${run.steps} steps in ${run.seconds.toFixed(1)} s; held-out accuracy:`,
  Object.entries(result.accuracy).map(([threat, a]) => `${threat} ${(100 * a).toFixed(1)}%`).join(', '));
console.log(`wrote ${out}/log.jsonl and ${out}/checkpoint.safetensors`);
console.log(JSON.stringify({ example: 'node', accuracy: result.accuracy }));
model.dispose();
gpu.destroy();
