// Data pipeline conformance, run in Node, Deno and Chromium on data made in the test: readers
// (plain and gzip through each runtime's DecompressionStream), typed errors on bad bytes, seeded
// batch order, upload, device crop+flip against the reference, synthetic data and probe sets.

import { BatchLoader, PIXEL_SCALE, gatherImages, uploadBatch } from '../../src/data/batching.js';
import { readCifar10 } from '../../src/data/cifar.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { decodeIdx, readIdxDataset } from '../../src/data/idx.js';
import { selectProbeSet } from '../../src/data/probe.js';
import { syntheticClusters, syntheticShapes } from '../../src/data/synthetic.js';
import { augmentCropFlip } from '../../src/ops/augment.js';
import { Rng } from '../../src/random/rng.js';
import { augmentCropFlipReference, cropFlipChoice } from '../../src/reference/augment.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assert, assertBitEqual, expectCode, randomF32 } from './check.js';
import { cifarBatch, cifarPixel, corruptions, fuzz, gzipBytes, idxBytes, idxPair } from './data_bytes.js';
import { defineCase } from './harness.js';

const CLASSES = Array.from({ length: 10 }, (_, c) => `class ${c}`);

defineCase('data: IDX and CIFAR-10 readers parse generated files, plain and gzip', async ({ output }) => {
  const { images, labels } = idxPair(23, 5, 7);
  const [gzImages, gzLabels] = await Promise.all([gzipBytes(images), gzipBytes(labels)]);
  const plain = await readIdxDataset({ file: 'x.idx', bytes: images }, { file: 'y.idx', bytes: labels }, { name: 'gen', classes: CLASSES });
  const gz = await readIdxDataset({ file: 'x.gz', bytes: gzImages }, { file: 'y.gz', bytes: gzLabels }, { name: 'gen', classes: CLASSES });
  assert(plain.length === 23 && plain.shape.join() === '1,5,7', `IDX: ${plain.length} samples of [${plain.shape}]`);
  assertBitEqual(gz.images, plain.images, 'gzip vs plain IDX pixels');
  assertBitEqual(gz.labels, plain.labels, 'gzip vs plain IDX labels');
  assert(plain.image(4)[2 * 7 + 3] === (7 * 4 + 3 * 2 + 3) % 256, 'IDX pixel (4, 2, 3) misplaced');
  const files = [
    [3, 1, 4],
    [1, 5],
  ].map((l, k) => ({ file: `data_batch_${k + 1}.bin`, bytes: cifarBatch(l, 3 * k) }));
  files[1].bytes = await gzipBytes(files[1].bytes);
  const cifar = await readCifar10(files, 'cifar-gen');
  assert(cifar.length === 5 && cifar.shape.join() === '3,32,32', `CIFAR: ${cifar.length} samples of [${cifar.shape}]`);
  assertBitEqual(cifar.labels, [3, 1, 4, 1, 5], 'CIFAR labels across two files');
  for (const [r, ch, y, x] of [
    [0, 0, 0, 0],
    [2, 1, 17, 30],
    [4, 2, 31, 31],
  ]) {
    assert(cifar.image(r)[ch * 1024 + y * 32 + x] === cifarPixel(r, ch, y, x), `CIFAR pixel (${r}, ${ch}, ${y}, ${x}) misplaced`);
  }
  output('idx', Float32Array.from(gz.images), { mode: 'bitwise' });
  output('cifar', Float32Array.from(cifar.images), { mode: 'bitwise' });
});

defineCase('data: bad files give typed errors naming the file', async () => {
  const { images, labels } = idxPair(6, 4, 4);
  const read = (x: Uint8Array, y: Uint8Array) =>
    readIdxDataset({ file: 'imgs.idx', bytes: x }, { file: 'lbls.idx', bytes: y }, { name: 'bad', classes: CLASSES });
  const cases: Array<[string, string, () => Promise<unknown>]> = [
    ['E_DATA_FORMAT', 'imgs.idx', () => read(images.subarray(0, images.length - 3), labels)],
    ['E_DATA_FORMAT', 'imgs.gz', async () => decodeIdx((await gzipBytes(images)).subarray(0, 40), 'imgs.gz')],
    ['E_DATA_FORMAT', 'lbls.idx', () => read(images, idxBytes([6], Uint8Array.of(0, 1, 2, 12, 4, 5)))],
    ['E_DATA_FORMAT', 'imgs.idx + lbls.idx', () => read(images, idxBytes([5], new Uint8Array(5)))],
    ['E_DATA_EMPTY', 'imgs.idx', () => read(idxBytes([0, 4, 4], new Uint8Array(0)), idxBytes([0], new Uint8Array(0)))],
    ['E_DATA_FORMAT', 'b.bin', () => readCifar10([{ file: 'b.bin', bytes: cifarBatch([1, 2]).subarray(0, 5000) }], 'c')],
    ['E_DATA_FORMAT', 'b.bin', () => readCifar10([{ file: 'b.bin', bytes: cifarBatch([1, 10]) }], 'c')],
    ['E_DATA_EMPTY', 'b.bin', () => readCifar10([{ file: 'b.bin', bytes: new Uint8Array(0) }], 'c')],
  ];
  for (const [code, file, fn] of cases) {
    const message = await expectCode(code, fn);
    assert(message.includes(file), `error does not name ${file}: ${message}`);
  }
  const magic = await expectCode('E_DATA_FORMAT', () =>
    read(
      Uint8Array.from(images, (v, i) => (i === 2 ? 0x42 : v)),
      labels,
    ),
  );
  assert(/magic/.test(magic), `wrong magic not reported as such: ${magic}`);
});

