// The TF.js peer of `npm run bench`: TF.js 4.22.0 on its wasm backend training the MLP
// 784-256-256-10 (standard training, SGD with momentum 0.9, batch from the spec) on the first
// images of Fashion-MNIST. Usage: node bench/peers/tfjs_peer.mjs SPEC_JSON -> {times_ms, info}.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const spec = JSON.parse(process.argv[2]);
if (spec.kind !== 'train' || spec.model !== 'mlp' || spec.method !== 'standard') {
  throw new Error(`tfjs_peer: only standard training of the MLP, got ${JSON.stringify(spec)}`);
}
await tf.setBackend('wasm');
await tf.ready();

/** The first n training images (pixels/255, [n, 784]) and one-hot labels ([n, 10]). */
function fashionMnist(dir, n) {
  const images = gunzipSync(readFileSync(join(dir, 'train-images-idx3-ubyte.gz'))).subarray(16, 16 + n * 784);
  const labels = gunzipSync(readFileSync(join(dir, 'train-labels-idx1-ubyte.gz'))).subarray(8, 8 + n);
  return [tf.tensor2d(Float32Array.from(images, (p) => p / 255), [n, 784]), tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10)];
}

const { batch, steps } = spec;
const [xs, ys] = fashionMnist(spec.data, steps * batch);
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
    tf.layers.dense({ units: 256, activation: 'relu' }),
    tf.layers.dense({ units: 10 }),
  ],
});
const optimizer = tf.train.momentum(0.05, 0.9);
const lossOf = (x, y) => tf.losses.softmaxCrossEntropy(y, model.apply(x));

/** One pass over `n` shuffled batches; reads the last loss back (as our trainer reads its metrics). */
async function epoch(n) {
  const order = tf.util.createShuffledIndices(n * batch);
  let loss = null;
  for (let k = 0; k < n; k++) {
    const idx = tf.tensor1d(Int32Array.from(order.subarray(k * batch, (k + 1) * batch)), 'int32');
    const [x, y] = [xs.gather(idx), ys.gather(idx)];
    loss?.dispose();
    loss = optimizer.minimize(() => lossOf(x, y), true);
    tf.dispose([idx, x, y]);
  }
  await loss.data();
  loss.dispose();
}

await epoch(1);
const times = [];
const start = performance.now();
while (times.length < spec.repeats && (times.length < spec.minRuns || performance.now() - start < spec.budgetS * 1000)) {
  const t0 = performance.now();
  await epoch(steps);
  times.push(performance.now() - t0);
}
const parameters = model.countParams();
console.log(JSON.stringify({ times_ms: times, info: { parameters, images_per_run: steps * batch, backend: tf.getBackend(), tfjs: tf.version.tfjs, threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi' : 1, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') } }));
