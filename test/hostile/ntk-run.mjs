// A small PGD-AT run with live NTK tracking through the library (dist/ntk-at.js), checkpointing
// every epoch: the child process of the hostile suite's kill-and-resume cases. `resume` continues
// from <out>/checkpoint.safetensors, restoring the tracker's state from it.
// Usage: node test/hostile/ntk-run.mjs <out> [resume]

import {
  createGpu,
  createMlp,
  currentPlatform,
  KernelTracker,
  loadCheckpoint,
  RunLog,
  selectProbeSet,
  syntheticClusters,
  train,
  uploadBatch,
} from '../../dist/ntk-at.js';

const [out, mode] = process.argv.slice(2);
const checkpointPath = `${out}/checkpoint.safetensors`;
const gpu = await createGpu();
const data = syntheticClusters({ perClass: 20, seed: 1 });
const probeSource = syntheticClusters({ name: 'synthetic-probe', perClass: 4, seed: 2 });
const model = createMlp(gpu, { inputShape: [1, 8, 8], hidden: [16], classes: 10, seed: 0 });
const probe = uploadBatch(gpu, probeSource, selectProbeSet(probeSource, { perClass: 2, seed: 0 }).indices);
const log = new RunLog(currentPlatform(), `${out}/log.jsonl`);
const tracker = new KernelTracker(model, { x: probe.x, y: probe.y, labels: probe.labels }, log, {
  firstEpochFractions: [0, 0.25, 0.5],
  adversarial: { attack: 'pgd', eps: 0.1, norm: 'linf', steps: 3, stepFactor: 0.25 },
  seed: 0,
});
const resume = mode === 'resume' ? await loadCheckpoint(checkpointPath) : null;
if (resume) tracker.restore(resume);
else await tracker.maybeCheck(0, 0);
await train(
  model,
  data,
  null,
  {
    method: 'pgd',
    eps: 0.1,
    pgdSteps: 3,
    epochs: 4,
    batchSize: 50,
    logEvery: 1,
    seed: 0,
    validation: null,
    checkpointPath,
    schedule: { kind: 'constant', lr: 0.05 },
  },
  { log, resume, hooks: tracker.hooks() },
);
tracker.finish();
await log.flush();
probe.dispose();
model.dispose();
gpu.destroy();
console.log('done');