defineCase('data: corrupted bytes give only typed errors or valid data (fuzz, 3 readers)', async ({ metric }) => {
  const { images, labels } = idxPair(4, 3, 3);
  const gz = await gzipBytes(images);
  const cifar = cifarBatch([2, 7]);
  const idx = await fuzz(
    corruptions(images, 70, 1),
    'f.idx',
    (b) => decodeIdx(b, 'f.idx'),
    (r) => assert(r.data.length === r.dims.reduce((a, d) => a * d, 1), 'IDX size'),
  );
  const gzip = await fuzz(
    corruptions(gz, 70, 2),
    'f.gz',
    (b) => decodeIdx(b, 'f.gz'),
    (r) => assert(r.dims.length > 0, 'IDX rank'),
  );
  const bin = await fuzz(
    corruptions(cifar, 70, 3),
    'f.bin',
    (b) => readCifar10([{ file: 'f.bin', bytes: b }], 'c'),
    (d) => assert(d.images.length === d.length * 3072, 'CIFAR size'),
  );
  const pair = await fuzz(
    corruptions(labels, 70, 4),
    'l.idx',
    (b) => readIdxDataset({ file: 'i.idx', bytes: images }, { file: 'l.idx', bytes: b }, { name: 'p', classes: CLASSES }),
    (d) => assert(d.length === 4, 'pair size'),
  );
  for (const [name, o] of Object.entries({ idx, gzip, bin, pair })) metric(`${name}_typed_errors`, o.typed);
});

defineCase('data: seeded batch order and uploaded pixels are reproducible', async ({ gpu, output }) => {
  const dataset = syntheticShapes({ perClass: 5, size: 12, seed: 3 });
  const live = gpu.pool.liveCount;
  const loader = new BatchLoader(gpu, dataset, { batchSize: 16, seed: 7 });
  const again = new BatchLoader(gpu, dataset, { batchSize: 16, seed: 7 });
  const order0 = loader.order(0).slice();
  const order1 = loader.order(1).slice();
  assert(
    [...order0].sort((a, b) => a - b).every((v, i) => v === i),
    'epoch order is not a permutation',
  );
  assert(
    order0.some((v, i) => v !== order1[i]),
    'epochs 0 and 1 have the same order',
  );
  assertBitEqual(again.order(1), order1, 'epoch 1 order depends on what was drawn before');
  assertBitEqual(again.order(0), order0, 'same seed, same epoch 0 order');
  assert(loader.batchesPerEpoch === 4, `50 samples in batches of 16: ${loader.batchesPerEpoch} batches`);
  const pixels: number[] = [];
  for (const batch of loader.epoch(1)) {
    const x = await batch.x.read();
    assertBitEqual(x, gatherImages(dataset, batch.indices), 'uploaded pixels vs host gather');
    assertBitEqual(await batch.y.read(), Float32Array.from(batch.labels), 'device labels vs host labels');
    assertBitEqual(
      batch.labels,
      Array.from(batch.indices, (i) => dataset.labels[i]),
      'labels follow the indices',
    );
    pixels.push(...x);
    batch.dispose();
  }
  assert(pixels.length === 50 * 144 && pixels.every((v) => v >= 0 && v <= 1), 'an epoch covers every sample once, in [0, 1]');
  assert(PIXEL_SCALE[255] === 1 && PIXEL_SCALE[0] === 0, 'byte scale endpoints');
  assert(gpu.pool.liveCount === live, `pool leak: ${gpu.pool.liveCount - live} buffers`);
  output('order', Float64Array.from([...order0, ...order1]), { mode: 'bitwise' });
  output('epoch1_pixels', Float32Array.from(pixels), { mode: 'bitwise' });
});

