// Issue 3's measurement: standard training of the small CNN (createCnn defaults) on 5,000 real
// Fashion-MNIST training images (500 per class), then clean accuracy on 2,000 test images.
// Writes <out>/log.jsonl and prints the figures. Usage: node scripts/experiments/cnn-fashion-mnist.mjs [out] [epochs]

import {
  RunLog,
  createCnn,
  createGpu,
  currentPlatform,
  evaluate,
  formatAdapterReport,
  loadFashionMnist,
  stratifiedSubset,
  train,
} from '../../dist/ntk-at.js';

const out = process.argv[2] ?? 'runs/cnn-fashion-mnist';
const epochs = Number(process.argv[3] ?? 3);
const gpu = await createGpu();
const adapter = formatAdapterReport(gpu.report);
const trainSet = stratifiedSubset(await loadFashionMnist({ split: 'train' }), { perClass: 500, selection: 'first' });
const testSet = stratifiedSubset(await loadFashionMnist({ split: 'test' }), { perClass: 200, selection: 'first' });
const model = createCnn(gpu, { seed: 1 });
const log = new RunLog(currentPlatform(), `${out}/log.jsonl`);
log.write({
  type: 'event',
  event: 'start',
  adapter,
  model: model.name,
  parameters: model.parameterCount,
  train: trainSet.name,
  test: testSet.name,
});
const run = await train(
  model,
  trainSet,
  null,
  {
    method: 'standard',
    epochs,
    batchSize: 64,
    logEvery: 10,
    validation: null,
    seed: 1,
    schedule: { kind: 'cyclic', maxLr: 0.1, epochs, peakEpoch: epochs * 0.4 },
    sgd: { momentum: 0.9, weightDecay: 5e-4 },
  },
  {
    log,
    hooks: {
      onEpoch: (r) =>
        console.log(
          `epoch ${r.epoch + 1}: loss ${r.trainLoss.toFixed(4)} train acc ${r.trainAccuracy.toFixed(4)} ${r.imagesPerSecond.toFixed(1)} img/s`,
        ),
    },
  },
);
const result = await evaluate(model, testSet, { threats: [{ kind: 'clean' }], batchSize: 200 });
log.write({ type: 'eval', split: testSet.name, samples: result.samples, accuracy: result.accuracy });
await log.flush();
console.log(`adapter: ${adapter}`);
console.log(
  `${trainSet.name}, ${epochs} epochs in ${run.seconds.toFixed(0)} s: test accuracy ${result.accuracy.clean.toFixed(4)} on ${result.samples} images`,
);
gpu.destroy();