defineCase('data: device crop+flip equals the reference bit for bit', async ({ gpu, output, metric }) => {
  const shapes: Array<[[number, number, number, number], number, boolean]> = [
    [[3, 3, 7, 5], 2, true],
    [[5, 1, 28, 28], 4, true],
    [[4, 3, 32, 32], 4, true],
    [[6, 2, 9, 11], 0, true],
    [[3, 1, 10, 10], 3, false],
  ];
  let flips = 0;
  let samples = 0;
  for (const [k, [shape, padding, flip]] of shapes.entries()) {
    const data = randomF32(
      shape.reduce((a, b) => a * b, 1),
      40 + k,
      0.01,
      1,
    );
    const x = Tensor.fromArray(gpu, data, shape);
    const rng = new Rng(11 + k, 5, 8);
    const words = Rng.fromState(rng.state()).words(4 * shape[0]);
    const y = augmentCropFlip(x, rng, { padding, flip });
    const got = await y.read();
    assertBitEqual(got, augmentCropFlipReference(data, shape, words, { padding, flip }), `crop+flip [${shape}] pad ${padding}`);
    assert(rng.state().position === 8 + 4 * shape[0], 'the op did not advance the Rng by one block per sample');
    for (let s = 0; s < shape[0]; s++) flips += Number(cropFlipChoice(words, s, { padding, flip }).flip);
    samples += shape[0];
    output(`y${k}`, got, { mode: 'bitwise' });
    x.dispose();
    y.dispose();
  }
  metric('flipped_fraction', flips / samples);
  // A large draw of the choices covers every crop origin and flips about half the time.
  const words = new Rng(1, 2).words(4 * 2000);
  const seen = new Set<string>();
  let flipped = 0;
  for (let s = 0; s < 2000; s++) {
    const c = cropFlipChoice(words, s, { padding: 2, flip: true });
    seen.add(`${c.oy},${c.ox}`);
    flipped += Number(c.flip);
  }
  assert(seen.size === 25 && Math.abs(flipped / 2000 - 0.5) < 0.05, `choices: ${seen.size} origins, ${flipped} flips of 2000`);
});

defineCase('data: loader augmentation depends only on (seed, epoch, slot)', async ({ gpu, output }) => {
  const dataset = syntheticShapes({ perClass: 4, size: 10, classes: 5, seed: 4 });
  const augment = { padding: 2, flip: true };
  const small = new BatchLoader(gpu, dataset, { batchSize: 4, seed: 9, augment });
  const large = new BatchLoader(gpu, dataset, { batchSize: 20, seed: 9, augment });
  const whole = large.batch(2, 0);
  const all = await whole.x.read();
  const size = dataset.imageSize;
  for (let k = 0; k < small.batchesPerEpoch; k++) {
    const part = small.batch(2, k);
    assertBitEqual(await part.x.read(), all.subarray(k * 4 * size, (k + 1) * 4 * size), `batch ${k} of 4 vs slots of one batch of 20`);
    part.dispose();
  }
  const plain = uploadBatch(gpu, dataset, whole.indices);
  const expected = augmentCropFlipReference(await plain.x.read(), [20, 1, 10, 10], new Rng(9, 0xda7a0002, 4 * 2 * 20).words(80), augment);
  assertBitEqual(all, expected, 'loader augmentation vs reference at the documented stream position');
  output('augmented', all, { mode: 'bitwise' });
  whole.dispose();
  plain.dispose();
});

defineCase('data: synthetic data sets and probe sets are identical in every runtime', async ({ output }) => {
  const clusters = syntheticClusters({ perClass: 20, shape: [1, 4, 4], seed: 5 });
  const shapes = syntheticShapes({ perClass: 3, size: 16, seed: 6 });
  for (const d of [clusters, shapes]) {
    assert(d.name.startsWith('synthetic-'), `synthetic data set named "${d.name}"`);
    assert(
      d.classCounts().every((n) => n === d.length / d.classes.length),
      `${d.name} is not balanced`,
    );
  }
  const probe = selectProbeSet(clusters, { perClass: 4, seed: 12 });
  const again = selectProbeSet(clusters, { perClass: 4, seed: 12 });
  assertBitEqual(again.indices, probe.indices, 'same seed, same probe');
  assertBitEqual(
    probe.dataset.labels,
    Array.from({ length: 40 }, (_, i) => Math.floor(i / 4)),
    'probe is grouped by class',
  );
  assert(
    selectProbeSet(clusters, { perClass: 4, seed: 13 }).indices.some((v, i) => v !== probe.indices[i]),
    'seed does not matter',
  );
  const lopsided = new ImageDataset({
    name: 'lopsided',
    images: new Uint8Array(4),
    labels: Uint8Array.of(1),
    shape: [1, 2, 2],
    classes: ['a', 'b'],
  });
  await expectCode('E_INVALID_ARGUMENT', () => selectProbeSet(lopsided, { perClass: 1 }));
  output('clusters', Float32Array.from(clusters.images), { mode: 'bitwise' });
  output('shapes', Float32Array.from(shapes.images), { mode: 'bitwise' });
  output('probe', Float64Array.from(probe.indices), { mode: 'bitwise' });
});
